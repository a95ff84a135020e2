//! Co-simulation speed: simulated cycles per second of `cosim_on` (the Verilator model, the
//! per-cycle driver and the comparison with the golden model) on VGG5 (examples/vgg5-sata.toml,
//! random input spikes at density 0.2) on the built-in 8×16 accelerator, and the model alone
//! (`Simulator::run`, no driver) for the share the driver costs. Best of three runs each; the
//! simulator comes from the cache after the first build. `cargo bench -p spikeforge-cosim
//! --bench cosim_speed`; figures in the README.

use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::{cosim_on, params_for, CosimOptions, Design};
use spikeforge_rtlsim::BuildOptions;
use std::path::Path;
use std::time::Instant;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let accel = AcceleratorConfig::load(root.join("examples/accel-default.toml")).unwrap();
    let net = Network::load(root.join("examples/vgg5-sata.toml")).unwrap();
    let design = Design::generate(&params_for(&accel, &net)).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = design
        .build(&BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let input = Input::random(0.2, 1);
    let opts = CosimOptions::default();
    let mut best = f64::INFINITY;
    let mut cycles = 0;
    for _ in 0..3 {
        let r = cosim_on(&design, &mut sim, &accel, &net, &input, &opts).unwrap();
        assert!(r.matched, "VGG5 must match");
        cycles = r.run_cycles;
        best = best.min(r.sim_s);
    }
    println!(
        "cosim VGG5 on the built-in 8×16 accelerator: {cycles} cycles in {best:.2} s = {:.0} k cycles/s (driver + model + comparison)",
        cycles as f64 / best / 1e3
    );
    // The model alone, stepped in one call per million cycles, best of three. The design is
    // idle after the run: Verilator evaluates all of it every cycle, but a busy design takes
    // more of its branches (scratchpad and buffer writes), so this bounds the end-to-end
    // figure from above.
    let n = 2_000_000u64;
    let mut best_model = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..n / 1_000_000 {
            sim.run(1_000_000);
        }
        best_model = best_model.min(start.elapsed().as_secs_f64());
    }
    println!(
        "the model alone (Simulator::run): {n} cycles in {best_model:.2} s = {:.0} k cycles/s",
        n as f64 / best_model / 1e3
    );
}
