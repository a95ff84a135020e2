//! The flow, stage by stage: generate the board design and its pin constraints; synthesize
//! with Yosys (`synth_ice40`, DSPs where the part has them, or `synth_ecp5`); check the fit;
//! place and route with nextpnr-ice40 or nextpnr-ecp5; pack the bitstream with icepack or
//! ecppack; time it again with icetime (iCE40); write the results. Every tool runs in a
//! temporary folder; the results reach the output folder in one step at the end, so a failed
//! or interrupted run leaves an earlier one as it was. An interrupt ([`FlowOptions::interrupt`])
//! kills the running tool's process group and removes the temporary folder; a failed tool's
//! log is kept outside it, where the error says.

use crate::board::{Board, Device, Family};
use crate::board_top::board_design;
use crate::constraints::{constraints, pin_constraint_mhz};
use crate::ecp5_outreg::fold_outregs;
use crate::error::FpgaError;
use crate::fit::{check_synthesized, packed_logic_cells, packed_logic_key, SynthCells};
use crate::report::{blocks_of_netlist, CriticalPath, Report, SeedRun, StageRun, Use};
use crate::tools::family_tools;
use spikeforge_config::AcceleratorConfig;
use spikeforge_dsl::backend::write::{write_design_dir, WriteOptions};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_rtlsim::logged::{run_logged, Interrupt, Watch};
use spikeforge_rtlsim::pnr::{read_report_with, ReportKeys};
use spikeforge_rtlsim::RtlSimError;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The stages of the flow, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The board design and its constraints.
    Generate,
    /// Yosys.
    Synthesize,
    /// The fit check after synthesis.
    FitCheck,
    /// nextpnr.
    PlaceAndRoute,
    /// icepack or ecppack.
    Pack,
    /// icetime (iCE40 only).
    Timing,
    /// The results into the output folder.
    Write,
}

impl Stage {
    /// What the stage does, for progress lines.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Generate => "generate",
            Stage::Synthesize => "synthesis (yosys)",
            Stage::FitCheck => "fit check",
            Stage::PlaceAndRoute => "place and route (nextpnr)",
            Stage::Pack => "bitstream (icepack / ecppack)",
            Stage::Timing => "timing (icetime)",
            Stage::Write => "write",
        }
    }
}

/// What the user chose.
#[derive(Clone, Debug)]
pub struct FlowOptions {
    /// The board.
    pub board: Board,
    /// Another part of the board's family instead of the board's own: the design is then
    /// placed without the board's pins (a measurement, not a board build).
    pub device: Option<Device>,
    /// The host link's rate (bits/s).
    pub baud: u32,
    /// The core's clock (MHz), made by the family's PLL from the board's oscillator when it
    /// differs from it; the oscillator's when `None`.
    pub clock_mhz: Option<f64>,
    /// The clock nextpnr is asked to meet (MHz); the core's clock when `None`.
    pub target_mhz: Option<f64>,
    /// The output folder; results go to `<out>/<config name>-<board>/`.
    pub out: PathBuf,
    /// Replace an existing result folder even when it is not an untouched earlier output.
    pub force: bool,
    /// Place and route with nextpnr's seeds 1..=`seeds` (at least 1), one after the other,
    /// and keep the fastest result: where a design lands is a draw that moves its clock by
    /// several MHz (docs/fpga.md, "Seeds"); every seed's figure goes into the report.
    pub seeds: u32,
    /// Stops the flow (a signal handler calls [`Interrupt::interrupt`]): the running tool is
    /// killed with its process group, no later stage starts, and [`run_flow`] returns
    /// [`FpgaError::Interrupted`] after removing its temporary folder.
    pub interrupt: Interrupt,
}

/// What a successful run gives.
#[derive(Clone, Debug)]
pub struct FlowOutput {
    /// The folder written.
    pub dir: PathBuf,
    /// Its report.
    pub report: Report,
}

