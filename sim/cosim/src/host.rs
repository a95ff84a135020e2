//! The host and the external memory (docs/accelerator.md §8): programs the registers through
//! the cfg bus, pulses start, then clocks the design while answering its requests (weights of a
//! stage on `w_*`, input spikes of a window on `s_*`) and accepting every result beat, until
//! the final beat; then reads STATUS, EXIT_T, PREDICTION and the 25 counters.

use crate::error::CosimError;
use crate::program::Program;
use crate::regmap::{self, COUNTER_NAMES, NUM_COUNTERS};
use num_bigint::BigUint;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use spikeforge_rtlsim::{Port, Simulator};
use std::collections::VecDeque;
use std::ops::Range;
use std::path::PathBuf;

/// The 25 performance counters, by index (names in [`COUNTER_NAMES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Values by counter index.
    pub values: [u64; NUM_COUNTERS],
}

impl Counters {
    /// A counter by name.
    pub fn get(&self, name: &str) -> Option<u64> {
        COUNTER_NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| self.values[i])
    }
}

impl Serialize for Counters {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(NUM_COUNTERS))?;
        for (n, v) in COUNTER_NAMES.iter().zip(self.values) {
            m.serialize_entry(n, &v)?;
        }
        m.end()
    }
}

/// What the RTL produced in one inference.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RtlOutcome {
    /// Per hidden stage, per computed timestep (0-based, including timesteps past the exit in
    /// the exit window), the output spikes as ascending flat CHW indices (from the trace).
    pub spikes: Vec<Vec<Vec<u32>>>,
    /// Logits per classified timestep (t = 1..=exit_t).
    pub logits: Vec<Vec<i64>>,
    /// Exit timestep (1-based), from the final beat.
    pub exit_t: u32,
    /// Prediction, from the final beat.
    pub prediction: u32,
    /// EXIT_T register after the run.
    pub reg_exit_t: u32,
    /// PREDICTION register after the run.
    pub reg_prediction: u32,
    /// STATUS register after the run.
    pub status: u32,
    /// The 25 counters.
    pub counters: Counters,
    /// Cycles from the start pulse to the final beat (inclusive).
    pub cycles: u64,
    /// Cycle of the start pulse. All cycle numbers of an outcome count from the beginning of
    /// [`run`] (0 = the first reset cycle), whatever the simulator ran before.
    pub start_cycle: u64,
    /// Cycle of the final beat.
    pub final_cycle: u64,
    /// Per hidden stage, per computed timestep: the cycles of its stage-window (the weight
    /// request's acceptance .. the last trace beat).
    #[serde(skip)]
    pub spike_cycles: Vec<Vec<(u64, u64)>>,
    /// Per classified timestep: the classifier stage-window's weight request .. the logit beat.
    #[serde(skip)]
    pub logit_cycles: Vec<(u64, u64)>,
    /// Weight words and input-spike words streamed.
    pub words_streamed: u64,
}

/// Options of a host run.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Give up when the final beat has not arrived this many cycles after the start pulse.
    pub max_cycles: u64,
    /// Reset cycles before programming.
    pub reset_cycles: u32,
    /// Write a VCD of this window of cycles, counted from the beginning of [`run`] (needs a
    /// traced build; on a fresh simulator these are also the VCD's cycle numbers).
    pub vcd: Option<(PathBuf, Range<u64>)>,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            max_cycles: 10_000_000,
            reset_cycles: 4,
            vcd: None,
        }
    }
}

/// A stream the host is sending: the request it answers and the next word.
#[derive(Debug)]
enum Stream {
    Weights {
        stage: usize,
        next: usize,
    },
    Spikes {
        words: Vec<BigUint>,
        next: usize,
        t0: u32,
        len: u32,
    },
}

impl Stream {
    fn word<'a>(&'a self, prog: &'a Program) -> Option<&'a BigUint> {
        match self {
            Stream::Weights { stage, next } => prog.stages[*stage].weight_words.get(*next),
            Stream::Spikes { words, next, .. } => words.get(*next),
        }
    }
    fn advance(&mut self) {
        match self {
            Stream::Weights { next, .. } | Stream::Spikes { next, .. } => *next += 1,
        }
    }
}

