//! The one error type of the co-simulation.

use crate::CosimReport;
use std::path::PathBuf;

/// Everything that can stop a co-simulation. Every message is one sentence a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum CosimError {
    /// The network does not run on this accelerator (docs/accelerator.md §1, §3): names the
    /// network field, its value and why, e.g. `layers[1].share_factor = 2 but the
    /// accelerator's LIF unit is generated for share_factor = 4`.
    #[error("{field} = {value} {reason}")]
    Unsupported {
        /// Dotted path of the field (`layers[1].share_factor`, `classifier.classes`, ...).
        field: String,
        /// Its value (or the derived need, e.g. `1234 words`).
        value: String,
        /// Why it does not fit (starts with "but ...").
        reason: String,
    },
    /// The accelerator configuration and the generation parameters disagree.
    #[error("accelerator configuration field `{field}` = {value} but {reason}")]
    Config {
        /// The configuration field.
        field: String,
        /// Its value.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A configuration or input problem found by `spikeforge-config`.
    #[error(transparent)]
    File(#[from] spikeforge_config::ConfigError),
    /// The co-simulation would exceed the memory or work budget (the sentence names the
    /// figure, its parts, the limit and the flag).
    #[error("{0}")]
    OverBudget(spikeforge_golden::GoldenError),
    /// The golden model refused the run.
    #[error("golden model: {0}")]
    Golden(#[from] spikeforge_golden::GoldenError),
    /// The generated design did not elaborate.
    #[error("the accelerator RTL did not elaborate: {0}")]
    Elaborate(String),
    /// Building, loading or driving the Verilated design failed.
    #[error(transparent)]
    RtlSim(#[from] spikeforge_rtlsim::RtlSimError),
    /// The RTL broke the host protocol of docs/accelerator.md §8.
    #[error("protocol error at cycle {cycle}: {message}")]
    Protocol {
        /// Simulator cycle.
        cycle: u64,
        /// What was wrong.
        message: String,
    },
    /// The final result beat did not arrive within the cycle limit.
    #[error("no final result beat within the cycle limit of {limit} cycles after start; last state: {state}")]
    Timeout {
        /// The limit (cycles after the start pulse).
        limit: u64,
        /// Description of the host's last state (requests, streams, beats, STATUS).
        state: String,
    },
    /// A board (simulated or on a serial port) did not answer in time: names the last command
    /// the host sent and the limit, e.g. `no answer to 'R' 0x001 within 2 s`.
    #[error("no answer to {last} within {within}{state}")]
    NoAnswer {
        /// The last command sent, as its opcode and fields (`'R' 0x001`, `'W' 0x000 = 0x3`).
        last: String,
        /// The limit (`2 s`, `100000 board clock cycles`).
        within: String,
        /// What the host had received by then (empty, or `; ` and the state).
        state: String,
    },
    /// A board broke the byte protocol of docs/host-link.md or reported an error (`'e'`).
    #[error("{message}")]
    Board {
        /// One sentence: what arrived or was reported, and after which command.
        message: String,
    },
    /// A serial port could not be opened, configured, read or written.
    #[error("serial port {port}: {message}")]
    Serial {
        /// The device path.
        port: String,
        /// What failed.
        message: String,
    },
    /// RTL and golden model disagree; the report names the first difference and the VCD.
    #[error("RTL and golden model disagree: {}{}", report.mismatch.as_ref().map(|m| m.to_string()).unwrap_or_default(), report.vcd.as_ref().map(|p| format!(" (VCD of cycles {}..{}: {})", report.vcd_window.0, report.vcd_window.1, p.display())).unwrap_or_default())]
    Mismatch {
        /// The whole report (with `mismatch` set).
        report: Box<CosimReport>,
    },
    /// Writing an output file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}
