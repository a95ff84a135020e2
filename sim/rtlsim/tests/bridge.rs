//! Verilator bridge: build, cache, poke/peek/step, wide and signed ports, errors.

mod common;

use common::*;
use num_bigint::BigUint;
use spikeforge_rtlsim::{build, BuildOptions, DesignSources, PortDirection, RtlSimError};

#[test]
fn counter_counts_with_enable_and_reset() {
    let mut sim = build(&counter(), &BuildOptions::default()).unwrap();
    let names: Vec<_> = sim
        .ports()
        .iter()
        .map(|p| (p.name.as_str(), p.width, p.direction))
        .collect();
    assert_eq!(
        names,
        vec![
            ("clk", 1, PortDirection::Input),
            ("rst", 1, PortDirection::Input),
            ("en", 1, PortDirection::Input),
            ("count", 8, PortDirection::Output),
            ("wrap", 1, PortDirection::Output),
        ]
    );
    sim.reset(2);
    assert_eq!(sim.cycle(), 2);
    assert_eq!(sim.peek_u64("count").unwrap(), 0);
    sim.poke_u64("en", 1).unwrap();
    for i in 1..=10u64 {
        sim.step();
        // after step: the register holds the value captured at the rising edge
        assert_eq!(sim.peek_u64("count").unwrap(), i);
    }
    sim.poke_u64("en", 0).unwrap();
    sim.run(5);
    assert_eq!(sim.peek_u64("count").unwrap(), 10);
    assert_eq!(sim.cycle(), 17);
    // wrap is combinational from count and en: visible right after a poke (peek settles)
    sim.poke_u64("en", 1).unwrap();
    sim.run(245);
    assert_eq!(sim.peek_u64("count").unwrap(), 255);
    assert_eq!(sim.peek_u64("wrap").unwrap(), 1);
    sim.poke_u64("en", 0).unwrap();
    assert_eq!(
        sim.peek_u64("wrap").unwrap(),
        0,
        "peek must settle the poke"
    );
    sim.poke_u64("en", 1).unwrap();
    sim.step();
    assert_eq!(sim.peek_u64("count").unwrap(), 0);
    // synchronous reset: takes effect at the edge, not at the poke
    sim.run(3);
    sim.poke_u64("rst", 1).unwrap();
    assert_eq!(sim.peek_u64("count").unwrap(), 3);
    sim.step();
    assert_eq!(sim.peek_u64("count").unwrap(), 0);
}

#[test]
fn second_build_is_a_cache_hit() {
    let src = DesignSources::single("counter", format!("// nonce {}\n{}", nonce(), COUNTER));
    let first = build(&src, &BuildOptions::default()).unwrap();
    assert!(
        !first.cached(),
        "a design with a fresh nonce cannot be cached"
    );
    let info = first.build_info().clone();
    assert!(info.verilate_s > 0.0 && info.compile_s > 0.0);
    let second = build(&src, &BuildOptions::default()).unwrap();
    assert!(second.cached());
    assert_eq!(second.build_info().library, info.library);
    assert!(
        second.build_info().total_s < 0.5,
        "cached build took {} s",
        second.build_info().total_s
    );
    // Two instances of the same library are independent.
    let mut a = first;
    let mut b = second;
    a.reset(1);
    b.reset(1);
    a.poke_u64("en", 1).unwrap();
    a.run(7);
    b.poke_u64("en", 1).unwrap();
    b.run(3);
    assert_eq!(a.peek_u64("count").unwrap(), 7);
    assert_eq!(b.peek_u64("count").unwrap(), 3);
}

#[test]
fn wide_ports_use_biguint() {
    let mut sim = build(&wide_adder(), &BuildOptions::default()).unwrap();
    let mut rng = Rng(42);
    let mask100 = (BigUint::from(1u8) << 100u32) - 1u8;
    for _ in 0..200 {
        let a = BigUint::from_slice(&[
            rng.next() as u32,
            rng.next() as u32,
            rng.next() as u32,
            rng.next() as u32,
        ]) & &mask100;
        let b = BigUint::from_slice(&[
            rng.next() as u32,
            rng.next() as u32,
            rng.next() as u32,
            rng.next() as u32,
        ]) & &mask100;
        sim.poke("a", &a).unwrap();
        sim.poke("b", &b).unwrap();
        assert_eq!(sim.peek("sum").unwrap(), &a + &b);
        let lowmask = (BigUint::from(1u8) << 64u32) - 1u8;
        assert_eq!(sim.peek("low").unwrap(), &a & &lowmask);
        assert_eq!(
            sim.peek_u64("low").unwrap(),
            (&a & &lowmask).iter_u64_digits().next().unwrap_or(0)
        );
        let m40 = (1u64 << 40) - 1;
        assert_eq!(
            BigUint::from(sim.peek_u64("mid").unwrap()),
            &b & BigUint::from(m40)
        );
    }
    // all-ones edge case
    sim.poke("a", &mask100).unwrap();
    sim.poke("b", &mask100).unwrap();
    assert_eq!(
        sim.peek("sum").unwrap(),
        (BigUint::from(1u8) << 101u32) - 2u8
    );
    // poke_u64 into a wide port
    sim.poke_u64("a", u64::MAX).unwrap();
    sim.poke_u64("b", 1).unwrap();
    assert_eq!(sim.peek("sum").unwrap(), BigUint::from(1u8) << 64u32);
    // reading a > 64-bit port as u64 is an error naming port and width
    let e = sim.peek_u64("sum").unwrap_err().to_string();
    assert!(e.contains("`sum`") && e.contains("101 bits"), "{e}");
    // a value one bit too wide
    let e = sim.poke("a", &(BigUint::from(1u8) << 100u32)).unwrap_err();
    assert!(matches!(e, RtlSimError::ValueTooWide { width: 100, .. }));
    let e = e.to_string();
    assert!(
        e.contains("`a`") && e.contains("100 bits") && e.contains("101 bits"),
        "{e}"
    );
}

