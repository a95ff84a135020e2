//! The DSL library's counter file (`spikeforge_dsl::library::counter_file`, issue 11 items 1
//! and 3: the accelerator's counters as a submodule with its own tests) on the reference
//! evaluator and Verilator, in lockstep, against a plain Rust model: random increments in
//! random stretches of activity, clears in between, and after each stretch every counter read
//! back once the file has settled — exact, modulo `2^counter_bits`.

mod common;

use common::{emit, Emitted, SplitMix};
use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::library::{counter_file, CounterFileSpec};
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::{build, tools, BuildOptions, DesignSources, Simulator};

fn spec(counter_bits: u32) -> CounterFileSpec {
    CounterFileSpec {
        name: format!("cf{counter_bits}"),
        counter_bits,
        increments: [
            ("ticks", 1),
            ("words", 3),
            ("bits", 6),
            ("lanes", 2),
            ("acc", 9),
        ]
        .iter()
        .map(|(n, w)| (n.to_string(), *w))
        .collect(),
    }
}

/// The evaluator and the Verilator model of one counter file, driven together.
struct Both {
    ev: Evaluator,
    sim: Simulator,
}

impl Both {
    fn poke(&mut self, port: &str, v: u64) {
        self.ev.poke(port, &BigUint::from(v)).unwrap();
        self.sim.poke_u64(port, v).unwrap();
    }

    /// One clock edge; the outputs after it, checked equal on both.
    fn step(&mut self, cycle: u64) -> (bool, bool, u64) {
        self.ev.step();
        self.sim
            .try_step()
            .unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
        let mut out = [0u64; 3];
        for (i, o) in ["settled", "rd_valid", "rd_data"].iter().enumerate() {
            let e = self.ev.peek(o).unwrap();
            let e = e.to_u64_digits().first().copied().unwrap_or(0);
            assert_eq!(e, self.sim.peek_u64(o).unwrap(), "cycle {cycle}, {o}");
            out[i] = e;
        }
        (out[0] == 1, out[1] == 1, out[2])
    }
}

fn run(counter_bits: u32, seed: u64) {
    let spec = spec(counter_bits);
    let module = counter_file(&spec);
    let design = elaborate(&module).unwrap_or_else(|e| panic!("{e}"));
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(&module, "sf-counter-file-");
    let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    assert!(lint.is_clean(), "{lint}");
    let sources = DesignSources {
        clock: Some("clk".into()),
        reset: Some("rst".into()),
        ..DesignSources::from_texts(&v.top, v.module_files())
    };
    let sim = build(&sources, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut both = Both {
        ev: Evaluator::new(&design),
        sim,
    };
    both.ev.reset(1);
    both.sim.reset(1);
    let names: Vec<String> = spec.increments.iter().map(|(n, _)| n.clone()).collect();
    let widths: Vec<u32> = spec.increments.iter().map(|(_, w)| *w).collect();
    let modulus = if counter_bits >= 64 {
        u64::MAX
    } else {
        (1u64 << counter_bits) - 1
    };
    let mut model = vec![0u64; names.len()];
    let mut rng = SplitMix(seed);
    let mut cycle = 0u64;
    for n in &names {
        both.poke(&format!("inc_{n}"), 0);
    }
    both.poke("clear", 0);
    both.poke("active", 0);
    both.poke("rd_addr", 0);
    for stretch in 0..12 {
        // A clear starts some stretches (its own cycle's increments are not counted).
        let clear = stretch % 4 == 0;
        both.poke("clear", u64::from(clear));
        both.poke("active", 1);
        if clear {
            model.iter_mut().for_each(|c| *c = 0);
            both.step(cycle);
            cycle += 1;
            both.poke("clear", 0);
        }
        let len = 1 + rng.below(120);
        for i in 0..len {
            for (k, n) in names.iter().enumerate() {
                let v = rng.below(1 << widths[k]);
                both.poke(&format!("inc_{n}"), v);
                model[k] = model[k].wrapping_add(v) & modulus;
            }
            let (settled, valid, _) = both.step(cycle);
            // `rd_valid` answers the previous cycle's read (still settled for the first one).
            assert!(
                !settled && (!valid || (i == 0 && !clear)),
                "cycle {cycle}: settled while active"
            );
            cycle += 1;
        }
        for n in &names {
            both.poke(&format!("inc_{n}"), 0);
        }
        both.poke("active", 0);
        // Settled within two rounds and a few cycles.
        let mut waited = 0;
        loop {
            let (settled, _, _) = both.step(cycle);
            cycle += 1;
            waited += 1;
            if settled {
                break;
            }
            assert!(
                waited <= 2 * names.len() + 4,
                "not settled after {waited} cycles"
            );
        }
        for (k, want) in model.iter().enumerate() {
            both.poke("rd_addr", k as u64);
            let (settled, valid, got) = both.step(cycle);
            cycle += 1;
            assert!(settled && valid, "cycle {cycle}: read of counter {k}");
            assert_eq!(got, *want, "stretch {stretch}: counter {}", names[k]);
        }
    }
    assert_eq!(both.ev.property_failures(), &[]);
}

#[test]
fn counts_are_exact_after_every_stretch_with_64_bit_counters() {
    run(64, 5);
}

#[test]
fn narrow_counters_wrap_modulo_their_width() {
    // 12-bit counters overflow within a stretch of 9-bit increments.
    run(12, 9);
}
