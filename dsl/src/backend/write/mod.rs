//! Writing a generated design into `<out_root>/<name>/` without ever losing anything of the
//! user's.
//!
//! - Files go to a temporary folder inside `out_root` first (`.spikeforge-partial-*`, see
//!   [`partial`]); the folder appears under its name only once every file is written, so a
//!   failed or killed run never leaves a half-written design under `<name>`.
//! - An existing `<out_root>/<name>` is replaced only when it is an earlier output of
//!   spikeforge, untouched since (see [`previous`]: its `manifest.json` lists every file with
//!   its hash), or when the caller passes `force`. Anything else in the way — a user's folder,
//!   a regular file, a symbolic link, an output the user has edited — is an error that names it
//!   and leaves it as it was.
//! - Replacement is one atomic exchange of the two folders (Linux `renameat2(RENAME_EXCHANGE)`),
//!   so at every instant `<name>` is either the complete old design or the complete new one.
//! - Temporary folders of earlier runs that were killed are removed at the next run, and only
//!   those: each carries a lock that its live owner holds.
//!
//! Nothing outside `out_root` is touched.

pub mod partial;
pub mod previous;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The name of the manifest that makes a folder recognisable as spikeforge's output.
pub const MANIFEST: &str = "manifest.json";

/// How [`write_design_dir`] treats an existing `<out_root>/<name>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Replace an existing folder `<out_root>/<name>` even when it is not an untouched earlier
    /// output (the user's explicit `--force`). A file or link in the way is never replaced.
    pub force: bool,
}

/// Why a design could not be written; every variant names the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The design name cannot be a folder name.
    #[error("design name `{0}` cannot be used as a folder name")]
    BadName(String),
    /// A file name of the design is not a plain file name.
    #[error("file name `{0}` is not a plain file name")]
    BadFileName(String),
    /// Something that is not a folder stands where the design folder should go.
    #[error("{} is {what}, not a design folder; it was left untouched (remove or rename it, or choose another -o folder)", path.display())]
    InTheWay {
        /// The path `<out_root>/<name>`.
        path: PathBuf,
        /// What it is ("a regular file", "a symbolic link", …).
        what: &'static str,
    },
    /// The folder exists and is not an untouched earlier output of spikeforge.
    #[error("{} already exists and {reason}; it was left untouched (pass --force to replace it, or choose another -o folder)", path.display())]
    NotOurs {
        /// The path `<out_root>/<name>`.
        path: PathBuf,
        /// Why it is not recognised as spikeforge's output.
        reason: String,
    },
    /// An I/O error on a path.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path the operation was on.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl WriteError {
    fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> WriteError {
        let path = path.into();
        move |source| WriteError::Io { path, source }
    }
}

