//! The host bridge (docs/host-link.md): the accelerator's register bus and streams
//! (docs/accelerator.md §8) carried over one UART, so a board needs four pins (clock, reset,
//! RX, TX) instead of the top's ~250.
//!
//! Host → board messages (opcode byte, then the payload, multi-byte fields little-endian):
//! `'W'` addr(2) data(4) writes a register; `'R'` addr(2) reads one (answered by `'r'`);
//! `'w'` and `'s'` carry one weight word (`⌈w_bits/8⌉` bytes) or one input-spike word
//! (`⌈s_bits/8⌉` bytes) to the `w` / `s` stream. Board → host: `'r'` data(4) answers a read,
//! `'q'` kind stage t0(2) len(2) is a request beat, `'o'` kind stage data(4) a result beat,
//! `'e'` code byte an error (code 1: unknown opcode `byte`; code 2: a `'w'`/`'s'` word arrived
//! before the previous one was taken, `byte` = its opcode; the word is dropped).
//!
//! Outgoing messages queue in one message register (7 bytes) that feeds the transmitter byte by
//! byte; sources take turns by priority: read reply, error, request beat, result beat — a beat
//! is taken (its `ready` high) on the edge its message loads, so the streams keep their
//! valid/ready protocol.

use spikeforge_dsl::library::{uart_rx, uart_tx, UartSpec, Update};
use spikeforge_dsl::prelude::*;

/// Generation parameters of [`host_bridge`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostBridgeSpec {
    /// Module-name prefix (`<name>_host_bridge`, `<name>_uart_rx`, `<name>_uart_tx`).
    pub name: String,
    /// Clock cycles per UART bit (clock frequency / baud rate, ≥ 4).
    pub clocks_per_bit: u32,
    /// Width of a weight word, `cols × weight_bits` (bits).
    pub w_bits: u32,
    /// Width of an input-spike word, `cols` (bits).
    pub s_bits: u32,
    /// Width of `req_stage` and `r_stage` (bits, ≤ 8).
    pub stage_bits: u32,
}

/// Opcodes and error codes of the byte protocol (docs/host-link.md).
pub mod op {
    /// Host → board: register write.
    pub const WRITE: u8 = b'W';
    /// Host → board: register read.
    pub const READ: u8 = b'R';
    /// Host → board: one weight word.
    pub const WEIGHTS: u8 = b'w';
    /// Host → board: one input-spike word.
    pub const SPIKES: u8 = b's';
    /// Board → host: a read's data.
    pub const READ_DATA: u8 = b'r';
    /// Board → host: a request beat.
    pub const REQUEST: u8 = b'q';
    /// Board → host: a result beat.
    pub const RESULT: u8 = b'o';
    /// Board → host: an error.
    pub const ERROR: u8 = b'e';
    /// Error code: unknown opcode.
    pub const UNKNOWN_OPCODE: u8 = 1;
    /// Error code: a stream word arrived before the previous one was taken.
    pub const OVERRUN: u8 = 2;
}

/// Payload bytes after `opcode` (0 for an unknown one).
pub fn payload_bytes(spec: &HostBridgeSpec, opcode: u8) -> u32 {
    match opcode {
        op::WRITE => 6,
        op::READ => 2,
        op::WEIGHTS => spec.w_bits.div_ceil(8),
        op::SPIKES => spec.s_bits.div_ceil(8),
        _ => 0,
    }
}

/// Builds the bridge: ports `rx` in, `tx` out (the UART line), and toward the accelerator
/// the register bus (`cfg_we`, `cfg_addr`, `cfg_wdata` out; `cfg_rdata` in) and the four
/// streams with the accelerator's port names, directions mirrored.
///
/// # Panics
/// If `stage_bits > 8` or a word is wider than 64 bits (`board::core::check_board` refuses
/// such an accelerator before the bridge is built).
pub fn host_bridge(spec: &HostBridgeSpec) -> Module {
    assert!(spec.stage_bits <= 8 && spec.w_bits <= 64 && spec.s_bits <= 64);
    let uart = UartSpec {
        name: spec.name.clone(),
        clocks_per_bit: spec.clocks_per_bit,
    };
    let mut m = ModuleBuilder::new(format!("{}_host_bridge", spec.name));
    m.param("clocks_per_bit", spec.clocks_per_bit)
        .param("w_bits", spec.w_bits)
        .param("s_bits", spec.s_bits);
    let rx = m.input("rx", Bool);
    let cfg_rdata = m.input("cfg_rdata", UInt(32));
    let u_rx = m.instance("u_rx", &uart_rx(&uart));
    m.connect(&u_rx, "rx", rx);
    let (byte_valid, byte) = (u_rx.out("valid"), u_rx.out("data"));

    let parsed = parse(&mut m, spec, byte_valid, byte);
    let bus = register_bus(&mut m, &parsed, cfg_rdata);
    let (w_error, s_error) = (
        stream_word(&mut m, "w", spec.w_bits, &parsed, op::WEIGHTS),
        stream_word(&mut m, "s", spec.s_bits, &parsed, op::SPIKES),
    );
    transmit(&mut m, spec, &uart, &parsed, bus, [w_error, s_error]);
    m.finish()
}