#[test]
fn signed_ports() {
    let mut sim = build(&signed_op(), &BuildOptions::default()).unwrap();
    for a in -128i64..=127 {
        for b in [-128i64, -77, -1, 0, 1, 5, 127] {
            sim.poke_i64("a", a).unwrap();
            sim.poke_i64("b", b).unwrap();
            assert_eq!(sim.peek_i64("sum").unwrap(), a + b, "{a}+{b}");
            assert_eq!(sim.peek_i64("prod").unwrap(), a * b, "{a}*{b}");
            assert_eq!(sim.peek_u64("lt").unwrap(), u64::from(a < b));
        }
    }
    // raw bits of a negative value
    sim.poke_i64("a", -1).unwrap();
    assert_eq!(sim.peek_u64("a").unwrap(), 0xff);
    let e = sim.poke_i64("a", 128).unwrap_err().to_string();
    assert!(e.contains("`a`") && e.contains("8 bits"), "{e}");
    let e = sim.poke_i64("b", -129).unwrap_err().to_string();
    assert!(e.contains("`b`") && e.contains("8 bits"), "{e}");
}

#[test]
fn misuse_errors_name_the_port() {
    let mut sim = build(&counter(), &BuildOptions::default()).unwrap();
    let e = sim.poke_u64("enable", 1).unwrap_err().to_string();
    assert!(
        e.contains("unknown port `enable`") && e.contains("en [1]"),
        "{e}"
    );
    let e = sim.peek_u64("nope").unwrap_err().to_string();
    assert!(e.contains("unknown port `nope`"), "{e}");
    let e = sim.poke_u64("en", 2).unwrap_err().to_string();
    assert_eq!(e, "value 2 needs 2 bits but port `en` is 1 bits wide");
    let e = sim.poke_u64("count", 1).unwrap_err().to_string();
    assert!(
        e.contains("`count`") && e.contains("8 bits") && e.contains("output"),
        "{e}"
    );
    let e = sim
        .poke("en", &BigUint::from(300u32))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`en`") && e.contains("1 bits wide"), "{e}");
}

#[test]
fn resolved_ports_peek_and_poke_as_named_ones_do() {
    let mut sim = build(&counter(), &BuildOptions::default()).unwrap();
    let en = sim.port("en").unwrap();
    let count = sim.port("count").unwrap();
    sim.reset(1);
    sim.poke_port(en, 1).unwrap();
    sim.run(5);
    assert_eq!(sim.peek_port(count), sim.peek_u64("count").unwrap());
    assert_eq!(sim.peek_port(count), 5);
    // The same errors as by name: value too wide, output, unknown, too wide for u64.
    let e = sim.poke_port(en, 2).unwrap_err().to_string();
    assert_eq!(e, "value 2 needs 2 bits but port `en` is 1 bits wide");
    let e = sim.poke_port(count, 1).unwrap_err().to_string();
    assert!(e.contains("`count`") && e.contains("output"), "{e}");
    assert!(sim
        .port("nope")
        .unwrap_err()
        .to_string()
        .contains("unknown port `nope`"));
    let wide = build(&wide_adder(), &BuildOptions::default()).unwrap();
    let e = wide.port("sum").unwrap_err().to_string();
    assert!(e.contains("`sum`") && e.contains("101 bits"), "{e}");
}

#[test]
fn port_list_is_checked_against_the_verilog() {
    use spikeforge_rtlsim::PortSpec;
    let src = counter().with_ports(vec![
        PortSpec::input("clk", 1),
        PortSpec::input("rst", 1),
        PortSpec::input("en", 1),
        PortSpec::output("count", 16),
        PortSpec::output("wrap", 1),
    ]);
    let e = build(&src, &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`count`") && e.contains("16 bits") && e.contains("8 bits"),
        "{e}"
    );
    let src = counter().with_clock(Some("clock"));
    let e = build(&src, &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("clock port `clock` does not exist"), "{e}");
}

