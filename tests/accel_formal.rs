//! The accelerator's streams, proved (issue 11, item 2): the top asserts the valid/ready
//! protocol of the streams it drives (`req`, `r`: valid held until ready, payload stable while
//! waiting) and assumes it of the streams it reads (`w`, `s`); here those assertions are proved
//! with no bound on the number of cycles, a deliberately broken producer is refuted, and the
//! proofs are shown not to be vacuous.
//!
//! # Engines
//! [`tools::yosys_prove_abc`]: Yosys builds a bit-level AIGER model (the state after one reset
//! cycle as the initial state, every other register free) and ABC (`yosys-abc`, shipped in
//! Debian's `yosys` package) checks it — PDR (IC3) for the proofs, BMC (`bmc3`) for the
//! refutations. Yosys's own `sat -tempinduct` ([`tools::yosys_prove`]) cannot prove the top as
//! it is (measured on the top before its split into blocks, 1×1 array):
//! - the step case fails at every induction length: from an unreachable state such as
//!   `req_valid_r = 1` in phase IDLE with `req_ready` low, nothing moves and every assertion
//!   holds for as long as the solver likes, until a `start` write reloads `stage`, `t0` and
//!   `tw` under a waiting request. Three phase invariants close it at length 2
//!   (`req_valid_r → phase ∈ {REQ_IN, REQ_W}`, `r_valid_r → phase ∈ {TRACE, LOGITS, FINAL}`,
//!   `trace_pending → phase = TRACE ∧ ¬r_valid_r`): with them patched into the Verilog by
//!   hand, 27 s;
//! - it encodes the whole design in every time frame (~350 k variables per frame, multipliers
//!   and memories included): finding the broken producer below, 35 cycles from reset (the
//!   STAGE phase reads 30 descriptor fields first), took 8 minutes and 12.6 M variables.
//!
//! PDR needs neither: it finds an inductive invariant (160–220 clauses) itself. It is not
//! the engine for deep counterexamples, though: "a result beat never waits" (about 50 cycles
//! from reset) took it 12 s on one version of the top and more than 300 s on the next, where
//! BMC takes about 11 s.
//!
//! # What is proved
//! Unbounded: in every state reachable from reset, for every input sequence in which the `w`
//! and `s` producers keep the protocol (register-bus traffic and `req_ready`/`r_ready`
//! arbitrary, resets at any time), all four stream assertions hold, and the sequencer's three
//! invariants on pending requests and beats (`generators/src/accel/top/mod.rs`), for
//! - [`tiny`]: a 1×1 array, single-buffered, C#1, `max_stages` 2, `max_classes` 2,
//!   `logit_bits` 8, `counter_bits` 32, buffers of 2–4 words — memories exact (every word a
//!   flip-flop, [`MemoryModel::FlipFlops`]);
//! - [`tiny_options`]: as tiny with a 2×2 array, double-buffered, C#2, one pipeline cut —
//!   memories exact;
//! - [`small`] (the 4×4 array of `generators/tests/accel_top.rs`) and the built-in 8×16
//!   accelerator of `spikeforge generate` (`prototype_config`: 1024-word weight and spike
//!   buffers, 8 stages, 16 classes, 24-bit logits, 64-bit counters) — whatever their buffers,
//!   scratchpads and descriptor RAM hold ([`MemoryModel::FreeReads`]: every memory read
//!   returns any value, an over-approximation, so the proof covers the real design).
//!
//! Refuted by BMC (counterexamples from reset, named by the failing assertion, memories
//! exact): a wrapper whose `req_valid` drops for a cycle before the handshake (its own
//! assertion fails, 34 cycles after reset); and two claims that show the proofs are not
//! vacuous — "a request never waits" and "a result beat never waits" (a whole stage has to
//! run for that, under the `w`/`s` assumptions; about 50 cycles).
//!
//! Found along the way: the output streams keep their protocol even without the `w`/`s`
//! assumptions (PDR proves tiny with them removed), so no broken-input variant refutes them;
//! the broken variant is a producer instead.
//!
//! # Measured
//! On the 2-core development machine (Yosys 0.23, ABC 1.01), other builds sharing it (load
//! ~4), one test thread: tiny 16 s, tiny_options 19 s, the 4×4 13 s, the built-in 8×16 22 s
//! (PDR itself 1.5–3.4 s of each: Yosys's model building is most of it); the refutations
//! 15–30 s; the whole file 88 s with two test threads. Exact memories cost model size, not PDR time: the 4×4 with exact memories (17,000
//! flip-flops) took 44 s, an 8×16 array with 64-word buffers (47,000) 77 s — not run here.
//! `cargo test --test accel_formal -- --nocapture` prints the times.

mod common;

use common::{emit, Emitted};

