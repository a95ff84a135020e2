//! Building a simulator library: verilate → render the shim → compile (cc crate) → link → cache.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::cache::{default_cache_dir, hash_parts, versioned_root, KeyLock};
use crate::entry::{self, Check, Marker, MARKER};
use crate::error::{excerpt, RtlSimError};
use crate::guardian::ProcessGroup;
use crate::profile::{self, Pgo, Trainer};
use crate::simulator::{BuildInfo, Simulator};
use crate::staging::{self, Staging};
use crate::tools::{self, Tool};
use crate::{BuildOptions, DesignSources, PortDirection, PortSpec};

/// The shim template, embedded so the binary works from any directory.
pub(crate) const SHIM_TEMPLATE: &str = include_str!("../../../templates/verilator_shim.cpp.tera");

/// Flags passed to `verilator --cc` (part of the cache key).
///
/// Two optimisations of Verilator 5.006 are off, each for a bug the DSL property tests found
/// (docs/dsl-semantics.md; regressions in `tests/verilator_bugs.rs`):
/// - `-fno-const-bit-op-tree`: the bit-op-tree pass miscompiles some one-bit XOR/OR/AND trees
///   over bits of wide sums (upstream issues #4709, #4841, #5186);
/// - `-fno-subst`: wide-expression substitution leaves a reduction over a value narrowed to one
///   bit when it feeds a register, and Verilator stops with "Internal Error: Reduction over
///   single bit value should have been folded".
const VERILATOR_FLAGS: &[&str] = &[
    "--cc",
    "-Wno-fatal",
    "--no-timing",
    "-O3",
    "-fno-const-bit-op-tree",
    "-fno-subst",
];

/// Size (bytes of C++) above which the design's fast code is split over several translation
/// units compiled in parallel; below it everything fast is one unity TU.
const UNITY_CHUNK_BYTES: u64 = 400_000;

/// Extra flags for the design's C++ compile from `$SPIKEFORGE_RTLSIM_CXXFLAGS` (whitespace
/// separated; part of the cache key), e.g. `-march=native`; passed to the link as well, which
/// flags such as `-fprofile-generate` or `-fsanitize=…` need.
fn extra_cxxflags() -> Vec<String> {
    std::env::var("SPIKEFORGE_RTLSIM_CXXFLAGS")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn target() -> &'static str {
    env!("SPIKEFORGE_RTLSIM_TARGET")
}

/// Verilator facts needed for keys and builds.
#[derive(Debug, Clone)]
pub(crate) struct VerilatorFacts {
    pub path: PathBuf,
    pub version: String,
}

/// The Verilator version string, cheaply: remembered on disk keyed by the executable's
/// (path, size, mtime) — running `verilator --version` costs ~45 ms, which would dominate a
/// cached load in a fresh process.
fn verilator_facts(root: &Path) -> Result<VerilatorFacts, RtlSimError> {
    static MEMO: OnceLock<Mutex<Option<VerilatorFacts>>> = OnceLock::new();
    let path = tools::find_in_path("verilator").ok_or(RtlSimError::ToolMissing {
        name: Tool::Verilator.name(),
        command: Tool::Verilator.command(),
        package: Tool::Verilator.package(),
    })?;
    let memo = MEMO.get_or_init(Default::default);
    if let Some(f) = memo.lock().unwrap().as_ref() {
        if f.path == path {
            return Ok(f.clone());
        }
    }
    let mut stamp = path.to_string_lossy().into_owned();
    for p in [path.clone(), path.with_file_name("verilator_bin")] {
        if let Ok(m) = std::fs::metadata(&p) {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            stamp.push_str(&format!("|{}|{}", m.len(), mtime));
        }
    }
    let stamp_file = root
        .join("toolver")
        .join(&hash_parts(&[stamp.as_bytes()])[..24]);
    let version = match std::fs::read_to_string(&stamp_file) {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim().to_string();
            let parsed = v.split_whitespace().nth(1).and_then(|n| {
                let mut it = n.split('.');
                Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
            });
            tools::check_version(Tool::Verilator, &v, parsed)?;
            v
        }
        _ => {
            let info = tools::require(Tool::Verilator)?;
            if let Some(d) = stamp_file.parent() {
                let _ = std::fs::create_dir_all(d);
            }
            let tmp = stamp_file.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, &info.version_string).is_ok() {
                let _ = std::fs::rename(&tmp, &stamp_file);
            }
            info.version_string
        }
    };
    let facts = VerilatorFacts { path, version };
    *memo.lock().unwrap() = Some(facts.clone());
    Ok(facts)
}

fn verilator_root(v: &VerilatorFacts) -> Result<PathBuf, RtlSimError> {
    static MEMO: OnceLock<Mutex<Option<(PathBuf, PathBuf)>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some((p, r)) = memo.lock().unwrap().as_ref() {
        if *p == v.path {
            return Ok(r.clone());
        }
    }
    let out = Command::new(&v.path)
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .map_err(|e| RtlSimError::io(&v.path, e))?;
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !root.join("include").join("verilated.h").exists() {
        return Err(RtlSimError::Invalid(format!(
            "`verilator --getenv VERILATOR_ROOT` gave {} which has no include/verilated.h; is the Verilator installation complete?",
            root.display()
        )));
    }
    *memo.lock().unwrap() = Some((v.path.clone(), root.clone()));
    Ok(root)
}