/// Runs the flow for the accelerator `config` (already validated). `progress` hears each
/// stage as it starts (with an empty detail) and the tools' phases as they run.
pub fn run_flow(
    config: &AcceleratorConfig,
    opts: &FlowOptions,
    progress: &mut dyn FnMut(Stage, &str),
) -> Result<FlowOutput, FpgaError> {
    let board = opts.board;
    let device = opts.device.unwrap_or(board.device);
    if device.family != board.device.family {
        return Err(FpgaError::Design(format!(
            "--device {} is not a part of the {}'s family",
            device.name, board.name
        )));
    }
    let family = device.family;
    let on_board = device == board.device;
    let pll = board.pll_for(family, opts.clock_mhz.unwrap_or(board.clock_mhz))?;
    let core_mhz = pll.map_or(board.clock_mhz, |p| p.f_out_mhz());
    let target_mhz = opts.target_mhz.unwrap_or(core_mhz);
    let tools = family_tools(family)?;
    // Each stage starts only while the flow is not interrupted.
    let interrupt = &opts.interrupt;
    let enter = |stage: Stage, progress: &mut dyn FnMut(Stage, &str)| {
        if interrupt.is_interrupted() {
            return Err(FpgaError::Interrupted {
                during: stage.label().into(),
            });
        }
        progress(stage, "");
        Ok(())
    };
    // Refuse what could not be replaced before any tool runs (and again, atomically, when
    // the results are written).
    let folder = format!("{}-{}", config.name, board.name);
    spikeforge_dsl::backend::write::previous::inspect(&opts.out.join(&folder), opts.force)?;
    let mut stages = Vec::new();

    enter(Stage::Generate, progress)?;
    let t = Instant::now();
    let params = AccelParams::from_accel(config);
    let cpb = board.clocks_per_bit_at(core_mhz, opts.baud)?;
    let design = board_design(&params, &board, cpb, opts.baud, pll.as_ref())?;
    let (ext, constraints) = constraints(
        &board,
        pin_constraint_mhz(board.clock_mhz, core_mhz, target_mhz),
    );
    let work = tempfile::Builder::new()
        .prefix("spikeforge-fpga-")
        .tempdir()
        .map_err(FpgaError::io(std::env::temp_dir()))?;
    let w = work.path();
    let write = |name: &str, text: &[u8]| {
        std::fs::write(w.join(name), text).map_err(FpgaError::io(w.join(name)))
    };
    for (name, text) in design.files() {
        write(&name, text.as_bytes())?;
    }
    let constraints_name = format!("{}.{ext}", design.top);
    write(&constraints_name, constraints.as_bytes())?;
    stages.push(stage_run(Stage::Generate, "spikeforge", t));

    enter(Stage::Synthesize, progress)?;
    let t = Instant::now();
    let mut script = String::new();
    for (name, _) in &design.verilog {
        script += &format!("read_verilog \"{name}\"\n");
    }
    let synth = match family {
        Family::Ice40 if device.dsps > 0 => "synth_ice40 -dsp",
        Family::Ice40 => "synth_ice40",
        Family::Ecp5 => "synth_ecp5",
    };
    // The statistics go to a file of their own: Yosys's standard output is not complete for
    // every build (the WebAssembly one's stops at its ABC step).
    script += &format!(
        "{synth} -top {} -json netlist.json\ntee -q -o stat.txt stat\n",
        design.top
    );
    write("synth.ys", script.as_bytes())?;
    let mut cmd = Command::new(&tools.yosys.path);
    cmd.args(["-s", "synth.ys"]).current_dir(w);
    let (ok, synth_log) = run_tool(
        cmd,
        &w.join("yosys.log"),
        Stage::Synthesize,
        &opts.interrupt,
        progress,
    )?;
    if !ok {
        return Err(tool_failed(
            "Yosys synthesis",
            &synth_log,
            &w.join("yosys.log"),
        ));
    }
    let stat =
        std::fs::read_to_string(w.join("stat.txt")).map_err(FpgaError::io(w.join("stat.txt")))?;
    let cells = SynthCells::from_yosys_stat(&stat);
    stages.push(stage_run(Stage::Synthesize, &tools.yosys.version, t));

    enter(Stage::FitCheck, progress)?;
    check_synthesized(&cells, &device)?;
    let mut netlist: serde_json::Value = std::fs::read(w.join("netlist.json"))
        .map_err(FpgaError::io(w.join("netlist.json")))
        .and_then(|b| {
            serde_json::from_slice(&b).map_err(|e| FpgaError::Design(format!("netlist.json: {e}")))
        })?;
    let blocks = blocks_of_netlist(&netlist);
    // ECP5: the flip-flops right after a block RAM read become the RAM's own output register
    // (crate::ecp5_outreg), which Yosys does not use.
    let outregs = match family {
        Family::Ecp5 => {
            let fold = fold_outregs(&mut netlist);
            if fold.ports_folded > 0 {
                let bytes = serde_json::to_vec(&netlist)
                    .map_err(|e| FpgaError::Design(format!("netlist.json: {e}")))?;
                write("netlist.json", &bytes)?;
            }
            Some(fold)
        }
        Family::Ice40 => None,
    };
    drop(netlist);

    enter(Stage::PlaceAndRoute, progress)?;
    let t = Instant::now();
    let (placed, bitstream) = match family {
        Family::Ice40 => (format!("{}.asc", design.top), format!("{}.bin", design.top)),
        Family::Ecp5 => (
            format!("{}.config", design.top),
            format!("{}.bit", design.top),
        ),
    };
    let seeds = opts.seeds.max(1);
    let mut tried: Vec<SeedRun> = Vec::new();
    let mut best: Option<(u32, f64)> = None;
    let mut last_failure = None;
    for seed in 1..=seeds {
        // Each seed's files under its own names; the kept one's are renamed at the end.
        let tag = |name: &str| format!("seed{seed}-{name}");
        let mut cmd = Command::new(&tools.nextpnr.path);
        cmd.current_dir(w)
            .arg(format!("--{}", device.device))
            .args(["--package", device.package, "--json", "netlist.json"])
            .args(["--freq", &format!("{target_mhz}")])
            .args(["--seed", &seed.to_string(), "--timing-allow-fail"])
            .args(["--report", &tag("pnr.json")]);
        match (family, on_board) {
            (Family::Ice40, true) => cmd.args(["--pcf", &constraints_name]),
            (Family::Ice40, false) => cmd.arg("--pcf-allow-unconstrained"),
            (Family::Ecp5, true) => cmd.args(["--lpf", &constraints_name]),
            (Family::Ecp5, false) => cmd.arg("--lpf-allow-unconstrained"),
        };
        match family {
            Family::Ice40 => cmd.args(["--asc", &tag(&placed)]),
            // router2: nextpnr-ecp5's default router stalls on designs of this size
            // (../shared/notes/fpga-flow.md).
            Family::Ecp5 => cmd.args(["--router", "router2", "--textcfg", &tag(&placed)]),
        };
        let log = w.join(tag("nextpnr.log"));
        // With several seeds, each phase line says which seed it belongs to.
        let mut seed_progress = |stage: Stage, phase: &str| {
            if seeds > 1 {
                progress(stage, &format!("seed {seed} of {seeds}: {phase}"));
            } else {
                progress(stage, phase);
            }
        };
        let (ok, text) = run_tool(
            cmd,
            &log,
            Stage::PlaceAndRoute,
            &opts.interrupt,
            &mut seed_progress,
        )?;
        if !ok {
            let key = packed_logic_key(family);
            if let Some((used, available)) = packed_logic_cells(&text, key).filter(|(u, a)| u > a) {
                return Err(FpgaError::DoesNotFit {
                    device: format!("{} ({})", device.name, device.package),
                    resource: device.logic_name(),
                    needed: used,
                    available,
                    how: "after packing, nextpnr".into(),
                });
            }
            // Another seed may place it (nextpnr's placer can fail on a nearly full part).
            let why = text
                .lines()
                .find(|l| l.contains("ERROR"))
                .unwrap_or("nextpnr failed")
                .trim()
                .to_string();
            tried.push(SeedRun {
                seed,
                fmax_mhz: None,
                failure: Some(why),
            });
            last_failure = Some((text, log));
            continue;
        }
        let keys = match family {
            Family::Ice40 => ReportKeys::ICE40,
            Family::Ecp5 => ReportKeys::ECP5,
        };
        let fmax = read_report_with(&w.join(tag("pnr.json")), log.clone(), keys)
            .map_err(|e| FpgaError::Design(e.to_string()))?
            .fmax_mhz;
        tried.push(SeedRun {
            seed,
            fmax_mhz: Some(fmax),
            failure: None,
        });
        if best.is_none_or(|(_, f)| fmax > f) {
            best = Some((seed, fmax));
        }
    }
    let Some((seed, _)) = best else {
        let (text, log) = last_failure.expect("a seed ran");
        return Err(tool_failed("nextpnr", &text, &log));
    };
    for name in [placed.as_str(), "pnr.json", "nextpnr.log"] {
        let from = w.join(format!("seed{seed}-{name}"));
        std::fs::rename(&from, w.join(name)).map_err(FpgaError::io(from))?;
    }
    let text = std::fs::read_to_string(w.join("nextpnr.log"))
        .map_err(FpgaError::io(w.join("nextpnr.log")))?;
    let keys = match family {
        Family::Ice40 => ReportKeys::ICE40,
        Family::Ecp5 => ReportKeys::ECP5,
    };
    let pnr = read_report_with(&w.join("pnr.json"), w.join("nextpnr.log"), keys)
        .map_err(|e| FpgaError::Design(e.to_string()))?;
    let nextpnr_version = text
        .lines()
        .find(|l| l.contains("nextpnr") && l.contains("ersion"))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| tools.nextpnr.version.clone());
    stages.push(stage_run(Stage::PlaceAndRoute, &nextpnr_version, t));

    enter(Stage::Pack, progress)?;
    let t = Instant::now();
    let mut cmd = Command::new(&tools.pack.path);
    cmd.current_dir(w);
    match family {
        Family::Ice40 => cmd.args([&placed, &bitstream]),
        Family::Ecp5 => cmd.args(["--compress", &placed, &bitstream]),
    };
    let (ok, text) = run_tool(
        cmd,
        &w.join("pack.log"),
        Stage::Pack,
        &opts.interrupt,
        progress,
    )?;
    if !ok {
        return Err(tool_failed(
            "packing the bitstream",
            &text,
            &w.join("pack.log"),
        ));
    }
    stages.push(stage_run(Stage::Pack, &tools.pack.version, t));

    let mut timing_report = None;
    let mut icetime_mhz = None;
    if let Some(icetime) = &tools.timing {
        enter(Stage::Timing, progress)?;
        let t = Instant::now();
        let mut cmd = Command::new(&icetime.path);
        cmd.current_dir(w)
            .args(["-d", device.device, "-m", "-t", "-r", "icetime.rpt"]);
        if on_board {
            cmd.args(["-P", device.package, "-p", &constraints_name]);
        }
        cmd.arg(&placed);
        let (ok, text) = run_tool(
            cmd,
            &w.join("icetime.log"),
            Stage::Timing,
            &opts.interrupt,
            progress,
        )?;
        let report = std::fs::read_to_string(w.join("icetime.rpt")).unwrap_or_default();
        if ok {
            icetime_mhz = icetime_figure(&report).or_else(|| icetime_figure(&text));
        }
        timing_report = Some(report);
        stages.push(stage_run(Stage::Timing, &icetime.version, t));
    }

    enter(Stage::Write, progress)?;
    let cp = &pnr.critical_path;
    let to_use = |u: spikeforge_rtlsim::pnr::Use| Use {
        used: u.used,
        available: u.available,
    };
    let report = Report {
        board: board.name.into(),
        board_description: board.description.into(),
        device: device.name.into(),
        package: device.package.into(),
        design: config.name.clone(),
        array: format!("{}×{}", config.rows, config.cols),
        top: design.top.clone(),
        board_clock_mhz: board.clock_mhz,
        core_clock_mhz: core_mhz,
        pll: pll.map(|p| p.describe(board.clock_mhz, board.pll_pad)),
        target_mhz,
        fmax_mhz: pnr.fmax_mhz,
        icetime_mhz,
        timing_met: pnr.fmax_mhz >= target_mhz,
        seed,
        seeds: tried,
        ram_output_registers: outregs,
        critical_path: CriticalPath {
            from: signal_of_cell(&cp.from).into(),
            to: signal_of_cell(&cp.to).into(),
            logic_ns: cp.logic_ns,
            routing_ns: cp.routing_ns,
        },
        synthesis: cells,
        logic_name: device.logic_name().into(),
        logic_cells: to_use(pnr.logic_cells),
        brams: to_use(pnr.brams),
        dsps: to_use(pnr.dsps),
        ios: to_use(pnr.ios),
        blocks,
        baud: opts.baud,
        clocks_per_bit: cpb,
        bitstream: bitstream.clone(),
        stages,
    };
    let mut files: Vec<(String, Vec<u8>)> = design
        .files()
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect();
    files.push((constraints_name, constraints.into_bytes()));
    for (name, from) in [
        (bitstream.as_str(), bitstream.as_str()),
        ("yosys.log", "yosys.log"),
        ("nextpnr.log", "nextpnr.log"),
        ("nextpnr-report.json", "pnr.json"),
    ] {
        let bytes = std::fs::read(w.join(from)).map_err(FpgaError::io(w.join(from)))?;
        files.push((name.to_string(), bytes));
    }
    if let Some(r) = timing_report {
        files.push(("icetime.rpt".into(), r.into_bytes()));
    }
    files.push(("report.json".into(), report.to_json().into_bytes()));
    files.push(("report.md".into(), report.to_markdown().into_bytes()));
    let dir = write_design_dir(
        &opts.out,
        &folder,
        &files,
        serde_json::json!({ "board": board.name, "top": design.top, "bitstream": bitstream }),
        WriteOptions { force: opts.force },
    )?;
    Ok(FlowOutput { dir, report })
}