use spikeforge_config::{FireCompare, Leak, Reset};
use spikeforge_dsl::library::assert_stream_protocol;
use spikeforge_dsl::prelude::*;
use spikeforge_generators::accel::params::{prototype_config, AccelParams};
use spikeforge_generators::accel::top::accelerator;
use spikeforge_rtlsim::tools::{self, AbcEngine, AbcOutcome, MemoryModel};
use std::time::Instant;

/// ABC's time limit per check (seconds): generous against the 1–15 s measured.
const ABC_LIMIT: u32 = 300;

/// How deep BMC searches for the refutations (cycles after reset): the deepest, a waiting
/// result beat, is about 50.
const BMC_FRAMES: u32 = 150;

/// The smallest accelerator: a 1×1 array, single-buffered, C#1, the [rtl] limits at their
/// minimum (`max_stages` 2 so that stages follow one another), 32-bit counters.
fn tiny() -> AccelParams {
    AccelParams {
        name: "sf_tiny".into(),
        rows: 1,
        cols: 1,
        weight_spad_depth: 2,
        psum_bits: 4,
        pipeline_regs: 0,
        double_buffer: false,
        weight_bits: 2,
        membrane_bits: 4,
        leak: Leak::Shift(1),
        reset: Reset::Hard,
        fire_compare: FireCompare::Ge,
        share_factor: 1,
        max_stages: 2,
        max_classes: 2,
        logit_bits: 8,
        counter_bits: 32,
        entropy_unit: spikeforge_config::EntropyUnitKind::Parallel,
        counters: true,
        ram_output_regs: false,
        max_tick_batch: 2,
        weight_words: 4,
        spike_words: 4,
        psum_words: 4,
        membrane_words: 2,
    }
}

/// [`tiny`] with the options that add control: a 2×2 array, double-buffered (4 scratchpad
/// entries), C#2, one pipeline cut, registered block-RAM reads.
fn tiny_options() -> AccelParams {
    AccelParams {
        name: "sf_tiny_options".into(),
        rows: 2,
        cols: 2,
        weight_spad_depth: 4,
        pipeline_regs: 1,
        double_buffer: true,
        share_factor: 2,
        ram_output_regs: true,
        ..tiny()
    }
}

/// The 4×4 accelerator of `generators/tests/accel_top.rs` (`small(4, 4, true, 2)`).
fn small() -> AccelParams {
    AccelParams {
        name: "sf_r4c4".into(),
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
        weight_words: 64,
        spike_words: 128,
        psum_words: 128,
        membrane_words: 32,
    }
}

/// What a wrapper around the accelerator claims or breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Probe {
    /// Broken on purpose: the wrapper's `req_valid` drops for one cycle when a request has
    /// waited one cycle (before the handshake), and the wrapper asserts the protocol of its
    /// `req` stream (`req_out`).
    DropsReqValid,
    /// Claims a request never waits (`req_valid` high with `req_ready` low): refuted only if
    /// the situation the `req` assertions speak about is reachable.
    ReqNeverWaits,
    /// Claims a result beat never waits: refuted only if the `r` assertions' situation is
    /// reachable (a whole stage must run first, under the `w`/`s` assumptions).
    RNeverWaits,
}

/// A module `<name>_<probe>` around the accelerator: every port passed through, plus the
/// probe's change and assertion.
fn wrapper(p: &AccelParams, probe: Probe) -> Module {
    let accel = accelerator(p);
    let mut m = ModuleBuilder::new(format!("{}_{probe:?}", p.name).to_lowercase());
    let u = m.instance("u_accel", &accel);
    let mut inputs = std::collections::BTreeMap::new();
    for (name, ty, is_input) in accel.ports() {
        if is_input {
            let i = m.input(name.clone(), ty);
            m.connect(&u, &name, i);
            inputs.insert(name, i);
        } else if !(probe == Probe::DropsReqValid && name == "req_valid") {
            m.output_from(name.clone(), u.out(&name));
        }
    }
    let req_ready = inputs["req_ready"];
    let r_ready = inputs["r_ready"];
    match probe {
        Probe::DropsReqValid => {
            let inner = u.out("req_valid");
            let dropped = m.reg("req_dropped_r", Bool);
            m.next(dropped, inner.clone() & !req_ready.expr() & !dropped.expr());
            let valid = m.output_from("req_valid", inner & !dropped.expr());
            let payload = Expr::cat([
                u.out("req_kind"),
                u.out("req_stage"),
                u.out("req_t0"),
                u.out("req_len"),
            ]);
            assert_stream_protocol(&mut m, "req_out", valid, req_ready, payload);
        }
        Probe::ReqNeverWaits => {
            m.assert_always(
                !(u.out("req_valid") & !req_ready.expr()),
                "a request never waits",
            );
        }
        Probe::RNeverWaits => {
            m.assert_always(
                !(u.out("r_valid") & !r_ready.expr()),
                "a result beat never waits",
            );
        }
    }
    m.finish()
}

