//! Valid/ready streams (Chisel's `Decoupled`, Amaranth's `lib.stream`, SpinalHDL's `Stream`) as
//! flat ports: `<name>_valid`, `<name>_ready`, `<name>_data`.
//!
//! A beat moves on a clock edge where both `valid` and `ready` hold ([`StreamIn::fire`],
//! [`StreamOut::fire`]). The producer must keep `valid` and the payload unchanged until the beat
//! moves; the consumer may raise `ready` whenever it likes.

use crate::builder::{Expr, ModuleBuilder, Signal, Value};
use crate::types::{Bool, Type};
use std::panic::Location;

/// A stream this module consumes: inputs `<name>_valid` and `<name>_data`, output
/// `<name>_ready` (driven with [`StreamIn::drive_ready`]).
///
/// ```
/// use spikeforge_dsl::library::{StreamIn, StreamOut};
/// use spikeforge_dsl::prelude::*;
///
/// // A one-word buffer between two streams.
/// let mut m = ModuleBuilder::new("skid1");
/// let s = StreamIn::new(&mut m, "s", UInt(8));
/// let o = StreamOut::new(&mut m, "m", UInt(8));
/// let full = m.reg("full_r", Bool);
/// let word = m.reg("word_r", UInt(8));
/// s.drive_ready(&mut m, !full.expr() | o.ready());
/// m.next_when(word, s.fire(), s.data());
/// m.next(full, s.fire() | (full.expr() & !o.ready()));
/// o.drive(&mut m, full, word);
/// elaborate(&m.finish()).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct StreamIn {
    name: String,
    valid: Signal,
    ready: Signal,
    data: Signal,
}

impl StreamIn {
    /// Declares the ports of a consumed stream of payload type `ty`.
    #[track_caller]
    pub fn new(m: &mut ModuleBuilder, name: &str, ty: Type) -> StreamIn {
        StreamIn {
            name: name.to_string(),
            valid: m.input(format!("{name}_valid"), Bool),
            data: m.input(format!("{name}_data"), ty),
            ready: m.output(format!("{name}_ready"), Bool),
        }
    }

    /// The producer's `valid`.
    pub fn valid(&self) -> Expr {
        self.valid.expr()
    }

    /// The payload.
    pub fn data(&self) -> Expr {
        self.data.expr()
    }

    /// The `ready` output port.
    pub fn ready_port(&self) -> Signal {
        self.ready
    }

    /// Drives `ready` (one bit).
    #[track_caller]
    pub fn drive_ready(&self, m: &mut ModuleBuilder, ready: impl Into<Expr>) {
        m.push_driver(self.ready, ready.into(), None, Location::caller(), false);
    }

    /// True when a beat moves this cycle (`valid & ready`).
    #[track_caller]
    pub fn fire(&self) -> Expr {
        self.valid.expr() & self.ready.expr()
    }

    /// Assumes the producer keeps the protocol (see the module docs): formal tools then only
    /// consider well-behaved producers, and simulation flags a stimulus that is not one.
    #[track_caller]
    pub fn assume_protocol(&self, m: &mut ModuleBuilder) {
        assume_stream_protocol(m, &self.name, self.valid, self.ready, self.data);
    }
}

/// The two protocol rules of a stream as conditions: `valid` stays high and the payload stays
/// the same in the cycle after one where `valid` was high and `ready` low. Registers
/// `<name>_waiting_r` and `<name>_held_r` remember the previous cycle.
#[track_caller]
fn protocol(
    m: &mut ModuleBuilder,
    name: &str,
    valid: Expr,
    ready: Expr,
    payload: Expr,
) -> (Expr, Expr) {
    let waiting = m.reg(format!("{name}_waiting_r"), Bool);
    let held = m.reg_no_reset(format!("{name}_held_r"), payload.ty());
    m.next(waiting, valid.clone() & !ready);
    m.next(held, payload.clone());
    let valid_held = !waiting.expr() | valid;
    let payload_stable = !waiting.expr() | payload.is_eq(held);
    (valid_held, payload_stable)
}

/// Asserts the stream protocol (see the module docs) of a stream this module produces, given
/// by its `valid`, `ready` and payload (any expression: several payload ports may be
/// concatenated). For streams not built with [`StreamOut`].
#[track_caller]
pub fn assert_stream_protocol(
    m: &mut ModuleBuilder,
    name: &str,
    valid: impl Into<Expr>,
    ready: impl Into<Expr>,
    payload: impl Into<Expr>,
) {
    let (held, stable) = protocol(m, name, valid.into(), ready.into(), payload.into());
    m.assert_always(held, &format!("{name}: valid held until ready"));
    m.assert_always(stable, &format!("{name}: payload stable while waiting"));
}

/// Assumes the stream protocol of a stream this module consumes (see
/// [`assert_stream_protocol`]).
#[track_caller]
pub fn assume_stream_protocol(
    m: &mut ModuleBuilder,
    name: &str,
    valid: impl Into<Expr>,
    ready: impl Into<Expr>,
    payload: impl Into<Expr>,
) {
    let (held, stable) = protocol(m, name, valid.into(), ready.into(), payload.into());
    m.assume(held, &format!("{name}: valid held until ready"));
    m.assume(stable, &format!("{name}: payload stable while waiting"));
}

/// A stream this module produces: outputs `<name>_valid` and `<name>_data` (driven with
/// [`StreamOut::drive`]), input `<name>_ready`.
#[derive(Clone, Debug)]
pub struct StreamOut {
    name: String,
    valid: Signal,
    ready: Signal,
    data: Signal,
}

impl StreamOut {
    /// Declares the ports of a produced stream of payload type `ty`.
    #[track_caller]
    pub fn new(m: &mut ModuleBuilder, name: &str, ty: Type) -> StreamOut {
        StreamOut {
            name: name.to_string(),
            valid: m.output(format!("{name}_valid"), Bool),
            data: m.output(format!("{name}_data"), ty),
            ready: m.input(format!("{name}_ready"), Bool),
        }
    }

    /// The consumer's `ready`.
    pub fn ready(&self) -> Expr {
        self.ready.expr()
    }

    /// The `valid` and `data` output ports.
    pub fn ports(&self) -> (Signal, Signal) {
        (self.valid, self.data)
    }

    /// Drives `valid` (one bit) and the payload (the stream's type; literals adapt).
    #[track_caller]
    pub fn drive(&self, m: &mut ModuleBuilder, valid: impl Into<Expr>, data: impl Into<Expr>) {
        let loc = Location::caller();
        m.push_driver(self.valid, valid.into(), None, loc, false);
        m.push_driver(self.data, data.into(), None, loc, false);
    }

    /// True when a beat moves this cycle (`valid & ready`).
    #[track_caller]
    pub fn fire(&self) -> Expr {
        self.valid.expr() & self.ready.expr()
    }

    /// Asserts that this module keeps the protocol as a producer (see the module docs): a
    /// formal tool proves it, simulation checks it.
    #[track_caller]
    pub fn assert_protocol(&self, m: &mut ModuleBuilder) {
        assert_stream_protocol(m, &self.name, self.valid, self.ready, self.data);
    }
}
