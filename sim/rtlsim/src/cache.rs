//! The on-disk cache of built simulator libraries and Verilator runtime objects.
//!
//! Layout under the cache root (see [`default_cache_dir`]):
//! ```text
//! rtlsim-v2/runtime/<flags-key24>/{verilated.o, verilated_threads.o, [verilated_vcd_c.o,] complete.json}
//! rtlsim-v2/designs/<design-key32>/{libsf_<key16>_<unique8>.so, ports.json, complete.json,
//!                                    verilate.log, compile.log, link.log, work/}
//! rtlsim-v2/failed/<key32>/ and failed/rt-<key24>/   logs and C++ of the last failed build
//! rtlsim-v2/tmp/<name>/ + <name>.lock               builds in progress (one per process)
//! rtlsim-v2/locks/<key>.lock
//! rtlsim-v2/toolver/                                 remembered `verilator --version`
//! logs/      tool logs (lint, yosys, iverilog)
//! ```
//! Every entry is built under an exclusive per-key file lock (`std::fs::File::lock`) so
//! parallel processes never build the same key twice, in a temporary folder of its own under
//! `tmp/` (see `staging`), and published by renaming that folder. The completion marker
//! `complete.json` (written last; see `entry`) records the size and blake3 hash of every file
//! a later use reads; an entry that does not match it is rebuilt, never used. Library names are
//! unique per build, so a rebuilt library never reuses a path glibc may have cached.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::RtlSimError;

/// `$SPIKEFORGE_CACHE_DIR`, else `$XDG_CACHE_HOME/spikeforge`, else `$HOME/.cache/spikeforge`,
/// else `<tmp>/spikeforge-cache`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SPIKEFORGE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("spikeforge");
    }
    if let Some(d) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join(".cache").join("spikeforge");
    }
    std::env::temp_dir().join("spikeforge-cache")
}

pub(crate) fn versioned_root(base: &Path) -> PathBuf {
    base.join("rtlsim-v2")
}

/// An exclusive lock held until dropped.
pub(crate) struct KeyLock {
    file: File,
}

impl KeyLock {
    pub(crate) fn acquire(root: &Path, key: &str) -> Result<Self, RtlSimError> {
        let dir = root.join("locks");
        std::fs::create_dir_all(&dir).map_err(|e| RtlSimError::io(&dir, e))?;
        let path = dir.join(format!("{key}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| RtlSimError::io(&path, e))?;
        file.lock().map_err(|e| RtlSimError::io(&path, e))?;
        Ok(KeyLock { file })
    }
}

impl Drop for KeyLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Hex blake3 of a list of byte strings (each length-prefixed).
pub(crate) fn hash_parts(parts: &[&[u8]]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_hex().to_string()
}