/// Emits `module` into a temporary folder and checks it with `engine`, memories modelled as
/// `memories` says; returns the outcome and the assertions in the model. Prints the wall time
/// (Yosys's model building included).
fn check(module: &Module, memories: MemoryModel, engine: AbcEngine) -> (AbcOutcome, Vec<String>) {
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(module, "sf-accel-formal-");
    let start = Instant::now();
    let report = tools::yosys_prove_abc(
        &files,
        &v.top,
        Some("rst"),
        memories,
        engine,
        ABC_LIMIT,
        &[READ_DURING_WRITE],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let took = start.elapsed();
    eprintln!(
        "{}: {:?} in {:.1} s (log {})",
        v.top,
        report.outcome,
        took.as_secs_f64(),
        report.log.display()
    );
    (report.outcome, report.assertions)
}

/// The accelerator's assertions, as the model names them (sorted): the four stream
/// assertions and the sequencer's three invariants on pending beats and requests.
const STREAM_ASSERTIONS: [&str; 7] = [
    "assert_a_request_is_pending_only_in_req_in_or_req_w",
    "assert_a_result_beat_is_pending_only_in_trace_logits_or",
    "assert_a_trace_read_is_in_flight_only_in_trace_with_no",
    "assert_r_payload_stable_while_waiting",
    "assert_r_valid_held_until_ready",
    "assert_req_payload_stable_while_waiting",
    "assert_req_valid_held_until_ready",
];

/// The assertions behind the buffers' promise that no read port reads the word written on
/// the same edge (`ModuleBuilder::promise_no_read_during_write`: psum, spike, weight and
/// membrane buffers, tap table, pooling row buffer) are set aside here: this environment lets
/// the host write any descriptor, including those the driver rejects (a stage larger than its
/// buffers), and with those two columns can meet on one psum word (BMC: 75 cycles on [`tiny`]).
/// They are checked in every co-simulation and property test instead.
const READ_DURING_WRITE: &str = "*never_reads_the_word*";

fn assert_proven(p: &AccelParams, memories: MemoryModel) {
    let (outcome, mut assertions) = check(&accelerator(p), memories, AbcEngine::Pdr);
    assertions.sort();
    // The proof speaks of every assertion of the top (none optimised away, none missing).
    assert_eq!(assertions, STREAM_ASSERTIONS, "{}", p.name);
    assert!(
        matches!(outcome, AbcOutcome::Proven { .. }),
        "{}: the stream assertions must be proved: {outcome:?}",
        p.name
    );
}

/// Searches the [`tiny`] accelerator wrapped with `probe` for a counterexample (BMC, memories
/// exact, so that a counterexample is a real trace).
fn refute(probe: Probe) -> (AbcOutcome, Vec<String>) {
    check(
        &wrapper(&tiny(), probe),
        MemoryModel::FlipFlops,
        AbcEngine::Bmc { frames: BMC_FRAMES },
    )
}

#[test]
fn the_smallest_accelerators_keep_the_stream_protocol_for_ever() {
    assert_proven(&tiny(), MemoryModel::FlipFlops);
    assert_proven(&tiny_options(), MemoryModel::FlipFlops);
}

#[test]
fn larger_accelerators_keep_the_stream_protocol_whatever_their_buffers_hold() {
    assert_proven(&small(), MemoryModel::FreeReads);
    assert_proven(
        &AccelParams::from_accel(&prototype_config()),
        MemoryModel::FreeReads,
    );
}

#[test]
fn a_producer_that_drops_req_valid_is_refuted() {
    let (outcome, _) = refute(Probe::DropsReqValid);
    match outcome {
        // The wrapper's own assertion fails (not the accelerator's, which still holds), after
        // a start and the stage's descriptor load have raised a request.
        AbcOutcome::Counterexample { assertion, frame } => {
            assert_eq!(assertion, "assert_req_out_valid_held_until_ready");
            assert!(frame > 2, "a request comes after a start: frame {frame}");
        }
        other => panic!("the broken producer must be refuted: {other:?}"),
    }
}

#[test]
fn the_stream_proofs_are_not_vacuous() {
    // A request waits, and a result beat waits, in some run the assumptions allow: the
    // assertions' antecedents are reachable, so the proofs above say something.
    for probe in [Probe::ReqNeverWaits, Probe::RNeverWaits] {
        let (outcome, _) = refute(probe);
        let expected = match probe {
            Probe::ReqNeverWaits => "assert_a_request_never_waits",
            _ => "assert_a_result_beat_never_waits",
        };
        assert!(
            matches!(&outcome, AbcOutcome::Counterexample { assertion, .. } if assertion == expected),
            "{probe:?} must be refuted: {outcome:?}"
        );
    }
}
