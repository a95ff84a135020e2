//! The control library: generic hardware building blocks written on the DSL's public builder,
//! as Chisel's `util` (`Counter`, `ShiftRegister`, `Decoupled`) and Amaranth's `lib.stream` /
//! `lib.data` are for theirs. Nothing here knows about spiking networks.
//!
//! | block | what it is |
//! |---|---|
//! | [`Update`] | a register with prioritised update rules (first rule that holds wins; holds otherwise) |
//! | [`Counter`] | `0, 1, …, last, 0, …`, advancing on a step, with its wrap |
//! | [`LoopNest`] | counters that wrap into the next outer one: a hardware `for` nest |
//! | [`pipe`] | a value delayed by `n` register stages (a shift register) |
//! | [`shift_register`] | the same delay line as one packed vector, with every tap (cheap to simulate) |
//! | [`Layout`] | a packed struct: named, typed fields in one vector |
//! | [`lanes`] | a vector cut into equal lanes |
//! | [`Fsm`] | a state machine with named states (`localparam`s), prioritised transitions, `is`, `entering` |
//! | [`StreamIn`], [`StreamOut`] | valid/ready/payload ports with flat names (`s_valid`, `s_ready`, `s_data`) |
//! | [`counter_file`] | many wide event counters in one RAM, narrow accumulators flushed round robin (a module) |
//! | [`uart_tx`], [`uart_rx`] | a UART transmitter (byte stream in) and receiver (bytes out), 8N1 (modules) |
//!
//! Each block is built with `#[track_caller]` entry points, so a width or type error is reported
//! at the user's line, not at a line of this library.

mod bundle;
mod counter;
mod counter_file;
mod fsm;
mod pipe;
mod stream;
mod uart;
mod update;

pub use bundle::{lanes, Layout};
pub use counter::{Counter, LoopNest};
pub use counter_file::{counter_file, CounterFileSpec};
pub use fsm::Fsm;
pub use pipe::{pipe, shift_register};
pub use stream::{assert_stream_protocol, assume_stream_protocol, StreamIn, StreamOut};
pub use uart::{uart_rx, uart_tx, UartSpec};
pub use update::Update;