fn validate(sources: &DesignSources) -> Result<(), RtlSimError> {
    if sources.top.is_empty() || !is_ident(&sources.top) {
        return Err(RtlSimError::Invalid(format!(
            "top module name `{}` is not a plain Verilog identifier",
            sources.top
        )));
    }
    if sources.files.is_empty() {
        return Err(RtlSimError::Invalid(format!(
            "no Verilog files given for top module `{}`",
            sources.top
        )));
    }
    for (name, _) in &sources.files {
        if name.is_empty() || name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return Err(RtlSimError::Invalid(format!(
                "Verilog file name `{name}` must be a plain file name (no directories)"
            )));
        }
    }
    for p in &sources.ports {
        if p.width == 0 || !is_ident(&p.name) {
            return Err(RtlSimError::Invalid(format!(
                "port `{}` of width {} is not valid (plain identifier, width ≥ 1 needed)",
                p.name, p.width
            )));
        }
    }
    Ok(())
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$')
}

/// Builds (or loads from the cache) a simulator for `sources`.
///
/// The cache key is a blake3 hash of every source file (name and text), the top module, the
/// port list, clock and reset names, `trace`, `opt_level`, the Verilator version string, the
/// Verilator flags and the shim template. A hit loads the existing library (no Verilator, no
/// compiler); [`Simulator::build_info`] says whether it was a hit.
///
/// A cache entry is used only after its completion marker, `ports.json` and the library's size
/// and blake3 hash check out (before `dlopen`) and the library's shim symbols load; an entry
/// that fails any of these is rebuilt, with a one-line notice on stderr naming the entry and
/// what was wrong. Builds run in a per-process temporary folder that is published by `rename`,
/// and their tools die with this process (see `docs/rtlsim.md`, "The cache").
pub fn build(sources: &DesignSources, opts: &BuildOptions) -> Result<Simulator, RtlSimError> {
    build_with(sources, opts, None)
}

/// Builds (or loads from the cache) a simulator for `sources` whose fast-path C++ GCC optimised
/// with the profile of a training run (`-fprofile-use`; see `docs/rtlsim.md`, "Profile-guided
/// builds").
///
/// On a cache miss the design is first compiled with instrumentation into a temporary folder,
/// `train` drives that simulator (any run that exercises the design the way later runs will;
/// its results are discarded), and the design is compiled again with the recorded profile and
/// cached under its own key (the plain key plus "profile-guided"). On a hit `train` is not
/// called. The library computes exactly what a plain build computes; it is only faster (the
/// co-simulation of VGG5 on the default accelerator: ~1.25×, docs/cosim.md). Needs GCC as the
/// C++ compiler; an error from `train` ends the build with that error.
pub fn build_profiled(
    sources: &DesignSources,
    opts: &BuildOptions,
    train: impl FnOnce(&mut Simulator) -> Result<(), RtlSimError>,
) -> Result<Simulator, RtlSimError> {
    build_with(sources, opts, Some(Box::new(train)))
}

/// [`build`], or with a trainer [`build_profiled`].
fn build_with(
    sources: &DesignSources,
    opts: &BuildOptions,
    trainer: Option<Trainer<'_>>,
) -> Result<Simulator, RtlSimError> {
    let t0 = Instant::now();
    validate(sources)?;
    if opts.opt_level > 3 {
        return Err(RtlSimError::Invalid(format!(
            "opt_level {} is out of range 0..=3",
            opts.opt_level
        )));
    }
    let base = opts.cache_dir.clone().unwrap_or_else(default_cache_dir);
    let root = versioned_root(&base);
    let vf = verilator_facts(&root)?;
    let key = design_key(sources, opts, &vf.version, trainer.is_some());
    let ddir = root.join("designs").join(&key[..32]);
    let info = BuildInfo {
        cached: true,
        key: key.clone(),
        profile_guided: trainer.is_some(),
        ..Default::default()
    };
    // Fast path, no lock: a complete, intact entry.
    let mut load_failure: Option<(PathBuf, String)> = None;
    if let Check::Good(m) = entry::check(&ddir, &key, &[PORTS_JSON]) {
        match load_entry(&ddir, &m, sources, opts, info.clone(), t0) {
            Ok(sim) => return Ok(sim),
            Err(LoadError::Heal(lib, reason)) => load_failure = Some((lib, reason)),
            Err(LoadError::Fail(e)) => return Err(e),
        }
    }
    let _lock = KeyLock::acquire(&root, &key[..32])?;
    // Again under the lock: a parallel process may have just built or healed it.
    let reason = match entry::check(&ddir, &key, &[PORTS_JSON]) {
        Check::Absent => None,
        Check::Bad(r) => Some(r),
        Check::Good(m) => {
            let lib = m.file_ending(".so").map(|f| ddir.join(&f.name));
            match load_failure {
                Some((failed, r)) if Some(&failed) == lib.as_ref() => Some(r),
                _ => match load_entry(&ddir, &m, sources, opts, info.clone(), t0) {
                    Ok(sim) => return Ok(sim),
                    Err(LoadError::Heal(_, r)) => Some(r),
                    Err(LoadError::Fail(e)) => return Err(e),
                },
            }
        }
    };
    if let Some(r) = &reason {
        entry::notice("design", &ddir, r);
    }
    let mut info = info;
    info.cached = false;
    let tmp_root = root.join("tmp");
    staging::sweep(&tmp_root);
    // A profile-guided build first records its profile (instrumented build + training run).
    let profile = match trainer {
        None => None,
        Some(train) => Some(record_profile(
            sources, opts, &vf, &root, &tmp_root, &key, train, &mut info,
        )?),
    };
    let pgo = match &profile {
        None => Pgo::Off,
        Some(p) => Pgo::Use(p.path().join("profile")),
    };
    let stage = Staging::create(&tmp_root, &format!("d-{}", &key[..16]))?;
    let built = build_design(sources, opts, &vf, &root, stage.path(), &mut info, &pgo);
    drop(profile);
    if let Err(e) = built {
        // Keep the logs and generated C++ for inspection under failed/<key32>/.
        let failed = root.join("failed").join(&key[..32]);
        let e = relocate_logs(e, stage.path(), &failed);
        let _ = stage.publish(&failed);
        return Err(e);
    }
    stage.publish(&ddir)?;
    match entry::check(&ddir, &key, &[PORTS_JSON]) {
        Check::Good(m) => load_entry(&ddir, &m, sources, opts, info, t0).map_err(|e| match e {
            LoadError::Heal(_, reason) => RtlSimError::Load {
                path: ddir.clone(),
                message: format!("the freshly built cache entry is unusable: {reason}"),
            },
            LoadError::Fail(e) => e,
        }),
        Check::Bad(reason) => Err(RtlSimError::Load {
            path: ddir.clone(),
            message: format!("the freshly built cache entry is unusable: {reason}"),
        }),
        Check::Absent => Err(RtlSimError::Load {
            path: ddir.clone(),
            message: "the freshly built cache entry vanished (was the cache deleted?)".into(),
        }),
    }
}

