//! VCD tracing for a window of cycles.

mod common;

use common::*;
use spikeforge_rtlsim::{build, BuildOptions};

#[test]
fn trace_window_writes_only_the_window() {
    let opts = BuildOptions {
        trace: true,
        ..Default::default()
    };
    let mut sim = build(&counter(), &opts).unwrap();
    let d = tempfile::tempdir().unwrap();
    let vcd = d.path().join("w.vcd");
    sim.reset(1);
    sim.poke_u64("en", 1).unwrap();
    sim.trace_window(&vcd, 5..9).unwrap();
    sim.run(20);
    assert_eq!(sim.peek_u64("count").unwrap(), 20);
    let text = std::fs::read_to_string(&vcd).unwrap();
    assert!(text.contains("$var") && text.contains("count"), "{text}");
    let times: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|t| t.parse().unwrap())
        .collect();
    // cycles 5..9: inputs at 10c, edge at 10c+5, and the end of the window at 90
    assert_eq!(times, vec![50, 55, 60, 65, 70, 75, 80, 85, 90]);
    // a second window to another file
    let vcd2 = d.path().join("w2.vcd");
    sim.trace_window(&vcd2, 25..27).unwrap();
    sim.run(10);
    let t2 = std::fs::read_to_string(&vcd2).unwrap();
    assert!(
        t2.contains("#255") && t2.contains("#270") && !t2.contains("#275"),
        "{t2}"
    );
    // windows in the past are rejected
    let e = sim.trace_window(&vcd2, 3..4).unwrap_err().to_string();
    assert!(e.contains("already past"), "{e}");
}

#[test]
fn trace_requires_trace_build() {
    let mut sim = build(&counter(), &BuildOptions::default()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let e = sim
        .trace_window(&d.path().join("x.vcd"), 0..4)
        .unwrap_err()
        .to_string();
    assert!(e.contains("trace: true"), "{e}");
}
