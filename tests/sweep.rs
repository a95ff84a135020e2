//! `spikeforge sweep` end to end on a small VGG9 sweep: every point has a result (invalid ones
//! their error), a point's figures equal the golden model's estimate made by hand, the
//! results file, CSV, SVG plots and report.html hold every point; an interrupted run resumes
//! to the same bytes; shards merged by `collect` give the same bytes as the local run; another
//! sweep's folder and a folder of the user's are refused and left untouched; and
//! `--emit slurm` writes the job array.

use spikeforge_config::{AcceleratorConfig, MemoryTech, Network};
use spikeforge_explore::{collect, store, Shard, Sweep};
use spikeforge_golden::{EnergyTable, GoldenModel};
use std::path::{Path, PathBuf};
use std::process::Command;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A 48-point sweep file in `dir` naming the example VGG9 and accelerator.
fn sweep_file(dir: &Path, extra: &str) -> PathBuf {
    let text = format!(
        "name = \"small\"\nnetworks = [{:?}]\naccelerator = {:?}\ndensity = 0.2\n\
         [grid]\nrows = [8, 16]\ntick_batch = [1, 4, 8]\ntech = [\"sram\", \"sot_mram\"]\n\
         share_factor = [1, 4]\ntimesteps = [5, 8]\n{extra}",
        examples().join("vgg9-cifar10.toml"),
        examples().join("accel-vgg.toml"),
    );
    let path = dir.join("small.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn quiet(_: usize, _: usize) {}

/// Requires the committed `docs/sweep/<name>` to equal `now` (`SPIKEFORGE_BLESS=1` rewrites it).
fn committed_plot_is_current(name: &str, now: &str, test: &str) {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/sweep")
        .join(name);
    if std::env::var_os("SPIKEFORGE_BLESS").is_some() {
        std::fs::write(&committed, now).unwrap();
    }
    assert!(
        read(&committed) == now,
        "docs/sweep/{name} is stale: regenerate it with SPIKEFORGE_BLESS=1 cargo test --test sweep {test}"
    );
}

/// Runs a sweep of examples/network-small.toml on tests/fixtures/accel-tiny-ice40.toml with the
/// extra top-level `keys` (and grid) in `tmp`; returns the output folder and its results.
fn tiny_sweep(tmp: &Path, keys: &str) -> (PathBuf, Vec<spikeforge_explore::point::PointResult>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = tmp.join("tiny-sweep.toml");
    std::fs::write(
        &file,
        format!(
            "networks = [{:?}]\naccelerator = {:?}\n{keys}",
            examples().join("network-small.toml"),
            root.join("tests/fixtures/accel-tiny-ice40.toml"),
        ),
    )
    .unwrap();
    let sweep = Sweep::load(&file).unwrap();
    let dir = tmp.join(format!(
        "out-{}",
        sweep.meta.spec_hash.get(..8).unwrap_or("x")
    ));
    sweep.run(&dir, None, &quiet).unwrap();
    let results = store::load_results(&dir.join("results.jsonl")).unwrap();
    (dir, results)
}

/// Runs the spikeforge command line with `args`; panics with its standard error on failure.
fn cli(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_small_sweep_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let sweep = Sweep::load(&file).unwrap();
    assert_eq!(sweep.meta.points, 48);
    let dir = tmp.path().join("out");
    let s = sweep.run(&dir, None, &quiet).unwrap();
    assert_eq!((s.points, s.evaluated, s.resumed), (48, 48, 0));
    let results = store::load_results(&dir.join("results.jsonl")).unwrap();
    assert_eq!(
        results.iter().map(|r| r.id).collect::<Vec<_>>(),
        (0..48).collect::<Vec<_>>()
    );
    // B = 8 > T = 5 is refused by the configuration, with the field named.
    let invalid: Vec<_> = results.iter().filter(|r| r.figures().is_none()).collect();
    assert_eq!(invalid.len(), s.invalid);
    assert!(invalid
        .iter()
        .any(|r| spikeforge_explore::table::error(r).contains("schedule.tick_batch")));
    assert!(invalid
        .iter()
        .all(|r| r.params.tick_batch == Some(8) || r.params.timesteps == Some(8)));
    assert!(
        results.len() - invalid.len() >= 24,
        "{} invalid",
        invalid.len()
    );

    // A point's figures are the golden model's estimate of the same configuration.
    let p = results
        .iter()
        .find(|r| {
            r.figures().is_some()
                && r.params.rows == Some(16)
                && r.params.tech == Some(MemoryTech::SotMram)
                && r.params.share_factor == Some(4)
        })
        .expect("a valid 16-row SOT-MRAM C#4 point");
    let mut net = Network::load(examples().join("vgg9-cifar10.toml")).unwrap();
    let mut accel = AcceleratorConfig::load(examples().join("accel-vgg.toml")).unwrap();
    accel.rows = 16;
    accel.schedule.tick_batch = p.params.tick_batch.unwrap();
    for b in [
        &mut accel.buffers.weight,
        &mut accel.buffers.input_spike,
        &mut accel.buffers.output_spike,
        &mut accel.buffers.psum,
        &mut accel.buffers.membrane,
    ] {
        b.tech = MemoryTech::SotMram;
    }
    for l in &mut net.layers {
        l.share_factor = 4;
    }
    net.timesteps = p.params.timesteps.unwrap();
    let (_, energy) =
        GoldenModel::estimate(&net, &accel, 0.2, None, &EnergyTable::default()).unwrap();
    let f = p.figures().unwrap();
    assert_eq!(f.energy_pj, energy.total_pj);
    assert_eq!(f.latency_cycles, energy.latency_cycles);
    assert_eq!(f.edp_pj_s, energy.edp_pj_s);

    // CSV, plots and the page hold every point.
    let csv = read(&dir.join("results.csv"));
    assert_eq!(csv.lines().count(), 49);
    let html = read(&dir.join("report.html"));
    assert_eq!(html.matches("<tr data-id=").count(), 48);
    let pareto = read(&dir.join("pareto-energy-latency.svg"));
    assert!(pareto.starts_with("<svg"), "{}", &pareto[..80]);
    assert!(pareto.contains("Pareto front"));
    assert!(html.contains("<svg"), "plots are inline");
    for key in ["tick_batch", "tech", "share_factor", "timesteps"] {
        let svg = read(&dir.join(format!("breakdown-{key}.svg")));
        assert!(svg.contains("dram"), "{key}: a component in the legend");
    }
    // The front's points are labelled with their ids, and each is not dominated.
    let valid: Vec<_> = results
        .iter()
        .filter_map(|r| r.figures().map(|f| (r.id, f)))
        .collect();
    for &(id, f) in &valid {
        let dominated = valid.iter().any(|(_, g)| {
            g.latency_s <= f.latency_s
                && g.energy_pj <= f.energy_pj
                && (g.latency_s < f.latency_s || g.energy_pj < f.energy_pj)
        });
        assert_eq!(
            pareto.contains(&format!("#{id}\n")),
            !dominated,
            "point {id}"
        );
    }

    // Running again resumes everything and rewrites the same bytes.
    let before = read(&dir.join("results.jsonl"));
    let s = sweep.run(&dir, None, &quiet).unwrap();
    assert_eq!((s.evaluated, s.resumed), (0, 48));
    assert_eq!(read(&dir.join("results.jsonl")), before);
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let sweep = Sweep::load(&file).unwrap();
    let full = tmp.path().join("full");
    sweep.run(&full, None, &quiet).unwrap();
    let want = read(&full.join("results.jsonl"));

    // As if killed: 20 whole lines in completion order, then half a line.
    let cut = tmp.path().join("cut");
    sweep.run(&cut, None, &quiet).unwrap();
    let lines: Vec<&str> = want.lines().collect();
    let mut partial: String = lines[..20].iter().rev().map(|l| format!("{l}\n")).collect();
    partial.push_str(&lines[20][..lines[20].len() / 2]);
    std::fs::write(cut.join("results.jsonl"), partial).unwrap();
    let s = sweep.run(&cut, None, &quiet).unwrap();
    assert_eq!((s.resumed, s.evaluated), (20, 28));
    assert_eq!(read(&cut.join("results.jsonl")), want);
}

#[test]
fn shards_collected_equal_the_local_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let sweep = Sweep::load(&file).unwrap();
    let local = tmp.path().join("local");
    sweep.run(&local, None, &quiet).unwrap();
    let dir = tmp.path().join("sharded");
    for i in 0..2 {
        let s = sweep
            .run(&dir, Some(Shard { index: i, count: 3 }), &quiet)
            .unwrap();
        assert_eq!(s.points, 16);
    }
    // Shard 2 is missing: collect says so and writes nothing.
    let e = collect(&dir).unwrap_err().to_string();
    assert!(e.contains("16 of 48 points have no result yet"), "{e}");
    assert!(!dir.join("results.jsonl").exists());
    sweep
        .run(&dir, Some(Shard::parse("2/3").unwrap()), &quiet)
        .unwrap();
    let merged = collect(&dir).unwrap();
    assert_eq!(merged.len(), 48);
    assert_eq!(
        read(&dir.join("results.jsonl")),
        read(&local.join("results.jsonl"))
    );
    assert_eq!(
        read(&dir.join("results.csv")),
        read(&local.join("results.csv"))
    );
    for bad in ["3/3", "1", "a/2", "0/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn folders_of_another_sweep_or_of_the_user_are_refused_and_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let dir = tmp.path().join("out");
    Sweep::load(&file).unwrap().run(&dir, None, &quiet).unwrap();
    let before = read(&dir.join("results.jsonl"));
    // The same file with one more grid key is another sweep.
    let other = sweep_file(tmp.path(), "membrane_bits = [8, 12]\n");
    let e = Sweep::load(&other)
        .unwrap()
        .run(&dir, None, &quiet)
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds the results of another sweep"), "{e}");
    assert_eq!(read(&dir.join("results.jsonl")), before);
    // A folder of the user's.
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    let e = Sweep::load(&other)
        .unwrap()
        .run(&mine, None, &quiet)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a sweep's output folder"), "{e}");
    assert_eq!(
        std::fs::read_dir(&mine).unwrap().count(),
        1,
        "nothing written into it"
    );
}

#[test]
fn the_command_line_runs_emits_slurm_and_collects() {
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let exe = env!("CARGO_BIN_EXE_spikeforge");
    let os = |s: &str| std::ffi::OsString::from(s);
    let (f, dir, sdir) = (
        file.clone().into_os_string(),
        tmp.path().join("cli").into_os_string(),
        tmp.path().join("slurm").into_os_string(),
    );
    let text = cli(&[&os("sweep"), &os("--quiet"), &os("-o"), &dir, &f]);
    assert!(text.contains("48 points"), "{text}");
    let (dir, sdir_path) = (PathBuf::from(&dir), PathBuf::from(&sdir));
    assert!(dir.join("report.html").exists());

    cli(&[
        &os("sweep"),
        &os("--emit"),
        &os("slurm"),
        &os("--shards"),
        &os("3"),
        &os("-o"),
        &sdir,
        &f,
    ]);
    let script = read(&sdir_path.join("sweep.sbatch"));
    assert!(script.starts_with("#!/bin/bash\n"), "{script}");
    assert!(script.contains("#SBATCH --array=0-2\n"), "{script}");
    assert!(
        script.contains("--shard \"${SLURM_ARRAY_TASK_ID}/3\""),
        "{script}"
    );
    // What each array task runs, run here by hand: then collect.
    for i in 0..3 {
        let shard = os(&format!("{i}/3"));
        cli(&[
            &os("sweep"),
            &os("--quiet"),
            &os("--shard"),
            &shard,
            &os("-o"),
            &sdir,
            &f,
        ]);
    }
    cli(&[&os("sweep"), &os("collect"), &sdir]);
    assert_eq!(
        read(&sdir_path.join("results.jsonl")),
        read(&dir.join("results.jsonl"))
    );
    // A named file that does not read, and a folder that is not a sweep's, are one error each.
    let missing = tmp.path().join("missing.toml");
    std::fs::write(&missing, "networks = [\"no-such-net.toml\"]\n").unwrap();
    let out = Command::new(exe)
        .arg("sweep")
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`networks[0]`")
            && err.contains("no-such-net.toml")
            && err.lines().count() == 1,
        "{err}"
    );
    let out = Command::new(exe)
        .args(["sweep", "collect"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a sweep's output folder"), "{err}");
    // A bad sweep file is one error naming it and the key.
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "networks = []\n").unwrap();
    let out = Command::new(exe).arg("sweep").arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("`networks` is empty"),
        "{err}"
    );
}

/// Chromium from Debian's package, or one sentence on how to install it.
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        if let Some(p) = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        }) {
            return p;
        }
    }
    panic!("chromium is missing: run scripts/install-tools.sh (or apt-get install chromium)");
}

