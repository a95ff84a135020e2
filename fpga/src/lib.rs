//! spikeforge's FPGA prototyping flow (issue 12): from an accelerator configuration to a
//! bitstream for a named board, with the evidence an architect needs (utilisation against
//! the device, the clock reached, the critical path, tool versions and run times).
//!
//! | file | what it is |
//! |---|---|
//! | [`board`] | the boards spikeforge knows: device, package, clock and pins, from their documentation |
//! | [`board_top`] | the board's top module: clock, reset synchroniser, the board core on the UART pins, LEDs |
//! | [`ecp5_outreg`] | ECP5: the flip-flops after a block RAM read folded into the RAM's output register |
//! | [`constraints`] | the pin constraint file of a board (`.pcf` for iCE40, `.lpf` for ECP5) |
//! | [`fit`] | resources after synthesis against the device; the error for a design that cannot fit |
//! | [`flow`] | the stages (generate, synthesize, fit check, place and route, pack, timing) and their tools |
//! | [`report`] | `report.json` and `report.md` |
//! | [`tools`] | each family's tools and where they are (Debian's for iCE40, `.venv`'s for ECP5) |
//! | [`error`] | what can go wrong, in the user's words |
//!
//! The flow runs every tool in a temporary folder and writes its results into the output
//! folder in one step (`spikeforge_dsl::backend::write`), so a failed or interrupted run leaves
//! an earlier report as it was.

pub mod board;
pub mod board_top;
pub mod constraints;
pub mod ecp5_outreg;
pub mod error;
pub mod fit;
pub mod flow;
pub mod pll;
pub mod report;
pub mod tools;

pub use board::{Board, Device, Family};
pub use error::FpgaError;
pub use flow::{run_flow, FlowOptions, FlowOutput, Stage};
pub use report::Report;
