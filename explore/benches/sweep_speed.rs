//! Sweep speed on VGG9 shapes (examples/vgg9-cifar10.toml on examples/accel-vgg.toml): analytic
//! points per minute on all cores (the golden model's estimate per point, rayon; no files),
//! and the wall time of a whole 1,000-point sweep with its results, CSV, plots and report.
//! `cargo bench -p spikeforge-explore --bench sweep_speed`; figures in the README.

use rayon::prelude::*;
use spikeforge_explore::Sweep;
use spikeforge_golden::EnergyTable;
use std::path::Path;
use std::time::Instant;

fn sweep_file(dir: &Path, grid: &str) -> std::path::PathBuf {
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let text = format!(
        "networks = [{:?}]\naccelerator = {:?}\n[grid]\n{grid}",
        ex.join("vgg9-cifar10.toml"),
        ex.join("accel-vgg.toml")
    );
    let path = dir.join("bench.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(
        tmp.path(),
        "rows = [4, 8, 16, 32]\ncols = [8, 16, 32, 64]\nweight_spad_depth = [16, 64]\n\
         tick_batch = [1, 2, 4]\ntech = [\"sram\", \"stt_mram\", \"sot_mram\"]\n\
         share_factor = [1, 2, 4]\ntimesteps = [4, 5]\ndensity = [0.05, 0.1, 0.2]\n",
    );
    let sweep = Sweep::load(&file).unwrap();
    let n = sweep.meta.points;
    let table = EnergyTable::default();
    let mut best = f64::INFINITY;
    let mut valid = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let results: Vec<_> = (0..n)
            .into_par_iter()
            .map(|id| sweep.evaluate(id, &table))
            .collect();
        best = best.min(t.elapsed().as_secs_f64());
        valid = results.iter().filter(|r| r.figures().is_some()).count();
    }
    println!(
        "analytic points, VGG9 shapes, {} threads: {n} points ({valid} valid) in {best:.3} s = {:.0} points per minute",
        rayon::current_num_threads(),
        n as f64 / best * 60.0
    );

    let file = sweep_file(
        tmp.path(),
        "rows = [4, 8, 16, 32, 64]\ncols = [8, 16, 32, 64]\ntick_batch = [1, 2, 4, 5, 8]\n\
         tech = [\"sram\", \"stt_mram\"]\nshare_factor = [1, 2, 4, 8, 16]\n",
    );
    let sweep = Sweep::load(&file).unwrap();
    let dir = tmp.path().join("out");
    let t = Instant::now();
    let s = sweep.run(&dir, None, &|_, _| {}).unwrap();
    println!(
        "a whole sweep of {} points with results, CSV, plots and report.html: {:.2} s",
        s.points,
        t.elapsed().as_secs_f64()
    );
}
