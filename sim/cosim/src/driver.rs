//! The driver: one inference on the accelerator through any [`Transport`] — the top's ports in
//! Verilator ([`crate::host::PortTransport`]), the board core in Verilator with its UART bits
//! ([`crate::board::SimBoard`]) or a real board on a serial port
//! ([`crate::serial::SerialLink`]). The driver programs the registers, starts the run with the
//! trace on, answers every request with the program's weight words or the input-spike words of
//! the requested window, gathers the result beats (trace, logits, the final beat) and reads
//! STATUS, EXIT_T, PREDICTION and the 25 counters. Only how a register is written or read, how a
//! stream word reaches the accelerator and how a request or result beat comes back differ
//! between transports.

use crate::error::CosimError;
use crate::host::{Counters, RtlOutcome};
use crate::program::Program;
use crate::regmap::{self, NUM_COUNTERS};
use num_bigint::BigUint;

/// Words the host sends in answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// The weight words of stage `stage` of the program (`Program::stages[stage].weight_words`),
    /// for the `w` stream.
    Weights {
        /// Stage index.
        stage: usize,
    },
    /// The input-spike words of the window `t0 .. t0 + len` (timesteps, 0-based), for the `s`
    /// stream.
    Spikes {
        /// The words, in the order the accelerator takes them.
        words: Vec<BigUint>,
        /// First timestep of the window.
        t0: u32,
        /// Timesteps in the window.
        len: u32,
    },
}

/// Something the accelerator (or the board in front of it) reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A request beat (`req_*`): kind 0 = the weights of `stage`, kind 1 = the input spikes of
    /// `t0 .. t0 + len`.
    Request {
        /// `req_kind`.
        kind: u64,
        /// `req_stage`.
        stage: usize,
        /// `req_t0` (timesteps).
        t0: u32,
        /// `req_len` (timesteps).
        len: u32,
    },
    /// A result beat (`r_*`): kind 0 = a spike-trace word, 1 = a logit, 2 = the final beat.
    Result {
        /// `r_kind`.
        kind: u64,
        /// `r_stage`.
        stage: usize,
        /// `r_data` (32 bits used).
        data: u64,
    },
    /// The host bridge's error message `'e'` (docs/host-link.md): code 1 = unknown opcode
    /// `byte`, code 2 = a stream word arrived before the previous one was taken.
    BoardError {
        /// Error code.
        code: u8,
        /// The byte it concerns.
        byte: u8,
    },
}

/// An event and, when the transport counts clock cycles, the cycle it happened in (counted
/// from the beginning of the run, 0 = the first reset cycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timed {
    /// The event.
    pub event: Event,
    /// Its cycle; `None` for a transport that sees no clock (a board behind a UART).
    pub cycle: Option<u64>,
}

/// What the driver has received so far, for a transport's timeout message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    /// Request beats accepted.
    pub requests: u64,
    /// The last request, in words (`weights of stage 1`, `input spikes t0 = 2, len = 2`).
    pub last_request: String,
    /// Result beats received by kind: spike-trace words, logits, final beats.
    pub beats: [u64; 3],
}

impl HostState {
    /// `N requests accepted (last: …)`.
    pub fn requests_text(&self) -> String {
        format!(
            "{} requests accepted (last: {})",
            self.requests,
            if self.last_request.is_empty() {
                "none"
            } else {
                &self.last_request
            }
        )
    }

    /// `result beats received: A spike words, B logits, C final`.
    pub fn beats_text(&self) -> String {
        format!(
            "result beats received: {} spike words, {} logits, {} final",
            self.beats[0], self.beats[1], self.beats[2]
        )
    }
}

