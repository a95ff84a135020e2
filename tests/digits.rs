//! The trained digits network (examples/digits, written by scripts/train_digits.py): imported
//! from its committed NIR file at 4-bit weights and 8-bit membranes, evaluated over the whole
//! committed test split in the golden model, against the targets of docs/evaluation.md; the
//! `evaluate` command end to end; and the training script reproducing the committed files.

mod common;

use spikeforge_config::{AcceleratorConfig, Dataset, Network};
use spikeforge_golden::evaluate;
use spikeforge_nir::{import_file, ImportOptions};
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn digits() -> (Network, Dataset) {
    let opts = ImportOptions {
        weight_bits: 4,
        membrane_bits: 8,
        timesteps: 8,
        ..ImportOptions::default()
    };
    let net = import_file(&Path::new(ROOT).join("examples/digits/digits.nir"), &opts)
        .unwrap()
        .network;
    let data = Dataset::load(Path::new(ROOT).join("examples/digits/test.json")).unwrap();
    data.check_network(&net, "test.json").unwrap();
    (net, data)
}

#[test]
fn the_4_bit_network_reaches_92_percent_at_t_8_and_dtsnn_exits_by_half_of_t() {
    let (net, data) = digits();
    assert_eq!(data.len(), 360);
    let accel = AcceleratorConfig::default();
    let fixed = evaluate::fixed_t(&net, &data, 8, &accel, &|| {}).unwrap();
    assert!(
        fixed.accuracy >= 0.92,
        "4-bit digits network at T = 8: {:.3}",
        fixed.accuracy
    );
    // The accuracy after t timesteps from the T = 16 traces equals the fixed-T run's.
    let traces = evaluate::traces(&net, &data, 16, &accel, &|| {}).unwrap();
    let curve = evaluate::accuracy_vs_t(&traces);
    assert_eq!(curve.len(), 16);
    assert_eq!(curve[7], fixed.accuracy);
    let dt = evaluate::dtsnn(
        &net,
        &data,
        8,
        0.2,
        &accel,
        std::slice::from_ref(&fixed),
        &|| {},
    )
    .unwrap();
    assert!(
        dt.accuracy >= fixed.accuracy - 0.01,
        "DT-SNN θ = 0.2: {:.3} against {:.3}",
        dt.accuracy,
        fixed.accuracy
    );
    assert!(dt.mean_exit <= 4.0, "mean exit {:.2}", dt.mean_exit);
    assert_eq!(dt.exit_histogram.iter().sum::<u64>(), 360);
    assert!(dt.cost.energy_pj < fixed.cost.energy_pj);
}

#[test]
fn evaluate_writes_json_and_markdown_and_keeps_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("eval");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_spikeforge"))
            .current_dir(ROOT)
            .args([
                "evaluate",
                "examples/digits/digits.nir",
                "examples/digits/test.json",
            ])
            .arg("-o")
            .arg(&out)
            .args([
                "--float",
                "examples/digits/float.json",
                "--max-timesteps",
                "8",
            ])
            .args(["--thetas", "0.1,0.3", "--sweep-weight-bits", "4,8"])
            .args(["--sweep-membrane-bits", "6,8"])
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
    let md = std::fs::read_to_string(out.join("evaluation.md")).unwrap();
    assert_eq!(md, String::from_utf8_lossy(&first.stdout));
    assert!(
        md.contains("| t | float | W4/M8 | W4/M6 | W4/M8 | W8/M6 | W8/M8 |"),
        "{md}"
    );
    // 8-bit weights put the threshold above a 6-bit membrane: reported, not fatal.
    assert!(
        md.contains("W8/M6: not built:") && md.contains("raise --membrane-bits"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("evaluation.json")).unwrap())
            .unwrap();
    let report = &json["report"];
    assert_eq!(report["images"], 360);
    assert_eq!(report["fixed"].as_array().unwrap().len(), 8);
    assert_eq!(report["dtsnn"].as_array().unwrap().len(), 2);
    // 360 images × (1 + 4 sweep variants + 8 fixed T + 2 thresholds), the failed variant's
    // runs counted as skipped.
    assert_eq!(report["golden_runs"], 360 * 15);
    assert_eq!(json["float_accuracy"].as_array().unwrap().len(), 16);
    // A second run does not replace the results without --force.
    let second = run(&[]);
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(out.join("evaluation.md")).unwrap(),
        md
    );
    assert!(run(&["--force"]).status.success());
}

