//! Mux chains over one selector are emitted as a `case` (issue 11, item 5): the text shape,
//! first-match priority with repeated and unreachable constants, and where chains stay
//! ternaries. Simulation against the evaluator and the tools is in `tests/dsl_case.rs`.

use spikeforge_dsl::prelude::*;

fn top_text(m: &Module) -> String {
    let v = emit_verilog(&elaborate(m).unwrap_or_else(|e| panic!("{e}")));
    v.file(&format!("{}.v", v.top)).unwrap().to_string()
}

/// `sel == k0 ? v0 : sel == k1 ? v1 : … : default`, built the way a generator writes it.
fn chain(sel: Signal, arms: &[(u64, Expr)], default: Expr) -> Expr {
    let mut e = default;
    for (k, v) in arms.iter().rev() {
        e = sel.is_eq(*k).select(v.clone(), e);
    }
    e
}

#[test]
fn a_decode_becomes_a_case_on_a_wire_an_output_and_a_register() {
    let mut m = ModuleBuilder::new("decode");
    let sel = m.input("addr", UInt(3));
    let a = m.input("a", UInt(8));
    let b = m.input("b", UInt(8));
    let arms: Vec<(u64, Expr)> = vec![
        (0, a.expr()),
        (1, b.expr()),
        (2, (a ^ b).expr()),
        (5, Expr::uint(7, 8)),
    ];
    m.output_from("rdata", chain(sel, &arms, Expr::uint(0, 8)));
    let r = m.reg("state_r", UInt(8));
    m.next(r, chain(sel, &arms, r.expr()));
    m.output_from("state", r);
    let text = top_text(&m.finish());
    assert!(text.contains("output reg  [7:0] rdata"), "{text}");
    assert!(
        text.contains(
            "    always @* begin\n        case (addr)\n            3'd0: rdata = a;\n            \
             3'd1: rdata = b;\n            3'd2: rdata = rdata_t0;\n            \
             3'd5: rdata = 8'd7;\n            default: rdata = 8'd0;\n        endcase\n    end\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("        else begin\n            case (addr)\n")
            && text.contains("                default: state_r <= state_r;\n"),
        "{text}"
    );
    assert!(!text.contains('?'), "{text}");
}

#[test]
fn the_first_matching_arm_wins_and_arms_that_cannot_match_are_dropped() {
    let mut m = ModuleBuilder::new("prio");
    let sel = m.input("sel", UInt(2));
    let a = m.input("a", UInt(4));
    let arms: Vec<(Expr, Expr)> = vec![
        (Expr::uint(2, 2), Expr::uint(1, 4)),
        (Expr::uint(7, 3), Expr::uint(2, 4)), // wider than `sel`: never equal
        (Expr::uint(2, 2), Expr::uint(3, 4)), // repeated: the first `2` wins
        (Expr::uint(0, 2), a.expr()),
        (Expr::uint(1, 3), Expr::uint(5, 4)), // wider, but 1 fits the selector
    ];
    let mut e = Expr::uint(9, 4);
    for (k, v) in arms.iter().rev() {
        e = sel.is_eq(k.clone()).select(v.clone(), e);
    }
    m.output_from("y", e);
    let text = top_text(&m.finish());
    assert!(
        text.contains(
            "        case (sel)\n            2'd2: y = 4'd1;\n            2'd0: y = a;\n            \
             2'd1: y = 4'd5;\n            default: y = 4'd9;\n        endcase\n"
        ),
        "{text}"
    );
}

#[test]
fn short_chains_and_mixed_selectors_stay_ternaries() {
    let mut m = ModuleBuilder::new("short");
    let s = m.input("s", UInt(3));
    let t = m.input("t", UInt(3));
    let a = m.input("a", UInt(4));
    let two = s
        .is_eq(1u64)
        .select(a, s.is_eq(2u64).select(!a, Expr::uint(0, 4)));
    m.output_from("two", two);
    // Three arms, but over two selectors: one chain of two and one of one.
    let mixed = s.is_eq(1u64).select(
        a,
        t.is_eq(2u64)
            .select(!a, s.is_eq(3u64).select(a, Expr::uint(0, 4))),
    );
    m.output_from("mixed", mixed);
    let text = top_text(&m.finish());
    assert!(!text.contains("case ("), "{text}");
    assert!(text.contains("assign two = ((s == 3'd1) ?"), "{text}");
}

#[test]
fn a_chain_read_twice_is_one_reg_temporary() {
    let mut m = ModuleBuilder::new("twice");
    let s = m.input("s", UInt(2));
    let a = m.input("a", UInt(4));
    let mut e = Expr::uint(0, 4);
    for k in 0..3u64 {
        e = s.is_eq(k).select(Expr::uint(k + 1, 4), e);
    }
    m.output_from("y", e.clone());
    m.output_from("z", e ^ a);
    let text = top_text(&m.finish());
    assert!(text.contains("    reg  [3:0] y_t0;\n"), "{text}");
    assert!(text.contains("assign y = y_t0;"), "{text}");
    assert!(text.contains("assign z = (y_t0 ^ a);"), "{text}");
    assert_eq!(text.matches("case (s)").count(), 1, "{text}");
}
