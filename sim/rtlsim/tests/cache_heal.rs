//! A cache that heals (issue 8, point 4): every file of a cache entry corrupted in turn, the
//! library truncated, the Verilator runtime objects damaged, and a build killed with SIGKILL in
//! the middle: every later run succeeds, prints a one-line notice for a bad entry, and no
//! process or temporary folder of the killed build is left.
//!
//! The runs that use a damaged entry are child processes (this test binary again, running
//! `heal_child`), as a user's later run would be: a process that has a library mapped must not
//! have it truncated under it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use spikeforge_rtlsim::{build, BuildOptions, DesignSources};

/// The child: builds the counter with the nonce `SF_HEAL_NONCE` (cache root `SF_HEAL_CACHE` if
/// set), checks it counts, and prints `CHILD cached=<bool> library=<path>`.
#[test]
fn heal_child() {
    let Some(n) = std::env::var_os("SF_HEAL_NONCE") else {
        return;
    };
    let src = DesignSources::single(
        "counter",
        format!("// nonce {}\n{}", n.to_string_lossy(), COUNTER),
    );
    let opts = BuildOptions {
        cache_dir: std::env::var_os("SF_HEAL_CACHE").map(PathBuf::from),
        opt_level: 0, // the quickest design compile: these tests rebuild often
        ..Default::default()
    };
    let mut sim = build(&src, &opts).unwrap();
    sim.reset(1);
    sim.poke_u64("en", 1).unwrap();
    sim.run(7);
    assert_eq!(sim.peek_u64("count").unwrap(), 7);
    println!(
        "CHILD cached={} library={}",
        sim.cached(),
        sim.build_info().library.display()
    );
}

/// What a child run printed.
struct ChildRun {
    cached: bool,
    library: PathBuf,
    stderr: String,
}

fn child_command(nonce: &str, cache: Option<&Path>) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "heal_child", "--nocapture", "--test-threads=1"])
        .env("SF_HEAL_NONCE", nonce);
    match cache {
        Some(d) => c.env("SF_HEAL_CACHE", d),
        None => c.env_remove("SF_HEAL_CACHE"),
    };
    c
}

fn run_child(nonce: &str, cache: Option<&Path>) -> ChildRun {
    let out = child_command(nonce, cache).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "child run failed ({:?}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("CHILD ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no CHILD line in {stdout}"));
    let (c, l) = line.split_once(" library=").unwrap();
    ChildRun {
        cached: c == "cached=true",
        library: PathBuf::from(l),
        stderr,
    }
}

/// The notice lines (one per healed entry) in a child's stderr.
fn notices(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("spikeforge-rtlsim:") && l.contains("rebuilding it"))
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Damage {
    Delete,
    Empty,
    Garbage,
    Truncate,
}

fn damage(path: &Path, how: Damage) {
    match how {
        Damage::Delete => std::fs::remove_file(path).unwrap(),
        Damage::Empty => std::fs::write(path, b"").unwrap(),
        Damage::Garbage => {
            // same size, different bytes: only the hash can tell
            let len = std::fs::metadata(path).unwrap().len() as usize;
            let mut rng = Rng(0x5eed_0000 + len as u64);
            let bytes: Vec<u8> = (0..len.max(16)).map(|_| rng.next() as u8).collect();
            std::fs::write(path, bytes).unwrap();
        }
        Damage::Truncate => {
            // in place, like a full disk or a killed copy
            let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
            let len = f.metadata().unwrap().len();
            f.set_len(len / 2).unwrap();
        }
    }
}

/// `<cache>/rtlsim-v2/designs/<key32>/`: the folder of a library.
fn entry_of(library: &Path) -> PathBuf {
    library.parent().unwrap().to_path_buf()
}

