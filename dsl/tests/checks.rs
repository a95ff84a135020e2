//! Each elaboration check, triggered on purpose; the messages name the module, the signal and
//! the Rust source location of the offending builder call.

use spikeforge_dsl::prelude::*;
use spikeforge_dsl::ElabErrors;

fn errors(m: ModuleBuilder) -> ElabErrors {
    match elaborate(&m.finish()) {
        Ok(_) => panic!("expected elaboration to fail"),
        Err(e) => e,
    }
}

/// `file:line` of the line just before the macro call.
macro_rules! here_line {
    () => {
        format!("{}:{}", file!(), line!() - 1)
    };
}

#[test]
fn width_mismatch_names_module_signal_and_caller_location() {
    let mut m = ModuleBuilder::new("wm");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive(y, a + a);
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("width mismatch in module `wm`"), "{e}");
    assert!(e.contains("`y` is UInt(8) but is given UInt(9)"), "{e}");
    assert!(e.contains(&line), "expected location {line} in: {e}");
}

#[test]
fn operator_type_errors_are_width_mismatches_with_location() {
    let mut m = ModuleBuilder::new("opm");
    let a = m.input("a", UInt(8));
    let b = m.input("b", UInt(4));
    let y = m.output("y", UInt(8));
    m.drive(y, a & b);
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("module `opm`"), "{e}");
    assert!(
        e.contains("`&` needs operands of the same type, got UInt(8) and UInt(4)"),
        "{e}"
    );
    assert!(e.contains("(a & b)"), "the expression is quoted: {e}");
    assert!(e.contains(&line), "expected location {line} in: {e}");
}

#[test]
fn signedness_mix_is_rejected() {
    let mut m = ModuleBuilder::new("sm");
    let a = m.input("a", UInt(8));
    let b = m.input("b", SInt(8));
    m.output_from("y", a + b);
    let e = errors(m).to_string();
    assert!(e.contains("same signedness"), "{e}");
}

#[test]
fn undriven_output_wire_and_register() {
    let mut m = ModuleBuilder::new("ud");
    let _y = m.output("y", UInt(4));
    let _w = m.wire("w", UInt(4));
    let _r = m.reg("r", UInt(4));
    let e = errors(m);
    assert!(e.mentions("undriven output `y` in module `ud`"), "{e}");
    assert!(e.mentions("undriven wire `w` in module `ud`"), "{e}");
    assert!(e.mentions("undriven register `r` in module `ud`"), "{e}");
    assert!(e.mentions("checks.rs"), "declaration locations: {e}");
}

#[test]
fn multiple_drivers_name_both_locations() {
    let mut m = ModuleBuilder::new("md");
    let a = m.input("a", UInt(4));
    let y = m.output("y", UInt(4));
    m.drive(y, a);
    let first = here_line!();
    m.drive(y, !a);
    let second = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("multiple drivers for `y` in module `md`"), "{e}");
    assert!(
        e.contains(&first) && e.contains(&second),
        "both {first} and {second}: {e}"
    );
}

#[test]
fn combinational_loop_lists_the_signals() {
    let mut m = ModuleBuilder::new("loop");
    let a = m.input("a", UInt(4));
    let p = m.wire("p", UInt(4));
    let q = m.wire("q", UInt(4));
    m.drive(p, q ^ a);
    m.drive(q, !p);
    m.output_from("y", p);
    let e = errors(m).to_string();
    assert!(e.contains("combinational loop in module `loop`"), "{e}");
    assert!(
        e.contains("p -> q -> p") || e.contains("q -> p -> q"),
        "the loop's signals: {e}"
    );
}

#[test]
fn combinational_loop_through_an_instance() {
    let mut c = ModuleBuilder::new("passthru");
    let i = c.input("i", UInt(4));
    c.output_from("o", !i);
    let child = c.finish();
    let mut m = ModuleBuilder::new("outer");
    let u = m.instance("u", &child);
    m.connect(&u, "i", u.out("o"));
    m.output_from("y", u.out("o"));
    let e = errors(m).to_string();
    assert!(
        e.contains("combinational loop in module `outer`: u_o -> u_o"),
        "{e}"
    );
}

#[test]
fn a_register_breaks_a_loop() {
    let mut m = ModuleBuilder::new("noloop");
    let r = m.reg("r", UInt(4));
    let w = m.wire_from("w", r.wrapping_add(1));
    m.next(r, w);
    m.output_from("y", w);
    elaborate(&m.finish()).expect("a register cuts the path");
}

