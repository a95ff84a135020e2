//! Mux chains over one selector emitted as a `case` (issue 11, item 5), on real tools.
//!
//! Each random design holds the same chains twice: once as generators write them
//! (`sel.is_eq(k).select(v, rest)`, which the back-end turns into `case (sel)`) and once in a
//! form the back-end leaves as nested ternaries (`sel.is_ne(k).select(rest, v)`), with
//! assertions that the two agree. The chains have 3–9 arms, repeated constants (the first must
//! win), constants wider than the selector that it can never equal, signed and unsigned
//! selectors, a chain nested in an arm, and chains in the three places the back-end treats
//! differently: the whole driver of an output, a temporary inside a larger expression, and the
//! next value of a register with a load enable. Every design must be `-Wall` clean under
//! Verilator, compile under Icarus, agree with the reference evaluator on every output in every
//! cycle (no assertion failing in either simulator), and be proved equivalent to its ternary
//! twin by Yosys's temporal induction.

mod common;

use common::{assert_clean_and_proved, evaluator_and_model, step_both, SplitMix};
use spikeforge_dsl::prelude::*;

/// One arm: the constant compared with the selector and the arm's value.
type Arm = (Expr, Expr);

/// The chain as a generator writes it: the back-end emits a `case`.
fn as_case(sel: &Expr, arms: &[Arm], default: Expr) -> Expr {
    let mut e = default;
    for (k, v) in arms.iter().rev() {
        e = sel.is_eq(k.clone()).select(v.clone(), e);
    }
    e
}

/// The same function with the comparisons inverted: left as ternaries.
fn as_ternary(sel: &Expr, arms: &[Arm], default: Expr) -> Expr {
    let mut e = default;
    for (k, v) in arms.iter().rev() {
        e = sel.is_ne(k.clone()).select(e, v.clone());
    }
    e
}

/// `3 + n` random arms over a selector of type `ty`; values drawn by `value`.
fn arms(
    rng: &mut SplitMix,
    ty: Type,
    n: u64,
    value: &mut dyn FnMut(&mut SplitMix) -> Expr,
) -> Vec<Arm> {
    let (lo, hi) = if ty.is_signed() {
        (-(1i64 << (ty.width() - 1)), (1i64 << (ty.width() - 1)) - 1)
    } else {
        (0, (1i64 << ty.width()) - 1)
    };
    // Three distinct constants first, so at least three arms can match; repeats come after.
    let first = rng.below(3) as i64;
    let mut arms: Vec<Arm> = (0..3)
        .map(|i| (Expr::constant(lo + (first + i) % 3, ty), value(rng)))
        .collect();
    arms.extend((0..n).map(|_| {
        // Mostly small constants (so they repeat), sometimes one wider than the selector,
        // which it may never equal.
        let k = if rng.chance(5) {
            let wide = ty.with_width(ty.width() + 1);
            Expr::constant(rng.range(2 * lo, 2 * hi + 1), wide)
        } else {
            Expr::constant(rng.range(lo, lo + 4.min(hi - lo)), ty)
        };
        (k, value(rng))
    }));
    arms
}

