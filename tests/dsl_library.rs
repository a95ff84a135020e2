//! The DSL's control library (`spikeforge_dsl::library`) on the reference evaluator and on
//! Verilator: each block in a small design, lint-clean under `-Wall`, driven with random
//! stimulus for hundreds of cycles; the two simulators must agree on every output in every
//! cycle, and both must agree with a plain Rust model of what the block promises.

mod common;

use common::SplitMix;
use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::library::{
    lanes, pipe, shift_register, Layout, LoopNest, StreamIn, StreamOut, Update,
};
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::{build, tools, BuildOptions, DesignSources, Simulator};
use std::path::PathBuf;

/// Both simulators of one design, stepped in lockstep.
struct Both {
    ev: Evaluator,
    sim: Simulator,
    outputs: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Both {
    fn new(module: &Module) -> Both {
        let design = elaborate(module).unwrap_or_else(|e| panic!("{e}"));
        let v = emit_verilog(&design);
        let dir = tempfile::Builder::new()
            .prefix("sf-dsl-library-")
            .tempdir()
            .unwrap();
        v.write_files(dir.path()).unwrap();
        let files: Vec<PathBuf> = v.files.iter().map(|f| dir.path().join(&f.name)).collect();
        let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(lint.is_clean(), "{}: {lint}", v.top);
        // A design without registers has no clock or reset port.
        let top = design.top();
        let sources = DesignSources {
            clock: top.uses_clock.then(|| "clk".into()),
            reset: top.uses_reset.then(|| "rst".into()),
            ..DesignSources::from_texts(&v.top, v.module_files())
        };
        let mut sim = build(&sources, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let outputs = module
            .ports()
            .into_iter()
            .filter(|(_, _, is_input)| !is_input)
            .map(|(n, _, _)| n)
            .collect();
        let mut ev = Evaluator::new(&design);
        ev.reset(1);
        sim.reset(1);
        Both {
            ev,
            sim,
            outputs,
            _dir: dir,
        }
    }

    /// Applies `inputs`, steps one clock edge in both, checks they agree, returns the outputs.
    fn step(&mut self, cycle: u64, inputs: &[(&str, u64)]) -> Vec<(String, u64)> {
        for (name, v) in inputs {
            self.ev.poke(name, &BigUint::from(*v)).unwrap();
            self.sim.poke_u64(name, *v).unwrap();
        }
        self.ev.step();
        self.sim.step();
        self.outputs
            .iter()
            .map(|o| {
                let e = self.ev.peek(o).unwrap();
                let e = e.to_u64_digits().first().copied().unwrap_or(0);
                let s = self.sim.peek_u64(o).unwrap();
                assert_eq!(e, s, "cycle {cycle}, output {o}: evaluator vs Verilator");
                (o.clone(), e)
            })
            .collect()
    }
}

fn get(outs: &[(String, u64)], name: &str) -> u64 {
    outs.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn loop_nest_counts_like_nested_for_loops_with_run_time_bounds() {
    let mut m = ModuleBuilder::new("nest3");
    let go = m.input("go", Bool);
    let clear = m.input("clear", Bool);
    let y_last = m.input("y_last", UInt(3));
    let z_last = m.input("z_last", UInt(2));
    let nest = LoopNest::new(
        &mut m,
        "scan",
        &[
            ("y", 3, y_last.expr()),
            ("x", 2, Expr::uint(2, 2)),
            ("z", 2, z_last.expr()),
        ],
        go,
        clear,
    );
    m.output_from("y", nest.level(0));
    m.output_from("x", nest.level(1));
    m.output_from("z", nest.level(2));
    m.output_from("done", nest.done());
    let mut both = Both::new(&m.finish());
    let mut rng = SplitMix(7);
    let (yl, zl) = (4u64, 1u64);
    let (mut y, mut x, mut z) = (0u64, 0u64, 0u64);
    let mut completions = 0;
    for cycle in 0..600 {
        let go = u64::from(rng.coin(3, 4));
        let clear = u64::from(rng.chance(97));
        let outs = both.step(
            cycle,
            &[("go", go), ("clear", clear), ("y_last", yl), ("z_last", zl)],
        );
        // The model: the value before this edge decides `done`, then the nest advances.
        let done_now = go == 1 && clear == 0 && y == yl && x == 2 && z == zl;
        if clear == 1 {
            (y, x, z) = (0, 0, 0);
        } else if go == 1 {
            z += 1;
            if z > zl {
                z = 0;
                x += 1;
                if x > 2 {
                    x = 0;
                    y += 1;
                    if y > yl {
                        y = 0;
                    }
                }
            }
        }
        completions += u64::from(done_now);
        assert_eq!(
            (get(&outs, "y"), get(&outs, "x"), get(&outs, "z")),
            (y, x, z),
            "cycle {cycle}"
        );
        // `done` is combinational: this cycle's `go` on the state after the edge.
        let done_after = go == 1 && y == yl && x == 2 && z == zl;
        assert_eq!(get(&outs, "done"), u64::from(done_after), "cycle {cycle}");
    }
    assert!(completions > 3, "the nest completed several times");
}

#[test]
fn update_rules_take_the_first_that_holds_and_hold_otherwise() {
    let mut m = ModuleBuilder::new("acc_rules");
    let clear = m.input("clear", Bool);
    let add = m.input("add", Bool);
    let sub = m.input("sub", Bool);
    let x = m.input("x", UInt(8));
    let acc = m.reg("acc_r", UInt(8));
    Update::new(acc)
        .when(clear, 0)
        .when(add, acc.wrapping_add(x))
        .when(sub, acc.wrapping_sub(x))
        .apply(&mut m);
    m.output_from("acc", acc);
    let mut both = Both::new(&m.finish());
    let mut rng = SplitMix(11);
    let mut acc = 0u64;
    for cycle in 0..500 {
        let (c, a, s, x) = (
            u64::from(rng.chance(10)),
            u64::from(rng.coin(1, 2)),
            u64::from(rng.coin(1, 2)),
            rng.below(256),
        );
        let outs = both.step(cycle, &[("clear", c), ("add", a), ("sub", s), ("x", x)]);
        acc = if c == 1 {
            0
        } else if a == 1 {
            (acc + x) % 256
        } else if s == 1 {
            (acc + 256 - x) % 256
        } else {
            acc
        };
        assert_eq!(get(&outs, "acc"), acc, "cycle {cycle}");
    }
}

#[test]
fn pipe_delays_by_its_stages_where_enabled() {
    let mut m = ModuleBuilder::new("pipe3");
    let x = m.input("x", UInt(6));
    let en = m.input("en", Bool);
    let y = pipe(&mut m, "x_d", x, 3, en);
    m.output_from("y", y);
    let y0 = pipe(&mut m, "none", x, 0, true);
    m.output_from("y0", y0);
    let mut both = Both::new(&m.finish());
    let mut rng = SplitMix(3);
    let mut stages = [0u64; 3];
    for cycle in 0..400 {
        let (x, en) = (rng.below(64), u64::from(rng.coin(2, 3)));
        let outs = both.step(cycle, &[("x", x), ("en", en)]);
        if en == 1 {
            stages = [x, stages[0], stages[1]];
        }
        assert_eq!(get(&outs, "y"), stages[2], "cycle {cycle}");
        assert_eq!(get(&outs, "y0"), x);
    }
}

#[test]
fn shift_register_gives_every_delay_from_one_packed_register() {
    let mut m = ModuleBuilder::new("line4");
    let x = m.input("x", SInt(5));
    let b = m.input("b", Bool);
    let en = m.input("en", Bool);
    let taps = shift_register(&mut m, "x_line", x, 4, en);
    assert_eq!(taps.len(), 4);
    for (k, t) in taps.iter().enumerate() {
        assert_eq!(t.ty(), SInt(5), "tap {k} keeps the value's type");
        m.output_from(format!("x_d{}", k + 1), t.sext(8));
    }
    let bits = shift_register(&mut m, "b_line", b, 3, true);
    assert_eq!(bits[2].ty(), Bool);
    m.output_from("b_d3", bits[2].clone());
    assert!(shift_register(&mut m, "none", b, 0, true).is_empty());
    let module = m.finish();
    let out = emit_verilog(&elaborate(&module).unwrap());
    let v = out.file("line4.v").expect("the module's file");
    assert!(
        v.contains("reg  [19:0] x_line;"),
        "one packed register:\n{v}"
    );
    let mut both = Both::new(&module);
    let mut rng = SplitMix(11);
    let (mut line, mut bline) = ([0u64; 4], [0u64; 3]);
    for cycle in 0..400 {
        let (x, b, en) = (rng.below(32), rng.below(2), u64::from(rng.coin(3, 4)));
        let outs = both.step(cycle, &[("x", x), ("b", b), ("en", en)]);
        if en == 1 {
            line = [x, line[0], line[1], line[2]];
        }
        bline = [b, bline[0], bline[1]];
        for (k, &want) in line.iter().enumerate() {
            let sext8 = if want >= 16 { want | 0xE0 } else { want };
            assert_eq!(
                get(&outs, &format!("x_d{}", k + 1)),
                sext8,
                "cycle {cycle} tap {k}"
            );
        }
        assert_eq!(get(&outs, "b_d3"), bline[2], "cycle {cycle}");
    }
}

#[test]
fn packed_fields_and_lanes_round_trip() {
    let tag = Layout::new(&[("last", Bool), ("lane", UInt(3)), ("value", SInt(6))]);
    let mut m = ModuleBuilder::new("tagger");
    let last = m.input("last", Bool);
    let lane = m.input("lane", UInt(3));
    let value = m.input("value", SInt(6));
    let word = tag.pack(&[
        ("value", value.expr()),
        ("last", last.expr()),
        ("lane", lane.expr()),
    ]);
    m.output_from("word", word.clone());
    let back = tag.field(&word, "value");
    assert_eq!(back.ty(), SInt(6));
    m.output_from("value_wide", back.sext(8)); // signedness survives the round trip
    m.output_from("lane_back", tag.field(&word, "lane"));
    let v = m.input("v", UInt(12));
    let parts = lanes(&v.expr(), 3);
    m.output_from("lanes_reversed", Expr::cat(parts.iter().cloned()));
    let mut both = Both::new(&m.finish());
    let mut rng = SplitMix(5);
    for cycle in 0..300 {
        let (l, n, val, v) = (rng.below(2), rng.below(8), rng.below(64), rng.below(4096));
        let outs = both.step(cycle, &[("last", l), ("lane", n), ("value", val), ("v", v)]);
        assert_eq!(get(&outs, "word"), l | (n << 1) | (val << 4));
        let sext8 = if val >= 32 { val | 0xC0 } else { val };
        assert_eq!(get(&outs, "value_wide"), sext8);
        assert_eq!(get(&outs, "lane_back"), n);
        let (a, b, c) = (v & 0xF, (v >> 4) & 0xF, v >> 8);
        assert_eq!(get(&outs, "lanes_reversed"), (a << 8) | (b << 4) | c);
    }
}

#[test]
fn library_misuse_is_reported_at_the_callers_line() {
    let tag = Layout::new(&[("a", UInt(2)), ("b", SInt(3))]);
    let mut m = ModuleBuilder::new("bad_pack");
    let a = m.input("a", UInt(3));
    let line = line!() + 1;
    let w = tag.pack(&[("a", a.expr()), ("b", Expr::sint(1, 3))]);
    m.output_from("w", w);
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(
        err.contains("field `a` is UInt(2) but is given UInt(3)"),
        "{err}"
    );
    assert!(err.contains(&format!("dsl_library.rs:{line}")), "{err}");

    let mut m = ModuleBuilder::new("bad_rule");
    let c = m.input("c", Bool);
    let r = m.reg("r", UInt(4));
    let line = line!() + 1;
    Update::new(r).when(c, Expr::uint(1, 5)).apply(&mut m);
    m.output_from("q", r);
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(err.contains(&format!("dsl_library.rs:{line}")), "{err}");
}

#[test]
fn a_stream_buffer_passes_every_beat_once_in_order() {
    let mut m = ModuleBuilder::new("skid1");
    let s = StreamIn::new(&mut m, "s", UInt(8));
    let o = StreamOut::new(&mut m, "m", UInt(8));
    let full = m.reg("full_r", Bool);
    let word = m.reg("word_r", UInt(8));
    s.drive_ready(&mut m, !full.expr() | o.ready());
    m.next_when(word, s.fire(), s.data());
    m.next(full, s.fire() | (full.expr() & !o.ready()));
    o.drive(&mut m, full, word);
    let mut both = Both::new(&m.finish());
    let mut rng = SplitMix(9);
    // The producer keeps valid and data until its beat is taken.
    let (mut valid, mut data, mut next) = (0u64, 0u64, 0u64);
    let mut received = Vec::new();
    // Outputs seen before the edge (the design's state after the previous edge).
    let mut outs = both.step(0, &[("s_valid", 0), ("s_data", 0), ("m_ready", 0)]);
    for cycle in 1..800 {
        if valid == 0 && rng.coin(2, 3) {
            (valid, data) = (1, next);
            next = (next + 1) % 256;
        }
        let ready = u64::from(rng.coin(1, 2));
        let (m_valid, m_data) = (get(&outs, "m_valid"), get(&outs, "m_data"));
        // `s_ready = !full | m_ready`, and `full` is what `m_valid` shows.
        let took = valid == 1 && (m_valid == 0 || ready == 1);
        if m_valid == 1 && ready == 1 {
            received.push(m_data);
        }
        outs = both.step(
            cycle,
            &[("s_valid", valid), ("s_data", data), ("m_ready", ready)],
        );
        if took {
            valid = 0;
        }
    }
    assert!(received.len() > 100, "beats flowed: {}", received.len());
    for (i, d) in received.iter().enumerate() {
        assert_eq!(
            *d,
            i as u64 % 256,
            "beat {i} in order, none lost or repeated"
        );
    }
}

#[test]
fn when_elif_otherwise_scopes_follow_the_last_assignment_wins_rule() {
    let mut m = ModuleBuilder::new("scoped");
    let a = m.input("a", Bool);
    let b = m.input("b", Bool);
    let c = m.input("c", Bool);
    let x = m.input("x", UInt(4));
    let r = m.reg("r", UInt(4));
    let hold = m.reg("hold", UInt(4));
    let w = m.wire("w", UInt(4));
    let ram = m.mem("ram", 4, UInt(4));
    m.drive(w, 9); // default
    m.when(a, |m| {
        m.next(r, x);
        m.drive(w, 1);
        m.when(b, |m| {
            m.next(r, 0); // nested and later: wins over `r <= x`
            m.mem_write(ram, true, x.bits(1, 0), r);
        });
    })
    .elif(b, |m| {
        m.next(r, r.wrapping_add(1));
        m.next(hold, x);
    })
    .otherwise(|m| {
        m.drive(w, x);
        m.when(c, |m| m.drive(w, 2));
    });
    let rd = m.mem_read(ram, "rd", true, x.bits(1, 0));
    m.output_from("r_q", r);
    m.output_from("hold_q", hold);
    m.output_from("w_q", w);
    m.output_from("rd_q", rd);
    let mut both = Both::new(&m.finish());
    let mut rng = SplitMix(21);
    let (mut r, mut hold, mut ram) = (0u64, 0u64, [0u64; 4]);
    for cycle in 0..600 {
        let (a, b, c, x) = (rng.below(2), rng.below(2), rng.below(2), rng.below(16));
        let outs = both.step(cycle, &[("a", a), ("b", b), ("c", c), ("x", x)]);
        // The model, edge first (reads before writes), then the combinational wire.
        let addr = (x & 3) as usize;
        let rd = ram[addr];
        if a == 1 && b == 1 {
            ram[addr] = r;
        }
        let next_r = match (a, b) {
            (1, 1) => 0,
            (1, 0) => x,
            (0, 1) => (r + 1) % 16,
            _ => r,
        };
        if a == 0 && b == 1 {
            hold = x;
        }
        r = next_r;
        let w = match (a, c) {
            (1, _) => 1,
            (0, 1) if b == 0 => 2,
            (0, _) if b == 0 => x,
            _ => 9,
        };
        assert_eq!(get(&outs, "r_q"), r, "cycle {cycle}");
        assert_eq!(get(&outs, "hold_q"), hold, "cycle {cycle}");
        assert_eq!(get(&outs, "w_q"), w, "cycle {cycle}");
        // The RAM reads back its write one edge later.
        assert_eq!(get(&outs, "rd_q"), rd, "cycle {cycle}");
    }
}

#[test]
fn scope_misuse_is_reported_at_the_callers_line() {
    let mut m = ModuleBuilder::new("bad_cond");
    let wide = m.input("wide", UInt(3));
    let r = m.reg("r", UInt(2));
    let line = line!() + 1;
    m.when(wide, |m| m.next(r, 1));
    m.output_from("q", r);
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(
        err.contains("a `when` condition must be one bit, got UInt(3)"),
        "{err}"
    );
    assert!(err.contains(&format!("dsl_library.rs:{line}")), "{err}");

    let mut m = ModuleBuilder::new("late_default");
    let c = m.input("c", Bool);
    let w = m.wire("w", UInt(2));
    m.when(c, |m| m.drive(w, 1));
    let line = line!() + 1;
    m.drive(w, 2);
    m.output_from("q", w);
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(err.contains("unconditionally after a conditional"), "{err}");
    assert!(err.contains(&format!("dsl_library.rs:{line}")), "{err}");

    let mut m = ModuleBuilder::new("twice");
    let c = m.input("c", Bool);
    let w = m.wire("w", UInt(2));
    m.drive(w, 0);
    m.drive(w, 3);
    m.when(c, |m| m.drive(w, 1));
    m.output_from("q", w);
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(err.contains("multiple drivers for `w`"), "{err}");

    let mut m = ModuleBuilder::new("reg_drive");
    let c = m.input("c", Bool);
    let r = m.reg("r", UInt(2));
    m.when(c, |m| m.drive(r, 1));
    m.output_from("q", r);
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(err.contains("`r` is a register: use `next`"), "{err}");
}

/// `saturate(w)` clamps to the range of `w` bits (signed and unsigned), identically in the
/// evaluator and in Verilator, for every value of a 6-bit input; a wider or zero width is an
/// error at the caller's line.
#[test]
fn saturation_to_a_narrower_width_clamps_every_value() {
    let mut m = ModuleBuilder::new("sat_narrow");
    let a = m.input("a", UInt(6));
    let q_u = m.reg("q_u", UInt(4));
    let q_s = m.reg("q_s", SInt(4));
    m.next(q_u, a.saturate(4));
    m.next(q_s, a.as_sint().saturate(4));
    m.output_from("u", q_u);
    m.output_from("s", q_s);
    m.output_from("same", a.saturate(6));
    let mut both = Both::new(&m.finish());
    for v in 0..64u64 {
        let outs = both.step(v, &[("a", v)]);
        let signed = if v >= 32 { v as i64 - 64 } else { v as i64 };
        assert_eq!(get(&outs, "u"), v.min(15), "unsigned {v}");
        assert_eq!(
            get(&outs, "s"),
            (signed.clamp(-8, 7) as u64) & 0xf,
            "signed {signed}"
        );
        assert_eq!(get(&outs, "same"), v);
    }

    let mut bad = ModuleBuilder::new("sat_wider");
    let a = bad.input("a", UInt(4));
    let line = line!() + 1;
    bad.output_from("q", a.saturate(5));
    let err = elaborate(&bad.finish()).unwrap_err().to_string();
    assert!(err.contains("saturate(5)"), "{err}");
    assert!(err.contains(&format!("dsl_library.rs:{line}")), "{err}");
}
