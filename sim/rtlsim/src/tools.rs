//! Runners for the real EDA tools: Verilator lint, Yosys checks and iCE40 synthesis, Icarus
//! compilation. A missing tool is an error with one clear sentence saying how to install it; a
//! tool failure shows the first lines of its output and the path of the full log.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::error::{excerpt, RtlSimError};
use crate::logged::{run_logged, Ran, Watch};
use crate::stat::YosysStat;

/// The external tools this crate drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tool {
    /// `verilator` (≥ 5.0 required).
    Verilator,
    /// `yosys`.
    Yosys,
    /// `iverilog` (the Icarus Verilog compiler).
    Iverilog,
    /// `vvp` (the Icarus Verilog run time).
    Vvp,
    /// `yosys-abc` (the ABC build shipped with Yosys; its model checkers prove properties).
    YosysAbc,
    /// `nextpnr-ice40` (place and route for Lattice iCE40).
    NextpnrIce40,
    /// `icepack` (Project IceStorm: an iCE40 bitstream from nextpnr's ASCII configuration).
    Icepack,
    /// `icetime` (Project IceStorm: static timing analysis of an iCE40 configuration).
    Icetime,
}

impl Tool {
    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Verilator => "Verilator",
            Tool::Yosys => "Yosys",
            Tool::Iverilog => "Icarus Verilog",
            Tool::Vvp => "Icarus Verilog's run time",
            Tool::YosysAbc => "ABC (Yosys's build)",
            Tool::NextpnrIce40 => "nextpnr for iCE40",
            Tool::Icepack => "IceStorm's icepack",
            Tool::Icetime => "IceStorm's icetime",
        }
    }
    /// Command on `PATH`.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Verilator => "verilator",
            Tool::Yosys => "yosys",
            Tool::Iverilog => "iverilog",
            Tool::Vvp => "vvp",
            Tool::YosysAbc => "yosys-abc",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::Icepack => "icepack",
            Tool::Icetime => "icetime",
        }
    }
    /// Debian package providing it.
    pub fn package(self) -> &'static str {
        match self {
            Tool::Verilator => "verilator",
            Tool::Yosys | Tool::YosysAbc => "yosys",
            Tool::Iverilog | Tool::Vvp => "iverilog",
            Tool::NextpnrIce40 => "nextpnr-ice40",
            Tool::Icepack | Tool::Icetime => "fpga-icestorm",
        }
    }
    fn version_args(self) -> &'static [&'static str] {
        match self {
            Tool::Verilator => &["--version"],
            Tool::Yosys => &["-V"],
            Tool::Iverilog => &["-V"],
            Tool::Vvp => &["-V"],
            Tool::YosysAbc => &["-q", "version"],
            Tool::NextpnrIce40 => &["--version"],
            // IceStorm's tools have no version option; their usage text is what they print.
            Tool::Icepack | Tool::Icetime => &["-h"],
        }
    }
    /// Minimum (major, minor) version, if any.
    pub fn min_version(self) -> Option<(u32, u32)> {
        match self {
            Tool::Verilator => Some((5, 0)),
            _ => None,
        }
    }
}

/// A located tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolInfo {
    pub tool: Tool,
    /// Absolute path of the executable.
    pub path: PathBuf,
    /// First line of its version output, e.g. `Verilator 5.006 2023-01-22 rev (Debian 5.006-3)`.
    pub version_string: String,
    /// Parsed (major, minor), when the version output has a number.
    pub version: Option<(u32, u32)>,
}

/// Finds an executable on `PATH`.
pub fn find_in_path(cmd: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        let p = dir.join(cmd);
        if let Ok(meta) = std::fs::metadata(&p) {
            use std::os::unix::fs::PermissionsExt;
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return Some(p);
            }
        }
    }
    None
}

fn parse_version(s: &str) -> Option<(u32, u32)> {
    // first token that looks like N.M
    for tok in s.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        let tok = tok.trim_start_matches('v');
        let mut it = tok.split('.');
        let (Some(a), Some(b)) = (it.next(), it.next()) else {
            continue;
        };
        let b: String = b.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
            return Some((a, b));
        }
    }
    None
}

static TOOL_CACHE: OnceLock<Mutex<BTreeMap<(Tool, PathBuf), ToolInfo>>> = OnceLock::new();