/// A random design holding each chain as a `case` and as a ternary, asserting they agree.
fn design(seed: u64) -> Module {
    let mut rng = SplitMix(seed);
    let mut m = ModuleBuilder::new(format!("chains_{seed}"));
    let width = 2 + rng.below(4) as u32;
    let sel_ty = if rng.coin(1, 2) {
        SInt(width)
    } else {
        UInt(width)
    };
    let sel = m.input("sel", sel_ty).expr();
    let sel2 = m.input("sel2", UInt(3)).expr();
    let en = m.input("en", Bool);
    let xs: Vec<Expr> = (0..4)
        .map(|i| m.input(format!("x{i}"), UInt(8)).expr())
        .collect();
    let pick = |rng: &mut SplitMix| -> Expr {
        match rng.below(4) {
            0 => Expr::uint(rng.below(256), 8),
            1 => xs[rng.below(4) as usize].clone() ^ xs[rng.below(4) as usize].clone(),
            _ => xs[rng.below(4) as usize].clone(),
        }
    };
    // A chain over `sel2` nested in one arm of the first chain.
    let inner: Vec<Arm> = [3u64, 0, 5, 3, 7]
        .into_iter()
        .map(|k| (Expr::uint(k, 3), pick(&mut rng)))
        .collect();
    let inner_case = as_case(&sel2, &inner, xs[3].clone());
    let inner_tern = as_ternary(&sel2, &inner, xs[3].clone());
    let mut chains: Vec<(Vec<Arm>, Vec<Arm>)> = Vec::new();
    for c in 0..3 {
        let n = rng.below(7);
        let mut value = pick;
        let a = arms(&mut rng, sel_ty, n, &mut value);
        let mut b = a.clone();
        if c == 0 {
            let at = rng.below(3) as usize; // an arm that can match
            let mut a2 = a.clone();
            a2[at].1 = inner_case.clone();
            b[at].1 = inner_tern.clone();
            chains.push((a2, b));
        } else {
            chains.push((a, b));
        }
    }
    // 1. The whole driver of an output.
    let d = xs[0].clone();
    let o1 = m.output_from("direct", as_case(&sel, &chains[0].0, d.clone()));
    let t1 = m.output_from("direct_tern", as_ternary(&sel, &chains[0].1, d));
    // 2. Inside a larger expression (a temporary).
    let d = Expr::uint(0, 8);
    let o2 = m.output_from(
        "in_expr",
        (as_case(&sel, &chains[1].0, d.clone()) + xs[1].clone()).trunc(8),
    );
    let t2 = m.output_from(
        "in_expr_tern",
        (as_ternary(&sel, &chains[1].1, d) + xs[1].clone()).trunc(8),
    );
    // 3. A register's next value, holding when no arm matches, loaded while `en` holds.
    let r = m.reg("held", UInt(8));
    let rt = m.reg("held_tern", UInt(8));
    m.next_when(r, en, as_case(&sel, &chains[2].0, r.expr()));
    m.next_when(rt, en, as_ternary(&sel, &chains[2].1, rt.expr()));
    m.output_from("held_q", r);
    m.output_from("held_tern_q", rt);
    m.assert_always(o1.is_eq(t1), "the output case agrees with the ternary");
    m.assert_always(o2.is_eq(t2), "the temporary case agrees with the ternary");
    m.assert_always(r.is_eq(rt), "the register case agrees with the ternary");
    m.finish()
}

#[test]
fn random_chains_become_cases_that_simulate_and_prove_equal_to_ternaries() {
    for seed in 1..=6u64 {
        let module = design(seed);
        let ir = elaborate(&module).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let v = emit_verilog(&ir);
        let text = v.file(&format!("{}.v", v.top)).unwrap();
        assert_eq!(
            text.matches("case (sel)").count(),
            3,
            "seed {seed}:\n{text}"
        );
        assert!(
            text.contains("output reg  [7:0] direct"),
            "seed {seed}:\n{text}"
        );
        assert!(
            text.contains("case (sel2)"),
            "a nested chain, seed {seed}:\n{text}"
        );
        let what = format!("seed {seed}");
        let _files = assert_clean_and_proved(&v, &what);
        // Simulation: the evaluator and Verilator (checking the assertions) in lockstep.
        let (mut ev, mut sim) = evaluator_and_model(&ir, &v, &what);
        let mut rng = SplitMix(seed ^ 0x5eed);
        let width = ir.top().signal(ir.top().port("sel").unwrap()).ty.width();
        for cycle in 0..300 {
            let inputs = [
                ("sel", rng.below(1 << width)),
                ("sel2", rng.below(8)),
                ("en", u64::from(rng.coin(3, 4))),
                ("x0", rng.below(256)),
                ("x1", rng.below(256)),
                ("x2", rng.below(256)),
                ("x3", rng.below(256)),
            ];
            let outputs = [
                "direct",
                "direct_tern",
                "in_expr",
                "in_expr_tern",
                "held_q",
                "held_tern_q",
            ];
            let at = format!("seed {seed}, cycle {cycle}");
            step_both(&mut ev, &mut sim, &inputs, &outputs, &at);
        }
        sim.check().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(ev.property_failures(), &[], "seed {seed}");
    }
}
