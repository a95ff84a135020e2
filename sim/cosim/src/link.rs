//! The host's side of the byte protocol of docs/host-link.md, over any [`ByteLink`] (the
//! simulated board's UART in [`crate::board`], a serial port in [`crate::serial`]):
//! [`LinkTransport`] turns register writes and reads, stream words and the board's messages
//! into bytes and back, so [`crate::driver::drive`] runs unchanged over a UART.

use crate::driver::{Event, HostState, Offer, Timed, Transport};
use crate::error::CosimError;
use crate::program::Program;
use crate::regmap;
use num_bigint::BigUint;
use spikeforge_generators::board::host_bridge::op;
use std::collections::VecDeque;

/// A byte pipe to a board's host bridge.
pub trait ByteLink {
    /// Queues or writes `bytes` toward the board, in order.
    fn send(&mut self, bytes: &[u8]) -> Result<(), CosimError>;
    /// The next byte from the board, or `None` when none arrived within the link's limit
    /// ([`ByteLink::limit`]) after everything sent had gone out.
    fn recv(&mut self) -> Result<Option<u8>, CosimError>;
    /// The limit of one [`ByteLink::recv`] in words (`2 s`, `40000 board clock cycles`).
    fn limit(&self) -> String;
    /// Drops bytes received and not yet read (before a run: leftovers of an earlier one).
    fn discard_input(&mut self) -> Result<(), CosimError>;
    /// Lets a little time pass between two polls of STATUS.
    fn pause(&mut self) {}
}

/// Encodes the message `'W'` addr(2) data(4).
pub fn write_message(addr: u32, data: u32) -> [u8; 7] {
    let a = (addr as u16).to_le_bytes();
    let d = data.to_le_bytes();
    [op::WRITE, a[0], a[1], d[0], d[1], d[2], d[3]]
}

/// Encodes the message `'R'` addr(2).
pub fn read_message(addr: u32) -> [u8; 3] {
    let a = (addr as u16).to_le_bytes();
    [op::READ, a[0], a[1]]
}

/// Appends a stream word's message (`opcode`, then the word in `bytes` little-endian bytes).
/// Errors when the word needs more bytes (a program that does not belong to the board).
pub fn push_word(
    out: &mut Vec<u8>,
    opcode: u8,
    word: &BigUint,
    bytes: usize,
) -> Result<(), CosimError> {
    let mut le = word.to_bytes_le();
    if word.bits() == 0 {
        le.clear();
    }
    if le.len() > bytes {
        return Err(CosimError::Board {
            message: format!(
                "a '{}' word of {} bits does not fit the board's {bytes}-byte word",
                char::from(opcode),
                word.bits()
            ),
        });
    }
    le.resize(bytes, 0);
    out.push(opcode);
    out.extend_from_slice(&le);
    Ok(())
}

/// The host-bridge protocol over a [`ByteLink`]: a [`Transport`] for [`crate::driver::drive`].
/// Stream words are sent in answer to their request, all of a request at once (the bridge holds
/// one word, which the accelerator takes within a few cycles — far less than a word's bytes
/// take on the line). Board messages that arrive while a read waits for its reply are kept for
/// [`Transport::next_event`].
pub struct LinkTransport<L: ByteLink> {
    link: L,
    w_bytes: usize,
    s_bytes: usize,
    last: String,
    pending: VecDeque<Event>,
    words: u64,
    bytes: u64,
    events: u64,
}

/// Bytes of stream words a [`LinkTransport`] hands to its link at once while answering a
/// request: about 90 ms of a 115,200-baud UART, so progress moves while a long stream goes out.
pub const SEND_CHUNK: usize = 1024;