#[test]
fn driving_an_input_is_an_error() {
    let mut m = ModuleBuilder::new("di");
    let a = m.input("a", UInt(4));
    m.drive(a, Expr::uint(3, 4));
    let line = here_line!();
    m.output_from("y", a);
    let e = errors(m).to_string();
    assert!(
        e.contains("input `a` of module `di` is driven inside the module"),
        "{e}"
    );
    assert!(e.contains(&line), "{e}");
}

#[test]
fn unconnected_and_unknown_instance_ports() {
    let mut c = ModuleBuilder::new("adder");
    let x = c.input("x", UInt(4));
    let y = c.input("y", UInt(4));
    c.output_from("s", x + y);
    let child = c.finish();
    let mut m = ModuleBuilder::new("parent");
    let a = m.input("a", UInt(4));
    let u = m.instance("u_add", &child);
    m.connect(&u, "x", a);
    m.connect(&u, "z", a);
    m.output_from("out", u.out("s"));
    let e = errors(m);
    assert!(
        e.mentions("unconnected input `y` of instance `u_add` (module `adder`) in module `parent`"),
        "{e}"
    );
    assert!(e.mentions("has no input port `z`"), "{e}");
}

#[test]
fn typed_instance_ports_connect_by_the_childs_signals() {
    // The child's builder hands out its ports as signals; a parent connects and reads through
    // them, and the Verilog is the same as with the ports' names.
    let build_child = || {
        let mut c = ModuleBuilder::new("adder");
        let x = c.input("x", UInt(4));
        let y = c.input("y", UInt(4));
        let sum = c.wire_from("sum", x + y);
        let s = c.output_from("s", sum);
        (c.finish(), x, y, sum, s)
    };
    let parent = |typed: bool| {
        let (child, x, y, _, s) = build_child();
        let mut m = ModuleBuilder::new("parent");
        let a = m.input("a", UInt(4));
        let u = m.instance("u_add", &child);
        if typed {
            m.connect(&u, x, a);
            m.connect(&u, y, a);
            m.output_from("out", u.out(s));
        } else {
            m.connect(&u, "x", a);
            m.connect(&u, "y", a);
            m.output_from("out", u.out("s"));
        }
        let v = emit_verilog(&elaborate(&m.finish()).unwrap());
        v.file("parent.v").unwrap().to_string()
    };
    assert_eq!(parent(true), parent(false));

    // An internal signal of the child, or a port of another module, is an error at the line
    // that uses it, naming the instance and the signal.
    let (child, x, _, sum, _) = build_child();
    let (other, other_x, ..) = build_child();
    let _ = other;
    let mut m = ModuleBuilder::new("parent");
    let a = m.input("a", UInt(4));
    let u = m.instance("u_add", &child);
    m.connect(&u, x, a);
    m.connect(&u, sum, a);
    let internal = here_line!();
    m.connect(&u, other_x, a);
    let foreign = here_line!();
    m.output_from("out", u.out(sum));
    let e = errors(m).to_string();
    assert!(
        e.contains("instance `u_add`: signal `sum` of `adder` is not one of its ports"),
        "{e}"
    );
    assert!(e.contains(&internal) && e.contains(&foreign), "{e}");
    assert!(
        e.contains("instance `u_add`: the signal given as a port belongs to another module"),
        "{e}"
    );
}

#[test]
fn bit_indices_from_loops_need_no_casts_and_negative_ones_are_errors() {
    // `usize` loop indices and lengths go straight into bit selections and widths.
    let mut m = ModuleBuilder::new("rev");
    let a = m.input("a", UInt(4));
    let lanes: Vec<Expr> = (0..4usize).map(|i| a.bit(i)).collect();
    let n = lanes.len();
    let y = m.output_from("y", Expr::cat(lanes).bits(n - 1, 0usize).zext(n + 2));
    assert_eq!(y.width(), 6);
    elaborate(&m.finish()).unwrap();

    let mut m = ModuleBuilder::new("neg");
    let a = m.input("a", UInt(4));
    let i: i32 = -1;
    m.output_from("y", a.bit(i));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("bit: -1 is not a bit index or width"), "{e}");
    assert!(e.contains(&line), "{e}");
}

#[test]
fn connection_width_mismatch_names_the_port() {
    let mut c = ModuleBuilder::new("narrow");
    let x = c.input("x", UInt(4));
    c.output_from("o", x);
    let child = c.finish();
    let mut m = ModuleBuilder::new("wide_parent");
    let a = m.input("a", UInt(6));
    let u = m.instance("u0", &child);
    m.connect(&u, "x", a);
    m.output_from("o", u.out("o"));
    let e = errors(m).to_string();
    assert!(
        e.contains("input `x` of instance `u0` is UInt(4) but is given UInt(6)"),
        "{e}"
    );
}

