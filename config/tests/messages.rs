//! Every error names file, field and value (issue 8, item 5): before, an integer too large
//! for 64 bits had no field, a TOML file ending in `pipeline_regs =` had an empty message,
//! 1e308 was printed with 300 digits, and `true` was accepted as a weight.

use spikeforge_config::{short_float, AcceleratorConfig, Format, Input, Network};
use std::path::Path;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples")
            .join(name),
    )
    .unwrap()
}

#[test]
fn integer_overflow_names_the_field_and_value() {
    let text = example("accel-default.toml").replace("rows = 8", "rows = 99999999999999999999");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("rows", "99999999999999999999"),
        "{e}"
    );
    assert_eq!(
        e.message,
        "integer too large (more than 64 bits) (line 4, column 8)"
    );
    let text = example("accel-default.toml").replace("rows = 8", "rows = -99999999999999999999");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(e.field, "rows", "{e}");
    assert!(e.message.starts_with("integer too"), "{e}");
    // Inside a table, and inside a multi-line array of an array of tables.
    let text = example("accel-default.toml")
        .replace("size_bits = 8388608", "size_bits = 18446744073709551616");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(e.field, "buffers.psum.size_bits", "{e}");
    let net =
        example("network-small.toml").replace("[[[-1, 0, 1]", "[[[-1, 0, 99999999999999999999]");
    let e = Network::parse(&net, Format::Toml, "n.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[0].weights", "99999999999999999999"),
        "{e}"
    );
    // Within 64 bits but not 32: serde names the field itself.
    let text = example("accel-default.toml").replace("rows = 8", "rows = 99999999999");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("rows", "99999999999")
    );
}

#[test]
fn truncated_toml_has_a_message_with_line_and_column() {
    let text = example("accel-default.toml");
    let cut = &text[..text.find("pipeline_regs = ").unwrap() + "pipeline_regs = ".len()];
    let e = AcceleratorConfig::parse(cut, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(e.field, "pipeline_regs", "{e}");
    assert!(
        e.message
            .starts_with("the file ends where a value was expected (line 9, column 17)"),
        "{e}"
    );
    let shown = e.to_string();
    assert!(
        shown.starts_with("a.toml: field `pipeline_regs`: the file ends"),
        "{shown}"
    );
    // Every prefix of a file gives a message with text (not only a position).
    for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        if let Err(e) = AcceleratorConfig::parse(&text[..end], Format::Toml, "a.toml") {
            let head = e.message.split(" (line").next().unwrap_or("");
            assert!(!head.trim().is_empty(), "at {end}: {e}");
        }
    }
}

#[test]
fn truncated_json_names_no_placeholder_field() {
    let text = example("accel-default.json");
    for end in 1..text.len() {
        if let Err(e) = AcceleratorConfig::parse(&text[..end], Format::Json, "a.json") {
            assert!(!e.field.contains('?'), "at {end}: {e}");
            assert!(!e.message.is_empty(), "at {end}: {e}");
        }
    }
}

#[test]
fn floats_are_shown_short() {
    assert_eq!(short_float(1e308), "1e308");
    assert_eq!(short_float(1e-300), "1e-300");
    assert_eq!(short_float(0.15), "0.15");
    assert_eq!(short_float(500.0), "500");
    assert_eq!(short_float(-2.5e7), "-2.5e7");
    let text = example("accel-default.toml").replace("clock_mhz = 500.0", "clock_mhz = 1e308");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(e.value, "1e308", "{e}");
    let net = example("network-small.toml")
        .replace("entropy_threshold = 0.5", "entropy_threshold = 1e308");
    let e = Network::parse(&net, Format::Toml, "n.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("entropy_threshold", "1e308")
    );
    // A float where an integer belongs: serde's own message shows it short too.
    let text = example("accel-default.toml").replace("rows = 8", "rows = 1e308");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("rows", "1e308"),
        "{e}"
    );
    assert!(e.to_string().len() < 120, "{e}");
    let text = example("accel-default.toml").replace("rows = 8", "rows = 1e-300");
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(e.value, "1e-300", "{e}");
    let n = Network::parse(&example("network-small.toml"), Format::Toml, "n.toml").unwrap();
    let input = "encoding = \"random\"\ndensity = 1e300\n";
    let e = Input::parse(input, Format::Toml, "i.toml", &n).unwrap_err();
    assert_eq!((e.field.as_str(), e.value.as_str()), ("density", "1e300"));
}

#[test]
fn booleans_are_not_weights_or_spikes() {
    let net = example("network-small.toml").replace("[[[-1, 0, 1]", "[[[-1, true, 1]");
    let e = Network::parse(&net, Format::Toml, "n.toml").unwrap_err();
    assert!(e.field.starts_with("layers[0].weights"), "{e}");
    assert_eq!(e.value, "true", "{e}");
    let json = serde_json::to_string(
        &Network::parse(&example("network-small.toml"), Format::Toml, "n").unwrap(),
    )
    .unwrap();
    let bad = json.replacen("[5,-2,3,-1]", "[5,-2,false,-1]", 1);
    assert_ne!(bad, json, "the classifier weights are in the JSON");
    let e = Network::parse(&bad, Format::Json, "n.json").unwrap_err();
    assert!(e.field.starts_with("classifier.weights"), "{e}");
    let n = Network::parse(&example("network-small.toml"), Format::Toml, "n.toml").unwrap();
    let spikes = example("input-small-spikes.json");
    let bad = spikes.replacen('1', "true", 1);
    let e = Input::parse(&bad, Format::Json, "i.json", &n).unwrap_err();
    assert!(e.field.starts_with("spikes"), "{e}");
}
