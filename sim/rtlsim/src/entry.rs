//! The completion marker of a cache entry, `complete.json`, and the check every entry passes
//! before it is used.
//!
//! The marker is written last, after every file it records, and holds each file's size (bytes)
//! and blake3 hash. An entry is used only when the marker is present and parses, names the
//! expected key, and every recorded file exists with exactly that size and hash. The size is
//! checked before anything reads the file, so a truncated shared library is never `dlopen`ed
//! (mapping an ELF file shorter than its headers claim ends the process with `SIGBUS`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::RtlSimError;

/// The marker's file name inside an entry folder.
pub(crate) const MARKER: &str = "complete.json";

/// Marker format version.
const FORMAT: u32 = 1;

/// One recorded file of an entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct FileRecord {
    /// File name inside the entry folder.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// blake3 hash (hex).
    pub blake3: String,
}

/// The content of `complete.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Marker {
    /// Marker format version ([`FORMAT`]).
    pub format: u32,
    /// The full cache key of the entry.
    pub key: String,
    /// The files the entry consists of.
    pub files: Vec<FileRecord>,
}

impl Marker {
    /// The record of the first file whose name ends with `suffix`.
    pub(crate) fn file_ending(&self, suffix: &str) -> Option<&FileRecord> {
        self.files.iter().find(|f| f.name.ends_with(suffix))
    }
}

/// The result of checking an entry folder.
#[derive(Debug)]
pub(crate) enum Check {
    /// No entry folder: a plain cache miss.
    Absent,
    /// The folder exists but must not be used; the reason is one clause for the notice.
    Bad(String),
    /// Complete and intact.
    Good(Marker),
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut h = blake3::Hasher::new();
    h.update_reader(std::fs::File::open(path)?)?;
    Ok(h.finalize().to_hex().to_string())
}

/// Records `names` (files in `dir`) and writes the marker, last.
pub(crate) fn write_marker(dir: &Path, key: &str, names: &[String]) -> Result<(), RtlSimError> {
    let mut files = Vec::new();
    for name in names {
        let p = dir.join(name);
        let bytes = std::fs::metadata(&p)
            .map_err(|e| RtlSimError::io(&p, e))?
            .len();
        let blake3 = hash_file(&p).map_err(|e| RtlSimError::io(&p, e))?;
        files.push(FileRecord {
            name: name.clone(),
            bytes,
            blake3,
        });
    }
    let m = Marker {
        format: FORMAT,
        key: key.to_string(),
        files,
    };
    let text = serde_json::to_string_pretty(&m).expect("marker serialises");
    let p = dir.join(MARKER);
    std::fs::write(&p, text).map_err(|e| RtlSimError::io(&p, e))
}

/// Checks the entry folder `dir` for `key`; every name in `required` must be recorded.
pub(crate) fn check(dir: &Path, key: &str, required: &[&str]) -> Check {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Check::Absent,
        Err(e) => return Check::Bad(format!("the folder cannot be read: {e}")),
        Ok(m) if !m.is_dir() => return Check::Bad("it is not a folder".into()),
        Ok(_) => {}
    }
    let mp = dir.join(MARKER);
    let text = match std::fs::read_to_string(&mp) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::Bad(format!("its completion marker {MARKER} is missing"))
        }
        Err(e) => return Check::Bad(format!("its completion marker {MARKER} is unreadable: {e}")),
    };
    let m: Marker = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => return Check::Bad(format!("its completion marker {MARKER} is corrupt: {e}")),
    };
    if m.format != FORMAT || m.key != key {
        return Check::Bad(format!(
            "its completion marker {MARKER} records another format or key"
        ));
    }
    for r in required {
        if !m.files.iter().any(|f| f.name == *r) {
            return Check::Bad(format!(
                "its completion marker {MARKER} does not record {r}"
            ));
        }
    }
    for f in &m.files {
        if f.name.is_empty() || f.name.contains('/') || f.name == MARKER {
            return Check::Bad(format!(
                "its completion marker {MARKER} records a bad file name `{}`",
                f.name
            ));
        }
        let p = dir.join(&f.name);
        let bytes = match std::fs::metadata(&p) {
            Ok(md) if md.is_file() => md.len(),
            Ok(_) => return Check::Bad(format!("{} is not a regular file", f.name)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Check::Bad(format!("{} is missing", f.name))
            }
            Err(e) => return Check::Bad(format!("{} is unreadable: {e}", f.name)),
        };
        if bytes != f.bytes {
            return Check::Bad(format!(
                "{} is {bytes} bytes but was written as {} bytes (truncated or replaced)",
                f.name, f.bytes
            ));
        }
        match hash_file(&p) {
            Ok(h) if h == f.blake3 => {}
            Ok(_) => {
                return Check::Bad(format!(
                    "{} does not match the blake3 hash recorded when it was written (corrupted)",
                    f.name
                ))
            }
            Err(e) => return Check::Bad(format!("{} is unreadable: {e}", f.name)),
        }
    }
    Check::Good(m)
}

/// The one-line notice printed on stderr before a bad entry is rebuilt.
pub(crate) fn notice(what: &str, dir: &Path, reason: &str) {
    eprintln!(
        "spikeforge-rtlsim: {what} cache entry {} is unusable ({reason}); rebuilding it",
        dir.display()
    );
}
