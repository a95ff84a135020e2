//! Evaluation throughput: golden-model inferences of the trained digits network
//! (examples/digits, 4-bit weights, 8-bit membranes) per second, on all cores (rayon), at
//! T = 8 and T = 16. Run with `cargo bench --bench evaluate`; the figures are in the README.

use spikeforge_config::{AcceleratorConfig, Dataset};
use spikeforge_golden::evaluate;
use spikeforge_nir::{import_file, ImportOptions};
use std::path::Path;
use std::time::Instant;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = ImportOptions {
        weight_bits: 4,
        membrane_bits: 8,
        ..ImportOptions::default()
    };
    let net = import_file(&root.join("examples/digits/digits.nir"), &opts)
        .expect("the committed digits model imports")
        .network;
    let data = Dataset::load(root.join("examples/digits/test.json")).expect("the test split loads");
    let accel = AcceleratorConfig::default();
    println!(
        "evaluate bench: {} images, {} threads",
        data.len(),
        rayon::current_num_threads()
    );
    for t in [8u32, 16] {
        // One warm-up pass, then the best of five.
        let _ = evaluate::fixed_t(&net, &data, t, &accel, &|| {}).unwrap();
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = Instant::now();
            let r = evaluate::fixed_t(&net, &data, t, &accel, &|| {}).unwrap();
            std::hint::black_box(r);
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "T = {t:2}: {:.0} images/s ({:.2} ms for the split)",
            data.len() as f64 / best,
            best * 1e3
        );
    }
}
