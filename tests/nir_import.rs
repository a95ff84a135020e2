//! `spikeforge import`: NIR files written by the `nir` package (tests/nir/make_nir.py, run with
//! the project's Python environment) for every supported construct and every error; the
//! quantised values against the same rule computed independently in numpy; a committed
//! fixture against its committed network description; the imported network in the golden
//! model; and the command's refusal to overwrite a file.

mod common;

use serde_json::Value;
use spikeforge_config::accel::AcceleratorConfig;
use spikeforge_config::input::Input;
use spikeforge_config::network::Network;
use spikeforge_golden::GoldenModel;
use spikeforge_nir::{import_file, ImportError, ImportOptions};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The folder holding the generated NIR files (written once per test binary).
fn cases() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        common::run_python("tests/nir/make_nir.py", &[dir.path()]);
        dir
    })
    .path()
}

fn opts() -> ImportOptions {
    ImportOptions {
        weight_bits: 4,
        membrane_bits: 8,
        timesteps: 6,
        ..ImportOptions::default()
    }
}

fn import(case: &str) -> Result<Network, ImportError> {
    import_file(&cases().join(format!("{case}.nir")), &opts()).map(|i| i.network)
}

/// The network's integers equal the numpy computation of DESIGN.md §7's rule.
fn check_against_numpy(case: &str) -> Network {
    let net = import(case).unwrap_or_else(|e| panic!("{case}: {e}"));
    let text = std::fs::read_to_string(cases().join(format!("{case}.expected.json"))).unwrap();
    let want: Value = serde_json::from_str(&text).unwrap();
    let layers = want["layers"].as_array().unwrap();
    assert_eq!(net.layers.len(), layers.len(), "{case}: hidden layers");
    for (l, w) in net.layers.iter().zip(layers) {
        assert_eq!(l.name, w["name"].as_str().unwrap());
        let weights: Vec<i64> = serde_json::from_value(w["weights"].clone()).unwrap();
        assert_eq!(
            l.weights.as_ref().unwrap().data,
            weights,
            "{case}: {} weights",
            l.name
        );
        assert_eq!(
            l.threshold,
            w["threshold"].as_i64().unwrap(),
            "{case}: {}",
            l.name
        );
        assert_eq!(
            l.leak.to_string(),
            w["leak"].as_str().unwrap(),
            "{case}: {}",
            l.name
        );
        assert_eq!((l.weight_bits, l.membrane_bits), (4, 8));
    }
    let c = &want["classifier"];
    let weights: Vec<i64> = serde_json::from_value(c["weights"].clone()).unwrap();
    assert_eq!(net.classifier.weights.as_ref().unwrap().data, weights);
    assert_eq!(
        i64::from(net.classifier.logit_frac_bits),
        c["logit_frac_bits"].as_i64().unwrap()
    );
    assert_eq!(net.timesteps, 6);
    net
}

#[test]
fn conv_lif_sumpool_threshold_affine_if_linear_li() {
    let net = check_against_numpy("conv_pool");
    let conv = &net.layers[0];
    assert_eq!(
        (conv.kernel, conv.stride, conv.padding, conv.pool),
        (Some(3), Some(1), Some(1), Some(2))
    );
    assert_eq!(
        net.layers[0].weights.as_ref().unwrap().shape,
        vec![2, 1, 3, 3]
    );
    assert_eq!(net.layers[1].weights.as_ref().unwrap().shape, vec![6, 32]);
    assert_eq!(net.classifier.classes, 3);
    assert_eq!(
        (net.input.channels, net.input.height, net.input.width),
        (1, 8, 8)
    );
}

#[test]
fn avgpool_with_a_quarter_threshold_is_an_or() {
    let net = check_against_numpy("avgpool");
    assert_eq!(net.layers[0].pool, Some(2));
}

#[test]
fn linear_layers_with_an_integrator_readout() {
    let net = check_against_numpy("linear_integrator");
    assert_eq!(net.layers[0].leak.to_string(), "shift(1)");
    assert_eq!(net.classifier.classes, 4);
}

#[test]
fn a_synapse_straight_into_the_output_is_the_classifier() {
    let net = check_against_numpy("direct_output");
    assert_eq!(net.classifier.classes, 2);
}

