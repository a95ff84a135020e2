//! The DSL's state machine (`spikeforge_dsl::library::Fsm`, issue 11 items 1 and 5) on real
//! tools: its Verilog names the states (`localparam`s, a `case` over the state register), the
//! reference evaluator and Verilator agree with a plain Rust model every cycle, and Yosys proves
//! its properties — only reachable states, a state entered only from its predecessor — while a
//! deliberately broken machine is refuted.

mod common;

use common::{emit, Emitted, SplitMix};
use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::library::Fsm;
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::tools::{self, ProofOutcome};
use spikeforge_rtlsim::{build, BuildOptions, DesignSources};

const STATES: [&str; 5] = ["IDLE", "LOAD", "RUN", "DRAIN", "DONE"];

/// A five-state sequencer: `stop` returns to IDLE from anywhere (first rule), IDLE → LOAD on
/// `start`, LOAD → RUN once, RUN → DRAIN on `last` (or straight to DONE on `skip`), DRAIN →
/// DONE on `empty`, DONE → IDLE once. With `broken`, IDLE may also jump to DONE on `skip`.
fn sequencer(broken: bool) -> Module {
    let mut m = ModuleBuilder::new(if broken { "seq_broken" } else { "seq" });
    let start = m.input("start", Bool);
    let last = m.input("last", Bool);
    let skip = m.input("skip", Bool);
    let empty = m.input("empty", Bool);
    let stop = m.input("stop", Bool);
    let mut fsm = Fsm::new(&mut m, "phase", &STATES);
    fsm.on_any(stop, "IDLE");
    fsm.on("IDLE", start, "LOAD");
    if broken {
        fsm.on("IDLE", skip, "DONE");
    }
    fsm.on("LOAD", true, "RUN");
    fsm.on("RUN", skip, "DONE");
    fsm.on("RUN", last, "DRAIN");
    fsm.on("DRAIN", empty, "DONE");
    fsm.on("DONE", true, "IDLE");
    m.output_from("state", fsm.state());
    m.output_from("busy", !fsm.is("IDLE"));
    m.output_from("done_pulse", fsm.entering("DONE"));
    m.assert_always(fsm.state().is_le(4u64), "only reachable states");
    m.assert_always(
        !fsm.entering("DONE") | fsm.is("RUN") | fsm.is("DRAIN"),
        "DONE is entered only from RUN or DRAIN",
    );
    m.assert_always(
        !fsm.is("RUN") | !fsm.next_state().is_eq(fsm.code("LOAD")),
        "RUN never goes back to LOAD",
    );
    fsm.apply(&mut m);
    m.finish()
}

/// The model: the state after one edge.
fn model(s: usize, start: bool, last: bool, skip: bool, empty: bool, abort: bool) -> usize {
    match (s, abort) {
        (_, true) => 0,
        (0, _) if start => 1,
        (1, _) => 2,
        (2, _) if skip => 4,
        (2, _) if last => 3,
        (3, _) if empty => 4,
        (4, _) => 0,
        _ => s,
    }
}

