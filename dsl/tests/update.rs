//! `library::Update`: `next_value_of` gives a register that tracks `f(register)` cycle by
//! cycle, on the reference evaluator, for a counter with a restart, a wrap and a hold.

use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

#[test]
fn a_flag_from_next_value_of_tracks_its_function_of_the_register() {
    let mut m = ModuleBuilder::new("tracked_counter");
    let restart = m.input("restart", Bool);
    let step = m.input("step", Bool);
    let last = m.input("last", UInt(4));
    let count = m.reg("count", UInt(4));
    // `at_last` is `count == last`, registered; `last` holds while the counter runs.
    let at_last = m.reg("at_last", Bool);
    let update = Update::new(count).when(restart, 0).when(
        step,
        at_last.select(Expr::uint(0, 4), count.wrapping_add(1)),
    );
    let is_last = |v: Expr| v.is_eq(last);
    m.next(at_last, update.next_value_of(is_last, at_last.expr()));
    update.apply(&mut m);
    m.output_from("count_o", count);
    m.output_from("at_last_o", at_last);
    let design = elaborate(&m.finish()).unwrap_or_else(|e| panic!("{e}"));
    let mut ev = Evaluator::new(&design);
    ev.reset(1);
    let mut seed = 0x5EED_u64;
    let mut rand = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut wraps = 0;
    for cycle in 0..2000 {
        // A new bound with each restart, as a loop's bound is set before it starts.
        let restart = cycle == 0 || rand(50) == 0;
        if restart {
            ev.poke("last", &BigUint::from(rand(16))).unwrap();
        }
        ev.poke("restart", &BigUint::from(u8::from(restart)))
            .unwrap();
        ev.poke("step", &BigUint::from(rand(3).min(1))).unwrap();
        ev.eval();
        let count = ev.peek("count_o").unwrap();
        let flag = ev.peek("at_last_o").unwrap();
        // From the cycle after the first restart on, the flag is `count == last` (except in a
        // restart's cycle, whose new bound the flag sees from the next cycle on).
        if cycle > 1 && !restart {
            let want = count == ev.peek("last").unwrap();
            assert_eq!(
                flag == BigUint::from(1u8),
                want,
                "cycle {cycle}: count {count}"
            );
            wraps += usize::from(want);
        }
        ev.step();
    }
    assert!(
        wraps > 50,
        "the counter reached its bound only {wraps} times"
    );
}