/// Writes `files` (name, contents: text or bytes, such as a bitstream) and a `manifest.json`
/// into `out_root/name/`. Returns the folder's path.
///
/// `manifest` must be a JSON object; the writer adds `"generator": "spikeforge"` when absent and
/// a `"files"` object mapping every file name to the BLAKE3 hash of its contents, by which a
/// later run recognises the folder as its own untouched output (see the module docs for what
/// is replaced and what is refused). File names must be plain names (no separators, not
/// hidden, not `manifest.json`); anything else is refused before any file is written.
pub fn write_design_dir<C: AsRef<[u8]>>(
    out_root: &Path,
    name: &str,
    files: &[(String, C)],
    manifest: serde_json::Value,
    opts: WriteOptions,
) -> Result<PathBuf, WriteError> {
    let plain = |s: &str| {
        !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\']) && !s.starts_with('.')
    };
    if !plain(name) {
        return Err(WriteError::BadName(name.to_string()));
    }
    if let Some((bad, _)) = files.iter().find(|(f, _)| !plain(f) || f == MANIFEST) {
        return Err(WriteError::BadFileName(bad.clone()));
    }
    let manifest_text = previous::manifest_text(manifest, files);
    let target = out_root.join(name);
    // Refuse early, before writing anything, what could never be replaced.
    let existing = previous::inspect(&target, opts.force)?;
    fs::create_dir_all(out_root).map_err(WriteError::io(out_root))?;
    partial::remove_stale(out_root);
    let tmp = partial::Partial::create(out_root)?;
    for (f, contents) in files
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_ref()))
        .chain([(MANIFEST, manifest_text.as_bytes())])
    {
        let path = tmp.path().join(f);
        fs::write(&path, contents).map_err(WriteError::io(path))?;
    }
    match existing {
        previous::Existing::None => tmp.install_new(&target)?,
        previous::Existing::Replaceable => {
            // The folder may have changed since it was inspected: look again right before the
            // exchange, so a concurrent edit is not lost.
            match previous::inspect(&target, opts.force)? {
                previous::Existing::None => tmp.install_new(&target)?,
                previous::Existing::Replaceable => tmp.exchange_with(&target)?,
            }
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn files(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("// {n}\n")))
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_its_own_output_and_leaves_no_temporaries() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let dir =
            write_design_dir(root, "d", &files(&["a.v"]), json!({}), Default::default()).unwrap();
        assert_eq!(listing(&dir), ["a.v", "manifest.json"]);
        write_design_dir(root, "d", &files(&["b.v"]), json!({}), Default::default()).unwrap();
        assert_eq!(
            listing(&dir),
            ["b.v", "manifest.json"],
            "old contents replaced"
        );
        assert_eq!(listing(root), ["d"], "only the design folder remains");
    }

    #[test]
    fn refuses_bad_names_before_writing() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let err = write_design_dir(
            root,
            "../escape",
            &files(&["a.v"]),
            json!({}),
            Default::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot be used as a folder name"));
        let err = write_design_dir(
            root,
            "e",
            &files(&["../x.v"]),
            json!({}),
            Default::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a plain file name"));
        let err = write_design_dir(
            root,
            "e",
            &files(&["manifest.json"]),
            json!({}),
            Default::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a plain file name"));
        assert!(listing(root).is_empty());
    }

    #[test]
    fn a_users_folder_is_refused_and_kept_unless_forced() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        fs::create_dir(root.join("src")).unwrap();
        fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
        let err = write_design_dir(root, "src", &files(&["a.v"]), json!({}), Default::default())
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("src") && msg.contains("--force"), "{msg}");
        assert_eq!(listing(&root.join("src")), ["main.rs"]);
        assert_eq!(listing(root), ["src"], "no temporaries left");
        write_design_dir(
            root,
            "src",
            &files(&["a.v"]),
            json!({}),
            WriteOptions { force: true },
        )
        .unwrap();
        assert_eq!(listing(&root.join("src")), ["a.v", "manifest.json"]);
        assert_eq!(listing(root), ["src"]);
    }

    #[test]
    fn an_edited_or_extended_output_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        let dir =
            write_design_dir(root, "d", &files(&["a.v"]), json!({}), Default::default()).unwrap();
        fs::write(dir.join("a.v"), "// my fix\n").unwrap();
        let err = write_design_dir(root, "d", &files(&["a.v"]), json!({}), Default::default())
            .unwrap_err();
        assert!(err.to_string().contains("a.v"), "{err}");
        assert_eq!(fs::read_to_string(dir.join("a.v")).unwrap(), "// my fix\n");
        fs::write(dir.join("a.v"), "// a.v\n").unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let err = write_design_dir(root, "d", &files(&["a.v"]), json!({}), Default::default())
            .unwrap_err();
        assert!(err.to_string().contains("notes.txt"), "{err}");
        assert!(dir.join("notes.txt").exists());
    }

    #[test]
    fn a_file_in_the_way_is_named_and_untouched_even_with_force() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        fs::write(root.join("d"), "precious").unwrap();
        for force in [false, true] {
            let err = write_design_dir(
                root,
                "d",
                &files(&["a.v"]),
                json!({}),
                WriteOptions { force },
            )
            .unwrap_err();
            assert!(matches!(err, WriteError::InTheWay { .. }), "{err}");
            assert!(err.to_string().contains("regular file"), "{err}");
            assert_eq!(fs::read_to_string(root.join("d")).unwrap(), "precious");
            assert_eq!(listing(root), ["d"]);
        }
    }
}
