//! `library::Fsm` misuse is reported at elaboration, at the caller's line; named constants
//! collide with other names like any name.

use spikeforge_dsl::library::Fsm;
use spikeforge_dsl::prelude::*;

fn errors(m: ModuleBuilder) -> String {
    match elaborate(&m.finish()) {
        Ok(_) => panic!("must not elaborate"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_and_repeated_states_are_reported_at_the_callers_line() {
    let mut m = ModuleBuilder::new("bad_fsm");
    let go = m.input("go", Bool);
    let mut fsm = Fsm::new(&mut m, "phase", &["IDLE", "RUN", "IDLE"]);
    let new_line = line!() - 1;
    fsm.on("IDLE", go, "RUNNING");
    let on_line = line!() - 1;
    m.output_from("busy", fsm.is("WALK"));
    let is_line = line!() - 1;
    fsm.apply(&mut m);
    let text = errors(m);
    assert!(
        text.contains("state machine `phase` lists state `IDLE` twice")
            && text.contains(&format!("fsm.rs:{new_line}")),
        "{text}"
    );
    assert!(
        text.contains("state machine `phase` has no state `RUNNING` (states: IDLE, RUN, IDLE)")
            && text.contains(&format!("fsm.rs:{on_line}")),
        "{text}"
    );
    assert!(
        text.contains("has no state `WALK`") && text.contains(&format!("fsm.rs:{is_line}")),
        "{text}"
    );
}

#[test]
fn an_fsm_without_states_is_an_error() {
    let mut m = ModuleBuilder::new("empty_fsm");
    let fsm = Fsm::new(&mut m, "phase", &[]);
    fsm.apply(&mut m);
    assert!(errors(m).contains("state machine `phase` has no states"));
}

#[test]
fn a_localparam_named_like_a_signal_is_a_duplicate_name() {
    let mut m = ModuleBuilder::new("dup");
    let x = m.input("x", UInt(4));
    let k = m.localparam("x", 3, UInt(4));
    m.output_from("y", x.is_eq(k));
    let text = errors(m);
    assert!(text.contains("`x`"), "{text}");
}

#[test]
fn a_localparam_used_only_widened_is_not_declared() {
    // Widened, the constant is written as a number; an unused localparam would be a -Wall
    // warning.
    let mut m = ModuleBuilder::new("widened");
    let x = m.input("x", UInt(8));
    let k = m.localparam("LIMIT", 3, UInt(4));
    m.output_from("y", x.is_eq(k));
    let v = emit_verilog(&elaborate(&m.finish()).unwrap());
    let text = v.file("widened.v").unwrap();
    assert!(!text.contains("LIMIT"), "{text}");
    assert!(text.contains("(x == 8'd3)"), "{text}");
}

#[test]
fn a_localparam_only_properties_read_is_declared_with_them() {
    let mut m = ModuleBuilder::new("formal_only");
    let x = m.input("x", UInt(4));
    let r = m.reg("r", UInt(4));
    m.next(r, x);
    m.output_from("q", r);
    let limit = m.localparam("LIMIT", 9, UInt(4));
    m.assert_always(r.is_ne(limit), "never nine");
    let v = emit_verilog(&elaborate(&m.finish()).unwrap());
    let text = v.file("formal_only.v").unwrap();
    let formal = text.find("`ifdef FORMAL").unwrap();
    let decl = text.find("localparam [3:0] LIMIT = 4'd9;").unwrap();
    assert!(decl > formal, "{text}");
    assert!(text.contains("assert ((r != LIMIT));"), "{text}");
}
