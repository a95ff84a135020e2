//! Assertions, assumptions and covers of the DSL (issue 11, item 2) on real tools: proved by
//! Yosys's temporal induction, a deliberately broken variant refuted with a counterexample,
//! checked by the reference evaluator and by Verilator (`-DFORMAL --assert`) while simulating,
//! and invisible to synthesis, Icarus and `verilator --lint-only -Wall`.

mod common;

use common::{emit, Emitted};

use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::library::{LoopNest, StreamIn, StreamOut};
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::tools::{self, ProofOutcome};
use spikeforge_rtlsim::{build, BuildOptions, DesignSources};

fn prove(module: &Module) -> ProofOutcome {
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(module, "sf-formal-");
    let report =
        tools::yosys_prove(&files, &v.top, Some("rst"), 20).unwrap_or_else(|e| panic!("{e}"));
    report.outcome
}

/// A one-word buffer between two streams; `broken` forgets a waiting word when the consumer is
/// not ready (it drops `valid` before the beat moved).
fn buffer(broken: bool) -> Module {
    let mut m = ModuleBuilder::new(if broken { "buffer_broken" } else { "buffer" });
    let s = StreamIn::new(&mut m, "s", UInt(8));
    let o = StreamOut::new(&mut m, "m", UInt(8));
    s.assume_protocol(&mut m);
    let full = m.reg("full_r", Bool);
    let word = m.reg("word_r", UInt(8));
    s.drive_ready(&mut m, !full.expr() | o.ready());
    m.next_when(word, s.fire(), s.data());
    if broken {
        m.next(full, s.fire());
    } else {
        m.next(full, s.fire() | (full.expr() & !o.ready()));
    }
    o.drive(&mut m, full, word);
    o.assert_protocol(&mut m);
    m.cover(o.fire(), "a beat leaves");
    m.finish()
}

/// A three-level loop nest with constant bounds, asserting every index stays within its bound
/// and that `done` comes only with every level at its last value.
fn nest() -> Module {
    let mut m = ModuleBuilder::new("nest_props");
    let go = m.input("go", Bool);
    let clear = m.input("clear", Bool);
    let nest = LoopNest::new(
        &mut m,
        "scan",
        &[
            ("c", 3, Expr::uint(4, 3)),
            ("y", 2, Expr::uint(2, 2)),
            ("x", 3, Expr::uint(5, 3)),
        ],
        go,
        clear,
    );
    m.assert_always(nest.level(0).is_le(4u64), "c within 0..=4");
    m.assert_always(nest.level(1).is_le(2u64), "y within 0..=2");
    m.assert_always(nest.level(2).is_le(5u64), "x within 0..=5");
    m.assert_always(
        !nest.done() | (nest.counter(0).at_last() & nest.counter(2).at_last()),
        "done only at the last index",
    );
    m.output_from("c", nest.level(0));
    m.output_from("done", nest.done());
    m.finish()
}

#[test]
fn the_loop_nest_and_the_stream_buffer_are_proved() {
    assert!(
        matches!(prove(&nest()), ProofOutcome::Proven { .. }),
        "{:?}",
        prove(&nest())
    );
    let outcome = prove(&buffer(false));
    assert!(
        matches!(outcome, ProofOutcome::Proven { .. }),
        "{outcome:?}"
    );
}

#[test]
fn a_broken_producer_fails_the_proof() {
    let outcome = prove(&buffer(true));
    assert!(
        matches!(outcome, ProofOutcome::Counterexample { .. }),
        "the broken buffer must be refuted: {outcome:?}"
    );
}

/// Drives the broken buffer into the failure: a beat arrives while the consumer is not ready.
const FAILING_STIMULUS: [(u64, u64, u64); 3] = [(1, 0x5a, 0), (0, 0, 0), (0, 0, 0)];

#[test]
fn the_evaluator_reports_the_failing_assertion() {
    let design = elaborate(&buffer(true)).unwrap();
    let mut ev = Evaluator::new(&design);
    ev.reset(1);
    for (valid, data, ready) in FAILING_STIMULUS {
        ev.poke("s_valid", &BigUint::from(valid)).unwrap();
        ev.poke("s_data", &BigUint::from(data)).unwrap();
        ev.poke("m_ready", &BigUint::from(ready)).unwrap();
        ev.step();
    }
    let failures = ev.property_failures();
    assert!(!failures.is_empty());
    let text = failures[0].to_string();
    assert!(
        text.contains("assert_m_valid_held_until_ready") && text.contains("dsl_formal.rs"),
        "{text}"
    );
    // The correct buffer passes the same stimulus, and its cover is reached once drained.
    let design = elaborate(&buffer(false)).unwrap();
    let mut ev = Evaluator::new(&design);
    ev.reset(1);
    for (valid, data, ready) in FAILING_STIMULUS.into_iter().chain([(0, 0, 1)]) {
        ev.poke("s_valid", &BigUint::from(valid)).unwrap();
        ev.poke("s_data", &BigUint::from(data)).unwrap();
        ev.poke("m_ready", &BigUint::from(ready)).unwrap();
        ev.step();
    }
    assert_eq!(ev.property_failures(), &[]);
    assert_eq!(ev.cover_counts(), [("cover_a_beat_leaves".to_string(), 1)]);
}

#[test]
fn verilator_stops_on_the_failing_assertion_and_names_it() {
    for broken in [true, false] {
        let Emitted {
            dir: _dir,
            verilog: v,
            ..
        } = emit(&buffer(broken), "sf-formal-");
        let sources = DesignSources {
            clock: Some("clk".into()),
            reset: Some("rst".into()),
            ..DesignSources::from_texts(&v.top, v.module_files())
        };
        let opts = BuildOptions {
            assertions: true,
            opt_level: 0,
            ..Default::default()
        };
        let mut sim = build(&sources, &opts).unwrap_or_else(|e| panic!("{e}"));
        sim.reset(1);
        let mut result = Ok(());
        for (valid, data, ready) in FAILING_STIMULUS {
            sim.poke_u64("s_valid", valid).unwrap();
            sim.poke_u64("s_data", data).unwrap();
            sim.poke_u64("m_ready", ready).unwrap();
            result = result.and_then(|_| sim.try_step());
        }
        result = result.and_then(|_| sim.check());
        if broken {
            let err = result.expect_err("the broken buffer stops").to_string();
            assert!(
                err.contains("assertion `assert_m_valid_held_until_ready` failed")
                    && err.contains("m: valid held until ready"),
                "{err}"
            );
        } else {
            result.expect("the correct buffer runs on");
        }
    }
}

#[test]
fn properties_are_invisible_to_synthesis_icarus_and_plain_lint() {
    for module in [buffer(false), nest()] {
        let Emitted {
            dir: _dir,
            files,
            verilog: v,
        } = emit(&module, "sf-formal-");
        let text = v.file(&format!("{}.v", v.top)).unwrap();
        assert!(
            text.contains("`ifdef FORMAL") && text.contains(": assert ("),
            "{text}"
        );
        let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(lint.is_clean(), "{lint}");
        tools::iverilog_compile(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        let synth = tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(synth.cells > 0);
    }
}
