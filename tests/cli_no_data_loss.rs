//! Issue 8, items 1 and 5: `spikeforge generate` never deletes, renames or overwrites anything
//! of the user's; killed runs leave nothing that lasts; output errors are errors, not panics.
//! Each test here failed on the code before the fix.

mod common;

use common::listing;
use std::path::Path;
use std::process::{Command, Stdio};

fn spikeforge() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spikeforge"))
}

/// A small configuration named `name` (fast to generate).
fn config(name: &str) -> String {
    format!(
        r#"
name = "{name}"
rows = 2
cols = 2
weight_spad_depth = 2
psum_bits = 16
lif_units = 2
clock_mhz = 100
[buffers]
weight = {{ size_bits = 1024 }}
input_spike = {{ size_bits = 1024 }}
output_spike = {{ size_bits = 1024 }}
psum = {{ size_bits = 8192 }}
membrane = {{ size_bits = 1024 }}
[schedule]
tick_batch = 2
"#
    )
}

fn generate(cwd: &Path, args: &[&str]) -> (bool, String) {
    let out = spikeforge()
        .arg("generate")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.success(), err)
}

#[test]
fn a_users_folder_with_the_designs_name_is_refused_and_kept() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    std::fs::write(cwd.join("cfg.toml"), config("src")).unwrap();
    std::fs::create_dir(cwd.join("src")).unwrap();
    std::fs::write(cwd.join("src/main.rs"), "fn main() {}\n").unwrap();
    let (ok, err) = generate(cwd, &["cfg.toml", "-o", "."]);
    assert!(!ok);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("./src") && err.contains("not an earlier output") && err.contains("--force"),
        "names the folder, says why and how: {err}"
    );
    assert_eq!(listing(cwd), ["cfg.toml", "src"], "nothing else written");
    assert_eq!(listing(&cwd.join("src")), ["main.rs"]);
    assert_eq!(
        std::fs::read_to_string(cwd.join("src/main.rs")).unwrap(),
        "fn main() {}\n"
    );
    // With --force the user asks for it explicitly.
    let (ok, err) = generate(cwd, &["cfg.toml", "-o", ".", "--force"]);
    assert!(ok, "{err}");
    assert!(cwd.join("src/src_top.v").exists());
    assert!(!cwd.join("src/main.rs").exists());
    assert_eq!(listing(cwd), ["cfg.toml", "src"], "no hidden leftovers");
}

#[test]
fn a_regular_file_in_the_way_is_named_and_left_untouched() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    std::fs::write(cwd.join("cfg.toml"), config("mine")).unwrap();
    std::fs::create_dir(cwd.join("out")).unwrap();
    std::fs::write(cwd.join("out/mine"), "precious").unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["cfg.toml", "-o", "out"];
        args.extend_from_slice(extra);
        let (ok, err) = generate(cwd, &args);
        assert!(!ok, "{args:?}");
        assert!(
            err.contains("out/mine") && err.contains("regular file"),
            "{err}"
        );
        assert_eq!(
            listing(&cwd.join("out")),
            ["mine"],
            "no renamed copy, no temporaries"
        );
        assert_eq!(
            std::fs::read_to_string(cwd.join("out/mine")).unwrap(),
            "precious"
        );
    }
}

#[test]
fn an_earlier_output_is_replaced_but_not_once_the_user_changed_it() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    std::fs::write(cwd.join("cfg.toml"), config("d")).unwrap();
    let (ok, err) = generate(cwd, &["cfg.toml"]);
    assert!(ok, "{err}");
    let dir = cwd.join("rtl_out/d");
    let before = listing(&dir);
    let (ok, err) = generate(cwd, &["cfg.toml"]);
    assert!(ok, "regenerating over its own output: {err}");
    assert_eq!(listing(&dir), before);
    // The manifest lists every file with its hash.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert_eq!(files.len() + 1, before.len());
    // A hand edit makes the folder the user's.
    let top = dir.join("d_top.v");
    std::fs::write(&top, "// my edit\n").unwrap();
    let (ok, err) = generate(cwd, &["cfg.toml"]);
    assert!(!ok);
    assert!(err.contains("d_top.v") && err.contains("changed"), "{err}");
    assert_eq!(std::fs::read_to_string(&top).unwrap(), "// my edit\n");
    // So does a file the user put there.
    let (ok, _) = generate(cwd, &["cfg.toml", "--force"]);
    assert!(ok);
    std::fs::write(dir.join("notes.md"), "mine").unwrap();
    let (ok, err) = generate(cwd, &["cfg.toml"]);
    assert!(!ok);
    assert!(err.contains("notes.md"), "{err}");
    assert!(dir.join("notes.md").exists());
    assert_eq!(listing(&cwd.join("rtl_out")), ["d"]);
}

