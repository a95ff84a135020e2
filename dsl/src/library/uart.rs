//! A UART transmitter and receiver (8 data bits, no parity, one stop bit: "8N1"), each a
//! module: the host link of a board top is built from them. The bit time is a generation
//! parameter, `clocks_per_bit = clock frequency / baud rate` (e.g. 12 MHz / 115,200 ≈ 104).
//!
//! Line format: idle high; a start bit (low), the 8 data bits least significant first, a stop
//! bit (high); each bit lasts `clocks_per_bit` clock cycles.
//!
//! ```
//! use spikeforge_dsl::library::{uart_rx, uart_tx, UartSpec};
//! use spikeforge_dsl::prelude::*;
//!
//! let spec = UartSpec { name: "link".into(), clocks_per_bit: 104 };
//! // A loopback: what arrives on `rx` goes out on `tx`.
//! let rx = uart_rx(&spec);
//! let tx = uart_tx(&spec);
//! let mut m = ModuleBuilder::new("echo");
//! let line_in = m.input("rx", Bool);
//! let u_rx = m.instance("u_rx", &rx);
//! m.connect(&u_rx, "rx", line_in);
//! let u_tx = m.instance("u_tx", &tx);
//! m.connect(&u_tx, "s_valid", u_rx.out("valid"));
//! m.connect(&u_tx, "s_data", u_rx.out("data"));
//! m.output_from("tx", u_tx.out("tx"));
//! elaborate(&m.finish()).unwrap();
//! ```

use super::Update;
use crate::builder::{Expr, Module, ModuleBuilder, Value};
use crate::types::{Bool, UInt};

/// Generation parameters of [`uart_tx`] and [`uart_rx`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UartSpec {
    /// Module-name prefix: the modules are `<name>_uart_tx` and `<name>_uart_rx`.
    pub name: String,
    /// Clock cycles per bit (`clock frequency / baud rate`, at least 4).
    pub clocks_per_bit: u32,
}

/// Bits to count `0 ..= n`.
fn bits_for(n: u64) -> u32 {
    (64 - n.leading_zeros()).max(1)
}

/// The transmitter: a byte stream in (`s_valid`, `s_ready`, `s_data`: 8 bits), the serial
/// line out (`tx`, a register: high when idle). A byte is taken when `s_ready` (idle) and
/// `s_valid` meet on an edge; its frame starts on the next cycle and lasts
/// `10 × clocks_per_bit` cycles, after which `s_ready` is high again.
///
/// # Panics
/// If `clocks_per_bit < 4` (a generator bug, not user input).
pub fn uart_tx(spec: &UartSpec) -> Module {
    assert!(spec.clocks_per_bit >= 4, "clocks_per_bit must be ≥ 4");
    let cpb = u64::from(spec.clocks_per_bit);
    let cw = bits_for(cpb - 1);
    let mut m = ModuleBuilder::new(format!("{}_uart_tx", spec.name));
    m.param("clocks_per_bit", cpb);
    let s_valid = m.input("s_valid", Bool);
    let s_data = m.input("s_data", UInt(8));
    let s_ready = m.output("s_ready", Bool);
    // The frame shifts out of `frame_r` bit 0 first; idle it holds all ones (the line high).
    let frame = m.reg_with_reset("frame_r", UInt(10), 0x3ff);
    let busy = m.reg("busy_r", Bool);
    let baud = m.reg("baud_r", UInt(cw));
    let bit = m.reg("bit_r", UInt(4));
    let take = m.wire_from("take", s_valid & !busy.expr());
    let bit_end = m.wire_from("bit_end", busy & baud.is_eq(cpb - 1));
    let frame_end = m.wire_from("frame_end", bit_end & bit.is_eq(9));
    Update::new(frame)
        .when(
            take,
            Expr::cat([Expr::uint(1, 1), s_data.expr(), Expr::uint(0, 1)]),
        )
        .when(bit_end, Expr::cat([Expr::uint(1, 1), frame.bits(9, 1)]))
        .apply(&mut m);
    Update::new(busy)
        .when(take, true)
        .when(frame_end, false)
        .apply(&mut m);
    Update::new(baud)
        .when(take | bit_end, Expr::uint(0, cw))
        .when(busy, baud.wrapping_add(1))
        .apply(&mut m);
    Update::new(bit)
        .when(take, Expr::uint(0, 4))
        .when(bit_end, bit.wrapping_add(1))
        .apply(&mut m);
    m.drive(s_ready, !busy.expr());
    m.output_from("tx", frame.bit(0));
    m.finish()
}

