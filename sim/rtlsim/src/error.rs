//! The one error type of the crate. Every message is a complete sentence a user can act on.

use std::path::PathBuf;

/// Everything that can go wrong while building, loading or driving a simulator, or running a tool.
#[derive(Debug, thiserror::Error)]
pub enum RtlSimError {
    /// A required tool is not on `PATH`.
    #[error("{name} (`{command}`) is not installed: install it with `apt-get install -y {package}` (the README's test command does this).")]
    ToolMissing {
        name: &'static str,
        command: &'static str,
        package: &'static str,
    },
    /// A tool is installed but older than required.
    #[error("{name} {found} is too old: spikeforge needs {name} {required} or newer (`{command} --version` reports `{raw}`).")]
    ToolTooOld {
        name: &'static str,
        command: &'static str,
        found: String,
        required: String,
        raw: String,
    },
    /// A tool ran but failed; `excerpt` holds the first lines of its output, `log` the full log.
    #[error("{what} failed:\n{excerpt}\n(full log: {})", log.display())]
    ToolFailed {
        what: String,
        excerpt: String,
        log: PathBuf,
    },
    /// `verilator --cc` rejected the design.
    #[error("verilating top module `{top}` failed:\n{excerpt}\n(full log: {})", log.display())]
    Verilate {
        top: String,
        excerpt: String,
        log: PathBuf,
    },
    /// The C++ compiler rejected the generated code.
    #[error("compiling the Verilated C++ of `{top}` failed:\n{excerpt}\n(full log: {})", log.display())]
    Compile {
        top: String,
        excerpt: String,
        log: PathBuf,
    },
    /// Linking the shared library failed.
    #[error("linking the simulator library of `{top}` failed:\n{excerpt}\n(full log: {})", log.display())]
    Link {
        top: String,
        excerpt: String,
        log: PathBuf,
    },
    /// Loading the shared library or one of its symbols failed.
    #[error("loading simulator library {} failed: {message}", path.display())]
    Load { path: PathBuf, message: String },
    /// The port list given in [`crate::DesignSources`] disagrees with the Verilog.
    #[error("port list of `{top}` does not match the Verilog: {message}")]
    PortMismatch { top: String, message: String },
    /// A port name that the design does not have.
    #[error("unknown port `{port}` on `{top}` (ports: {available})")]
    UnknownPort {
        port: String,
        top: String,
        available: String,
    },
    /// Poking an output.
    #[error("port `{port}` ({width} bits) is an output and cannot be poked")]
    NotAnInput { port: String, width: u32 },
    /// A value that needs more bits than the port has.
    #[error("value {value} needs {value_bits} bits but port `{port}` is {width} bits wide")]
    ValueTooWide {
        port: String,
        width: u32,
        value: String,
        value_bits: u64,
    },
    /// `peek_u64`/`peek_i64` on a port wider than 64 bits.
    #[error(
        "port `{port}` is {width} bits wide; use peek() (BigUint) for ports wider than 64 bits"
    )]
    PortTooWide { port: String, width: u32 },
    /// The design executed `$finish`.
    #[error("the design executed $finish at {file}:{line} (cycle {cycle})")]
    Finished { file: String, line: i32, cycle: u64 },
    /// The design executed `$fatal`/`$stop`, or Verilator's runtime reported a fatal error.
    #[error("the design stopped with a fatal error at {file}:{line} (cycle {cycle}): {message}")]
    Fatal {
        file: String,
        line: i32,
        cycle: u64,
        message: String,
    },
    /// VCD tracing problems (not built with tracing, bad window, file not writable).
    #[error("tracing: {0}")]
    Trace(String),
    /// Yosys found latches.
    #[error("latches inferred in `{top}`: {signals} (full log: {})", log.display())]
    Latch {
        top: String,
        signals: String,
        log: PathBuf,
    },
    /// A run was interrupted (SIGINT, SIGTERM) through its [`crate::logged::Interrupt`]: the
    /// tool `what` was killed, or was not started.
    #[error("interrupted during {what}")]
    Interrupted { what: String },
    /// Bad arguments or an unexpected tool output.
    #[error("{0}")]
    Invalid(String),
    /// An I/O error on a named path.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RtlSimError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RtlSimError::Io {
            path: path.into(),
            source,
        }
    }
}

/// The first `n` lines of `text` that matter (errors first when there are any).
pub(crate) fn excerpt(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let first_err = lines
        .iter()
        .position(|l| l.contains("error") || l.contains("Error") || l.contains("ERROR"))
        .unwrap_or(0);
    let start = first_err.saturating_sub(2);
    let mut out: Vec<&str> = lines.iter().skip(start).take(n).copied().collect();
    if out.is_empty() {
        out = lines.iter().take(n).copied().collect();
    }
    let mut s = out.join("\n");
    if lines.len() > start + n {
        s.push_str("\n…");
    }
    s
}
