//! What can go wrong in the FPGA flow; every variant names what the user wrote or can act on.

use std::path::PathBuf;

/// An error of the FPGA flow.
#[derive(Debug, thiserror::Error)]
pub enum FpgaError {
    /// `--board` named no board spikeforge knows.
    #[error("unknown board `{name}` (known boards: {known})")]
    UnknownBoard {
        /// What was given.
        name: String,
        /// The known boards.
        known: String,
    },
    /// `--device` named no part spikeforge knows.
    #[error("unknown device `{name}` (known devices: {known})")]
    UnknownDevice {
        /// What was given.
        name: String,
        /// The known parts.
        known: String,
    },
    /// `--baud` cannot be made from the board's clock.
    #[error("--baud {baud} cannot be made from the core's {clock_mhz} MHz clock: {why}")]
    Baud {
        /// The rate asked for (bits/s).
        baud: u32,
        /// The board's clock (MHz).
        clock_mhz: f64,
        /// Why not.
        why: String,
    },
    /// `--clock` cannot be made by the family's PLL from the board's oscillator.
    #[error("--clock {asked} cannot be made by the {family} PLL from the board's {board_mhz} MHz oscillator: {why}")]
    Clock {
        /// The clock asked for (MHz).
        asked: f64,
        /// The family (`iCE40`, `ECP5`).
        family: &'static str,
        /// The board's oscillator (MHz).
        board_mhz: f64,
        /// Why not (the nearest clock it can make).
        why: String,
    },
    /// The configuration is invalid or the generator refused it.
    #[error("{0}")]
    Design(String),
    /// The design needs more of a resource than the device has.
    #[error("the design does not fit the {device}: it needs {needed} {resource} ({how}), the device has {available}")]
    DoesNotFit {
        /// The part (`up5k`).
        device: String,
        /// The resource (`logic cells`, `block RAMs`, `DSPs`).
        resource: &'static str,
        /// What the design needs.
        needed: u64,
        /// What the device has.
        available: u64,
        /// Where the figure comes from (the synthesis estimate or the packer).
        how: String,
    },
    /// A tool is missing or failed.
    #[error("{what} failed: {excerpt}\n(full log: {})", log.display())]
    Tool {
        /// The tool and what it was doing.
        what: String,
        /// The first lines of its output that say why.
        excerpt: String,
        /// Its full log.
        log: PathBuf,
    },
    /// The flow was interrupted (SIGINT, SIGTERM): the running tool was killed with its process
    /// group and the temporary folder removed; nothing was written.
    #[error("interrupted during {during}: the tools were stopped and their temporary folder removed; nothing was written")]
    Interrupted {
        /// The stage (`synthesis (yosys)`).
        during: String,
    },
    /// A tool is not installed.
    #[error("{0}")]
    Missing(String),
    /// Writing the results.
    #[error("{0}")]
    Write(#[from] spikeforge_dsl::backend::write::WriteError),
    /// An I/O error on a path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl FpgaError {
    /// The error of running a tool ([`spikeforge_rtlsim::logged::run_logged`]): an I/O error
    /// on the program or its log stays one.
    pub fn from_tool_run(e: spikeforge_rtlsim::RtlSimError) -> FpgaError {
        match e {
            spikeforge_rtlsim::RtlSimError::Io { path, source } => FpgaError::Io { path, source },
            spikeforge_rtlsim::RtlSimError::Interrupted { what } => {
                FpgaError::Interrupted { during: what }
            }
            other => FpgaError::Design(other.to_string()),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FpgaError {
        let path = path.into();
        move |source| FpgaError::Io { path, source }
    }
}
