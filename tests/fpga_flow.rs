//! `spikeforge fpga` through the real binary and the real tools (Yosys, nextpnr-ice40,
//! icepack, icetime): bitstreams for the iCE40-HX8K Breakout Board and the iCEBreaker from
//! their built-in configurations, with the reports checked against the devices and the
//! boards' clock; the UP5K refusing a design it cannot hold with the resource, the count and
//! the capacity; an existing result folder kept unless `--force`; and bad arguments named.
//!
//! The board builds (`fpga_board_*`, minutes of single-threaded tools) run in
//! `scripts/test.sh`'s background job, after the synthesis of the built-in accelerator.

mod common;

use common::listing;
use std::process::{Command, Output};

fn spikeforge(args: &[&str], cwd: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run spikeforge")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn fpga_board_hx8k_breakout_gets_a_bitstream_and_a_report_that_adds_up() {
    // The core at 24 MHz: the iCE40's PLL doubles the board's 12 MHz oscillator.
    let cwd = tempfile::tempdir().unwrap();
    let out = spikeforge(
        &[
            "fpga",
            "--board",
            "hx8k-breakout",
            "--clock",
            "24",
            "-o",
            "boards",
        ],
        cwd.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Progress: one line per stage when standard error is not a terminal.
    let err = text(&out.stderr);
    for stage in [
        "fpga: synthesis (yosys)",
        "fpga: place and route (nextpnr)",
        "fpga: bitstream (icepack / ecppack)",
        "fpga: timing (icetime)",
    ] {
        assert!(err.contains(stage), "no progress line for {stage}:\n{err}");
    }
    assert_eq!(
        listing(cwd.path()),
        ["boards"],
        "nothing outside the output folder"
    );
    let dir = cwd.path().join("boards/sf_hx8k_breakout-hx8k-breakout");
    let files = listing(&dir);
    for f in [
        "report.json",
        "report.md",
        "sf_hx8k_breakout_hx8k_breakout.bin",
        "sf_hx8k_breakout_hx8k_breakout.pcf",
        "sf_hx8k_breakout_hx8k_breakout.v",
        "sf_hx8k_breakout_hx8k_breakout.f",
        "nextpnr.log",
        "yosys.log",
        "icetime.rpt",
        "manifest.json",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} missing: {files:?}");
    }
    // An HX8K bitstream is 135,100 bytes whatever the design.
    let bin = std::fs::read(dir.join("sf_hx8k_breakout_hx8k_breakout.bin")).unwrap();
    assert_eq!(bin.len(), 135_100);
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let used = r["logic_cells"]["used"].as_u64().unwrap();
    assert_eq!(r["logic_cells"]["available"], 7680);
    assert!((3000..=7680).contains(&used), "{used} logic cells");
    assert_eq!(r["ios"]["used"], 5, "clock, UART in and out, two LEDs");
    let fmax = r["fmax_mhz"].as_f64().unwrap();
    assert_eq!(r["core_clock_mhz"], 24.0);
    assert_eq!(
        r["target_mhz"], 24.0,
        "the target defaults to the core's clock"
    );
    assert!(fmax >= 24.0, "{fmax} MHz is below the core's 24 MHz clock");
    assert_eq!(r["timing_met"], true);
    assert!(r["icetime_mhz"].as_f64().unwrap() > 24.0);
    assert_eq!(
        r["pll"], "SB_PLL40_CORE: 12 MHz / 1 × 64 / 32 = 24 MHz",
        "DIVR 0, DIVF 63, DIVQ 5: VCO 768 MHz"
    );
    let top = std::fs::read_to_string(dir.join("sf_hx8k_breakout_hx8k_breakout.v")).unwrap();
    assert!(
        top.contains(".PLLOUTGLOBAL(clk)") && top.contains("wire hold = !pll_locked;"),
        "{top}"
    );
    // The blocks add up to the synthesized design and name the architecture's parts.
    let blocks = r["blocks"].as_array().unwrap();
    let luts: u64 = blocks.iter().map(|b| b["luts"].as_u64().unwrap()).sum();
    assert_eq!(luts, r["synthesis"]["luts"].as_u64().unwrap());
    for b in [
        "PE array",
        "LIF datapaths",
        "entropy unit",
        "UART host bridge",
        "control (the top's blocks)",
    ] {
        assert!(
            blocks.iter().any(|x| x["block"] == b),
            "no {b} in {blocks:?}"
        );
    }
    assert!(r["critical_path"]["from"]
        .as_str()
        .unwrap()
        .starts_with("u_core"));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains(&format!("| logic cells | {used} | 7680 |")),
        "{md}"
    );
    save_figures("hx8k", &r);

    // An edited result folder is kept, checked before any tool runs.
    std::fs::write(dir.join("report.md"), "my notes\n").unwrap();
    let again = spikeforge(
        &[
            "fpga",
            "--board",
            "hx8k-breakout",
            "--clock",
            "24",
            "-o",
            "boards",
        ],
        cwd.path(),
    );
    assert!(!again.status.success());
    let err = text(&again.stderr);
    assert!(
        err.contains("--force") && !err.contains("synthesis"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("report.md")).unwrap(),
        "my notes\n"
    );
}