/// A complete incoming message.
struct Parsed {
    /// A message completed this cycle (one-cycle pulse).
    done: Signal,
    /// Its opcode.
    opcode: Signal,
    /// Its payload, byte 0 in the low bits (not every bit is used by every message).
    payload: Expr,
    /// An unknown opcode arrived this cycle (one-cycle pulse), and the byte.
    unknown: Signal,
    /// The unknown byte.
    unknown_byte: Signal,
}

/// The receive side: opcode, then its payload bytes into byte lanes.
fn parse(m: &mut ModuleBuilder, spec: &HostBridgeSpec, valid: Expr, byte: Expr) -> Parsed {
    let lanes = [6, 2, spec.w_bits.div_ceil(8), spec.s_bits.div_ceil(8)]
        .into_iter()
        .max()
        .unwrap_or(1);
    let need = m.reg("rx_need", UInt(4));
    let idx = m.reg("rx_index", UInt(4));
    let opcode = m.reg("rx_opcode", UInt(8));
    let at_opcode = m.wire_from("rx_at_opcode", valid.clone() & need.is_eq(0));
    let length = [op::WRITE, op::READ, op::WEIGHTS, op::SPIKES]
        .into_iter()
        .fold(Expr::uint(0, 4), |acc, o| {
            byte.is_eq(u64::from(o))
                .select(Expr::uint(u64::from(payload_bytes(spec, o)), 4), acc)
        });
    let known = m.wire_from("rx_known", length.is_ne(0));
    let in_payload = m.wire_from("rx_in_payload", valid.clone() & need.is_ne(0));
    Update::new(need)
        .when(at_opcode.expr() & known.expr(), length)
        .when(in_payload, need.wrapping_sub(1))
        .apply(m);
    Update::new(idx)
        .when(at_opcode, 0)
        .when(in_payload, idx.wrapping_add(1))
        .apply(m);
    m.next_when(opcode, at_opcode, byte.clone());
    let mut bytes = Vec::new();
    for k in 0..lanes {
        let lane = m.reg_no_reset(format!("rx_byte_{k}"), UInt(8));
        m.next_when(lane, in_payload & idx.is_eq(u64::from(k)), byte.clone());
        bytes.push(lane.expr());
    }
    let done = m.reg("rx_done", Bool);
    m.next(done, in_payload & need.is_eq(1));
    let unknown = m.reg("rx_unknown", Bool);
    m.next(unknown, at_opcode & !known.expr());
    let unknown_byte = m.reg_no_reset("rx_unknown_byte", UInt(8));
    m.next_when(unknown_byte, at_opcode, byte);
    let payload = Expr::cat(bytes.into_iter().rev());
    Parsed {
        done,
        opcode,
        payload,
        unknown,
        unknown_byte,
    }
}

/// The register bus: a write is one `cfg_we` cycle; a read sets `cfg_addr` and takes
/// `cfg_rdata` two edges later (the bus read is registered). Returns the read reply's
/// pending flag (set by the transmit side), its data, and the pulse that captures it.
fn register_bus(m: &mut ModuleBuilder, p: &Parsed, cfg_rdata: Signal) -> (Signal, Signal, Signal) {
    let is = |o: u8| p.done & p.opcode.is_eq(u64::from(o));
    let (write, read) = (is(op::WRITE), is(op::READ));
    let we = m.reg("cfg_we_r", Bool);
    let addr = m.reg("cfg_addr_r", UInt(12));
    let wdata = m.reg_no_reset("cfg_wdata_r", UInt(32));
    m.next(we, write.clone());
    m.next_when(addr, write.clone() | read.clone(), p.payload.bits(11, 0));
    m.next_when(wdata, write, p.payload.bits(47, 16));
    let read1 = m.reg("cfg_read_1", Bool);
    let read2 = m.reg("cfg_read_2", Bool);
    m.next(read1, read);
    m.next(read2, read1);
    let pending = m.reg("reply_pending", Bool);
    let data = m.reg_no_reset("reply_data", UInt(32));
    m.next_when(data, read2, cfg_rdata);
    m.output_from("cfg_we", we);
    m.output_from("cfg_addr", addr);
    m.output_from("cfg_wdata", wdata);
    (pending, data, read2)
}

/// One incoming stream (`w` or `s`): a completed word is offered until taken. Returns the
/// overrun pulse (a word completed while the previous one waited; the new one is dropped).
fn stream_word(m: &mut ModuleBuilder, name: &str, bits: u32, p: &Parsed, opcode: u8) -> Signal {
    let ready = m.input(format!("{name}_ready"), Bool);
    let valid = m.reg(format!("{name}_valid_r"), Bool);
    let data = m.reg_no_reset(format!("{name}_data_r"), UInt(bits));
    let arrived = p.done & p.opcode.is_eq(u64::from(opcode));
    let overrun = m.wire_from(format!("{name}_overrun"), arrived.clone() & valid);
    let fresh = arrived & !valid.expr();
    Update::new(valid)
        .when(fresh.clone(), true)
        .when(ready, false)
        .apply(m);
    m.next_when(data, fresh, p.payload.bits(bits - 1, 0));
    m.output_from(format!("{name}_valid"), valid);
    m.output_from(format!("{name}_data"), data);
    overrun
}