/// The file name of a design entry's port list.
const PORTS_JSON: &str = "ports.json";

/// Why a checked cache entry could not be turned into a simulator.
enum LoadError {
    /// The entry is bad (library path, reason): rebuild it.
    Heal(PathBuf, String),
    /// Not the entry's fault.
    Fail(RtlSimError),
}

/// Loads a checked entry: its port list and its library (shim symbols, ABI, model).
fn load_entry(
    ddir: &Path,
    m: &Marker,
    sources: &DesignSources,
    opts: &BuildOptions,
    mut info: BuildInfo,
    t0: Instant,
) -> Result<Simulator, LoadError> {
    let Some(lib) = m.file_ending(".so") else {
        return Err(LoadError::Heal(
            ddir.to_path_buf(),
            format!("its completion marker {MARKER} records no library"),
        ));
    };
    let so = ddir.join(&lib.name);
    let pj = ddir.join(PORTS_JSON);
    let ports: Vec<PortSpec> = std::fs::read_to_string(&pj)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|e| {
            LoadError::Heal(so.clone(), format!("{PORTS_JSON} is not a port list: {e}"))
        })?;
    info.library = so.clone();
    let tl = Instant::now();
    Simulator::load(&so, ports, sources, opts.trace, info, tl, t0).map_err(|e| match e {
        RtlSimError::Load { message, .. } => {
            LoadError::Heal(so.clone(), format!("{} does not load: {message}", lib.name))
        }
        e => LoadError::Fail(e),
    })
}

/// Points the log path of a build error at the folder the build's files were moved to.
fn relocate_logs(e: RtlSimError, from: &Path, to: &Path) -> RtlSimError {
    let fix = |log: PathBuf| match log.strip_prefix(from) {
        Ok(rest) => to.join(rest),
        Err(_) => log,
    };
    match e {
        RtlSimError::Verilate { top, excerpt, log } => RtlSimError::Verilate {
            top,
            excerpt,
            log: fix(log),
        },
        RtlSimError::Compile { top, excerpt, log } => RtlSimError::Compile {
            top,
            excerpt,
            log: fix(log),
        },
        RtlSimError::Link { top, excerpt, log } => RtlSimError::Link {
            top,
            excerpt,
            log: fix(log),
        },
        e => e,
    }
}

fn design_key(
    sources: &DesignSources,
    opts: &BuildOptions,
    version: &str,
    profile_guided: bool,
) -> String {
    let mut parts: Vec<Vec<u8>> = vec![
        b"spikeforge-rtlsim design v1".to_vec(),
        version.as_bytes().to_vec(),
        VERILATOR_FLAGS.join(" ").into_bytes(),
        SHIM_TEMPLATE.as_bytes().to_vec(),
        sources.top.as_bytes().to_vec(),
        serde_json::to_vec(&sources.ports).unwrap_or_default(),
        format!("{:?}|{:?}", sources.clock, sources.reset).into_bytes(),
        format!(
            "trace={} opt={} assertions={}",
            opts.trace, opts.opt_level, opts.assertions
        )
        .into_bytes(),
        extra_cxxflags().join(" ").into_bytes(),
        target().as_bytes().to_vec(),
    ];
    for (name, text) in &sources.files {
        parts.push(name.as_bytes().to_vec());
        parts.push(text.as_bytes().to_vec());
    }
    if profile_guided {
        // Only then, so plain builds keep their keys.
        parts.push(profile::key_part().into_bytes());
    }
    let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
    hash_parts(&refs)
}

fn io<T>(path: &Path, r: std::io::Result<T>) -> Result<T, RtlSimError> {
    r.map_err(|e| RtlSimError::io(path, e))
}

