//! The accelerator top (docs/accelerator.md), as blocks: each section of the document is one
//! file here, a function with a typed interface, and this module only wires them.
//!
//! | block | docs/accelerator.md | does |
//! |---|---|---|
//! | [`registers`] | §8 | ports, global registers, the register read |
//! | [`descriptor`] | §8, §4 | stage-descriptor RAM and the working set of the current stage |
//! | [`stage_setup`] | §4, §5 | the stage's fetch constants (products) and the tap table |
//! | [`sequencer`] | §4 | phases, windows, stages, spike-buffer roles, status |
//! | [`streams_in`] | §4, §8 | request stream, input and weight receivers |
//! | [`weight_loader`] | §5 load | weight buffer → scratchpads |
//! | [`streamer`] | §5 stream, timing | pair control, column loop, drain |
//! | [`im2col`] | §5 stream | tap-table read, bounds, spike fetch |
//! | [`array_datapath`] | §5 | the PE array, column tags, column accumulators, psum writes |
//! | [`lif_phase`] | §6 | LIF loop and datapaths, membrane clear and forwarding |
//! | [`pooling`] | §6 | OR pooling: window coordinates, pooling row buffer, output addresses |
//! | [`classify`] | §7 | logits, entropy unit, exit |
//! | [`trace`] | §4, §8 | spike-trace readout |
//! | [`result_stream`] | §8 | trace, logit and final beats |
//! | [`counters`] | §9 | the performance counters (a counter-file instance) and their bus read |
//!
//! Blocks with a clear interface are Verilog submodules with tests of their own (evaluator and
//! Verilator against a Rust model): the PE array, LIF units, entropy unit, column and logit
//! accumulators and counter file (tests/pe_array.rs, lif_unit.rs, entropy_unit.rs,
//! column_accumulators.rs, logit_accumulators.rs, dsl_counter_file.rs). The blocks of the table
//! build into the top; each has unit tests (tests/accel_blocks.rs) that build it in a harness
//! taking its inputs as ports (stage fields and sequencer: `from_ports`) and check it against a
//! model of the document.

pub mod array_datapath;
pub mod classify;
mod common;
pub mod counters;
pub mod descriptor;
pub mod geometry;
pub mod im2col;
pub mod lif_phase;
pub mod pooling;
pub mod registers;
pub mod result_stream;
pub mod sequencer;
pub mod stage_setup;
pub mod streamer;
pub mod streams_in;
pub mod trace;
pub mod weight_loader;

use super::params::AccelParams;
use common::fit;
use geometry::Geometry;
use registers::{Globals, HostInputs};
use sequencer::{ph, Events, Sequencer};
use spikeforge_config::catalog::Counter;
use spikeforge_dsl::library::{assert_stream_protocol, assume_stream_protocol};
use spikeforge_dsl::prelude::*;

/// Number of performance counters (§9).
pub const NUM_COUNTERS: usize = Counter::COUNT;

/// The on-chip buffers (§3).
#[derive(Clone, Copy, Debug)]
pub struct Buffers {
    /// Weight buffer: `cols × weight_bits` words.
    pub weight: Mem,
    /// Spike buffer A: `cols`-bit words.
    pub spike_a: Mem,
    /// Spike buffer B.
    pub spike_b: Mem,
    /// Psum buffer: `cols × psum_bits` words.
    pub psum: Mem,
    /// Membrane buffer: `cols × membrane_bits` words.
    pub membrane: Mem,
}

impl Buffers {
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry) -> Buffers {
        let p = &g.p;
        let cols = g.cols;
        let bufs = Buffers {
            weight: m.mem("weight_buf", p.weight_words.max(2), UInt(cols * g.wbits)),
            spike_a: m.mem("spike_a", p.spike_words.max(2), UInt(cols)),
            spike_b: m.mem("spike_b", p.spike_words.max(2), UInt(cols)),
            psum: m.mem("psum_buf", p.psum_words.max(2), UInt(cols * g.pb)),
            membrane: m.mem("membrane_buf", p.membrane_words.max(2), UInt(cols * g.mb)),
        };
        // No phase reads a buffer word on the edge that writes it (checked by the assertions
        // this adds): block RAM without read-during-write bypass logic.
        for mem in [
            bufs.weight,
            bufs.spike_a,
            bufs.spike_b,
            bufs.psum,
            bufs.membrane,
        ] {
            m.promise_no_read_during_write(mem);
        }
        bufs
    }
}