/// Locates `tool`, checks its version, and returns where it is. Results are memoised per process
/// (keyed by the resolved path, so a changed `PATH` is honoured).
///
/// Errors: [`RtlSimError::ToolMissing`] with one sentence naming the package to install, or
/// [`RtlSimError::ToolTooOld`] naming the version needed (Verilator ≥ 5.0).
pub fn require(tool: Tool) -> Result<ToolInfo, RtlSimError> {
    let path = find_in_path(tool.command()).ok_or(RtlSimError::ToolMissing {
        name: tool.name(),
        command: tool.command(),
        package: tool.package(),
    })?;
    let cache = TOOL_CACHE.get_or_init(Default::default);
    if let Some(info) = cache.lock().unwrap().get(&(tool, path.clone())) {
        return Ok(info.clone());
    }
    let out = Command::new(&path)
        .args(tool.version_args())
        .output()
        .map_err(|e| RtlSimError::io(&path, e))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let version_string = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    let version = parse_version(&version_string);
    check_version(tool, &version_string, version)?;
    let info = ToolInfo {
        tool,
        path: path.clone(),
        version_string,
        version,
    };
    cache.lock().unwrap().insert((tool, path), info.clone());
    Ok(info)
}

/// Checks a parsed version against the tool's minimum.
pub(crate) fn check_version(
    tool: Tool,
    raw: &str,
    version: Option<(u32, u32)>,
) -> Result<(), RtlSimError> {
    if let Some(min) = tool.min_version() {
        let ok = matches!(version, Some(v) if v >= min);
        if !ok {
            return Err(RtlSimError::ToolTooOld {
                name: tool.name(),
                command: tool.command(),
                found: version
                    .map(|(a, b)| format!("{a}.{b:03}"))
                    .unwrap_or_else(|| "(unknown version)".into()),
                required: format!("{}.{}", min.0, min.1),
                raw: raw.to_string(),
            });
        }
    }
    Ok(())
}

/// Directory where tool logs are kept (`<cache>/logs`).
pub(crate) fn logs_dir() -> Result<PathBuf, RtlSimError> {
    let d = crate::cache::default_cache_dir().join("logs");
    std::fs::create_dir_all(&d).map_err(|e| RtlSimError::io(&d, e))?;
    Ok(d)
}

pub(crate) fn log_name(kind: &str, files: &[PathBuf], top: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(kind.as_bytes());
    h.update(top.as_bytes());
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(&std::fs::read(f).unwrap_or_default());
    }
    format!("{kind}-{top}-{}.log", &h.finalize().to_hex()[..16])
}

/// Result of `verilator --lint-only -Wall`.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    /// `%Warning-…` messages (first line of each).
    pub warnings: Vec<String>,
    /// `%Error…` messages (first line of each).
    pub errors: Vec<String>,
    /// Full log.
    pub log: PathBuf,
}

impl LintReport {
    /// No warnings and no errors.
    pub fn is_clean(&self) -> bool {
        self.warnings.is_empty() && self.errors.is_empty()
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return write!(f, "lint clean");
        }
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        for w in &self.warnings {
            writeln!(f, "{w}")?;
        }
        write!(f, "(full log: {})", self.log.display())
    }
}

/// Runs `verilator --lint-only -Wall --top-module top files…`. Lint findings (warnings and
/// errors, including syntax errors) are returned in the report — check [`LintReport::is_clean`];
/// `Err` only when Verilator is missing or cannot run.
pub fn verilator_lint(files: &[PathBuf], top: &str) -> Result<LintReport, RtlSimError> {
    let v = require(Tool::Verilator)?;
    let mut cmd = Command::new(&v.path);
    cmd.args(["--lint-only", "-Wall", "-Wno-fatal", "--top-module", top])
        .args(files);
    let ran = run_logged(
        cmd,
        logs_dir()?.join(log_name("lint", files, top)),
        Watch::default(),
    )?;
    let mut report = LintReport {
        log: ran.log,
        ..Default::default()
    };
    for line in ran.text.lines() {
        if line.starts_with("%Warning") {
            report.warnings.push(line.to_string());
        } else if line.starts_with("%Error") {
            report.errors.push(line.to_string());
        }
    }
    if !ran.success && report.errors.is_empty() {
        report.errors.push(excerpt(&ran.text, 20));
    }
    Ok(report)
}

/// Result of a Yosys run.
#[derive(Debug, Clone, Default)]
pub struct SynthReport {
    /// Total number of cells (`stat`).
    pub cells: u64,
    /// Cell counts by type, from `stat`.
    pub cell_types: BTreeMap<String, u64>,
    /// LUTs (`SB_LUT4` for iCE40; `None` for generic synthesis).
    pub luts: Option<u64>,
    /// Flip-flops (`SB_DFF*` for iCE40; `$_DFF*`/`$_SDFF*`/`$_DFFE*`… for generic synthesis).
    pub ffs: Option<u64>,
    /// Block RAMs (`SB_RAM40_4K`; `None` for generic synthesis).
    pub brams: Option<u64>,
    /// Carry cells (`SB_CARRY`; `None` for generic synthesis).
    pub carries: Option<u64>,
    /// Memories that iCE40 synthesis built from flip-flops and logic instead of block RAM
    /// (hierarchical names, from `memory_libmap`'s "using FF mapping for memory" lines;
    /// empty for generic synthesis).
    pub ff_memories: Vec<String>,
    /// Memories kept whole as `$mem_v2` cells by generic synthesis ([`yosys_check`]), as
    /// `module/memory`; empty for iCE40 synthesis.
    pub memories: Vec<String>,
    /// Yosys warnings (first line of each).
    pub warnings: Vec<String>,
    /// Full log.
    pub log: PathBuf,
}