/// Records the profile of a profile-guided build: compiles the design with instrumentation in a
/// temporary folder of `tmp_root` (never published), loads it, runs `train` on it and has GCC's
/// runtime write the profile into the folder's `profile/`. Returns the folder (removed when
/// dropped); `info.profile_s` gets the time it took.
#[allow(clippy::too_many_arguments)]
fn record_profile(
    sources: &DesignSources,
    opts: &BuildOptions,
    vf: &VerilatorFacts,
    root: &Path,
    tmp_root: &Path,
    key: &str,
    train: Trainer<'_>,
    info: &mut BuildInfo,
) -> Result<Staging, RtlSimError> {
    let t = Instant::now();
    let includes: Vec<PathBuf> = vec![];
    let tool = cc_base(2, tmp_root, &includes, false)
        .try_get_compiler()
        .map_err(|e| RtlSimError::Invalid(format!("no C++ compiler found by the cc crate: {e}")))?;
    profile::require_gcc(&tool)?;
    let stage = Staging::create(tmp_root, &format!("p-{}", &key[..16]))?;
    let lib_dir = stage.path().join("instrumented");
    let dir = stage.path().join("profile");
    io(&dir, std::fs::create_dir_all(&dir))?;
    io(&lib_dir, std::fs::create_dir_all(&lib_dir))?;
    let mut ginfo = BuildInfo {
        key: key.to_string(),
        ..Default::default()
    };
    build_design(
        sources,
        opts,
        vf,
        root,
        &lib_dir,
        &mut ginfo,
        &Pgo::Generate(dir.clone()),
    )?;
    let unusable = |reason: String| RtlSimError::Load {
        path: lib_dir.clone(),
        message: format!(
            "the instrumented library of a profile-guided build is unusable: {reason}"
        ),
    };
    let mut sim = match entry::check(&lib_dir, key, &[PORTS_JSON]) {
        Check::Good(m) => {
            load_entry(&lib_dir, &m, sources, opts, ginfo, t).map_err(|e| match e {
                LoadError::Heal(_, reason) => unusable(reason),
                LoadError::Fail(e) => e,
            })?
        }
        Check::Bad(reason) => return Err(unusable(reason)),
        Check::Absent => return Err(unusable("it was not written".into())),
    };
    train(&mut sim)?;
    // GCC's profiling runtime writes the .gcda files now (not at unload: a library with
    // thread-local storage may stay mapped until the process exits).
    let dumped = sim.dump_profile();
    drop(sim);
    if !dumped || profile::recorded_files(&dir) == 0 {
        return Err(RtlSimError::Invalid(format!(
            "the training run of a profile-guided build recorded no profile in {}",
            dir.display()
        )));
    }
    info.profile_s = Some(t.elapsed().as_secs_f64());
    Ok(stage)
}

