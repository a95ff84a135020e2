//! Writing a generated design into `<out_root>/<name>/` atomically: files go to a temporary
//! folder inside `out_root` first, which is renamed into place only when every file is written.
//! A failed run leaves no partial folder and never touches anything outside `out_root`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `files` (name, contents) into `out_root/name/`, replacing an earlier folder of that
/// name only once the new one is complete. Returns the folder's path.
///
/// File names must be plain names (no separators, not `.`/`..`); anything else is refused
/// before any file is written.
pub fn write_design_dir(
    out_root: &Path,
    name: &str,
    files: &[(String, String)],
) -> io::Result<PathBuf> {
    let plain = |s: &str| {
        !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\']) && !s.starts_with('.')
    };
    if !plain(name) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("design name `{name}` cannot be used as a folder name"),
        ));
    }
    if let Some((bad, _)) = files.iter().find(|(f, _)| !plain(f)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("file name `{bad}` is not a plain file name"),
        ));
    }
    fs::create_dir_all(out_root)?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tag = format!("{}-{stamp}", std::process::id());
    let tmp = out_root.join(format!(".{name}.tmp-{tag}"));
    let result = (|| {
        fs::create_dir(&tmp)?;
        for (f, contents) in files {
            fs::write(tmp.join(f), contents)?;
        }
        let target = out_root.join(name);
        if target.exists() {
            let old = out_root.join(format!(".{name}.old-{tag}"));
            fs::rename(&target, &old)?;
            if let Err(e) = fs::rename(&tmp, &target) {
                let _ = fs::rename(&old, &target);
                return Err(e);
            }
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&tmp, &target)?;
        }
        Ok(target)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_folder_and_leaves_no_temporaries() {
        let root = std::env::temp_dir().join(format!("sf-write-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let files = vec![("a.v".to_string(), "module a; endmodule\n".to_string())];
        let dir = write_design_dir(&root, "d", &files).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a.v")).unwrap(), files[0].1);
        let files2 = vec![("b.v".to_string(), "x".to_string())];
        write_design_dir(&root, "d", &files2).unwrap();
        assert!(!dir.join("a.v").exists(), "old contents replaced");
        assert!(dir.join("b.v").exists());
        let entries: Vec<_> = fs::read_dir(&root).unwrap().collect();
        assert_eq!(entries.len(), 1, "only the design folder remains");
        let bad = write_design_dir(&root, "../escape", &files).unwrap_err();
        assert!(bad.to_string().contains("cannot be used as a folder name"));
        let bad = write_design_dir(&root, "e", &[("../x.v".into(), String::new())]).unwrap_err();
        assert!(bad.to_string().contains("not a plain file name"));
        assert!(!root.join("e").exists());
        fs::remove_dir_all(&root).unwrap();
    }
}