/// Fills `report`'s cell counts from the last `stat` block of `text` (either layout, see
/// [`crate::stat::YosysStat`]) and its warnings from Yosys's `Warning:` lines.
fn parse_stat(text: &str, report: &mut SynthReport) {
    if let Some(stat) = YosysStat::parse(text) {
        report.cells = stat.cells;
        report.cell_types = stat.cell_types;
    }
    for line in text.lines() {
        if line.starts_with("Warning:") {
            report.warnings.push(line.to_string());
        }
    }
}

/// The memories `memory_libmap` built from flip-flops ("using FF mapping for memory M").
fn ff_mapped_memories(text: &str) -> Vec<String> {
    let marker = "using FF mapping for memory ";
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| {
            l.find(marker)
                .map(|i| l[i + marker.len()..].trim().to_string())
        })
        .collect();
    v.dedup();
    v
}

fn latches(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find("Latch inferred for signal") {
            let s = line[i + "Latch inferred for signal".len()..].trim();
            let s = s
                .split(" from process")
                .next()
                .unwrap_or(s)
                .trim_matches(|c| c == '`' || c == '\'' || c == ' ');
            let s = s.to_string();
            if !v.contains(&s) {
                v.push(s);
            }
        }
    }
    v
}

/// Runs a Yosys script: every file read with `read` (`read_verilog`, `read_verilog -formal`),
/// then `commands`; the script and the log are kept under the logs folder, named by `kind`.
fn yosys_script(
    kind: &str,
    files: &[PathBuf],
    top: &str,
    read: &str,
    commands: &str,
) -> Result<Ran, RtlSimError> {
    let y = require(Tool::Yosys)?;
    let mut script = String::new();
    for f in files {
        script.push_str(&format!("{read} \"{}\"\n", f.display()));
    }
    script.push_str(commands);
    let log = logs_dir()?.join(log_name(kind, files, top));
    let script_path = log.with_extension("ys");
    std::fs::write(&script_path, &script).map_err(|e| RtlSimError::io(&script_path, e))?;
    let mut cmd = Command::new(&y.path);
    cmd.arg("-s").arg(&script_path);
    run_logged(cmd, log, Watch::default())
}

pub(crate) fn yosys_run(
    kind: &str,
    files: &[PathBuf],
    top: &str,
    synth_cmd: &str,
) -> Result<(String, PathBuf), RtlSimError> {
    let ran = yosys_script(
        kind,
        files,
        top,
        "read_verilog",
        &format!("{synth_cmd}\nstat\n"),
    )?;
    if !ran.success {
        // A failed `check -assert` lists its problems (loops, drivers) after the pass's
        // banner, before the error line: show them from there.
        let excerpt = match ran.text.rfind("Executing CHECK pass") {
            Some(i) if ran.text.contains("problems in 'check -assert'") => {
                let lines: Vec<&str> = ran.text[i..].lines().skip(1).take(20).collect();
                lines.join("\n")
            }
            _ => excerpt(&ran.text, 20),
        };
        return Err(RtlSimError::ToolFailed {
            what: format!("Yosys ({kind}) on `{top}`"),
            excerpt,
            log: ran.log,
        });
    }
    let l = latches(&ran.text);
    let mut stat = SynthReport::default();
    parse_stat(&ran.text, &mut stat);
    let latch_cells = stat.cell_types.keys().any(|k| k.contains("DLATCH"));
    if !l.is_empty() || latch_cells {
        return Err(RtlSimError::Latch {
            top: top.to_string(),
            signals: if l.is_empty() {
                "($_DLATCH cells in the netlist)".into()
            } else {
                l.join(", ")
            },
            log: ran.log,
        });
    }
    Ok((ran.text, ran.log))
}

