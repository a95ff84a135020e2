//! RTL simulators and tools driven from Rust: the Verilator bridge (emitted Verilog → C++ shim →
//! cc-built shared library → Rust), Icarus Verilog test-bench runs, and the lint/synthesis tool
//! runners (Verilator lint, Yosys).
//!
//! # The bridge in one paragraph
//! [`build`] verilates the design (`verilator --cc`), renders a C++ shim from
//! `templates/verilator_shim.cpp.tera`, compiles it with the `cc` crate together with
//! Verilator's runtime (compiled once per flag set and reused) into a shared library, and loads
//! it with `libloading`. Libraries are cached on disk by a blake3 hash of (sources, top, ports,
//! clock/reset, flags, opt level, Verilator version); a second build of the same design loads in
//! milliseconds, and parallel processes share the cache under a file lock. An entry is checked
//! before use (completion marker, port list, the library's size and hash before `dlopen`, its
//! shim symbols after) and rebuilt with a one-line notice when it is bad; a build killed midway
//! leaves no running tools and no folder a later build trips over. See `docs/rtlsim.md`.
//!
//! # Cycle semantics (identical for Verilator and Icarus)
//! Inputs poked between cycles are applied while the clock is low. [`Simulator::step`] then
//! performs one full clock cycle:
//! 1. `clk = 1`, evaluate: the poked inputs settle through combinational logic and **then** the
//!    rising edge fires, so every register captures a value computed from the inputs as poked
//!    before `step()` and the state as it was before `step()`;
//! 2. `clk = 0`, evaluate: combinational logic settles again (negedge logic, if any, fires).
//!
//! After `step()` returns, a [`Simulator::peek`] sees registers holding their *new* state and
//! combinational outputs computed from that new state and the *current* inputs. For a reference
//! model `state' = f(state, inputs)`, `outputs = g(state, inputs)`: poke the cycle's inputs,
//! `step()`, and compare `peek()` with `g(f(state, in), in)`. [`Simulator::peek`] always settles
//! pending pokes first, so poke→peek on a combinational design needs no explicit `eval()`.
//! [`icarus::run_vectors`] and [`Simulator::run_vectors`] record outputs at exactly that point of
//! every cycle.

pub mod cache;
mod compile;
mod entry;
mod error;
mod guardian;
pub mod icarus;
pub mod logged;
pub mod pnr;
mod profile;
mod simulator;
mod staging;
pub mod stat;
pub mod stream;
pub mod tools;

use std::path::PathBuf;

pub use compile::{build, build_profiled};
pub use error::RtlSimError;
pub use num_bigint::BigUint;
pub use simulator::{BuildInfo, Port, SimStatus, Simulator, VectorCycle};
pub use stream::{Feed, StreamChannel};

/// Port direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PortDirection {
    Input,
    Output,
}

/// One top-level port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PortSpec {
    pub name: String,
    /// Width in bits (≥ 1).
    pub width: u32,
    pub direction: PortDirection,
    /// Whether the port is declared `signed` (affects only `peek_i64`/`poke_i64` conveniences).
    pub signed: bool,
}

impl PortSpec {
    /// An unsigned input.
    pub fn input(name: impl Into<String>, width: u32) -> Self {
        PortSpec {
            name: name.into(),
            width,
            direction: PortDirection::Input,
            signed: false,
        }
    }
    /// An unsigned output.
    pub fn output(name: impl Into<String>, width: u32) -> Self {
        PortSpec {
            name: name.into(),
            width,
            direction: PortDirection::Output,
            signed: false,
        }
    }
    /// The same port, marked signed.
    pub fn signed(mut self) -> Self {
        self.signed = true;
        self
    }
    /// Whether this is an input.
    pub fn is_input(&self) -> bool {
        self.direction == PortDirection::Input
    }
}

/// Everything needed to build a simulator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DesignSources {
    /// Verilog sources as (file name, text). File names must be plain names (no directories).
    pub files: Vec<(String, String)>,
    /// The top module.
    pub top: String,
    /// The top module's ports. If empty, they are discovered from the Verilated model (all
    /// unsigned); if given, they are checked against it (name, width, direction).
    pub ports: Vec<PortSpec>,
    /// The clock input toggled by [`Simulator::step`]; `None` for combinational designs (then
    /// `step()` is a single settle and still counts a cycle). Default `Some("clk")`.
    pub clock: Option<String>,
    /// The active-high synchronous reset driven by [`Simulator::reset`]. Default `Some("rst")`.
    pub reset: Option<String>,
}

impl Default for DesignSources {
    fn default() -> Self {
        DesignSources {
            files: vec![],
            top: String::new(),
            ports: vec![],
            clock: Some("clk".into()),
            reset: Some("rst".into()),
        }
    }
}

impl DesignSources {
    /// One Verilog file `<top>.v`, ports discovered, default clock `clk` and reset `rst`.
    pub fn single(top: impl Into<String>, verilog: impl Into<String>) -> Self {
        let top = top.into();
        DesignSources {
            files: vec![(format!("{top}.v"), verilog.into())],
            top,
            ..Default::default()
        }
    }
    /// Verilog texts in memory, as (file name, text) in dependency order; ports discovered,
    /// default clock `clk` and reset `rst`.
    pub fn from_texts(top: impl Into<String>, files: Vec<(String, String)>) -> Self {
        DesignSources {
            files,
            top: top.into(),
            ..Default::default()
        }
    }
    /// Reads Verilog files from disk (each stored under its file name, which must be unique),
    /// ports discovered, default clock `clk` and reset `rst`.
    pub fn from_files(
        top: impl Into<String>,
        paths: &[impl AsRef<std::path::Path>],
    ) -> Result<Self, RtlSimError> {
        let mut files = Vec::new();
        for p in paths {
            let p = p.as_ref();
            let text = std::fs::read_to_string(p).map_err(|e| RtlSimError::Io {
                path: p.to_path_buf(),
                source: e,
            })?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if files.iter().any(|(n, _): &(String, String)| *n == name) {
                return Err(RtlSimError::Invalid(format!(
                    "two Verilog files are both named `{name}`"
                )));
            }
            files.push((name, text));
        }
        Ok(DesignSources {
            files,
            top: top.into(),
            ..Default::default()
        })
    }
    /// Builder-style: set the clock (`None` = combinational).
    pub fn with_clock(mut self, clock: Option<&str>) -> Self {
        self.clock = clock.map(str::to_string);
        self
    }
    /// Builder-style: set the reset (`None` = no reset port).
    pub fn with_reset(mut self, reset: Option<&str>) -> Self {
        self.reset = reset.map(str::to_string);
        self
    }
    /// Builder-style: set the port list.
    pub fn with_ports(mut self, ports: Vec<PortSpec>) -> Self {
        self.ports = ports;
        self
    }
}

/// How to build.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BuildOptions {
    /// Build with VCD tracing support (`verilator --trace`); needed for
    /// [`Simulator::trace_window`]. Costs some simulation speed. Default `false`.
    pub trace: bool,
    /// C++ optimisation level of the design's fast-path code (0–3; default 2). The design's
    /// `*__Slow.cpp` (constructors, initial settle) is always compiled at -O0.
    pub opt_level: u32,
    /// Cache root; default [`cache::default_cache_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Check the design's assertions while simulating (`verilator -DFORMAL --assert`, so the
    /// DSL's `ifdef FORMAL` properties are compiled in): a failing assertion or assumption
    /// stops the simulation with an error naming its label, message and line. Default `false`.
    pub assertions: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            trace: false,
            opt_level: 2,
            cache_dir: None,
            assertions: false,
        }
    }
}