/// Board messages one run of `prog` can cause at most, four times over (requests, trace words,
/// logits, the final beat) plus 1000: a board that sends more is babbling, not running it.
pub fn message_bound(prog: &Program) -> u64 {
    let windows = prog.windows().len() as u64;
    let t = u64::from(prog.timesteps);
    let traces: u64 = prog.stages.iter().map(|s| s.output_words_per_t() * t).sum();
    let requests = windows * (prog.stages.len() as u64 + 1);
    4 * (requests + traces + u64::from(prog.classes) * t + 1) + 1000
}

impl<L: ByteLink> LinkTransport<L> {
    /// The protocol over `link` to a board whose accelerator has `cols` columns of
    /// `weight_bits`-bit weights (a weight word is `⌈cols·weight_bits/8⌉` bytes, a spike word
    /// `⌈cols/8⌉`).
    pub fn new(link: L, cols: u32, weight_bits: u32) -> Self {
        LinkTransport {
            link,
            w_bytes: (cols * weight_bits).div_ceil(8) as usize,
            s_bytes: cols.div_ceil(8) as usize,
            last: "nothing".into(),
            pending: VecDeque::new(),
            words: 0,
            bytes: 0,
            events: 0,
        }
    }

    /// The link.
    pub fn link(&self) -> &L {
        &self.link
    }

    /// The link, mutable.
    pub fn link_mut(&mut self) -> &mut L {
        &mut self.link
    }

    /// The last command sent, in words (`'R' 0x001`).
    pub fn last_command(&self) -> &str {
        &self.last
    }

    /// Sends `bytes` and counts them.
    fn send(&mut self, bytes: &[u8]) -> Result<(), CosimError> {
        self.link.send(bytes)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn byte(&mut self, state: &str) -> Result<u8, CosimError> {
        match self.link.recv()? {
            Some(b) => Ok(b),
            None => Err(CosimError::NoAnswer {
                last: self.last.clone(),
                within: self.link.limit(),
                state: state.to_string(),
            }),
        }
    }

    /// Reads one whole board message: `Ok(Err(data))` for a read reply, `Ok(Ok(event))` for
    /// the others.
    fn message(&mut self, state: &str) -> Result<Result<Event, u32>, CosimError> {
        let opcode = self.byte(state)?;
        let n = match opcode {
            op::READ_DATA => 4,
            op::REQUEST | op::RESULT => 6,
            op::ERROR => 2,
            other => {
                return Err(CosimError::Board {
                    message: format!(
                        "the board sent {other:#04x}, which is not a message opcode ('r', 'q', 'o' or 'e'), after {}",
                        self.last
                    ),
                })
            }
        };
        let mut body = [0u8; 6];
        for b in body.iter_mut().take(n) {
            *b = self.byte(state)?;
        }
        let le = |a: usize, b: usize| {
            body[a..b]
                .iter()
                .rev()
                .fold(0u64, |v, &x| v << 8 | u64::from(x))
        };
        Ok(match opcode {
            op::READ_DATA => Err(le(0, 4) as u32),
            op::REQUEST => Ok(Event::Request {
                kind: le(0, 1),
                stage: le(1, 2) as usize,
                t0: le(2, 4) as u32,
                len: le(4, 6) as u32,
            }),
            op::RESULT => Ok(Event::Result {
                kind: le(0, 1),
                stage: le(1, 2) as usize,
                data: le(2, 6),
            }),
            _ => Ok(Event::BoardError {
                code: body[0],
                byte: body[1],
            }),
        })
    }
}

impl<L: ByteLink> Transport for LinkTransport<L> {
    /// Drops stale input, then reads STATUS: no answer is an error naming the read, a busy
    /// board (an earlier run that did not finish) is an error saying to reset it.
    fn begin(&mut self) -> Result<(), CosimError> {
        self.link.discard_input()?;
        self.pending.clear();
        self.words = 0;
        self.bytes = 0;
        self.events = 0;
        let status = self.read_reg(regmap::STATUS)?;
        if status & 1 == 1 {
            return Err(CosimError::Board {
                message: format!(
                    "the board is busy (STATUS = {status:#x}): an earlier run did not finish; reset the board"
                ),
            });
        }
        // Messages of an earlier run that were still on their way are not this run's.
        self.pending.clear();
        Ok(())
    }