#[test]
fn every_damaged_file_of_a_design_entry_is_rebuilt_with_a_notice() {
    if std::env::var_os("SF_HEAL_NONCE").is_some() {
        return;
    }
    let n = nonce();
    let first = run_child(&n, None);
    assert!(!first.cached, "a fresh nonce cannot be cached");
    assert!(notices(&first.stderr).is_empty(), "{}", first.stderr);
    let entry = entry_of(&first.library);
    let mut library = first.library;
    let cases: Vec<(&str, Damage, &str)> = vec![
        ("complete.json", Damage::Delete, "complete.json is missing"),
        ("complete.json", Damage::Empty, "complete.json is corrupt"),
        ("complete.json", Damage::Garbage, "complete.json is"),
        ("ports.json", Damage::Delete, "ports.json is missing"),
        ("ports.json", Damage::Empty, "ports.json is 0 bytes"),
        ("ports.json", Damage::Garbage, "ports.json does not match"),
        ("LIB", Damage::Delete, "is missing"),
        ("LIB", Damage::Empty, "is 0 bytes"),
        ("LIB", Damage::Garbage, "does not match the blake3 hash"),
        ("LIB", Damage::Truncate, "(truncated or replaced)"),
    ];
    for (file, how, reason) in cases {
        let path = if file == "LIB" {
            library.clone()
        } else {
            entry.join(file)
        };
        damage(&path, how);
        let run = run_child(&n, None);
        let what = format!("{file} {how:?}");
        assert!(!run.cached, "{what}: the damaged entry was used");
        let lines = notices(&run.stderr);
        assert_eq!(lines.len(), 1, "{what}: {}", run.stderr);
        assert!(
            lines[0].contains(&entry.display().to_string()) && lines[0].contains(reason),
            "{what}: notice `{}` should name {} and `{reason}`",
            lines[0],
            entry.display()
        );
        assert_eq!(entry_of(&run.library), entry, "{what}");
        assert_ne!(
            run.library, library,
            "{what}: a rebuilt library gets a new name"
        );
        assert!(
            !library.exists() || file != "LIB",
            "{what}: old library left"
        );
        library = run.library;
        // healed: the next run is a quiet hit
        let again = run_child(&n, None);
        assert!(again.cached, "{what}: not healed");
        assert!(
            notices(&again.stderr).is_empty(),
            "{what}: {}",
            again.stderr
        );
    }
}

/// A library that is intact by its marker but is not a simulator: the marker is rewritten to
/// match a foreign shared library (and then a non-ELF file), so only loading it can tell.
#[test]
fn a_library_without_the_shim_symbols_is_rebuilt() {
    if std::env::var_os("SF_HEAL_NONCE").is_some() {
        return;
    }
    let n = nonce();
    let first = run_child(&n, None);
    let entry = entry_of(&first.library);
    // a real shared library without any sf_* symbol
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("foreign.c");
    std::fs::write(&c, "int foreign_symbol(void) { return 42; }\n").unwrap();
    let foreign = dir.path().join("libforeign.so");
    let st = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&foreign)
        .arg(&c)
        .status()
        .unwrap();
    assert!(st.success());
    let mut library = first.library;
    for (bytes, reason) in [
        (std::fs::read(&foreign).unwrap(), "symbol `sf_abi_version`"),
        (b"not an ELF file at all".to_vec(), "does not load"),
    ] {
        std::fs::write(&library, &bytes).unwrap();
        // forge the marker so that size and hash match the replaced library
        let mp = entry.join("complete.json");
        let mut m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&mp).unwrap()).unwrap();
        for f in m["files"].as_array_mut().unwrap() {
            if f["name"].as_str().unwrap().ends_with(".so") {
                f["bytes"] = serde_json::json!(bytes.len());
                f["blake3"] = serde_json::json!(blake3::hash(&bytes).to_hex().to_string());
            }
        }
        std::fs::write(&mp, serde_json::to_string(&m).unwrap()).unwrap();
        let run = run_child(&n, None);
        assert!(!run.cached);
        let lines = notices(&run.stderr);
        assert_eq!(lines.len(), 1, "{}", run.stderr);
        assert!(lines[0].contains(reason), "{} lacks `{reason}`", lines[0]);
        assert_ne!(run.library, library);
        library = run.library;
    }
}