/// The receiver: the serial line in (`rx`, synchronised by two registers), bytes out
/// (`data`, 8 bits, with a one-cycle `valid`), and `frame_error` (one cycle) for a frame whose
/// stop bit is low (its byte is dropped). The start bit is recognised on the line's falling
/// edge and checked again half a bit later (a shorter low pulse is ignored); every bit is
/// sampled in its middle. `valid` follows a frame's stop-bit sample, so a byte is delivered
/// about `9.5 × clocks_per_bit + 3` cycles after its start bit began.
///
/// # Panics
/// If `clocks_per_bit < 4` (a generator bug, not user input).
pub fn uart_rx(spec: &UartSpec) -> Module {
    assert!(spec.clocks_per_bit >= 4, "clocks_per_bit must be ≥ 4");
    let cpb = u64::from(spec.clocks_per_bit);
    let cw = bits_for(cpb - 1);
    let mut m = ModuleBuilder::new(format!("{}_uart_rx", spec.name));
    m.param("clocks_per_bit", cpb);
    let rx = m.input("rx", Bool);
    let sync1 = m.reg_with_reset("rx_sync1", Bool, 1);
    let sync2 = m.reg_with_reset("rx_sync2", Bool, 1);
    m.next(sync1, rx);
    m.next(sync2, sync1);
    let line = sync2.expr();
    let busy = m.reg("busy_r", Bool);
    let baud = m.reg("baud_r", UInt(cw));
    // Bit 0 is the start bit, 1..=8 the data, 9 the stop bit.
    let bit = m.reg("bit_r", UInt(4));
    let shift = m.reg("shift_r", UInt(8));
    let data = m.reg("data_r", UInt(8));
    let valid = m.reg("valid_r", Bool);
    let error = m.reg("frame_error_r", Bool);
    let start = m.wire_from("start", !busy.expr() & !line.clone());
    // The start bit is sampled half a bit after the edge, the others a whole bit apart.
    let due = bit
        .is_eq(0)
        .select(Expr::uint((cpb - 1) / 2, cw), Expr::uint(cpb - 1, cw));
    let sample = m.wire_from("sample", busy & baud.is_eq(due));
    let false_start = m.wire_from("false_start", sample & bit.is_eq(0) & line.clone());
    let stop = m.wire_from("stop", sample & bit.is_eq(9));
    Update::new(busy)
        .when(start, true)
        .when(false_start.expr() | stop.expr(), false)
        .apply(&mut m);
    Update::new(baud)
        .when(start | sample, Expr::uint(0, cw))
        .when(busy, baud.wrapping_add(1))
        .apply(&mut m);
    Update::new(bit)
        .when(start, Expr::uint(0, 4))
        .when(sample, bit.wrapping_add(1))
        .apply(&mut m);
    let data_bit = sample & bit.is_ne(0) & bit.is_ne(9);
    m.next_when(shift, data_bit, Expr::cat([line.clone(), shift.bits(7, 1)]));
    m.next_when(data, stop & line.clone(), shift);
    m.next(valid, stop & line.clone());
    m.next(error, stop & !line);
    m.output_from("data", data);
    m.output_from("valid", valid);
    m.output_from("frame_error", error);
    m.finish()
}