/// Generic synthesis and checks: `read_verilog files`, then Yosys's `synth -top T` script
/// without its `memory_map` step, `check -assert` and `stat`. Fails on any `check` problem
/// (undriven or multiply-driven nets, combinational loops) and on inferred latches
/// ([`RtlSimError::Latch`]). The design keeps its hierarchy, so each module is checked on its
/// own; [`yosys_check_coarse`] also sees loops through instances.
///
/// Memories stay whole `$mem_v2` cells ([`SynthReport::memories`] lists them) instead of
/// being built from flip-flops and multiplexers: that is what a technology mapping does with
/// them anyway (block RAM, LUT RAM or its own flip-flop mapping), and exploding them took 96 %
/// of the built-in accelerator's generic synthesis (1,606 s against 55 s on a 2-core machine,
/// Yosys 0.23). [`SynthReport::ffs`] therefore counts the logic's flip-flops only.
pub fn yosys_check(files: &[PathBuf], top: &str) -> Result<SynthReport, RtlSimError> {
    let (text, log) = yosys_run(
        "yosys-check",
        files,
        top,
        &format!(
            "synth -top {top} -run begin:fine\nopt -fast -full\nopt -full\ntechmap\nopt -fast\n\
             abc -fast\nopt -fast\nhierarchy -check\ncheck -assert\nlog {MEMORIES_BEGIN}\n\
             select -list t:$mem_v2\nlog {MEMORIES_END}"
        ),
    )?;
    let mut r = SynthReport {
        log,
        memories: listed_memories(&text),
        ..Default::default()
    };
    parse_stat(&text, &mut r);
    let ffs: u64 = r
        .cell_types
        .iter()
        .filter(|(k, _)| k.contains("DFF") || k.contains("$_SR"))
        .map(|(_, v)| v)
        .sum();
    r.ffs = Some(ffs);
    Ok(r)
}

/// Markers around the `select -list t:$mem_v2` output in [`yosys_check`]'s log.
const MEMORIES_BEGIN: &str = "spikeforge: memories begin";
const MEMORIES_END: &str = "spikeforge: memories end";

/// The `module/memory` lines between the markers (the last pair in the log).
fn listed_memories(text: &str) -> Vec<String> {
    let Some(begin) = text.rfind(MEMORIES_BEGIN) else {
        return Vec::new();
    };
    let rest = &text[begin + MEMORIES_BEGIN.len()..];
    let rest = rest.find(MEMORIES_END).map_or(rest, |end| &rest[..end]);
    rest.lines()
        .map(str::trim)
        .filter(|l| l.contains('/') && !l.contains(' '))
        .map(|l| l.replace('\\', ""))
        .collect()
}

/// Structural check without synthesis: `hierarchy -check -top T; proc; flatten; opt_expr;
/// opt_clean; check -assert; stat` — the design as elaborated (processes turned into cells,
/// flattened, constants folded), enough to find latches, combinational loops (through
/// instances too) and undriven or multiply driven nets, in seconds where a full `synth` of a
/// large design takes minutes (the built-in accelerator: 4 s against 7 minutes).
pub fn yosys_check_coarse(files: &[PathBuf], top: &str) -> Result<SynthReport, RtlSimError> {
    let (text, log) = yosys_run(
        "yosys-coarse",
        files,
        top,
        &format!("hierarchy -check -top {top}\nproc\nflatten\nopt_expr\nopt_clean\ncheck -assert"),
    )?;
    let mut r = SynthReport {
        log,
        ..Default::default()
    };
    parse_stat(&text, &mut r);
    Ok(r)
}

/// iCE40 synthesis and checks: `read_verilog files; synth_ice40 -top T -run :check;
/// hierarchy -check; check -assert; stat`; reports `SB_LUT4`, `SB_DFF*`, `SB_RAM40_4K` and
/// `SB_CARRY` counts and the memories built from flip-flops. Inferred latches and any `check`
/// problem of the mapped netlist (undriven or multiply driven nets) are errors. `check` does
/// not look through `SB_LUT4` cells, so combinational loops are [`yosys_check_coarse`]'s job.
///
/// The script is `synth_ice40`'s own up to its `check` step, which is replaced by
/// `check -assert`: that step also runs `autoname`, which only renames nets and took 45 % of
/// the built-in accelerator's synthesis time (146 of 336 s, Yosys 0.23).
pub fn yosys_synth_ice40(files: &[PathBuf], top: &str) -> Result<SynthReport, RtlSimError> {
    let (text, log) = yosys_run(
        "yosys-ice40",
        files,
        top,
        &format!("synth_ice40 -top {top} -run :check\nhierarchy -check\ncheck -assert"),
    )?;
    let mut r = SynthReport {
        log,
        ff_memories: ff_mapped_memories(&text),
        ..Default::default()
    };
    parse_stat(&text, &mut r);
    let sum = |pred: &dyn Fn(&str) -> bool| -> u64 {
        r.cell_types
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(_, v)| *v)
            .sum()
    };
    let luts = sum(&|k| k == "SB_LUT4");
    let ffs = sum(&|k| k.starts_with("SB_DFF"));
    let brams = sum(&|k| k.starts_with("SB_RAM40_4K"));
    let carries = sum(&|k| k == "SB_CARRY");
    r.luts = Some(luts);
    r.ffs = Some(ffs);
    r.brams = Some(brams);
    r.carries = Some(carries);
    Ok(r)
}