#[test]
fn damaged_runtime_objects_are_rebuilt_with_a_notice() {
    if std::env::var_os("SF_HEAL_NONCE").is_some() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let first = run_child(&nonce(), Some(cache.path()));
    assert!(!first.cached);
    let rt_root = cache.path().join("rtlsim-v2").join("runtime");
    let rdirs: Vec<PathBuf> = std::fs::read_dir(&rt_root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(rdirs.len(), 1, "{rdirs:?}");
    let rdir = &rdirs[0];
    for (file, how, reason) in [
        ("verilated.o", Damage::Truncate, "verilated.o is"),
        (
            "verilated_threads.o",
            Damage::Garbage,
            "verilated_threads.o does not match",
        ),
    ] {
        damage(&rdir.join(file), how);
        // a new design, so that the runtime is needed
        let run = run_child(&nonce(), Some(cache.path()));
        assert!(!run.cached);
        let lines = notices(&run.stderr);
        assert_eq!(lines.len(), 1, "{file} {how:?}: {}", run.stderr);
        assert!(
            lines[0].contains("Verilator runtime")
                && lines[0].contains(&rdir.display().to_string())
                && lines[0].contains(reason),
            "{file} {how:?}: {}",
            lines[0]
        );
    }
    let again = run_child(&nonce(), Some(cache.path()));
    assert!(notices(&again.stderr).is_empty(), "{}", again.stderr);
    assert_no_temp_folders(cache.path());
}

/// Processes whose command line or working directory mentions `needle`, as "pid: cmdline".
fn processes_mentioning(needle: &str) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) || name == me {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let cwd = std::fs::read_link(e.path().join("cwd"))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if cmdline.contains(needle) || cwd.contains(needle) {
            found.push(format!("{name}: {cmdline} (cwd {cwd})"));
        }
    }
    found
}

fn assert_no_temp_folders(cache: &Path) {
    let tmp = cache.join("rtlsim-v2").join("tmp");
    let left: Vec<String> = std::fs::read_dir(&tmp)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "temporary folders left in {}: {left:?}",
        tmp.display()
    );
}

/// Starts a cold build in a child, waits until a process whose command line contains
/// `stage_marker` works inside the cache, SIGKILLs the child and checks that within 3 s no
/// process mentions the cache any more.
fn kill_mid_build(cache: &Path, stage_marker: &str) {
    let needle = cache.display().to_string();
    let mut child = child_command(&nonce(), Some(cache))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        let procs = processes_mentioning(&needle);
        if procs.iter().any(|p| p.contains(stage_marker)) {
            break;
        }
        if let Some(st) = child.try_wait().unwrap() {
            panic!("the build ended ({st:?}) before `{stage_marker}` was seen");
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "no `{stage_marker}` process seen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let t = Instant::now();
    loop {
        let procs = processes_mentioning(&needle);
        if procs.is_empty() {
            eprintln!(
                "killed during `{stage_marker}`: no process left after {:.1} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "processes of the killed build still running after 3 s:\n{}",
            procs.join("\n")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_build_killed_midway_leaves_no_processes_and_no_temp_folders() {
    if std::env::var_os("SF_HEAL_NONCE").is_some() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    // 1. killed while compiling Verilator's runtime (empty cache)
    kill_mid_build(cache.path(), "verilated");
    // 2. killed while compiling the design (the runtime finished by now or is rebuilt first)
    kill_mid_build(cache.path(), "sf_unity");
    let tmp = cache.path().join("rtlsim-v2").join("tmp");
    let left = std::fs::read_dir(&tmp).unwrap().count();
    assert!(
        left > 0,
        "the killed builds should have left their temp folders"
    );
    // 3. the next build succeeds and sweeps the dead builds' folders
    let run = run_child(&nonce(), Some(cache.path()));
    assert!(!run.cached);
    assert_no_temp_folders(cache.path());
    assert!(processes_mentioning(&cache.path().display().to_string()).is_empty());
}
