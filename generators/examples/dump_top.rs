//! Writes a small accelerator's Verilog into the folder given as the first argument (for
//! looking at the generated code by hand).

use spikeforge_config::{FireCompare, Leak, Reset};
use spikeforge_dsl::backend::write::{write_design_dir, WriteOptions};
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_generators::accel::top::accelerator;

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "rtl_out".into());
    let p = AccelParams {
        name: "sf_small".into(),
        rows: 4,
        cols: 4,
        weight_spad_depth: 4,
        psum_bits: 16,
        pipeline_regs: 0,
        double_buffer: true,
        weight_bits: 4,
        membrane_bits: 8,
        leak: Leak::Shift(2),
        reset: Reset::Hard,
        fire_compare: FireCompare::Ge,
        share_factor: 2,
        max_stages: 3,
        max_classes: 4,
        logit_bits: 16,
        counter_bits: 64,
        entropy_unit: spikeforge_config::EntropyUnitKind::Parallel,
        counters: true,
        ram_output_regs: false,
        max_tick_batch: 4,
        weight_words: 256,
        spike_words: 1024,
        psum_words: 1024,
        membrane_words: 256,
    };
    match elaborate(&accelerator(&p)) {
        Ok(design) => {
            let v = emit_verilog(&design);
            let dir = write_design_dir(
                std::path::Path::new(&out),
                &p.name,
                &v.all_files(),
                serde_json::Value::Null,
                WriteOptions::default(),
            )
            .expect("write");
            println!("{}", dir.display());
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
