//! Replays every input saved under fuzz/regressions/<target>/ (inputs that once crashed a fuzz
//! target, and hand-made edge cases) through the same code the fuzz targets run
//! (fuzz/src/lib.rs), so a fixed crash stays fixed without a fuzzer in the loop.

#[path = "../fuzz/src/lib.rs"]
mod exercise;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|f| f == "README.md") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panics", path.display());
        n += 1;
    }
    n
}

#[test]
fn saved_fuzz_inputs_run_clean() {
    let n = replay("network", exercise::network)
        + replay("input", exercise::input)
        + replay("accelerator", exercise::accelerator);
    assert!(n > 0, "fuzz/regressions/ holds inputs");
}
