//! Bad input gets one clear error naming the file, the field and the value (issue point 7).

use spikeforge_config::{AcceleratorConfig, ConfigError, Format, Input, Network};
use std::path::Path;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"))
}

fn small() -> String {
    std::fs::read_to_string(examples().join("network-small.toml")).unwrap()
}

fn net_err(text: &str) -> ConfigError {
    Network::parse(text, Format::Toml, "net.toml").expect_err("must be rejected")
}

#[test]
fn examples_load() {
    let net = Network::load(examples().join("network-small.toml")).unwrap();
    assert_eq!(net.layers.len(), 2);
    let shapes = net.shapes();
    assert_eq!((shapes[0].pooled_height(), shapes[1].in_channels), (3, 18));
    Input::load(examples().join("input-small.toml"), &net).unwrap();
    Input::load(examples().join("input-small-spikes.json"), &net).unwrap();
    let acc = AcceleratorConfig::load(examples().join("accel-default.toml")).unwrap();
    assert_eq!(acc, AcceleratorConfig::default());
    let acc_json = AcceleratorConfig::load(examples().join("accel-default.json")).unwrap();
    assert_eq!(acc_json, acc);
    // JSON round trip of a network is the same network.
    let json = serde_json::to_string(&net).unwrap();
    assert_eq!(Network::parse(&json, Format::Json, "n.json").unwrap(), net);
}

#[test]
fn share_factor_not_dividing_k() {
    let text = small().replace("share_factor = 2", "share_factor = 8");
    let e = net_err(&text);
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[1].share_factor", "8")
    );
    assert!(e.message.contains("K = 4"), "{e}");
    assert!(
        e.to_string()
            .starts_with("net.toml: field `layers[1].share_factor` = 8"),
        "{e}"
    );
}

#[test]
fn threshold_out_of_range() {
    let e = net_err(&small().replace("threshold = 9", "threshold = 40"));
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[1].threshold", "40")
    );
    assert!(e.message.contains("1..=31"), "{e}");
    let e = net_err(&small().replace("threshold = 6", "threshold = 0"));
    assert_eq!(e.field, "layers[0].threshold");
}

#[test]
fn weight_outside_weight_bits() {
    let e = net_err(&small().replace("[5, -2, 3, -1]", "[5, -2, 9, -1]"));
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("classifier.weights[0][2]", "9")
    );
    assert!(e.message.contains("-8..=7"), "{e}");
}

#[test]
fn shape_mismatches() {
    let e = net_err(&small().replace("name = \"fc1\"", "name = \"fc1\"\nin_channels = 20"));
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[1].in_channels", "20")
    );
    assert!(e.message.contains("shape mismatch"), "{e}");
    let e = net_err(&small().replace("[5, -2, 3, -1],", "[5, -2, 3],"));
    assert_eq!(e.field, "classifier.weights");
    let e = net_err(&small().replace("[-2, 4, -1, 3],", ""));
    assert!(e.message.contains("expected [3, 4]"), "{e}");
}

#[test]
fn zero_timesteps() {
    let e = net_err(&small().replace("timesteps = 4", "timesteps = 0"));
    assert_eq!((e.field.as_str(), e.value.as_str()), ("timesteps", "0"));
}

#[test]
fn unknown_keys_are_rejected_with_their_path() {
    let e = net_err(&small().replace("share_factor = 2", "share_factor = 2\nshare_facter = 2"));
    assert_eq!(e.field, "layers[1].share_facter", "{e}");
    assert!(e.message.contains("unknown field"), "{e}");
    let e = net_err(&small().replace("[input]", "colour = 1\n[input]"));
    assert_eq!(e.field, "colour", "{e}");
    let json = r#"{"encoding": "rate", "intensities": [1], "sed": 3}"#;
    let net = Network::parse(&small(), Format::Toml, "n").unwrap();
    let e = Input::parse(json, Format::Json, "in.json", &net).unwrap_err();
    assert_eq!(e.field, "sed", "{e}");
}

#[test]
fn wrong_types_and_enum_values_name_field_and_value() {
    let e = net_err(&small().replace("reset = \"soft\"", "reset = \"medium\""));
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[0].reset", "medium"),
        "{e}"
    );
    let e = net_err(&small().replace(
        "weight_bits = 4\nthreshold = 6",
        "weight_bits = 3\nthreshold = 6",
    ));
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[0].weight_bits", "3")
    );
    let e = net_err(&small().replace("leak = \"shift(3)\"", "leak = \"shift(9)\""));
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("layers[0].leak", "shift(9)")
    );
}

#[test]
fn input_errors() {
    let net = Network::parse(&small(), Format::Toml, "n").unwrap();
    let e = Input::parse(
        r#"{"encoding": "rate", "intensities": [300]}"#,
        Format::Json,
        "i.json",
        &net,
    )
    .unwrap_err();
    assert!(e.message.contains("shape mismatch"), "{e}");
    let mut v = vec![0; 36];
    v[7] = 256;
    let text = format!(r#"{{"encoding": "rate", "intensities": {v:?}}}"#);
    let e = Input::parse(&text, Format::Json, "i.json", &net).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("intensities[7]", "256")
    );
    let e = Input::parse(
        r#"{"encoding": "spikes", "spikes": [[0]]}"#,
        Format::Json,
        "i.json",
        &net,
    )
    .unwrap_err();
    assert_eq!(e.field, "spikes");
}

#[test]
fn accelerator_errors() {
    let base = std::fs::read_to_string(examples().join("accel-default.toml")).unwrap();
    let e = AcceleratorConfig::parse(
        &base.replace("rows = 8", "rows = 0"),
        Format::Toml,
        "a.toml",
    )
    .unwrap_err();
    assert_eq!((e.field.as_str(), e.value.as_str()), ("rows", "0"));
    let e = AcceleratorConfig::parse(
        &base.replace("tech = \"sram\"", "tech = \"flash\""),
        Format::Toml,
        "a.toml",
    )
    .unwrap_err();
    assert_eq!(e.field, "buffers.weight.tech", "{e}");
    let e = AcceleratorConfig::parse(
        &base.replace("tick_batch = 4", "tick_batch = 0"),
        Format::Toml,
        "a.toml",
    )
    .unwrap_err();
    assert_eq!(e.field, "schedule.tick_batch");
    let net = Network::parse(&small(), Format::Toml, "n").unwrap();
    let mut acc = AcceleratorConfig::default();
    acc.schedule.tick_batch = 5;
    let e = acc.check_network("a.toml", &net).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("schedule.tick_batch", "5")
    );
    acc.schedule.tick_batch = 2;
    acc.psum_bits = 6;
    let e = acc.check_network("a.toml", &net).unwrap_err();
    assert_eq!(e.field, "psum_bits");
}
