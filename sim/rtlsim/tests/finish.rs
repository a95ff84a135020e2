//! $finish / $fatal never kill the host process.

mod common;

use common::*;
use spikeforge_rtlsim::{build, BuildOptions, DesignSources, RtlSimError, SimStatus};

#[test]
fn finish_becomes_a_status() {
    let mut sim = build(
        &DesignSources::single("finisher", FINISHER),
        &BuildOptions::default(),
    )
    .unwrap();
    sim.reset(1);
    sim.run(100);
    // count==9 seen at the edge of the 10th cycle after reset → stops there
    match sim.status() {
        SimStatus::Finished { file, line, cycle } => {
            assert!(file.ends_with("finisher.v"), "{file}");
            assert_eq!(line, 10);
            assert_eq!(cycle, 11);
        }
        s => panic!("expected Finished, got {s:?}"),
    }
    assert_eq!(sim.cycle(), 11, "run stops at $finish");
    sim.run(5);
    sim.step();
    assert_eq!(sim.cycle(), 11, "no progress after $finish");
    let e = sim.try_step().unwrap_err();
    assert!(matches!(e, RtlSimError::Finished { .. }));
    assert!(e.to_string().contains("$finish"), "{e}");
    // still alive and still readable
    assert_eq!(sim.peek_u64("count").unwrap(), 10);
}

#[test]
fn fatal_becomes_an_error() {
    let mut sim = build(
        &DesignSources::single("fataler", FATALER),
        &BuildOptions::default(),
    )
    .unwrap();
    sim.reset(1);
    let e = sim.try_run(50).unwrap_err();
    match &e {
        RtlSimError::Fatal {
            file, line, cycle, ..
        } => {
            assert!(file.ends_with("fataler.v"), "{file}");
            assert_eq!(*line, 10);
            assert_eq!(*cycle, 6);
        }
        e => panic!("expected Fatal, got {e}"),
    }
    assert!(matches!(sim.status(), SimStatus::Fatal { .. }));
    sim.run(10);
    assert_eq!(sim.cycle(), 6);
    // the process is alive: build and run another simulator afterwards
    let mut c = build(&counter(), &BuildOptions::default()).unwrap();
    c.reset(1);
    c.poke_u64("en", 1).unwrap();
    c.run(3);
    assert_eq!(c.peek_u64("count").unwrap(), 3);
}

#[test]
fn runtime_fatal_does_not_hang_or_abort() {
    // A combinational loop that oscillates when `en` is 1: Verilator's scheduler gives up after
    // 100 iterations with a fatal "did not converge" error — which must become a status.
    let v = "module osc(input wire clk, input wire rst, input wire en, output wire y);\n  wire a;\n  assign a = en ? ~a : 1'b0;\n  assign y = a;\nendmodule\n";
    let mut sim = build(&DesignSources::single("osc", v), &BuildOptions::default()).unwrap();
    sim.reset(1);
    sim.step();
    assert_eq!(sim.peek_u64("y").unwrap(), 0);
    sim.check().unwrap();
    sim.poke_u64("en", 1).unwrap();
    let e = sim.try_step().unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, RtlSimError::Fatal { .. }), "{msg}");
    assert!(msg.contains("converge"), "{msg}");
    // still alive
    sim.run(3);
    assert!(matches!(sim.status(), SimStatus::Fatal { .. }));
}
