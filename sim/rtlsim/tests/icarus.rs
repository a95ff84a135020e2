//! The same vectors under Verilator and Icarus agree (and match a Rust model).

mod common;

use common::*;
use num_bigint::BigUint;
use spikeforge_rtlsim::{build, icarus, BuildOptions, VectorCycle};

fn v(name: &str, x: u64) -> (String, BigUint) {
    (name.to_string(), BigUint::from(x))
}

fn get(row: &VectorCycle, name: &str) -> u64 {
    let (_, x) = row.iter().find(|(n, _)| n == name).unwrap();
    x.iter_u64_digits().next().unwrap_or(0)
}

#[test]
fn counter_agrees_with_icarus() {
    let mut sim = build(&counter(), &BuildOptions::default()).unwrap();
    let mut rng = Rng(7);
    let mut vectors = vec![vec![v("rst", 1), v("en", 0)], vec![v("rst", 0)]];
    for _ in 0..600 {
        let mut c = vec![v("en", rng.below(4).min(1))];
        if rng.below(50) == 0 {
            c.push(v("rst", 1));
        } else {
            c.push(v("rst", 0));
        }
        vectors.push(c);
    }
    let ver = sim.run_vectors(&vectors).unwrap();
    let src = counter().with_ports(sim.ports().to_vec());
    let ica = icarus::run_vectors(&src, &vectors).unwrap();
    assert_eq!(ver.len(), vectors.len());
    assert_eq!(ver, ica);
    // and a Rust model
    let (mut count, mut en, mut rst) = (0u64, 0u64, 0u64);
    for (i, c) in vectors.iter().enumerate() {
        for (n, x) in c {
            let x = x.iter_u64_digits().next().unwrap_or(0);
            match n.as_str() {
                "en" => en = x,
                "rst" => rst = x,
                _ => unreachable!(),
            }
        }
        count = if rst == 1 {
            0
        } else if en == 1 {
            (count + 1) & 0xff
        } else {
            count
        };
        assert_eq!(get(&ver[i], "count"), count, "cycle {i}");
        assert_eq!(
            get(&ver[i], "wrap"),
            u64::from(en == 1 && count == 255),
            "cycle {i}"
        );
    }
}

#[test]
fn alu_agrees_with_icarus_over_random_vectors() {
    let mut sim = build(&alu(), &BuildOptions::default()).unwrap();
    let mut rng = Rng(0x5eed);
    let mut vectors = vec![vec![
        v("rst", 1),
        v("op", 0),
        v("a", 0),
        v("b", 0),
        v("acc_en", 0),
    ]];
    for _ in 0..1000 {
        vectors.push(vec![
            v("rst", u64::from(rng.below(100) == 0)),
            v("op", rng.below(4)),
            v("a", rng.below(1 << 16)),
            v("b", rng.below(1 << 16)),
            v("acc_en", rng.below(2)),
        ]);
    }
    let ver = sim.run_vectors(&vectors).unwrap();
    let ica = icarus::run_vectors(&alu().with_ports(sim.ports().to_vec()), &vectors).unwrap();
    assert_eq!(ver, ica);
    // Rust model of the cycle semantics: registers update from this cycle's inputs; comb
    // outputs show the new state with the current inputs.
    let mut acc = 0u64;
    for (i, c) in vectors.iter().enumerate() {
        let g = |n: &str| {
            c.iter()
                .find(|(k, _)| k == n)
                .map(|(_, x)| x.iter_u64_digits().next().unwrap_or(0))
                .unwrap()
        };
        let (a, b, op) = (g("a"), g("b"), g("op"));
        let r = match op {
            0 => (a + b) & 0xffff,
            1 => a.wrapping_sub(b) & 0xffff,
            2 => a & b,
            _ => a ^ b,
        };
        // y is rewritten every cycle (no enable): its new value depends only on this cycle
        let y = if g("rst") == 1 { 0 } else { r };
        if g("rst") == 1 {
            acc = 0;
        } else {
            if g("acc_en") == 1 {
                acc = (acc + r) & 0xffff_ffff;
            }
        }
        assert_eq!(get(&ver[i], "y"), y, "cycle {i}");
        assert_eq!(get(&ver[i], "acc"), acc, "cycle {i}");
        assert_eq!(get(&ver[i], "zero"), u64::from(y == 0), "cycle {i}");
        assert_eq!(get(&ver[i], "comb"), r ^ y, "cycle {i}");
    }
}

#[test]
fn wide_combinational_agrees_with_icarus() {
    let mut sim = build(&wide_adder(), &BuildOptions::default()).unwrap();
    let mut rng = Rng(99);
    let mask = (BigUint::from(1u8) << 100u32) - 1u8;
    let vectors: Vec<VectorCycle> = (0..100)
        .map(|_| {
            let mut w = || {
                BigUint::from_slice(&[
                    rng.next() as u32,
                    rng.next() as u32,
                    rng.next() as u32,
                    rng.next() as u32,
                ]) & &mask
            };
            vec![("a".to_string(), w()), ("b".to_string(), w())]
        })
        .collect();
    let ver = sim.run_vectors(&vectors).unwrap();
    let ica =
        icarus::run_vectors(&wide_adder().with_ports(sim.ports().to_vec()), &vectors).unwrap();
    assert_eq!(ver, ica);
    for (c, row) in vectors.iter().zip(&ver) {
        assert_eq!(row[0].1, &c[0].1 + &c[1].1);
    }
}

#[test]
fn signed_design_agrees_with_icarus() {
    let mut sim = build(&signed_op(), &BuildOptions::default()).unwrap();
    let mut rng = Rng(3);
    let vectors: Vec<VectorCycle> = (0..300)
        .map(|_| vec![v("a", rng.below(256)), v("b", rng.below(256))])
        .collect();
    let ver = sim.run_vectors(&vectors).unwrap();
    let ica = icarus::run_vectors(&signed_op(), &vectors).unwrap();
    assert_eq!(ver, ica);
}

#[test]
fn x_outputs_under_icarus_are_reported() {
    // no reset in the vectors: the counter register is X under Icarus
    let src = counter().with_ports(vec![
        spikeforge_rtlsim::PortSpec::input("clk", 1),
        spikeforge_rtlsim::PortSpec::input("rst", 1),
        spikeforge_rtlsim::PortSpec::input("en", 1),
        spikeforge_rtlsim::PortSpec::output("count", 8),
        spikeforge_rtlsim::PortSpec::output("wrap", 1),
    ]);
    let e = icarus::run_vectors(&src, &[vec![v("en", 1)]])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`count`") && e.contains("X/Z") && e.contains("cycle 0"),
        "{e}"
    );
}
