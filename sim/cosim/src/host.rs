//! The host and the external memory (docs/accelerator.md §8) at the accelerator top's ports:
//! [`PortTransport`] writes and reads registers through the cfg bus, offers stream words on
//! `w_*` / `s_*` and clocks the design, taking request and result beats; [`run`] is the driver
//! ([`crate::driver::drive`]: program, start, serve requests, gather beats, read STATUS,
//! EXIT_T, PREDICTION and the 25 counters) over it.

use crate::driver::{
    drive, drive_with_progress, Event, HostState, Offer, Progress, Timed, Transport,
};
use crate::error::CosimError;
use crate::program::Program;
use crate::regmap::{self, COUNTER_NAMES, NUM_COUNTERS};
use num_bigint::BigUint;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use spikeforge_rtlsim::{Feed, Port, SimStatus, Simulator, StreamChannel};
use std::collections::VecDeque;
use std::ops::Range;
use std::path::PathBuf;
use std::rc::Rc;

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

/// What the RTL produced in one inference. The cycle fields (`cycles`, `start_cycle`,
/// `final_cycle`, `spike_cycles`, `logit_cycles`) are filled by a transport that counts clock
/// cycles (the port level); through a board's UART they are 0.
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
    /// Weight words and input-spike words streamed (taken by the accelerator at the port
    /// level; sent, through a board's UART).
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

/// A stream the host is sending: the request it answers, its words packed for the channel
/// ([`StreamChannel::pack`]) and the next word to send.
#[derive(Debug)]
struct Stream {
    what: Sent,
    beats: Rc<Vec<u32>>,
    count: usize,
    next: u64,
}

/// What a [`Stream`] answers.
#[derive(Debug)]
enum Sent {
    Weights { stage: usize },
    Spikes { t0: u32, len: u32 },
}