/// One output channel (`w_*` or `s_*`) of the host: a FIFO of accepted requests being served.
struct Channel {
    valid: Port,
    data: &'static str,
    ready: Port,
    queue: VecDeque<Stream>,
    poked_valid: bool,
    poked_word: Option<(usize, usize)>,
    served: u64,
}

impl Channel {
    fn new(
        sim: &Simulator,
        valid: &'static str,
        data: &'static str,
        ready: &'static str,
    ) -> Result<Self, CosimError> {
        Ok(Channel {
            valid: sim.port(valid)?,
            data,
            ready: sim.port(ready)?,
            queue: VecDeque::new(),
            poked_valid: false,
            poked_word: None,
            served: 0,
        })
    }

    fn drop_finished(&mut self, prog: &Program) {
        while self.queue.front().is_some_and(|s| s.word(prog).is_none()) {
            self.queue.pop_front();
        }
    }

    /// Drives valid/data for this cycle; returns whether valid is high.
    fn drive(&mut self, sim: &mut Simulator, prog: &Program) -> Result<bool, CosimError> {
        self.drop_finished(prog);
        let key = self.queue.front().map(|s| match s {
            Stream::Weights { stage, next } => (*stage, *next),
            Stream::Spikes { next, t0, .. } => (usize::MAX - *t0 as usize, *next),
        });
        let valid = key.is_some();
        if valid != self.poked_valid {
            sim.poke_port(self.valid, valid as u64)?;
            self.poked_valid = valid;
        }
        if valid && key != self.poked_word {
            let w = self
                .queue
                .front()
                .and_then(|s| s.word(prog))
                .expect("valid");
            sim.poke(self.data, w)?;
            self.poked_word = key;
        }
        Ok(valid)
    }

    fn fire(&mut self) {
        if let Some(s) = self.queue.front_mut() {
            s.advance();
            self.served += 1;
        }
    }

    fn pending(&self, prog: &Program) -> String {
        let v: Vec<String> = self
            .queue
            .iter()
            .map(|s| match s {
                Stream::Weights { stage, next } => format!(
                    "weights of stage {stage}: {next} of {} words sent",
                    prog.stages[*stage].weight_words.len()
                ),
                Stream::Spikes {
                    words,
                    next,
                    t0,
                    len,
                } => format!(
                    "input spikes t0 = {t0}, len = {len}: {next} of {} words sent",
                    words.len()
                ),
            })
            .collect();
        if v.is_empty() {
            "idle".into()
        } else {
            v.join("; ")
        }
    }
}

/// Reads register `addr` through the cfg bus (one clock cycle: `cfg_rdata` is registered).
pub fn read_reg(sim: &mut Simulator, addr: u32) -> Result<u32, CosimError> {
    sim.poke_u64("cfg_we", 0)?;
    sim.poke_u64("cfg_addr", addr as u64)?;
    sim.step();
    Ok(sim.peek_u64("cfg_rdata")? as u32)
}

/// Writes register `addr` (one clock cycle).
pub fn write_reg(sim: &mut Simulator, addr: u32, data: u32) -> Result<(), CosimError> {
    sim.poke_u64("cfg_we", 1)?;
    sim.poke_u64("cfg_addr", addr as u64)?;
    sim.poke_u64("cfg_wdata", data as u64)?;
    sim.step();
    sim.poke_u64("cfg_we", 0)?;
    Ok(())
}

/// Reads the 25 64-bit counters.
pub fn read_counters(sim: &mut Simulator) -> Result<Counters, CosimError> {
    let mut c = Counters::default();
    for i in 0..NUM_COUNTERS {
        let lo = read_reg(sim, regmap::counter_low(i))? as u64;
        let hi = read_reg(sim, regmap::counter_low(i) + 1)? as u64;
        c.values[i] = hi << 32 | lo;
    }
    Ok(c)
}

