//! The on-disk cache of built simulator libraries and Verilator runtime objects.
//!
//! Layout under the cache root (see [`default_cache_dir`]):
//! ```text
//! rtlsim-v1/runtime/<flags-key>/{verilated.o, verilated_threads.o, verilated_vcd_c.o}
//! rtlsim-v1/designs/<design-key>/libsf_<key16>.so  (+ build logs, work/ with the Verilated C++)
//! rtlsim-v1/locks/<key>.lock
//! logs/      tool logs (lint, yosys, iverilog)
//! ```
//! Every entry is built under an exclusive file lock (`std::fs::File::lock`) so parallel test
//! processes never build the same key twice, and published atomically (build in a temp name,
//! `rename`). Published libraries are never overwritten (glibc caches loaded objects by path).

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
    base.join("rtlsim-v1")
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