/// What every block after the descriptor reads: the geometry, the global registers, the
/// sequencer's registers, the current stage's fields and the buffers.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// Widths and sizes.
    pub g: &'a Geometry,
    /// The global registers.
    pub globals: &'a Globals,
    /// The sequencer's registers.
    pub seq: &'a Sequencer,
    /// The current stage's fields.
    pub desc: &'a descriptor::Descriptor,
    /// The buffers.
    pub bufs: &'a Buffers,
}

/// Generates the accelerator top module `<name>_top` (ports as in docs/accelerator.md §8).
pub fn accelerator(p: &AccelParams) -> Module {
    let g = Geometry::of(p);
    let mut module = ModuleBuilder::new(format!("{}_top", p.name));
    parameters(&mut module, &g);
    let m = &mut module;

    let host = HostInputs::declare(m, &g);
    let globals = Globals::declare(m, &g, &host);
    let (seq, phase_machine) = Sequencer::declare(m, &g, &globals);
    let desc = descriptor::Descriptor::build(m, &g, &host, &seq);
    let bufs = Buffers::declare(m, &g);
    let cx = Ctx {
        g: &g,
        globals: &globals,
        seq: &seq,
        desc: &desc,
        bufs: &bufs,
    };
    let setup = stage_setup::build(m, cx, desc.loaded);
    let rx = streams_in::build(m, cx, &host, setup.done);

    // Array phase (§5): entered when the stage's last weight word arrives.
    let enter_array = rx.recv_w_done;
    let ld = weight_loader::build(m, cx, enter_array);
    let st = streamer::build(m, cx, &ld, enter_array, &setup);
    let column = im2col::build(m, cx, &st, &setup);
    let array_counts = array_datapath::build(m, cx, &st, &ld, &column);
    let is_classifier = m.wire_from("is_classifier", desc.is_classifier.any());

    // LIF phase (§6) for hidden stages, classify + entropy (§7) for the classifier; they
    // share the psum buffer's phase read port.
    let cls_issue = classify::ClassifyIssue::declare(m, &g);
    let lif = lif_phase::build(
        m,
        cx,
        st.array_done & !is_classifier.expr(),
        lif_phase::PsumReader {
            busy: cls_issue.busy,
            addr: cls_issue.addr,
        },
    );
    let logits_done = m.wire("logits_done", Bool);
    let cls = classify::build(
        m,
        cx,
        &cls_issue,
        lif.psum_word,
        classify::ClassifyStarts {
            first: st.array_done & is_classifier,
            logits_done,
        },
    );

    // Results (§8).
    let results = result_stream::ResultRegs::declare(m, &host);
    let tr = trace::build(m, cx, &results, lif.done);
    result_stream::drive(
        m,
        cx,
        &results,
        &tr,
        (cls.result_logit.clone(), cls.result_logit_addr),
        cls.entropy_finish.expr(),
        logits_done,
    );

    seq.transitions(
        m,
        phase_machine,
        &globals,
        &host,
        &Events {
            clear_done: lif.clear_done.expr(),
            stage_go: setup.done.expr(),
            req_fire: rx.req_fire.expr(),
            recv_in_done: rx.recv_in_done.expr(),
            recv_w_done: rx.recv_w_done.expr(),
            array_done: st.array_done.expr(),
            is_classifier: is_classifier.expr(),
            lif_done: lif.done.expr(),
            cls_done: cls.done.expr(),
            entropy_finish: cls.entropy_finish.expr(),
            exit_now: cls.exit_now.expr(),
            exit_t: cls.exit_t.clone(),
            prediction: cls.prediction.clone(),
            more_t: cls.more_t.clone(),
            logits_done: logits_done.expr(),
            trace_done: tr.done.expr(),
            r_fire: results.fire.expr(),
        },
        g.p.ram_output_regs,
    );

    // Counters (§9): each block's (counter, increment) pairs.
    let mut incs = counters::phase_cycles(&seq);
    incs.extend(rx.counts.iter().cloned());
    incs.extend(array_counts);
    incs.extend(lif.counts.iter().cloned());
    incs.extend(cls.counts.iter().cloned());
    incs.push((
        Counter::ExtWriteBits,
        (seq.in_phase(ph::FINAL) & results.fire).select(Expr::uint(32, 6), Expr::uint(0, 6)),
    ));
    let counter_file = if g.p.counters {
        counters::build(m, &seq, &host, g.p.counter_bits, g.p.ram_output_regs, &incs)
    } else {
        counters::none(m, &incs)
    };

    // Outputs (§8) and what the streams promise and need. STATUS.busy also covers the
    // counter file's last flush round.
    registers::read_port(
        m,
        &host,
        Expr::cat([seq.done.expr(), seq.busy | !counter_file.settled.expr()]),
        seq.exit_t,
        seq.prediction,
        &counter_file,
    );
    stream_ports(m, &host, &seq, &rx, &results, &tr);
    module.finish()
}