/// The figures for `scripts/test.sh` to print and the README to quote.
fn save_figures(name: &str, r: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("spikeforge-synthesis-fpga-{name}.md"));
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
    let icetime = match r["icetime_mhz"].as_f64() {
        Some(m) => format!("{m:.1} MHz by icetime; "),
        None => String::new(),
    };
    let line = format!(
        "spikeforge fpga --board {} (built-in configuration `{}`, {} array): {} of {} {}, {} \
         of {} block RAMs, {} of {} DSPs; {:.1} MHz after routing ({icetime}target {} MHz); \
         critical path from `{}` to `{}`; synthesis {:.0} s, place and route {:.0} s",
        s(&r["board"]),
        s(&r["design"]),
        s(&r["array"]),
        r["logic_cells"]["used"],
        r["logic_cells"]["available"],
        s(&r["logic_name"]),
        r["brams"]["used"],
        r["brams"]["available"],
        r["dsps"]["used"],
        r["dsps"]["available"],
        f(&r["fmax_mhz"]),
        r["target_mhz"],
        s(&r["critical_path"]["from"]),
        s(&r["critical_path"]["to"]),
        f(&r["stages"][1]["seconds"]),
        f(&r["stages"][2]["seconds"]),
    );
    std::fs::write(path, line + "\n").unwrap();
}

