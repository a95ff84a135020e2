//! Board-level hardware for FPGA prototypes (issue 12): what sits between the accelerator top
//! and a board's pins.
//!
//! | file | what it is |
//! |---|---|
//! | [`host_bridge`] | the accelerator's register bus and streams over one UART (docs/host-link.md) |
//! | [`core`] | the accelerator and the host bridge joined: a design with two pins |

pub mod core;
pub mod host_bridge;
