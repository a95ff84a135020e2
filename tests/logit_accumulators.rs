//! The logit accumulators (`spikeforge_generators::accel::logit_accumulators`, the classify
//! block's registers as a module of their own) on the reference evaluator and Verilator in
//! lockstep, against a plain Rust model: random psum words over the whole signed lane range,
//! random column tiles (some beyond the classes), random class counts K and clears, and both
//! read ports at random addresses (some at or beyond `max_classes`) every cycle; with
//! `early_hits` the model applies the add a cycle after its `add`, `word_index` and
//! `classes` (to the psum word of that cycle); with `tree_reads` the read ports are select
//! trees. Also lint-clean in Verilator `-Wall`.

mod common;

use common::{verilated, SplitMix};
use num_bigint::{BigInt, BigUint};
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;
use spikeforge_generators::accel::logit_accumulators::{logit_accumulators, LogitAccParams};

/// Wraps `v` to `bits` bits, signed.
fn wrap(v: i64, bits: u32) -> i64 {
    let shift = 64 - bits;
    (v << shift) >> shift
}

/// Packs signed lanes of `bits` bits (lane 0 lowest).
fn pack(lanes: &[i64], bits: u32) -> BigUint {
    let mask = (1u128 << bits) - 1;
    lanes.iter().rev().fold(BigUint::from(0u32), |acc, &v| {
        (acc << bits) | BigUint::from((v as i128 as u128) & mask)
    })
}

/// The signed value of a `bits`-bit pattern.
fn signed(v: &BigUint, bits: u32) -> i64 {
    let v = BigInt::from(v.clone());
    let v = if v.bit(u64::from(bits - 1)) {
        v - (BigInt::from(1) << bits)
    } else {
        v
    };
    i64::try_from(v).expect("fits i64")
}

fn run(p: LogitAccParams, seed: u64, cycles: usize) {
    let (module, _) = logit_accumulators(&p);
    let design = elaborate(&module).unwrap_or_else(|e| panic!("{e}"));
    let (mut sim, _emitted) = verilated(&module, "sf-logits-");
    let mut ev = Evaluator::new(&design);
    sim.reset(1);
    ev.reset(1);
    let (k_max, cols) = (p.max_classes as usize, p.cols as usize);
    let tiles = k_max.div_ceil(cols) as u64;
    let half = 1i64 << (p.psum_bits - 1);
    let mut z = vec![0i64; k_max];
    let mut rng = SplitMix(seed);
    let mut classes = 1 + rng.below(p.max_classes.into());
    let mut nonzero = 0;
    // With `early_hits`, last cycle's (add, column tile, classes).
    let mut early = (false, 0, 0);
    for cycle in 0..cycles {
        let clear = rng.chance(40);
        if clear {
            classes = 1 + rng.below(p.max_classes.into());
        }
        let add = rng.coin(2, 3);
        let tile = rng.below(tiles + 1);
        let lanes: Vec<i64> = (0..p.lanes() as usize)
            .map(|_| rng.range(-half, half - 1))
            .collect();
        // Any address the read ports' width holds (`⌈log2(K + 1)⌉` bits), beyond K too.
        let span = 1u64 << (64 - (k_max as u64).leading_zeros());
        let (a, b) = (rng.below(span), rng.below(span));
        let ins = [
            ("clear", BigUint::from(u8::from(clear))),
            ("add", BigUint::from(u8::from(add))),
            ("word_index", BigUint::from(tile)),
            ("classes", BigUint::from(classes)),
            ("psums", pack(&lanes, p.psum_bits)),
            ("addr_a", BigUint::from(a)),
            ("addr_b", BigUint::from(b)),
        ];
        for (port, value) in &ins {
            ev.poke(port, value).unwrap();
            sim.poke(port, value).unwrap();
        }
        ev.eval();
        sim.eval();
        // Reads show the registers before this cycle's edge; an address beyond reads z[0].
        let read = |addr: u64| {
            z[if (addr as usize) < k_max {
                addr as usize
            } else {
                0
            }]
        };
        for (port, want) in [("data_a", read(a)), ("data_b", read(b))] {
            let e = signed(&ev.peek(port).unwrap(), p.logit_bits);
            let s = signed(&sim.peek(port).unwrap(), p.logit_bits);
            assert_eq!(
                (e, s),
                (want, want),
                "{p:?} cycle {cycle}: {port} at class {a}/{b}"
            );
        }
        ev.step();
        sim.step();
        let (add_now, tile_now, classes_now) = if p.early_hits {
            std::mem::replace(&mut early, (add, tile, classes))
        } else {
            (add, tile, classes)
        };
        for (k, zk) in z.iter_mut().enumerate() {
            if clear {
                *zk = 0;
            } else if add_now && (k / cols) as u64 == tile_now && (k as u64) < classes_now {
                *zk = wrap(*zk + lanes[k % cols], p.logit_bits);
            }
        }
        nonzero += z.iter().filter(|&&v| v != 0).count();
    }
    assert!(nonzero > cycles, "{p:?}: the logits hardly moved");
}

#[test]
fn logit_accumulators_match_the_model_on_both_simulators() {
    let cases = [
        (2, 2, 8, 8, 3),
        (4, 2, 16, 16, 4),
        (10, 4, 12, 20, 5),
        (16, 16, 24, 24, 16),
        (3, 8, 8, 12, 2),
    ];
    for (n, (max_classes, cols, psum_bits, logit_bits, index_bits)) in cases.into_iter().enumerate()
    {
        for (early_hits, tree_reads) in [(false, false), (true, true), (false, true)] {
            let p = LogitAccParams {
                max_classes,
                cols,
                psum_bits,
                logit_bits,
                index_bits,
                early_hits,
                tree_reads,
            };
            run(p, 0x1061_7500 + n as u64, 800);
        }
    }
}