#[test]
fn verilog_errors_show_an_excerpt_and_log() {
    let src = DesignSources::single(
        "broken",
        format!("// {}\nmodule broken(input clk, input rst, output q);\n assign q = undefined_sig;\nendmodule\n", nonce()),
    );
    let e = build(&src, &BuildOptions::default()).unwrap_err();
    let RtlSimError::Verilate { ref log, .. } = e else {
        panic!("expected a Verilate error, got {e}")
    };
    assert!(log.exists());
    let msg = e.to_string();
    assert!(
        msg.contains("undefined_sig") && msg.contains("full log:"),
        "{msg}"
    );
}

#[test]
fn concurrent_builds_of_one_design_build_once() {
    let src = DesignSources::single("counter", format!("// nonce {}\n{}", nonce(), COUNTER));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let src = src.clone();
            std::thread::spawn(move || {
                let mut sim = build(&src, &BuildOptions::default()).unwrap();
                sim.reset(1);
                sim.poke_u64("en", 1).unwrap();
                sim.run(4);
                (sim.cached(), sim.peek_u64("count").unwrap())
            })
        })
        .collect();
    let results: Vec<(bool, u64)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        results.iter().filter(|(cached, _)| !cached).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(|(_, c)| *c == 4));
}

#[test]
fn concurrent_processes_share_the_cache() {
    // The child processes run `concurrent_child` below with the same design text.
    if std::env::var_os("SF_CHILD_DESIGN").is_some() {
        return;
    }
    let n = nonce();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "concurrent_child", "--nocapture"])
                .env("SF_CHILD_DESIGN", &n)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<String> = children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success());
            String::from_utf8_lossy(&o.stdout).into_owned()
        })
        .collect();
    let built = outs
        .iter()
        .filter(|o| o.contains("CHILD cached=false"))
        .count();
    let hit = outs
        .iter()
        .filter(|o| o.contains("CHILD cached=true"))
        .count();
    assert_eq!((built, hit), (1, 1), "{outs:?}");
}

#[test]
fn concurrent_child() {
    let Some(n) = std::env::var_os("SF_CHILD_DESIGN") else {
        return;
    };
    let src = DesignSources::single(
        "counter",
        format!("// nonce {}\n{}", n.to_string_lossy(), COUNTER),
    );
    let mut sim = build(&src, &BuildOptions::default()).unwrap();
    sim.reset(1);
    sim.poke_u64("en", 1).unwrap();
    sim.run(9);
    assert_eq!(sim.peek_u64("count").unwrap(), 9);
    println!("CHILD cached={}", sim.cached());
}

#[test]
fn port_names_verilator_mangles() {
    // C++ keywords get `__SYM__`, double underscores and `$` are escaped by Verilator; the API
    // uses the Verilog names.
    let v = "module mangled(input wire [3:0] char, input wire [3:0] operator, input wire [3:0] a__b,\n  input wire [3:0] d$x, output wire [3:0] namespace, output wire [3:0] y__);\n  assign namespace = char ^ operator;\n  assign y__ = a__b + d$x;\nendmodule\n";
    let src = DesignSources::single("mangled", v)
        .with_clock(None)
        .with_reset(None);
    let mut sim = build(&src, &BuildOptions::default()).unwrap();
    let names: Vec<&str> = sim.ports().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["char", "operator", "a__b", "d$x", "namespace", "y__"]
    );
    sim.poke_u64("char", 0b1010).unwrap();
    sim.poke_u64("operator", 0b0110).unwrap();
    sim.poke_u64("a__b", 3).unwrap();
    sim.poke_u64("d$x", 4).unwrap();
    assert_eq!(sim.peek_u64("namespace").unwrap(), 0b1100);
    assert_eq!(sim.peek_u64("y__").unwrap(), 7);
    let vectors = vec![vec![
        ("char".to_string(), BigUint::from(1u8)),
        ("a__b".to_string(), BigUint::from(9u8)),
    ]];
    // a fresh instance (all inputs 0), like the Icarus test bench
    let mut fresh = build(&src, &BuildOptions::default()).unwrap();
    assert!(fresh.cached());
    let ver = fresh.run_vectors(&vectors).unwrap();
    assert_eq!(ver[0][0].1, BigUint::from(1u8));
    assert_eq!(ver[0][1].1, BigUint::from(9u8));
    let ica = spikeforge_rtlsim::icarus::run_vectors(
        &src.clone().with_ports(sim.ports().to_vec()),
        &vectors,
    )
    .unwrap();
    assert_eq!(ver, ica);
}

#[test]
fn simulator_moves_between_threads() {
    let mut sim = build(&counter(), &BuildOptions::default()).unwrap();
    sim.reset(1);
    sim.poke_u64("en", 1).unwrap();
    sim.run(3);
    let sim = std::thread::spawn(move || {
        sim.run(4);
        sim
    })
    .join()
    .unwrap();
    assert_eq!(sim.peek_u64("count").unwrap(), 7);
}

#[test]
fn sources_from_files_on_disk() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("counter.v");
    std::fs::write(&f, COUNTER).unwrap();
    let src = DesignSources::from_files("counter", &[&f]).unwrap();
    assert_eq!(src, counter());
    let e = DesignSources::from_files("counter", &[d.path().join("missing.v")]).unwrap_err();
    assert!(e.to_string().contains("missing.v"), "{e}");
}
