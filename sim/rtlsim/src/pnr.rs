//! Place and route on a Lattice iCE40 with Debian's `nextpnr-ice40`: Yosys `synth_ice40` to a
//! JSON netlist, then nextpnr places, routes and reports utilisation, the achieved clock and
//! its critical path (its `--report` JSON). The design's ports go to package pins as nextpnr
//! chooses (`--pcf-allow-unconstrained`): a measurement of what the logic needs and how fast
//! it runs, not a board build.

use crate::error::{excerpt, RtlSimError};
use crate::logged::{run_logged, Watch};
use crate::tools::{log_name, logs_dir, require, yosys_run, Tool};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// An iCE40 part: nextpnr's device flag and a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ice40Part {
    /// nextpnr's device option without the dashes (`hx8k`, `up5k`, …).
    pub device: &'static str,
    /// Package (`ct256`, `sg48`, …).
    pub package: &'static str,
}

impl Ice40Part {
    /// The iCE40 HX8K in its 256-ball package (7,680 logic cells, 32 block RAMs): the largest
    /// iCE40, with enough pins for the accelerator's bare ports.
    pub const HX8K_CT256: Ice40Part = Ice40Part {
        device: "hx8k",
        package: "ct256",
    };
}

/// Used and available resources of one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Use {
    /// Used by the design.
    pub used: u64,
    /// On the device.
    pub available: u64,
}

/// The critical path nextpnr reports for the clock.
#[derive(Clone, Debug, Default)]
pub struct CriticalPath {
    /// The first cell of the path with a netlist name (named after the design's signals).
    pub from: String,
    /// The last such cell.
    pub to: String,
    /// Logic cells passed (LUTs and carries, excluding the launching register).
    pub logic_cells: usize,
    /// Delay in logic, clock-to-out and setup included (ns).
    pub logic_ns: f64,
    /// Delay in routing (ns).
    pub routing_ns: f64,
}

impl CriticalPath {
    /// Total delay (ns).
    pub fn total_ns(&self) -> f64 {
        self.logic_ns + self.routing_ns
    }
}

/// What place and route gave.
#[derive(Clone, Debug, Default)]
pub struct PnrReport {
    /// Logic cells (a LUT4, its carry and flip-flop).
    pub logic_cells: Use,
    /// 4-kbit block RAMs.
    pub brams: Use,
    /// DSP blocks (`SB_MAC16`; none on HX parts).
    pub dsps: Use,
    /// I/O cells.
    pub ios: Use,
    /// The clock the routed design reaches (MHz).
    pub fmax_mhz: f64,
    /// Its critical path.
    pub critical_path: CriticalPath,
    /// nextpnr's log.
    pub log: PathBuf,
}

/// Synthesizes `files` (top `top`) with `synth_ice40` and places and routes them on `part`
/// with `nextpnr-ice40` (seed 1, so the result repeats). A design that does not fit is
/// [`RtlSimError::ToolFailed`] with nextpnr's utilisation lines.
pub fn nextpnr_ice40(
    files: &[PathBuf],
    top: &str,
    part: Ice40Part,
) -> Result<PnrReport, RtlSimError> {
    let pnr = require(Tool::NextpnrIce40)?;
    let dir = tempfile::tempdir().map_err(|e| RtlSimError::io(std::env::temp_dir(), e))?;
    let netlist = dir.path().join("netlist.json");
    yosys_run(
        "yosys-ice40-json",
        files,
        top,
        &format!(
            "synth_ice40 -top {top}\nwrite_json \"{}\"",
            netlist.display()
        ),
    )?;
    let report = dir.path().join("report.json");
    let mut cmd = Command::new(&pnr.path);
    cmd.arg(format!("--{}", part.device))
        .args(["--package", part.package, "--json"])
        .arg(&netlist)
        .args(["--pcf-allow-unconstrained", "--timing-allow-fail"])
        .args(["--seed", "1", "--report"])
        .arg(&report);
    let kind = format!("nextpnr-{}", part.device);
    let ran = run_logged(
        cmd,
        logs_dir()?.join(log_name(&kind, files, top)),
        Watch::default(),
    )?;
    if !ran.success {
        let utilisation: Vec<&str> = ran
            .text
            .lines()
            .filter(|l| l.contains("ICESTORM_") || l.contains("SB_IO") || l.contains("ERROR"))
            .collect();
        return Err(RtlSimError::ToolFailed {
            what: format!(
                "nextpnr-ice40 ({} {}) on `{top}`",
                part.device, part.package
            ),
            excerpt: if utilisation.is_empty() {
                excerpt(&ran.text, 20)
            } else {
                utilisation.join("\n")
            },
            log: ran.log,
        });
    }
    read_report(&report, ran.log)
}