#[test]
fn states_are_localparams_and_the_next_state_is_a_case() {
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(&sequencer(false), "sf-fsm-");
    let text = v.file("seq.v").unwrap();
    for (i, s) in STATES.iter().enumerate() {
        assert!(
            text.contains(&format!("localparam [2:0] PHASE_{s} = 3'd{i};")),
            "{text}"
        );
    }
    assert!(text.contains("    reg  [2:0] phase_next;"), "{text}");
    assert!(text.contains("case (phase)"), "{text}");
    assert!(
        text.contains(
            "PHASE_RUN: phase_next = (stop ? PHASE_IDLE : (skip ? PHASE_DONE : (last ? PHASE_DRAIN : phase)));"
        ),
        "{text}"
    );
    assert!(
        text.contains("assign busy = (~(phase == PHASE_IDLE));"),
        "{text}"
    );
    assert!(text.contains("phase <= phase_next;"), "{text}");
    let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    assert!(lint.is_clean(), "{lint}\n{text}");
    tools::iverilog_compile(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    let synth = tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    assert!(synth.cells > 0);
}

#[test]
fn the_machine_follows_its_model_on_the_evaluator_and_verilator() {
    let module = sequencer(false);
    let design = elaborate(&module).unwrap();
    let Emitted {
        dir: _dir,
        verilog: v,
        ..
    } = emit(&module, "sf-fsm-");
    let sources = DesignSources {
        clock: Some("clk".into()),
        reset: Some("rst".into()),
        ..DesignSources::from_texts(&v.top, v.module_files())
    };
    let opts = BuildOptions {
        assertions: true,
        ..Default::default()
    };
    let mut sim = build(&sources, &opts).unwrap_or_else(|e| panic!("{e}"));
    let mut ev = Evaluator::new(&design);
    ev.reset(1);
    sim.reset(1);
    let mut rng = SplitMix(11);
    let mut s = 0usize;
    let mut visited = [0u32; 5];
    for cycle in 0..800 {
        let i = [
            rng.coin(1, 2),
            rng.coin(1, 4),
            rng.coin(1, 6),
            rng.coin(1, 3),
            rng.chance(40),
        ];
        for (name, value) in ["start", "last", "skip", "empty", "stop"].iter().zip(i) {
            ev.poke(name, &BigUint::from(u8::from(value))).unwrap();
            sim.poke_u64(name, u64::from(value)).unwrap();
        }
        // Before the edge: the entering pulse and busy flag of the current state.
        ev.eval();
        let next = model(s, i[0], i[1], i[2], i[3], i[4]);
        let pulse = u64::from(next == 4 && s != 4);
        assert_eq!(
            ev.peek("done_pulse").unwrap(),
            BigUint::from(pulse),
            "cycle {cycle}"
        );
        assert_eq!(
            ev.peek("busy").unwrap(),
            BigUint::from(u8::from(s != 0)),
            "cycle {cycle}"
        );
        ev.step();
        sim.try_step()
            .unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
        s = next;
        visited[s] += 1;
        for o in ["state", "busy", "done_pulse"] {
            let e = ev.peek(o).unwrap();
            let e = e.to_u64_digits().first().copied().unwrap_or(0);
            assert_eq!(
                e,
                sim.peek_u64(o).unwrap(),
                "cycle {cycle}, {o}: evaluator vs Verilator"
            );
        }
        assert_eq!(
            sim.peek_u64("state").unwrap(),
            s as u64,
            "cycle {cycle}: vs the model"
        );
    }
    assert!(
        visited.iter().all(|&n| n > 10),
        "every state visited: {visited:?}"
    );
    assert_eq!(ev.property_failures(), &[]);
    sim.check().unwrap();
}

#[test]
fn the_machine_is_proved_and_a_broken_one_is_refuted() {
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(&sequencer(false), "sf-fsm-");
    let proof =
        tools::yosys_prove(&files, &v.top, Some("rst"), 10).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(proof.outcome, ProofOutcome::Proven { .. }),
        "{:?} (log {})",
        proof.outcome,
        proof.log.display()
    );
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(&sequencer(true), "sf-fsm-");
    let proof =
        tools::yosys_prove(&files, &v.top, Some("rst"), 10).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(proof.outcome, ProofOutcome::Counterexample { .. }),
        "IDLE -> DONE must be refuted: {:?} (log {})",
        proof.outcome,
        proof.log.display()
    );
    // The evaluator names the assertion the broken rule breaks: IDLE jumps to DONE on `skip`.
    let design = elaborate(&sequencer(true)).unwrap();
    let mut ev = Evaluator::new(&design);
    ev.reset(1);
    ev.poke("skip", &BigUint::from(1u8)).unwrap();
    ev.step();
    let failures: Vec<String> = ev
        .property_failures()
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert!(
        failures.len() == 1
            && failures[0].contains("assert_done_is_entered_only_from_run_or_drain"),
        "{failures:?}"
    );
}

#[test]
fn a_state_only_properties_name_is_declared_inside_the_formal_block() {
    // `HALT` has no transitions and none leads to it: its name is written only in an
    // assertion, so its `localparam` goes inside `ifdef FORMAL` (plain lint sees no unused
    // parameter) and the proof that it is never reached still reads it.
    let mut m = ModuleBuilder::new("seq_formal_only");
    let go = m.input("go", Bool);
    let mut fsm = Fsm::new(&mut m, "mode", &["OFF", "ON", "HALT"]);
    fsm.on("OFF", go, "ON");
    fsm.on("ON", !go.expr(), "OFF");
    m.output_from("on", fsm.is("ON"));
    m.assert_always(!fsm.is("HALT"), "never halted");
    fsm.apply(&mut m);
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(&m.finish(), "sf-fsm-");
    let text = v.file("seq_formal_only.v").unwrap();
    let formal = text.find("`ifdef FORMAL").unwrap();
    let halt = text.find("localparam [1:0] MODE_HALT = 2'd2;").unwrap();
    assert!(halt > formal, "{text}");
    let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
    assert!(lint.is_clean(), "{lint}\n{text}");
    let proof =
        tools::yosys_prove(&files, &v.top, Some("rst"), 6).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        matches!(proof.outcome, ProofOutcome::Proven { .. }),
        "{:?} (log {})",
        proof.outcome,
        proof.log.display()
    );
}
