//! The reference evaluator on small hand-checked designs.

use num_bigint::BigUint;
use spikeforge_dsl::eval::{EvalError, Evaluator};
use spikeforge_dsl::prelude::*;

fn big(v: u64) -> BigUint {
    BigUint::from(v)
}

#[test]
fn counter_counts_when_enabled_and_resets() {
    let mut m = ModuleBuilder::new("cnt");
    let en = m.input("en", Bool);
    let c = m.reg_with_reset("c", UInt(4), 3);
    m.next_when(c, en, c.wrapping_add(1));
    m.output_from("q", c);
    let d = elaborate(&m.finish()).unwrap();
    let mut ev = Evaluator::new(&d);
    ev.reset(1);
    assert_eq!(ev.peek("q").unwrap(), big(3));
    ev.poke("en", &big(1)).unwrap();
    for _ in 0..14 {
        ev.step();
    }
    assert_eq!(ev.peek("q").unwrap(), big((3 + 14) % 16));
    ev.poke("en", &big(0)).unwrap();
    ev.step();
    assert_eq!(ev.peek("q").unwrap(), big(1));
}

#[test]
fn signed_arithmetic_follows_the_documented_widths() {
    let mut m = ModuleBuilder::new("arith");
    let a = m.input("a", SInt(4));
    let b = m.input("b", SInt(4));
    m.output_from("sum", a + b); // SInt(5)
    m.output_from("prod", a * b); // SInt(8)
    m.output_from("sat", a.saturating_add(b)); // SInt(4)
    m.output_from("lt", a.is_lt(b));
    m.output_from("sra", a >> 1);
    let d = elaborate(&m.finish()).unwrap();
    let mut ev = Evaluator::new(&d);
    // a = -8, b = -3
    ev.poke("a", &big(0b1000)).unwrap();
    ev.poke("b", &big(0b1101)).unwrap();
    ev.eval();
    assert_eq!(ev.peek("sum").unwrap(), big(((-11i64) & 0x1f) as u64));
    assert_eq!(ev.peek("prod").unwrap(), big(24));
    assert_eq!(ev.peek("sat").unwrap(), big(0b1000), "clamps to -8");
    assert_eq!(ev.peek("lt").unwrap(), big(1));
    assert_eq!(ev.peek("sra").unwrap(), big(0b1100), "-8 >> 1 = -4");
}

#[test]
fn memory_is_read_first_and_later_write_port_wins() {
    let mut m = ModuleBuilder::new("mem");
    let ram = m.mem("ram", 4, UInt(8));
    let we = m.input("we", Bool);
    let addr = m.input("addr", UInt(2));
    let d0 = m.input("d0", UInt(8));
    let d1 = m.input("d1", UInt(8));
    m.mem_write(ram, we, addr, d0);
    m.mem_write(ram, we, addr, d1);
    let q = m.mem_read(ram, "q_r", 1, addr);
    m.output_from("q", q);
    let d = elaborate(&m.finish()).unwrap();
    let mut ev = Evaluator::new(&d);
    ev.poke("we", &big(1)).unwrap();
    ev.poke("addr", &big(2)).unwrap();
    ev.poke("d0", &big(5)).unwrap();
    ev.poke("d1", &big(9)).unwrap();
    ev.step();
    assert_eq!(ev.peek("q").unwrap(), big(0), "read-first: old contents");
    ev.poke("we", &big(0)).unwrap();
    ev.step();
    assert_eq!(ev.peek("q").unwrap(), big(9), "the later write port wins");
}

#[test]
fn hierarchy_is_flattened() {
    let mut c = ModuleBuilder::new("inc");
    let x = c.input("x", UInt(8));
    let r = c.reg("r", UInt(8));
    c.next(r, x.wrapping_add(1));
    c.output_from("y", r);
    let child = c.finish();
    let mut m = ModuleBuilder::new("two");
    let a = m.input("a", UInt(8));
    let u = m.instance("u", &child);
    m.connect(&u, "x", a);
    let v = m.instance("v", &child);
    m.connect(&v, "x", u.out("y"));
    m.output_from("out", v.out("y"));
    let d = elaborate(&m.finish()).unwrap();
    let mut ev = Evaluator::new(&d);
    ev.poke("a", &big(40)).unwrap();
    ev.step();
    ev.step();
    assert_eq!(ev.peek("out").unwrap(), big(42));
    assert_eq!(ev.signal_value("u.r").unwrap(), 41.into());
}

#[test]
fn misuse_names_the_port_and_width() {
    let mut m = ModuleBuilder::new("p");
    let a = m.input("a", UInt(3));
    m.output_from("y", a);
    let d = elaborate(&m.finish()).unwrap();
    let mut ev = Evaluator::new(&d);
    let e = ev.poke("a", &big(8)).unwrap_err();
    assert_eq!(
        e,
        EvalError::TooWide {
            port: "a".into(),
            width: 3,
            value: "8".into()
        }
    );
    assert!(ev
        .poke("nope", &big(0))
        .unwrap_err()
        .to_string()
        .contains("no port `nope`"));
    assert!(matches!(
        ev.poke("y", &big(0)),
        Err(EvalError::NotAnInput { .. })
    ));
}
