//! spikeforge's generators, written with the public API of `spikeforge-dsl` only.
//!
//! - [`samples`]: small modules that prove the DSL on real tools (counter, FIFO, RAM, MAC,
//!   hierarchy).
//! - The SNN accelerator generators (PE array, LIF unit, entropy unit, controller, top) build
//!   on the same API.
//! - [`board`]: board-level hardware for FPGA prototypes (the UART host bridge).

pub mod accel;
pub mod board;
pub mod samples;