/// The iCEBreaker's built-in configuration (the 2×2 design without performance counters)
/// fits the UP5K and meets the board's 12 MHz clock; the 30 MHz target is asked of nextpnr
/// with three seeds, the fastest kept, and every seed's figure recorded.
#[test]
fn fpga_board_icebreaker_builtin_fits_the_up5k() {
    let cwd = tempfile::tempdir().unwrap();
    let out = spikeforge(
        &[
            "fpga",
            "--board",
            "icebreaker",
            "--freq",
            "30",
            "--seeds",
            "3",
            "-o",
            "boards",
        ],
        cwd.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = cwd.path().join("boards/sf_icebreaker-icebreaker");
    // A UP5K bitstream is 104,090 bytes whatever the design.
    let bin = std::fs::read(dir.join("sf_icebreaker_icebreaker.bin")).unwrap();
    assert_eq!(bin.len(), 104_090);
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(r["device"], "up5k");
    assert_eq!(r["logic_cells"]["available"], 5280);
    let used = r["logic_cells"]["used"].as_u64().unwrap();
    assert!(used <= 5280, "{used} logic cells");
    assert!(r["brams"]["used"].as_u64().unwrap() <= 30);
    assert_eq!(r["target_mhz"], 30.0);
    // Issue 12's target: the built-in design routes at 30 MHz or more. nextpnr places
    // deterministically for a seed, but which seed lands well is a draw: this netlist gave
    // 29.1, 29.3 and 31.4 MHz with seeds 1–3, the one before it (the LIF step as a module
    // instance, the same 4,882 cells) 31.6, no placement, 27.8 and 29.7 with seeds 1–4
    // (docs/fpga.md, "Seeds"). The flow keeps the fastest of the seeds asked for. A change
    // that lengthens the LIF step's, the entropy unit's or the control's paths again moves
    // the whole draw down and fails here.
    let seeds = r["seeds"].as_array().unwrap();
    assert_eq!(
        seeds.iter().map(|x| x["seed"].as_u64()).collect::<Vec<_>>(),
        [Some(1), Some(2), Some(3)]
    );
    let fastest = seeds
        .iter()
        .filter_map(|x| x["fmax_mhz"].as_f64())
        .fold(0.0, f64::max);
    let fmax = r["fmax_mhz"].as_f64().unwrap();
    assert_eq!(fmax, fastest, "the fastest seed is kept: {seeds:?}");
    let kept = r["seed"].as_u64().unwrap() as usize;
    assert_eq!(seeds[kept - 1]["fmax_mhz"].as_f64(), Some(fmax));
    assert!(
        fmax >= 30.0,
        "{fmax} MHz over seeds {seeds:?}: the built-in design routed at 31.4 MHz; the target is 30 MHz"
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("Placed and routed with 3 seeds (1: "), "{md}");
    let blocks = r["blocks"].as_array().unwrap();
    assert!(
        blocks.iter().all(|b| b["block"] != "performance counters"),
        "{blocks:?}"
    );
    save_figures("icebreaker", &r);
}

/// The ULX3S (ECP5, the WebAssembly tools from `.venv`): a bitstream of the built-in
/// configuration (with its counters), the LPF's seven pins, the board's 25 MHz met, block RAM
/// output registers folded in.
#[test]
fn fpga_board_ulx3s_85f_builds_with_the_ecp5_tools() {
    let cwd = tempfile::tempdir().unwrap();
    let out = spikeforge(
        &["fpga", "--board", "ulx3s-85f", "-o", "boards"],
        cwd.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dir = cwd.path().join("boards/sf_ulx3s_85f-ulx3s-85f");
    let files = listing(&dir);
    for f in [
        "sf_ulx3s_85f_ulx3s_85f.bit",
        "sf_ulx3s_85f_ulx3s_85f.lpf",
        "report.json",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} missing: {files:?}");
    }
    assert!(
        !files.iter().any(|x| x == "icetime.rpt"),
        "no icetime on ECP5"
    );
    let bit = std::fs::read(dir.join("sf_ulx3s_85f_ulx3s_85f.bit")).unwrap();
    assert!(bit.len() > 10_000, "{} bytes", bit.len());
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        (r["device"].as_str(), r["logic_name"].as_str()),
        (Some("lfe5u-85f"), Some("LUT4s"))
    );
    assert_eq!(r["logic_cells"]["available"], 83_640);
    let used = r["logic_cells"]["used"].as_u64().unwrap();
    assert!((1000..20_000).contains(&used), "{used} LUT4s");
    assert_eq!(
        r["ios"]["used"], 7,
        "clock, button, UART in and out, two LEDs, wifi_gpio0"
    );
    assert_eq!(r["timing_met"], true, "25 MHz: {}", r["fmax_mhz"]);
    // The built-in ECP5 design registers its block RAM reads, and the flow moves those
    // registers into the DP16KDs (each moved flip-flop one data bit of a folded port).
    let folded = &r["ram_output_registers"];
    let ports = folded["ports_folded"].as_u64().unwrap();
    let ffs = folded["flip_flops_absorbed"].as_u64().unwrap();
    assert!(ports >= 1 && ffs >= ports && ffs <= 18 * ports, "{folded}");
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains(&format!("Block RAM output registers: {ports} read ports")),
        "{md}"
    );
    assert!(r["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["block"] == "PE array"));
    save_figures("ulx3s", &r);
}

/// The small design with its performance counters does not fit the UP5K: one error, from
/// the packer's count, naming the resource and the capacity, and nothing written.
#[test]
fn fpga_board_a_design_too_large_for_the_up5k_is_one_error_naming_the_resource() {
    let cwd = tempfile::tempdir().unwrap();
    let config = spikeforge_generators::accel::params::small_config("sf_counted");
    assert!(config.rtl.counters);
    std::fs::write(
        cwd.path().join("counted.toml"),
        toml::to_string(&config).unwrap(),
    )
    .unwrap();
    let out = spikeforge(
        &[
            "fpga",
            "counted.toml",
            "--board",
            "icebreaker",
            "-o",
            "boards",
        ],
        cwd.path(),
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: the design does not fit the up5k (sg48): it needs ")
            && last.contains("logic cells (after packing, nextpnr)")
            && last.ends_with("the device has 5280"),
        "{err}"
    );
    assert_eq!(
        listing(cwd.path()),
        ["counted.toml"],
        "a failed flow writes nothing"
    );
}

#[test]
fn bad_arguments_are_named() {
    let cwd = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (
            vec!["fpga", "--board", "ulx3s"],
            "unknown board `ulx3s` (known boards: icebreaker, hx8k-breakout, ulx3s-85f)",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--device", "lp1k"],
            "unknown device `lp1k`",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--baud", "2500000"],
            "--baud 2500000 cannot be made from the core's 12 MHz clock",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--baud", "0"],
            "--baud 0 cannot be made from the core's 12 MHz clock: a rate must be above 0",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--device", "lfe5u-85f"],
            "--device lfe5u-85f is not a part of the icebreaker's family",
        ),
        (
            vec![
                "fpga",
                concat!(env!("CARGO_MANIFEST_DIR"), "/examples/accel-large.toml"),
                "--board",
                "hx8k-breakout",
            ],
            "a weight word of 128 bits, but the host link carries words of at most 64 bits",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--freq", "0"],
            "--freq 0",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--clock", "0"],
            "--clock 0: must be a clock in MHz",
        ),
        (
            vec!["fpga", "--board", "icebreaker", "--clock", "500"],
            "--clock 500 cannot be made by the iCE40 PLL from the board's 12 MHz oscillator: the nearest it makes is 270.000 MHz (46.0 % off; at most 0.5 %)",
        ),
        (
            vec!["fpga", "--board", "ulx3s-85f", "--clock", "7.77"],
            "--clock 7.77 cannot be made by the ECP5 PLL from the board's 25 MHz oscillator",
        ),
        (
            vec!["fpga", "missing.toml", "--board", "icebreaker"],
            "missing.toml",
        ),
    ] {
        let out = spikeforge(&args, cwd.path());
        assert!(!out.status.success(), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    assert!(listing(cwd.path()).is_empty());
}

/// The processes whose working folder is inside `dir`, with their states (`/proc`).
fn processes_in(dir: &std::path::Path) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        if cwd.starts_with(dir) {
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            found.push((pid, stat));
        }
    }
    found
}

