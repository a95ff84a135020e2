//! Descriptions are read only from regular files, and at most 64 MiB of them (issue 8,
//! item 2): before, `/dev/zero` behind a `.toml` symlink read 2 GB in 3 s and a FIFO blocked
//! forever. Each refusal must come at once (a thread with a deadline stands guard, so a
//! regression fails instead of hanging).

#![cfg(unix)]

use spikeforge_config::load::MAX_FILE_BYTES;
use spikeforge_config::{AcceleratorConfig, ConfigError, Network};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// A fresh folder for one test under Cargo's per-target temporary directory.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("config-file-reading")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Loads `path` as an accelerator configuration in a thread; the error within 10 s.
fn load_err_in_time(path: &Path) -> ConfigError {
    let (tx, rx) = mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(AcceleratorConfig::load(&p));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(r) => r.expect_err("must be refused"),
        Err(_) => panic!("loading {} did not return within 10 s", path.display()),
    }
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("acc.toml");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(st.success());
    let e = load_err_in_time(&fifo);
    assert_eq!(e.file, fifo.display().to_string());
    assert!(
        e.message.contains("FIFO") && e.message.contains("regular file"),
        "{e}"
    );
    // Behind a symbolic link too.
    let link = dir.join("link.toml");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let e = load_err_in_time(&link);
    assert!(e.message.contains("FIFO"), "{e}");
}

#[test]
fn a_device_behind_a_toml_symlink_is_refused_at_once() {
    let dir = scratch("device");
    let link = dir.join("acc.toml");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let t = std::time::Instant::now();
    let e = load_err_in_time(&link);
    assert!(e.message.contains("character device"), "{e}");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t.elapsed()
    );
    let e = Network::load(&link).unwrap_err();
    assert!(e.message.contains("regular file"), "{e}");
    let e = load_err_in_time(&dir);
    assert!(e.message.contains("unknown file extension"), "{e}");
    let sub = dir.join("folder.toml");
    std::fs::create_dir(&sub).unwrap();
    let e = load_err_in_time(&sub);
    assert!(e.message.contains("a directory"), "{e}");
}

#[test]
fn a_file_over_the_cap_is_refused_naming_the_cap() {
    assert_eq!(MAX_FILE_BYTES, 64 << 20);
    let dir = scratch("oversize");
    let big = dir.join("net.json");
    // A sparse file: no 64 MiB written to disk.
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_FILE_BYTES + 1).unwrap();
    drop(f);
    let e = Network::load(&big).unwrap_err();
    assert_eq!(e.file, big.display().to_string());
    assert!(
        e.message.contains("67108865 bytes") && e.message.contains("64 MiB"),
        "{e}"
    );
    std::fs::remove_file(&big).unwrap();
}

#[test]
fn a_regular_file_still_loads() {
    let dir = scratch("regular");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let copy = dir.join("acc.toml");
    std::fs::copy(examples.join("accel-default.toml"), &copy).unwrap();
    assert_eq!(
        AcceleratorConfig::load(&copy).unwrap(),
        AcceleratorConfig::default()
    );
    let link = dir.join("link.toml");
    std::os::unix::fs::symlink(&copy, &link).unwrap();
    AcceleratorConfig::load(&link).unwrap();
}
