//! Per-process temporary folders under `<cache>/rtlsim-v2/tmp/`, each owned through a held file
//! lock, so a later run can tell a dead owner's leftovers from a live build and remove only the
//! dead ones.
//!
//! Protocol (all names are unique: `<prefix>-<pid>-<nanoseconds>`):
//! - the owner creates `tmp/NAME.lock` (`create_new`), takes an exclusive lock on it with
//!   `File::try_lock`, checks that the path still names the locked file (a sweeper may have
//!   removed it in between), and only then creates the folder `tmp/NAME/`;
//! - the owner ends by renaming `tmp/NAME/` to its destination ([`Staging::publish`]) or removing
//!   it (drop), and then removes `tmp/NAME.lock`;
//! - the lock is released by the kernel when the owner dies, even by `SIGKILL`;
//! - a sweeper ([`sweep`]) takes each `NAME.lock` it can lock (owner dead), removes `NAME/` and
//!   then, still holding the lock, the lock file. A folder `NAME/` without `NAME.lock` is also a
//!   dead owner's (the lock file always outlives the folder).

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::RtlSimError;

/// A temporary folder owned by this process while the value lives; removed on drop unless
/// published.
pub(crate) struct Staging {
    dir: PathBuf,
    lock_path: PathBuf,
    lock: File,
}

fn unique_name(prefix: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{ns}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether `path` still names the open file `f` (same device and inode).
fn same_file(f: &File, path: &Path) -> bool {
    match (f.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

impl Staging {
    /// Creates and locks a fresh folder `tmp_root/<prefix>-<pid>-<ns>-<seq>/`.
    pub(crate) fn create(tmp_root: &Path, prefix: &str) -> Result<Staging, RtlSimError> {
        std::fs::create_dir_all(tmp_root).map_err(|e| RtlSimError::io(tmp_root, e))?;
        for _ in 0..16 {
            let name = unique_name(prefix);
            let lock_path = tmp_root.join(format!("{name}.lock"));
            let lock = match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock_path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(RtlSimError::io(&lock_path, e)),
            };
            match lock.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => return Err(RtlSimError::io(&lock_path, e)),
            }
            if !same_file(&lock, &lock_path) {
                // a sweeper removed it before we locked it: take another name
                continue;
            }
            let dir = tmp_root.join(&name);
            std::fs::create_dir(&dir).map_err(|e| RtlSimError::io(&dir, e))?;
            return Ok(Staging {
                dir,
                lock_path,
                lock,
            });
        }
        Err(RtlSimError::Invalid(format!(
            "could not create a locked temporary folder in {}",
            tmp_root.display()
        )))
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves the folder to `dest` atomically (`rename`). An existing `dest` (a bad cache entry,
    /// an older failed build) is first moved into a temporary folder of its own and removed, so
    /// `dest` is always either the old or the new folder, never a mix.
    pub(crate) fn publish(self, dest: &Path) -> Result<(), RtlSimError> {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| RtlSimError::io(parent, e))?;
        }
        if std::fs::symlink_metadata(dest).is_ok() {
            let tmp_root = self.dir.parent().unwrap_or(Path::new("."));
            let trash = Staging::create(tmp_root, "trash")?;
            std::fs::rename(dest, trash.path().join("old"))
                .map_err(|e| RtlSimError::io(dest, e))?;
            drop(trash);
        }
        std::fs::rename(&self.dir, dest).map_err(|e| RtlSimError::io(dest, e))?;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.dir.exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        let _ = std::fs::remove_file(&self.lock_path);
        let _ = self.lock.unlock();
    }
}

/// Removes the temporary folders of dead owners in `tmp_root` (see the module documentation);
/// folders of live owners (this process included) are left alone. Errors are ignored: a folder
/// that cannot be removed now is tried again by the next sweep.
pub(crate) fn sweep(tmp_root: &Path) {
    let Ok(rd) = std::fs::read_dir(tmp_root) else {
        return;
    };
    let names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for name in &names {
        if let Some(base) = name.strip_suffix(".lock") {
            let lock_path = tmp_root.join(name);
            let Ok(f) = OpenOptions::new().write(true).open(&lock_path) else {
                continue;
            };
            if f.try_lock().is_err() || !same_file(&f, &lock_path) {
                continue; // a live owner, or already swept
            }
            let dir = tmp_root.join(base);
            if dir.exists() && std::fs::remove_dir_all(&dir).is_err() {
                let _ = f.unlock();
                continue;
            }
            let _ = std::fs::remove_file(&lock_path);
            let _ = f.unlock();
        } else {
            // a folder whose lock file is gone (checked now, not from the listing)
            let dir = tmp_root.join(name);
            let lock_path = tmp_root.join(format!("{name}.lock"));
            if dir.is_dir() && std::fs::symlink_metadata(&lock_path).is_err() {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_dead_owners_folders() {
        let root = tempfile::tempdir().unwrap();
        let tmp = root.path().join("tmp");
        let live = Staging::create(&tmp, "d-live").unwrap();
        std::fs::write(live.path().join("f"), "x").unwrap();
        // a dead owner: its lock file exists but nobody holds the lock
        let dead = tmp.join("d-dead-1-2-3");
        std::fs::create_dir_all(dead.join("sub")).unwrap();
        std::fs::write(tmp.join("d-dead-1-2-3.lock"), "").unwrap();
        // a folder whose lock file is gone
        let orphan = tmp.join("d-orphan-1-2-3");
        std::fs::create_dir_all(&orphan).unwrap();
        sweep(&tmp);
        assert!(live.path().join("f").exists(), "a live folder was removed");
        assert!(!dead.exists() && !tmp.join("d-dead-1-2-3.lock").exists());
        assert!(!orphan.exists());
        // publishing replaces an existing destination and leaves nothing in tmp/
        let dest = root.path().join("entry");
        std::fs::create_dir_all(&dest).unwrap();
        std::fs::write(dest.join("old"), "old").unwrap();
        live.publish(&dest).unwrap();
        assert!(dest.join("f").exists() && !dest.join("old").exists());
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    }
}