/// Ctrl-C (SIGINT) or SIGTERM while Yosys runs: the tool and everything it started stop, the
/// temporary working folder goes, nothing is written, and the process ends at once with one
/// line and the status of a process ended by the signal (130, 143).
#[test]
fn an_interrupted_flow_stops_its_tools_and_leaves_no_temporary_folder() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        interrupt_the_flow(signal);
    }
}

fn interrupt_the_flow(signal: i32) {
    use std::io::BufRead as _;
    use std::time::{Duration, Instant};
    let cwd = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let tmp_path = tmp.path().canonicalize().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(["fpga", "--board", "hx8k-breakout", "-o", "boards"])
        .current_dir(cwd.path())
        .env("TMPDIR", &tmp_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (started, synthesis) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("fpga: synthesis (yosys)") {
                let _ = started.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let waited = synthesis.recv_timeout(Duration::from_secs(300));
    // Yosys at work in the temporary folder.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (work, tools) = loop {
        let work = std::fs::read_dir(&tmp_path)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.is_dir()
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("spikeforge-fpga-"))
            });
        if let Some(work) = work {
            // Yosys itself, not only a child between its fork (in the folder) and its exec
            // (still named `spikeforge`): a race the CI run at `7fc1ebc` met.
            let tools = processes_in(&work);
            if tools.iter().any(|(_, stat)| stat.contains("(yosys)")) {
                break (work, tools);
            }
        }
        assert!(
            waited.is_ok() && Instant::now() < deadline,
            "no tool ran in a temporary folder under {}",
            tmp_path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        tools.iter().any(|(_, stat)| stat.contains("(yosys)")),
        "{tools:?}"
    );
    // The signal to spikeforge alone, as `kill` would send it.
    let t = Instant::now();
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if t.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("spikeforge fpga did not stop within 30 s of signal {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "{:?} to stop",
        t.elapsed()
    );
    let err = reader.join().unwrap();
    assert_eq!(status.code(), Some(128 + signal), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| !l.starts_with("fpga: ")).collect();
    assert_eq!(
        errors,
        ["error: interrupted during synthesis (yosys): the tools were stopped and their temporary folder removed; nothing was written"],
        "{err}"
    );
    // Nothing left in TMPDIR, no tool still running, nothing written.
    assert!(!work.exists());
    assert_eq!(listing(&tmp_path), Vec::<String>::new());
    let survivors: Vec<(u32, String)> = processes_in(&tmp_path)
        .into_iter()
        .filter(|(_, stat)| !stat.contains(") Z "))
        .collect();
    assert!(survivors.is_empty(), "{survivors:?}");
    for (pid, _) in &tools {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(
            stat.is_empty() || stat.contains(") Z "),
            "tool {pid} survived: {stat}"
        );
    }
    assert!(listing(cwd.path()).is_empty(), "{:?}", listing(cwd.path()));
}