/// Where a run is, for progress displays (`spikeforge run` shows it while a board takes its
/// stream, which over a 115,200-baud UART can take minutes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// What the host is doing, in words (`programming the registers`, `weights of stage 1`,
    /// `input spikes`, `reading the results`).
    pub doing: String,
    /// The window of timesteps being run, 1-based and inclusive (`(3, 4)`: timesteps 3 and 4),
    /// once the accelerator has asked for its first words.
    pub timesteps: Option<(u32, u32)>,
    /// Stream words sent so far (weights and input spikes).
    pub words: u64,
    /// The stream words of a run that goes to the last timestep (an early exit sends fewer).
    pub words_planned: u64,
    /// Bytes sent toward the board so far, for a transport that sends bytes (a UART).
    pub bytes: Option<u64>,
}

impl Progress {
    /// `weights of stage 1, timesteps 1–2`.
    pub fn describe(&self) -> String {
        match self.timesteps {
            Some((a, b)) if a == b => format!("{}, timestep {a}", self.doing),
            Some((a, b)) => format!("{}, timesteps {a}–{b}", self.doing),
            None => self.doing.clone(),
        }
    }
}

/// The stream words of `prog` when the run goes to its last timestep: every stage's weights in
/// every window, and the input spikes of every timestep.
pub fn planned_words(prog: &Program) -> u64 {
    let windows = prog.windows().len() as u64;
    let weights: u64 = prog
        .stages
        .iter()
        .map(|s| s.weight_words.len() as u64)
        .sum();
    let first = &prog.stages[0];
    let spikes = u64::from(first.cg_count)
        * u64::from(first.h)
        * u64::from(first.w)
        * u64::from(prog.timesteps);
    windows * weights + spikes
}

