//! Co-simulation speed: simulated cycles per second of `cosim_on` (the Verilator model, the
//! driver and the comparison with the golden model) on VGG5 (examples/vgg5-sata.toml, random
//! input spikes at density 0.2) on the built-in 8×16 accelerator, with the plain build and with
//! the profile-guided one (`Design::build_profiled`, trained by `train_on` on the first million
//! cycles of the same run), and each model alone (`Simulator::run`, no driver) for the share
//! the driver costs. The two builds run alternately, best of three each; both come from the
//! cache after their first build. `cargo bench -p spikeforge-cosim --bench cosim_speed`;
//! figures in the README and docs/cosim.md.

use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::{cosim_on, params_for, train_on, CosimOptions, Design};
use spikeforge_rtlsim::{BuildOptions, Simulator};
use std::path::Path;
use std::time::Instant;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let accel = AcceleratorConfig::load(root.join("examples/accel-default.toml")).unwrap();
    let net = Network::load(root.join("examples/vgg5-sata.toml")).unwrap();
    let design = Design::generate(&params_for(&accel, &net)).unwrap_or_else(|e| panic!("{e}"));
    let input = Input::random(0.2, 1);
    let opts = CosimOptions::default();
    let build = BuildOptions::default();
    let plain = design.build(&build).unwrap_or_else(|e| panic!("{e}"));
    let guided = design
        .build_profiled(&build, |sim| {
            train_on(&design, sim, &accel, &net, &input, &opts)
        })
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(s) = guided.build_info().profile_s {
        println!("profile-guided build: instrumented build and training run {s:.1} s");
    }
    let mut sims = [("plain", plain), ("profile-guided", guided)];
    let mut best = [f64::INFINITY; 2];
    let mut cycles = 0;
    for _ in 0..3 {
        for (k, (_, sim)) in sims.iter_mut().enumerate() {
            let r = cosim_on(&design, sim, &accel, &net, &input, &opts).unwrap();
            assert!(r.matched, "VGG5 must match");
            cycles = r.run_cycles;
            best[k] = best[k].min(r.sim_s);
        }
    }
    for (k, (name, _)) in sims.iter().enumerate() {
        println!(
            "cosim VGG5 on the built-in 8×16 accelerator, {name} build: {cycles} cycles in {:.2} s = {:.0} k cycles/s (driver + model + comparison)",
            best[k],
            cycles as f64 / best[k] / 1e3
        );
    }
    // Each model alone, stepped in one call per million cycles, best of three. The design is
    // idle after the run: Verilator evaluates all of it every cycle, but a busy design takes
    // more of its branches (scratchpad and buffer writes), so this bounds the end-to-end
    // figure from above.
    let n = 2_000_000u64;
    let mut best_model = [f64::INFINITY; 2];
    for _ in 0..3 {
        for (k, (_, sim)) in sims.iter_mut().enumerate() {
            best_model[k] = best_model[k].min(time_model(sim, n));
        }
    }
    for (k, (name, _)) in sims.iter().enumerate() {
        println!(
            "the model alone (Simulator::run), {name} build: {n} cycles in {:.2} s = {:.0} k cycles/s",
            best_model[k],
            n as f64 / best_model[k] / 1e3
        );
    }
}

/// Seconds to step `sim` by `n` cycles (a multiple of a million).
fn time_model(sim: &mut Simulator, n: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..n / 1_000_000 {
        sim.run(1_000_000);
    }
    start.elapsed().as_secs_f64()
}