/// Compiles with `iverilog -g2005 -Wall -s top` (output discarded). A compile error is
/// [`RtlSimError::ToolFailed`]; warnings are returned in the report.
pub fn iverilog_compile(files: &[PathBuf], top: &str) -> Result<LintReport, RtlSimError> {
    let iv = require(Tool::Iverilog)?;
    let dir = tempfile::tempdir().map_err(|e| RtlSimError::io(std::env::temp_dir(), e))?;
    let mut cmd = Command::new(&iv.path);
    cmd.args(["-g2005", "-Wall", "-s", top, "-o"])
        .arg(dir.path().join("a.vvp"))
        .args(files);
    let ran = run_logged(
        cmd,
        logs_dir()?.join(log_name("iverilog", files, top)),
        Watch::default(),
    )?;
    if !ran.success {
        return Err(RtlSimError::ToolFailed {
            what: format!("Icarus Verilog (iverilog -g2005) on `{top}`"),
            excerpt: excerpt(&ran.text, 20),
            log: ran.log,
        });
    }
    let warnings = ran
        .text
        .lines()
        .filter(|l| l.contains("warning"))
        .map(str::to_string)
        .collect();
    Ok(LintReport {
        warnings,
        errors: vec![],
        log: ran.log,
    })
}

/// Writes `(name, text)` sources into `dir` and returns their paths.
pub fn write_sources(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, RtlSimError> {
    std::fs::create_dir_all(dir).map_err(|e| RtlSimError::io(dir, e))?;
    let mut out = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| RtlSimError::io(&p, e))?;
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthesis_reports_read_both_stat_layouts() {
        let old = "Warning: Resizing cell port top.x\n\n=== top ===\n\n   Number of wires:  14\n   Number of cells:  22\n     SB_CARRY   6\n     SB_DFF   8\n     SB_LUT4   8\n\nEnd of script.\n";
        let new = "=== top ===\n\n        +----------Local Count, excluding submodules.\n        | \n       52 wires\n       22 cells\n        6   SB_CARRY\n        8   SB_DFF\n        8   SB_LUT4\n\n";
        for (text, warnings) in [(old, 1), (new, 0)] {
            let mut r = SynthReport::default();
            parse_stat(text, &mut r);
            assert_eq!(r.cells, 22, "{text}");
            assert_eq!(
                r.cell_types.into_iter().collect::<Vec<_>>(),
                [
                    ("SB_CARRY".to_string(), 6),
                    ("SB_DFF".to_string(), 8),
                    ("SB_LUT4".to_string(), 8)
                ],
                "{text}"
            );
            assert_eq!(r.warnings.len(), warnings);
        }
    }

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"),
            Some((5, 6))
        );
        assert_eq!(
            parse_version("Yosys 0.23 (git sha1 7ce5011c24b)"),
            Some((0, 23))
        );
        let e = check_version(Tool::Verilator, "Verilator 4.038 2020-07-11", Some((4, 38)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Verilator 5.0 or newer"), "{e}");
        assert!(e.contains("4.038"), "{e}");
    }
}

/// What a formal proof of a design's assertions concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofOutcome {
    /// Every assertion holds in every reachable state: k-induction succeeded at this length
    /// (cycles).
    Proven {
        /// The induction length at which the step case was proven.
        induction_length: u32,
    },
    /// A trace from reset breaks an assertion (the base case found a model) within this many
    /// cycles.
    Counterexample {
        /// Length of the failing trace in cycles (reset included).
        cycles: u32,
    },
    /// No counterexample within `depth` cycles of reset, but induction did not close either:
    /// the assertions hold for that bounded depth only.
    Bounded {
        /// The depth searched (cycles).
        depth: u32,
    },
}

/// Result of [`yosys_prove`].
#[derive(Debug, Clone)]
pub struct ProofReport {
    /// The conclusion.
    pub outcome: ProofOutcome,
    /// Yosys's full log (for a counterexample: the trace, signal by signal and step by step).
    pub log: PathBuf,
}

