//! End-to-end tests of `spikeforge golden`, `spikeforge estimate` and `spikeforge reproduce`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spikeforge"))
}

fn ex(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("spikeforge runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn golden_prints_the_outcome_as_json() {
    let net = ex("network-small.toml");
    let input = ex("input-small.toml");
    let v = json(&run(&[
        "golden",
        net.to_str().unwrap(),
        input.to_str().unwrap(),
    ]));
    let exit_t = v["exit_t"].as_u64().unwrap();
    assert!((1..=4).contains(&exit_t));
    assert_eq!(v["logits"].as_array().unwrap().len() as u64, exit_t);
    assert_eq!(v["logits"][0].as_array().unwrap().len(), 3);
    assert!(v["prediction"].as_u64().unwrap() < 3);
    assert!(v["counts"]["total"]["lif_steps"].as_u64().unwrap() > 0);
    assert!(v["energy"]["total_pj"].as_f64().unwrap() > 0.0);
    assert!(v.get("spikes").is_none());
    // The prediction is the argmax of the last logits, lowest index on ties.
    let last: Vec<i64> = v["logits"][exit_t as usize - 1]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    let max = *last.iter().max().unwrap();
    assert_eq!(
        v["prediction"].as_u64().unwrap() as usize,
        last.iter().position(|&x| x == max).unwrap()
    );
}

#[test]
fn golden_trace_and_json_input_agree_across_tick_batch() {
    let net = ex("network-small.toml");
    let input = ex("input-small-spikes.json");
    let a = json(&run(&[
        "golden",
        net.to_str().unwrap(),
        input.to_str().unwrap(),
        "--trace",
        "--tick-batch",
        "1",
    ]));
    let b = json(&run(&[
        "golden",
        net.to_str().unwrap(),
        input.to_str().unwrap(),
        "--trace",
        "--tick-batch",
        "4",
    ]));
    assert_eq!(a["spikes"], b["spikes"]);
    assert_eq!(a["logits"], b["logits"]);
    let layers = a["spikes"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_ne!(
        a["counts"]["total"]["weight_buffer"]["reads"],
        b["counts"]["total"]["weight_buffer"]["reads"]
    );
}

#[test]
fn estimate_prints_a_table_and_json() {
    let cfg = ex("accel-default.toml");
    let net = ex("vgg9-cifar10.toml");
    let out = run(&["estimate", cfg.to_str().unwrap(), net.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in ["conv1", "classifier", "psum_buffer", "total energy", "EDP"] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    let v = json(&run(&[
        "estimate",
        cfg.to_str().unwrap(),
        net.to_str().unwrap(),
        "--json",
        "--density",
        "0.2",
    ]));
    assert_eq!(v["density"].as_f64(), Some(0.2));
    assert_eq!(v["counts"]["stages"].as_array().unwrap().len(), 9);
    let stages: f64 = v["energy"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["pj"].as_f64().unwrap())
        .sum();
    assert!(stages < v["energy"]["total_pj"].as_f64().unwrap());
}

#[test]
fn bad_input_is_one_clear_error_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(ex("network-small.toml"))
        .unwrap()
        .replace("share_factor = 2", "share_factor = 8");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, text).unwrap();
    let input = ex("input-small.toml");
    let out = run(&["golden", bad.to_str().unwrap(), input.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("layers[1].share_factor"), "{err}");
    assert!(err.contains("= 8"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // A buffer too small for the network names the configuration file and the buffer.
    let cfg = std::fs::read_to_string(ex("accel-default.toml"))
        .unwrap()
        .replace("size_bits = 8388608", "size_bits = 1024");
    let cfg_path = dir.path().join("tiny.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let net = ex("vgg9-cifar10.toml");
    let out = run(&[
        "estimate",
        cfg_path.to_str().unwrap(),
        net.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("tiny.toml") && err.contains("buffers.psum.size_bits"),
        "{err}"
    );
}

#[test]
fn reproduce_writes_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/reproduction.md");
    let out = run(&["reproduce", "-o", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = std::fs::read_to_string(&path).unwrap();
    for needle in ["62.5%", "75.1%", "10.4×", "2.54×", "528384", "33554432"] {
        assert!(doc.contains(needle), "missing {needle}");
    }
}
