//! Accelerator fields outside what the generators build are refused by the configuration,
//! naming the field (issue 8, item 3): before, `rows = 256` failed in the generator with an
//! internal DSL error, 2^36- and 2^40-bit buffers produced width errors or Verilog that
//! Verilator refuses, `lif_units ≠ cols` and `clock_mhz = 1e-300` were accepted.

use spikeforge_config::{AcceleratorConfig, ConfigError, Format};
use std::path::Path;

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"))
}

fn base() -> String {
    std::fs::read_to_string(examples().join("accel-default.toml")).unwrap()
}

/// Parses the default configuration with `from` replaced by `to`; it must be refused.
fn refused(from: &str, to: &str) -> ConfigError {
    let text = base();
    assert!(text.contains(from), "{from}");
    AcceleratorConfig::parse(&text.replacen(from, to, 1), Format::Toml, "a.toml")
        .expect_err("must be refused")
}

#[test]
fn rows_and_cols_beyond_the_largest_generated_array() {
    for v in ["65", "256", "1024"] {
        let e = refused("rows = 8", &format!("rows = {v}"));
        assert_eq!((e.field.as_str(), e.value.as_str()), ("rows", v), "{e}");
        assert!(e.message.contains("1..=64"), "{e}");
        let e = refused("cols = 16", &format!("cols = {v}"));
        assert_eq!(e.field, "cols", "{e}");
    }
    // The largest accepted array.
    let text = base()
        .replace("rows = 8", "rows = 64")
        .replace("cols = 16", "cols = 64")
        .replace("lif_units = 16", "lif_units = 64");
    AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap();
}

#[test]
fn buffers_beyond_what_verilator_accepts() {
    for bits in [1u64 << 40, 1 << 36, (1 << 30) + 1] {
        let e = refused("size_bits = 8388608", &format!("size_bits = {bits}"));
        assert_eq!(e.field, "buffers.psum.size_bits", "{e}");
        assert_eq!(e.value, bits.to_string());
        assert!(e.message.contains("1..=1073741824"), "{e}");
    }
    // One column: spike words of 1 bit, so at most 2^28 bits (2^28 words).
    let one_col = base()
        .replace("cols = 16", "cols = 1")
        .replace("lif_units = 16", "lif_units = 1");
    let e = AcceleratorConfig::parse(
        &one_col.replace("size_bits = 16777216", "size_bits = 268435457"),
        Format::Toml,
        "a.toml",
    )
    .unwrap_err();
    assert_eq!(e.field, "buffers.weight.size_bits", "{e}");
    assert!(e.message.contains("2^28 words"), "{e}");
    let e = refused("size_bits = 1048576", "size_bits = 0");
    assert_eq!(e.field, "buffers.input_spike.size_bits", "{e}");
}

#[test]
fn lif_units_must_equal_cols() {
    let e = refused("lif_units = 16", "lif_units = 8");
    assert_eq!((e.field.as_str(), e.value.as_str()), ("lif_units", "8"));
    assert!(e.message.contains("cols = 16"), "{e}");
}

#[test]
fn clock_outside_1_khz_to_100_ghz() {
    for (v, shown) in [
        ("1e-300", "1e-300"),
        ("1e308", "1e308"),
        ("0.0", "0"),
        ("-5.0", "-5"),
        ("0.0009", "0.0009"),
        ("100001.0", "100001"),
        ("nan", "NaN"),
        ("inf", "inf"),
    ] {
        let e = refused("clock_mhz = 500.0", &format!("clock_mhz = {v}"));
        assert_eq!(
            (e.field.as_str(), e.value.as_str()),
            ("clock_mhz", shown),
            "{e}"
        );
        assert!(e.to_string().len() < 200, "short: {e}");
    }
    for ok in ["0.001", "100000.0"] {
        let text = base().replace("clock_mhz = 500.0", &format!("clock_mhz = {ok}"));
        AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap();
    }
}

#[test]
fn other_generation_limits() {
    let e = refused("psum_bits = 24", "psum_bits = 49");
    assert_eq!(e.field, "psum_bits");
    let e = refused("pipeline_regs = 0", "pipeline_regs = 65");
    assert_eq!(e.field, "pipeline_regs");
    let e = refused("weight_spad_depth = 64", "weight_spad_depth = 1025");
    assert_eq!(e.field, "weight_spad_depth");
    let e = refused("tick_batch = 4", "tick_batch = 1025");
    assert_eq!(e.field, "schedule.tick_batch");
    assert!(e.message.contains("1..=1024"), "{e}");
    // Partial sums narrower than a weight do not build (the PE sign-extends a weight).
    let text = base().replace("psum_bits = 24", "psum_bits = 8")
        + "\n[lif]\nweight_bits = 16\nmembrane_bits = 8\n";
    let e = AcceleratorConfig::parse(&text, Format::Toml, "a.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("psum_bits", "8"),
        "{e}"
    );
    assert!(e.message.contains("lif.weight_bits = 16"), "{e}");
}

#[test]
fn example_configurations_stay_valid() {
    for f in [
        "accel-default.toml",
        "accel-default.json",
        "accel-large.toml",
    ] {
        AcceleratorConfig::load(examples().join(f)).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn entropy_unit_is_parallel_serial_or_serial_pipelined() {
    use spikeforge_config::EntropyUnitKind;
    let with = |v: &str| format!("{}\n[rtl]\nentropy_unit = \"{v}\"\n", base());
    let a = AcceleratorConfig::parse(&with("serial"), Format::Toml, "a.toml").unwrap();
    assert_eq!(a.rtl.entropy_unit, EntropyUnitKind::Serial);
    let a = AcceleratorConfig::parse(&with("serial_pipelined"), Format::Toml, "a.toml").unwrap();
    assert_eq!(a.rtl.entropy_unit, EntropyUnitKind::SerialPipelined);
    let a = AcceleratorConfig::parse(&base(), Format::Toml, "a.toml").unwrap();
    assert_eq!(a.rtl.entropy_unit, EntropyUnitKind::Parallel, "the default");
    let e = AcceleratorConfig::parse(&with("fast"), Format::Toml, "a.toml").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("rtl.entropy_unit", "fast"),
        "{e}"
    );
    assert!(
        e.message
            .contains("`parallel`, `serial`, `serial_pipelined`"),
        "{e}"
    );
}