/// Runs headless Chromium on `page` with `args`, killed after 120 s; returns standard output
/// (through a file beside the page: a pipe nobody reads while waiting would fill and stall it).
fn headless(page: &Path, args: &[&str]) -> String {
    let out_path = page.with_extension("stdout");
    let out_file = std::fs::File::create(&out_path).unwrap();
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--virtual-time-budget=3000",
    ])
    .args(args)
    .arg(format!("file://{}", page.display()))
    .stdout(out_file)
    .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("start chromium");
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s on {}", page.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::fs::read_to_string(&out_path).unwrap()
}

/// The example sweep's report in headless Chromium: the browser lays out every plot and every
/// table row (the page records both on `<body>`), and a screenshot — kept as
/// `target/test-artifacts/sweep-report.png` — shows the plots' colours.
#[test]
fn the_report_renders_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&examples().join("sweep-vgg9.toml")).unwrap();
    let dir = tmp.path().join("out");
    sweep.run(&dir, None, &quiet).unwrap();
    let page = dir.join("report.html");
    let dom = headless(&page, &["--dump-dom"]);
    let attr = |name: &str| -> usize {
        let key = format!("{name}=\"");
        let at = dom
            .find(&key)
            .unwrap_or_else(|| panic!("no {name} in the DOM"));
        dom[at + key.len()..]
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(attr("data-rows"), sweep.meta.points);
    assert_eq!(
        attr("data-plots"),
        6,
        "two Pareto plots and four breakdowns"
    );
    assert_eq!(attr("data-plots-rendered"), 6);

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("sweep-report.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,3200",
        ],
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).expect("a screenshot"));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let near = |p: &[u8], c: (u8, u8, u8)| {
        (p[0] as i32 - c.0 as i32).abs() < 12
            && (p[1] as i32 - c.1 as i32).abs() < 12
            && (p[2] as i32 - c.2 as i32).abs() < 12
    };
    let count = |c: (u8, u8, u8)| {
        buf[..info.buffer_size()]
            .chunks(px)
            .filter(|p| near(p, c))
            .count()
    };
    // The breakdowns' DRAM red and LIF-buffer blue bars, and the front's pure red.
    assert!(count((214, 39, 40)) > 5000, "DRAM bars drawn");
    assert!(
        count((31, 119, 180)) > 100,
        "the first component's bars drawn"
    );
    assert!(count((255, 0, 0)) > 20, "the Pareto front drawn");
}