#[test]
fn duplicate_names_name_both_declarations() {
    let mut m = ModuleBuilder::new("dup");
    let a = m.input("a", UInt(4));
    let first = here_line!();
    let w = m.wire_from("a", !a);
    let second = here_line!();
    m.output_from("y", w);
    let e = errors(m).to_string();
    assert!(e.contains("duplicate name `a` in module `dup`"), "{e}");
    assert!(e.contains(&first) && e.contains(&second), "{e}");
}

#[test]
fn reserved_and_invalid_names() {
    let mut m = ModuleBuilder::new("names");
    let a = m.input("clk", Bool);
    let b = m.input("module", Bool);
    let c = m.input("9lives", Bool);
    m.output_from("y", a & b & c);
    let e = errors(m);
    assert!(e.mentions("invalid name `clk`"), "{e}");
    assert!(
        e.mentions("invalid name `module`") && e.mentions("Verilog keyword"),
        "{e}"
    );
    assert!(e.mentions("invalid name `9lives`"), "{e}");
}

#[test]
fn two_different_modules_with_one_name() {
    let make = |w: u32| {
        let mut c = ModuleBuilder::new("same");
        let x = c.input("x", UInt(w));
        c.output_from("o", x);
        c.finish()
    };
    let (c4, c5) = (make(4), make(5));
    let mut m = ModuleBuilder::new("top");
    let a = m.input("a", UInt(4));
    let b = m.input("b", UInt(5));
    let u = m.instance("u", &c4);
    m.connect(&u, "x", a);
    let v = m.instance("v", &c5);
    m.connect(&v, "x", b);
    m.output_from("o1", u.out("o"));
    m.output_from("o2", v.out("o"));
    let e = errors(m).to_string();
    assert!(e.contains("two different modules are named `same`"), "{e}");
}

#[test]
fn wrong_driver_kinds() {
    let mut m = ModuleBuilder::new("wk");
    let a = m.input("a", UInt(4));
    let r = m.reg("r", UInt(4));
    m.drive(r, a);
    let w = m.wire("w", UInt(4));
    m.next(w, a);
    m.output_from("y", r ^ w);
    let e = errors(m);
    assert!(
        e.mentions("register `r` is given a value with drive()"),
        "{e}"
    );
    assert!(e.mentions("`w` is not a register"), "{e}");
}

#[test]
fn explicit_truncation_and_extension_are_accepted() {
    let mut m = ModuleBuilder::new("ok");
    let a = m.input("a", UInt(8));
    let s = m.input("s", SInt(8));
    m.output_from("t", (a + a).trunc(8));
    m.output_from("z", a.zext(12));
    m.output_from("x", s.sext(12));
    m.output_from("b", (a * a).bits(11, 4));
    elaborate(&m.finish()).expect("explicit conversions are fine");
}

#[test]
fn extension_that_would_drop_bits_is_rejected() {
    let mut m = ModuleBuilder::new("ext");
    let a = m.input("a", UInt(8));
    m.output_from("z", a.zext(4));
    let e = errors(m).to_string();
    assert!(e.contains("zext(4) of a UInt(8) would drop bits"), "{e}");
}

#[test]
fn every_error_is_reported_at_once() {
    let mut m = ModuleBuilder::new("many");
    let _y = m.output("y", UInt(4));
    let _z = m.output("z", UInt(4));
    let e = errors(m);
    assert_eq!(e.0.len(), 2, "{e}");
    assert!(e.to_string().starts_with("2 errors:"));
}

#[test]
fn a_bit_driven_twice_is_reported_at_the_slice() {
    let mut m = ModuleBuilder::new("twice");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive_bits(y, 0, a.bits(4, 0));
    m.drive_bits(y, 3, a.bits(7, 3));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("`y`: bits 3..4 driven twice"), "{e}");
    assert!(e.contains(&line), "expected {line} in: {e}");
}

#[test]
fn a_gap_and_a_slice_past_the_end_are_reported() {
    let mut m = ModuleBuilder::new("gap");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive_bits(y, 0, a.bits(1, 0));
    m.drive_bits(y, 4, a.bits(7, 0));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("`y`: bits 2..3 never driven"), "{e}");
    assert!(e.contains("`y` is 8 bits: bits 4..11 do not exist"), "{e}");
    assert!(e.contains(&line), "expected {line} in: {e}");

    let mut m = ModuleBuilder::new("short");
    let a = m.input("a", UInt(8));
    let y = m.output("y", UInt(8));
    m.drive_bits(y, 0, a.bits(5, 0));
    let line = here_line!();
    let e = errors(m).to_string();
    assert!(e.contains("`y`: bits 6..7 never driven"), "{e}");
    assert!(e.contains(&line), "expected {line} in: {e}");
}
