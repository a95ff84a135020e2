//! `ModuleBuilder::function_instance`: a combinational child emitted as Verilog functions
//! called where its outputs are read (the text's shape, names, the file it does not get, and
//! the error for a child with state). The same designs on real tools, against the evaluator:
//! `tests/dsl_function.rs`.

use spikeforge_dsl::prelude::*;

/// A combinational child: a `case` over `op`, a named wire, signed arithmetic; `flag` reads
/// only `a` and `en`. Its inputs `a`, `b` and `en` share names with the parent's.
fn child() -> Module {
    let mut m = ModuleBuilder::new("mac_step");
    let a = m.input("a", SInt(6));
    let b = m.input("b", UInt(4));
    let op = m.input("op", UInt(2));
    let en = m.input("en", Bool);
    let wide = m.wire_from("a_wide", a.sext(8));
    let bz = b.zext(8).as_sint();
    let sum = (wide + &bz).trunc(8);
    let diff = (wide - &bz).trunc(8);
    let mixed = (wide.as_uint() ^ b.zext(8)).as_sint();
    let y = op.is_eq(0u64).select(
        sum,
        op.is_eq(1u64)
            .select(diff, op.is_eq(2u64).select(mixed, wide >> 1)),
    );
    m.output_from("y", y.as_uint());
    m.output_from("flag", a.is_lt(Expr::sint(0, 6)) & en);
    m.finish()
}

/// A parent that reads `y` in an enabled register and `flag` in a register's select.
fn parent(child: &Module) -> Module {
    let mut m = ModuleBuilder::new("fn_top");
    let en = m.input("en", Bool);
    let a = m.input("a", SInt(6));
    let b = m.input("b", UInt(4));
    let op = m.input("op", UInt(2));
    let u = m.function_instance("u_step", child);
    m.connect(&u, "a", a);
    m.connect(&u, "b", b);
    m.connect(&u, "op", op);
    m.connect(&u, "en", !en.expr());
    let acc = m.reg("acc", UInt(8));
    m.next_when(acc, en, u.out("y"));
    let flag = m.reg("flag_r", Bool);
    m.next(flag, en.select(u.out("flag"), Expr::uint(0, 1)));
    m.output_from("acc_q", acc);
    m.output_from("flag_q", flag);
    m.finish()
}

fn emitted(m: &Module) -> VerilogOutput {
    emit_verilog(&elaborate(m).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn outputs_become_functions_called_in_the_register_updates() {
    let v = emitted(&parent(&child()));
    let text = v.file("fn_top.v").unwrap();
    // One function per output, the child's names kept, the parent's names not hidden.
    assert!(text.contains("    function [7:0] mac_step_y;\n"), "{text}");
    assert!(text.contains("    function mac_step_flag;\n"), "{text}");
    assert!(
        text.contains("        input [5:0] a_fn; // SInt(6)\n"),
        "{text}"
    );
    assert!(
        text.contains("        reg   [7:0] a_wide; // SInt(8)\n"),
        "{text}"
    );
    assert!(text.contains("            case (op_fn)\n"), "{text}");
    // `flag` does not read `b` or `op`: their inputs are named unused.
    let flag_fn = &text[text.find("function mac_step_flag").unwrap()..];
    let flag_fn = &flag_fn[..flag_fn.find("endfunction").unwrap()];
    assert!(flag_fn.contains("input [3:0] b_fn_unused;"), "{flag_fn}");
    assert!(flag_fn.contains("input [1:0] op_fn_unused;"), "{flag_fn}");
    assert!(!flag_fn.contains("case"), "{flag_fn}");
    // The calls sit in the registers' loads: the enable, and an if/else for the select.
    assert!(
        text.contains("        else if (en) acc <= mac_step_y(a, b, op, (~en));\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "        else begin\n            if (en) flag_r <= mac_step_flag(a, b, op, (~en));\n            else flag_r <= 1'b0;\n        end\n"
        ),
        "{text}"
    );
    // No instance, no wire for its outputs, and no file for the child.
    assert!(
        !text.contains("mac_step u_step") && !text.contains("u_step_y"),
        "{text}"
    );
    assert_eq!(
        v.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["fn_top.v"]
    );
    assert!(!v.filelist.contains("mac_step"), "{}", v.filelist);
}

#[test]
fn a_child_instantiated_both_ways_keeps_its_file_and_the_text_is_deterministic() {
    let c = child();
    let mut m = ModuleBuilder::new("both");
    let a = m.input("a", SInt(6));
    let b = m.input("b", UInt(4));
    let op = m.input("op", UInt(2));
    let en = m.input("en", Bool);
    let f = m.function_instance("u_fn", &c);
    let i = m.instance("u_mod", &c);
    let g = m.function_instance("u_fn2", &c);
    for u in [&f, &i, &g] {
        m.connect(u, "a", a);
        m.connect(u, "b", b);
        m.connect(u, "op", op);
        m.connect(u, "en", en);
    }
    m.output_from("y_fn", f.out("y"));
    m.output_from("y_mod", i.out("y"));
    m.output_from("y_fn2", (g.out("y") ^ f.out("y")).trunc(8));
    let _ = (f.out("flag"), i.out("flag"), g.out("flag"));
    let top = m.finish();
    let v = emitted(&top);
    let text = v.file("both.v").unwrap();
    assert!(v.file("mac_step.v").is_some());
    assert!(text.contains("    mac_step u_mod (\n"), "{text}");
    // Two function instances of one child share its function; `flag` is read by none.
    assert_eq!(
        text.matches("function [7:0] mac_step_y;").count(),
        1,
        "{text}"
    );
    assert!(!text.contains("function mac_step_flag"), "{text}");
    assert!(
        text.contains("    assign y_fn = mac_step_y(a, b, op, en);\n"),
        "{text}"
    );
    assert_eq!(emitted(&top), v, "the same design gives the same text");
}

#[test]
fn a_child_with_state_is_an_error_naming_the_instance() {
    let mut c = ModuleBuilder::new("counter_step");
    let x = c.input("x", UInt(4));
    let r = c.reg("total", UInt(4));
    c.next(r, x);
    c.output_from("y", r);
    let c = c.finish();
    let mut m = ModuleBuilder::new("holder");
    let x = m.input("x", UInt(4));
    let u = m.function_instance("u_count", &c);
    m.connect(&u, "x", x);
    m.output_from("y", u.out("y"));
    let err = elaborate(&m.finish()).unwrap_err().to_string();
    assert!(
        err.contains("instance `u_count` in module `holder`")
            && err.contains("`counter_step` has registers"),
        "{err}"
    );
    assert!(err.contains("function_instance.rs:"), "{err}");
}
