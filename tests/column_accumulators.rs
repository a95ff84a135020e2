//! The column accumulators (`spikeforge_generators::accel::column_accumulators`, one of the
//! accelerator top's blocks as a module of its own) on the reference evaluator and Verilator in
//! lockstep, against a plain Rust model: random (p, t) runs of 1–5 row tiles, first or later
//! group, random partial sums and buffer words over the whole signed range (so the wrapping
//! additions wrap), idle cycles in between; every cycle the write strobe and the word must
//! equal the model's. Also lint-clean in Verilator `-Wall`.

mod common;

use common::{verilated, SplitMix};
use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;
use spikeforge_generators::accel::column_accumulators::{column_accumulators, ColumnAccParams};

/// The Rust model: the accumulators' state and what one cycle outputs.
struct Model {
    pb: u32,
    acc: Vec<i64>,
}

impl Model {
    /// Wraps `v` to `pb` bits, signed.
    fn wrap(&self, v: i64) -> i64 {
        let shift = 64 - self.pb;
        (v << shift) >> shift
    }

    /// One cycle: returns (write, the word's lanes).
    fn step(
        &mut self,
        valid: bool,
        first: bool,
        last: bool,
        g0: bool,
        psums: &[i64],
        old: &[i64],
    ) -> (bool, Vec<i64>) {
        let mut word = Vec::new();
        for j in 0..self.acc.len() {
            let sum = if first {
                psums[j]
            } else {
                self.wrap(self.acc[j] + psums[j])
            };
            word.push(if g0 { sum } else { self.wrap(old[j] + sum) });
            if valid {
                self.acc[j] = sum;
            }
        }
        (valid && last, word)
    }
}

/// Packs signed lanes of `pb` bits into one vector (lane 0 lowest).
fn pack(lanes: &[i64], pb: u32) -> BigUint {
    let mask = (1u128 << pb) - 1;
    lanes.iter().rev().fold(BigUint::from(0u32), |acc, &v| {
        (acc << pb) | BigUint::from((v as i128 as u128) & mask)
    })
}

fn run(p: ColumnAccParams, seed: u64, cycles: usize) {
    let (module, _) = column_accumulators(&p);
    let design = elaborate(&module).unwrap_or_else(|e| panic!("{e}"));
    let (mut sim, _emitted) = verilated(&module, "sf-col-acc-");
    let mut ev = Evaluator::new(&design);
    sim.reset(1);
    ev.reset(1);
    let cols = p.cols as usize;
    let half = 1i64 << (p.psum_bits - 1);
    let mut model = Model {
        pb: p.psum_bits,
        acc: vec![0; cols],
    };
    let mut rng = SplitMix(seed);
    // The current run: tiles left, group 0 or not.
    let (mut left, mut g0, mut first) = (0u64, true, true);
    let mut writes = 0;
    for cycle in 0..cycles {
        if left == 0 {
            left = 1 + rng.below(5);
            g0 = rng.chance(2);
            first = true;
        }
        let valid = !rng.chance(4);
        let last = left == 1;
        let psums: Vec<i64> = (0..cols).map(|_| rng.range(-half, half - 1)).collect();
        let old: Vec<i64> = (0..cols).map(|_| rng.range(-half, half - 1)).collect();
        let ins = [
            ("valid", BigUint::from(u8::from(valid))),
            ("first", BigUint::from(u8::from(first))),
            ("last", BigUint::from(u8::from(last))),
            ("group0", BigUint::from(u8::from(g0))),
            ("psums", pack(&psums, p.psum_bits)),
            ("old", pack(&old, p.psum_bits)),
        ];
        for (port, value) in &ins {
            ev.poke(port, value).unwrap();
            sim.poke(port, value).unwrap();
        }
        ev.eval();
        sim.eval();
        let (write, word) = model.step(valid, first, last, g0, &psums, &old);
        let expected = pack(&word, p.psum_bits);
        for (port, want) in [
            ("write", BigUint::from(u8::from(write))),
            ("word", expected),
        ] {
            assert_eq!(
                ev.peek(port).unwrap(),
                want,
                "{p:?} cycle {cycle}: {port} (evaluator)"
            );
            assert_eq!(
                sim.peek(port).unwrap(),
                want,
                "{p:?} cycle {cycle}: {port} (Verilator)"
            );
        }
        writes += usize::from(write);
        ev.step();
        sim.step();
        if valid {
            left -= 1;
            first = false;
        }
    }
    assert!(
        writes > cycles / 8,
        "{p:?}: only {writes} writes in {cycles} cycles"
    );
}

#[test]
fn column_accumulators_match_the_model_on_both_simulators() {
    for (k, (cols, psum_bits)) in [(1, 4), (2, 16), (16, 24), (4, 48)].into_iter().enumerate() {
        run(
            ColumnAccParams { cols, psum_bits },
            0xC01A_CC00 + k as u64,
            600,
        );
    }
}