#[test]
fn every_unmappable_construct_is_one_error_naming_node_and_parameter() {
    // (case, text the message must hold)
    let cases = [
        ("err_cubalif", "node `lif1` (CubaLIF)"),
        ("err_bias", "node `fc1` (Affine), parameter `bias`: holds 0.1"),
        ("err_v_leak", "node `lif1` (LIF), parameter `v_leak`: = 0.2"),
        ("err_v_reset", "node `lif1` (LIF), parameter `v_reset`: = -0.5"),
        ("err_tau_varies", "node `lif1` (LIF), parameter `tau`: varies"),
        ("err_dilation", "node `conv1` (Conv2d), parameter `dilation`: = 2"),
        ("err_groups", "node `conv1` (Conv2d), parameter `groups`: = 2"),
        ("err_pool_no_threshold", "node `pool1` (SumPool2d): is not followed by a Threshold"),
        ("err_pool_threshold", "node `spike1` (Threshold), parameter `threshold`: = 2"),
        ("err_unsupported", "node `scale` (Scale): the node type Scale is not supported"),
        ("err_recurrent", "recurrent edge `if1` → `fc1`"),
        (
            "err_nan_weight",
            "node `fc1` (Affine), parameter `weight`: holds NaN at flat index 69; every value must be a finite number",
        ),
        (
            "err_inf_threshold",
            "node `if1` (IF), parameter `v_threshold`: holds inf at flat index 0",
        ),
        ("err_branch", "node `spike1` branches to `flat`, `side`"),
        ("err_conv_readout", "node `conv1` (Conv2d): the readout's synapse is a convolution"),
        (
            "err_threshold_range",
            "parameter `v_threshold`: = 1000 is 7408 in the weights' integer scale, above the largest 8-bit membrane value 127: raise --membrane-bits to at least 14",
        ),
    ];
    for (case, want) in cases {
        let err = import(case).expect_err(case).to_string();
        assert!(err.contains(want), "{case}: {err}");
        assert!(
            err.contains(&format!("{case}.nir")),
            "{case} names the file: {err}"
        );
    }
}

#[test]
fn the_committed_fixture_imports_to_its_committed_description() {
    let fixture = "tests/fixtures/nir/conv_pool.nir";
    let imported = import_file(&Path::new(ROOT).join(fixture), &opts()).unwrap();
    let want =
        std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/nir/conv_pool.toml")).unwrap();
    assert_eq!(imported.to_toml(fixture), want);
    // The description loads back as the same network.
    let back: Network = toml::from_str(&want).unwrap();
    assert_eq!(back, imported.network);
}

#[test]
fn the_imported_network_runs_in_the_golden_model() {
    let net = import("conv_pool").unwrap();
    let intensities: Vec<Vec<i64>> = (0..8)
        .map(|y| (0..8).map(|x| (y * 37 + x * 53) % 256).collect())
        .collect();
    let input: Input = toml::from_str(&format!(
        "encoding = \"rate\"\nseed = 3\nintensities = {intensities:?}\n"
    ))
    .unwrap();
    let mut accel = AcceleratorConfig::default();
    accel.schedule.tick_batch = 2;
    let out = GoldenModel::run(&net, &input, &accel).unwrap();
    assert_eq!(out.logits.len(), 6);
    assert!(out.logits.iter().all(|z| z.len() == 3));
    assert!(out.counts.total.lif_steps > 0);
}

#[test]
fn the_command_writes_once_and_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net.toml");
    let model = cases().join("conv_pool.nir");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_spikeforge"))
            .arg("import")
            .arg(&model)
            .arg("-o")
            .arg(&out)
            .args(["--weight-bits", "4", "--membrane-bits", "8"])
            .args(extra)
            .output()
            .unwrap()
    };
    let first = run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("conv1: scale"), "{stderr}");
    assert!(stderr.contains("leak dt/τ = 0.1250 → shift(3)"), "{stderr}");
    std::fs::write(&out, "my own notes\n").unwrap();
    let second = run(&[]);
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("exists; it was left untouched"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "my own notes\n");
    let forced = run(&["--force"]);
    assert!(forced.status.success());
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("[[layers]]"));
    // A failed import writes nothing.
    let bad = dir.path().join("bad.toml");
    let failed = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .arg("import")
        .arg(cases().join("err_bias.nir"))
        .arg("-o")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!failed.status.success());
    assert!(!bad.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