fn stage_run(stage: Stage, tool: &str, since: Instant) -> StageRun {
    StageRun {
        stage: stage.label().into(),
        tool: tool.into(),
        seconds: since.elapsed().as_secs_f64(),
    }
}

/// The design signal a packed cell is named after: nextpnr and Yosys append what they made
/// of it (`…_SB_LUT4_I2_O_LC`, `…_SB_DFFESR_Q_DFFLC`, `$…`) to the net's name.
fn signal_of_cell(cell: &str) -> &str {
    let cut = [
        "_SB_",
        "$",
        "_DFFLC",
        "_LC",
        "_TRELLIS_",
        "_LUT4_",
        "_CCU2C_",
    ]
    .iter()
    .filter_map(|m| cell.find(m))
    .min()
    .unwrap_or(cell.len());
    &cell[..cut]
}

/// The frequency in an icetime report: `Total path delay: 21.60 ns (46.30 MHz)`.
fn icetime_figure(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.contains("Total path delay"))?;
    let inner = line.split('(').nth(1)?;
    inner.split_whitespace().next()?.parse().ok()
}

/// A failed tool: its error lines (or its last lines) and where its full log is kept. The
/// working folder goes away with the run and the output folder is only written by a run that
/// succeeds, so the log is copied to `<temp>/spikeforge-fpga-<pid>-<tool>.log`.
fn tool_failed(what: &str, text: &str, log: &Path) -> FpgaError {
    let kept = std::env::temp_dir().join(format!(
        "spikeforge-fpga-{}-{}",
        std::process::id(),
        log.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("tool.log")
    ));
    let _ = std::fs::copy(log, &kept);
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    let excerpt = if errors.is_empty() {
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    } else {
        errors.join("\n")
    };
    FpgaError::Tool {
        what: what.into(),
        excerpt,
        log: kept,
    }
}

