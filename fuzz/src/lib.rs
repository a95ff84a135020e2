//! What each fuzz target does with one input, shared by the libFuzzer targets
//! (`fuzz_targets/*.rs`) and the replay of saved inputs in the main test suite
//! (`tests/fuzz_regressions.rs`, which includes this file by path).
//!
//! An input is one selector byte (even: TOML, odd: JSON) followed by the file's text. Each
//! function must return normally for every input: a panic, an abort, a hang or an
//! out-of-memory is a bug.

use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
use std::sync::OnceLock;

/// Splits an input into the format it selects and its text (`None`: not UTF-8, or empty).
fn split(data: &[u8]) -> Option<(Format, &str)> {
    let (&selector, rest) = data.split_first()?;
    let text = std::str::from_utf8(rest).ok()?;
    let format = if selector & 1 == 0 {
        Format::Toml
    } else {
        Format::Json
    };
    Some((format, text))
}

/// The example network every input and accelerator file is read against.
fn example_network() -> &'static Network {
    static NET: OnceLock<Network> = OnceLock::new();
    NET.get_or_init(|| {
        Network::parse(
            include_str!("../../examples/network-small.toml"),
            Format::Toml,
            "examples/network-small.toml",
        )
        .expect("the example network is valid")
    })
}

/// The analytic estimate of `net` on `accel` (B clamped to T), when the pair is valid.
fn estimate(net: &Network, mut accel: AcceleratorConfig) {
    accel.schedule.tick_batch = accel.schedule.tick_batch.min(net.timesteps);
    if accel.check_network("fuzz", net).is_ok() {
        let _ = spikeforge_golden::GoldenModel::estimate(
            net,
            &accel,
            0.1,
            None,
            &spikeforge_golden::EnergyTable::default(),
        );
    }
}

/// A network description: parsed and validated; when accepted, estimated on the default
/// accelerator.
pub fn network(data: &[u8]) {
    if let Some((format, text)) = split(data) {
        if let Ok(net) = Network::parse(text, format, "fuzz") {
            estimate(&net, AcceleratorConfig::default());
        }
    }
}

/// An input description, parsed and validated against the example network.
pub fn input(data: &[u8]) {
    if let Some((format, text)) = split(data) {
        let _ = Input::parse(text, format, "fuzz", example_network());
    }
}

/// An accelerator configuration: parsed and validated; when accepted, the example network is
/// estimated on it.
pub fn accelerator(data: &[u8]) {
    if let Some((format, text)) = split(data) {
        if let Ok(accel) = AcceleratorConfig::parse(text, format, "fuzz") {
            estimate(example_network(), accel);
        }
    }
}
