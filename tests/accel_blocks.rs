//! Unit tests of the accelerator top's blocks (`spikeforge_generators::accel::top`), each on
//! the reference evaluator against a small Rust model of what docs/accelerator.md (and
//! DESIGN.md, for the LIF step and the exit) says the block does. A test harness is a module built with the DSL's public API: it declares the
//! block's inputs as ports (the current stage's fields through `Descriptor::from_ports`, the
//! sequencer's registers through `Sequencer::from_ports`), calls the block's builder and
//! exposes its outputs as ports. The whole-accelerator co-simulation (tests/cosim.rs) checks
//! the blocks together; these check each one alone, over shapes and timings the networks of
//! the co-simulation do not reach.
//!
//! - sequencer (§4): the phase walk of whole inferences (windows, stages, trace, early exit),
//!   the window registers, spike-buffer roles, STATUS, EXIT_T and PREDICTION;
//! - registers (§8): the global registers' writes, CTRL's start pulse, the registered read;
//! - stage descriptor (§4, §8): the descriptors written over the bus, the working set the
//!   STAGE phase loads one field per cycle, `loaded`, the bits kept of each field;
//! - weight loader (§5 load): every pair's weight-buffer words, scratchpad rows and entries,
//!   valid lanes, pair ends;
//! - request stream and receivers (§3, §8, §9): requests, the buffers' contents, the counts;
//! - stage setup and im2col fetch (§5, §8): the products `pad·W`, `stride·W` and every row's
//!   tap validity, bounds check and spike over whole convolutions (padding, strides, linear);
//! - streamer and pair control (§5 stream, timing): the array phase cycle by cycle — loads,
//!   columns and drains of every pair, with and without double buffering — and every column's
//!   coordinates;
//! - array datapath (§5, §9): every psum word of a stage-window and its counts;
//! - LIF phase (§6, DESIGN.md §2–3): every shared membrane, the pooled output spikes, the
//!   phase's cycles and counts, the membrane clear;
//! - pooling (§6): the pooled output words and their addresses over whole LIF loops;
//! - classify and entropy (§7, DESIGN.md §4): the logits, the exit and the prediction over
//!   whole inferences;
//! - trace and result stream (§8): the beats of the spike trace, the logits and the final
//!   beat under back-pressure;
//! - counters (§9): every increment counted, the words read back in the table's order.

mod common;

use common::SplitMix;
use num_bigint::BigUint;
use spikeforge_config::catalog::Counter;
use spikeforge_config::network::MAX_TIMESTEPS;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;
use spikeforge_generators::accel::params::{cls_pipe, prototype_config, small_params, AccelParams};
use spikeforge_generators::accel::top::counters::CounterFile;
use spikeforge_generators::accel::top::descriptor::Descriptor;
use spikeforge_generators::accel::top::geometry::Geometry;
use spikeforge_generators::accel::top::im2col::Column;
use spikeforge_generators::accel::top::registers::{self, Globals, HostInputs};
use spikeforge_generators::accel::top::sequencer::{ph, Events, Sequencer};
use spikeforge_generators::accel::top::streamer::Streamer;
use spikeforge_generators::accel::top::{
    pooling, result_stream, trace, weight_loader, Buffers, Ctx,
};

/// Register addresses, from the table of docs/accelerator.md §8 (not from the catalog).
mod addr {
    pub const CTRL: u64 = 0x000;
    pub const STATUS: u64 = 0x001;
    pub const EXIT_T: u64 = 0x002;
    pub const PREDICTION: u64 = 0x003;
    pub const NUM_STAGES: u64 = 0x004;
    pub const TIMESTEPS: u64 = 0x005;
    pub const TICK_BATCH: u64 = 0x006;
    pub const THETA_Q: u64 = 0x007;
    pub const RLNK: u64 = 0x008;
    pub const FRAC_BITS: u64 = 0x009;
    pub const NUM_CLASSES: u64 = 0x00A;
    pub const MEM_WORDS: u64 = 0x00B;
    /// Field f of stage s: `STAGE_BASE + STAGE_STRIDE·s + f`.
    pub const STAGE_BASE: u64 = 0x100;
    pub const STAGE_STRIDE: u64 = 32;
}

/// The evaluator with `u64` ports, checking at the end that no assertion of the block failed.
struct Sim {
    ev: Evaluator,
    /// An input changed since the logic last settled.
    dirty: bool,
}

impl Sim {
    fn new(module: &Module) -> Sim {
        let design = elaborate(module).unwrap_or_else(|e| panic!("{e}"));
        let mut ev = Evaluator::new(&design);
        ev.reset(1);
        Sim { ev, dirty: true }
    }

    fn set(&mut self, port: &str, v: u64) {
        self.set_big(port, &BigUint::from(v));
    }

    fn set_bool(&mut self, port: &str, v: bool) {
        self.set(port, u64::from(v));
    }

    fn set_big(&mut self, port: &str, v: &BigUint) {
        self.ev.poke(port, v).unwrap_or_else(|e| panic!("{e}"));
        self.dirty = true;
    }

    /// Sets each `(port, value)`: the stage fields of a case, say.
    fn set_all(&mut self, ports: &[(&str, u64)]) {
        for &(port, v) in ports {
            self.set(port, v);
        }
    }

    /// Output `port` after settling the inputs poked so far, of any width.
    fn get_big(&mut self, port: &str) -> BigUint {
        if self.dirty {
            self.ev.eval();
            self.dirty = false;
        }
        self.ev.peek(port).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Output `port` after settling the inputs poked so far.
    fn get(&mut self, port: &str) -> u64 {
        u64::try_from(self.get_big(port)).expect("a port of at most 64 bits")
    }

    fn is(&mut self, port: &str) -> bool {
        self.get(port) != 0
    }

    fn step(&mut self) {
        self.ev.step();
        self.dirty = false;
    }

    /// Drives the write port `prefix` of [`write_port`] with a write of `data` at `addr` (the
    /// next edge takes it; the strobe stays high until cleared).
    fn write_word(&mut self, prefix: &str, addr: u64, data: &BigUint) {
        self.set(&format!("{prefix}_we"), 1);
        self.set(&format!("{prefix}_addr"), addr);
        self.set_big(&format!("{prefix}_data"), data);
    }

    /// Writes `words` at addresses 0, 1, … through the write port `prefix`, one per edge.
    fn fill(&mut self, prefix: &str, words: &[u64]) {
        for (a, &w) in words.iter().enumerate() {
            self.write_word(prefix, a as u64, &BigUint::from(w));
            self.step();
        }
        self.set(&format!("{prefix}_we"), 0);
    }

    /// The word at `addr` through the read port `prefix` of [`read_port`] (one edge).
    fn read_word(&mut self, prefix: &str, addr: u64) -> BigUint {
        self.set(&format!("{prefix}_re"), 1);
        self.set(&format!("{prefix}_raddr"), addr);
        self.step();
        self.set(&format!("{prefix}_re"), 0);
        self.get_big(&format!("{prefix}_q"))
    }

    fn no_property_failed(&self) {
        let failures = self.ev.property_failures();
        assert!(failures.is_empty(), "assertions failed: {failures:?}");
    }
}

/// What every block reads, with the current stage's fields and the sequencer's registers as
/// input ports.
struct Parts {
    g: Geometry,
    host: HostInputs,
    globals: Globals,
    seq: Sequencer,
    desc: Descriptor,
    bufs: Buffers,
}

impl Parts {
    fn declare(m: &mut ModuleBuilder, p: &AccelParams) -> Parts {
        let g = Geometry::of(p);
        let host = HostInputs::declare(m, &g);
        let globals = Globals::declare(m, &g, &host);
        let seq = Sequencer::from_ports(m, &g);
        let desc = Descriptor::from_ports(m, &g);
        let bufs = Buffers::declare(m, &g);
        Parts {
            g,
            host,
            globals,
            seq,
            desc,
            bufs,
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            g: &self.g,
            globals: &self.globals,
            seq: &self.seq,
            desc: &self.desc,
            bufs: &self.bufs,
        }
    }

    /// A harness module `name`: the parts as ports, and what `block` builds on them (the block
    /// under test and its outputs).
    fn harness(
        name: &str,
        p: &AccelParams,
        block: impl FnOnce(&mut ModuleBuilder, &Parts),
    ) -> Module {
        let mut module = ModuleBuilder::new(name);
        let parts = Parts::declare(&mut module, p);
        block(&mut module, &parts);
        module.finish()
    }
}

/// A write port on `mem` for the test (`Sim::write_word`, `Sim::fill`): inputs
/// `<prefix>_we`, `<prefix>_addr` and `<prefix>_data`.
fn write_port(m: &mut ModuleBuilder, prefix: &str, mem: Mem) {
    let we = m.input(format!("{prefix}_we"), Bool);
    let a = m.input(format!("{prefix}_addr"), UInt(mem.address_bits()));
    let d = m.input(format!("{prefix}_data"), mem.word());
    m.mem_write(mem, we, a, d);
}

/// A read port on `mem` for the test (`Sim::read_word`): inputs `<prefix>_re` and
/// `<prefix>_raddr`, output `<prefix>_q`.
fn read_port(m: &mut ModuleBuilder, prefix: &str, mem: Mem) {
    let re = m.input(format!("{prefix}_re"), Bool);
    let a = m.input(format!("{prefix}_raddr"), UInt(mem.address_bits()));
    let q = m.mem_read(mem, format!("{prefix}_rd_q"), re, a);
    m.output_from(format!("{prefix}_q"), q);
}

/// Each `(name, signal)` as an output.
fn expose<const N: usize>(m: &mut ModuleBuilder, outputs: [(&str, Signal); N]) {
    for (name, s) in outputs {
        m.output_from(name, s);
    }
}

/// A block's counter increments (§9) as outputs `count_<counter>`.
fn expose_counts(m: &mut ModuleBuilder, counts: &[(Counter, Expr)]) {
    for (counter, inc) in counts {
        m.output_from(format!("count_{}", counter.name()), inc.clone());
    }
}

/// Counter increments summed over the cycles a test ticks: `count_<counter>` outputs
/// ([`expose_counts`]) read before each edge.
struct Tally {
    sums: Vec<(Counter, u64)>,
}

impl Tally {
    fn new(counters: &[Counter]) -> Tally {
        Tally {
            sums: counters.iter().map(|&c| (c, 0)).collect(),
        }
    }

    /// Adds this cycle's increments, then steps.
    fn tick(&mut self, sim: &mut Sim) {
        for (c, sum) in &mut self.sums {
            *sum += sim.get(&format!("count_{}", c.name()));
        }
        sim.step();
    }