/// Runs `cmd` with its output logged to `log` ([`run_logged`]), passing its phases to
/// `progress` (Yosys's `Executing … pass` lines, nextpnr's `Info:` lines), until `interrupt`.
/// The tool's own temporary files (Yosys's `yosys-abc-*` folders) go into its working folder
/// (`TMPDIR`), so that they go with it even when the tool is killed. Returns whether it
/// succeeded and what it printed.
fn run_tool(
    mut cmd: Command,
    log: &Path,
    stage: Stage,
    interrupt: &Interrupt,
    progress: &mut dyn FnMut(Stage, &str),
) -> Result<(bool, String), FpgaError> {
    if let Some(dir) = cmd.get_current_dir().map(Path::to_path_buf) {
        cmd.env("TMPDIR", dir);
    }
    let mut on_line = |line: &str| {
        if let Some(phase) = phase_of(line) {
            progress(stage, phase);
        }
    };
    let watch = Watch {
        on_line: Some(&mut on_line),
        interrupt: Some(interrupt),
    };
    let ran = run_logged(cmd, log.to_path_buf(), watch).map_err(|e| match e {
        RtlSimError::Interrupted { .. } => FpgaError::Interrupted {
            during: stage.label().into(),
        },
        e => FpgaError::from_tool_run(e),
    })?;
    Ok((ran.success, ran.text))
}