/// The transmit side: sources by priority into the message register, bytes to the UART.
fn transmit(
    m: &mut ModuleBuilder,
    spec: &HostBridgeSpec,
    uart: &UartSpec,
    p: &Parsed,
    (reply_pending, reply_data, replied): (Signal, Signal, Signal),
    overruns: [Signal; 2],
) {
    let sb = spec.stage_bits;
    let req_valid = m.input("req_valid", Bool);
    let req_kind = m.input("req_kind", UInt(2));
    let req_stage = m.input("req_stage", UInt(sb));
    let req_t0 = m.input("req_t0", UInt(16));
    let req_len = m.input("req_len", UInt(16));
    let r_valid = m.input("r_valid", Bool);
    let r_kind = m.input("r_kind", UInt(2));
    let r_stage = m.input("r_stage", UInt(sb));
    let r_data = m.input("r_data", UInt(32));

    // Errors wait in one register (a later one while it waits is not reported).
    let err_pending = m.reg("error_pending", Bool);
    let err_code = m.reg_no_reset("error_code", UInt(8));
    let err_byte = m.reg_no_reset("error_byte", UInt(8));
    let [w_over, s_over] = overruns;
    let new_error = p.unknown | w_over | s_over;
    let code = p.unknown.select(
        Expr::uint(u64::from(op::UNKNOWN_OPCODE), 8),
        Expr::uint(u64::from(op::OVERRUN), 8),
    );
    let byte = p.unknown.select(p.unknown_byte, p.opcode);

    let msg = m.reg_no_reset("tx_message", UInt(56));
    let count = m.reg("tx_count", UInt(3));
    let empty = m.wire_from("tx_empty", count.is_eq(0));
    let take_reply = m.wire_from("tx_take_reply", empty & reply_pending);
    let take_error = m.wire_from("tx_take_error", empty & !reply_pending.expr() & err_pending);
    let free = empty & !reply_pending.expr() & !err_pending.expr();
    let take_req = m.wire_from("tx_take_req", free.clone() & req_valid);
    let take_r = m.wire_from("tx_take_r", free & !req_valid.expr() & r_valid);
    m.output_from("req_ready", take_req);
    m.output_from("r_ready", take_r);
    let u8c = |v: u8| Expr::uint(u64::from(v), 8);
    let stage = |s: Signal| s.zext(8);
    let reply_msg = Expr::cat([Expr::uint(0, 16), reply_data.expr(), u8c(op::READ_DATA)]);
    let error_msg = Expr::cat([
        Expr::uint(0, 32),
        err_byte.expr(),
        err_code.expr(),
        u8c(op::ERROR),
    ]);
    let req_msg = Expr::cat([
        req_len.expr(),
        req_t0.expr(),
        stage(req_stage),
        req_kind.zext(8),
        u8c(op::REQUEST),
    ]);
    let r_msg = Expr::cat([
        r_data.expr(),
        stage(r_stage),
        r_kind.zext(8),
        u8c(op::RESULT),
    ]);
    let u_tx = m.instance("u_tx", &uart_tx(uart));
    let sent = m.wire_from("tx_sent", u_tx.out("s_ready") & !empty.expr());
    m.connect(&u_tx, "s_valid", !empty.expr());
    m.connect(&u_tx, "s_data", msg.bits(7, 0));
    Update::new(msg)
        .when(take_reply, reply_msg.zext(56))
        .when(take_error, error_msg.zext(56))
        .when(take_req, req_msg.zext(56))
        .when(take_r, r_msg.zext(56))
        .when(sent, Expr::cat([Expr::uint(0, 8), msg.bits(55, 8)]))
        .apply(m);
    Update::new(count)
        .when(take_reply, Expr::uint(5, 3))
        .when(take_error, Expr::uint(3, 3))
        .when(take_req | take_r, Expr::uint(7, 3))
        .when(sent, count.wrapping_sub(1))
        .apply(m);
    // A read's data is captured (`replied`) and waits for the message register. The host
    // waits for a read's reply before it sends the next read (docs/host-link.md).
    Update::new(reply_pending)
        .when(replied, true)
        .when(take_reply, false)
        .apply(m);
    Update::new(err_pending)
        .when(take_error, false)
        .when(new_error.clone() & !err_pending.expr(), true)
        .apply(m);
    m.next_when(err_code, new_error.clone() & !err_pending.expr(), code);
    m.next_when(err_byte, new_error & !err_pending.expr(), byte);
    m.output_from("tx", u_tx.out("tx"));
}