/// Builds the design's cache entry in `ddir`, a fresh temporary folder owned by this process
/// (published by the caller): Verilated C++ under `work/`, logs, the library
/// `libsf_<key16>_<unique>.so`, `ports.json`, and last the completion marker. Every tool runs in
/// a [`ProcessGroup`] that dies with this process, with `ddir` as its working directory. `pgo`
/// says how the fast-path C++ (the shim and the design's per-cycle code) is compiled.
fn build_design(
    sources: &DesignSources,
    opts: &BuildOptions,
    vf: &VerilatorFacts,
    root: &Path,
    ddir: &Path,
    info: &mut BuildInfo,
    pgo: &Pgo,
) -> Result<(), RtlSimError> {
    let top = &sources.top;
    let group = ProcessGroup::new()?;
    let work = ddir.join("work");
    let src_dir = work.join("src");
    let mdir = work.join("obj");
    io(&mdir, std::fs::create_dir_all(&mdir))?;
    let files = tools::write_sources(&src_dir, &sources.files)?;

    // 1. verilate
    let t = Instant::now();
    let vlog = ddir.join("verilate.log");
    let mut cmd = Command::new(&vf.path);
    group.adopt(&mut cmd).current_dir(ddir);
    cmd.args(VERILATOR_FLAGS);
    if opts.trace {
        cmd.arg("--trace");
    }
    if opts.assertions {
        cmd.args(["-DFORMAL", "--assert"]);
    }
    cmd.arg("--top-module")
        .arg(top)
        .arg("--Mdir")
        .arg(&mdir)
        .args(&files);
    let out = io(&vf.path, cmd.output())?;
    let text = format!(
        "$ {:?}\n{}{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    io(&vlog, std::fs::write(&vlog, &text))?;
    if !out.status.success() {
        return Err(RtlSimError::Verilate {
            top: top.clone(),
            excerpt: excerpt(&text, 20),
            log: vlog,
        });
    }
    info.verilate_s = t.elapsed().as_secs_f64();

    // 2. ports
    let class = format!("V{top}");
    let header = mdir.join(format!("{class}.h"));
    let htext = io(&header, std::fs::read_to_string(&header))?;
    let found = parse_header_ports(&htext, top)?;
    let ports = reconcile_ports(sources, &found)?;
    let cnames: Vec<String> = ports
        .iter()
        .map(|p| {
            found
                .iter()
                .find(|(f, _)| f.name == p.name)
                .map(|(_, c)| c.clone())
                .unwrap_or_else(|| p.name.clone())
        })
        .collect();

    // 3. file lists
    let mk = mdir.join(format!("{class}_classes.mk"));
    let mktext = io(&mk, std::fs::read_to_string(&mk))?;
    let lists = parse_classes_mk(&mktext);
    let get = |k: &str| {
        lists
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut fast: Vec<String> = get("VM_CLASSES_FAST");
    fast.extend(get("VM_SUPPORT_FAST"));
    let mut slow: Vec<String> = get("VM_CLASSES_SLOW");
    slow.extend(get("VM_SUPPORT_SLOW"));
    let mut global: Vec<String> = get("VM_GLOBAL_FAST");
    global.extend(get("VM_GLOBAL_SLOW"));
    if !global.iter().any(|g| g == "verilated_threads") {
        global.push("verilated_threads".into());
    }
    if opts.trace && !global.iter().any(|g| g == "verilated_vcd_c") {
        global.push("verilated_vcd_c".into());
    }

    // 4. shim
    let clock_c = sources
        .clock
        .as_ref()
        .and_then(|c| ports.iter().position(|p| &p.name == c))
        .map(|i| cnames[i].clone());
    let shim = render_shim(top, &ports, &cnames, clock_c.as_deref(), opts.trace)?;
    let shim_path = mdir.join("sf_shim.cpp");
    io(&shim_path, std::fs::write(&shim_path, shim))?;

    // 5. runtime objects (once per flag set)
    let vroot = verilator_root(vf)?;
    let t = Instant::now();
    let (runtime_objs, rt_built) = ensure_runtime(root, vf, &vroot, &global, opts.trace, &group)?;
    if rt_built {
        info.runtime_compile_s = Some(t.elapsed().as_secs_f64());
    }

    // 6. design objects
    let t = Instant::now();
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    // (unity file, C++ optimisation level, fast path)
    let mut units: Vec<(PathBuf, u32, bool)> = Vec::new();
    let fast_paths: Vec<PathBuf> = fast.iter().map(|c| mdir.join(format!("{c}.cpp"))).collect();
    let slow_paths: Vec<PathBuf> = slow.iter().map(|c| mdir.join(format!("{c}.cpp"))).collect();
    let mut fast_with_shim = vec![shim_path.clone()];
    fast_with_shim.extend(fast_paths);
    for (i, chunk) in chunks(&fast_with_shim, jobs).into_iter().enumerate() {
        let u = mdir.join(format!("sf_unity_fast_{i}.cpp"));
        write_unity(&u, &chunk)?;
        units.push((u, opts.opt_level, true));
    }
    for (i, chunk) in chunks(&slow_paths, jobs).into_iter().enumerate() {
        let u = mdir.join(format!("sf_unity_slow_{i}.cpp"));
        write_unity(&u, &chunk)?;
        units.push((u, 0, false));
    }
    let includes = vec![
        vroot.join("include"),
        vroot.join("include/vltstd"),
        mdir.clone(),
    ];
    let objdir = work.join("o");
    io(&objdir, std::fs::create_dir_all(&objdir))?;
    let mut jobs_list = Vec::new();
    for (u, opt, fast) in &units {
        let obj = objdir.join(format!("{}.o", u.file_stem().unwrap().to_string_lossy()));
        // `-o` relative to the working directory `ddir`: GCC names a profile file after it
        // (mangled, less `-fprofile-prefix-path`), so both builds of a profile-guided build
        // agree on the names; an absolute `-o` would put the build's own folder in them.
        let obj_arg = obj.strip_prefix(ddir).unwrap_or(&obj);
        let mut cmd = compile_command(*opt, &objdir, &includes, opts.trace, u, obj_arg)?;
        cmd.args(extra_cxxflags());
        if *fast {
            if let Pgo::Use(dir) = pgo {
                // GCC would silently compile a unit without a profile as a plain one.
                let f = profile::profile_file(dir, obj_arg);
                if !f.is_file() {
                    return Err(RtlSimError::Invalid(format!(
                        "the training run of a profile-guided build recorded no profile for {} (no {})",
                        obj_arg.display(),
                        f.display()
                    )));
                }
            }
            cmd.args(pgo.compile_flags(ddir));
        }
        jobs_list.push((cmd, obj));
    }
    let clog = ddir.join("compile.log");
    let objs = run_parallel(jobs_list, jobs, &clog, &group, ddir).map_err(|excerpt| {
        RtlSimError::Compile {
            top: top.clone(),
            excerpt,
            log: clog.clone(),
        }
    })?;
    info.compile_s = t.elapsed().as_secs_f64();

    // 7. link into a temporary name, publish atomically.
    let t = Instant::now();
    let vs = work.join("exports.map");
    io(
        &vs,
        std::fs::write(&vs, "{\n  global: sf_*;\n  local: *;\n};\n"),
    )?;
    let so_name = format!(
        "libsf_{}_{}.so",
        &info.key[..16],
        &hash_parts(&[ddir.as_os_str().as_encoded_bytes()])[..8]
    );
    let so = ddir.join(&so_name);
    let compiler = cc_base(2, &objdir, &includes, opts.trace)
        .try_get_compiler()
        .map_err(|e| RtlSimError::Invalid(format!("no C++ compiler found by the cc crate: {e}")))?;
    let mut link = Command::new(compiler.path());
    group.adopt(&mut link).current_dir(ddir);
    link.args(["-shared", "-Wl,-z,defs", "-pthread"])
        .arg(format!("-Wl,--version-script={}", vs.display()))
        .arg("-o")
        .arg(&so)
        .args(&objs)
        .args(&runtime_objs)
        // The same extra flags as the compile: some need the link too (`-fprofile-generate`).
        .args(extra_cxxflags())
        .args(pgo.link_flags());
    let out = io(compiler.path(), link.output())?;
    let llog = ddir.join("link.log");
    let text = format!("$ {:?}\n{}", link, String::from_utf8_lossy(&out.stderr));
    io(&llog, std::fs::write(&llog, &text))?;
    if !out.status.success() {
        return Err(RtlSimError::Link {
            top: top.clone(),
            excerpt: excerpt(&text, 20),
            log: llog,
        });
    }
    let pj = serde_json::to_string_pretty(&ports).expect("ports serialise");
    let ports_json = ddir.join(PORTS_JSON);
    io(&ports_json, std::fs::write(&ports_json, pj))?;
    // Objects are not needed once linked (the generated C++ stays for inspection).
    let _ = std::fs::remove_dir_all(&objdir);
    // Last: the completion marker (sizes and hashes of what a load uses).
    entry::write_marker(ddir, &info.key, &[so_name, PORTS_JSON.to_string()])?;
    drop(group);
    info.link_s = t.elapsed().as_secs_f64();
    Ok(())
}

fn chunks(files: &[PathBuf], jobs: usize) -> Vec<Vec<PathBuf>> {
    if files.is_empty() {
        return vec![];
    }
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .collect();
    let total: u64 = sizes.iter().sum();
    if std::env::var_os("SPIKEFORGE_RTLSIM_NO_UNITY").is_some_and(|v| v == "1") {
        // one translation unit per file (for measurements)
        return files.iter().map(|f| vec![f.clone()]).collect();
    }
    let n = (total.div_ceil(UNITY_CHUNK_BYTES) as usize).clamp(1, jobs.max(1).min(files.len()));
    // greedy: biggest file to the lightest chunk
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    let mut out: Vec<(u64, Vec<PathBuf>)> = vec![(0, vec![]); n];
    for i in order {
        let c = out.iter_mut().min_by_key(|(s, _)| *s).unwrap();
        c.0 += sizes[i];
        c.1.push(files[i].clone());
    }
    out.into_iter()
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
        .collect()
}

fn write_unity(path: &Path, files: &[PathBuf]) -> Result<(), RtlSimError> {
    let mut s = String::from("// spikeforge-rtlsim unity translation unit\n");
    for f in files {
        s.push_str(&format!(
            "#include \"{}\"\n",
            f.file_name().unwrap().to_string_lossy()
        ));
    }
    io(path, std::fs::write(path, s))
}

fn cc_base(opt: u32, out_dir: &Path, includes: &[PathBuf], trace: bool) -> cc::Build {
    let mut b = cc::Build::new();
    b.cpp(true)
        .target(target())
        .host(target())
        .opt_level(opt)
        .debug(false)
        .out_dir(out_dir)
        .pic(true)
        .std("c++17")
        .cargo_metadata(false)
        .cargo_warnings(false)
        .cargo_output(false)
        .warnings(false);
    for i in includes {
        b.include(i);
    }
    let tr = if trace { "1" } else { "0" };
    for (k, v) in [
        ("VM_COVERAGE", "0"),
        ("VM_SC", "0"),
        ("VM_TRACE", tr),
        ("VM_TRACE_VCD", tr),
        ("VM_TRACE_FST", "0"),
        ("VL_USER_FATAL", "1"),
        ("VL_USER_STOP", "1"),
        ("VL_USER_FINISH", "1"),
    ] {
        b.define(k, Some(v));
    }
    b.flag("-faligned-new");
    b.flag("-fno-strict-aliasing");
    b.flag("-Wno-unused");
    b
}

fn compile_command(
    opt: u32,
    out_dir: &Path,
    includes: &[PathBuf],
    trace: bool,
    src: &Path,
    obj: &Path,
) -> Result<Command, RtlSimError> {
    let tool = cc_base(opt, out_dir, includes, trace)
        .try_get_compiler()
        .map_err(|e| RtlSimError::Invalid(format!("no C++ compiler found by the cc crate: {e}")))?;
    let mut cmd = tool.to_command();
    cmd.arg("-c").arg(src).arg("-o").arg(obj);
    Ok(cmd)
}

/// Runs compile commands on `jobs` threads, inside `group` and in the working directory `cwd`;
/// on failure returns an excerpt of the first failing command's stderr. All output goes to
/// `log`.
fn run_parallel(
    mut cmds: Vec<(Command, PathBuf)>,
    jobs: usize,
    log: &Path,
    group: &ProcessGroup,
    cwd: &Path,
) -> Result<Vec<PathBuf>, String> {
    for (cmd, _) in cmds.iter_mut() {
        group.adopt(cmd).current_dir(cwd);
    }
    let objs: Vec<PathBuf> = cmds.iter().map(|(_, o)| o.clone()).collect();
    let queue = Mutex::new(cmds);
    let logs: Mutex<Vec<(bool, String)>> = Mutex::new(vec![]);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let next = queue.lock().unwrap().pop();
                let Some((mut cmd, _)) = next else { break };
                let desc = format!("$ {cmd:?}\n");
                match cmd.output() {
                    Ok(out) => {
                        let text = format!(
                            "{desc}{}{}",
                            String::from_utf8_lossy(&out.stdout),
                            String::from_utf8_lossy(&out.stderr)
                        );
                        logs.lock().unwrap().push((out.status.success(), text));
                    }
                    Err(e) => logs
                        .lock()
                        .unwrap()
                        .push((false, format!("{desc}could not run the compiler: {e}"))),
                }
            });
        }
    });
    let logs = logs.into_inner().unwrap();
    let all: String = logs
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let _ = std::fs::write(log, &all);
    if let Some((_, t)) = logs.iter().find(|(ok, _)| !ok) {
        // skip the command line itself in the excerpt
        let body: String = t.lines().skip(1).collect::<Vec<_>>().join("\n");
        return Err(excerpt(&body, 20));
    }
    Ok(objs)
}