    fn write_reg(&mut self, addr: u32, data: u32) -> Result<(), CosimError> {
        self.last = format!("'W' {addr:#05x} = {data:#x}");
        self.send(&write_message(addr, data))
    }

    fn read_reg(&mut self, addr: u32) -> Result<u32, CosimError> {
        self.last = format!("'R' {addr:#05x}");
        self.send(&read_message(addr))?;
        loop {
            match self.message("")? {
                Err(data) => return Ok(data),
                Ok(event) => {
                    if self.pending.len() >= 1 << 20 {
                        return Err(CosimError::Board {
                            message: format!(
                                "the board sent {} messages without answering {}",
                                self.pending.len(),
                                self.last
                            ),
                        });
                    }
                    self.pending.push_back(event)
                }
            }
        }
    }

    fn start(&mut self, ctrl: u32) -> Result<Option<u64>, CosimError> {
        self.write_reg(regmap::CTRL, ctrl)?;
        Ok(None)
    }

    fn offer(&mut self, prog: &Program, offer: Offer) -> Result<(), CosimError> {
        self.offer_with_progress(prog, offer, &mut |_, _| {})
    }

    /// Sends the words in pieces of about [`SEND_CHUNK`] bytes, telling `sent` after each.
    fn offer_with_progress(
        &mut self,
        prog: &Program,
        offer: Offer,
        sent: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(), CosimError> {
        let (opcode, size, words, what) = match &offer {
            Offer::Weights { stage } => {
                let words = &prog.stages[*stage].weight_words;
                (
                    op::WEIGHTS,
                    self.w_bytes,
                    words.as_slice(),
                    format!("'w' ×{} (the weights of stage {stage})", words.len()),
                )
            }
            Offer::Spikes { words, t0, len } => (
                op::SPIKES,
                self.s_bytes,
                words.as_slice(),
                format!(
                    "'s' ×{} (the input spikes of t0 = {t0}, len = {len})",
                    words.len()
                ),
            ),
        };
        // Every word is encoded before any goes out: a word too wide for the board sends none.
        let mut bytes = Vec::with_capacity(words.len() * (size + 1));
        for w in words {
            push_word(&mut bytes, opcode, w, size)?;
        }
        self.last = what;
        let per_chunk = (SEND_CHUNK / (size + 1)).max(1);
        for chunk in bytes.chunks(per_chunk * (size + 1)) {
            self.send(chunk)?;
            self.words += (chunk.len() / (size + 1)) as u64;
            sent(self.words, Some(self.bytes));
        }
        Ok(())
    }

    fn next_event(&mut self, prog: &Program, host: &HostState) -> Result<Timed, CosimError> {
        self.events += 1;
        let bound = message_bound(prog);
        if self.events > bound {
            return Err(CosimError::Board {
                message: format!(
                    "the board sent more than {bound} messages, more than this run can cause ({}, {}); last command {}",
                    host.requests_text(),
                    host.beats_text(),
                    self.last
                ),
            });
        }
        let event = match self.pending.pop_front() {
            Some(e) => e,
            None => {
                let state = format!("; {}, {}", host.requests_text(), host.beats_text());
                match self.message(&state)? {
                    Ok(e) => e,
                    Err(data) => {
                        return Err(CosimError::Board {
                            message: format!(
                                "the board sent a read reply ('r' {data:#x}) with no read waiting, after {}",
                                self.last
                            ),
                        })
                    }
                }
            }
        };
        Ok(Timed { event, cycle: None })
    }

    fn end_streams(&mut self) -> Result<(), CosimError> {
        Ok(())
    }

    fn pause(&mut self) {
        self.link.pause();
    }

    fn words_streamed(&self) -> u64 {
        self.words
    }

    fn bytes_sent(&self) -> Option<u64> {
        Some(self.bytes)
    }
}