/// How the driver reaches the accelerator. Every method that waits has a limit (cycles of a
/// simulation or seconds of a serial port): an accelerator or board that stops answering is an
/// error naming what was waited for, never a hang.
pub trait Transport {
    /// Prepares a run: for a simulated top, reset; for a board, check that it answers and is
    /// idle.
    fn begin(&mut self) -> Result<(), CosimError>;
    /// Writes register `addr` (docs/accelerator.md §8).
    fn write_reg(&mut self, addr: u32, data: u32) -> Result<(), CosimError>;
    /// Reads register `addr`.
    fn read_reg(&mut self, addr: u32) -> Result<u32, CosimError>;
    /// Writes CTRL = `ctrl` (start, trace) and from then on takes request and result beats;
    /// returns the cycle of the start pulse when the transport counts cycles.
    fn start(&mut self, ctrl: u32) -> Result<Option<u64>, CosimError>;
    /// Sends the words answering one request (they reach the accelerator in order, each when
    /// it takes it).
    fn offer(&mut self, prog: &Program, offer: Offer) -> Result<(), CosimError>;
    /// [`Transport::offer`], telling `sent` the stream words ([`Transport::words_streamed`])
    /// and bytes ([`Transport::bytes_sent`]) sent so far while a long offer goes out. By
    /// default the words go at once and `sent` hears once, after them.
    fn offer_with_progress(
        &mut self,
        prog: &Program,
        offer: Offer,
        sent: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(), CosimError> {
        self.offer(prog, offer)?;
        sent(self.words_streamed(), self.bytes_sent());
        Ok(())
    }
    /// The next request, result or board error, waiting within the transport's limit
    /// (`host` describes the run so far for the timeout message).
    fn next_event(&mut self, prog: &Program, host: &HostState) -> Result<Timed, CosimError>;
    /// After the final beat: stop offering stream words.
    fn end_streams(&mut self) -> Result<(), CosimError>;
    /// Lets a little time pass between two polls of STATUS (one clock cycle in a simulation).
    fn pause(&mut self);
    /// Stream words the accelerator has taken (port level) or the host has sent (links).
    fn words_streamed(&self) -> u64;
    /// Bytes the host has sent toward the board (every message, stream words included), for a
    /// transport that sends bytes; `None` for one that drives ports.
    fn bytes_sent(&self) -> Option<u64> {
        None
    }
}

/// Sign-extends the low `bits` bits of `v`.
fn sext(v: u64, bits: u32) -> i64 {
    if bits >= 64 {
        return v as i64;
    }
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// A protocol error, at a cycle when the transport counts them.
fn protocol(cycle: Option<u64>, message: String) -> CosimError {
    match cycle {
        Some(cycle) => CosimError::Protocol { cycle, message },
        None => CosimError::Board {
            message: format!("protocol error: {message}"),
        },
    }
}

/// Reads the 25 64-bit counters through `t` (low word, then high word, by index).
pub fn read_counters<T: Transport + ?Sized>(t: &mut T) -> Result<Counters, CosimError> {
    let mut c = Counters::default();
    for i in 0..NUM_COUNTERS {
        let lo = t.read_reg(regmap::counter_low(i))? as u64;
        let hi = t.read_reg(regmap::counter_low(i) + 1)? as u64;
        c.values[i] = hi << 32 | lo;
    }
    Ok(c)
}

/// Runs one inference through `t`: begin, program every register, start with the trace bit,
/// answer the requests until the final result beat, then read STATUS (waiting up to 1000
/// polls for busy to clear), EXIT_T, PREDICTION and the counters (when the hardware has them;
/// otherwise they stay 0 in the outcome). `spikes[t]` are the active
/// inputs of timestep t as flat CHW indices (`spikeforge_golden::encode::input_spikes`).
/// Cycle fields of the outcome are filled only by a transport that counts cycles.
pub fn drive<T: Transport + ?Sized>(
    t: &mut T,
    prog: &Program,
    spikes: &[Vec<u32>],
) -> Result<RtlOutcome, CosimError> {
    drive_with_progress(t, prog, spikes, &mut |_| {})
}

/// [`drive`], telling `progress` where the run is: when the registers are programmed, at each
/// request the accelerator makes (what it asked for, in which window of timesteps), while the
/// words answering it go out (the words and bytes sent so far) and when the results are read.
pub fn drive_with_progress<T: Transport + ?Sized>(
    t: &mut T,
    prog: &Program,
    spikes: &[Vec<u32>],
    progress: &mut dyn FnMut(&Progress),
) -> Result<RtlOutcome, CosimError> {
    if prog.hw.cols > 32 {
        return Err(CosimError::Config {
            field: "cols".into(),
            value: prog.hw.cols.to_string(),
            reason: "a spike-trace word has cols lanes and r_data is 32 bits wide (cols ≤ 32)"
                .into(),
        });
    }
    let windows = prog.windows();
    let mut now = Progress {
        doing: "programming the registers".into(),
        words_planned: planned_words(prog),
        ..Default::default()
    };
    t.begin()?;
    now.bytes = t.bytes_sent();
    progress(&now);
    for (addr, data) in prog.register_writes() {
        t.write_reg(addr, data)?;
    }
    let hidden = prog.hidden();
    let n_stages = prog.stages.len();
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
    let mut host = HostState::default();

    let start = t.start(regmap::CTRL_START | regmap::CTRL_TRACE)?;
    out.start_cycle = start.unwrap_or(0);
    let final_cycle = loop {
        let Timed { event, cycle } = t.next_event(prog, &host)?;
        let at = cycle.unwrap_or(0);
        match event {
            Event::Request {
                kind,
                stage,
                t0,
                len,
            } => {
                host.requests += 1;
                match kind {
                    0 => {
                        host.last_request = format!("weights of stage {stage}");
                        if stage >= n_stages {
                            return Err(protocol(
                                cycle,
                                format!("weight request for stage {stage}, but the network has {n_stages} stages"),
                            ));
                        }
                        stage_starts[stage].push(at);
                        now.doing = format!("weights of stage {stage}");
                        if let Some(&(w0, tw)) = windows.get(stage_starts[stage].len() - 1) {
                            now.timesteps = Some((w0 + 1, w0 + tw));
                        }
                        now.bytes = t.bytes_sent();
                        progress(&now);
                        t.offer_with_progress(prog, Offer::Weights { stage }, &mut |w, b| {
                            now.words = w;
                            now.bytes = b;
                            progress(&now);
                        })?;
                    }
                    1 => {
                        host.last_request = format!("input spikes t0 = {t0}, len = {len}");
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
                        now.doing = "input spikes".into();
                        now.timesteps = Some((t0 + 1, t0 + len));
                        now.bytes = t.bytes_sent();
                        progress(&now);
                        t.offer_with_progress(
                            prog,
                            Offer::Spikes { words, t0, len },
                            &mut |w, b| {
                                now.words = w;
                                now.bytes = b;
                                progress(&now);
                            },
                        )?;
                    }
                    k => {
                        return Err(protocol(cycle, format!("request of unknown kind {k}")));
                    }
                }
            }
            Event::Result { kind, stage, data } => match kind {
                0 => {
                    host.beats[0] += 1;
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
                        let begun = stage_starts[stage].get(win).copied().unwrap_or(at);
                        for v in dec {
                            out.spikes[stage].push(v);
                            out.spike_cycles[stage].push((begun, at));
                        }
                        trace_done[stage] += 1;
                    }
                }
                1 => {
                    host.beats[1] += 1;
                    logit_buf.push(sext(data, logit_bits));
                    if logit_buf.len() == prog.classes as usize {
                        let ti = out.logits.len();
                        let win = windows
                            .iter()
                            .position(|&(t0, tw)| (t0..t0 + tw).contains(&(ti as u32)))
                            .unwrap_or(0);
                        let begun = stage_starts[hidden].get(win).copied().unwrap_or(at);
                        out.logits.push(std::mem::take(&mut logit_buf));
                        out.logit_cycles.push((begun, at));
                    }
                }
                2 => {
                    out.exit_t = (data & 0xFFFF) as u32;
                    out.prediction = ((data >> 16) & 0xFFFF) as u32;
                    break cycle;
                }
                k => return Err(protocol(cycle, format!("result beat of unknown kind {k}"))),
            },
            Event::BoardError { code, byte } => {
                return Err(CosimError::Board {
                    message: board_error_text(code, byte, &host),
                });
            }
        }
    };
    if let (Some(s), Some(f)) = (start, final_cycle) {
        out.final_cycle = f;
        out.cycles = f - s + 1;
    }
    t.end_streams()?;
    now.doing = "reading the results".into();
    now.timesteps = None;
    now.words = t.words_streamed();
    now.bytes = t.bytes_sent();
    progress(&now);
    // Let the design leave `busy` (bounded), then read the results.
    for _ in 0..1000 {
        if t.read_reg(regmap::STATUS)? & 1 == 0 {
            break;
        }
        t.pause();
    }
    out.status = t.read_reg(regmap::STATUS)?;
    out.reg_exit_t = t.read_reg(regmap::EXIT_T)?;
    out.reg_prediction = t.read_reg(regmap::PREDICTION)?;
    if prog.hw.counters {
        out.counters = read_counters(t)?;
    }
    out.words_streamed = t.words_streamed();
    Ok(out)
}

/// The sentence for the board's error message `'e'` `code` `byte`.
fn board_error_text(code: u8, byte: u8, host: &HostState) -> String {
    use spikeforge_generators::board::host_bridge::op;
    let what = match code {
        op::UNKNOWN_OPCODE => format!("unknown opcode {byte:#04x} (the board dropped it)"),
        op::OVERRUN => format!(
            "a '{}' word arrived while the previous one was still waiting (the board dropped it)",
            char::from(byte)
        ),
        c => format!("unknown error code {c} (byte {byte:#04x})"),
    };
    format!(
        "the board reported an error: {what}; {}, {}",
        host.requests_text(),
        host.beats_text()
    )
}