/// Proves the assertions of `top` (read with `read_verilog -formal`, so `` `ifdef FORMAL ``
/// blocks are seen) with Yosys's SAT-based temporal induction: `prep -flatten; memory_map;
/// async2sync; dffunmap; sat -tempinduct -prove-asserts -set-assumes -maxsteps max_steps`
/// (memories become flip-flops, so keep them small), with `reset` (when the
/// design has one) held high in the first cycle and assertions checked from the second
/// (`-set-at 1 <reset> 1 -seq 1`). Assumptions constrain the search. Covers are not proved
/// (simulation counts them).
pub fn yosys_prove(
    files: &[PathBuf],
    top: &str,
    reset: Option<&str>,
    max_steps: u32,
) -> Result<ProofReport, RtlSimError> {
    prove_with_sat_args("yosys-prove", files, top, reset, max_steps, "")
}

/// Like [`yosys_prove`], for a design whose induction only closes once some of its state is
/// known to be equal in pairs — typically a miter of two variants of one circuit, whose
/// memories (scratchpads) hold data for arbitrarily long. Each pair `(a, b)` names two
/// signals of the flattened design (`instance.sub.signal`; a memory word after `memory_map`
/// is `instance.sub.mem[index]`) that must be equal in every cycle: it is proved like an
/// assertion and, as one, assumed in the induction hypothesis (`sat -prove a b`).
///
/// So that such pairs can hold from the start, all state starts at zero before the reset
/// cycle (`-set-init-zero`) instead of at arbitrary values: the proof speaks of the designs
/// starting from equal power-up state. A misspelt signal is a [`RtlSimError::ToolFailed`].
pub fn yosys_prove_equal_state(
    files: &[PathBuf],
    top: &str,
    reset: Option<&str>,
    max_steps: u32,
    equal: &[(String, String)],
) -> Result<ProofReport, RtlSimError> {
    let mut extra = String::from(" -set-init-zero");
    for (a, b) in equal {
        extra.push_str(&format!(" -prove {a} {b}"));
    }
    prove_with_sat_args("yosys-prove-equal", files, top, reset, max_steps, &extra)
}

/// [`yosys_prove`]'s script with `extra` appended to the `sat` command's arguments; `kind`
/// names the log.
fn prove_with_sat_args(
    kind: &str,
    files: &[PathBuf],
    top: &str,
    reset: Option<&str>,
    max_steps: u32,
    extra: &str,
) -> Result<ProofReport, RtlSimError> {
    let reset_args = reset
        .map(|r| format!(" -set-at 1 {r} 1 -seq 1"))
        .unwrap_or_default();
    let script = format!(
        "prep -flatten -top {top}\nmemory_map\nopt_clean\nchformal -cover -remove\nasync2sync\ndffunmap\nsat -tempinduct -prove-asserts -set-assumes{reset_args}{extra} -maxsteps {max_steps} -show-inputs -show-regs\n"
    );
    let ran = yosys_script(kind, files, top, "read_verilog -formal", &script)?;
    if !ran.success {
        return Err(RtlSimError::ToolFailed {
            what: format!("Yosys (formal proof) on `{top}`"),
            excerpt: excerpt(&ran.text, 20),
            log: ran.log,
        });
    }
    let tried = ran
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("** Trying induction with length "))
        .filter_map(|l| l.trim_end_matches(" **").trim().parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    let outcome = if ran.text.contains("Induction step proven: SUCCESS!") {
        ProofOutcome::Proven {
            induction_length: tried,
        }
    } else if ran.text.contains("model found for base case: FAIL!") {
        ProofOutcome::Counterexample { cycles: tried + 1 }
    } else {
        ProofOutcome::Bounded { depth: max_steps }
    };
    Ok(ProofReport {
        outcome,
        log: ran.log,
    })
}

/// The model checker [`yosys_prove_abc`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbcEngine {
    /// Property-directed reachability (IC3, ABC's `pdr`): proves with no bound, or refutes.
    /// It finds the strengthening invariant itself; a counterexample deep behind a long
    /// sequence of phases can take it long.
    Pdr,
    /// Bounded model checking (ABC's `bmc3`) of the first `frames` cycles after reset: finds
    /// counterexamples fast, proves nothing beyond them.
    Bmc {
        /// Cycles after the reset cycle to search.
        frames: u32,
    },
}

/// What [`yosys_prove_abc`] concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbcOutcome {
    /// Every assertion holds in every state reachable from reset, with no bound on the number
    /// of cycles: PDR found an inductive invariant that implies them.
    Proven {
        /// Clauses of that invariant (each over a few of the design's flip-flops).
        invariant_clauses: u32,
    },
    /// A trace from reset breaks an assertion.
    Counterexample {
        /// The failing assertion's name in the flattened design: the DSL's label, after the
        /// instance path when it is inside an instance
        /// (`u_accel.assert_req_valid_held_until_ready`).
        assertion: String,
        /// Cycles after the reset cycle until the failure shows (ABC's frame number; the
        /// trace is `frame + 2` cycles long with the reset cycle).
        frame: u32,
    },
    /// BMC found no counterexample within this many cycles after reset (bounded only).
    NoCounterexample {
        /// Cycles searched.
        frames: u32,
    },
    /// The engine reached its time limit with neither a proof nor a counterexample.
    Undecided,
}