#[test]
fn a_dataset_that_does_not_fit_is_one_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"name": "x", "shape": [1, 2, 2], "encoding": "rate", "seeds": [1], "labels": [3],
            "intensities": [[0, 10, 300, 4]]}"#,
    )
    .unwrap();
    let err = Dataset::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("field `intensities[0][2]` = 300: must be in 0..=255"),
        "{err}"
    );
    std::fs::write(
        &path,
        r#"{"name": "x", "shape": [1, 2, 2], "encoding": "rate", "seeds": [1, 2], "labels": [3],
            "intensities": [[0, 10, 30, 4]]}"#,
    )
    .unwrap();
    let err = Dataset::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("field `seeds` = 2: holds 2 entries for 1 labels"),
        "{err}"
    );
    let (net, _) = digits();
    let d = Dataset {
        name: "x".into(),
        shape: [1, 8, 8],
        encoding: spikeforge_config::Encoding::Rate,
        seeds: vec![1],
        labels: vec![10],
        intensities: vec![vec![0; 64]],
    };
    let err = d.check_network(&net, "d.json").unwrap_err().to_string();
    assert!(
        err.contains("field `labels[0]` = 10: the network has 10 classes"),
        "{err}"
    );
}

#[test]
fn the_training_script_reproduces_the_committed_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    common::run_python("scripts/train_digits.py", &[dir.path()]);
    for f in ["digits.nir", "test.json", "float.json"] {
        let got = std::fs::read(dir.path().join(f)).unwrap();
        let want = std::fs::read(Path::new(ROOT).join("examples/digits").join(f)).unwrap();
        assert!(got == want, "scripts/train_digits.py wrote a different {f}");
    }
}

#[test]
fn docs_evaluation_holds_the_report_of_the_committed_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .current_dir(ROOT)
        .args([
            "evaluate",
            "examples/digits/digits.nir",
            "examples/digits/test.json",
        ])
        .args(["--float", "examples/digits/float.json", "-o"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The document embeds the report with its headings one level down.
    let report: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                format!("#{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/evaluation.md")).unwrap();
    let begin = doc.find("<!-- evaluation: begin -->\n").unwrap() + 27;
    let end = doc.find("<!-- evaluation: end -->").unwrap();
    assert!(
        doc[begin..end] == report,
        "docs/evaluation.md is out of date: rerun `spikeforge evaluate examples/digits/digits.nir examples/digits/test.json --float examples/digits/float.json` and paste its report"
    );
}

#[test]
fn the_committed_4_bit_import_is_current() {
    // docs/reproduction.md (spikeforge-golden, which does not depend on the importer) embeds
    // this file; it must be what `spikeforge import` writes today.
    let opts = ImportOptions {
        name: "digits".into(),
        weight_bits: 4,
        membrane_bits: 8,
        timesteps: 8,
        ..ImportOptions::default()
    };
    let imported = import_file(&Path::new(ROOT).join("examples/digits/digits.nir"), &opts).unwrap();
    let committed =
        std::fs::read_to_string(Path::new(ROOT).join("examples/digits/digits-w4m8.toml")).unwrap();
    assert!(
        imported.to_toml("examples/digits/digits.nir") == committed,
        "rerun `spikeforge import examples/digits/digits.nir -o examples/digits/digits-w4m8.toml --weight-bits 4 --membrane-bits 8 --timesteps 8 --force`"
    );
}

#[test]
fn the_whole_test_split_co_simulates_exactly_on_the_default_accelerator() {
    use spikeforge_cosim::{cosim_on, params_for, CosimOptions, Design};
    use spikeforge_rtlsim::BuildOptions;
    // The committed 4-bit import (8-bit membranes, shift(3) leak, hard reset, `gt`, 2×2 OR
    // pooling) on the built-in 8×16 accelerator generated for its LIF options, with DT-SNN on
    // (θ_H = 0.2), so exits, predictions, logits, spikes and all 25 counters are compared.
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("examples/digits/digits-w4m8.toml")).unwrap();
    let mut net: Network = toml::from_str(&text).unwrap();
    net.entropy_threshold = 0.2;
    let data = Dataset::load(Path::new(ROOT).join("examples/digits/test.json")).unwrap();
    let accel = AcceleratorConfig::default();
    let design = Design::generate(&params_for(&accel, &net)).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = design
        .build(&BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = CosimOptions {
        out_dir: Some(std::env::temp_dir().join("spikeforge-digits-cosim")),
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let (mut correct, mut exits, mut cycles) = (0usize, 0u64, 0u64);
    for i in 0..data.len() {
        let r = cosim_on(&design, &mut sim, &accel, &net, &data.input(i), &opts)
            .unwrap_or_else(|e| panic!("image {i}: {e}"));
        assert!(
            r.matched,
            "image {i}: {}",
            r.mismatch.map(|m| m.to_string()).unwrap_or_default()
        );
        correct += usize::from(r.rtl_prediction == data.labels[i]);
        exits += u64::from(r.rtl_exit_t);
        cycles += r.golden_cycles;
    }
    let n = data.len() as f64;
    eprintln!(
        "digits on the RTL: {} images, accuracy {:.1} %, mean exit {:.2}, mean {:.0} cycles; {:.1} s",
        data.len(),
        100.0 * correct as f64 / n,
        exits as f64 / n,
        cycles as f64 / n,
        start.elapsed().as_secs_f64()
    );
    assert!(correct as f64 / n >= 0.92);
}