/// One output channel (`w_*` or `s_*`) of the host: a FIFO of accepted requests being served.
struct Channel {
    port: StreamChannel,
    queue: VecDeque<Stream>,
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
            port: StreamChannel::new(sim, valid, data, ready)?,
            queue: VecDeque::new(),
            served: 0,
        })
    }

    /// Drops the streams sent in full.
    fn drop_finished(&mut self) {
        while self
            .queue
            .front()
            .is_some_and(|s| s.next as usize >= s.count)
        {
            self.queue.pop_front();
        }
    }

    /// The channel's work for [`Simulator::stream`]: the front stream's beats, or none (idle).
    fn feed(&mut self) -> Feed<'_> {
        match self.queue.front() {
            Some(s) => Feed {
                channel: &mut self.port,
                beats: s.beats.as_slice(),
                next: s.next,
            },
            None => Feed {
                channel: &mut self.port,
                beats: &[],
                next: 0,
            },
        }
    }

    /// Takes the front stream's progress after a [`Simulator::stream`] call.
    fn advance_to(&mut self, next: u64) {
        if let Some(s) = self.queue.front_mut() {
            self.served += next - s.next;
            s.next = next;
        }
    }

    fn pending(&self, prog: &Program) -> String {
        let v: Vec<String> = self
            .queue
            .iter()
            .map(|s| match s.what {
                Sent::Weights { stage } => format!(
                    "weights of stage {stage}: {} of {} words sent",
                    s.next,
                    prog.stages[stage].weight_words.len()
                ),
                Sent::Spikes { t0, len } => format!(
                    "input spikes t0 = {t0}, len = {len}: {} of {} words sent",
                    s.next, s.count
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

/// The top's ports of one run, resolved once (no name lookup per cycle).
#[derive(Clone, Copy)]
struct RunPorts {
    req_valid: Port,
    req_kind: Port,
    req_stage: Port,
    req_t0: Port,
    req_len: Port,
    r_valid: Port,
    r_kind: Port,
    r_stage: Port,
    r_data: Port,
}

/// The port-level transport: the accelerator top in Verilator, driven at its ports — one
/// cfg-bus access per clock cycle, stream words on `w_*` / `s_*` with valid/ready (one word per
/// cycle when the accelerator is ready), `req_ready` and `r_ready` held high. Counts cycles
/// from the beginning of [`Transport::begin`] (0 = the first reset cycle); its limit is
/// [`HostOptions::max_cycles`] after the start pulse.
pub struct PortTransport<'s> {
    sim: &'s mut Simulator,
    opts: HostOptions,
    begin: u64,
    start: u64,
    w: Channel,
    s: Channel,
    ports: RunPorts,
    events: VecDeque<Timed>,
    /// Each stage's weight words packed for the `w_*` channel, once per run.
    packed_weights: Vec<Option<Rc<Vec<u32>>>>,
}

impl<'s> PortTransport<'s> {
    /// A transport over `sim`, a simulator of the accelerator top (the ports of
    /// docs/accelerator.md §8), with `opts` (cycle limit, reset cycles, VCD window).
    pub fn new(sim: &'s mut Simulator, opts: &HostOptions) -> Result<Self, CosimError> {
        let port = |name: &str| sim.port(name);
        let ports = RunPorts {
            req_valid: port("req_valid")?,
            req_kind: port("req_kind")?,
            req_stage: port("req_stage")?,
            req_t0: port("req_t0")?,
            req_len: port("req_len")?,
            r_valid: port("r_valid")?,
            r_kind: port("r_kind")?,
            r_stage: port("r_stage")?,
            r_data: port("r_data")?,
        };
        let w = Channel::new(sim, "w_valid", "w_data", "w_ready")?;
        let s = Channel::new(sim, "s_valid", "s_data", "s_ready")?;
        Ok(PortTransport {
            sim,
            opts: opts.clone(),
            begin: 0,
            start: 0,
            w,
            s,
            ports,
            events: VecDeque::new(),
            packed_weights: Vec::new(),
        })
    }
}

impl Transport for PortTransport<'_> {
    fn begin(&mut self) -> Result<(), CosimError> {
        // Cycle numbers of the run are relative to this point (0 = the first reset cycle), so
        // a rerun on a fresh simulator repeats them.
        self.begin = self.sim.cycle();
        if let Some((path, window)) = &self.opts.vcd {
            self.sim
                .trace_window(path, self.begin + window.start..self.begin + window.end)?;
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
            self.sim.poke_u64(p, 0)?;
        }
        self.sim.reset(self.opts.reset_cycles);
        for c in [&mut self.w, &mut self.s] {
            c.queue.clear();
            c.port.forget();
            c.served = 0;
        }
        self.events.clear();
        self.packed_weights.clear();
        Ok(())
    }

    fn write_reg(&mut self, addr: u32, data: u32) -> Result<(), CosimError> {
        write_reg(self.sim, addr, data)
    }

    fn read_reg(&mut self, addr: u32) -> Result<u32, CosimError> {
        read_reg(self.sim, addr)
    }

    fn start(&mut self, ctrl: u32) -> Result<Option<u64>, CosimError> {
        self.start = self.sim.cycle() - self.begin;
        write_reg(self.sim, regmap::CTRL, ctrl)?;
        self.sim.poke_u64("req_ready", 1)?;
        self.sim.poke_u64("r_ready", 1)?;
        Ok(Some(self.start))
    }

    fn offer(&mut self, prog: &Program, offer: Offer) -> Result<(), CosimError> {
        match offer {
            Offer::Weights { stage } => {
                if self.packed_weights.len() <= stage {
                    self.packed_weights.resize(stage + 1, None);
                }
                let beats = match &self.packed_weights[stage] {
                    Some(b) => b.clone(),
                    None => {
                        let b = Rc::new(pack(&self.w.port, &prog.stages[stage].weight_words)?);
                        self.packed_weights[stage] = Some(b.clone());
                        b
                    }
                };
                self.w.queue.push_back(Stream {
                    what: Sent::Weights { stage },
                    count: prog.stages[stage].weight_words.len(),
                    beats,
                    next: 0,
                });
            }
            Offer::Spikes { words, t0, len } => {
                let beats = Rc::new(pack(&self.s.port, &words)?);
                self.s.queue.push_back(Stream {
                    what: Sent::Spikes { t0, len },
                    count: words.len(),
                    beats,
                    next: 0,
                });
            }
        }
        Ok(())
    }

    fn next_event(&mut self, prog: &Program, host: &HostState) -> Result<Timed, CosimError> {
        if let Some(e) = self.events.pop_front() {
            return Ok(e);
        }
        let (begin, start, limit) = (self.begin, self.start, self.opts.max_cycles);
        let p = self.ports;
        let (sim, w, s) = (&mut *self.sim, &mut self.w, &mut self.s);
        let watch = [p.req_valid, p.r_valid];
        loop {
            let cycle = sim.cycle() - begin;
            if cycle - start > limit {
                let status = read_reg(sim, regmap::STATUS).unwrap_or(u32::MAX);
                return Err(CosimError::Timeout {
                    limit,
                    state: format!(
                        "cycle {cycle}, STATUS = {status:#x}, {}, weight stream: {}, input-spike stream: {}, {}",
                        host.requests_text(),
                        w.pending(prog),
                        s.pending(prog),
                        host.beats_text()
                    ),
                });
            }
            sim.check()?;
            w.drop_finished();
            s.drop_finished();
            // Every cycle without a request or a result beat runs inside the shim, streams
            // included; it stops before the edge of a cycle that has one.
            let budget = start + limit + 1 - cycle;
            if stream(sim, w, s, &watch, budget) > 0 {
                continue;
            }
            if sim.status() != SimStatus::Running {
                continue;
            }
            // The inputs of this cycle are driven and settled: sample the request and the
            // result beat, then run the cycle itself (the channels take their words as above).
            let req = if sim.peek_port(p.req_valid) == 1 {
                Some((
                    sim.peek_port(p.req_kind),
                    sim.peek_port(p.req_stage) as usize,
                    sim.peek_port(p.req_t0) as u32,
                    sim.peek_port(p.req_len) as u32,
                ))
            } else {
                None
            };
            let r = if sim.peek_port(p.r_valid) == 1 {
                Some((
                    sim.peek_port(p.r_kind),
                    sim.peek_port(p.r_stage) as usize,
                    sim.peek_port(p.r_data),
                ))
            } else {
                None
            };
            stream(sim, w, s, &[], 1);
            // A request and a result beat of the same cycle: the request first.
            let cycle = Some(cycle);
            let result = r.map(|(kind, stage, data)| Timed {
                event: Event::Result { kind, stage, data },
                cycle,
            });
            return Ok(match (req, result) {
                (Some((kind, stage, t0, len)), result) => {
                    self.events.extend(result);
                    Timed {
                        event: Event::Request {
                            kind,
                            stage,
                            t0,
                            len,
                        },
                        cycle,
                    }
                }
                (None, Some(result)) => result,
                (None, None) => unreachable!("the shim stopped at a watched port"),
            });
        }
    }

    fn end_streams(&mut self) -> Result<(), CosimError> {
        self.sim.poke_u64("w_valid", 0)?;
        self.sim.poke_u64("s_valid", 0)?;
        self.w.port.forget();
        self.s.port.forget();
        Ok(())
    }

    fn pause(&mut self) {
        self.sim.step();
    }

    fn words_streamed(&self) -> u64 {
        self.w.served + self.s.served
    }
}

/// Packs stream words for `port` (one beat each).
fn pack(port: &StreamChannel, words: &[BigUint]) -> Result<Vec<u32>, CosimError> {
    let mut out = Vec::with_capacity(words.len() * port.words_per_beat());
    for w in words {
        port.pack(w, &mut out)?;
    }
    Ok(out)
}

/// One [`Simulator::stream`] call over both host channels; returns the cycles stepped.
fn stream(sim: &mut Simulator, w: &mut Channel, s: &mut Channel, watch: &[Port], max: u64) -> u64 {
    let mut feeds = [w.feed(), s.feed()];
    let ran = sim.stream(&mut feeds, watch, max);
    let (wn, sn) = (feeds[0].next, feeds[1].next);
    w.advance_to(wn);
    s.advance_to(sn);
    ran
}

/// Runs one inference on the accelerator top in `sim` through its ports: [`drive`] over a
/// [`PortTransport`] with `opts`. `spikes[t]` are the active inputs of timestep t as flat CHW
/// indices (`spikeforge_golden::encode::input_spikes`).
pub fn run(
    sim: &mut Simulator,
    prog: &Program,
    spikes: &[Vec<u32>],
    opts: &HostOptions,
) -> Result<RtlOutcome, CosimError> {
    let mut t = PortTransport::new(sim, opts)?;
    drive(&mut t, prog, spikes)
}

/// [`run`], telling `progress` where the run is ([`drive_with_progress`]).
pub fn run_with_progress(
    sim: &mut Simulator,
    prog: &Program,
    spikes: &[Vec<u32>],
    opts: &HostOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RtlOutcome, CosimError> {
    let mut t = PortTransport::new(sim, opts)?;
    drive_with_progress(&mut t, prog, spikes, progress)
}