#[test]
fn temporaries_of_killed_runs_are_removed_and_live_ones_kept() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    std::fs::write(cwd.join("cfg.toml"), config("d")).unwrap();
    let out = cwd.join("rtl_out");
    std::fs::create_dir(&out).unwrap();
    // What the previous version left when killed mid-write (pid above any pid_max).
    let legacy = out.join(".spikeforge.tmp-99999999-1");
    std::fs::create_dir(&legacy).unwrap();
    std::fs::write(legacy.join("spikeforge_top.v"), "// partial").unwrap();
    // What this version leaves when killed: a partial folder whose lock nobody holds.
    let dead = out.join(".spikeforge-partial-99999999-2");
    std::fs::create_dir(&dead).unwrap();
    std::fs::write(dead.join("d_top.v"), "// partial").unwrap();
    std::fs::write(out.join(".spikeforge-partial-99999999-2.lock"), "").unwrap();
    // A run in progress: this test holds its lock.
    let live = out.join(".spikeforge-partial-99999999-3");
    std::fs::create_dir(&live).unwrap();
    let lock = std::fs::File::create(out.join(".spikeforge-partial-99999999-3.lock")).unwrap();
    lock.lock().unwrap();
    let (ok, err) = generate(cwd, &["cfg.toml"]);
    assert!(ok, "{err}");
    assert_eq!(
        listing(&out),
        [
            ".spikeforge-partial-99999999-3",
            ".spikeforge-partial-99999999-3.lock",
            "d"
        ]
    );
    drop(lock);
}

#[test]
fn a_closed_pipe_is_quiet_and_a_full_disk_is_an_error_naming_stdout() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    std::fs::write(cwd.join("cfg.toml"), config("d")).unwrap();
    // `generate | true`: the reader is gone before the summary line is printed.
    let mut child = spikeforge()
        .args(["generate", "cfg.toml", "-o", "a"])
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "broken pipe exits quietly: {err}");
    assert!(err.is_empty(), "{err}");
    assert!(cwd.join("a/d/d_top.v").exists());
    // `generate > /dev/full`.
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = spikeforge()
            .args(["generate", "cfg.toml", "-o", "b"])
            .current_dir(cwd)
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("standard output") && err.contains("No space left"),
            "{err}"
        );
    }
}

/// Runs the binary as an ordinary user (uid 65534 via util-linux's `setpriv` when the test runs
/// as root, since root may write into read-only folders), from a copy inside `dir`.
fn generate_as_user(dir: &Path, args: &[&str]) -> (bool, String) {
    let exe = dir.join("spikeforge");
    if !exe.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_spikeforge"), &exe).unwrap();
    }
    let mut cmd = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd
        .arg("generate")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("setpriv (util-linux) runs the binary as another user");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.success(), err)
}

#[test]
fn a_read_only_earlier_output_is_refused_and_kept_where_it_is() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(cwd, 0o777);
    std::fs::write(cwd.join("cfg.toml"), config("d")).unwrap();
    mode(&cwd.join("cfg.toml"), 0o644);
    std::fs::create_dir(cwd.join("out")).unwrap();
    mode(&cwd.join("out"), 0o777);
    let (ok, err) = generate_as_user(cwd, &["cfg.toml", "-o", "out"]);
    assert!(ok, "{err}");
    let dir = cwd.join("out/d");
    let before = listing(&dir);
    mode(&dir, 0o555);
    for extra in [&[][..], &["--force"][..]] {
        let mut args = vec!["cfg.toml", "-o", "out"];
        args.extend_from_slice(extra);
        let (ok, err) = generate_as_user(cwd, &args);
        assert!(!ok, "{args:?}");
        assert!(err.contains("out/d") && err.contains("read-only"), "{err}");
        assert_eq!(
            listing(&cwd.join("out")),
            ["d"],
            "not renamed, no leftovers"
        );
        assert_eq!(listing(&dir), before);
    }
    mode(&dir, 0o755);
}