/// Compiles Verilator's runtime once per (Verilator version, compiler and flags, file set,
/// trace) into the cache entry `runtime/<key24>/` (the objects and their completion marker),
/// checked like a design entry before every use and rebuilt, with a notice, when it is bad.
fn ensure_runtime(
    root: &Path,
    vf: &VerilatorFacts,
    vroot: &Path,
    global: &[String],
    trace: bool,
    group: &ProcessGroup,
) -> Result<(Vec<PathBuf>, bool), RtlSimError> {
    let includes = vec![vroot.join("include"), vroot.join("include/vltstd")];
    let probe = cc_base(2, root, &includes, trace)
        .try_get_compiler()
        .map_err(|e| RtlSimError::Invalid(format!("no C++ compiler found by the cc crate: {e}")))?;
    let args: Vec<String> = probe
        .args()
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let key = hash_parts(&[
        b"runtime v1",
        vf.version.as_bytes(),
        probe.path().to_string_lossy().as_bytes(),
        args.join(" ").as_bytes(),
        global.join(" ").as_bytes(),
    ]);
    let rdir = root.join("runtime").join(&key[..24]);
    let names: Vec<String> = global.iter().map(|g| format!("{g}.o")).collect();
    let required: Vec<&str> = names.iter().map(String::as_str).collect();
    let objs: Vec<PathBuf> = names.iter().map(|n| rdir.join(n)).collect();
    if let Check::Good(_) = entry::check(&rdir, &key, &required) {
        return Ok((objs, false));
    }
    let _lock = KeyLock::acquire(root, &format!("rt-{}", &key[..24]))?;
    match entry::check(&rdir, &key, &required) {
        Check::Good(_) => return Ok((objs, false)),
        Check::Bad(r) => entry::notice("Verilator runtime", &rdir, &r),
        Check::Absent => {}
    }
    let tmp_root = root.join("tmp");
    staging::sweep(&tmp_root);
    let stage = Staging::create(&tmp_root, &format!("rt-{}", &key[..16]))?;
    let mut cmds = vec![];
    for (g, n) in global.iter().zip(&names) {
        let src = vroot.join("include").join(format!("{g}.cpp"));
        let obj = stage.path().join(n);
        cmds.push((
            compile_command(2, stage.path(), &includes, trace, &src, &obj)?,
            obj,
        ));
    }
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let log = stage.path().join("runtime-compile.log");
    if let Err(excerpt) = run_parallel(cmds, jobs, &log, group, stage.path()) {
        let failed = root.join("failed").join(format!("rt-{}", &key[..24]));
        let _ = stage.publish(&failed);
        return Err(RtlSimError::Compile {
            top: "(Verilator runtime)".into(),
            excerpt,
            log: failed.join("runtime-compile.log"),
        });
    }
    entry::write_marker(stage.path(), &key, &names)?;
    stage.publish(&rdir)?;
    Ok((objs, true))
}

