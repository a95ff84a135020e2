//! Example outputs in docs/ cannot drift from the program (issue 8, item 6).
//!
//! A fenced block in a document under docs/ (or the README) that shows what a command prints is
//! preceded by a marker line
//!
//! ```text
//! <!-- output of: spikeforge ARGS… -->
//! ```
//!
//! This test finds every marker, runs the command from the repository root and compares:
//! - a ```json block: every value shown must equal the program's at the same place; a key
//!   `"..."` stands for keys left out, an array element `"..."` for the rest of the array;
//!   floats agree to the digits shown;
//! - a ```text block: its lines appear in the program's output in order, and `...` alone on a
//!   line stands for any number of lines; times in seconds (`0.02 s`) are not compared.
//!
//! A block whose marker says `error of:` is compared with the command's standard error.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (file, line, args, error?, fence language, block text) of every marked block.
fn marked_blocks() -> Vec<(String, usize, Vec<String>, bool, String, String)> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.push(root().join("README.md"));
    docs.sort();
    let mut out = Vec::new();
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let name = doc.strip_prefix(root()).unwrap().display().to_string();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            let (rest, error) = if let Some(r) = t.strip_prefix("<!-- output of: spikeforge") {
                (r, false)
            } else if let Some(r) = t.strip_prefix("<!-- error of: spikeforge") {
                (r, true)
            } else {
                continue;
            };
            let args: Vec<String> = rest
                .trim_end_matches("-->")
                .split_whitespace()
                .map(String::from)
                .collect();
            let fence = lines
                .get(i + 1)
                .map(|l| l.trim())
                .unwrap_or_default()
                .to_string();
            assert!(
                fence.starts_with("```"),
                "{name}:{}: a marker must be followed by a fenced block",
                i + 1
            );
            let lang = fence.trim_start_matches('`').to_string();
            let body: Vec<&str> = lines[i + 2..]
                .iter()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .copied()
                .collect();
            out.push((name.clone(), i + 1, args, error, lang, body.join("\n")));
        }
    }
    out
}

fn run(args: &[String]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Where `shown` (from the document) differs from `actual`, as a path and both values.
fn json_difference(shown: &Value, actual: &Value, path: &str) -> Option<String> {
    let differs = || {
        Some(format!(
            "{path}: docs show {shown}, the program prints {actual}"
        ))
    };
    match (shown, actual) {
        (Value::Object(s), Value::Object(a)) => s
            .iter()
            .filter(|(k, _)| k.as_str() != "...")
            .find_map(|(k, v)| match a.get(k) {
                Some(av) => json_difference(v, av, &format!("{path}.{k}")),
                None => Some(format!(
                    "{path}.{k}: shown in the docs, absent from the output"
                )),
            }),
        (Value::Array(s), Value::Array(a)) => {
            let elided = s.last().is_some_and(|v| v == "...");
            let shown_items = if elided { &s[..s.len() - 1] } else { &s[..] };
            if (!elided && shown_items.len() != a.len()) || shown_items.len() > a.len() {
                return Some(format!(
                    "{path}: docs show {} elements, the program prints {}",
                    shown_items.len(),
                    a.len()
                ));
            }
            shown_items
                .iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (sv, av))| json_difference(sv, av, &format!("{path}[{i}]")))
        }
        (Value::Number(s), Value::Number(a)) => {
            if s.is_f64() || a.is_f64() {
                let (s, a) = (s.as_f64().unwrap(), a.as_f64().unwrap());
                // The digits shown: the docs may round, never differ.
                let shown_digits = format!("{s}");
                let decimals = shown_digits.split_once('.').map_or(0, |(_, d)| d.len());
                let tol = (0.5 * 10f64.powi(-(decimals as i32))).max(a.abs() * 1e-12);
                ((s - a).abs() > tol).then(|| differs().unwrap())
            } else {
                (s != a).then(|| differs().unwrap())
            }
        }
        _ => (shown != actual).then(|| differs().unwrap()),
    }
}

/// Times in seconds vary from run to run.
fn without_times(line: &str) -> String {
    let mut out = String::new();
    let words: Vec<&str> = line.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let is_time = words.get(i + 1).is_some_and(|n| n.starts_with('s'))
            && w.contains('.')
            && w.chars().all(|c| c.is_ascii_digit() || c == '.');
        out.push_str(if is_time { "#" } else { w });
        out.push(' ');
    }
    out.trim_end().to_string()
}