/// The request and result streams' ports (§8), what the accelerator promises of them (the
/// valid/ready protocol, and that a request or beat waits only in the phase that issued it)
/// and what it assumes of the host's weight and spike streams.
fn stream_ports(
    m: &mut ModuleBuilder,
    host: &HostInputs,
    seq: &Sequencer,
    rx: &streams_in::StreamsIn,
    results: &result_stream::ResultRegs,
    tr: &trace::Trace,
) {
    let req_valid = m.output_from("req_valid", rx.req_valid);
    let req_kind = m.output_from("req_kind", rx.req_kind.zext(2));
    let req_stage = m.output_from("req_stage", fit(seq.stage, 8));
    // 16-bit fields of the request (§8), whatever width the sequencer keeps them in.
    let req_t0 = m.output_from("req_t0", fit(seq.t0, 16));
    let req_len = m.output_from("req_len", fit(seq.tw, 16));
    let w_ready = m.output_from("w_ready", seq.in_phase(ph::RECV_W));
    let s_ready = m.output_from("s_ready", seq.in_phase(ph::RECV_IN));
    let r_valid = m.output_from("r_valid", results.valid);
    let r_kind = m.output_from("r_kind", results.kind);
    let r_stage = m.output_from("r_stage", fit(seq.stage, 8));
    let r_data = m.output_from("r_data", results.data);
    let payload = |parts: &[Signal]| Expr::cat(parts.iter().map(|s| s.expr()).collect::<Vec<_>>());
    assert_stream_protocol(
        m,
        "req",
        req_valid,
        host.req_ready,
        payload(&[req_kind, req_stage, req_t0, req_len]),
    );
    assert_stream_protocol(
        m,
        "r",
        r_valid,
        host.r_ready,
        payload(&[r_kind, r_stage, r_data]),
    );
    // What the sequencer keeps: a beat or a request waits only in the phase that issued it.
    let in_any = |names: &[&str]| {
        names
            .iter()
            .map(|n| seq.in_phase(n))
            .reduce(|a, b| a | b)
            .unwrap_or_else(|| Expr::bool(false))
    };
    m.assert_always(
        !rx.req_valid.expr() | in_any(&[ph::REQ_IN, ph::REQ_W]),
        "a request is pending only in REQ_IN or REQ_W",
    );
    m.assert_always(
        !results.valid.expr() | in_any(&[ph::TRACE, ph::LOGITS, ph::FINAL]),
        "a result beat is pending only in TRACE, LOGITS or FINAL",
    );
    m.assert_always(
        !tr.pending.expr() | (seq.in_phase(ph::TRACE) & !results.valid.expr()),
        "a trace read is in flight only in TRACE, with no beat waiting",
    );
    assume_stream_protocol(m, "w", host.w_valid, w_ready, host.w_data);
    assume_stream_protocol(m, "s", host.s_valid, s_ready, host.s_data);
}

/// The generation parameters, recorded on the module (they reach the emitted header).
fn parameters(m: &mut ModuleBuilder, g: &Geometry) {
    let p = &g.p;
    m.param("rows", p.rows)
        .param("cols", p.cols)
        .param("weight_spad_depth", p.weight_spad_depth)
        .param("psum_bits", p.psum_bits)
        .param("pipeline_regs", p.pipeline_regs)
        .param("double_buffer", p.double_buffer)
        .param("weight_bits", p.weight_bits)
        .param("membrane_bits", p.membrane_bits)
        .param("leak", p.leak)
        .param("reset", format!("{:?}", p.reset).to_lowercase())
        .param(
            "fire_compare",
            format!("{:?}", p.fire_compare).to_lowercase(),
        )
        .param("share_factor", p.share_factor)
        .param("max_stages", p.max_stages)
        .param("max_classes", p.max_classes)
        .param("logit_bits", p.logit_bits)
        .param("counter_bits", p.counter_bits)
        .param("counters", p.counters)
        .param("max_tick_batch", g.bmax)
        .param("weight_words", p.weight_words)
        .param("spike_words", p.spike_words)
        .param("psum_words", p.psum_words)
        .param("membrane_words", p.membrane_words);
}
