//! The temporary folder a design is written into before it takes its name, and the removal of
//! those left behind by runs that were killed.
//!
//! A run writes into `<out_root>/.spikeforge-partial-<pid>-<ns>/` and holds an exclusive lock
//! on the file beside it, `.spikeforge-partial-<pid>-<ns>.lock`, for as long as it lives. A later
//! run that can take that lock knows the owner is gone (the kernel releases a lock when its
//! process dies, however it dies) and removes both. Folders of a live run are never touched.
//!
//! Earlier versions named their temporary folders `.<name>.tmp-<pid>-<ns>`; such a folder is
//! removed too when no process `<pid>` is running and it holds only generated files
//! (`.v`, `.f`, `manifest.json`). Their `.<name>.old-*` folders may hold a user's data, so
//! they are left alone.

use super::WriteError;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const PREFIX: &str = ".spikeforge-partial-";
const LOCK: &str = ".lock";

/// A temporary design folder owned by this process, removed on drop unless installed.
pub struct Partial {
    dir: PathBuf,
    lock_path: PathBuf,
    _lock: File,
}

impl Partial {
    /// Creates a new temporary folder inside `out_root`, locked by this process.
    pub fn create(out_root: &Path) -> Result<Partial, WriteError> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let stem = format!("{PREFIX}{}-{stamp}", std::process::id());
        let dir = out_root.join(&stem);
        let lock_path = out_root.join(format!("{stem}{LOCK}"));
        let lock = File::options()
            .write(true)
            .create_new(true)
            .open(&lock_path)
            .map_err(WriteError::io(&lock_path))?;
        lock.lock().map_err(WriteError::io(&lock_path))?;
        let partial = Partial {
            dir,
            lock_path,
            _lock: lock,
        };
        fs::create_dir(&partial.dir).map_err(WriteError::io(&partial.dir))?;
        Ok(partial)
    }

    /// The folder to write into.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Renames the folder to `target`, which must not exist (an error if something appeared
    /// there meanwhile: it is never replaced).
    pub fn install_new(self, target: &Path) -> Result<(), WriteError> {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, &self.dir, CWD, target, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(rustix::io::Errno::EXIST) | Err(rustix::io::Errno::NOTEMPTY) => {
                Err(WriteError::NotOurs {
                    path: target.to_path_buf(),
                    reason: "appeared while the design was being written".into(),
                })
            }
            // File systems without RENAME_NOREPLACE: check, then rename (a folder that appears
            // in between and is not empty still makes rename fail).
            Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
                if fs::symlink_metadata(target).is_ok() {
                    return Err(WriteError::NotOurs {
                        path: target.to_path_buf(),
                        reason: "appeared while the design was being written".into(),
                    });
                }
                fs::rename(&self.dir, target).map_err(WriteError::io(target))
            }
            Err(e) => Err(WriteError::io(target)(e.into())),
        }
    }

    /// Exchanges the folder with the existing folder `target` in one step, then removes the old
    /// contents (now under the temporary name). If they cannot be removed, the exchange is
    /// undone and the old folder stays as it was.
    pub fn exchange_with(self, target: &Path) -> Result<(), WriteError> {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        match renameat_with(CWD, &self.dir, CWD, target, RenameFlags::EXCHANGE) {
            Ok(()) => {}
            Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
                return self.swap_by_renames(target);
            }
            Err(e) => return Err(WriteError::io(target)(e.into())),
        }
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            if fs::symlink_metadata(&self.dir).is_ok() {
                let _ = renameat_with(CWD, &self.dir, CWD, target, RenameFlags::EXCHANGE);
            }
            return Err(WriteError::io(target)(e));
        }
        Ok(())
    }

    /// Replacement where the file system cannot exchange: the old folder is moved aside under
    /// the locked temporary name, the new one put in place, the old one removed; on failure
    /// the old one is moved back.
    fn swap_by_renames(self, target: &Path) -> Result<(), WriteError> {
        let aside = self.dir.with_extension("old");
        fs::rename(target, &aside).map_err(WriteError::io(target))?;
        if let Err(e) = fs::rename(&self.dir, target) {
            let _ = fs::rename(&aside, target);
            return Err(WriteError::io(target)(e));
        }
        fs::remove_dir_all(&aside).map_err(WriteError::io(&aside))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if fs::symlink_metadata(&self.dir).is_ok() {
            let _ = fs::remove_dir_all(&self.dir);
        }
        let old = self.dir.with_extension("old");
        if fs::symlink_metadata(&old).is_ok() {
            let _ = fs::remove_dir_all(&old);
        }
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// Removes, inside `out_root`, the temporary folders of runs that are no longer alive (see the
/// module docs). Errors are ignored: a folder that cannot be removed now is tried next time.
pub fn remove_stale(out_root: &Path) {
    let Ok(entries) = fs::read_dir(out_root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix(LOCK))
        {
            remove_if_owner_gone(out_root, &format!("{PREFIX}{stem}"), &entry.path());
        } else if let Some(pid) = legacy_temporary_pid(&name) {
            if !Path::new(&format!("/proc/{pid}")).exists() && only_generated_files(&entry.path()) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn remove_if_owner_gone(out_root: &Path, stem: &str, lock_path: &Path) {
    let Ok(lock) = File::options().write(true).open(lock_path) else {
        return;
    };
    if lock.try_lock().is_err() {
        return; // its owner is alive
    }
    let dir = out_root.join(stem);
    for d in [dir.clone(), dir.with_extension("old")] {
        if fs::symlink_metadata(&d).is_ok_and(|m| m.is_dir()) {
            let _ = fs::remove_dir_all(&d);
        }
    }
    let _ = fs::remove_file(lock_path);
}

/// The pid in an earlier version's temporary folder name `.<name>.tmp-<pid>-<ns>`.
fn legacy_temporary_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (design, tail) = rest.split_once(".tmp-")?;
    let ident = !design.is_empty()
        && design
            .chars()
            .all(|c| c == '_' || c.is_ascii_alphanumeric());
    let (pid, ns) = tail.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (ident && digits(pid) && digits(ns))
        .then(|| pid.parse().ok())
        .flatten()
}

fn only_generated_files(dir: &Path) -> bool {
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        e.file_type().is_ok_and(|t| t.is_file())
            && (n.ends_with(".v") || n.ends_with(".f") || n == super::MANIFEST)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_partials_go_live_ones_stay() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        // A run that was killed: its lock file is unlocked.
        let dead = root.join(".spikeforge-partial-1-2");
        fs::create_dir(&dead).unwrap();
        fs::write(dead.join("a.v"), "x").unwrap();
        fs::write(root.join(".spikeforge-partial-1-2.lock"), "").unwrap();
        // A live run: this process holds its lock.
        let live = Partial::create(root).unwrap();
        // An earlier version's leftover, of a pid that cannot exist (above pid_max).
        let legacy = root.join(".spikeforge.tmp-99999999-5");
        fs::create_dir(&legacy).unwrap();
        fs::write(legacy.join("a.v"), "x").unwrap();
        // Look-alikes that are the user's: kept.
        let users = root.join(".mine.tmp-99999999-5");
        fs::create_dir(&users).unwrap();
        fs::write(users.join("notes.txt"), "x").unwrap();
        let old = root.join(".spikeforge.old-99999999-5");
        fs::create_dir(&old).unwrap();
        remove_stale(root);
        assert!(!dead.exists());
        assert!(!root.join(".spikeforge-partial-1-2.lock").exists());
        assert!(live.path().exists(), "a live run's folder is kept");
        assert!(!legacy.exists());
        assert!(users.exists() && old.exists());
        let live_dir = live.path().to_path_buf();
        drop(live);
        assert!(!live_dir.exists(), "dropped partial removes itself");
    }

    #[test]
    fn legacy_names() {
        assert_eq!(legacy_temporary_pid(".spikeforge.tmp-12-34"), Some(12));
        assert_eq!(legacy_temporary_pid(".a_b.tmp-1-2"), Some(1));
        assert_eq!(legacy_temporary_pid(".a.old-1-2"), None);
        assert_eq!(legacy_temporary_pid(".a.tmp-1"), None);
        assert_eq!(legacy_temporary_pid("a.tmp-1-2"), None);
    }
}