/// docs/sweep/ holds the example sweep's Pareto plots as the current code draws them
/// (`SPIKEFORGE_BLESS=1` rewrites them).
#[test]
fn docs_hold_the_example_sweeps_current_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&examples().join("sweep-vgg9.toml")).unwrap();
    let dir = tmp.path().join("out");
    sweep.run(&dir, None, &quiet).unwrap();
    for name in ["pareto-energy-latency.svg", "pareto-edp-pes.svg"] {
        committed_plot_is_current(name, &read(&dir.join(name)), "docs_hold");
    }
}

/// The job array `--emit slurm` writes, submitted to a real single-node Slurm cluster (Debian's
/// slurm-wlm and munge, started on localhost by tests/slurm/single_node.sh and torn down after):
/// every array task runs its shard, `collect` merges them, and the results are byte for byte
/// those of a local run.
#[test]
fn the_job_array_runs_on_a_single_node_slurm_cluster() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let uid = Command::new("id").arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "this test starts slurmctld, slurmd and munged, which needs root"
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = sweep_file(tmp.path(), "");
    let exe = env!("CARGO_BIN_EXE_spikeforge");
    let local = tmp.path().join("local");
    Sweep::load(&file)
        .unwrap()
        .run(&local, None, &quiet)
        .unwrap();

    let dir = tmp.path().join("slurm");
    let out = Command::new(exe)
        .args([
            "sweep",
            "--emit",
            "slurm",
            "--shards",
            "3",
            "--cpus-per-task",
            "1",
            "-o",
        ])
        .arg(&dir)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = dir.join("sweep.sbatch");
    let run = Command::new(root.join("tests/slurm/single_node.sh"))
        .args(["timeout", "300", "sbatch", "--wait"])
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "the array failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let logs = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("slurm-")
        })
        .count();
    assert_eq!(logs, 3, "one log per array task");
    for i in 0..3 {
        assert!(dir.join(format!("results-shard-{i}-of-3.jsonl")).exists());
    }
    let out = Command::new(exe)
        .args(["sweep", "collect"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        read(&dir.join("results.jsonl")),
        read(&local.join("results.jsonl"))
    );
}