/// Result of [`yosys_prove_abc`].
#[derive(Debug, Clone)]
pub struct AbcReport {
    /// The conclusion.
    pub outcome: AbcOutcome,
    /// The assertions in the model (flattened names, see [`AbcOutcome::Counterexample`]):
    /// what [`AbcOutcome::Proven`] speaks of.
    pub assertions: Vec<String>,
    /// ABC's log (the model's size, the engine's frames, PDR's invariant).
    pub log: PathBuf,
}

/// How [`yosys_prove_abc`] models the design's memories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryModel {
    /// Every word a flip-flop (`memory_map`), starting at any value: exact, but the model grows
    /// with the memories' bits.
    FlipFlops,
    /// The memories removed and every read returning any value, in every cycle: an
    /// over-approximation, so a proof holds for the real design whatever its memories hold,
    /// and the model does not grow with them. A counterexample may be spurious (it may need a
    /// read to return what was never written): refute with [`MemoryModel::FlipFlops`].
    FreeReads,
}

/// Proves or refutes the assertions of `top` with ABC (the `yosys-abc` Yosys ships): Yosys
/// turns the design into an AIGER model and ABC runs `engine` on it, for at most
/// `time_limit` seconds. Unlike [`yosys_prove`]'s k-induction, [`AbcEngine::Pdr`] finds the
/// strengthening invariant itself, so a design whose assertions are not inductive on their
/// own (a controller whose outputs depend on a phase register) is still proved; neither
/// engine unrolls the whole design frame by frame in Yosys, so a counterexample tens of cycles
/// deep takes seconds, not minutes.
///
/// The model: `prep -flatten`, covers removed, outputs dropped (only logic that reaches an
/// assertion or assumption stays), memories as `memories` says, undriven nets and undefined constants as free inputs (`setundef -anyseq`), then gates
/// (`techmap; aigmap`; ABC's `strash` optimises them). The initial state is the state after one
/// clock cycle (of input `clk`, the DSL's clock) with `reset` high, computed by Yosys's `sim`:
/// every register with a reset value starts at it, every other register and every memory word
/// starts at any value. Without `reset`, every register starts at any value. Inputs are free
/// in every cycle (`reset` too, after the first) except as the design's assumptions
/// (`$assume`) constrain them (ABC's `fold`).
///
/// `set_aside` names assertions (Yosys name patterns, e.g. `*never_reads_the_word*`) that are
/// removed from the model before the check: for claims the proof's environment cannot
/// support (they stay checked in simulation).
///
/// Errors: a tool is missing, or Yosys or ABC fails ([`RtlSimError::ToolFailed`], with the log).
pub fn yosys_prove_abc(
    files: &[PathBuf],
    top: &str,
    reset: Option<&str>,
    memories: MemoryModel,
    engine: AbcEngine,
    time_limit: u32,
    set_aside: &[&str],
) -> Result<AbcReport, RtlSimError> {
    let abc = require(Tool::YosysAbc)?;
    let memories = match memories {
        MemoryModel::FlipFlops => "memory_map",
        // Their read data is left undriven, which `setundef -undriven -anyseq` makes free.
        MemoryModel::FreeReads => "delete t:$mem_v2",
    };
    let dir = tempfile::tempdir().map_err(|e| RtlSimError::io(std::env::temp_dir(), e))?;
    let aig = dir.path().join("model.aig");
    let reset_cycle = reset
        .map(|r| format!("sim -clock clk -reset {r} -rstlen 1 -n 1 -w\n"))
        .unwrap_or_default();
    let set_aside: String = set_aside
        .iter()
        .map(|p| format!("chformal -assert -remove c:{p}\n"))
        .collect();
    let script = format!(
        "prep -flatten -top {top}\nchformal -cover -remove\n{set_aside}delete -output\nopt_clean\n\
         {memories}\nopt_clean\nasync2sync\ndffunmap\n{reset_cycle}\
         setundef -undriven -anyseq\nopt -fast -keepdc\ndffunmap\ntechmap\nopt_clean\n\
         setundef -undriven -anyseq\naigmap\nopt_clean\nlog {ASSERTS_BEGIN}\nselect -list t:$assert\nlog {ASSERTS_END}\n\
         write_aiger -zinit -I -B \"{}\"\n",
        aig.display()
    );
    let ran = yosys_script(
        "yosys-abc-model",
        files,
        top,
        "read_verilog -formal",
        &script,
    )?;
    if !ran.success {
        return Err(RtlSimError::ToolFailed {
            what: format!("Yosys (AIGER model for ABC) on `{top}`"),
            excerpt: excerpt(&ran.text, 20),
            log: ran.log,
        });
    }
    // The model's bad-state outputs are its `$assert` cells in the order Yosys iterates them,
    // the order `select -list` printed them in (as `top/cell`).
    let listed = ran
        .text
        .split_once(&format!("{ASSERTS_BEGIN}\n"))
        .and_then(|(_, rest)| rest.split_once(ASSERTS_END))
        .map(|(list, _)| list)
        .unwrap_or("");
    let names: Vec<String> = listed
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{top}/")))
        .map(str::to_string)
        .collect();
    let check = match engine {
        AbcEngine::Pdr => format!("pdr -T {time_limit}"),
        AbcEngine::Bmc { frames } => format!("bmc3 -F {frames} -T {time_limit}"),
    };
    let mut cmd = Command::new(&abc.path);
    cmd.arg("-c").arg(format!(
        "read_aiger {}; fold; strash; print_stats; {check}",
        aig.display()
    ));
    let log = logs_dir()?.join(log_name("abc", files, top));
    let ran = run_logged(cmd, log, Watch::default())?;
    let failed = !ran.success || ran.text.contains("Error") || ran.text.contains("Cannot");
    if failed {
        return Err(RtlSimError::ToolFailed {
            what: format!("ABC ({check}) on `{top}`"),
            excerpt: excerpt(&ran.text, 20),
            log: ran.log,
        });
    }
    let outcome = parse_abc(&ran.text, &names);
    Ok(AbcReport {
        outcome,
        assertions: names,
        log: ran.log,
    })
}

