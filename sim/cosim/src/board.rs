//! The simulated board: the board core (`spikeforge_generators::board::core::board_core`, the
//! accelerator behind its UART host bridge) in Verilator, with the host's bytes sent as UART
//! bits (8N1) on `rx` and the board's bytes decoded from `tx` here, cycle by cycle — the same
//! byte protocol a real board speaks on its serial port ([`crate::serial`]).

use crate::error::CosimError;
use crate::link::{ByteLink, LinkTransport};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_rtlsim::{build, BuildOptions, DesignSources, Port, Simulator};
use std::collections::VecDeque;

/// A UART transmitter (8N1) in software: turns bytes into line levels, one per clock cycle.
#[derive(Debug, Clone)]
pub struct UartEncoder {
    clocks_per_bit: u32,
    queue: VecDeque<u8>,
    /// The frame being sent (start bit first, 10 bits), and cycles into it.
    frame: Option<(u16, u32)>,
}

impl UartEncoder {
    /// An idle transmitter at `clocks_per_bit` clock cycles per bit (≥ 1).
    pub fn new(clocks_per_bit: u32) -> Self {
        UartEncoder {
            clocks_per_bit: clocks_per_bit.max(1),
            queue: VecDeque::new(),
            frame: None,
        }
    }

    /// Queues bytes to send.
    pub fn push(&mut self, bytes: &[u8]) {
        self.queue.extend(bytes);
    }

    /// Whether every queued byte has gone out completely (the line is idle).
    pub fn idle(&self) -> bool {
        self.frame.is_none() && self.queue.is_empty()
    }

    /// The line level for the next clock cycle (`true` = high = idle or a 1 bit).
    pub fn next_level(&mut self) -> bool {
        if self.frame.is_none() {
            if let Some(b) = self.queue.pop_front() {
                // Start bit 0, data LSB first, stop bit 1.
                self.frame = Some(((u16::from(b) << 1) | 1 << 9, 0));
            }
        }
        let Some((bits, t)) = self.frame.as_mut() else {
            return true;
        };
        let level = *bits >> (*t / self.clocks_per_bit) & 1 == 1;
        *t += 1;
        if *t == 10 * self.clocks_per_bit {
            self.frame = None;
        }
        level
    }
}

/// A UART receiver (8N1) in software: decodes line levels, one per clock cycle, sampling each
/// bit in its middle.
#[derive(Debug, Clone)]
pub struct UartDecoder {
    clocks_per_bit: u32,
    prev: bool,
    /// Cycles since the start bit's first low sample, and the byte so far.
    frame: Option<(u32, u8)>,
}

impl UartDecoder {
    /// A receiver at `clocks_per_bit` clock cycles per bit (≥ 2).
    pub fn new(clocks_per_bit: u32) -> Self {
        UartDecoder {
            clocks_per_bit: clocks_per_bit.max(2),
            prev: true,
            frame: None,
        }
    }

    /// Takes the line level of one cycle; returns a byte when its stop bit has been sampled.
    /// A frame whose start bit does not hold is ignored (a glitch); one whose stop bit is low
    /// is an error.
    pub fn sample(&mut self, level: bool) -> Result<Option<u8>, String> {
        let cpb = self.clocks_per_bit;
        let prev = std::mem::replace(&mut self.prev, level);
        let Some((t, byte)) = self.frame.as_mut() else {
            if prev && !level {
                self.frame = Some((0, 0));
            }
            return Ok(None);
        };
        *t += 1;
        let (bit, phase) = (*t / cpb, *t % cpb);
        if phase != cpb / 2 {
            return Ok(None);
        }
        match bit {
            0 if level => {
                self.frame = None;
                Ok(None)
            }
            0 => Ok(None),
            1..=8 => {
                *byte |= u8::from(level) << (bit - 1);
                Ok(None)
            }
            _ => {
                let b = *byte;
                self.frame = None;
                if level {
                    Ok(Some(b))
                } else {
                    Err(format!("a UART frame with a low stop bit (data {b:#04x})"))
                }
            }
        }
    }
}

/// The board core in Verilator, its UART driven and decoded cycle by cycle: a [`ByteLink`].
/// [`ByteLink::recv`] waits at most `limit_cycles` board clock cycles after the host's last
/// bit has gone out.
pub struct SimBoard {
    sim: Simulator,
    rx: Port,
    tx: Port,
    clocks_per_bit: u32,
    limit_cycles: u64,
    encoder: UartEncoder,
    decoder: UartDecoder,
    level: bool,
    received: VecDeque<u8>,
    cycles: u64,
}