/// Verilator's C++ member name → the Verilog name: strips the `__SYM__` prefix it adds to
/// C++ keywords and decodes `__0HH` escapes (`a__b` → `a___05Fb`, `$` → `__024`).
pub(crate) fn decode_cpp_name(c: &str) -> String {
    let c = c.strip_prefix("__SYM__").unwrap_or(c);
    let b = c.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b.len() >= i + 5 && &b[i..i + 3] == b"__0" {
            if let Ok(v) = u8::from_str_radix(&c[i + 3..i + 5], 16) {
                out.push(v as char);
                i += 5;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// Ports declared in `V<top>.h` (`VL_IN8(&name,msb,lsb);`, `VL_OUTW(&name,msb,lsb,words);` …)
/// as (port with its Verilog name, C++ member name).
pub(crate) fn parse_header_ports(
    header: &str,
    top: &str,
) -> Result<Vec<(PortSpec, String)>, RtlSimError> {
    let mut out = vec![];
    for line in header.lines() {
        let l = line.trim();
        let (dir, rest) = if let Some(r) = l.strip_prefix("VL_INOUT") {
            let name = r
                .split('&')
                .nth(1)
                .and_then(|s| s.split(',').next())
                .unwrap_or("?");
            return Err(RtlSimError::PortMismatch {
                top: top.into(),
                message: format!(
                    "inout port `{}` is not supported by the bridge",
                    decode_cpp_name(name)
                ),
            });
        } else if let Some(r) = l.strip_prefix("VL_IN") {
            (PortDirection::Input, r)
        } else if let Some(r) = l.strip_prefix("VL_OUT") {
            (PortDirection::Output, r)
        } else {
            continue;
        };
        let Some(args) = rest.split_once("(&").map(|(_, a)| a) else {
            continue;
        };
        let args = args.trim_end_matches(';').trim_end_matches(')');
        let f: Vec<&str> = args.split(',').map(str::trim).collect();
        if f.len() < 3 {
            continue;
        }
        let (Ok(msb), Ok(lsb)) = (f[1].parse::<i64>(), f[2].parse::<i64>()) else {
            continue;
        };
        out.push((
            PortSpec {
                name: decode_cpp_name(f[0]),
                width: ((msb - lsb).abs() + 1) as u32,
                direction: dir,
                signed: false,
            },
            f[0].to_string(),
        ));
    }
    Ok(out)
}

fn reconcile_ports(
    sources: &DesignSources,
    found_pairs: &[(PortSpec, String)],
) -> Result<Vec<PortSpec>, RtlSimError> {
    let top = &sources.top;
    let found: Vec<PortSpec> = found_pairs.iter().map(|(p, _)| p.clone()).collect();
    let mismatch = |message: String| RtlSimError::PortMismatch {
        top: top.clone(),
        message,
    };
    let ports = if sources.ports.is_empty() {
        found
    } else {
        for p in &sources.ports {
            let Some(f) = found.iter().find(|f| f.name == p.name) else {
                return Err(mismatch(format!(
                    "port `{}` is listed but the module has no such port (it has: {})",
                    p.name,
                    found
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            if f.width != p.width || f.direction != p.direction {
                return Err(mismatch(format!(
                    "port `{}` is listed as {:?} {} bits but the Verilog declares {:?} {} bits",
                    p.name, p.direction, p.width, f.direction, f.width
                )));
            }
        }
        if let Some(f) = found
            .iter()
            .find(|f| !sources.ports.iter().any(|p| p.name == f.name))
        {
            return Err(mismatch(format!(
                "the Verilog has port `{}` ({:?}, {} bits) which the port list omits",
                f.name, f.direction, f.width
            )));
        }
        sources.ports.clone()
    };
    for (what, name) in [("clock", &sources.clock), ("reset", &sources.reset)] {
        if let Some(n) = name {
            match ports.iter().find(|p| &p.name == n) {
                Some(p) if p.is_input() && p.width == 1 => {}
                Some(p) => {
                    return Err(mismatch(format!(
                        "{what} `{n}` must be a 1-bit input but is {:?} {} bits",
                        p.direction, p.width
                    )))
                }
                None => {
                    return Err(mismatch(format!(
                        "{what} port `{n}` does not exist; set DesignSources::{what} to the right name, or None if the design has no {what}"
                    )))
                }
            }
        }
    }
    Ok(ports)
}

/// `(variable, [names])` for each `VAR += \` list in a `V<top>_classes.mk`.
pub(crate) fn parse_classes_mk(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = vec![];
    let mut cur: Option<usize> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some((var, rest)) = t.split_once("+=") {
            out.push((var.trim().to_string(), vec![]));
            let idx = out.len() - 1;
            for w in rest.split_whitespace().filter(|w| *w != "\\") {
                out[idx].1.push(w.to_string());
            }
            cur = if t.ends_with('\\') { Some(idx) } else { None };
            continue;
        }
        if let Some(idx) = cur {
            for w in t.split_whitespace().filter(|w| *w != "\\") {
                out[idx].1.push(w.to_string());
            }
            if !t.ends_with('\\') {
                cur = None;
            }
        }
    }
    out
}

/// Verilator's C type class for a width: C ≤ 8, S ≤ 16, I ≤ 32, Q ≤ 64, W (VlWide) beyond.
fn kind(width: u32) -> &'static str {
    match width {
        0..=8 => "C",
        9..=16 => "S",
        17..=32 => "I",
        33..=64 => "Q",
        _ => "W",
    }
}

pub(crate) fn render_shim(
    top: &str,
    ports: &[PortSpec],
    cnames: &[String],
    clock: Option<&str>,
    trace: bool,
) -> Result<String, RtlSimError> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template("verilator_shim.cpp", SHIM_TEMPLATE)
        .map_err(|e| RtlSimError::Invalid(format!("shim template: {e:?}")))?;
    let ports_ctx: Vec<serde_json::Value> = ports
        .iter()
        .zip(cnames)
        .map(|(p, cname)| {
            let mask = if p.width >= 64 {
                u64::MAX
            } else {
                (1u64 << p.width) - 1
            };
            let rem = p.width % 32;
            let top_mask: u32 = if rem == 0 {
                u32::MAX
            } else {
                (1u32 << rem) - 1
            };
            serde_json::json!({
                "name": cname,
                "width": p.width,
                "input": p.is_input(),
                "kind": kind(p.width),
                "words": p.width.div_ceil(32),
                "mask": format!("0x{mask:x}"),
                "top_mask": format!("0x{top_mask:x}"),
            })
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("top", top);
    ctx.insert("ports", &ports_ctx);
    ctx.insert("clock", &clock.unwrap_or(""));
    ctx.insert("trace", &trace);
    tera.render("verilator_shim.cpp", &ctx)
        .map_err(|e| RtlSimError::Invalid(format!("rendering the shim template failed: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_ports() {
        let h = "    VL_IN8(&clk,0,0);\n    VL_OUT16(&q,15,0);\n    VL_INW(&a,99,0,4);\n";
        let p = parse_header_ports(h, "t").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[2].0.width, 100);
        assert_eq!(p[1].0.direction, PortDirection::Output);
        assert_eq!(decode_cpp_name("a___05Fb"), "a__b");
        assert_eq!(decode_cpp_name("y___05F"), "y__");
        assert_eq!(decode_cpp_name("__SYM__char"), "char");
        assert_eq!(decode_cpp_name("esc__024aped"), "esc$aped");
        assert_eq!(decode_cpp_name("_lead"), "_lead");
    }

    #[test]
    fn classes_mk() {
        let mk = "VM_CLASSES_FAST += \\\n\tVt \\\n\tVt___024root \\\n\nVM_SUPPORT_FAST += \\\n\nVM_GLOBAL_FAST += \\\n\tverilated \\\n\tverilated_threads \\\n";
        let l = parse_classes_mk(mk);
        assert_eq!(l[0].1, vec!["Vt", "Vt___024root"]);
        assert!(l[1].1.is_empty());
        assert_eq!(l[2].1, vec!["verilated", "verilated_threads"]);
    }
}
