//! Recognising an earlier output of spikeforge: the only thing [`super::write_design_dir`]
//! replaces without `--force`.
//!
//! A folder is an untouched earlier output when its `manifest.json` says
//! `"generator": "spikeforge"` and lists, under `"files"`, every other entry of the folder with
//! the BLAKE3 hash of its contents, and every entry is a regular file whose contents still hash
//! to that value. Outputs of versions that wrote no `"files"` are recognised when every other
//! entry is a regular `.v` or `.f` file. Anything else — a file the user added, a generated
//! file the user edited, a subfolder, a link — makes the folder the user's.

use super::{WriteError, MANIFEST};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;

/// The largest `manifest.json` that is read to recognise an earlier output (bytes).
const MANIFEST_CAP: u64 = 16 << 20;

/// What stands at the target path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: the new folder can be put there.
    None,
    /// An earlier untouched output, or any writable folder when forced.
    Replaceable,
}

/// The BLAKE3 hash of a file's contents as written in the manifest (`blake3:<hex>`).
pub fn content_hash(bytes: &[u8]) -> String {
    format!("blake3:{}", blake3::hash(bytes).to_hex())
}

/// The text of `manifest.json`: `manifest` with `"generator"` (when absent) and `"files"` added.
pub(super) fn manifest_text<C: AsRef<[u8]>>(
    manifest: serde_json::Value,
    files: &[(String, C)],
) -> String {
    let mut object = match manifest {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null => serde_json::Map::new(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("contents".into(), other);
            m
        }
    };
    object
        .entry("generator")
        .or_insert_with(|| "spikeforge".into());
    let hashes: BTreeMap<&str, String> = files
        .iter()
        .map(|(name, contents)| (name.as_str(), content_hash(contents.as_ref())))
        .collect();
    object.insert(
        "files".into(),
        serde_json::to_value(hashes).expect("a map of strings is JSON"),
    );
    serde_json::to_string_pretty(&serde_json::Value::Object(object)).expect("JSON is printable")
        + "\n"
}

/// Looks at `target` and says whether the new design may take its place (see the module docs).
pub fn inspect(target: &Path, force: bool) -> Result<Existing, WriteError> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::None),
        Err(e) => return Err(WriteError::io(target)(e)),
    };
    let ty = meta.file_type();
    let in_the_way = |what| WriteError::InTheWay {
        path: target.to_path_buf(),
        what,
    };
    if ty.is_symlink() {
        return Err(in_the_way("a symbolic link"));
    }
    if ty.is_file() {
        return Err(in_the_way("a regular file"));
    }
    if !ty.is_dir() {
        return Err(in_the_way("a special file"));
    }
    if rustix::fs::access(target, rustix::fs::Access::WRITE_OK).is_err() {
        return Err(WriteError::NotOurs {
            path: target.to_path_buf(),
            reason: "is read-only, so its contents cannot be replaced".into(),
        });
    }
    if force {
        return Ok(Existing::Replaceable);
    }
    match earlier_output(target) {
        Ok(()) => Ok(Existing::Replaceable),
        Err(reason) => Err(WriteError::NotOurs {
            path: target.to_path_buf(),
            reason,
        }),
    }
}

/// `Ok` when `dir` is an untouched earlier output; otherwise why not, in words.
fn earlier_output(dir: &Path) -> Result<(), String> {
    let manifest = read_manifest(&dir.join(MANIFEST))?;
    if manifest.get("generator").and_then(|g| g.as_str()) != Some("spikeforge") {
        return Err(format!("its {MANIFEST} was not written by spikeforge"));
    }
    let listed = manifest.get("files").and_then(|f| f.as_object());
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot be listed ({e})"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot be listed ({e})"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == MANIFEST {
            continue;
        }
        let ty = entry
            .file_type()
            .map_err(|e| format!("holds `{name}`, which cannot be examined ({e})"))?;
        let not_ours = || format!("holds `{name}`, which spikeforge did not write there");
        if !ty.is_file() {
            return Err(not_ours());
        }
        match listed {
            Some(files) => {
                let expected = files
                    .get(&name)
                    .and_then(|h| h.as_str())
                    .ok_or_else(not_ours)?;
                let bytes = fs::read(entry.path())
                    .map_err(|e| format!("holds `{name}`, which cannot be read ({e})"))?;
                if content_hash(&bytes) != expected {
                    return Err(format!(
                        "its file `{name}` was changed since spikeforge wrote it"
                    ));
                }
            }
            None if name.ends_with(".v") || name.ends_with(".f") => {}
            None => return Err(not_ours()),
        }
    }
    Ok(())
}

fn read_manifest(path: &Path) -> Result<serde_json::Value, String> {
    let missing = || format!("has no {MANIFEST} of spikeforge's (it is not an earlier output)");
    let meta = fs::symlink_metadata(path).map_err(|_| missing())?;
    if !meta.is_file() {
        return Err(missing());
    }
    let mut text = String::new();
    fs::File::open(path)
        .and_then(|f| f.take(MANIFEST_CAP).read_to_string(&mut text))
        .map_err(|_| missing())?;
    serde_json::from_str(&text).map_err(|_| missing())
}