/// `spikeforge estimate --svg FILE` draws the energy by component; an existing file is refused
/// (and kept) unless `--force`.
#[test]
fn estimate_draws_its_breakdown_and_keeps_an_existing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let svg = tmp.path().join("breakdown.svg");
    let exe = env!("CARGO_BIN_EXE_spikeforge");
    let args = |force: bool| {
        let mut c = Command::new(exe);
        c.arg("estimate")
            .arg(examples().join("accel-vgg.toml"))
            .arg(examples().join("vgg9-cifar10.toml"))
            .arg("--svg")
            .arg(&svg);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let out = args(false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = read(&svg);
    assert!(text.starts_with("<svg") && text.contains("dram") && text.contains("vgg9-cifar10"));
    std::fs::write(&svg, "mine").unwrap();
    let out = args(false);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the file exists"));
    assert_eq!(read(&svg), "mine");
    assert!(args(true).status.success());
    assert_eq!(read(&svg), text);
}

#[test]
fn an_edited_job_script_is_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let f = sweep_file(tmp.path(), "");
    let dir = tmp.path().join("out");
    let script = dir.join("sweep.sbatch");
    let emit = |shards: &str, force: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_spikeforge"));
        c.arg("sweep")
            .args(["--emit", "slurm", "--shards", shards, "-o"])
            .arg(&dir)
            .arg(&f);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    // spikeforge's own untouched script is rewritten freely (another shard count).
    assert!(emit("2", false).status.success());
    assert!(read(&script).contains("#SBATCH --array=0-1\n"));
    assert!(emit("3", false).status.success());
    let ours = read(&script);
    assert!(ours.contains("#SBATCH --array=0-2\n"), "{ours}");
    // An edited one is kept, and the error says how to keep options out of the script.
    let edited = ours.replace(
        "#SBATCH --array",
        "#SBATCH --partition=short\n#SBATCH --array",
    );
    std::fs::write(&script, &edited).unwrap();
    let out = emit("4", false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("changed since spikeforge wrote it") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(read(&script), edited);
    // --force replaces it.
    assert!(emit("4", true).status.success());
    assert!(read(&script).contains("#SBATCH --array=0-3\n"));
}

/// `synthesis = true`: each point's accelerator is synthesized for iCE40 (a bigger array takes
/// more LUT4); the figures go into the results, the CSV, the report and the EDP-vs-LUT4 Pareto
/// plot, and they are cached by Verilog hash (the cache holds exactly the reported figures, so
/// a second sweep over the same designs reads them back).
#[test]
fn synthesis_per_point_is_reported_and_cached() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = "synthesis = true\n[grid]\nrows = [1, 2]\n";
    let (dir, results) = tiny_sweep(tmp.path(), keys);
    let res: Vec<_> = results
        .iter()
        .map(|r| r.figures().expect("valid").ice40.expect("synthesized"))
        .collect();
    assert!(res[0].luts > 1000 && res[0].brams > 0, "{res:?}");
    assert!(
        res[1].luts > res[0].luts,
        "two rows take more LUT4: {res:?}"
    );
    let cache = spikeforge_rtlsim::cache::default_cache_dir().join("synth-v1");
    let cached: Vec<spikeforge_explore::synth::Resources> = std::fs::read_dir(&cache)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect();
    for r in &res {
        assert!(
            cached.contains(r),
            "{r:?} is in the cache {}",
            cache.display()
        );
    }
    let csv = read(&dir.join("results.csv"));
    assert!(csv.lines().next().unwrap().contains("ice40_luts"));
    assert!(csv.contains(&format!(",{},", res[1].luts)), "{csv}");
    assert!(read(&dir.join("report.html")).contains("iCE40 LUT4"));
    assert!(
        read(&dir.join("pareto-edp-luts.svg")).contains("#1\n"),
        "the 2-row point is on the front"
    );
    // The same designs again, in another folder: the same figures.
    let again = tempfile::tempdir().unwrap();
    let (dir2, _) = tiny_sweep(again.path(), keys);
    assert_eq!(
        read(&dir2.join("results.jsonl")),
        read(&dir.join("results.jsonl"))
    );
}