/// The first line of `shown` (document order, `...` skipping) not found in `actual`.
fn text_difference(shown: &str, actual: &str) -> Option<String> {
    let actual: Vec<String> = actual
        .lines()
        .map(|l| without_times(l.trim_end()))
        .collect();
    let mut at = 0;
    let mut skipping = false;
    for line in shown.lines() {
        let line = without_times(line.trim_end());
        if line.trim() == "..." {
            skipping = true;
            continue;
        }
        let found = if skipping {
            actual[at..].iter().position(|a| *a == line).map(|p| at + p)
        } else {
            (actual.get(at) == Some(&line)).then_some(at)
        };
        match found {
            Some(p) => at = p + 1,
            None => {
                return Some(format!(
                    "docs show\n    {line}\nbut the program prints{}\n    {}",
                    if skipping { " no such line after" } else { "" },
                    actual
                        .get(at)
                        .map(String::as_str)
                        .unwrap_or("(end of output)")
                ))
            }
        }
        skipping = false;
    }
    None
}

#[test]
fn every_marked_example_output_is_what_the_program_prints() {
    let blocks = marked_blocks();
    assert!(
        blocks.len() >= 2,
        "the documents mark their example outputs ({} found)",
        blocks.len()
    );
    let mut failures = Vec::new();
    for (file, line, args, error, lang, body) in &blocks {
        let (stdout, stderr) = run(args);
        let actual = if *error { &stderr } else { &stdout };
        let diff = if lang == "json" {
            let shown: Value = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("{file}:{line}: the block is not JSON: {e}"));
            match serde_json::from_str::<Value>(actual) {
                Ok(a) => json_difference(&shown, &a, "$"),
                Err(e) => Some(format!("the output is not JSON ({e}): {stderr}")),
            }
        } else {
            text_difference(body, actual)
        };
        if let Some(d) = diff {
            failures.push(format!(
                "{file}:{line}: `spikeforge {}`: {d}",
                args.join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_checker_finds_differences() {
    let shown: Value =
        serde_json::from_str(r#"{"a": [1, 2, "..."], "b": 0.25, "...": ""}"#).unwrap();
    let same: Value = serde_json::from_str(r#"{"a": [1, 2, 3], "b": 0.2549, "c": 1}"#).unwrap();
    assert_eq!(json_difference(&shown, &same, "$"), None);
    let other: Value = serde_json::from_str(r#"{"a": [1, 3, 3], "b": 0.25}"#).unwrap();
    assert!(json_difference(&shown, &other, "$")
        .unwrap()
        .contains("$.a[1]"));
    let float: Value = serde_json::from_str(r#"{"a": [1, 2], "b": 0.26}"#).unwrap();
    assert!(json_difference(&shown, &float, "$")
        .unwrap()
        .contains("$.b"));
    assert_eq!(text_difference("a\n...\nd", "a\nb\nc\nd\ne"), None);
    assert!(text_difference("a\nc", "a\nb\nc").is_some());
    assert_eq!(text_difference("took 0.02 s", "took 1.50 s"), None);
}

/// The error examples of docs/formats.md ("Every error is one line…"): each is produced from
/// the example files with one mistake, and the block must list exactly what the program says.
#[test]
fn the_error_examples_are_what_the_program_prints() {
    let net = std::fs::read_to_string(root().join("examples/network-small.toml")).unwrap();
    let acc = std::fs::read_to_string(root().join("examples/accel-default.toml")).unwrap();
    let input = std::fs::read_to_string(root().join("examples/input-small.toml")).unwrap();
    let cut = |text: &str, at: &str| text[..text.find(at).unwrap() + at.len()].to_string();
    // (network, accelerator, command) — one mistake each.
    let cases: Vec<(String, String, &[&str])> = vec![
        (
            net.replacen("share_factor = 2", "share_factor = 8", 1),
            acc.clone(),
            &["golden", "net.toml", "input.toml"],
        ),
        (
            net.replacen("[5, -2, 3, -1]", "[5, -2, 9, -1]", 1),
            acc.clone(),
            &["golden", "net.toml", "input.toml"],
        ),
        (
            net.replacen("share_factor = 2", "share_facter = 2", 1),
            acc.clone(),
            &["golden", "net.toml", "input.toml"],
        ),
        (
            net.clone(),
            acc.replacen("size_bits = 8388608", "size_bits = 64", 1),
            &["estimate", "acc.toml", "net.toml"],
        ),
        (
            net.clone(),
            acc.replacen("rows = 8", "rows = 99999999999999999999", 1),
            &["estimate", "acc.toml", "net.toml"],
        ),
        (
            net.clone(),
            cut(&acc, "pipeline_regs ="),
            &["estimate", "acc.toml", "net.toml"],
        ),
        (
            net.clone(),
            acc.replacen("clock_mhz = 500.0", "clock_mhz = 1e308", 1),
            &["estimate", "acc.toml", "net.toml"],
        ),
    ];
    let mut printed = Vec::new();
    for (n, a, args) in &cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("net.toml"), n).unwrap();
        std::fs::write(dir.path().join("acc.toml"), a).unwrap();
        std::fs::write(dir.path().join("input.toml"), &input).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
            .args(*args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} must fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        printed.push(err.trim_end().to_string());
    }
    let doc = std::fs::read_to_string(root().join("docs/formats.md")).unwrap();
    let marker = "<!-- error examples: checked by tests/docs_examples.rs -->";
    let at = doc
        .find(marker)
        .expect("docs/formats.md marks its error examples");
    let shown: Vec<String> = doc[at..]
        .lines()
        .skip(2)
        .take_while(|l| !l.trim_start().starts_with("```"))
        .map(|l| l.trim().to_string())
        .collect();
    assert_eq!(
        shown,
        printed,
        "docs/formats.md's error examples differ from the program's; it prints:\n{}",
        printed.join("\n")
    );
}

/// The documented exit rule at θ_H = 1 (docs/formats.md, DESIGN.md §8): equal logits give
/// `H_q` = 65536, which is not below round(1 · 2^16), so the network does not exit early,
/// where the float rule `H < 1` would not exit either but any H a little below 1 would.
#[test]
fn theta_h_one_exits_only_below_the_saturated_entropy() {
    let net = std::fs::read_to_string(root().join("examples/network-small.toml")).unwrap();
    let net = net.replacen("entropy_threshold = 0.5", "entropy_threshold = 1", 1);
    let zero = net
        .replacen("[5, -2, 3, -1]", "[0, 0, 0, 0]", 1)
        .replacen("[-2, 4, -1, 3]", "[0, 0, 0, 0]", 1)
        .replacen("[1, 1, -3, 2]", "[0, 0, 0, 0]", 1);
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("examples/input-small.toml");
    let run = |text: &str| -> Value {
        let path = dir.path().join("net.toml");
        std::fs::write(&path, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_spikeforge"))
            .arg("golden")
            .arg(&path)
            .arg(&input)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let equal = run(&zero);
    assert_eq!(
        equal["exit_t"], 4,
        "equal logits never exit early at θ_H = 1"
    );
    assert!(equal["entropy_q16"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h == 65536));
    let trained = run(&net);
    assert_eq!(
        trained["exit_t"], 1,
        "H_q below 65536 exits at once at θ_H = 1"
    );
}

/// The register tables of docs/accelerator.md §8–9, rendered from the catalog the generator,
/// the manifest, the driver and the golden model use (`spikeforge_config::catalog`).
fn catalog_tables() -> Vec<(&'static str, String)> {
    use spikeforge_config::catalog::{self, Counter, Register, StageField};
    let mut registers = String::from("| address | name | access | meaning |\n|---|---|---|---|\n");
    for r in Register::ALL {
        registers += &format!(
            "| 0x{:03X} | {} | {} | {} |\n",
            r.address(),
            r.name(),
            r.access().code(),
            r.meaning()
        );
    }
    registers += &format!(
        "| 0x{:03X} + {}·s + f | stage s field f | w | the stage fields below |\n",
        catalog::STAGE_BASE,
        catalog::STAGE_STRIDE
    );
    registers += &format!(
        "| 0x{:03X} + 2·i (+1) | counter i low (high) word | r | §9 |\n",
        catalog::COUNTER_BASE
    );
    let mut fields = String::from("| f | name | width (bits) | meaning |\n|---|---|---|---|\n");
    for f in StageField::ALL {
        fields += &format!(
            "| {} | {} | {} | {} |\n",
            f.index(),
            f.name(),
            f.width().describe(),
            f.meaning()
        );
    }
    let mut counters = String::from("| i | name | counts |\n|---|---|---|\n");
    for c in Counter::ALL {
        counters += &format!("| {} | {} | {} |\n", c.index(), c.name(), c.meaning());
    }
    vec![
        ("registers", registers),
        ("stage fields", fields),
        ("counters", counters),
    ]
}

#[test]
fn the_register_tables_in_the_docs_are_the_catalog() {
    let doc = std::fs::read_to_string(root().join("docs/accelerator.md")).unwrap();
    let mut wrong = Vec::new();
    for (what, table) in catalog_tables() {
        let marker = format!("<!-- catalog: {what} (checked by tests/docs_examples.rs) -->");
        let at = doc
            .find(&marker)
            .unwrap_or_else(|| panic!("docs/accelerator.md marks the {what} table"));
        let shown: String = doc[at + marker.len()..]
            .trim_start_matches('\n')
            .lines()
            .take_while(|l| l.starts_with('|'))
            .map(|l| format!("{l}\n"))
            .collect();
        if shown != table {
            wrong.push(format!(
                "the {what} table of docs/accelerator.md differs from the catalog; it should read:\n{table}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