impl SimBoard {
    /// Generates `<name>_board_core` for `hw` at `clocks_per_bit` (≥ 4) and builds it (cached
    /// by content, with the design's assertions on, as co-simulation does).
    pub fn build(
        hw: &AccelParams,
        clocks_per_bit: u32,
        opts: &BuildOptions,
    ) -> Result<Simulator, CosimError> {
        if clocks_per_bit < 4 {
            return Err(CosimError::Unsupported {
                field: "clocks_per_bit".into(),
                value: clocks_per_bit.to_string(),
                reason: "but the host bridge's UART samples each bit in its middle and needs at least 4 clock cycles per bit".into(),
            });
        }
        spikeforge_generators::board::core::check_board(hw).map_err(|reason| {
            CosimError::Unsupported {
                field: "cols".into(),
                value: hw.cols.to_string(),
                reason: format!("but {reason}"),
            }
        })?;
        let module = spikeforge_generators::board::core::board_core(hw, clocks_per_bit);
        let design =
            spikeforge_dsl::elaborate(&module).map_err(|e| CosimError::Elaborate(e.to_string()))?;
        let v = spikeforge_dsl::emit_verilog(&design);
        let sources = DesignSources::from_texts(&v.top, v.module_files());
        Ok(build(
            &sources,
            &BuildOptions {
                assertions: true,
                ..opts.clone()
            },
        )?)
    }

    /// A board on `sim` (a simulator of the board core built for `clocks_per_bit`), reset for
    /// 4 cycles with its `rx` line idle; `recv` gives up after `limit_cycles` silent cycles.
    pub fn new(
        mut sim: Simulator,
        clocks_per_bit: u32,
        limit_cycles: u64,
    ) -> Result<Self, CosimError> {
        let rx = sim.port("rx")?;
        let tx = sim.port("tx")?;
        sim.poke_port(rx, 1)?;
        sim.reset(4);
        Ok(SimBoard {
            sim,
            rx,
            tx,
            clocks_per_bit,
            limit_cycles,
            encoder: UartEncoder::new(clocks_per_bit),
            decoder: UartDecoder::new(clocks_per_bit),
            level: true,
            received: VecDeque::new(),
            cycles: 0,
        })
    }

    /// The simulator (e.g. to hold the board in reset).
    pub fn sim_mut(&mut self) -> &mut Simulator {
        &mut self.sim
    }

    /// Clock cycles simulated since [`SimBoard::new`].
    pub fn cycles(&self) -> u64 {
        self.cycles
    }

    /// Clock cycles per UART bit.
    pub fn clocks_per_bit(&self) -> u32 {
        self.clocks_per_bit
    }

    /// One clock cycle: the host's next line level on `rx`, a clock edge, `tx` decoded.
    fn tick(&mut self) -> Result<(), CosimError> {
        let level = self.encoder.next_level();
        if level != self.level {
            self.sim.poke_port(self.rx, u64::from(level))?;
            self.level = level;
        }
        self.sim.check()?;
        self.sim.step();
        self.cycles += 1;
        let tx = self.sim.peek_port(self.tx) == 1;
        match self.decoder.sample(tx) {
            Ok(Some(b)) => self.received.push_back(b),
            Ok(None) => {}
            Err(e) => {
                return Err(CosimError::Board {
                    message: format!(
                        "the simulated board's tx line carried {e} at cycle {}",
                        self.cycles
                    ),
                })
            }
        }
        Ok(())
    }

    /// Runs `cycles` clock cycles (sending queued bytes, decoding the board's).
    pub fn run_cycles(&mut self, cycles: u64) -> Result<(), CosimError> {
        for _ in 0..cycles {
            self.tick()?;
        }
        Ok(())
    }

    /// The board's bytes decoded so far and not yet taken.
    pub fn take_received(&mut self) -> Vec<u8> {
        self.received.drain(..).collect()
    }

    /// Whether every byte sent has gone out on `rx`.
    pub fn sent_all(&self) -> bool {
        self.encoder.idle()
    }
}

impl ByteLink for SimBoard {
    fn send(&mut self, bytes: &[u8]) -> Result<(), CosimError> {
        self.encoder.push(bytes);
        Ok(())
    }

    fn recv(&mut self) -> Result<Option<u8>, CosimError> {
        let mut silent = 0u64;
        loop {
            if let Some(b) = self.received.pop_front() {
                return Ok(Some(b));
            }
            if silent >= self.limit_cycles {
                return Ok(None);
            }
            if self.encoder.idle() {
                silent += 1;
            }
            self.tick()?;
        }
    }

    fn limit(&self) -> String {
        format!(
            "{} board clock cycles ({} clock cycles per bit)",
            self.limit_cycles, self.clocks_per_bit
        )
    }

    fn discard_input(&mut self) -> Result<(), CosimError> {
        self.received.clear();
        Ok(())
    }
}

/// The driver's transport over a simulated board: [`LinkTransport`] over [`SimBoard`].
pub type SimBoardTransport = LinkTransport<SimBoard>;

/// A transport to a freshly built and reset simulated board of `hw` at `clocks_per_bit`, whose
/// reads and events wait at most `limit_cycles` board clock cycles.
pub fn sim_board_transport(
    hw: &AccelParams,
    clocks_per_bit: u32,
    limit_cycles: u64,
    opts: &BuildOptions,
) -> Result<SimBoardTransport, CosimError> {
    let sim = SimBoard::build(hw, clocks_per_bit, opts)?;
    let board = SimBoard::new(sim, clocks_per_bit, limit_cycles)?;
    Ok(LinkTransport::new(board, hw.cols, hw.weight_bits))
}