/// A sweep with a dataset (examples/sweep-digits.toml: the trained digits network over T, θ_H
/// and B): each valid point's accuracy, mean exit and measured energy are those of
/// `spikeforge evaluate`'s functions on the same configuration, and the error-rate-vs-energy
/// front is drawn.
#[test]
fn a_sweep_with_a_dataset_measures_accuracy_per_point() {
    use spikeforge_config::Dataset;
    use spikeforge_golden::evaluate;
    let tmp = tempfile::tempdir().unwrap();
    let sweep = Sweep::load(&examples().join("sweep-digits.toml")).unwrap();
    let dir = tmp.path().join("out");
    sweep.run(&dir, None, &quiet).unwrap();
    let results = store::load_results(&dir.join("results.jsonl")).unwrap();
    assert_eq!(results.len(), 40);
    let net = Network::load(examples().join("digits/digits-w4m8.toml")).unwrap();
    let data = Dataset::load(examples().join("digits/test.json")).unwrap();
    let mut accel = AcceleratorConfig::default();
    accel.schedule.tick_batch = 4;
    let find = |t: u32, theta: f64| {
        results
            .iter()
            .find(|r| {
                r.params.tick_batch == Some(4)
                    && r.params.timesteps == Some(t)
                    && r.params.entropy_threshold == Some(theta)
            })
            .and_then(|r| r.figures())
            .and_then(|f| f.dataset)
            .unwrap()
    };
    let fixed = evaluate::fixed_t(&net, &data, 8, &accel, &|| {}).unwrap();
    let p = find(8, 0.0);
    assert_eq!(
        (p.accuracy, p.energy_pj),
        (fixed.accuracy, fixed.cost.energy_pj)
    );
    assert!(
        p.accuracy >= 0.92,
        "the 4-bit network at T = 8: {}",
        p.accuracy
    );
    let mut net2 = net.clone();
    net2.entropy_threshold = 0.2;
    let dt = evaluate::dtsnn(&net2, &data, 8, 0.2, &accel, &[], &|| {}).unwrap();
    let p = find(8, 0.2);
    assert_eq!((p.accuracy, p.mean_exit), (dt.accuracy, dt.mean_exit));
    assert!(p.mean_exit < 4.0, "DT-SNN exits early: {}", p.mean_exit);
    // B = 4 > T = 2 is recorded, not fatal.
    assert_eq!(results.iter().filter(|r| r.figures().is_none()).count(), 5);
    assert!(read(&dir.join("report.html")).contains("mean exit t"));
    let svg = read(&dir.join("pareto-error-energy.svg"));
    assert!(svg.contains("error rate"), "the accuracy front is drawn");
    committed_plot_is_current("digits-error-energy.svg", &svg, "dataset");
}

/// `place_and_route = true`: the point's accelerator is placed and routed on an iCE40 HX8K
/// (nextpnr-ice40, seed 1); logic cells and fmax go into the results, the CSV and the
/// EDP-vs-clock-period plot, cached like synthesis.
#[test]
fn place_and_route_per_point_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, results) = tiny_sweep(tmp.path(), "place_and_route = true\n");
    let p = results[0]
        .figures()
        .expect("valid")
        .hx8k
        .expect("placed and routed");
    assert!(
        p.logic_cells > 1000 && p.logic_cells <= 7680 && p.brams > 0 && p.fmax_mhz > 10.0,
        "{p:?}"
    );
    let csv = read(&dir.join("results.csv"));
    assert!(csv.lines().next().unwrap().contains("hx8k_fmax_mhz"));
    assert!(csv.contains(&format!(",{},", p.logic_cells)), "{csv}");
    assert!(read(&dir.join("pareto-edp-fmax.svg")).contains("clock period"));
    assert!(read(&dir.join("report.html")).contains("HX8K fmax"));
}
