//! A memory's promise that no read port reads the word being written on the same edge
//! (`ModuleBuilder::promise_no_read_during_write`): synthesis builds it from block RAM alone
//! (Yosys `synth_ice40`), and the promise is checked, not trusted — a collision fails its
//! assertion on the reference evaluator and in Verilator (with assertions), at the cycle it
//! happens, while reads of other words and writes without a read pass.

mod common;

use common::{emit, Emitted};
use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::{build, tools, BuildOptions, DesignSources};

/// Word width of the test memories (bits).
const WORD: u32 = 64;

/// A 256-word RAM with one write port and two read ports (`q1_r`, `q2_r`), as the
/// accelerator's psum buffer has; `promise` makes the promise.
fn ram(promise: bool) -> Module {
    let name = if promise { "ram_promised" } else { "ram_plain" };
    let mut m = ModuleBuilder::new(name);
    let we = m.input("we", Bool);
    let wa = m.input("wa", UInt(8));
    let wd = m.input("wd", UInt(WORD));
    let mem = m.mem("words", 256, UInt(WORD));
    m.mem_write(mem, we, wa, wd);
    for port in ["1", "2"] {
        let re = m.input(format!("re{port}"), Bool);
        let ra = m.input(format!("ra{port}"), UInt(8));
        let q = m.mem_read(mem, format!("q{port}_r"), re, ra);
        m.output_from(format!("q{port}"), q);
    }
    if promise {
        m.promise_no_read_during_write(mem);
    }
    m.finish()
}

#[test]
fn a_promised_memory_is_block_ram_without_bypass_logic() {
    let mut luts = Vec::new();
    for promise in [false, true] {
        let Emitted {
            dir: _dir,
            files,
            verilog: v,
        } = emit(&ram(promise), "sf-mem-promise-");
        let text = v.file(&format!("{}.v", v.top)).expect("the top's file");
        assert_eq!(text.contains("(* no_rw_check *)"), promise, "{text}");
        let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(lint.is_clean(), "{lint}");
        let r = tools::yosys_synth_ice40(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        let (l, ff, bram) = (
            r.luts.unwrap_or(0),
            r.ffs.unwrap_or(0),
            r.brams.unwrap_or(0),
        );
        eprintln!(
            "{}: {l} SB_LUT4, {ff} flip-flops, {bram} SB_RAM40_4K",
            v.top
        );
        // 256 × 64 bits: 4 block RAMs per read port.
        assert_eq!(bram, 8, "{}", v.top);
        if promise {
            assert!(l <= 4 && ff == 0, "{}: {l} LUT4, {ff} flip-flops", v.top);
        } else {
            // Without the promise each read port gets a bypass: a LUT and a flip-flop per bit.
            assert!(l >= 2 * u64::from(WORD), "{}: {l} LUT4", v.top);
        }
        luts.push(l);
    }
    assert!(luts[1] < luts[0], "{luts:?}");
}

#[test]
fn a_read_during_write_fails_the_assertion_in_both_simulators() {
    let module = ram(true);
    let design = elaborate(&module).unwrap_or_else(|e| panic!("{e}"));
    let Emitted {
        dir: _dir,
        verilog: v,
        ..
    } = emit(&module, "sf-mem-promise-");
    let sources = DesignSources {
        clock: Some("clk".into()),
        reset: None,
        ..DesignSources::from_texts(&v.top, v.module_files())
    };
    let options = BuildOptions {
        assertions: true,
        ..BuildOptions::default()
    };
    let mut sim = build(&sources, &options).unwrap_or_else(|e| panic!("{e}"));
    let mut ev = Evaluator::new(&design);
    // (we, wa, re1, ra1, re2, ra2) per cycle: a write alone, reads of other words, a write
    // with a disabled read of its word — then port 2 reads the word being written (cycle 3).
    let cycles: [(u64, u64, u64, u64, u64, u64); 4] = [
        (1, 5, 0, 5, 0, 5),
        (1, 6, 1, 5, 1, 7),
        (1, 7, 0, 7, 1, 6),
        (1, 9, 1, 8, 1, 9),
    ];
    for (cycle, &(we, wa, re1, ra1, re2, ra2)) in cycles.iter().enumerate() {
        for (port, value) in [
            ("we", we),
            ("wa", wa),
            ("wd", 0x1234_5678_9abc_def0 ^ wa),
            ("re1", re1),
            ("ra1", ra1),
            ("re2", re2),
            ("ra2", ra2),
        ] {
            ev.poke(port, &BigUint::from(value)).unwrap();
            sim.poke_u64(port, value).unwrap();
        }
        ev.step();
        let failures = ev.property_failures();
        let stepped = sim.try_step();
        if cycle < 3 {
            assert!(failures.is_empty(), "cycle {cycle}: {failures:?}");
            stepped.unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
            // A read of another word sees what was written before.
            if re1 == 1 {
                let q = sim.peek_u64("q1").unwrap();
                assert_eq!(q, 0x1234_5678_9abc_def0 ^ ra1, "cycle {cycle}");
            }
        } else {
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert!(
                failures[0]
                    .message
                    .contains("q2_r of words never reads the word"),
                "{failures:?}"
            );
            let e = stepped
                .expect_err("Verilator must stop at the collision")
                .to_string();
            assert!(e.contains("q2_r_of_words_never_reads_the_word"), "{e}");
        }
    }
}
