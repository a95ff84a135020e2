//! Combinational children emitted as Verilog functions (`ModuleBuilder::function_instance`),
//! on real tools.
//!
//! Each random design instantiates one random combinational child twice, as a module and as
//! functions, and reads both the same ways: in a register with a load enable, in a register
//! whose next value selects the output (emitted `if`/`else`), in an output, and as the input
//! of a second instance of each kind (a call as a call's argument). Assertions demand that the two agree. Every design must be `-Wall` clean under Verilator, compile under
//! Icarus, be proved by Yosys's temporal induction (the assertions hold), and agree with the
//! reference evaluator on every output in every cycle of a random run.

mod common;

use common::{assert_clean_and_proved, evaluator_and_model, step_both, SplitMix};
use spikeforge_dsl::prelude::*;

/// A random combinational child: inputs `p` (signed), `q`, `k` (a selector) and `go`; a named
/// wire, a `case` over `k` with random constants, a signed shift and compare. `big` reads
/// everything, `hit` only `p` and `go`.
fn child(rng: &mut SplitMix) -> Module {
    let w = 4 + rng.below(5) as u32;
    let mut m = ModuleBuilder::new(format!("step_w{w}"));
    let p = m.input("p", SInt(w));
    let q = m.input("q", UInt(w));
    let k = m.input("k", UInt(3));
    let go = m.input("go", Bool);
    let pw = m.wire_from("p_wide", p.sext(w + 2));
    let qw = q.zext(w + 2).as_sint();
    let mut arms: Vec<(u64, Expr)> = Vec::new();
    for _ in 0..3 + rng.below(4) {
        let v = match rng.below(4) {
            0 => (pw + &qw).trunc(w + 2),
            1 => (pw - &qw).trunc(w + 2),
            2 => (pw.as_uint() ^ q.zext(w + 2)).as_sint(),
            _ => Expr::sint(rng.below(1 << w) as i64 - (1 << (w - 1)), w + 2),
        };
        arms.push((rng.below(8), v));
    }
    let mut y = pw >> (1 + rng.below(2) as u32);
    for (c, v) in arms.into_iter().rev() {
        y = k.is_eq(c).select(v, y);
    }
    m.output_from("big", go.select(y.as_uint(), !q.zext(w + 2)));
    m.output_from("hit", p.is_lt(Expr::sint(rng.below(4) as i64 - 2, w)) ^ go);
    m.finish()
}

fn design(seed: u64) -> Module {
    let mut rng = SplitMix(seed);
    let c = child(&mut rng);
    let w = c.ports()[0].1.width();
    let mut m = ModuleBuilder::new(format!("fn_{seed}"));
    let p = m.input("p", SInt(w));
    let q = m.input("q", UInt(w));
    let k = m.input("k", UInt(3));
    let en = m.input("en", Bool);
    let f = m.function_instance("u_fn", &c);
    let i = m.instance("u_mod", &c);
    for u in [&f, &i] {
        m.connect(u, "p", p);
        m.connect(u, "q", q);
        m.connect(u, "k", k);
        m.connect(u, "go", !en.expr());
    }
    let loaded = |m: &mut ModuleBuilder, name: &str, v: Expr| {
        let r = m.reg(name, UInt(w + 2));
        m.next_when(r, en, v);
        r
    };
    let (a, b) = (
        loaded(&mut m, "held_fn", f.out("big")),
        loaded(&mut m, "held_mod", i.out("big")),
    );
    let picked = |m: &mut ModuleBuilder, name: &str, v: Expr| {
        let r = m.reg(name, Bool);
        m.next(r, en.select(v, Expr::uint(1, 1)));
        r
    };
    let (c1, c2) = (
        picked(&mut m, "hit_fn", f.out("hit")),
        picked(&mut m, "hit_mod", i.out("hit")),
    );
    // A second pair reads the first pair's outputs: a call whose argument is a call.
    let f2 = m.function_instance("u_fn2", &c);
    let i2 = m.instance("u_mod2", &c);
    for (u, first) in [(&f2, &f), (&i2, &i)] {
        m.connect(u, "p", first.out("big").trunc(w).as_sint());
        m.connect(u, "q", q);
        m.connect(u, "k", k);
        m.connect(u, "go", en);
    }
    let chain_fn = m.output_from("chain_fn", f2.out("hit"));
    let chain_mod = m.output_from("chain_mod", i2.out("hit"));
    m.assert_always(chain_fn.is_eq(chain_mod), "the chained calls agree");
    let o_fn = m.output_from("now_fn", f.out("big"));
    let o_mod = m.output_from("now_mod", i.out("big"));
    for (name, r) in [("held_fn_q", a), ("held_mod_q", b)] {
        m.output_from(name, r);
    }
    for (name, r) in [("hit_fn_q", c1), ("hit_mod_q", c2)] {
        m.output_from(name, r);
    }
    m.assert_always(a.is_eq(b), "the enabled loads agree");
    m.assert_always(c1.is_eq(c2), "the selected loads agree");
    m.assert_always(o_fn.is_eq(o_mod), "the outputs agree");
    m.finish()
}

#[test]
fn random_function_instances_lint_simulate_and_prove_equal_to_module_instances() {
    for seed in 1..=4u64 {
        let module = design(seed);
        let ir = elaborate(&module).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let v = emit_verilog(&ir);
        let text = v.file(&format!("{}.v", v.top)).unwrap();
        assert!(
            text.contains("_big;\n") && text.contains("_hit;\n"),
            "{text}"
        );
        let chained = text
            .lines()
            .find(|l| l.starts_with("    assign chain_fn = "))
            .unwrap_or_else(|| panic!("{text}"));
        // Its argument selects bits of a call, which Verilog cannot write: a temporary holds
        // the call (`assign held_fn_t0 = step_w…_big(…);`) and the argument selects from it.
        let arg = chained
            .split_once("_hit(")
            .and_then(|(_, args)| args.split_once('['))
            .map(|(temp, _)| temp)
            .unwrap_or_else(|| panic!("{chained}"));
        assert!(
            text.contains(&format!("    assign {arg} = step_w")) && text.contains("_big("),
            "{arg}:\n{text}"
        );
        let what = format!("seed {seed}");
        let _files = assert_clean_and_proved(&v, &what);
        let (mut ev, mut sim) = evaluator_and_model(&ir, &v, &what);
        let w = ir.top().signal(ir.top().port("p").unwrap()).ty.width();
        let mut rng = SplitMix(seed ^ 0xf00d);
        for cycle in 0..300 {
            let inputs = [
                ("p", rng.below(1 << w)),
                ("q", rng.below(1 << w)),
                ("k", rng.below(8)),
                ("en", u64::from(rng.coin(1, 2))),
            ];
            let outputs = [
                "now_fn",
                "now_mod",
                "held_fn_q",
                "held_mod_q",
                "hit_fn_q",
                "hit_mod_q",
                "chain_fn",
                "chain_mod",
            ];
            let at = format!("seed {seed}, cycle {cycle}");
            step_both(&mut ev, &mut sim, &inputs, &outputs, &at);
        }
        sim.check().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(ev.property_failures(), &[], "seed {seed}");
    }
}