/// Sign-extends the low `bits` bits of `v`.
fn sext(v: u64, bits: u32) -> i64 {
    if bits >= 64 {
        return v as i64;
    }
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Runs one inference: reset, program, start (with the trace bit), serve the streams until
/// the final result beat, read the registers and counters. `spikes[t]` are the active inputs
/// of timestep t as flat CHW indices (`spikeforge_golden::encode::input_spikes`).
pub fn run(
    sim: &mut Simulator,
    prog: &Program,
    spikes: &[Vec<u32>],
    opts: &HostOptions,
) -> Result<RtlOutcome, CosimError> {
    if prog.hw.cols > 32 {
        return Err(CosimError::Config {
            field: "cols".into(),
            value: prog.hw.cols.to_string(),
            reason: "a spike-trace word has cols lanes and r_data is 32 bits wide (cols ≤ 32)"
                .into(),
        });
    }
    // Cycle numbers of the run are relative to this point (0 = the first reset cycle), so a
    // rerun on a fresh simulator repeats them.
    let begin = sim.cycle();
    if let Some((path, window)) = &opts.vcd {
        sim.trace_window(path, begin + window.start..begin + window.end)?;
    }
    for p in [
        "cfg_we",
        "req_ready",
        "w_valid",
        "s_valid",
        "r_ready",
        "cfg_addr",
        "cfg_wdata",
    ] {
        sim.poke_u64(p, 0)?;
    }
    sim.reset(opts.reset_cycles);
    for (addr, data) in prog.register_writes() {
        write_reg(sim, addr, data)?;
    }
    let hidden = prog.hidden();
    let n_stages = prog.stages.len();
    let windows = prog.windows();
    let logit_bits = prog.hw.logit_bits.min(32);
    let mut out = RtlOutcome {
        spikes: vec![Vec::new(); hidden],
        spike_cycles: vec![Vec::new(); hidden],
        ..Default::default()
    };
    // Per stage: weight requests seen (= windows started) and their acceptance cycles.
    let mut stage_starts: Vec<Vec<u64>> = vec![Vec::new(); n_stages];
    // Per hidden stage: windows whose trace is complete, and the words of the current one.
    let mut trace_done = vec![0usize; hidden];
    let mut trace_words: Vec<Vec<BigUint>> = vec![Vec::new(); hidden];
    let mut logit_buf: Vec<i64> = Vec::new();
    let mut w = Channel::new(sim, "w_valid", "w_data", "w_ready")?;
    let mut s = Channel::new(sim, "s_valid", "s_data", "s_ready")?;
    // The ports read every cycle, resolved once (no name lookup per cycle).
    let port = |name: &str| sim.port(name);
    let (req_valid, req_kind, req_stage, req_t0, req_len) = (
        port("req_valid")?,
        port("req_kind")?,
        port("req_stage")?,
        port("req_t0")?,
        port("req_len")?,
    );
    let (r_valid, r_kind, r_stage, r_data) = (
        port("r_valid")?,
        port("r_kind")?,
        port("r_stage")?,
        port("r_data")?,
    );
    let mut requests = 0u64;
    let mut beats = [0u64; 3];
    let mut last_request = String::from("none");

    out.start_cycle = sim.cycle() - begin;
    write_reg(sim, regmap::CTRL, regmap::CTRL_START | regmap::CTRL_TRACE)?;
    sim.poke_u64("req_ready", 1)?;
    sim.poke_u64("r_ready", 1)?;
    let protocol = |cycle: u64, message: String| CosimError::Protocol { cycle, message };
    loop {
        let cycle = sim.cycle() - begin;
        if cycle - out.start_cycle > opts.max_cycles {
            let status = read_reg(sim, regmap::STATUS).unwrap_or(u32::MAX);
            return Err(CosimError::Timeout {
                limit: opts.max_cycles,
                state: format!(
                    "cycle {cycle}, STATUS = {status:#x}, {requests} requests accepted (last: {last_request}), weight stream: {}, input-spike stream: {}, result beats received: {} spike words, {} logits, {} final",
                    w.pending(prog),
                    s.pending(prog),
                    beats[0],
                    beats[1],
                    beats[2]
                ),
            });
        }
        sim.check()?;
        let w_valid = w.drive(sim, prog)?;
        let s_valid = s.drive(sim, prog)?;
        let req = if sim.peek_port(req_valid) == 1 {
            Some((
                sim.peek_port(req_kind),
                sim.peek_port(req_stage) as usize,
                sim.peek_port(req_t0) as u32,
                sim.peek_port(req_len) as u32,
            ))
        } else {
            None
        };
        let w_fire = w_valid && sim.peek_port(w.ready) == 1;
        let s_fire = s_valid && sim.peek_port(s.ready) == 1;
        let r = if sim.peek_port(r_valid) == 1 {
            Some((
                sim.peek_port(r_kind),
                sim.peek_port(r_stage) as usize,
                sim.peek_port(r_data),
            ))
        } else {
            None
        };
        sim.step();
        if w_fire {
            w.fire();
        }
        if s_fire {
            s.fire();
        }
        if let Some((kind, stage, t0, len)) = req {
            requests += 1;
            match kind {
                0 => {
                    last_request = format!("weights of stage {stage}");
                    if stage >= n_stages {
                        return Err(protocol(
                            cycle,
                            format!("weight request for stage {stage}, but the network has {n_stages} stages"),
                        ));
                    }
                    stage_starts[stage].push(cycle);
                    w.queue.push_back(Stream::Weights { stage, next: 0 });
                }
                1 => {
                    last_request = format!("input spikes t0 = {t0}, len = {len}");
                    if len == 0 || t0 as u64 + len as u64 > prog.timesteps as u64 {
                        return Err(protocol(
                            cycle,
                            format!(
                                "input-spike request for t0 = {t0}, len = {len}, outside T = {}",
                                prog.timesteps
                            ),
                        ));
                    }
                    let words = prog.input_words(spikes, t0, len);
                    s.queue.push_back(Stream::Spikes {
                        words,
                        next: 0,
                        t0,
                        len,
                    });
                }
                k => {
                    return Err(protocol(cycle, format!("request of unknown kind {k}")));
                }
            }
        }
        let Some((kind, stage, data)) = r else {
            continue;
        };
        match kind {
            0 => {
                beats[0] += 1;
                if stage >= hidden {
                    return Err(protocol(
                        cycle,
                        format!("spike-trace beat for stage {stage}, which is not a hidden stage (there are {hidden})"),
                    ));
                }
                let win = trace_done[stage];
                let Some(&(_, tw)) = windows.get(win) else {
                    return Err(protocol(
                        cycle,
                        format!(
                            "spike-trace beat for stage {stage} after all {} windows",
                            windows.len()
                        ),
                    ));
                };
                trace_words[stage].push(BigUint::from(data));
                let need = prog.stages[stage].output_words_per_t() * tw as u64;
                if trace_words[stage].len() as u64 == need {
                    let words = std::mem::take(&mut trace_words[stage]);
                    let dec = prog.decode_spike_words(stage, &words, tw);
                    let start = stage_starts[stage].get(win).copied().unwrap_or(cycle);
                    for v in dec {
                        out.spikes[stage].push(v);
                        out.spike_cycles[stage].push((start, cycle));
                    }
                    trace_done[stage] += 1;
                }
            }
            1 => {
                beats[1] += 1;
                logit_buf.push(sext(data, logit_bits));
                if logit_buf.len() == prog.classes as usize {
                    let t = out.logits.len();
                    let win = windows
                        .iter()
                        .position(|&(t0, tw)| (t0..t0 + tw).contains(&(t as u32)))
                        .unwrap_or(0);
                    let start = stage_starts[hidden].get(win).copied().unwrap_or(cycle);
                    out.logits.push(std::mem::take(&mut logit_buf));
                    out.logit_cycles.push((start, cycle));
                }
            }
            2 => {
                out.exit_t = (data & 0xFFFF) as u32;
                out.prediction = ((data >> 16) & 0xFFFF) as u32;
                out.final_cycle = cycle;
                break;
            }
            k => return Err(protocol(cycle, format!("result beat of unknown kind {k}"))),
        }
    }
    out.cycles = out.final_cycle - out.start_cycle + 1;
    sim.poke_u64("w_valid", 0)?;
    sim.poke_u64("s_valid", 0)?;
    // Let the design leave `busy` (bounded), then read the results.
    for _ in 0..1000 {
        if read_reg(sim, regmap::STATUS)? & 1 == 0 {
            break;
        }
        sim.step();
    }
    out.status = read_reg(sim, regmap::STATUS)?;
    out.reg_exit_t = read_reg(sim, regmap::EXIT_T)?;
    out.reg_prediction = read_reg(sim, regmap::PREDICTION)?;
    out.counters = read_counters(sim)?;
    out.words_streamed = w.served + s.served;
    Ok(out)
}