/// Log lines around the assertion list in [`yosys_prove_abc`]'s Yosys run.
const ASSERTS_BEGIN: &str = "sf-abc: assertions in model order:";
const ASSERTS_END: &str = "sf-abc: end of assertions";

/// Reads ABC's `pdr` or `bmc3` verdict; `names` are the assertions in output order.
fn parse_abc(text: &str, names: &[String]) -> AbcOutcome {
    let number_after = |line: &str, key: &str| -> Option<u32> {
        let rest = &line[line.find(key)? + key.len()..];
        let digits: String = rest
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    for line in text.lines() {
        // `Output 1 of miter "model" was asserted in frame 34.  Time = ...`
        if line.starts_with("Output ") && line.contains("was asserted in frame") {
            let index = number_after(line, "Output ").unwrap_or(0) as usize;
            return AbcOutcome::Counterexample {
                assertion: names
                    .get(index)
                    .cloned()
                    .unwrap_or_else(|| format!("output {index}")),
                frame: number_after(line, "in frame").unwrap_or(0),
            };
        }
    }
    if let Some(line) = text
        .lines()
        .find(|l| l.starts_with("No output asserted in"))
    {
        // `No output asserted in 52 frames. Resource limit reached (timeout 5 sec). ...`
        return AbcOutcome::NoCounterexample {
            frames: number_after(line, "asserted in").unwrap_or(0),
        };
    }
    if text.contains("Property proved") {
        // `Invariant F[22] : 191 clauses with 162 flops (out of 3078) ...`
        let invariant_clauses = text
            .lines()
            .filter(|l| l.starts_with("Invariant F["))
            .find_map(|l| number_after(l, "] :"))
            .unwrap_or(0);
        return AbcOutcome::Proven { invariant_clauses };
    }
    AbcOutcome::Undecided
}

#[cfg(test)]
mod abc_tests {
    use super::*;
    #[test]
    fn abc_verdicts_are_read() {
        let names = vec!["a".to_string(), "u.b".to_string()];
        assert_eq!(
            parse_abc(
                "Invariant F[22] : 191 clauses with 162 flops (out of 3078)\n\
                 Property proved.  Time =     1.94 sec\n",
                &names
            ),
            AbcOutcome::Proven {
                invariant_clauses: 191
            }
        );
        assert_eq!(
            parse_abc(
                "Output 1 of miter \"model\" was asserted in frame 34.  Time =     0.71 sec\n",
                &names
            ),
            AbcOutcome::Counterexample {
                assertion: "u.b".into(),
                frame: 34
            }
        );
        assert_eq!(
            parse_abc(
                "No output asserted in 52 frames. Resource limit reached (timeout 5 sec).\n",
                &names
            ),
            AbcOutcome::NoCounterexample { frames: 52 }
        );
        assert_eq!(
            parse_abc(
                "Reached timeout (150 seconds) in frame 33.\nProperty UNDECIDED.\n",
                &names
            ),
            AbcOutcome::Undecided
        );
    }
}