/// The phase a tool's output line announces, if it announces one.
fn phase_of(line: &str) -> Option<&str> {
    if let Some(i) = line.find(". Executing ") {
        let head = &line[..i];
        if !head.is_empty() && head.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Some(line[i + 2..].trim_end_matches('.'));
        }
    }
    line.strip_prefix("Info: ")
        .filter(|rest| !rest.starts_with([' ', '\t']) && !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_after_their_signals() {
        assert_eq!(
            signal_of_cell("u_core.u_accel.membrane_wr_valid_q_SB_LUT4_I2_I0_SB_LUT4_O_1_LC"),
            "u_core.u_accel.membrane_wr_valid_q"
        );
        assert_eq!(
            signal_of_cell("u_core.u_accel.u_lif_0.v_r_SB_DFFESR_Q_DFFLC"),
            "u_core.u_accel.u_lif_0.v_r"
        );
        assert_eq!(signal_of_cell("u_core.x"), "u_core.x");
    }

    #[test]
    fn phases_and_icetime_figures_are_read_from_tool_output() {
        assert_eq!(
            phase_of("2.3. Executing ABC pass (technology mapping using ABC)."),
            Some("Executing ABC pass (technology mapping using ABC)")
        );
        assert_eq!(phase_of("Info: Running HeAP..."), Some("Running HeAP..."));
        assert_eq!(phase_of("Info:     ICESTORM_LC: 5/ 10"), None);
        assert_eq!(phase_of("Number of cells: 5"), None);
        assert_eq!(
            icetime_figure(
                "Total number of logic levels: 12\nTotal path delay: 21.60 ns (46.30 MHz)\n"
            ),
            Some(46.30)
        );
    }
}
