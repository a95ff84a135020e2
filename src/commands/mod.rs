//! One file per subcommand.

pub mod cosim;
pub mod estimate;
pub mod evaluate;
pub mod fpga;
pub mod generate;
pub mod golden;
pub mod import;
pub mod progress;
pub mod reproduce;
pub mod run;
pub mod stdout;
pub mod sweep;
