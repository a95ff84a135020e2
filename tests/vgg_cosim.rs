//! The seeds' networks as written in examples/ (no edits) co-simulated on accelerator
//! configurations from examples/: VGG5 (SATA's CIFAR-10 shapes, 2×2 OR pooling) on the
//! built-in 8×16 accelerator, VGG9 (SpikeSim's CIFAR-10 shapes, 9 stages) and VGG16
//! (CIFAR-10 shapes, 16 stages) on examples/accel-vgg.toml (the same with room for 16 stage
//! descriptors and a larger membrane buffer) — spikes, logits, exit, prediction and all 25
//! counters equal to the golden model.

use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::{cosim_on, params_for, CosimOptions, Design};
use spikeforge_rtlsim::BuildOptions;
use std::path::Path;

fn cosim(accel: &str, network: &str, density: f64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let accel = AcceleratorConfig::load(root.join(accel)).unwrap();
    let net = Network::load(root.join(network)).unwrap();
    let design = Design::generate(&params_for(&accel, &net)).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = design
        .build(&BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = CosimOptions {
        out_dir: Some(std::env::temp_dir().join("spikeforge-vgg-cosim")),
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let r = cosim_on(
        &design,
        &mut sim,
        &accel,
        &net,
        &Input::random(density, 1),
        &opts,
    )
    .unwrap_or_else(|e| panic!("{network}: {e}"));
    assert!(
        r.matched,
        "{network}: {}",
        r.mismatch.map(|m| m.to_string()).unwrap_or_default()
    );
    eprintln!(
        "{network} on {}: match, {} cycles simulated in {:.1} s",
        accel.name,
        r.run_cycles,
        start.elapsed().as_secs_f64()
    );
}

#[test]
fn vgg5_as_written_co_simulates_on_the_default_accelerator() {
    cosim(
        "examples/accel-default.toml",
        "examples/vgg5-sata.toml",
        0.2,
    );
}

#[test]
fn vgg9_as_written_co_simulates_with_room_for_16_stages() {
    cosim("examples/accel-vgg.toml", "examples/vgg9-cifar10.toml", 0.2);
}

#[test]
fn vgg16_shapes_co_simulate_with_16_stages() {
    cosim(
        "examples/accel-vgg.toml",
        "examples/vgg16-cifar10.toml",
        0.2,
    );
}
