//! Back-ends: the Verilog-2005 emitter, and the atomic writer of output folders.

pub mod fusesoc;
pub mod templates;
pub mod verilog;
pub mod write;