/// nextpnr's names for the resources of a family in its report's `utilization`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportKeys {
    /// Logic (`ICESTORM_LC`, `TRELLIS_COMB`).
    pub logic: &'static str,
    /// Block RAM (`ICESTORM_RAM`, `DP16KD`).
    pub bram: &'static str,
    /// Multipliers (`ICESTORM_DSP`, `MULT18X18D`).
    pub dsp: &'static str,
    /// I/O (`SB_IO`, `TRELLIS_IO`).
    pub io: &'static str,
}

impl ReportKeys {
    /// nextpnr-ice40's.
    pub const ICE40: ReportKeys = ReportKeys {
        logic: "ICESTORM_LC",
        bram: "ICESTORM_RAM",
        dsp: "ICESTORM_DSP",
        io: "SB_IO",
    };
    /// nextpnr-ecp5's.
    pub const ECP5: ReportKeys = ReportKeys {
        logic: "TRELLIS_COMB",
        bram: "DP16KD",
        dsp: "MULT18X18D",
        io: "TRELLIS_IO",
    };
}

/// Reads nextpnr-ice40's `--report` JSON at `path` (`log` is its log, named in errors).
pub fn read_report(path: &Path, log: PathBuf) -> Result<PnrReport, RtlSimError> {
    read_report_with(path, log, ReportKeys::ICE40)
}

/// Reads a nextpnr `--report` JSON at `path` whose resources are named by `keys`.
pub fn read_report_with(
    path: &Path,
    log: PathBuf,
    keys: ReportKeys,
) -> Result<PnrReport, RtlSimError> {
    let text = std::fs::read_to_string(path).map_err(|e| RtlSimError::io(path, e))?;
    let bad = |why: &str| RtlSimError::ToolFailed {
        what: format!("reading nextpnr's report {}", path.display()),
        excerpt: why.to_string(),
        log: log.clone(),
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let use_of = |kind: &str| Use {
        used: v["utilization"][kind]["used"].as_u64().unwrap_or(0),
        available: v["utilization"][kind]["available"].as_u64().unwrap_or(0),
    };
    let fmax_mhz = v["fmax"]
        .as_object()
        .and_then(|clocks| {
            clocks
                .values()
                .filter_map(|c| c["achieved"].as_f64())
                .reduce(f64::min)
        })
        .ok_or_else(|| bad("no clock in the report"))?;
    // The register-to-register path of the clock (the report also lists I/O paths).
    let path = v["critical_paths"]
        .as_array()
        .and_then(|paths| {
            paths.iter().find(|p| {
                p["from"].as_str().is_some_and(|f| f.starts_with("posedge"))
                    && p["to"].as_str().is_some_and(|t| t.starts_with("posedge"))
            })
        })
        .and_then(|p| p["path"].as_array())
        .ok_or_else(|| bad("no register-to-register critical path"))?;
    let mut cp = CriticalPath::default();
    // Cells in path order; the endpoints named are the first and last with a netlist name
    // (nextpnr's own cells, `$nextpnr_…`, such as a carry chain's feed-in, are skipped).
    let cells: Vec<&str> = path
        .iter()
        .flat_map(|step| [step["from"]["cell"].as_str(), step["to"]["cell"].as_str()])
        .flatten()
        .collect();
    let named: Vec<&str> = cells.into_iter().filter(|c| !c.starts_with('$')).collect();
    cp.from = named.first().copied().unwrap_or("").to_string();
    cp.to = named.last().copied().unwrap_or("").to_string();
    for step in path {
        let delay = step["delay"].as_f64().unwrap_or(0.0);
        let kind = step["type"].as_str().unwrap_or("");
        if kind == "routing" {
            cp.routing_ns += delay;
        } else {
            cp.logic_ns += delay;
            if kind == "logic" {
                cp.logic_cells += 1;
            }
        }
    }
    Ok(PnrReport {
        logic_cells: use_of(keys.logic),
        brams: use_of(keys.bram),
        dsps: use_of(keys.dsp),
        ios: use_of(keys.io),
        fmax_mhz,
        critical_path: cp,
        log,
    })
}
