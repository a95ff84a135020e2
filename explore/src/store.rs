//! The sweep's output folder: `sweep.json` (which sweep the folder belongs to), the results as
//! JSON lines appended one whole line per finished point (`results.jsonl`, or
//! `results-shard-<i>-of-<n>.jsonl` for a shard), and the final sorted results, CSV, plots and
//! report. A folder of another sweep, or a non-empty folder that is not a sweep's, is refused
//! and left as it is; an interrupted run leaves whole lines (and at worst one partial last
//! line, which the next run drops before appending).

use crate::error::SweepError;
use crate::point::PointResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file that marks a folder as a sweep's output.
pub const META: &str = "sweep.json";
/// The merged, sorted results.
pub const RESULTS: &str = "results.jsonl";

/// What `sweep.json` records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Always `"spikeforge sweep"`.
    pub generator: String,
    /// The sweep's name.
    pub name: String,
    /// BLAKE3 of the sweep file and every file it names: results belong to exactly this sweep.
    pub spec_hash: String,
    /// Number of points.
    pub points: usize,
}

/// A shard: `index` of `count` (points with `id % count == index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: usize,
    /// Number of shards (≥ 1).
    pub count: usize,
}

impl Shard {
    /// Parses `i/N` (0 ≤ i < N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text}: expected i/N, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text}: `{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text}: `{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("--shard {text}: needs 0 ≤ i < N"));
        }
        Ok(Shard { index, count })
    }

    /// True when point `id` belongs to this shard.
    pub fn owns(&self, id: usize) -> bool {
        id % self.count == self.index
    }

    /// The shard's results file name.
    pub fn file_name(&self) -> String {
        format!("results-shard-{}-of-{}.jsonl", self.index, self.count)
    }
}

/// Prepares `dir` for the sweep described by `meta`: creates it and writes `sweep.json`, or
/// checks that an existing folder belongs to the same sweep (then its results are resumed).
pub fn open_dir(dir: &Path, meta: &Meta) -> Result<(), SweepError> {
    let meta_path = dir.join(META);
    if meta_path.exists() {
        return same_sweep(dir, meta);
    }
    if dir.exists() {
        // Another shard starting at the same moment may be writing sweep.json (a `.sweep-`
        // temporary file): that is not the user's.
        let mut entries = std::fs::read_dir(dir)
            .map_err(|e| SweepError::io(dir, e))?
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with(".sweep-"));
        if entries.next().is_some() {
            if meta_path.exists() {
                return same_sweep(dir, meta);
            }
            return Err(SweepError::output(
                dir,
                format!("is not empty and holds no {META}: it is not a sweep's output folder, so nothing is written into it; choose another folder with -o"),
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| SweepError::io(dir, e))?;
    let text = serde_json::to_string_pretty(meta).expect("meta serialises") + "\n";
    write_atomic(&meta_path, text.as_bytes())
}

/// Checks that `dir/sweep.json` records the sweep `meta`.
fn same_sweep(dir: &Path, meta: &Meta) -> Result<(), SweepError> {
    let old = read_meta(dir)?;
    if old.spec_hash != meta.spec_hash || old.points != meta.points {
        return Err(SweepError::output(
            dir,
            format!(
                "holds the results of another sweep (`{}`, {} points; the sweep file, a file it names or the spikeforge version has changed since): choose another output folder with -o, or move this one away",
                old.name, old.points
            ),
        ));
    }
    Ok(())
}

/// Reads `dir/sweep.json`.
pub fn read_meta(dir: &Path) -> Result<Meta, SweepError> {
    let path = dir.join(META);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            SweepError::output(
                dir,
                format!("holds no {META}: it is not a sweep's output folder (a sweep writes it there first: `spikeforge sweep SWEEP -o DIR`)"),
            )
        } else {
            SweepError::io(&path, e)
        }
    })?;
    serde_json::from_str(&text)
        .map_err(|e| SweepError::output(&path, format!("is not a spikeforge sweep's {META}: {e}")))
}

/// Reads the results in `path` (none when it does not exist). A last line without its newline
/// (a write cut short) is dropped from the file; any other unreadable line is an error.
pub fn load_results(path: &Path) -> Result<Vec<PointResult>, SweepError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SweepError::io(path, e)),
    };
    let whole = text.rfind('\n').map_or(0, |i| i + 1);
    if whole < text.len() {
        let f = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| SweepError::io(path, e))?;
        f.set_len(whole as u64)
            .map_err(|e| SweepError::io(path, e))?;
    }
    text[..whole]
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                SweepError::output(path, format!("line {} is not a sweep result: {e}", i + 1))
            })
        })
        .collect()
}

/// Appends results to a file, one whole line per call, from any thread.
pub struct Appender {
    path: PathBuf,
    file: Mutex<File>,
}

impl Appender {
    /// Opens `path` for appending (created when missing).
    pub fn open(path: &Path) -> Result<Appender, SweepError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| SweepError::io(path, e))?;
        Ok(Appender {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Appends one result as one line (a single write).
    pub fn append(&self, r: &PointResult) -> Result<(), SweepError> {
        let mut line = serde_json::to_string(r).expect("results serialise");
        line.push('\n');
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes())
            .map_err(|e| SweepError::io(&self.path, e))
    }
}

/// The shard result files in `dir`, by shard.
pub fn shard_files(dir: &Path) -> Result<BTreeMap<(usize, usize), PathBuf>, SweepError> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).map_err(|e| SweepError::io(dir, e))? {
        let e = e.map_err(|e| SweepError::io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix("results-shard-")
            .and_then(|r| r.strip_suffix(".jsonl"))
        else {
            continue;
        };
        if let Some((i, n)) = rest.split_once("-of-") {
            if let (Ok(i), Ok(n)) = (i.parse(), n.parse()) {
                out.insert((i, n), e.path());
            }
        }
    }
    Ok(out)
}

/// Sorts `results` by id and checks that ids 0..`points` each appear exactly once.
pub fn complete(
    mut results: Vec<PointResult>,
    points: usize,
    dir: &Path,
) -> Result<Vec<PointResult>, SweepError> {
    results.sort_by_key(|r| r.id);
    results.dedup_by(|a, b| a.id == b.id && a == b);
    if let Some(w) = results.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(SweepError::output(
            dir,
            format!("point {} has two different results", w[0].id),
        ));
    }
    let have: std::collections::HashSet<usize> = results.iter().map(|r| r.id).collect();
    let missing: Vec<usize> = (0..points).filter(|i| !have.contains(i)).collect();
    if !missing.is_empty() {
        let first: Vec<String> = missing.iter().take(8).map(|i| i.to_string()).collect();
        return Err(SweepError::output(
            dir,
            format!(
                "{} of {points} points have no result yet (first: {}): run the missing shards, or the sweep again to resume",
                missing.len(),
                first.join(", ")
            ),
        ));
    }
    if let Some(r) = results.iter().find(|r| r.id >= points) {
        return Err(SweepError::output(
            dir,
            format!(
                "holds a result for point {}, beyond the sweep's {points}",
                r.id
            ),
        ));
    }
    Ok(results)
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".sweep-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An ordinary file's mode (a temporary file is created 0600).
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| SweepError::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| SweepError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| SweepError::io(path, e.error))?;
    Ok(())
}

/// The results as JSON lines, sorted by id.
pub fn jsonl(results: &[PointResult]) -> String {
    let mut s = String::new();
    for r in results {
        s.push_str(&serde_json::to_string(r).expect("results serialise"));
        s.push('\n');
    }
    s
}
