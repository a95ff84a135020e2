//! One co-simulation of a network on the built-in 8×16 accelerator (the design
//! `params_for(examples/accel-default.toml, network)` generates), for profilers:
//!
//! ```text
//! cargo build --release -p spikeforge-cosim --example cosim_profile
//! valgrind --tool=callgrind target/release/examples/cosim_profile sim/cosim/examples/vgg5-mini.toml
//! perf record target/release/examples/cosim_profile        # VGG5, 3.0 M cycles
//! ```
//!
//! The argument is a network file (default examples/vgg5-sata.toml); the input is
//! `Input::random(0.2, 1)` as in the `cosim_speed` bench. Prints the run's cycles, the
//! simulator's total cycles (programming included) and the library used, whose cache entry
//! holds the Verilated C++ (`work/obj/`). Build with `SPIKEFORGE_RTLSIM_CXXFLAGS="-g -gdwarf-4"`
//! for line-level profiles (a separate cache entry). See docs/cosim.md, "Where the time goes".

use spikeforge_config::{AcceleratorConfig, Input, Network};
use spikeforge_cosim::{cosim_on, params_for, CosimOptions, Design};
use spikeforge_rtlsim::BuildOptions;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let net_path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("examples/vgg5-sata.toml"));
    let accel = AcceleratorConfig::load(root.join("examples/accel-default.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let net = Network::load(&net_path).unwrap_or_else(|e| panic!("{e}"));
    let design = Design::generate(&params_for(&accel, &net)).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = design
        .build(&BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let input = Input::random(0.2, 1);
    let r = cosim_on(
        &design,
        &mut sim,
        &accel,
        &net,
        &input,
        &CosimOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.matched, "{} must match the golden model", net.name);
    println!(
        "{}: {} run cycles ({} simulated in all) in {:.2} s = {:.0} k cycles/s; library {}",
        net.name,
        r.run_cycles,
        sim.cycle(),
        r.sim_s,
        r.run_cycles as f64 / r.sim_s / 1e3,
        sim.build_info().library.display()
    );
}
