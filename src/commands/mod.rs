//! One file per subcommand.

pub mod estimate;
pub mod generate;
pub mod golden;
pub mod reproduce;