    /// The sum of counter `c`.
    fn of(&self, c: Counter) -> u64 {
        self.sums
            .iter()
            .find(|s| s.0 == c)
            .expect("a tallied counter")
            .1
    }
}

/// The index of phase `name` (what `Sequencer::from_ports`'s `phase` port carries).
fn phase(name: &str) -> u64 {
    ph::ALL.iter().position(|p| *p == name).unwrap() as u64
}

/// One bus write, taking one clock edge.
fn bus_write(sim: &mut Sim, a: u64, v: u64) {
    sim.set("cfg_we", 1);
    sim.set("cfg_addr", a);
    sim.set("cfg_wdata", v);
    sim.step();
    sim.set("cfg_we", 0);
}

// ---------------------------------------------------------------------------------------
// Sequencer (§4)
// ---------------------------------------------------------------------------------------

/// The sequencer with its phase machine, the host's ports and the global registers (the bus
/// programs them), every event of the other blocks as an input, the phase as one output per
/// phase (`in_<PHASE>`) and its registers as outputs.
fn sequencer_harness(p: &AccelParams) -> Module {
    let g = Geometry::of(p);
    let mut module = ModuleBuilder::new("sequencer_harness");
    let m = &mut module;
    let host = HostInputs::declare(m, &g);
    let globals = Globals::declare(m, &g, &host);
    let (seq, fsm) = Sequencer::declare(m, &g, &globals);
    let mut ev = |name: &str| m.input(format!("ev_{name}"), Bool).expr();
    let mut events = Events {
        clear_done: ev("clear_done"),
        stage_go: ev("stage_go"),
        req_fire: ev("req_fire"),
        recv_in_done: ev("recv_in_done"),
        recv_w_done: ev("recv_w_done"),
        array_done: ev("array_done"),
        is_classifier: ev("is_classifier"),
        lif_done: ev("lif_done"),
        cls_done: ev("cls_done"),
        entropy_finish: ev("entropy_finish"),
        exit_now: ev("exit_now"),
        exit_t: Expr::uint(0, g.tb),
        prediction: Expr::uint(0, g.kb),
        more_t: ev("more_t"),
        logits_done: ev("logits_done"),
        trace_done: ev("trace_done"),
        r_fire: ev("r_fire"),
    };
    events.exit_t = m.input("ev_exit_t", UInt(g.tb)).expr();
    events.prediction = m.input("ev_prediction", UInt(g.kb)).expr();
    seq.transitions(m, fsm, &globals, &host, &events, p.ram_output_regs);
    for name in ph::ALL {
        m.output_from(format!("in_{name}"), seq.in_phase(name));
    }
    expose(
        m,
        [
            ("busy", seq.busy),
            ("done", seq.done),
            ("stage_o", seq.stage),
            ("t0_o", seq.t0),
            ("tw_o", seq.tw),
            ("role_o", seq.role),
            ("exit_t", seq.exit_t),
            ("prediction", seq.prediction),
        ],
    );
    module.finish()
}

/// One inference as the host programs it, and when the entropy test says to exit.
#[derive(Clone, Copy, Debug)]
struct Inference {
    stages: u64,
    timesteps: u64,
    tick_batch: u64,
    trace: bool,
    mem_words: u64,
    /// The timestep (0-based) whose entropy is below θ, if any.
    exit_at: Option<u64>,
    prediction: u64,
}

/// A phase visit: (phase, stage, t0, Tw, role).
type Visit = (&'static str, u64, u64, u64, bool);

/// The schedule of docs/accelerator.md §4 and §7: the phases an inference visits, with the
/// stage, the window and the input buffer's role (A for even stages, B for odd ones: the
/// buffers swap after every stage, and stage 0 reads the input stream's buffer A), and its
/// exit timestep (1-based).
fn schedule(r: &Inference) -> (Vec<Visit>, u64) {
    let mut v: Vec<Visit> = Vec::new();
    let (t, b) = (r.timesteps, r.tick_batch);
    if r.mem_words != 0 {
        v.push((ph::CLEAR, 0, 0, b.min(t), false));
    }
    let mut t0 = 0;
    loop {
        let tw = b.min(t - t0);
        for s in 0..r.stages {
            let role = s % 2 == 1;
            let mut at = |p: &'static str| v.push((p, s, t0, tw, role));
            at(ph::STAGE);
            if s == 0 {
                at(ph::REQ_IN);
                at(ph::RECV_IN);
            }
            at(ph::REQ_W);
            at(ph::RECV_W);
            at(ph::ARRAY);
            if s + 1 < r.stages {
                at(ph::LIF);
                if r.trace {
                    at(ph::TRACE);
                }
            } else {
                for ti in 0..tw {
                    at(ph::CLASSIFY);
                    at(ph::ENTROPY);
                    if r.trace {
                        at(ph::LOGITS);
                    }
                    if r.exit_at == Some(t0 + ti) || t0 + ti == t - 1 {
                        at(ph::FINAL);
                        at(ph::IDLE);
                        return (v, t0 + ti + 1);
                    }
                }
            }
            at(ph::NEXT);
        }
        t0 += tw;
    }
}

/// Runs one inference: programs it, starts it, plays the other blocks (each phase's event
/// after 0–3 cycles; the classifier's exit as §7 says) and records the phases visited.
fn run_inference(sim: &mut Sim, rng: &mut SplitMix, r: &Inference) -> Vec<Visit> {
    bus_write(sim, addr::NUM_STAGES, r.stages);
    bus_write(sim, addr::TIMESTEPS, r.timesteps);
    bus_write(sim, addr::TICK_BATCH, r.tick_batch);
    bus_write(sim, addr::MEM_WORDS, r.mem_words);
    assert!(sim.is("in_IDLE"), "{r:?}: not idle before the start");
    bus_write(sim, addr::CTRL, 1 | (u64::from(r.trace) << 1));
    let mut visits: Vec<Visit> = Vec::new();
    let mut wait = 0;
    let mut classified = 0u64; // CLASSIFY phases entered in this stage-window
    for cycle in 0..20_000 {
        let here: Vec<&'static str> = ph::ALL
            .iter()
            .copied()
            .filter(|p| sim.is(&format!("in_{p}")))
            .collect();
        assert_eq!(here.len(), 1, "{r:?} cycle {cycle}: in phases {here:?}");
        let now = here[0];
        let visit = (
            now,
            sim.get("stage_o"),
            sim.get("t0_o"),
            sim.get("tw_o"),
            sim.is("role_o"),
        );
        let entered = visits.last().map(|v| v.0) != Some(now);
        if entered {
            visits.push(visit);
            wait = rng.below(4);
            if now == ph::ARRAY {
                classified = 0;
            }
            if now == ph::CLASSIFY {
                classified += 1;
            }
        } else {
            assert_eq!(
                *visits.last().unwrap(),
                visit,
                "{r:?} cycle {cycle}: a register changed within a phase"
            );
        }
        if now == ph::IDLE {
            break;
        }
        assert!(
            sim.is("busy"),
            "{r:?} cycle {cycle}: STATUS.busy low in {now}"
        );
        assert!(
            !sim.is("done"),
            "{r:?} cycle {cycle}: STATUS.done high in {now}"
        );
        // The other blocks: the phase's event after `wait` cycles.
        let fire = wait == 0;
        wait = wait.saturating_sub(1);
        let (t0, tw) = (visit.2, visit.3);
        let ti = classified.saturating_sub(1);
        let exits = r.exit_at == Some(t0 + ti) || t0 + ti + 1 == r.timesteps;
        let event = match now {
            ph::CLEAR => "clear_done",
            ph::STAGE => "stage_go",
            ph::REQ_IN | ph::REQ_W => "req_fire",
            ph::RECV_IN => "recv_in_done",
            ph::RECV_W => "recv_w_done",
            ph::ARRAY => "array_done",
            ph::LIF => "lif_done",
            ph::CLASSIFY => "cls_done",
            ph::ENTROPY => "entropy_finish",
            ph::LOGITS => "logits_done",
            ph::TRACE => "trace_done",
            ph::FINAL => "r_fire",
            _ => "",
        };
        for e in [
            "clear_done",
            "stage_go",
            "req_fire",
            "recv_in_done",
            "recv_w_done",
            "array_done",
            "lif_done",
            "cls_done",
            "entropy_finish",
            "logits_done",
            "trace_done",
            "r_fire",
        ] {
            sim.set_bool(&format!("ev_{e}"), fire && e == event);
        }
        sim.set_bool("ev_is_classifier", visit.1 + 1 == r.stages);
        sim.set_bool("ev_more_t", ti + 1 < tw);
        sim.set_bool("ev_exit_now", fire && now == ph::ENTROPY && exits);
        sim.set("ev_exit_t", t0 + ti + 1);
        sim.set("ev_prediction", r.prediction);
        // A start while busy is ignored.
        let poke_start = rng.chance(16);
        if poke_start {
            sim.set("cfg_we", 1);
            sim.set("cfg_addr", addr::CTRL);
            sim.set("cfg_wdata", 1);
        }
        sim.step();
        if poke_start {
            sim.set("cfg_we", 0);
        }
    }
    visits
}

#[test]
fn sequencer_walks_the_schedule_of_whole_inferences() {
    let mut p = small_params("seq");
    p.max_stages = 4;
    p.max_tick_batch = 4;
    p.max_classes = 10;
    let mut sim = Sim::new(&sequencer_harness(&p));
    let mut rng = SplitMix(0x5E0E_4CE0);
    let mut exits_early = 0;
    for k in 0..60 {
        let timesteps = 1 + rng.below(7);
        let tick_batch = 1 + rng.below(timesteps.min(4));
        let r = Inference {
            stages: 1 + rng.below(4),
            timesteps,
            tick_batch,
            trace: rng.chance(2),
            mem_words: if rng.chance(3) { 0 } else { 1 + rng.below(100) },
            exit_at: (!rng.chance(3)).then(|| rng.below(timesteps)),
            prediction: rng.below(10),
        };
        let (want, exit_t) = schedule(&r);
        exits_early += usize::from(exit_t < r.timesteps);
        let got = run_inference(&mut sim, &mut rng, &r);
        assert_eq!(got, want, "inference {k}: {r:?}");
        assert!(!sim.is("busy") && sim.is("done"), "{r:?}: STATUS after");
        assert_eq!(sim.get("exit_t"), exit_t, "{r:?}: EXIT_T");
        assert_eq!(sim.get("prediction"), r.prediction, "{r:?}: PREDICTION");
        // Idle: nothing moves without a start.
        for _ in 0..3 {
            sim.step();
            assert!(sim.is("in_IDLE") && sim.is("done"));
        }
    }
    assert!(exits_early > 10, "only {exits_early} early exits");
    sim.no_property_failed();
}

// ---------------------------------------------------------------------------------------
// Registers (§8)
// ---------------------------------------------------------------------------------------

/// The global registers and the register read: the status, EXIT_T, PREDICTION and the
/// counter file's word are inputs; the registers and the start pulse are outputs.
fn registers_harness(p: &AccelParams) -> Module {
    let g = Geometry::of(p);
    let mut module = ModuleBuilder::new("registers_harness");
    let m = &mut module;
    let host = HostInputs::declare(m, &g);
    let globals = Globals::declare(m, &g, &host);
    expose(
        m,
        [
            ("num_stages", globals.num_stages),
            ("timesteps", globals.timesteps),
            ("tick_batch", globals.tick_batch),
            ("theta_q", globals.theta_q),
            ("rlnk", globals.rlnk),
            ("frac_bits", globals.frac_bits),
            ("num_classes", globals.num_classes),
            ("mem_words", globals.mem_words),
            ("start_o", globals.start),
        ],
    );
    let status = m.input("status", UInt(2));
    let exit_t = m.input("exit_t_in", UInt(g.tb));
    let prediction = m.input("prediction_in", UInt(g.kb));
    let counters = CounterFile {
        settled: m.input("counters_settled", Bool),
        word_valid: m.input("count_read_valid", Bool),
        word: m.input("count_word", UInt(32)).expr(),
    };
    registers::read_port(m, &host, status.expr(), exit_t, prediction, &counters);
    module.finish()
}

#[test]
fn registers_take_their_writes_and_read_one_cycle_later() {
    let mut p = small_params("regs");
    p.max_stages = 8;
    p.max_classes = 10;
    let g = Geometry::of(&p);
    let mut sim = Sim::new(&registers_harness(&p));
    let mut rng = SplitMix(0x8E6_157E);
    // (address, output, the largest value §8 allows it)
    let globals: [(u64, &str, u64); 8] = [
        (addr::NUM_STAGES, "num_stages", 8),
        (addr::TIMESTEPS, "timesteps", u64::from(MAX_TIMESTEPS)),
        (addr::TICK_BATCH, "tick_batch", u64::from(p.max_tick_batch)),
        (addr::THETA_Q, "theta_q", 1 << 16),
        (addr::RLNK, "rlnk", 1 << 16),
        (addr::FRAC_BITS, "frac_bits", 31),
        (addr::NUM_CLASSES, "num_classes", 10),
        (addr::MEM_WORDS, "mem_words", p.membrane_words),
    ];
    let mut want = [0u64; 8];
    // The read of the previous cycle's address.
    let mut prev_read: Option<u64> = None;
    let mut starts = 0;
    for cycle in 0..3000 {
        let (status, exit_t, prediction) = (rng.below(4), rng.below(1 << g.tb), rng.below(11));
        let (word_valid, word) = (rng.chance(5), rng.below(1 << 32));
        sim.set("status", status);
        sim.set("exit_t_in", exit_t);
        sim.set("prediction_in", prediction);
        sim.set_bool("count_read_valid", word_valid);
        sim.set("count_word", word);
        sim.set_bool("counters_settled", rng.chance(2));
        // The registered read: the word at last cycle's address, of last cycle's values.
        if let Some(w) = prev_read {
            let got = sim.get("cfg_rdata");
            let expect = if word_valid { word } else { w };
            assert_eq!(got, expect, "cycle {cycle}: cfg_rdata");
        }
        // A bus cycle: a write to a global register, to CTRL, elsewhere, or none.
        let we = !rng.chance(4);
        let a = match rng.below(4) {
            0 => globals[rng.below(8) as usize].0,
            1 => addr::CTRL,
            2 => rng.below(16),
            _ => rng.below(1 << 12),
        };
        let wdata = match globals.iter().position(|gl| gl.0 == a) {
            Some(i) if !rng.chance(8) => rng.below(globals[i].2 + 1),
            _ => rng.below(1 << 32),
        };
        sim.set_bool("cfg_we", we);
        sim.set("cfg_addr", a);
        sim.set("cfg_wdata", wdata);
        let start = we && a == addr::CTRL && wdata & 1 == 1;
        assert_eq!(sim.is("start_o"), start, "cycle {cycle}: start pulse");
        starts += usize::from(start);
        prev_read = Some(match a {
            addr::STATUS => status,
            addr::EXIT_T => exit_t,
            addr::PREDICTION => prediction,
            _ => 0,
        });
        sim.step();
        for (i, &(ga, name, max)) in globals.iter().enumerate() {
            if we && a == ga && wdata <= max {
                want[i] = wdata;
            }
            if we && a == ga && wdata > max {
                // Outside its range §8 says nothing of the value kept: take what it kept.
                want[i] = sim.get(name);
            }
            assert_eq!(sim.get(name), want[i], "cycle {cycle}: {name}");
        }
    }
    assert!(starts > 50, "only {starts} starts");
    sim.no_property_failed();
}

// ---------------------------------------------------------------------------------------
// Stage descriptor (§4, §8)
// ---------------------------------------------------------------------------------------

/// The descriptor RAM and the working set as the top builds them: the host's ports (the bus
/// writes the RAM), the sequencer's registers as inputs (`phase`, `stage`), and the working
/// set as outputs `ws_<field>`, named as in the table of §8, and `ws_loaded`.
fn descriptor_harness(p: &AccelParams) -> Module {
    let g = Geometry::of(p);
    let mut module = ModuleBuilder::new("descriptor_harness");
    let m = &mut module;
    let host = HostInputs::declare(m, &g);
    let seq = Sequencer::from_ports(m, &g);
    let d = Descriptor::build(m, &g, &host, &seq);
    // `F`, `n_rt`, `cg_count`, `groups` and `last_group` are kept only as their value − 1:
    // presented + 1. `W`, `H`, `n_ct`, `P` and `n_ctb` also have such a copy: `less_one_<name>`
    // presents it + 1.
    let plus_one = |m: &mut ModuleBuilder, name: &str, s: Signal| {
        m.wire_from(format!("{name}_kept"), s.wrapping_add(1u64))
    };
    let f = plus_one(m, "f", d.f_m1);
    let n_rt = plus_one(m, "n_rt", d.n_rt_m1);
    let cg_count = plus_one(m, "cg_count", d.cg_count_m1);
    let groups = plus_one(m, "groups", d.groups_m1);
    let last_group = plus_one(m, "last_group", d.last_group_m1);
    for (name, copy) in [
        ("W", d.w_m1),
        ("H", d.h_m1),
        ("n_ct", d.n_ct_m1),
        ("P", d.p_m1),
        ("n_ctb", d.n_ctb_m1),
    ] {
        m.output_from(format!("less_one_{name}"), copy.wrapping_add(1u64));
    }
    expose(
        m,
        [
            ("ws_C", d.c),
            ("ws_H", d.h),
            ("ws_W", d.w),
            ("ws_M", d.m),
            ("ws_R", d.r),
            ("ws_S", d.s),
            ("ws_stride", d.stride),
            ("ws_pad", d.pad),
            ("ws_F", f),
            ("ws_N", d.n),
            ("ws_n_rt", n_rt),
            ("ws_n_ct", d.n_ct),
            ("ws_P", d.p),
            ("ws_theta", d.theta),
            ("ws_n_ctb", d.n_ctb),
            ("ws_membrane_base", d.membrane_base),
            ("ws_cg_count", cg_count),
            ("ws_groups", groups),
            ("ws_last_group", last_group),
            ("ws_is_classifier", d.is_classifier),
            ("ws_n_ctb_p", d.n_ctb_p),
            ("ws_pool", d.pool),
            ("ws_pooled_e", d.pooled_e),
            ("ws_pooled_f", d.pooled_f),
            ("ws_pooled_p", d.pooled_p),
            ("ws_n_ctb_pp", d.n_ctb_pp),
            ("ws_loaded", d.loaded),
        ],
    );
    module.finish()
}

/// What the working set keeps of a stage field (docs/accelerator.md §8).
#[derive(Clone, Copy, Debug)]
enum Kept {
    /// A count or index: `count_bits`.
    Count,
    /// θ: `membrane_bits`.
    Membrane,
    /// `membrane_base`: `⌈log2 membrane_words⌉`.
    MembraneAddress,
    /// The table's width.
    Bits(u32),
    /// R and S, the tap digits: `k = ⌈log2 spike_words⌉ + 1` (§1).
    Digit,
    /// stride and pad: `k + 1`.
    DigitPlusOne,
    /// N, a tap index: `⌈log2(weight_words + 1)⌉`.
    TapIndex,
    /// `n_ctb_p`, a psum-row step: `⌈log2 psum_words⌉`.
    PsumAddress,
    /// `pooled_p` and `n_ctb_pp`, spike-row steps: `⌈log2 spike_words⌉`.
    SpikeAddress,
    /// A count kept only as its value − 1 (`count_bits`), presented + 1.
    LessOne,
    /// `n_ct`, a step of the pooling row buffer's address: `⌈log2 max(words, 2)⌉`, its
    /// `⌊spike_words / B_max⌋` words clamped to 1..=512 (its − 1 copy in `count_bits`).
    PoolRow,
    /// `last_group`, a row-tile count of a group (kept as `last_group − 1 < D`):
    /// `⌈log2 max(D, 2)⌉`, D the row tiles of a group (§5).
    GroupTile,
    /// E: not kept.
    Nothing,
}

/// The stage fields of the table of docs/accelerator.md §8, in field order (field f of stage
/// s at `0x100 + 32·s + f`), and what the working set keeps of each.
const STAGE_FIELDS: [(&str, Kept); 27] = [
    ("C", Kept::Count),
    ("H", Kept::DigitPlusOne),
    ("W", Kept::DigitPlusOne),
    ("M", Kept::Count),
    ("R", Kept::Digit),
    ("S", Kept::Digit),
    ("stride", Kept::DigitPlusOne),
    ("pad", Kept::DigitPlusOne),
    ("E", Kept::Nothing),
    ("F", Kept::LessOne),
    ("N", Kept::TapIndex),
    ("n_rt", Kept::Count),
    ("n_ct", Kept::PoolRow),
    ("P", Kept::PsumAddress),
    ("theta", Kept::Membrane),
    ("n_ctb", Kept::Count),
    ("membrane_base", Kept::MembraneAddress),
    ("cg_count", Kept::LessOne),
    ("groups", Kept::LessOne),
    ("last_group", Kept::GroupTile),
    ("is_classifier", Kept::Bits(1)),
    ("n_ctb_p", Kept::PsumAddress),
    ("pool", Kept::Bits(4)),
    ("pooled_e", Kept::Count),
    ("pooled_f", Kept::Count),
    ("pooled_p", Kept::SpikeAddress),
    ("n_ctb_pp", Kept::SpikeAddress),
];

/// `⌈log2 n⌉`.
fn ceil_log2(n: u64) -> u32 {
    64 - (n.max(1) - 1).leading_zeros()
}

/// The bits the working set keeps of each field of design `p` (none of E), as §8 says:
/// `count_bits = min(24, ⌈log2(B + 1)⌉ + 1)`, `B = max(buffer words)·cols`, at least `2^k`.
fn kept_bits(p: &AccelParams) -> [Option<u32>; 27] {
    let k = ceil_log2(p.spike_words) + 1;
    let words = (p.weight_words)
        .max(p.spike_words)
        .max(p.psum_words)
        .max(p.membrane_words);
    let b = (words * u64::from(p.cols)).max(1 << k);
    let count_bits = (ceil_log2(b + 1) + 1).min(24);
    STAGE_FIELDS.map(|(_, kept)| match kept {
        Kept::Count | Kept::LessOne => Some(count_bits),
        Kept::PoolRow => Some(ceil_log2(
            (p.spike_words / u64::from(p.max_tick_batch.max(1))).clamp(2, 512),
        )),
        Kept::Membrane => Some(p.membrane_bits),
        Kept::MembraneAddress => Some(ceil_log2(p.membrane_words)),
        Kept::Bits(b) => Some(b),
        Kept::Digit => Some(k),
        Kept::DigitPlusOne => Some(k + 1),
        Kept::TapIndex => Some(ceil_log2(p.weight_words + 1)),
        Kept::PsumAddress => Some(ceil_log2(p.psum_words)),
        Kept::SpikeAddress => Some(ceil_log2(p.spike_words)),
        Kept::GroupTile => {
            let d = if p.double_buffer {
                p.weight_spad_depth / 2
            } else {
                p.weight_spad_depth
            };
            Some(ceil_log2(u64::from(d.max(2))))
        }
        Kept::Nothing => None,
    })
}

/// A bus word for a field kept in `bits`: within the kept width (small, as a real stage's, or
/// any), or beyond it (just above, or any 32-bit word).
fn field_word(rng: &mut SplitMix, bits: Option<u32>) -> u64 {
    let bits = bits.unwrap_or(32);
    match rng.below(4) {
        0 => rng.below(9),
        1 => rng.below(1 << bits),
        2 => (1 << bits.min(31)) + rng.below(1 << bits.min(31)),
        _ => rng.below(1 << 32),
    }
}

/// The working set: each kept field's output (none for E).
fn working_set(sim: &mut Sim) -> Vec<Option<u64>> {
    STAGE_FIELDS
        .iter()
        .map(|&(name, kept)| {
            (!matches!(kept, Kept::Nothing)).then(|| sim.get(&format!("ws_{name}")))
        })
        .collect()
}

/// One design: every descriptor written over the bus, then `loads` STAGE phases of random
/// stages with random bus traffic between and during them — rewrites of the stage to load
/// next, writes to other stages, to the unused words of a descriptor, to the global
/// registers, past the last descriptor and to the counters, and writes with `cfg_we` low.
/// In each STAGE phase, `ws_loaded` is low for one cycle per field (and one more with
/// `ram_output_regs`, whose registered RAM word lands a cycle later) and rises in the next
/// (§4: one cycle per field + 1, + 2 with the flag) and every field holds the old or the new
/// value; after that
/// cycle's edge the working set is the stage's descriptor as written, each field's low kept
/// bits (§8), and it keeps it, whatever the bus writes, until the next STAGE phase. Returns
/// (fields that changed value in a load, loads of a descriptor rewritten since its last load).
fn descriptor_case(p: &AccelParams, rng: &mut SplitMix, loads: usize) -> (u64, u64) {
    let kept = kept_bits(p);
    let fields = STAGE_FIELDS.len();
    let stages = u64::from(p.max_stages);
    let end = addr::STAGE_BASE + addr::STAGE_STRIDE * stages;
    let name = format!("{} (max_stages {stages})", p.name);
    let mut sim = Sim::new(&descriptor_harness(p));
    // What the bus wrote into each descriptor word.
    let mut ram = vec![0u64; (addr::STAGE_STRIDE * stages) as usize];
    sim.set("phase", phase(ph::IDLE));
    sim.set("stage", 0);
    for (i, word) in ram.iter_mut().enumerate() {
        *word = field_word(rng, kept.get(i % 32).copied().flatten());
        bus_write(&mut sim, addr::STAGE_BASE + i as u64, *word);
    }
    // Stage s's descriptor as the working set keeps it.
    let descriptor = |ram: &[u64], s: u64| -> Vec<Option<u64>> {
        (0..fields)
            .map(|f| {
                let word = ram[(s * addr::STAGE_STRIDE) as usize + f];
                kept[f].map(|b| word & ((1 << b) - 1))
            })
            .collect()
    };
    // A random bus cycle; `busy` is the stage being loaded, whose fields it leaves alone.
    let bus_cycle = |sim: &mut Sim, rng: &mut SplitMix, ram: &mut [u64], next: u64, busy| {
        let field_of = |rng: &mut SplitMix, s: u64| {
            let f = rng.below(fields as u64);
            let a = addr::STAGE_BASE + addr::STAGE_STRIDE * s + f;
            (a, field_word(rng, kept[f as usize]))
        };
        let (we, (a, v)) = match rng.below(10) {
            // A field of the stage to load next, or of any stage.
            0..=2 if busy != Some(next) => (true, field_of(rng, next)),
            0..=3 => {
                let s = rng.below(stages);
                (busy != Some(s), field_of(rng, s))
            }
            // An unused word of a descriptor (fields 27–31).
            4 => {
                let s = rng.below(stages);
                let f = fields as u64 + rng.below(addr::STAGE_STRIDE - fields as u64);
                let a = addr::STAGE_BASE + addr::STAGE_STRIDE * s + f;
                (true, (a, rng.below(1 << 32)))
            }
            // A global register, past the last descriptor, a counter.
            5 => (true, (rng.below(12), rng.below(1 << 32))),
            6 => (true, (end + rng.below(0x400 - end + 1), rng.below(1 << 32))),
            7 => (true, (0x400 + rng.below(0xC00), rng.below(1 << 32))),
            // A descriptor word with cfg_we low.
            8 => {
                let s = rng.below(stages);
                (false, field_of(rng, s))
            }
            _ => (false, (0, 0)),
        };
        let a = a & 0xFFF;
        sim.set_bool("cfg_we", we);
        sim.set("cfg_addr", a);
        sim.set("cfg_wdata", v);
        if we && (addr::STAGE_BASE..end).contains(&a) {
            ram[(a - addr::STAGE_BASE) as usize] = v;
        }
    };
    let (mut changed, mut rewrites) = (0, 0);
    // The working set since the last load (unknown before the first), and the stage's
    // descriptor as each stage was last loaded.
    let mut held: Option<Vec<Option<u64>>> = None;
    let mut last_loaded: Vec<Option<Vec<Option<u64>>>> = vec![None; stages as usize];
    let mut stage = 0;
    for load in 0..loads {
        let next = if rng.chance(4) {
            stage
        } else {
            rng.below(stages)
        };
        // Other phases, with the sequencer's stage anywhere: the working set stays.
        for cycle in 0..1 + rng.below(24) {
            let other = loop {
                let name = ph::ALL[rng.below(ph::ALL.len() as u64) as usize];
                if name != ph::STAGE {
                    break name;
                }
            };
            sim.set("phase", phase(other));
            sim.set("stage", rng.below(stages));
            bus_cycle(&mut sim, rng, &mut ram, next, None);
            let at = format!("{name} load {load}, {other} cycle {cycle}");
            assert!(!sim.is("ws_loaded"), "{at}: loaded outside STAGE");
            if let Some(h) = &held {
                assert_eq!(&working_set(&mut sim), h, "{at}: the working set changed");
            }
            sim.step();
        }
        // The STAGE phase of stage `next`: one cycle per field, then `loaded`, then the rest
        // of the phase (the setup: none to a few cycles here).
        stage = next;
        let want = descriptor(&ram, next);
        sim.set("phase", phase(ph::STAGE));
        sim.set("stage", next);
        let mut new = vec![false; fields];
        let lag = usize::from(p.ram_output_regs);
        for cycle in 0..fields + 1 + lag + rng.below(4) as usize {
            bus_cycle(&mut sim, rng, &mut ram, next, Some(next));
            let at = format!("{name} load {load} (stage {next}), STAGE cycle {cycle}");
            assert_eq!(sim.is("ws_loaded"), cycle >= fields + lag, "{at}: loaded");
            let got = working_set(&mut sim);
            for f in 0..fields {
                let old = held.as_ref().map(|h| h[f]);
                if got[f] == want[f] && old != Some(want[f]) {
                    new[f] = true;
                } else if old.is_some() {
                    // Not the new value: the old one, and only before the new one landed.
                    assert_eq!(
                        Some(got[f]),
                        old.filter(|_| !new[f]),
                        "{at}: field {} is neither its old value (before landing) nor its new \
                         value {:?} (after)",
                        STAGE_FIELDS[f].0,
                        want[f]
                    );
                }
            }
            sim.step();
        }
        let at = format!("{name} load {load} (stage {next}), after the loaded cycle");
        let got = working_set(&mut sim);
        for f in 0..fields {
            assert_eq!(got[f], want[f], "{at}: field {}", STAGE_FIELDS[f].0);
        }
        // The − 1 copies of fields also kept as they are: in `count_bits` (C's width).
        let count_mask = (1u64 << kept[0].expect("C is kept")) - 1;
        for (name, field) in [("W", 2), ("H", 1), ("n_ct", 12), ("P", 13), ("n_ctb", 15)] {
            assert_eq!(
                STAGE_FIELDS[field].0, name,
                "the table's field {field} is {name}"
            );
            let word = ram[(next * addr::STAGE_STRIDE) as usize + field];
            assert_eq!(
                sim.get(&format!("less_one_{name}")),
                word & count_mask,
                "{at}: {name} − 1"
            );
        }
        if let Some(h) = &held {
            changed += (0..fields).filter(|&f| h[f] != want[f]).count() as u64;
        }
        let before = &mut last_loaded[next as usize];
        rewrites += u64::from(before.as_ref().is_some_and(|b| *b != want));
        *before = Some(want.clone());
        held = Some(want);
    }
    sim.no_property_failed();
    (changed, rewrites)
}

#[test]
fn descriptor_loads_the_stage_written_over_the_bus_one_field_per_cycle() {
    let mut designs = vec![small_params("desc")];
    designs.push(AccelParams::from_accel(&prototype_config()));
    let mut many = small_params("desc16");
    many.max_stages = 16;
    designs.push(many);
    // Five stages (not a power of two), three columns, spike words not a power of two and
    // fewer weight words (count_bits from its floor 2^k); one stage.
    let mut odd = small_params("desc5");
    (odd.max_stages, odd.cols, odd.spike_words, odd.weight_words) = (5, 3, 300, 200);
    designs.push(odd);
    let mut one = small_params("desc1");
    one.max_stages = 1;
    designs.push(one);
    let mut rng = SplitMix(0xDE5C_0000);
    let (mut changed, mut rewrites) = (0, 0);
    for p in &designs {
        let (c, r) = descriptor_case(p, &mut rng, 60);
        (changed, rewrites) = (changed + c, rewrites + r);
    }
    assert!(changed > 3000, "only {changed} fields changed in a load");
    assert!(
        rewrites > 150,
        "only {rewrites} rewritten descriptors loaded"
    );
}

// ---------------------------------------------------------------------------------------
// Weight loader (§5 load)
// ---------------------------------------------------------------------------------------

/// The weight loader with the weight buffer's write port (`wb_we`, `wb_addr`, `wb_data`) and
/// the pair control's inputs (`enter_array`, `pair_start`, `pair_index`).
fn weight_loader_harness(p: &AccelParams) -> Module {
    Parts::harness("weight_loader_harness", p, |m, parts| {
        write_port(m, "wb", parts.bufs.weight);
        let enter = m.input("enter_array", Bool);
        let start = m.input("pair_start", Bool);
        let start_pair = m.input("pair_index", UInt(parts.g.fw));
        let ld = weight_loader::build(m, parts.ctx(), enter);
        m.drive(ld.start, start);
        m.drive(ld.start_pair, start_pair);
        expose(
            m,
            [
                ("last", ld.last),
                ("ct", ld.ct),
                ("group", ld.group),
                ("valid_lanes", ld.valid_lanes),
                ("wl_en", ld.wl_en),
                ("wl_row", ld.wl_row),
                ("wl_entry", ld.wl_entry),
                ("wl_weights", ld.wl_weights),
            ],
        );
    })
}

/// A stage's weight shape: fan-in N, output channels M.
fn loader_case(sim: &mut Sim, rng: &mut SplitMix, p: &AccelParams, n: u64, m_ch: u64) {
    let (rows, cols) = (u64::from(p.rows), u64::from(p.cols));
    let d = u64::from(p.group_depth());
    let n_rt = n.div_ceil(rows);
    let n_ct = m_ch.div_ceil(cols);
    let groups = n_rt.div_ceil(d);
    let last_group = n_rt - (groups - 1) * d;
    let words = n_ct * n_rt * rows;
    assert!(words <= p.weight_words, "the case fits the weight buffer");
    let word_bits = cols * u64::from(p.weight_bits);
    // Fill the weight buffer with random words.
    let buf: Vec<u64> = (0..words).map(|_| rng.below(1 << word_bits)).collect();
    sim.fill("wb", &buf);
    sim.set_all(&[
        ("cur_N", n),
        ("cur_M", m_ch),
        ("cur_n_rt", n_rt),
        ("cur_n_ct", n_ct),
        ("cur_groups", groups),
        ("cur_last_group", last_group),
    ]);
    // The pairs, column tile outer (§5), and each one's cycles: (address, row, tile).
    let pairs: Vec<(u64, u64, u64)> = (0..n_ct)
        .flat_map(|ct| {
            (0..groups).map(move |gr| (ct, gr, if gr + 1 == groups { last_group } else { d }))
        })
        .collect();
    // Pair 0 starts with the array phase; pair i + 1 at or after the end of pair i.
    let mut pending_write: Option<(u64, u64, u64)> = None; // (row, entry, weights)
    let check_write = |sim: &mut Sim, pw: Option<(u64, u64, u64)>, ctx: &str| {
        assert_eq!(sim.is("wl_en"), pw.is_some(), "{ctx}: wl_en");
        if let Some((row, entry, weights)) = pw {
            assert_eq!(sim.get("wl_row"), row, "{ctx}: wl_row");
            assert_eq!(sim.get("wl_entry"), entry, "{ctx}: wl_entry");
            assert_eq!(sim.get("wl_weights"), weights, "{ctx}: wl_weights");
        }
    };
    let mut next_addr = 0; // the buffer is read in address order
    for (i, &(ct, gr, r)) in pairs.iter().enumerate() {
        if i == 0 {
            // Pair 0 starts with the array phase.
            sim.set("enter_array", 1);
            sim.set("pair_start", 1);
            sim.set("pair_index", 0);
            check_write(sim, pending_write.take(), "before pair 0");
            assert!(!sim.is("last"));
            sim.step();
            sim.set("enter_array", 0);
        }
        let half = if p.double_buffer && i % 2 == 1 { d } else { 0 };
        for tile in 0..r {
            for row in 0..rows {
                sim.set("pair_start", 0);
                let ctx =
                    format!("N {n} M {m_ch}: pair {i} (ct {ct}, g {gr}) tile {tile} row {row}");
                check_write(sim, pending_write.take(), &ctx);
                let rt = gr * d + tile;
                let addr = (ct * n_rt + rt) * rows + row;
                assert_eq!(addr, next_addr, "{ctx}: the address order");
                next_addr += 1;
                let tap = rt * rows + row;
                let lanes = if tap < n {
                    cols.min(m_ch - ct * cols)
                } else {
                    0
                };
                assert_eq!(sim.get("valid_lanes"), lanes, "{ctx}: valid lanes");
                assert_eq!(sim.get("ct"), ct, "{ctx}: ct");
                assert_eq!(sim.get("group"), gr, "{ctx}: group");
                let last = tile + 1 == r && row + 1 == rows;
                assert_eq!(sim.is("last"), last, "{ctx}: last");
                pending_write = Some((row, half + tile, buf[addr as usize]));
                // The next pair may start in this last cycle, or later.
                let next_now = last && i + 1 < pairs.len() && rng.chance(2);
                if next_now {
                    sim.set("pair_start", 1);
                    sim.set("pair_index", i as u64 + 1);
                }
                sim.step();
                if last && i + 1 < pairs.len() && !next_now {
                    // A gap of 1–3 idle cycles, then the start.
                    sim.set("pair_start", 0);
                    for _ in 0..1 + rng.below(3) {
                        check_write(sim, pending_write.take(), &format!("{ctx}: gap"));
                        assert_eq!(sim.get("valid_lanes"), 0, "{ctx}: idle lanes");
                        sim.step();
                    }
                    // The start cycle itself: the loader is idle.
                    sim.set("pair_start", 1);
                    sim.set("pair_index", i as u64 + 1);
                    check_write(sim, pending_write.take(), &format!("{ctx}: start"));
                    assert_eq!(sim.get("valid_lanes"), 0, "{ctx}: idle lanes");
                    sim.step();
                }
            }
        }
    }
    sim.set("pair_start", 0);
    check_write(sim, pending_write.take(), "after the last pair");
    sim.step();
    check_write(sim, None, "idle");
    assert_eq!(next_addr, words, "every weight word is loaded once");
}

#[test]
fn weight_loader_copies_every_pair_in_address_order() {
    for (k, (rows, cols, depth, double)) in [(3, 2, 4, false), (2, 3, 4, true), (1, 4, 2, true)]
        .into_iter()
        .enumerate()
    {
        let mut p = small_params("ld");
        p.rows = rows;
        p.cols = cols;
        p.weight_spad_depth = depth;
        p.double_buffer = double;
        p.weight_words = 256;
        let mut sim = Sim::new(&weight_loader_harness(&p));
        let mut rng = SplitMix(0x10AD_0000 + k as u64);
        for _ in 0..12 {
            let n = 1 + rng.below(30);
            let m_ch = 1 + rng.below(12);
            let words =
                m_ch.div_ceil(u64::from(cols)) * n.div_ceil(u64::from(rows)) * u64::from(rows);
            if words > p.weight_words {
                continue;
            }
            loader_case(&mut sim, &mut rng, &p, n, m_ch);
        }
        sim.no_property_failed();
    }
}

// ---------------------------------------------------------------------------------------
// Pooling (§6)
// ---------------------------------------------------------------------------------------

/// The pooling as the LIF phase wires it: the loop's steps are inputs (`lp_*`), the issue
/// signals are delayed by one and two cycles, the spikes of a loop cycle come two cycles
/// later (`spikes`); the output spike buffer's write strobe, address and word are outputs.
fn pooling_harness(p: &AccelParams) -> Module {
    Parts::harness("pooling_harness", p, |m, parts| {
        let g = &parts.g;
        let steps = pooling::LoopSteps {
            start: m.input("lp_start", Bool),
            busy: m.input("lp_busy", Bool),
            adv_p: m.input("lp_adv_p", Bool),
            last_p: m.input("lp_last_p", Bool),
            adv_cb: m.input("lp_adv_cb", Bool),
            last_cb: m.input("lp_last_cb", Bool),
            last_g: m.input("lp_last_g", Bool),
            ct: m.input("lp_ct", UInt(g.fw)),
            t: m.input("lp_t", UInt(16)),
        };
        let cx = parts.ctx();
        let s0 = pooling::issue(m, cx, &steps);
        let s1 = pooling::delay(m, &s0, 1);
        let s2 = pooling::delay(m, &s1, 2);
        let v1 = m.reg("v1", Bool);
        m.next(v1, steps.busy);
        let v2 = m.reg("v2", Bool);
        m.next(v2, v1);
        let spikes = m.input("spikes", UInt(g.cols));
        // The row buffer is read in stage 1, or in stage 0 with `ram_output_regs`.
        let (v_rd, s_rd) = if g.p.ram_output_regs {
            (steps.busy, &s0)
        } else {
            (v1, &s1)
        };
        let (we, addr, word) = pooling::combine(m, cx, (v_rd, s_rd), &s1, v2, &s2, spikes.expr());
        m.output_from("out_we", we);
        m.output_from("out_addr", addr);
        m.output_from("out_word", word);
    })
}

/// A hidden stage's LIF loop as §6 runs it (t, p, lane block cb, group g; column tile
/// `g·n_ctb + cb`) over an `e × f` output with `k × k` pooling; returns the output spike
/// buffer's writes, sorted, and checks them against OR pooling of the same spikes.
#[allow(clippy::too_many_arguments)]
fn pooling_case(
    sim: &mut Sim,
    rng: &mut SplitMix,
    p: &AccelParams,
    (e, f, k): (u64, u64, u64),
    (n, n_ctb): (u64, u64),
    tw: u64,
) -> usize {
    let cols = u64::from(p.cols);
    let bmax = u64::from(p.max_tick_batch.next_power_of_two());
    let (pe, pf) = (e / k, f / k);
    let pp = pe * pf;
    let n_ct = n * n_ctb;
    let positions = e * f;
    sim.set_all(&[
        ("cur_pool", k),
        ("cur_F", f),
        ("cur_P", positions),
        ("cur_n_ct", n_ct),
        ("cur_n_ctb", n_ctb),
        ("cur_pooled_e", pe),
        ("cur_pooled_f", pf),
        ("cur_pooled_p", pp),
        ("cur_n_ctb_pp", n_ctb * pp),
    ]);
    // Spike words of (t, position, ct), a quarter of the bits set.
    let mut spikes = std::collections::HashMap::new();
    // The loop cycles: (t, p, cb, g).
    let mut cycles = Vec::new();
    for t in 0..tw {
        for pos in 0..positions {
            for cb in 0..n_ctb {
                for gr in 0..n {
                    cycles.push((t, pos, cb, gr));
                    let word = (0..cols).fold(0, |w, j| w | (u64::from(rng.chance(4)) << j));
                    spikes.insert((t, pos, gr * n_ctb + cb), word);
                }
            }
        }
    }
    let mut writes = Vec::new();
    let mut fed: Vec<Option<u64>> = Vec::new(); // the spikes each cycle's loop step makes
    let total = cycles.len() + 1 + 3;
    for c in 0..total {
        // Cycle 0 starts the loop; cycles 1.. run it; then the pipeline drains.
        let step = c.checked_sub(1).and_then(|i| cycles.get(i)).copied();
        sim.set_bool("lp_start", c == 0);
        sim.set_bool("lp_busy", step.is_some());
        let (t, pos, cb, gr) = step.unwrap_or((0, 0, 0, 0));
        let (last_g, last_cb, last_p) = (gr + 1 == n, cb + 1 == n_ctb, pos + 1 == positions);
        let busy = step.is_some();
        sim.set_bool("lp_last_g", busy && last_g);
        sim.set_bool("lp_last_cb", busy && last_cb);
        sim.set_bool("lp_last_p", busy && last_p);
        sim.set_bool("lp_adv_cb", busy && last_g);
        sim.set_bool("lp_adv_p", busy && last_g && last_cb);
        sim.set("lp_ct", if busy { gr * n_ctb + cb } else { 0 });
        sim.set("lp_t", if busy { t } else { 0 });
        fed.push(step.map(|(t, pos, cb, gr)| spikes[&(t, pos, gr * n_ctb + cb)]));
        // The spikes of the step two cycles back (anything when there is none).
        let s = c
            .checked_sub(2)
            .and_then(|i| fed[i])
            .unwrap_or_else(|| rng.below(1 << cols));
        sim.set("spikes", s);
        if sim.is("out_we") {
            writes.push((sim.get("out_addr"), sim.get("out_word")));
        }
        sim.step();
    }
    // §6: OR over each whole k×k window, at (ct·P' + q)·B_max + t.
    let mut want = Vec::new();
    for t in 0..tw {
        for ct in 0..n_ct {
            for qe in 0..pe {
                for qf in 0..pf {
                    let mut word = 0;
                    for dy in 0..k {
                        for dx in 0..k {
                            word |= spikes[&(t, (qe * k + dy) * f + qf * k + dx, ct)];
                        }
                    }
                    want.push(((ct * pp + qe * pf + qf) * bmax + t, word));
                }
            }
        }
    }
    writes.sort_unstable();
    want.sort_unstable();
    let shape = format!("E {e} F {f} k {k} n {n} n_ctb {n_ctb} Tw {tw}");
    assert_eq!(
        writes.len(),
        want.len(),
        "{shape}: one write per pooled word"
    );
    for (got, want) in writes.iter().zip(&want) {
        assert_eq!(got, want, "{shape}: (address, word)");
    }
    want.len()
}

/// A pooling case: (E, F, k), (n, n_ctb), Tw.
type PoolShape = ((u64, u64, u64), (u64, u64), u64);

#[test]
fn pooling_writes_the_or_of_every_whole_window() {
    // Without and with `ram_output_regs` (the row buffer read a stage earlier, its word
    // registered, two writes forwarded).
    for registered in [false, true] {
        let mut p = small_params("pool");
        p.cols = 3;
        p.max_tick_batch = 2;
        p.ram_output_regs = registered;
        let mut sim = Sim::new(&pooling_harness(&p));
        let mut rng = SplitMix(0x9001_0000);
        let mut words = 0;
        // Every window size with the forwarding case (one lane block, no sharing), then
        // random.
        let mut cases: Vec<PoolShape> = (1..=3).map(|k| ((5, 7, k), (1, 1), 2)).collect();
        for _ in 0..40 {
            let k = 1 + rng.below(3);
            cases.push((
                (1 + rng.below(7), 1 + rng.below(7), k),
                (1 + rng.below(2), 1 + rng.below(2)),
                1 + rng.below(2),
            ));
        }
        for (shape, lanes, tw) in cases {
            words += pooling_case(&mut sim, &mut rng, &p, shape, lanes, tw);
        }
        assert!(words > 200, "only {words} pooled words");
        sim.no_property_failed();
    }
}

// ---------------------------------------------------------------------------------------
// Trace and result stream (§8)
// ---------------------------------------------------------------------------------------

/// The trace readout and the result stream: the spike buffers' write ports (`a_*`, `b_*`),
/// the LIF phase's end (`trace_restart`), the logits (`logits`, packed, class 0 lowest) and
/// the entropy unit's end (`rewind_logits`) are inputs; the result stream's ports, the
/// trace's and the logits' ends are outputs.
fn results_harness(p: &AccelParams) -> Module {
    Parts::harness("results_harness", p, |m, parts| {
        let g = &parts.g;
        write_port(m, "a", parts.bufs.spike_a);
        write_port(m, "b", parts.bufs.spike_b);
        let cx = parts.ctx();
        let results = result_stream::ResultRegs::declare(m, &parts.host);
        let restart = m.input("trace_restart", Bool);
        let tr = trace::build(m, cx, &results, restart);
        let lb = g.lb;
        let logits = m.input("logits", UInt(p.max_classes * lb));
        let logit_addr = m.wire("result_logit_addr", UInt(g.kb));
        let mut logit = Expr::uint(0, lb);
        for k in 0..p.max_classes {
            logit = logit_addr
                .is_eq(u64::from(k))
                .select(logits.bits((k + 1) * lb - 1, k * lb), logit);
        }
        let rewind = m.input("rewind_logits", Bool);
        let logits_done = m.wire("logits_done", Bool);
        result_stream::drive(
            m,
            cx,
            &results,
            &tr,
            (logit.as_sint(), logit_addr),
            rewind.expr(),
            logits_done,
        );
        expose(
            m,
            [
                ("r_valid", results.valid),
                ("r_kind", results.kind),
                ("r_data", results.data),
                ("trace_done_o", tr.done),
                ("logits_done_o", logits_done),
            ],
        );
    })
}

/// Plays the host's `r_ready` (ready two cycles in three) until `end` (an output) is seen,
/// then one more edge; returns the beats taken as (kind, data). Checks the valid/ready
/// protocol: a beat not taken stays, unchanged.
fn collect_beats(sim: &mut Sim, rng: &mut SplitMix, end: &str, what: &str) -> Vec<(u64, u64)> {
    let mut beats = Vec::new();
    let mut waiting: Option<(u64, u64)> = None;
    for cycle in 0..10_000 {
        let ready = !rng.chance(3);
        sim.set_bool("r_ready", ready);
        let valid = sim.is("r_valid");
        let beat = (sim.get("r_kind"), sim.get("r_data"));
        if let Some(w) = waiting {
            assert!(
                valid,
                "{what} cycle {cycle}: a beat not taken was withdrawn"
            );
            assert_eq!(beat, w, "{what} cycle {cycle}: a waiting beat changed");
        }
        waiting = (valid && !ready).then_some(beat);
        if valid && ready {
            beats.push(beat);
        }
        let done = sim.is(end);
        sim.step();
        if done {
            assert!(!valid, "{what}: ended with a beat pending");
            return beats;
        }
    }
    panic!("{what}: `{end}` never came");
}

#[test]
fn trace_and_result_stream_send_the_beats_of_section_8() {
    // Without and with `ram_output_regs` (the trace's read words registered, its loop's
    // last-index flags registers).
    for registered in [false, true] {
        trace_and_results(registered);
    }
}

fn trace_and_results(registered: bool) {
    let mut p = small_params("results");
    p.cols = 3;
    p.max_tick_batch = 4;
    p.max_classes = 6;
    p.ram_output_regs = registered;
    let (cols, lb) = (u64::from(p.cols), p.logit_bits);
    let bmax = 4u64;
    let g = Geometry::of(&p);
    let mut sim = Sim::new(&results_harness(&p));
    let mut rng = SplitMix(0x07E5_0175);
    let mut beats = 0;
    for episode in 0..45 {
        sim.set("phase", phase(ph::NEXT));
        sim.set("r_ready", 0);
        match episode % 3 {
            0 => {
                // A hidden stage's spike trace: its output words in (ct, p, t) order.
                let (n_ct, pp, tw) = (1 + rng.below(3), 1 + rng.below(4), 1 + rng.below(4));
                let role = rng.chance(2);
                let used = n_ct * pp * bmax;
                let mut bufs = [Vec::new(), Vec::new()];
                for (b, buf) in bufs.iter_mut().enumerate() {
                    let prefix = ["a", "b"][b];
                    for a in 0..used {
                        let w = rng.below(1 << cols);
                        buf.push(w);
                        sim.write_word(prefix, a, &BigUint::from(w));
                        assert!(!sim.is("r_valid"), "a beat outside the result phases");
                        sim.step();
                    }
                    sim.set(&format!("{prefix}_we"), 0);
                }
                sim.set("cur_n_ct", n_ct);
                sim.set("cur_pooled_p", pp);
                sim.set("tw", tw);
                sim.set_bool("role", role);
                // The LIF phase ends (the trace rewinds), then TRACE.
                sim.set("phase", phase(ph::LIF));
                sim.set("trace_restart", 1);
                sim.step();
                sim.set("trace_restart", 0);
                sim.set("phase", phase(ph::TRACE));
                // The stage's output is in the buffer its input is not: B when role = A.
                let out = &bufs[usize::from(!role)];
                let mut want = Vec::new();
                for ct in 0..n_ct {
                    for q in 0..pp {
                        for t in 0..tw {
                            want.push((0, out[((ct * pp + q) * bmax + t) as usize]));
                        }
                    }
                }
                let got = collect_beats(&mut sim, &mut rng, "trace_done_o", "trace");
                assert_eq!(
                    got, want,
                    "trace of n_ct {n_ct} P' {pp} Tw {tw} role {role}"
                );
                beats += got.len();
            }
            1 => {
                // After an entropy evaluation with CTRL.trace: the K logits, sign-extended.
                let k = 1 + rng.below(u64::from(p.max_classes));
                let half = 1i64 << (lb - 1);
                let z: Vec<i64> = (0..p.max_classes)
                    .map(|_| rng.range(-half, half - 1))
                    .collect();
                let packed = z.iter().rev().fold(BigUint::from(0u32), |acc, &v| {
                    (acc << lb) | BigUint::from((v as u64) & ((1u64 << lb) - 1))
                });
                sim.set_big("logits", &packed);
                sim.set("cur_M", k);
                sim.set("phase", phase(ph::ENTROPY));
                sim.set("rewind_logits", 1);
                sim.step();
                sim.set("rewind_logits", 0);
                sim.set("phase", phase(ph::LOGITS));
                let want: Vec<(u64, u64)> = z[..k as usize]
                    .iter()
                    .map(|&v| (1, u64::from(v as i32 as u32)))
                    .collect();
                let got = collect_beats(&mut sim, &mut rng, "logits_done_o", "logits");
                assert_eq!(got, want, "{k} logits");
                beats += got.len();
            }
            _ => {
                // The final beat: {prediction[15:0], exit_t[15:0]}, once.
                let (pred, exit_t) = (rng.below(u64::from(p.max_classes)), rng.below(1 << g.tb));
                sim.set("prediction_r", pred);
                sim.set("exit_t_r", exit_t);
                sim.set("exited", 1);
                sim.set("phase", phase(ph::FINAL));
                let mut got = Vec::new();
                for _ in 0..100 {
                    let ready = !rng.chance(3);
                    sim.set_bool("r_ready", ready);
                    let fire = sim.is("r_valid") && ready;
                    if fire {
                        got.push((sim.get("r_kind"), sim.get("r_data")));
                    }
                    sim.step();
                    if fire {
                        break; // the sequencer leaves FINAL with the beat
                    }
                }
                sim.set("phase", phase(ph::IDLE));
                sim.set("exited", 0);
                assert_eq!(got, vec![(2, (pred << 16) | exit_t)], "the final beat");
                beats += 1;
            }
        }
        // Between the result phases: no beat.
        for _ in 0..2 {
            assert!(
                !sim.is("r_valid"),
                "episode {episode}: a beat after the phase"
            );
            sim.step();
        }
    }
    assert!(beats > 200, "only {beats} beats");
    sim.no_property_failed();
}

// ---------------------------------------------------------------------------------------
// Request stream, input and weight receivers (§4, §8)
// ---------------------------------------------------------------------------------------

/// The request stream and the receivers, with the host's streams as the ports of §8,
/// `stage_ready` (the STAGE phase's end) as an input, the receivers' ends and counter
/// increments as outputs, and one read port on each buffer they fill (`chk_*`) to read back
/// what they wrote.
fn streams_in_harness(p: &AccelParams) -> Module {
    use spikeforge_generators::accel::top::streams_in;
    Parts::harness("streams_in_harness", p, |m, parts| {
        let stage_ready = m.input("stage_ready", Bool);
        let rx = streams_in::build(m, parts.ctx(), &parts.host, stage_ready);
        expose(
            m,
            [
                ("req_valid", rx.req_valid),
                ("req_kind", rx.req_kind),
                ("req_fire_o", rx.req_fire),
                ("recv_in_done_o", rx.recv_in_done),
                ("recv_w_done_o", rx.recv_w_done),
            ],
        );
        expose_counts(m, &rx.counts);
        read_port(m, "chk_a", parts.bufs.spike_a);
        read_port(m, "chk_b", parts.bufs.spike_b);
        read_port(m, "chk_w", parts.bufs.weight);
    })
}

/// A stage's input (`c × h × w` spikes over `tw` timesteps, stage 0 only) and weight (`N`
/// fan-in, `M` outputs) streams, as the sequencer and the host play them; checks the
/// requests, the receivers' ends, the buffers' contents (§3's layouts) and the counts of §9.
#[allow(clippy::too_many_arguments)]
fn streams_case(
    sim: &mut Sim,
    rng: &mut SplitMix,
    p: &AccelParams,
    stage: u64,
    (c, h, w, tw): (u64, u64, u64, u64),
    (n, m_ch): (u64, u64),
    role: bool,
) {
    let (rows, cols) = (u64::from(p.rows), u64::from(p.cols));
    let bmax = u64::from(p.max_tick_batch.next_power_of_two());
    let cg = c.div_ceil(cols);
    let (n_rt, n_ct) = (n.div_ceil(rows), m_ch.div_ceil(cols));
    let case = format!("stage {stage} C {c} H {h} W {w} Tw {tw} N {n} M {m_ch} role {role}");
    sim.set_all(&[
        ("cur_C", c),
        ("cur_H", h),
        ("cur_W", w),
        ("cur_cg_count", cg),
        ("cur_N", n),
        ("cur_M", m_ch),
        ("cur_n_rt", n_rt),
        ("cur_n_ct", n_ct),
        ("stage", stage),
        ("tw", tw),
    ]);
    sim.set_bool("role", role);
    let mut counts = Tally::new(&[
        Counter::WeightBufferWrites,
        Counter::InputSpikeWrites,
        Counter::ExtReadBits,
    ]);
    // STAGE: the setup ends (stage_ready) and the phase moves on.
    sim.set("phase", phase(ph::STAGE));
    for _ in 0..rng.below(3) {
        counts.tick(sim);
    }
    sim.set("stage_ready", 1);
    counts.tick(sim);
    sim.set("stage_ready", 0);
    // (phase, kind, words, end) of each stream: the input stream first at stage 0.
    let in_words = cg * h * w * tw;
    let w_words = n_ct * n_rt * rows;
    let mut streams = vec![];
    if stage == 0 {
        streams.push((ph::REQ_IN, ph::RECV_IN, 1, in_words, "recv_in_done_o"));
    }
    streams.push((ph::REQ_W, ph::RECV_W, 0, w_words, "recv_w_done_o"));
    let mut spikes_sent = Vec::new();
    let mut weights_sent = Vec::new();
    for (req_phase, recv_phase, kind, words, end) in streams {
        sim.set("phase", phase(req_phase));
        // The request: valid until taken, of its kind.
        let mut taken = false;
        for _ in 0..10 {
            let ready = rng.chance(2);
            sim.set_bool("req_ready", ready);
            assert!(sim.is("req_valid"), "{case}: no request in {req_phase}");
            assert_eq!(sim.get("req_kind"), kind, "{case}: the request's kind");
            taken = ready;
            counts.tick(sim);
            if taken {
                break;
            }
        }
        assert!(taken);
        sim.set("req_ready", 0);
        assert!(
            !sim.is("req_valid"),
            "{case}: a request after the taken one"
        );
        // The words, with gaps; the end with the last one.
        sim.set("phase", phase(recv_phase));
        let mut sent = 0;
        while sent < words {
            let valid = !rng.chance(3);
            let word = if kind == 1 {
                rng.below(1 << cols)
            } else {
                rng.below(1 << (cols * u64::from(p.weight_bits)))
            };
            let port = if kind == 1 { "s" } else { "w" };
            sim.set_bool(&format!("{port}_valid"), valid);
            sim.set(&format!("{port}_data"), word);
            let done = sim.is(end);
            assert_eq!(
                done,
                valid && sent + 1 == words,
                "{case}: {end} at word {sent}"
            );
            if valid {
                sent += 1;
                if kind == 1 {
                    spikes_sent.push(word);
                } else {
                    weights_sent.push(word);
                }
            }
            counts.tick(sim);
        }
        sim.set("s_valid", 0);
        sim.set("w_valid", 0);
        assert!(
            !sim.is("req_valid") || kind == 1,
            "{case}: a request after the weights"
        );
    }
    sim.set("phase", phase(ph::ARRAY));
    assert!(!sim.is("req_valid"), "{case}: a request in the array phase");
    // §3: input word (cg, y, x, t) at ((cg·H + y)·W + x)·B_max + t of the input-role buffer.
    let mut i = 0;
    for pos in 0..if stage == 0 { cg * h * w } else { 0 } {
        for t in 0..tw {
            let got = sim.read_word(if role { "chk_b" } else { "chk_a" }, pos * bmax + t);
            assert_eq!(
                got,
                spikes_sent[i].into(),
                "{case}: spike word {pos}, t {t}"
            );
            i += 1;
        }
    }
    // The weights in stream order from address 0.
    for (a, &want) in weights_sent.iter().enumerate() {
        let got = sim.read_word("chk_w", a as u64);
        assert_eq!(got, want.into(), "{case}: weight word {a}");
    }
    // §9: weight buffer writes N·M; input spike writes C·H·W·Tw (stage 0); external read
    // bits N·M·weight_bits (+ C·H·W·Tw at stage 0).
    let ins = if stage == 0 { c * h * w * tw } else { 0 };
    assert_eq!(
        counts.of(Counter::WeightBufferWrites),
        n * m_ch,
        "{case}: weight buffer writes"
    );
    assert_eq!(
        counts.of(Counter::InputSpikeWrites),
        ins,
        "{case}: input spike writes"
    );
    assert_eq!(
        counts.of(Counter::ExtReadBits),
        n * m_ch * u64::from(p.weight_bits) + ins,
        "{case}: external read bits"
    );
}

#[test]
fn streams_in_fill_the_buffers_in_address_order() {
    let mut p = small_params("rx");
    p.rows = 2;
    p.cols = 3;
    p.max_tick_batch = 4;
    p.weight_words = 256;
    p.max_stages = 4;
    let mut sim = Sim::new(&streams_in_harness(&p));
    let mut rng = SplitMix(0x0057_2EA4);
    for _ in 0..30 {
        let stage = if rng.chance(3) { 1 + rng.below(3) } else { 0 };
        let input = (
            1 + rng.below(8),
            1 + rng.below(4),
            1 + rng.below(4),
            1 + rng.below(4),
        );
        let weights = (1 + rng.below(40), 1 + rng.below(10));
        let role = rng.chance(2);
        streams_case(&mut sim, &mut rng, &p, stage, input, weights, role);
    }
    sim.no_property_failed();
}

// ---------------------------------------------------------------------------------------
// Stage setup and im2col fetch (§5 stream, §8)
// ---------------------------------------------------------------------------------------

/// The stage setup (fetch constants and tap table) and the im2col fetch: the issuing
/// column's coordinates, as the streamer gives them (`issue`, `rt_next`, `col_t`, the window
/// bounds `y_lo`, `y_hi`, `x_lo`, `x_hi`, `window_offset`), are inputs, and so are the spike buffers' write ports; the setup's end
/// and products and the column entering the array are outputs.
fn im2col_harness(p: &AccelParams) -> Module {
    use spikeforge_generators::accel::top::{im2col, stage_setup};
    Parts::harness("im2col_harness", p, |m, parts| {
        write_port(m, "a", parts.bufs.spike_a);
        write_port(m, "b", parts.bufs.spike_b);
        let cx = parts.ctx();
        let setup = stage_setup::build(m, cx, parts.desc.loaded);
        expose(
            m,
            [
                ("setup_done_o", setup.done),
                ("pad_w_o", setup.pad_w),
                ("stride_w_o", setup.stride_w),
            ],
        );
        let st = streamer_from_ports(m, &parts.g);
        let column = im2col::build(m, cx, &st, &setup);
        m.output_from("col_spikes", column.spikes);
        m.output_from("col_taps", column.taps);
        m.output_from("col_reads", column_reads(&column));
    })
}

/// The streamer's outputs as inputs: `issue`, `st_pair`, `st_ct`, `st_g`, `st_rl`, `st_rt`,
/// `rt_next`,
/// `st_last_rl`, `col_t`, `y_lo`, `y_hi`, `x_lo`, `x_hi`, `window_offset`, `st_psum_addr`,
/// `st_array_done`.
fn streamer_from_ports(m: &mut ModuleBuilder, g: &Geometry) -> Streamer {
    Streamer {
        issue: m.input("issue", Bool),
        pair: m.input("st_pair", UInt(g.fw)),
        ct: m.input("st_ct", UInt(g.fw)),
        group: m.input("st_g", UInt(g.fw)),
        rl: m.input("st_rl", UInt(16)),
        rt: m.input("st_rt", UInt(g.rtb)),
        rt_next: m.input("rt_next", UInt(g.rtb)).expr(),
        last_rl: m.input("st_last_rl", Bool),
        t: m.input("col_t", UInt(16)),
        y_lo: m.input("y_lo", SInt(g.yw + 1)),
        y_hi: m.input("y_hi", SInt(g.yw + 1)),
        x_lo: m.input("x_lo", SInt(g.yw + 1)),
        x_hi: m.input("x_hi", SInt(g.yw + 1)),
        window_terms: [
            m.input("window_offset", UInt(g.sa)).expr(),
            Expr::uint(0, g.sa),
        ],
        psum_addr: m.input("st_psum_addr", UInt(g.pa)).expr(),
        array_done: m.input("st_array_done", Bool),
    }
}

/// The rows whose spike the column read from the buffer, row 0 the least significant bit.
fn column_reads(column: &Column) -> Expr {
    Expr::cat(
        column
            .reads
            .iter()
            .rev()
            .map(|s| s.expr())
            .collect::<Vec<_>>(),
    )
}

/// A convolution stage: input `C × H × W`, kernel `R × S`, stride, pad.
#[derive(Clone, Copy, Debug)]
struct Conv {
    c: u64,
    h: u64,
    w: u64,
    r: u64,
    s: u64,
    stride: u64,
    pad: u64,
}

impl Conv {
    /// A random convolution: up to 5 channels, 5×5 input, 3×3 kernel, stride 2, pad 2 (less
    /// than the kernel), with at least one output position.
    fn random(rng: &mut SplitMix) -> Conv {
        loop {
            let cv = Conv {
                c: 1 + rng.below(5),
                h: 1 + rng.below(5),
                w: 1 + rng.below(5),
                r: 1 + rng.below(3),
                s: 1 + rng.below(3),
                stride: 1 + rng.below(2),
                pad: rng.below(3),
            };
            if cv.h + 2 * cv.pad >= cv.r && cv.w + 2 * cv.pad >= cv.s && cv.pad < cv.r.max(cv.s) {
                return cv;
            }
        }
    }

    /// Output height and width (§2).
    fn out(&self) -> (u64, u64) {
        (
            (self.h + 2 * self.pad - self.r) / self.stride + 1,
            (self.w + 2 * self.pad - self.s) / self.stride + 1,
        )
    }
}

/// The window bounds of the column at `ey = e·stride − pad`, `fx = f·stride − pad` as the
/// streamer gives them: `y_lo = −ey`, `y_hi = H − ey`, `x_lo = −fx`, `x_hi = W − fx`.
fn window_bounds(ey: i64, fx: i64, cv: &Conv) -> [(&'static str, i64); 4] {
    [
        ("y_lo", -ey),
        ("y_hi", cv.h as i64 - ey),
        ("x_lo", -fx),
        ("x_hi", cv.w as i64 - fx),
    ]
}

/// Runs the stage setup for `cv`, then issues every column (p outer, t, row tile inner, with
/// idle cycles between) and checks each column's taps, reads and spikes against §5: row `i`
/// of column (p, t, rt) carries tap `n = rt·rows + i`, valid iff `n < N`; its spike is read
/// iff `0 ≤ y < H`, `0 ≤ x < W` (`y = e·stride − pad + r`, `x = f·stride − pad + s`, digits
/// `n = (c·R + r)·S + s`) from lane `c mod cols` of word `((c/cols·H + y)·W + x)·B_max + t`.
fn im2col_case(sim: &mut Sim, rng: &mut SplitMix, p: &AccelParams, cv: Conv, tw: u64) -> u64 {
    let g = Geometry::of(p);
    let (rows, cols) = (u64::from(p.rows), u64::from(p.cols));
    let bmax = g.bmax;
    let sa_mask = (1u64 << g.sa) - 1;
    let bound_mask = (1u64 << (g.yw + 1)) - 1;
    let lag = 1 + 3 * usize::from(p.ram_output_regs);
    let (e_out, f_out) = cv.out();
    let n = cv.c * cv.r * cv.s;
    let n_rt = n.div_ceil(rows);
    let cg = cv.c.div_ceil(cols);
    let role = rng.chance(2);
    let case = format!("{cv:?} Tw {tw} role {role}");
    // The input-role buffer (A when role = 0), random spikes; the other one random too.
    let words = cg * cv.h * cv.w * bmax;
    let mut input = Vec::new();
    for a in 0..words {
        let (mine, other) = (rng.below(1 << cols), rng.below(1 << cols));
        input.push(mine);
        let (pa, pb) = if role { (other, mine) } else { (mine, other) };
        sim.write_word("a", a, &pa.into());
        sim.write_word("b", a, &pb.into());
        sim.step();
    }
    sim.set("a_we", 0);
    sim.set("b_we", 0);
    sim.set_bool("role", role);
    // The STAGE phase: the descriptor is loaded, the setup runs until done.
    sim.set_all(&[
        ("cur_C", cv.c),
        ("cur_H", cv.h),
        ("cur_W", cv.w),
        ("cur_R", cv.r),
        ("cur_S", cv.s),
        ("cur_stride", cv.stride),
        ("cur_pad", cv.pad),
        ("cur_F", f_out),
        ("cur_P", e_out * f_out),
        ("cur_N", n),
        ("cur_n_rt", n_rt),
        ("cur_cg_count", cg),
    ]);
    sim.set("phase", phase(ph::STAGE));
    sim.set("descriptor_loaded", 1);
    let mut cycles = 0;
    while !sim.is("setup_done_o") {
        sim.step();
        cycles += 1;
        assert!(cycles < 10_000, "{case}: the setup never ends");
    }
    // §8: the products by shift-and-add, modulo the spike address width.
    assert_eq!(
        sim.get("pad_w_o"),
        (cv.pad * cv.w) & sa_mask,
        "{case}: pad·W"
    );
    assert_eq!(
        sim.get("stride_w_o"),
        (cv.stride * cv.w) & sa_mask,
        "{case}: stride·W"
    );
    sim.step();
    sim.set("descriptor_loaded", 0);
    sim.set("phase", phase(ph::ARRAY));
    // The columns, and the cycles that issue them.
    let mut columns = Vec::new();
    for pos in 0..e_out * f_out {
        for t in 0..tw {
            for rt in 0..n_rt {
                columns.push((pos, t, rt));
            }
        }
    }
    let mut issued: Vec<Option<(u64, u64, u64)>> = Vec::new();
    let mut k = 0;
    let mut cycle = 0usize;
    let mut reads = 0;
    let mut last_issue = 0;
    loop {
        // Issue column k this cycle (not in the first: the table is read a cycle ahead).
        let issue = cycle > 0 && k < columns.len() && !rng.chance(3);
        let col = issue.then(|| columns[k]);
        if issue {
            k += 1;
            last_issue = cycle;
        }
        let (pos, t, rt) = col.unwrap_or((0, 0, 0));
        let next_rt = columns.get(k).map_or(rt, |c| c.2);
        sim.set_bool("issue", issue);
        sim.set("st_rt", rt);
        sim.set("rt_next", next_rt);
        sim.set("col_t", t);
        let (e, f) = (pos / f_out, pos % f_out);
        let ey = (e * cv.stride) as i64 - cv.pad as i64;
        let fx = (f * cv.stride) as i64 - cv.pad as i64;
        for (port, v) in window_bounds(ey, fx, &cv) {
            sim.set(port, v as u64 & bound_mask);
        }
        sim.set("window_offset", (ey * cv.w as i64 + fx) as u64 & sa_mask);
        issued.push(col);
        // The column issued last cycle enters the array now (§5: one cycle of fetch; four
        // with `ram_output_regs`).
        let entering = cycle.checked_sub(lag).and_then(|c| issued[c]);
        let (mut taps, mut read, mut spikes) = (0u64, 0u64, 0u64);
        if let Some((pos, t, rt)) = entering {
            let (e, f) = (pos / f_out, pos % f_out);
            for i in 0..rows {
                let tap = rt * rows + i;
                if tap >= n {
                    continue;
                }
                taps |= 1 << i;
                let (c, r, s) = (tap / (cv.r * cv.s), tap / cv.s % cv.r, tap % cv.s);
                let y = (e * cv.stride + r) as i64 - cv.pad as i64;
                let x = (f * cv.stride + s) as i64 - cv.pad as i64;
                if y < 0 || y >= cv.h as i64 || x < 0 || x >= cv.w as i64 {
                    continue; // padding: valid, gated
                }
                read |= 1 << i;
                let word = (((c / cols) * cv.h + y as u64) * cv.w + x as u64) * bmax + t;
                spikes |= (input[word as usize] >> (c % cols) & 1) << i;
            }
        }
        let at = format!("{case}: column {entering:?}");
        assert_eq!(sim.get("col_taps"), taps, "{at}: valid taps");
        assert_eq!(sim.get("col_reads"), read, "{at}: buffer reads");
        assert_eq!(sim.get("col_spikes"), spikes, "{at}: spikes");
        reads += u64::from(read.count_ones());
        sim.step();
        cycle += 1;
        if k == columns.len() && cycle > last_issue + lag {
            break;
        }
    }
    reads
}

#[test]
fn stage_setup_and_im2col_fetch_every_tap_of_the_window() {
    // Without and with `ram_output_regs` (the tap table read with the registered row tile,
    // its word and the spike words registered: the column enters the array three cycles
    // later).
    for registered in [false, true] {
        im2col_every_tap(registered);
    }
}

fn im2col_every_tap(registered: bool) {
    let mut p = small_params("im2col");
    p.rows = 4;
    p.cols = 3;
    p.max_tick_batch = 2;
    p.ram_output_regs = registered;
    let mut sim = Sim::new(&im2col_harness(&p));
    let mut rng = SplitMix(0x12C0_1000);
    // A linear layer (the kernel is the whole input), then random convolutions.
    let mut cases = vec![Conv {
        c: 2,
        h: 3,
        w: 2,
        r: 3,
        s: 2,
        stride: 1,
        pad: 0,
    }];
    while cases.len() < 25 {
        cases.push(Conv::random(&mut rng));
    }
    let mut reads = 0;
    for cv in cases {
        let tw = 1 + rng.below(2);
        reads += im2col_case(&mut sim, &mut rng, &p, cv, tw);
    }
    assert!(
        reads > 1000,
        "only {reads} spike reads (ram_output_regs {registered})"
    );
    sim.no_property_failed();
}

// ---------------------------------------------------------------------------------------
// Counters (§9)
// ---------------------------------------------------------------------------------------

/// The counters of the table of docs/accelerator.md §9, in its order (counter i at
/// `0x400 + 2i`), by name (not from the catalog).
const COUNTER_TABLE: [&str; 25] = [
    "cycles",
    "array_cycles",
    "lif_cycles",
    "classify_cycles",
    "entropy_cycles",
    "performed_acc",
    "gated_acc",
    "weight_buffer_reads",
    "weight_buffer_writes",
    "weight_spad_reads",
    "weight_spad_writes",
    "input_spike_reads",
    "input_spike_writes",
    "output_spike_writes",
    "column_acc_reads",
    "column_acc_writes",
    "psum_buffer_reads",
    "psum_buffer_writes",
    "membrane_reads",
    "membrane_writes",
    "lif_steps",
    "classifier_updates",
    "entropy_evaluations",
    "ext_read_bits",
    "ext_write_bits",
];

/// The phases whose cycles counters 1–4 count, and counter 0 all of them (§9).
const PHASE_COUNTERS: [(usize, &str); 4] = [
    (1, ph::ARRAY),
    (2, ph::LIF),
    (3, ph::CLASSIFY),
    (4, ph::ENTROPY),
];

/// The catalog's counter named `name`.
fn counter_named(name: &str) -> Counter {
    *Counter::ALL
        .iter()
        .find(|c| c.name() == name)
        .unwrap_or_else(|| panic!("no counter `{name}`"))
}

/// The counter file as the top builds it: the phase-cycle counters (`phase_cycles`) and,
/// for counter i of [`COUNTER_TABLE`], one increment input `inc_<i>_<j>` of `widths[i][j]`
/// bits per entry (the blocks' `(counter, increment)` pairs); the sequencer's registers and
/// the register bus are ports, the file's `settled`, `word_valid` and `word` outputs.
fn counters_harness(p: &AccelParams, widths: &[Vec<u32>]) -> Module {
    use spikeforge_generators::accel::top::counters;
    Parts::harness("counters_harness", p, |m, parts| {
        let mut incs = counters::phase_cycles(&parts.seq);
        for (i, ws) in widths.iter().enumerate() {
            for (j, &w) in ws.iter().enumerate() {
                let inc = m.input(format!("inc_{i}_{j}"), UInt(w));
                incs.push((counter_named(COUNTER_TABLE[i]), inc.expr()));
            }
        }
        let file = counters::build(
            m,
            &parts.seq,
            &parts.host,
            p.counter_bits,
            p.ram_output_regs,
            &incs,
        );
        expose(
            m,
            [
                ("settled_o", file.settled),
                ("word_valid_o", file.word_valid),
            ],
        );
        m.output_from("word_o", file.word);
    })
}

/// One bus read of `a` (an edge): the counter word the file gives for it, if any.
fn counter_read(sim: &mut Sim, a: u64) -> Option<u64> {
    sim.set("cfg_addr", a);
    sim.step();
    sim.is("word_valid_o").then(|| sim.get("word_o"))
}

/// Sets every increment input of [`counters_harness`] with `value(width)`; returns the
/// increment of each counter.
fn set_increments(
    sim: &mut Sim,
    widths: &[Vec<u32>],
    mut value: impl FnMut(u32) -> u64,
) -> [u64; 25] {
    let mut sums = [0u64; 25];
    for (i, ws) in widths.iter().enumerate() {
        for (j, &w) in ws.iter().enumerate() {
            let v = value(w);
            sim.set(&format!("inc_{i}_{j}"), v);
            sums[i] = sums[i].wrapping_add(v);
        }
    }
    sums
}

/// One run on the counter file: a run start, busy cycles in random phases with random
/// increments on every input, then idle until settled (at most the 3 cycles of lag, 4 with
/// `ram_output_regs`, and two rounds of the 25 counters, 55 cycles: §9); checks that no counter word is given while busy or unsettled,
/// and that every counter word, read in random order, is the sum of its increments (and, for
/// the cycle counters, of its phases' cycles) modulo `2^counter_bits`. Returns the words
/// checked and how many of them were high words above 0.
fn counters_case(
    sim: &mut Sim,
    rng: &mut SplitMix,
    p: &AccelParams,
    widths: &[Vec<u32>],
) -> (u64, u64) {
    let cw = p.counter_bits;
    let mask = if cw >= 64 { u64::MAX } else { (1 << cw) - 1 };
    // The run start: the sequencer is idle, nothing counts.
    sim.set("phase", phase(ph::IDLE));
    sim.set("busy_r", 0);
    sim.set("run_start", 1);
    sim.step();
    sim.set("run_start", 0);
    let mut want = [0u64; 25];
    sim.set("busy_r", 1);
    for cycle in 0..1 + rng.below(300) {
        let now = ph::ALL[1 + rng.below(ph::ALL.len() as u64 - 1) as usize];
        sim.set("phase", phase(now));
        for (i, counted) in PHASE_COUNTERS {
            want[i] += u64::from(now == counted);
            want[0] += u64::from(now == counted);
        }
        let incs = set_increments(sim, widths, |w| {
            if rng.chance(3) {
                0
            } else {
                rng.next() >> (64 - w)
            }
        });
        for (sum, inc) in want.iter_mut().zip(incs) {
            *sum = sum.wrapping_add(inc);
        }
        // A read while busy: no counter word (a run is counting).
        let a = 0x400 + rng.below(64);
        assert_eq!(
            counter_read(sim, a),
            None,
            "cycle {cycle}: a read while busy"
        );
    }
    // Idle: nothing counts; settled within the lag and two rounds.
    set_increments(sim, widths, |_| 0);
    sim.set("phase", phase(ph::IDLE));
    sim.set("busy_r", 0);
    let mut idle = 0;
    while !sim.is("settled_o") {
        assert_eq!(
            counter_read(sim, 0x400),
            None,
            "idle cycle {idle}: unsettled"
        );
        idle += 1;
        assert!(idle <= 55, "not settled 55 cycles after the run");
    }
    // Every word in random order, each followed by a read elsewhere.
    let mut order: Vec<u64> = (0..50).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut high_words = 0;
    for k in order {
        let (i, high) = ((k / 2) as usize, k % 2 == 1);
        let v = want[i] & mask;
        let expect = if high { v >> 32 } else { v & 0xFFFF_FFFF };
        let what = format!("counter {i} ({}) word {}", COUNTER_TABLE[i], k % 2);
        assert_eq!(counter_read(sim, 0x400 + k), Some(expect), "{what}");
        high_words += u64::from(high && expect != 0);
        // Not a counter: below 0x400, past the last counter word, or above 0x43F.
        let elsewhere = match rng.below(3) {
            0 => rng.below(0x400),
            1 => 0x400 + 50 + rng.below(14),
            _ => 0x440 + rng.below(0xBC0),
        };
        assert_eq!(counter_read(sim, elsewhere), None, "{elsewhere:#x}");
    }
    (50, high_words)
}

#[test]
fn counters_count_each_increment_and_read_back_in_table_order() {
    let mut narrow = small_params("cnt_narrow");
    narrow.counter_bits = 12; // wraps within a run
    let mut wide = AccelParams::from_accel(&prototype_config());
    wide.counter_bits = 48; // high words above 0 with 30-bit increments
    let sets = [(small_params("cnt"), 6), (narrow, 8), (wide, 30)];
    let mut rng = SplitMix(0xC0_0E7E);
    let (mut checked, mut high_words) = (0, 0);
    for (p, max_w) in sets {
        // Every counter has one to three increments (the cycle counters also their phases).
        let widths: Vec<Vec<u32>> = (0..25)
            .map(|i| {
                let terms = if i < 5 {
                    rng.below(2)
                } else {
                    1 + rng.below(3)
                };
                (0..terms).map(|_| 1 + rng.below(max_w) as u32).collect()
            })
            .collect();
        let mut sim = Sim::new(&counters_harness(&p, &widths));
        for _ in 0..4 {
            let (words, high) = counters_case(&mut sim, &mut rng, &p, &widths);
            checked += words;
            high_words += high;
        }
        sim.no_property_failed();
    }
    assert_eq!(checked, 3 * 4 * 50);
    assert!(high_words > 20, "only {high_words} high words above 0");
}

/// Without counters (`[rtl] counters = false`) the file is always settled and gives no
/// counter word (the registers read 0), whatever the blocks count.
#[test]
fn no_counter_file_gives_no_word() {
    use spikeforge_generators::accel::top::counters;
    let p = small_params("no_cnt");
    let harness = Parts::harness("no_counters_harness", &p, |m, parts| {
        let mut incs = counters::phase_cycles(&parts.seq);
        incs.push((Counter::LifSteps, m.input("inc", UInt(4)).expr()));
        let file = counters::none(m, &incs);
        expose(
            m,
            [
                ("settled_o", file.settled),
                ("word_valid_o", file.word_valid),
            ],
        );
        m.output_from("word_o", file.word);
    });
    let mut sim = Sim::new(&harness);
    let mut rng = SplitMix(0x0C0_0E7E);
    for cycle in 0..200 {
        sim.set("phase", rng.below(ph::ALL.len() as u64));
        sim.set_bool("busy_r", rng.chance(2));
        sim.set("inc", rng.below(16));
        sim.set("cfg_addr", 0x400 + rng.below(64));
        assert!(sim.is("settled_o"), "cycle {cycle}: settled");
        assert!(!sim.is("word_valid_o"), "cycle {cycle}: a counter word");
        assert_eq!(sim.get("word_o"), 0, "cycle {cycle}: the word");
        sim.step();
    }
    sim.no_property_failed();
}

// ---------------------------------------------------------------------------------------
// Streamer and pair control (§5 stream, timing)
// ---------------------------------------------------------------------------------------

/// The streamer with the weight loader it drives (as the top wires them), the stage setup's
/// products `pad·W` and `stride·W` as inputs (`pad_w`, `stride_w`) and `enter_array` (the
/// last weight word arrives) as an input; the streamer's outputs and the loader's pair and
/// scratchpad writes are outputs.
fn streamer_harness(p: &AccelParams) -> Module {
    use spikeforge_generators::accel::top::stage_setup::{StageSetup, TapTable};
    use spikeforge_generators::accel::top::streamer;
    Parts::harness("streamer_harness", p, |m, parts| {
        let g = &parts.g;
        let enter = m.input("enter_array", Bool);
        let ld = weight_loader::build(m, parts.ctx(), enter);
        let setup = StageSetup {
            done: m.input("setup_done", Bool),
            pad_w: m.input("pad_w", UInt(g.sa)),
            stride_w: m.input("stride_w", UInt(g.sa)),
            taps: TapTable::declare(m, g),
            taps_written: m.input("taps_written", Bool),
        };
        let st = streamer::build(m, parts.ctx(), &ld, enter, &setup);
        expose(
            m,
            [
                ("issue_o", st.issue),
                ("pair_o", st.pair),
                ("ct_o", st.ct),
                ("group_o", st.group),
                ("rl_o", st.rl),
                ("last_rl_o", st.last_rl),
                ("t_o", st.t),
                ("y_lo_o", st.y_lo),
                ("y_hi_o", st.y_hi),
                ("x_lo_o", st.x_lo),
                ("x_hi_o", st.x_hi),
                ("array_done_o", st.array_done),
                ("ld_last_o", ld.last),
                ("ld_ct_o", ld.ct),
                ("ld_group_o", ld.group),
                ("wl_en_o", ld.wl_en),
                ("wl_entry_o", ld.wl_entry),
            ],
        );
        m.output_from("rt_o", st.rt);
        m.output_from("window_offset_o", st.window_offset());
        m.output_from("rt_next_o", st.rt_next);
        m.output_from("psum_addr_o", st.psum_addr);
    })
}

/// A stage's (column tile, group) pairs in §5's order (column tile outer): (ct, g, r) with
/// `r` the group's row tiles (`D`, the last group the rest).
fn pairs_of(n_rt: u64, n_ct: u64, d: u64) -> Vec<(u64, u64, u64)> {
    let groups = n_rt.div_ceil(d);
    (0..n_ct)
        .flat_map(|ct| (0..groups).map(move |gr| (ct, gr, d.min(n_rt - gr * d))))
        .collect()
}

/// Array designs for the §5 tests: the small design with each (rows, cols, scratchpad depth,
/// double buffering, pipeline registers, B_max) of `shapes` and 256 weight words, then the
/// small design itself and the built-in one.
fn array_designs(shapes: &[(u32, u32, u32, bool, u32, u32)]) -> Vec<AccelParams> {
    let mut designs: Vec<AccelParams> = shapes
        .iter()
        .map(|&(rows, cols, depth, double, regs, bmax)| {
            let mut p = small_params("arr");
            (p.rows, p.cols, p.weight_spad_depth) = (rows, cols, depth);
            (p.double_buffer, p.pipeline_regs, p.max_tick_batch) = (double, regs, bmax);
            p.weight_words = 256;
            p
        })
        .collect();
    designs.push(small_params("arr"));
    designs.push(AccelParams::from_accel(&prototype_config()));
    designs
}

/// §5's constants of design `p`: row tiles per group `D` (half the scratchpad with double
/// buffering), drain cycles `rows + cols + pipeline_regs + 1` (+ 4 with `ram_output_regs`),
/// and `B_max`.
fn array_constants(p: &AccelParams) -> (u64, u64, u64) {
    let d = if p.double_buffer {
        (p.weight_spad_depth / 2).max(1)
    } else {
        p.weight_spad_depth
    };
    let drain = p.rows + p.cols + p.pipeline_regs + 1 + 4 * u32::from(p.ram_output_regs);
    let bmax = p.max_tick_batch.next_power_of_two();
    (u64::from(d), u64::from(drain), u64::from(bmax))
}

/// §5's timing of a stage's `pairs` with `columns(r)` columns for `r` row tiles, from the
/// array phase's entry (cycle 0, the last weight word): the cycle that starts each pair's
/// load (its words are read in the `r·rows` cycles after) and its stream (its columns issued
/// in the cycles after). Without double buffering a pair loads after the previous one has
/// drained; with it, while the previous one streams; a pair streams once loaded and the
/// previous one drained. `idle()` cycles are added before each later load (without double
/// buffering) and stream: 0 on §5's schedule itself.
fn pair_times(
    p: &AccelParams,
    pairs: &[(u64, u64, u64)],
    columns: impl Fn(u64) -> u64,
    mut idle: impl FnMut() -> u64,
) -> (Vec<u64>, Vec<u64>) {
    let (_, drain, _) = array_constants(p);
    let rows = u64::from(p.rows);
    let (mut load_at, mut stream_at) = (vec![0u64], vec![pairs[0].2 * rows]);
    for i in 1..pairs.len() {
        let end = stream_at[i - 1] + columns(pairs[i - 1].2) + drain;
        let load = if p.double_buffer {
            stream_at[i - 1]
        } else {
            end + idle()
        };
        load_at.push(load);
        stream_at.push(end.max(load + pairs[i].2 * rows) + idle());
    }
    (load_at, stream_at)
}

/// The array phase of stage `cv` with `m_ch` outputs over a window of `tw` timesteps, cycle
/// by cycle against §5: the pairs' loads, streams and drains in the order and with the
/// overlap of §5's timing (cycle 0 receives the last weight word; each pair loads for
/// `r·rows` cycles, streams `r·P·Tw` columns on consecutive cycles and drains for
/// `rows + cols + pipeline_regs + 1`; with double buffering the next pair loads while one
/// streams), every issued column's coordinates (`p` outer, `t`, `rt` inner), window offsets
/// and psum address, the loader's pair and scratchpad half, and the phase's end. Returns the
/// array phase's cycles.
fn streamer_case(sim: &mut Sim, p: &AccelParams, cv: Conv, m_ch: u64, tw: u64) -> u64 {
    let (rows, cols) = (u64::from(p.rows), u64::from(p.cols));
    let g = Geometry::of(p);
    let (d, drain, bmax) = array_constants(p);
    let mask = |bits: u32| (1u64 << bits) - 1;
    let (e_out, f_out) = cv.out();
    let positions = e_out * f_out;
    let n = cv.c * cv.r * cv.s;
    let (n_rt, n_ct) = (n.div_ceil(rows), m_ch.div_ceil(cols));
    let groups = n_rt.div_ceil(d);
    let pairs = pairs_of(n_rt, n_ct, d);
    let case = format!("{cv:?} M {m_ch} Tw {tw}");
    sim.set_all(&[
        ("cur_H", cv.h),
        ("cur_W", cv.w),
        ("cur_stride", cv.stride),
        ("cur_pad", cv.pad),
        ("cur_F", f_out),
        ("cur_P", positions),
        ("cur_N", n),
        ("cur_M", m_ch),
        ("cur_n_rt", n_rt),
        ("cur_n_ct", n_ct),
        ("cur_groups", groups),
        ("cur_last_group", n_rt - (groups - 1) * d),
        ("tw", tw),
        ("pad_w", (cv.pad * cv.w) & mask(g.sa)),
        ("stride_w", (cv.stride * cv.w) & mask(g.sa)),
    ]);
    // The schedule: each pair's load start and stream start.
    let columns = |r: u64| r * positions * tw;
    let (load_at, stream_at) = pair_times(p, &pairs, columns, || 0);
    let last = pairs.len() - 1;
    let total = stream_at[last] + columns(pairs[last].2) + drain;
    // §5's cycle formula.
    let formula: u64 = if p.double_buffer {
        pairs[0].2 * rows
            + (0..pairs.len())
                .map(|i| {
                    let next = pairs.get(i + 1).map_or(0, |q| q.2 * rows);
                    (columns(pairs[i].2) + drain).max(next)
                })
                .sum::<u64>()
    } else {
        pairs
            .iter()
            .map(|q| q.2 * rows + columns(q.2) + drain)
            .sum()
    };
    assert_eq!(total, formula, "{case}: the schedule's cycles");
    // The column issued in cycle c: (pair, p, t, rl).
    let issued = |c: u64| {
        (0..pairs.len()).find_map(|i| {
            let k = c.checked_sub(stream_at[i] + 1)?;
            let r = pairs[i].2;
            (k < columns(r)).then(|| (i, k / (r * tw), k / r % tw, k % r))
        })
    };
    // The pair loading in cycle c and the row tile of its word: (pair, tile, last word).
    let loading = |c: u64| {
        (0..pairs.len()).find_map(|i| {
            let k = c.checked_sub(load_at[i] + 1)?;
            (k < pairs[i].2 * rows).then(|| (i, k / rows, k + 1 == pairs[i].2 * rows))
        })
    };
    for c in 0..total + 4 {
        let now = match c {
            0 => ph::RECV_W,
            c if c <= total => ph::ARRAY,
            _ => ph::NEXT,
        };
        sim.set("phase", phase(now));
        sim.set_bool("enter_array", c == 0);
        let at = format!("{case}: cycle {c} of {total}");
        let col = issued(c);
        assert_eq!(sim.is("issue_o"), col.is_some(), "{at}: issue");
        if let Some((i, pos, t, rl)) = col {
            let (ct, gr, r) = pairs[i];
            let (e, f) = (pos / f_out, pos % f_out);
            let ey = (e * cv.stride) as i64 - cv.pad as i64;
            let fx = (f * cv.stride) as i64 - cv.pad as i64;
            let want = [
                ("pair_o", i as u64),
                ("ct_o", ct),
                ("group_o", gr),
                ("rl_o", rl),
                ("rt_o", gr * d + rl),
                ("last_rl_o", u64::from(rl + 1 == r)),
                ("t_o", t),
                (
                    "window_offset_o",
                    (ey * cv.w as i64 + fx) as u64 & mask(g.sa),
                ),
                (
                    "psum_addr_o",
                    ((ct * positions + pos) * bmax + t) & mask(g.pa),
                ),
            ];
            let bounds =
                window_bounds(ey, fx, &cv).map(|(port, v)| (port, v as u64 & mask(g.yw + 1)));
            for (port, v) in want.into_iter().chain(bounds) {
                let port = if port.ends_with("_o") {
                    port.to_string()
                } else {
                    format!("{port}_o")
                };
                assert_eq!(sim.get(&port), v, "{at}: {port} of column {col:?}");
            }
        }
        // The tap table is read a cycle ahead: the next column's row tile.
        if let Some((i, _, _, rl)) = issued(c + 1) {
            let rt = pairs[i].1 * d + rl;
            assert_eq!(sim.get("rt_next_o"), rt, "{at}: rt_next");
        }
        let load = loading(c);
        assert_eq!(
            sim.is("ld_last_o"),
            load.is_some_and(|l| l.2),
            "{at}: the load's end"
        );
        if let Some((i, _, _)) = load {
            assert_eq!(sim.get("ld_ct_o"), pairs[i].0, "{at}: loading ct");
            assert_eq!(sim.get("ld_group_o"), pairs[i].1, "{at}: loading group");
        }
        // The scratchpad write of last cycle's word (the word before, registered, with
        // `ram_output_regs`): entry `half·D + tile`.
        let write = c
            .checked_sub(1 + u64::from(p.ram_output_regs))
            .and_then(loading);
        assert_eq!(sim.is("wl_en_o"), write.is_some(), "{at}: scratchpad write");
        if let Some((i, tile, _)) = write {
            let half = if p.double_buffer && i % 2 == 1 { d } else { 0 };
            assert_eq!(sim.get("wl_entry_o"), half + tile, "{at}: entry");
        }
        assert_eq!(sim.is("array_done_o"), c == total, "{at}: array_done");
        sim.step();
    }
    total
}

#[test]
fn streamer_issues_every_column_on_the_schedule_of_section_5() {
    let sets = array_designs(&[
        (2, 3, 4, true, 1, 4),
        (3, 2, 2, true, 0, 2),
        (2, 2, 3, false, 1, 1),
    ]);
    let mut rng = SplitMix(0x57_2EA3);
    let mut columns = 0;
    for p in sets {
        let mut sim = Sim::new(&streamer_harness(&p));
        let (rows, cols) = (u64::from(p.rows), u64::from(p.cols));
        let mut cases = 0;
        while cases < 8 {
            let cv = Conv::random(&mut rng);
            let m_ch = 1 + rng.below(4 * cols);
            let tw = 1 + rng.below(u64::from(p.max_tick_batch));
            let n = cv.c * cv.r * cv.s;
            if m_ch.div_ceil(cols) * n.div_ceil(rows) * rows > p.weight_words {
                continue;
            }
            let (e, f) = cv.out();
            columns += e * f * tw * n.div_ceil(rows) * m_ch.div_ceil(cols);
            streamer_case(&mut sim, &p, cv, m_ch, tw);
            cases += 1;
        }
        sim.no_property_failed();
    }
    assert!(columns > 2000, "only {columns} columns");
}

// ---------------------------------------------------------------------------------------
// Array datapath (§5)
// ---------------------------------------------------------------------------------------

/// The PE array with its column tags, column accumulators and psum writes: the streamer's
/// outputs (`streamer_from_ports`), the loader's scratchpad writes (`wl_*`, `valid_lanes`)
/// and the im2col column entering the array (`col_spikes`, `col_taps`, `col_read_<i>`) are
/// inputs; the counter increments and a read port on the psum buffer (`chk_p`) are outputs.
fn array_datapath_harness(p: &AccelParams) -> Module {
    use spikeforge_generators::accel::pe::clog2;
    use spikeforge_generators::accel::top::array_datapath;
    Parts::harness("array_datapath_harness", p, |m, parts| {
        let g = &parts.g;
        let st = streamer_from_ports(m, g);
        let ld = weight_loader::Loader {
            start: m.input("ld_start", Bool),
            start_pair: m.input("ld_start_pair", UInt(g.fw)),
            last: m.input("ld_last", Bool),
            ct: m.input("ld_ct", UInt(g.fw)),
            group: m.input("ld_g", UInt(g.fw)),
            last_pair: None,
            valid_lanes: m.input("valid_lanes", UInt(g.lw)),
            wl_en: m.input("wl_en", Bool),
            wl_row: m.input("wl_row", UInt(clog2(u64::from(g.rows)))),
            wl_entry: m.input("wl_entry", UInt(g.eb)),
            wl_weights: m.input("wl_weights", UInt(g.cols * g.wbits)),
        };
        let column = Column {
            spikes: m.input("col_spikes", UInt(g.rows)),
            taps: m.input("col_taps", UInt(g.rows)),
            reads: (0..g.rows)
                .map(|i| m.input(format!("col_read_{i}"), Bool))
                .collect(),
        };
        let counts = array_datapath::build(m, parts.ctx(), &st, &ld, &column);
        expose_counts(m, &counts);
        read_port(m, "chk_p", parts.bufs.psum);
    })
}

/// `v` as a `bits`-bit two's complement pattern.
fn twos(v: i64, bits: u32) -> u64 {
    (v as u64) & (u64::MAX >> (64 - bits))
}

/// Lanes of `bits` bits each, lane 0 lowest, as one word.
fn pack(lanes: &[u64], bits: u32) -> BigUint {
    lanes.iter().rev().fold(BigUint::from(0u32), |word, &l| {
        (word << bits) | BigUint::from(l)
    })
}

/// Lane `j` of `bits` bits of `word`.
fn lane(word: &BigUint, j: u32, bits: u32) -> u64 {
    let mask = (BigUint::from(1u32) << bits) - 1u32;
    u64::try_from((word >> (j * bits)) & mask).expect("a lane of at most 64 bits")
}

/// One stage-window's array phase as the loader, streamer and im2col fetch play it (the §5
/// timing, with 0–2 extra idle cycles before each load and stream): fan-in `n`, `m_ch`
/// outputs, `positions` output positions, `tw` timesteps, random weights and random
/// columns (each valid tap read or padding, a read spike 0 or 1); checks every psum word
/// `(ct·P + p)·B_max + t` against `Σ_n spike·w` (§5: the sums of a group's row tiles,
/// added to the word of the earlier groups), the last one already written `DRAIN` cycles
/// after the last column, and the counts of §9. Returns the performed accumulates.
#[allow(clippy::too_many_arguments)]
fn array_datapath_case(
    sim: &mut Sim,
    rng: &mut SplitMix,
    p: &AccelParams,
    n: u64,
    m_ch: u64,
    positions: u64,
    tw: u64,
) -> u64 {
    let (rows, cols) = (u64::from(p.rows), u64::from(p.cols));
    let (wb, pb) = (p.weight_bits, p.psum_bits);
    let (d, drain, bmax) = array_constants(p);
    let (n_rt, n_ct) = (n.div_ceil(rows), m_ch.div_ceil(cols));
    let groups = n_rt.div_ceil(d);
    let pairs = pairs_of(n_rt, n_ct, d);
    let case = format!("N {n} M {m_ch} P {positions} Tw {tw}");
    sim.set_all(&[("cur_M", m_ch), ("cur_P", positions), ("tw", tw)]);
    // Weights w[n][k] (every row tile's rows, every lane) and the columns' taps.
    let half_w = 1i64 << (wb - 1);
    let weights: Vec<Vec<i64>> = (0..n_rt * rows)
        .map(|_| {
            (0..n_ct * cols)
                .map(|_| rng.range(-half_w, half_w - 1))
                .collect()
        })
        .collect();
    // (read, spike) of tap n at (p, t): a valid tap is read or padding; only a read spikes.
    let taps: Vec<(bool, bool)> = (0..positions * tw * n)
        .map(|_| {
            let read = !rng.chance(5);
            (read, read && rng.chance(2))
        })
        .collect();
    let tap = |pos: u64, t: u64, k: u64| taps[((pos * tw + t) * n + k) as usize];
    // The schedule (§5), with idle cycles added: each pair's load and stream start.
    let columns = |r: u64| r * positions * tw;
    let (load_at, stream_at) = pair_times(p, &pairs, columns, || rng.below(3));
    let last = pairs.len() - 1;
    let last_issue = stream_at[last] + columns(pairs[last].2);
    // Cycle by cycle: the loader's read (valid lanes) and, a cycle later, its scratchpad
    // write; the streamer's issue and, a cycle later, the column entering the array.
    let mut counts = Tally::new(&[
        Counter::PerformedAcc,
        Counter::GatedAcc,
        Counter::WeightBufferReads,
        Counter::WeightSpadReads,
        Counter::WeightSpadWrites,
        Counter::InputSpikeReads,
        Counter::ColumnAccReads,
        Counter::ColumnAccWrites,
        Counter::PsumBufferReads,
        Counter::PsumBufferWrites,
    ]);
    // (p, t, rt) of the columns issued in the last cycle (four with `ram_output_regs`),
    // oldest first: the oldest enters the array now.
    let mut in_flight: std::collections::VecDeque<Option<(u64, u64, u64)>> =
        vec![None; 1 + 3 * usize::from(p.ram_output_regs)].into();
    let mut writing: Option<(u64, u64, u64, BigUint)> = None; // (row, entry, rt·rows + row, word)
    for c in 0..=last_issue + drain {
        sim.set("phase", phase(ph::ARRAY));
        let (mut lanes, mut reading) = (0, None);
        for (i, &(ct, gr, r)) in pairs.iter().enumerate() {
            let k = c.wrapping_sub(load_at[i] + 1);
            if k < r * rows {
                let (tile, row) = (k / rows, k % rows);
                let rt = gr * d + tile;
                let half = if p.double_buffer && i % 2 == 1 { d } else { 0 };
                let word: Vec<u64> = (0..cols)
                    .map(|j| {
                        twos(
                            weights[(rt * rows + row) as usize][(ct * cols + j) as usize],
                            wb,
                        )
                    })
                    .collect();
                if rt * rows + row < n {
                    lanes = cols.min(m_ch - ct * cols);
                }
                reading = Some((row, half + tile, rt * rows + row, pack(&word, wb)));
            }
        }
        sim.set("valid_lanes", lanes);
        sim.set_bool("wl_en", writing.is_some());
        if let Some((row, entry, _, word)) = &writing {
            sim.set("wl_row", *row);
            sim.set("wl_entry", *entry);
            sim.set_big("wl_weights", word);
        }
        writing = reading;
        let mut issue = None;
        for (i, &(ct, gr, r)) in pairs.iter().enumerate() {
            let k = c.wrapping_sub(stream_at[i] + 1);
            if k < columns(r) {
                let (pos, t, rl) = (k / (r * tw), k / r % tw, k % r);
                sim.set_all(&[
                    ("st_pair", i as u64),
                    ("st_ct", ct),
                    ("st_g", gr),
                    ("st_rl", rl),
                    ("st_last_rl", u64::from(rl + 1 == r)),
                    ("st_psum_addr", (ct * positions + pos) * bmax + t),
                ]);
                issue = Some((pos, t, gr * d + rl));
            }
        }
        sim.set_bool("issue", issue.is_some());
        let (mut spikes, mut valid) = (0, 0);
        let entering = in_flight.pop_front().flatten();
        for i in 0..rows {
            let mut read = false;
            if let Some((pos, t, rt)) = entering {
                let k = rt * rows + i;
                if k < n {
                    valid |= 1 << i;
                    let (r, s) = tap(pos, t, k);
                    read = r;
                    spikes |= u64::from(s) << i;
                }
            }
            sim.set_bool(&format!("col_read_{i}"), read);
        }
        sim.set("col_spikes", spikes);
        sim.set("col_taps", valid);
        in_flight.push_back(issue);
        counts.tick(sim);
    }
    sim.set_all(&[
        ("issue", 0),
        ("wl_en", 0),
        ("valid_lanes", 0),
        ("col_taps", 0),
    ]);
    // Every psum word, the last column's first: written by the end of the drain.
    let mut words: Vec<(u64, u64, u64)> = (0..n_ct)
        .flat_map(|ct| (0..positions).flat_map(move |pos| (0..tw).map(move |t| (ct, pos, t))))
        .collect();
    words.rotate_right(1);
    for (ct, pos, t) in words {
        let got = sim.read_word("chk_p", (ct * positions + pos) * bmax + t);
        for j in 0..cols {
            let sum: i64 = (0..n)
                .filter(|&k| tap(pos, t, k).1)
                .map(|k| weights[k as usize][(ct * cols + j) as usize])
                .sum();
            assert_eq!(
                lane(&got, j as u32, pb),
                twos(sum, pb),
                "{case}: psum of ct {ct} p {pos} t {t} lane {j}"
            );
        }
    }
    // §9, per stage-window: A performed accumulates (M per spike of a valid tap), V reads.
    let spikes: u64 = taps.iter().map(|&(_, s)| u64::from(s)).sum();
    let reads: u64 = taps.iter().map(|&(r, _)| u64::from(r)).sum();
    let a = m_ch * spikes;
    let pmt = positions * m_ch * tw;
    let want = [
        (Counter::PerformedAcc, a),
        (Counter::GatedAcc, positions * n * m_ch * tw - a),
        (Counter::WeightBufferReads, n * m_ch),
        (Counter::WeightSpadReads, a),
        (Counter::WeightSpadWrites, n * m_ch),
        (Counter::InputSpikeReads, n_ct * reads),
        (Counter::ColumnAccReads, (n_rt - groups) * pmt),
        (Counter::ColumnAccWrites, n_rt * pmt),
        (Counter::PsumBufferReads, (groups - 1) * pmt),
        (Counter::PsumBufferWrites, groups * pmt),
    ];
    for (c, v) in want {
        assert_eq!(counts.of(c), v, "{case}: {}", c.name());
    }
    a
}

#[test]
fn array_datapath_writes_every_psum_word_and_counts_section_9() {
    let sets = array_designs(&[
        (3, 2, 4, true, 1, 2),
        (2, 3, 2, false, 1, 4),
        (4, 1, 4, true, 2, 1),
    ]);
    let mut rng = SplitMix(0xA22A_7000);
    let mut performed = 0;
    for p in sets {
        let mut sim = Sim::new(&array_datapath_harness(&p));
        let cols = u64::from(p.cols);
        let bmax = u64::from(p.max_tick_batch.next_power_of_two());
        let mut cases = 0;
        while cases < 8 {
            let n = 1 + rng.below(40);
            let m_ch = 1 + rng.below(3 * cols);
            let positions = 1 + rng.below(4);
            let tw = 1 + rng.below(bmax);
            if m_ch.div_ceil(cols) * positions * bmax > p.psum_words {
                continue;
            }
            performed += array_datapath_case(&mut sim, &mut rng, &p, n, m_ch, positions, tw);
            cases += 1;
        }
        sim.no_property_failed();
    }
    assert!(performed > 5000, "only {performed} performed accumulates");
}

// ---------------------------------------------------------------------------------------
// LIF phase (§6) and membrane clear
// ---------------------------------------------------------------------------------------

/// The LIF phase: `start_lif` (the hidden stage's array phase ends) and the classify phase's
/// psum reads (`other_busy`, `other_addr`) are inputs, and so are write ports on the psum and
/// membrane buffers (`ps_*`, `mw_*`: the array phase's psums, membranes of an earlier run);
/// the psum read data (registered with `ram_output_regs`), the clear's and the phase's ends, the counter increments and read
/// ports on the membrane and spike buffers (`chk_m`, `chk_a`, `chk_b`) are outputs.
fn lif_harness(p: &AccelParams) -> Module {
    use spikeforge_generators::accel::top::lif_phase::{self, PsumReader};
    Parts::harness("lif_harness", p, |m, parts| {
        let g = &parts.g;
        write_port(m, "ps", parts.bufs.psum);
        write_port(m, "mw", parts.bufs.membrane);
        let start = m.input("start_lif", Bool);
        let other = PsumReader {
            busy: m.input("other_busy", Bool),
            addr: m.input("other_addr", UInt(g.pa)),
        };
        let lif = lif_phase::build(m, parts.ctx(), start.expr(), other);
        expose(
            m,
            [
                ("psum_q_o", lif.psum_word),
                ("clear_done_o", lif.clear_done),
                ("lif_done_o", lif.done),
            ],
        );
        expose_counts(m, &lif.counts);
        read_port(m, "chk_m", parts.bufs.membrane);
        read_port(m, "chk_a", parts.bufs.spike_a);
        read_port(m, "chk_b", parts.bufs.spike_b);
    })
}

/// The signed value of the `bits`-bit pattern `v`.
fn signed(v: u64, bits: u32) -> i64 {
    ((v << (64 - bits)) as i64) >> (64 - bits)
}

/// DESIGN.md §2: one LIF step of membrane `v` with current `i` and threshold `theta` under
/// the design's options: leak, integrate (saturating to `membrane_bits`), fire, reset.
/// Returns the membrane after the step and the spike.
fn lif_step(p: &AccelParams, v: i64, i: i64, theta: i64) -> (i64, bool) {
    use spikeforge_config::{FireCompare, Leak, Reset};
    let top = 1i64 << (p.membrane_bits - 1);
    let v = match p.leak {
        Leak::None => v,
        Leak::Shift(k) => v - (v >> k.min(63)),
        Leak::Subtract(d) if v >= 0 => (v - d).max(0),
        Leak::Subtract(d) => (v + d).min(0),
    };
    let v = (v + i).clamp(-top, top - 1);
    let spike = match p.fire_compare {
        FireCompare::Ge => v >= theta,
        FireCompare::Gt => v > theta,
    };
    let v = match (spike, p.reset) {
        (false, _) => v,
        (true, Reset::Hard) => 0,
        (true, Reset::Soft) => v - theta,
    };
    (v, spike)
}

/// What the test knows of the buffers the LIF phase writes: each membrane lane (`None` where
/// the hardware may have written anything: lanes of no state) and each spike word with the
/// mask of its known lanes.
struct LifBuffers {
    membrane: Vec<Vec<Option<i64>>>,
    spikes: [Vec<(u64, u64)>; 2],
    /// Spike words below this address may have been written.
    spikes_used: u64,
}

/// A hidden stage as the LIF phase sees it.
#[derive(Clone, Copy, Debug)]
struct LifStage {
    /// Output channels K.
    m: u64,
    /// Output height and width.
    e: u64,
    f: u64,
    /// Pooling window k.
    pool: u64,
    theta: i64,
    membrane_base: u64,
}

impl LifStage {
    /// A random hidden stage that fits `p`'s psum and membrane buffers: up to 3 lane blocks
    /// (with n > 1, K/n a multiple of cols: §1), up to 4×4 positions, a third of them pooled;
    /// θ of 1, the largest membrane value, or up to 40.
    fn random(rng: &mut SplitMix, p: &AccelParams) -> LifStage {
        let (cols, n) = (u64::from(p.cols), u64::from(p.share_factor));
        let bmax = u64::from(p.max_tick_batch.next_power_of_two());
        let top = (1i64 << (p.membrane_bits - 1)) - 1;
        loop {
            let m = if n == 1 {
                1 + rng.below(3 * cols)
            } else {
                n * cols * (1 + rng.below(2))
            };
            let (e, f) = (1 + rng.below(4), 1 + rng.below(4));
            let pool = if rng.chance(3) {
                1 + rng.below(e.min(f))
            } else {
                1
            };
            let theta = match rng.below(5) {
                0 => 1,
                1 => top,
                _ => 1 + rng.below(top.min(40) as u64) as i64,
            };
            let membrane = e * f * (m / n).div_ceil(cols);
            if m.div_ceil(cols) * e * f * bmax <= p.psum_words && membrane <= p.membrane_words {
                let membrane_base = rng.below(p.membrane_words - membrane + 1);
                return LifStage {
                    m,
                    e,
                    f,
                    pool,
                    theta,
                    membrane_base,
                };
            }
        }
    }
}

/// One LIF phase of `st` over a window of `tw` timesteps with random psums (the input
/// buffer `role`), checked against §6 and DESIGN.md §2–3: the phase lasts
/// `Tw·P·n_ctb·n + 2` cycles; lane j of psum word `(ct·P + p)·B_max + t`, `ct = g·n_ctb + cb`,
/// is the current of channel `ct·cols + j`, whose state is lane j of membrane word
/// `base + p·n_ctb + cb`, stepped by groups 0..n in order within each timestep; the spikes,
/// OR-pooled over whole k×k windows, land at `(ct·P' + q)·B_max + t` of the buffer the input
/// is not in; the counts are §9's. Then the psum port serves the classify phase's reads.
/// Returns the spikes fired.
fn lif_case(
    sim: &mut Sim,
    rng: &mut SplitMix,
    p: &AccelParams,
    bufs: &mut LifBuffers,
    st: LifStage,
    tw: u64,
    role: bool,
) -> u64 {
    let (cols, n) = (u64::from(p.cols), u64::from(p.share_factor));
    let (mb, pb) = (p.membrane_bits, p.psum_bits);
    let bmax = u64::from(p.max_tick_batch.next_power_of_two());
    let positions = st.e * st.f;
    let states = st.m / n; // shared states per position (§3)
    let n_ctb = states.div_ceil(cols);
    let n_ct = st.m.div_ceil(cols);
    let (pe, pf) = (st.e / st.pool, st.f / st.pool);
    let case = format!("{st:?} Tw {tw} role {role}");
    // The array phase leaves the psums.
    sim.set("phase", phase(ph::ARRAY));
    let mut psums = std::collections::HashMap::new();
    let spread = 2 * st.theta + 3;
    for ct in 0..n_ct {
        for pos in 0..positions {
            for t in 0..tw {
                let a = (ct * positions + pos) * bmax + t;
                let lanes: Vec<i64> = (0..cols)
                    .map(|_| {
                        if rng.chance(10) {
                            rng.range(-(1 << (pb - 1)), (1 << (pb - 1)) - 1)
                        } else {
                            rng.range(-spread, spread)
                        }
                    })
                    .collect();
                let bits: Vec<u64> = lanes.iter().map(|&v| twos(v, pb)).collect();
                sim.write_word("ps", a, &pack(&bits, pb));
                sim.step();
                psums.insert(a, lanes);
            }
        }
    }
    sim.set("ps_we", 0);
    sim.set_all(&[
        ("cur_M", st.m),
        ("cur_P", positions),
        ("cur_F", st.f),
        ("cur_n_ct", n_ct),
        ("cur_n_ctb", n_ctb),
        ("cur_n_ctb_p", n_ctb * positions),
        ("cur_theta", twos(st.theta, mb)),
        ("cur_membrane_base", st.membrane_base),
        ("cur_pool", st.pool),
        ("cur_pooled_e", pe),
        ("cur_pooled_f", pf),
        ("cur_pooled_p", pe * pf),
        ("cur_n_ctb_pp", n_ctb * pe * pf),
        ("tw", tw),
    ]);
    sim.set_bool("role", role);
    // The model: every shared state through the window, groups in order.
    let mut spikes = std::collections::HashMap::new(); // (t, p, ct) → word
    for t in 0..tw {
        for pos in 0..positions {
            for cb in 0..n_ctb {
                let word = (st.membrane_base + pos * n_ctb + cb) as usize;
                for j in 0..cols {
                    if cb * cols + j >= states {
                        bufs.membrane[word][j as usize] = None;
                        continue;
                    }
                    let mut v = bufs.membrane[word][j as usize].expect("a known membrane");
                    for gr in 0..n {
                        let ct = gr * n_ctb + cb;
                        let i = psums[&((ct * positions + pos) * bmax + t)][j as usize];
                        let (v2, s) = lif_step(p, v, i, st.theta);
                        v = v2;
                        *spikes.entry((t, pos, ct)).or_insert(0u64) |= u64::from(s) << j;
                    }
                    bufs.membrane[word][j as usize] = Some(v);
                }
            }
        }
    }
    let out = &mut bufs.spikes[usize::from(!role)];
    let mut fired = 0;
    for t in 0..tw {
        for ct in 0..n_ct {
            let valid = (1u64 << cols.min(st.m - ct * cols)) - 1;
            for qe in 0..pe {
                for qf in 0..pf {
                    let mut word = 0;
                    for dy in 0..st.pool {
                        for dx in 0..st.pool {
                            let pos = (qe * st.pool + dy) * st.f + qf * st.pool + dx;
                            word |= spikes.get(&(t, pos, ct)).copied().unwrap_or(0);
                        }
                    }
                    let a = (ct * pe * pf + qe * pf + qf) * bmax + t;
                    out[a as usize] = (word & valid, valid);
                    fired += u64::from((word & valid).count_ones());
                    bufs.spikes_used = bufs.spikes_used.max(a + 1);
                }
            }
        }
    }
    // The phase: started in the array phase's last cycle, then LIF until done.
    let mut counts = Tally::new(&[
        Counter::OutputSpikeWrites,
        Counter::PsumBufferReads,
        Counter::MembraneReads,
        Counter::MembraneWrites,
        Counter::LifSteps,
    ]);
    sim.set("start_lif", 1);
    counts.tick(sim);
    sim.set("start_lif", 0);
    sim.set("phase", phase(ph::LIF));
    let want_cycles = tw * positions * n_ctb * n + 2 + 3 * u64::from(p.ram_output_regs);
    let mut cycles = 0;
    loop {
        let done = sim.is("lif_done_o");
        cycles += 1;
        counts.tick(sim);
        if done {
            break;
        }
        assert!(cycles < want_cycles + 10, "{case}: no end");
    }
    assert_eq!(cycles, want_cycles, "{case}: LIF phase cycles");
    sim.set("phase", phase(ph::NEXT));
    let pmt = positions * st.m * tw;
    for (c, v) in [
        (Counter::OutputSpikeWrites, st.m * pe * pf * tw),
        (Counter::PsumBufferReads, pmt),
        (Counter::MembraneReads, positions * states * tw),
        (Counter::MembraneWrites, positions * states * tw),
        (Counter::LifSteps, pmt),
    ] {
        assert_eq!(counts.of(c), v, "{case}: {}", c.name());
    }
    // The stage's membrane words and the output buffer's words of the stage.
    let words = st.membrane_base..st.membrane_base + positions * n_ctb;
    let outputs = 0..n_ct * pe * pf * bmax;
    check_lif_buffers(sim, p, bufs, words, &[(!role, outputs)], &case);
    // The classify phase's reads through the shared port.
    for _ in 0..3 {
        let a = (rng.below(n_ct) * positions + rng.below(positions)) * bmax + rng.below(tw);
        sim.set("other_busy", 1);
        sim.set("other_addr", a);
        sim.step();
        sim.set("other_busy", 0);
        if p.ram_output_regs {
            sim.step(); // the word's register
        }
        let want: Vec<u64> = psums[&a].iter().map(|&v| twos(v, pb)).collect();
        assert_eq!(sim.get_big("psum_q_o"), pack(&want, pb), "{case}: psum {a}");
    }
    fired
}

/// Reads back the membrane words `words` and the spike words `spikes` (buffer B or A, and
/// the addresses) and compares every known lane with the model's.
fn check_lif_buffers(
    sim: &mut Sim,
    p: &AccelParams,
    bufs: &LifBuffers,
    words: std::ops::Range<u64>,
    spikes: &[(bool, std::ops::Range<u64>)],
    case: &str,
) {
    let (cols, mb) = (p.cols, p.membrane_bits);
    for a in words {
        let want = &bufs.membrane[a as usize];
        let got = sim.read_word("chk_m", a);
        for j in 0..cols {
            if let Some(v) = want[j as usize] {
                let got = signed(lane(&got, j, mb), mb);
                assert_eq!(got, v, "{case}: membrane word {a} lane {j}");
            }
        }
    }
    for (b, range) in spikes {
        let prefix = if *b { "chk_b" } else { "chk_a" };
        for a in range.clone() {
            let (want, known) = bufs.spikes[usize::from(*b)][a as usize];
            let got = sim.read_word(prefix, a);
            let got = u64::try_from(got).expect("a spike word") & known;
            assert_eq!(got, want, "{case}: spike buffer {prefix} word {a}");
        }
    }
}

/// The CLEAR phase at a run start with `MEM_WORDS = words`: one membrane word per cycle from
/// address 0, the end with the last; the words above keep their values.
fn membrane_clear(sim: &mut Sim, bufs: &mut LifBuffers, words: u64) {
    bus_write(sim, addr::MEM_WORDS, words);
    sim.set("phase", phase(ph::IDLE));
    sim.set("run_start", 1);
    sim.step();
    sim.set("run_start", 0);
    sim.set("phase", phase(ph::CLEAR));
    let mut cycles = 0;
    loop {
        let done = sim.is("clear_done_o");
        cycles += 1;
        sim.step();
        if done {
            break;
        }
        assert!(cycles <= words, "MEM_WORDS {words}: no end of the clear");
    }
    assert_eq!(cycles, words, "MEM_WORDS {words}: CLEAR cycles");
    sim.set("phase", phase(ph::NEXT));
    for word in &mut bufs.membrane[..words as usize] {
        word.fill(Some(0));
    }
}

#[test]
fn lif_phase_steps_every_shared_membrane_as_design_section_2_says() {
    use spikeforge_config::{FireCompare, Leak, Reset};
    // (share factor, leak, reset, compare, membrane bits, cols, B_max)
    let mut sets: Vec<AccelParams> = [
        (2, Leak::None, Reset::Soft, FireCompare::Gt, 6, 2, 2),
        (4, Leak::Subtract(3), Reset::Soft, FireCompare::Ge, 10, 3, 4),
        (8, Leak::Shift(7), Reset::Hard, FireCompare::Gt, 5, 1, 2),
    ]
    .into_iter()
    .map(|(n, leak, reset, cmp, mb, cols, bmax)| {
        let mut p = small_params("lif");
        (p.share_factor, p.leak, p.reset, p.fire_compare) = (n, leak, reset, cmp);
        (p.membrane_bits, p.cols, p.max_tick_batch) = (mb, cols, bmax);
        p.membrane_words = 64;
        p
    })
    .collect();
    sets.push(small_params("lif"));
    sets.push(AccelParams::from_accel(&prototype_config()));
    let mut rng = SplitMix(0x11F_0000);
    let (mut phases, mut fired) = (0, 0);
    for (k, p) in sets.into_iter().enumerate() {
        let mut sim = Sim::new(&lif_harness(&p));
        let (cols, mb) = (u64::from(p.cols), p.membrane_bits);
        let bmax = u64::from(p.max_tick_batch.next_power_of_two());
        let top = (1i64 << (mb - 1)) - 1;
        let mut bufs = LifBuffers {
            membrane: vec![vec![Some(0); p.cols as usize]; p.membrane_words as usize],
            spikes: [
                vec![(0, u64::MAX); p.spike_words as usize],
                vec![(0, u64::MAX); p.spike_words as usize],
            ],
            spikes_used: 0,
        };
        // Fewer runs of the 16-lane design: its 256 membrane words take long to check.
        for run in 0..if k == 4 { 3 } else { 6 } {
            // Membranes left by an earlier run, then (mostly) the clear of a run start.
            if run > 0 {
                for a in 0..p.membrane_words {
                    let lanes: Vec<i64> = (0..cols).map(|_| rng.range(-top - 1, top)).collect();
                    let bits: Vec<u64> = lanes.iter().map(|&v| twos(v, mb)).collect();
                    sim.write_word("mw", a, &pack(&bits, mb));
                    sim.step();
                    bufs.membrane[a as usize] = lanes.into_iter().map(Some).collect();
                }
                sim.set("mw_we", 0);
            }
            if run == 0 || !rng.chance(4) {
                let words = 1 + rng.below(p.membrane_words);
                membrane_clear(&mut sim, &mut bufs, words);
            }
            // A hidden stage over 1–3 windows.
            let st = LifStage::random(&mut rng, &p);
            let role = rng.chance(2);
            for _ in 0..1 + rng.below(3) {
                let tw = 1 + rng.below(bmax);
                fired += lif_case(&mut sim, &mut rng, &p, &mut bufs, st, tw, role);
                phases += 1;
            }
            // No other word of the buffers changed.
            let used = 0..bufs.spikes_used;
            let spikes = [(false, used.clone()), (true, used)];
            let all = 0..p.membrane_words;
            check_lif_buffers(&mut sim, &p, &bufs, all, &spikes, "the run's end");
        }
        sim.no_property_failed();
    }
    assert!(phases > 40, "only {phases} LIF phases");
    assert!(fired > 300, "only {fired} spikes");
}

// ---------------------------------------------------------------------------------------
// Classify and entropy (§7)
// ---------------------------------------------------------------------------------------

/// The classify loop, logits and entropy unit: a write port on the psum buffer (`ps_*`: the
/// array phase's psums), the read port the LIF phase shares with the loop (enabled while it
/// reads), the classifier's array-phase end (`cls_first`), the logit beats' end
/// (`logits_done_in`) and the result stream's logit address (`logit_addr`) are inputs; the
/// phase ends, the exit, its timestep and prediction, `more_t`, the logit read and the
/// counter increments are outputs.
fn classify_harness(p: &AccelParams) -> Module {
    use spikeforge_generators::accel::top::classify::{self, ClassifyIssue, ClassifyStarts};
    Parts::harness("classify_harness", p, |m, parts| {
        let g = &parts.g;
        write_port(m, "ps", parts.bufs.psum);
        let issue = ClassifyIssue::declare(m, g);
        let psum_q = m.mem_read(parts.bufs.psum, "psum_phase_q", issue.busy, issue.addr);
        // The LIF phase registers the shared port's word with `ram_output_regs`.
        let psum_q = if p.ram_output_regs {
            let r = m.reg_no_reset("psum_phase_q_r", psum_q.ty());
            m.next(r, psum_q);
            r
        } else {
            psum_q
        };
        let starts = ClassifyStarts {
            first: m.input("cls_first", Bool).expr(),
            logits_done: m.input("logits_done_in", Bool),
        };
        let cls = classify::build(m, parts.ctx(), &issue, psum_q, starts);
        let logit_addr = m.input("logit_addr", UInt(g.kb));
        m.drive(cls.result_logit_addr, logit_addr);
        expose(
            m,
            [
                ("cls_done_o", cls.done),
                ("entropy_finish_o", cls.entropy_finish),
                ("exit_now_o", cls.exit_now),
            ],
        );
        m.output_from("exit_t_o", cls.exit_t);
        m.output_from("prediction_o", cls.prediction);
        m.output_from("more_t_o", cls.more_t);
        m.output_from("logit_o", cls.result_logit);
        expose_counts(m, &cls.counts);
    })
}

/// DESIGN.md §4 in floating point: the normalised entropy `H ∈ [0, 1]` of `softmax(z)`, the
/// logits `z` having `frac_bits` fraction bits.
fn entropy(z: &[i64], frac_bits: u32) -> f64 {
    let x: Vec<f64> = z
        .iter()
        .map(|&v| v as f64 / f64::from(1u32 << frac_bits))
        .collect();
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = x.iter().map(|v| (v - max).exp()).sum();
    let a: f64 = x.iter().map(|v| (v - max).exp() * (v - max)).sum();
    (s.ln() - a / s) / (z.len() as f64).ln()
}

/// How far from θ_q (in units of 2^-16) the float entropy must be for the fixed-point unit's
/// decision to be certain: DESIGN.md §8 bounds its error by 0.003.
const ENTROPY_MARGIN: f64 = 0.005 * 65536.0;

/// One inference as the classifier stage sees it (§7).
#[derive(Clone, Copy, Debug)]
struct Classification {
    /// Classes K.
    k: u64,
    /// Output positions P (only p = 0 is classified).
    positions: u64,
    /// Timesteps T and window B.
    timesteps: u64,
    tick_batch: u64,
    frac_bits: u32,
    theta_q: u64,
    trace: bool,
}

/// Runs inference `c` on the classify harness: for each window, the psums of its timesteps,
/// the array phase's end, then per timestep CLASSIFY (`n_ct + 2` cycles, `+ 3` with
/// `ram_output_regs`: `z[k] +=` lane
/// `k mod cols` of psum word `(k/cols·P + 0)·B_max + t`), ENTROPY (the unit's latency + 1
/// cycles), LOGITS when tracing; checks the logits, the exit (`H < θ_H` or the last
/// timestep, by the float entropy where it is clear of θ by [`ENTROPY_MARGIN`]), `exit_t`,
/// `more_t`, the prediction (`argmax z`, lowest index on ties) and §9's counts. Returns
/// (exit timestep, decisions too close to θ to call).
fn classify_case(
    sim: &mut Sim,
    rng: &mut SplitMix,
    p: &AccelParams,
    c: Classification,
) -> (u64, u64) {
    use spikeforge_config::EntropyUnitKind;
    let (cols, pb, lb) = (u64::from(p.cols), p.psum_bits, p.logit_bits);
    let bmax = u64::from(p.max_tick_batch.next_power_of_two());
    let n_ct = c.k.div_ceil(cols);
    let entropy_cycles = match p.entropy_unit {
        EntropyUnitKind::Parallel => 2 * c.k + 23,
        EntropyUnitKind::Serial => 32 * c.k + 41,
        EntropyUnitKind::SerialPipelined => 33 * c.k + 41,
    };
    let rlnk = (65536.0 / (c.k as f64).ln()).round() as u64;
    for (a, v) in [
        (addr::NUM_CLASSES, c.k),
        (addr::FRAC_BITS, u64::from(c.frac_bits)),
        (addr::RLNK, rlnk),
        (addr::THETA_Q, c.theta_q),
        (addr::TIMESTEPS, c.timesteps),
    ] {
        bus_write(sim, a, v);
    }
    sim.set_all(&[("cur_M", c.k), ("cur_n_ct", n_ct), ("cur_P", c.positions)]);
    sim.set_bool("trace_en_r", c.trace);
    sim.set("exited", 0);
    // The run start clears the logits.
    sim.set("phase", phase(ph::IDLE));
    sim.set("run_start", 1);
    sim.step();
    sim.set("run_start", 0);
    let mut z = vec![0i64; c.k as usize];
    let mut counts = Tally::new(&[
        Counter::PsumBufferReads,
        Counter::ClassifierUpdates,
        Counter::EntropyEvaluations,
    ]);
    let mut unsure = 0;
    let one = 1i64 << c.frac_bits;
    let mut t0 = 0;
    loop {
        let tw = c.tick_batch.min(c.timesteps - t0);
        sim.set_all(&[("t0", t0), ("tw", tw)]);
        // The array phase writes the window's psums (every position, every lane).
        sim.set("phase", phase(ph::ARRAY));
        let mut psums = std::collections::HashMap::new();
        for ct in 0..n_ct {
            for pos in 0..c.positions {
                for t in 0..tw {
                    let a = (ct * c.positions + pos) * bmax + t;
                    let spread = if rng.chance(3) { 6 * one } else { one };
                    let lanes: Vec<i64> = (0..cols).map(|_| rng.range(-spread, spread)).collect();
                    let bits: Vec<u64> = lanes.iter().map(|&v| twos(v, pb)).collect();
                    sim.write_word("ps", a, &pack(&bits, pb));
                    sim.step();
                    psums.insert(a, lanes);
                }
            }
        }
        sim.set("ps_we", 0);
        sim.set("cls_first", 1);
        sim.step();
        sim.set("cls_first", 0);
        for tl in 0..tw {
            let at = format!("{c:?} t {}", t0 + tl);
            // CLASSIFY.
            sim.set("phase", phase(ph::CLASSIFY));
            let mut cycles = 0;
            loop {
                let done = sim.is("cls_done_o");
                cycles += 1;
                counts.tick(sim);
                if done {
                    break;
                }
                assert!(cycles <= n_ct + cls_pipe(p), "{at}: CLASSIFY does not end");
            }
            assert_eq!(cycles, n_ct + cls_pipe(p), "{at}: CLASSIFY cycles");
            for (k, zk) in z.iter_mut().enumerate() {
                let k = k as u64;
                *zk += psums[&((k / cols * c.positions) * bmax + tl)][(k % cols) as usize];
            }
            // ENTROPY, to the cycle that sees the unit's `done`.
            sim.set("phase", phase(ph::ENTROPY));
            let mut cycles = 1;
            while !sim.is("entropy_finish_o") {
                counts.tick(sim);
                cycles += 1;
                assert!(cycles <= entropy_cycles, "{at}: ENTROPY does not end");
            }
            assert_eq!(cycles, entropy_cycles, "{at}: ENTROPY cycles");
            for (k, &zk) in z.iter().enumerate() {
                sim.set("logit_addr", k as u64);
                assert_eq!(sim.get("logit_o"), twos(zk, lb), "{at}: logit {k}");
            }
            let h = entropy(&z, c.frac_bits) * 65536.0;
            let last = t0 + tl + 1 == c.timesteps;
            let exits = if last || h < c.theta_q as f64 - ENTROPY_MARGIN {
                true
            } else if h > c.theta_q as f64 + ENTROPY_MARGIN {
                false
            } else {
                unsure += 1;
                sim.is("exit_now_o") // too close to θ to call: follow the unit
            };
            assert_eq!(sim.is("exit_now_o"), exits, "{at}: exit (H_q ≈ {h:.0})");
            assert_eq!(sim.get("exit_t_o"), t0 + tl + 1, "{at}: exit_t");
            assert_eq!(sim.is("more_t_o"), tl + 1 < tw, "{at}: more_t");
            if exits {
                let max = *z.iter().max().unwrap();
                let argmax = z.iter().position(|&v| v == max).unwrap() as u64;
                assert_eq!(sim.get("prediction_o"), argmax, "{at}: prediction of {z:?}");
            }
            counts.tick(sim);
            if c.trace {
                // The logit beats, then their end.
                sim.set("phase", phase(ph::LOGITS));
                sim.set_bool("exited", exits);
                for _ in 0..rng.below(3) {
                    counts.tick(sim);
                }
                sim.set("logits_done_in", 1);
                counts.tick(sim);
                sim.set("logits_done_in", 0);
            }
            if exits {
                // FINAL: nothing classifies any more.
                sim.set("phase", phase(ph::FINAL));
                sim.set("exited", 1);
                for _ in 0..n_ct + 3 {
                    counts.tick(sim);
                }
                let evaluated = t0 + tl + 1;
                for (cn, v) in [
                    (Counter::PsumBufferReads, c.k * evaluated),
                    (Counter::ClassifierUpdates, c.k * evaluated),
                    (Counter::EntropyEvaluations, evaluated),
                ] {
                    assert_eq!(counts.of(cn), v, "{at}: {}", cn.name());
                }
                return (evaluated, unsure);
            }
        }
        sim.set("phase", phase(ph::NEXT));
        sim.step();
        t0 += tw;
    }
}

#[test]
fn classify_accumulates_logits_and_exits_as_section_7_says() {
    use spikeforge_config::EntropyUnitKind;
    // (entropy unit, cols, max classes, B_max)
    let mut sets: Vec<AccelParams> = [
        (EntropyUnitKind::Parallel, 3, 6, 4),
        (EntropyUnitKind::SerialPipelined, 4, 3, 2),
    ]
    .into_iter()
    .map(|(unit, cols, classes, bmax)| {
        let mut p = small_params("cls");
        (p.entropy_unit, p.cols, p.max_classes, p.max_tick_batch) = (unit, cols, classes, bmax);
        p
    })
    .collect();
    sets.push(small_params("cls"));
    sets.push(AccelParams::from_accel(&prototype_config()));
    let mut rng = SplitMix(0xC1A5_5000);
    let (mut evaluations, mut early, mut unsure) = (0, 0, 0);
    for p in sets {
        let mut sim = Sim::new(&classify_harness(&p));
        let bmax = u64::from(p.max_tick_batch.next_power_of_two());
        // The 16-class design's evaluations are long: fewer inferences.
        let inferences = if p.max_classes > 8 { 6 } else { 16 };
        for _ in 0..inferences {
            let timesteps = 1 + rng.below(6);
            let c = Classification {
                k: 2 + rng.below(u64::from(p.max_classes) - 1),
                positions: 1 + rng.below(3),
                timesteps,
                tick_batch: 1 + rng.below(timesteps.min(bmax)),
                frac_bits: rng.below(9) as u32,
                // Never (0), unless all logits are equal (2^16), or somewhere between.
                theta_q: match rng.below(8) {
                    0 | 1 => 0,
                    2 => 65536,
                    _ => rng.below(65537),
                },
                trace: rng.chance(2),
            };
            let (exit_t, close) = classify_case(&mut sim, &mut rng, &p, c);
            evaluations += exit_t;
            early += u64::from(exit_t < timesteps);
            unsure += close;
        }
        sim.no_property_failed();
    }
    assert!(evaluations > 60, "only {evaluations} entropy evaluations");
    assert!(early > 5, "only {early} early exits");
    assert!(
        unsure * 10 < evaluations,
        "{unsure} of {evaluations} too close to θ"
    );
}
