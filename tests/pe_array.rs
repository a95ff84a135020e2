//! The systolic PE array against a Rust matrix-vector reference, on Verilator: random tiles in
//! random scratchpad entries, random im2col columns (spikes, tap-valid bits, entries, bubbles),
//! exact partial sums and the documented latency. Every configuration is also lint-clean under
//! `verilator -Wall` and passes Yosys `synth; check -assert`.

use num_bigint::BigUint;
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::pe_array::{pe_array, PeArrayParams};
use spikeforge_rtlsim::{build, tools, BuildOptions, DesignSources};

mod common;
use common::SplitMix;

fn check(p: PeArrayParams, seed: u64, columns: usize) {
    let design = elaborate(&pe_array(&p)).unwrap_or_else(|e| panic!("{p:?}: {e}"));
    let v = emit_verilog(&design);
    let dir = tempfile::tempdir().unwrap();
    let files = tools::write_sources(dir.path(), &v.module_files()).unwrap();
    let lint = tools::verilator_lint(&files, &v.top).unwrap();
    assert!(lint.is_clean(), "{p:?}: {lint}");
    tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{p:?}: {e}"));

    let sources = DesignSources::from_texts(&v.top, v.module_files());
    let mut sim = build(&sources, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    sim.reset(2);

    let (rows, cols, depth) = (p.rows as usize, p.cols as usize, p.spad_depth as usize);
    let wb = p.weight_bits;
    let mut rng = SplitMix(seed);
    let wmin = -(1i64 << (wb - 1));
    let wspan = 1u64 << wb;
    // weights[entry][row][col]
    let mut weights = vec![vec![vec![0i64; cols]; rows]; depth];
    for (e, tile) in weights.iter_mut().enumerate() {
        for (r, row) in tile.iter_mut().enumerate() {
            let mut word = BigUint::from(0u32);
            for (c, w) in row.iter_mut().enumerate() {
                *w = wmin + rng.below(wspan) as i64;
                let bits = (*w as u64) & (wspan - 1);
                word |= BigUint::from(bits) << (c as u32 * wb);
            }
            sim.poke_u64("wl_en", 1).unwrap();
            sim.poke_u64("wl_row", r as u64).unwrap();
            sim.poke_u64("wl_entry", e as u64).unwrap();
            sim.poke("wl_weights", &word).unwrap();
            sim.step();
        }
    }
    sim.poke_u64("wl_en", 0).unwrap();

    let lat = p.latency() as usize;
    let mut expected: Vec<Option<Vec<i64>>> = Vec::new();
    let total = columns + lat + 1;
    let mut seen = 0;
    for cycle in 0..total {
        let present = cycle < columns && rng.below(5) != 0;
        let mut exp = None;
        if present {
            let entry = rng.below(depth as u64) as usize;
            let spikes = rng.next() & ((1u64 << rows) - 1);
            let taps = if rng.below(4) == 0 {
                rng.next() & ((1u64 << rows) - 1)
            } else {
                (1u64 << rows) - 1
            };
            sim.poke_u64("in_valid", 1).unwrap();
            sim.poke_u64("in_entry", entry as u64).unwrap();
            sim.poke_u64("in_spikes", spikes).unwrap();
            sim.poke_u64("in_taps", taps).unwrap();
            let sums: Vec<i64> = (0..cols)
                .map(|c| {
                    (0..rows)
                        .filter(|&r| (spikes >> r) & (taps >> r) & 1 == 1)
                        .map(|r| weights[entry][r][c])
                        .sum()
                })
                .collect();
            exp = Some(sums);
        } else {
            sim.poke_u64("in_valid", 0).unwrap();
            sim.poke_u64("in_spikes", rng.next() & ((1u64 << rows) - 1))
                .unwrap();
        }
        expected.push(exp);
        // The column presented at cycle c is visible at the outputs after c + latency steps;
        // outputs are sampled before the step of cycle c + latency.
        if cycle >= lat {
            let want = &expected[cycle - lat];
            let valid = sim.peek_u64("out_valid").unwrap();
            assert_eq!(
                valid == 1,
                want.is_some(),
                "{p:?} seed {seed}: out_valid at cycle {cycle}"
            );
            if let Some(sums) = want {
                let word = sim.peek("out_psums").unwrap();
                let pb = p.psum_bits;
                for (c, &s) in sums.iter().enumerate() {
                    let lane: BigUint =
                        (&word >> (c as u32 * pb)) & ((BigUint::from(1u32) << pb) - 1u32);
                    let want_bits = BigUint::from((s as u64) & ((1u64 << pb) - 1));
                    assert_eq!(
                        lane,
                        want_bits,
                        "{p:?} seed {seed}: lane {c} of column presented at cycle {}",
                        cycle - lat
                    );
                }
                seen += 1;
            }
        }
        sim.step();
    }
    assert!(seen > columns / 2, "most columns were checked ({seen})");
}

#[test]
fn pe_array_matches_the_matrix_vector_reference() {
    let configs = [
        PeArrayParams {
            rows: 2,
            cols: 3,
            weight_bits: 2,
            psum_bits: 8,
            spad_depth: 2,
            pipeline_regs: 0,
        },
        PeArrayParams {
            rows: 4,
            cols: 4,
            weight_bits: 4,
            psum_bits: 10,
            spad_depth: 4,
            pipeline_regs: 1,
        },
        PeArrayParams {
            rows: 8,
            cols: 4,
            weight_bits: 8,
            psum_bits: 16,
            spad_depth: 3,
            pipeline_regs: 3,
        },
    ];
    for (k, p) in configs.into_iter().enumerate() {
        check(p, 0x5eed_0000 + k as u64, 400);
    }
}

#[test]
fn latency_and_cuts_are_as_documented() {
    let p = PeArrayParams {
        rows: 8,
        cols: 16,
        weight_bits: 8,
        psum_bits: 24,
        spad_depth: 64,
        pipeline_regs: 3,
    };
    assert_eq!(p.latency(), 8 + 16 + 3);
    assert_eq!(p.cuts(), vec![2, 4, 6]);
}
