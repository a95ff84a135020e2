//! The DT-SNN entropy units — parallel (`generators/src/accel/entropy_unit.rs`) and serial
//! (`entropy_unit_serial.rs`) — against the golden model (`spikeforge_golden::entropy`):
//! bit-exact `h_q`, `exit` and `prediction`, and a latency of exactly `2·K + 22` (parallel) or
//! `32·K + 40` (serial) edges, the golden `cycles_per_evaluation_of` less the cycle that sees
//! `done`, on Verilator builds of the emitted Verilog, with the controller's logit store
//! modelled in Rust as a read-first synchronous RAM that returns garbage outside the window the
//! unit documents. Also Verilator `-Wall` lint, Yosys `synth; check -assert`, and a quick run on
//! the DSL's reference evaluator.
//!
//! Timing convention (the generators' module docs): edge 0 samples `start`; the test pokes
//! `start`, calls `step()` (edge 0), and then counts further `step()`s until `done` reads
//! high.

use num_bigint::BigUint;
use spikeforge_config::EntropyUnitKind;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::{elaborate, emit_verilog, VerilogOutput};
use spikeforge_generators::accel::entropy_unit::{entropy_unit, EntropyUnitParams};
use spikeforge_generators::accel::entropy_unit_serial::{
    entropy_unit_serial, entropy_unit_serial_pipelined,
};
use spikeforge_golden::classifier::argmax;
use spikeforge_golden::entropy::{cycles_per_evaluation_of, entropy_fixed, exits, rlnk};
use spikeforge_rtlsim::{build, tools, BuildOptions, DesignSources, Simulator};
use std::path::PathBuf;

mod common;
use common::SplitMix;

/// Something that can be driven cycle by cycle: the Verilator simulator or the evaluator.
trait Dut {
    fn poke(&mut self, port: &str, value: u64);
    fn peek(&mut self, port: &str) -> u64;
    fn step(&mut self);
    fn reset(&mut self);
}

impl Dut for Simulator {
    fn poke(&mut self, port: &str, value: u64) {
        self.poke_u64(port, value).unwrap_or_else(|e| panic!("{e}"));
    }
    fn peek(&mut self, port: &str) -> u64 {
        self.peek_u64(port).unwrap_or_else(|e| panic!("{e}"))
    }
    fn step(&mut self) {
        Simulator::step(self);
    }
    fn reset(&mut self) {
        Simulator::reset(self, 2);
    }
}

impl Dut for Evaluator {
    fn poke(&mut self, port: &str, value: u64) {
        Evaluator::poke(self, port, &BigUint::from(value)).unwrap_or_else(|e| panic!("{e}"));
    }
    fn peek(&mut self, port: &str) -> u64 {
        let v = Evaluator::peek(self, port).unwrap_or_else(|e| panic!("{e}"));
        u64::try_from(v).expect("ports are narrower than 64 bits")
    }
    fn step(&mut self) {
        Evaluator::step(self);
    }
    fn reset(&mut self) {
        Evaluator::reset(self, 2);
    }
}

/// One evaluation: logits, fractional bits, threshold.
#[derive(Clone, Debug)]
struct Case {
    z: Vec<i64>,
    frac_bits: u32,
    theta_q: u32,
}

fn bits_for(n: u64) -> u32 {
    (64 - n.leading_zeros()).max(1)
}

/// The test bench for one design: drives cases back to back (or with idle gaps), models the
/// logit store, and checks every result and latency against the golden model.
struct Bench<'a, D: Dut> {
    dut: &'a mut D,
    kind: EntropyUnitKind,
    params: EntropyUnitParams,
    rng: SplitMix,
    /// Cases checked so far.
    checked: usize,
}

impl<'a, D: Dut> Bench<'a, D> {
    fn new(dut: &'a mut D, kind: EntropyUnitKind, params: EntropyUnitParams, seed: u64) -> Self {
        dut.reset();
        assert_eq!(dut.peek("busy"), 0, "idle after reset");
        assert_eq!(dut.peek("done"), 0, "no done after reset");
        assert_eq!(dut.peek("logit_addr"), 0, "address 0 while idle");
        Bench {
            dut,
            kind,
            params,
            rng: SplitMix(seed),
            checked: 0,
        }
    }

    fn logit_mask(&self) -> u64 {
        if self.params.logit_bits == 64 {
            u64::MAX
        } else {
            (1u64 << self.params.logit_bits) - 1
        }
    }

    fn garbage_logit(&mut self) -> u64 {
        self.rng.next() & self.logit_mask()
    }

    /// Pokes random values on the configuration inputs (the unit must have latched them).
    fn scramble_config(&mut self) {
        let kw = bits_for(u64::from(self.params.max_classes));
        let v = self.rng.below(1 << kw);
        self.dut.poke("num_classes", v);
        let v = self.rng.below(32);
        self.dut.poke("frac_bits", v);
        let v = self.rng.below(1 << 17);
        self.dut.poke("rlnk", v);
        let v = self.rng.below(1 << 17);
        self.dut.poke("theta_q", v);
    }

    /// One clock edge with the store model: the store reads `logit_addr` as it is before the
    /// edge and shows `read(addr)` after it.
    fn edge(&mut self, read: impl FnOnce(&mut Self, u64) -> u64) {
        let addr = self.dut.peek("logit_addr");
        self.dut.step();
        let data = read(self, addr);
        self.dut.poke("logit_data", data);
    }

    /// Runs one case after `gap` idle cycles (0: `start` in the current cycle, which may be
    /// the previous case's `done` cycle). Returns the latency in edges after edge 0.
    fn run(&mut self, case: &Case, gap: usize) -> u64 {
        let k = case.z.len();
        let mask = self.logit_mask();
        let store: Vec<u64> = case.z.iter().map(|&v| v as u64 & mask).collect();
        for _ in 0..gap {
            self.scramble_config();
            self.dut.poke("start", 0);
            self.edge(|b, _| b.garbage_logit());
            assert_eq!(self.dut.peek("busy"), 0);
            assert_eq!(self.dut.peek("done"), 0, "done is a one-cycle pulse");
            assert_eq!(self.dut.peek("logit_addr"), 0, "address 0 while idle");
        }
        assert_eq!(self.dut.peek("busy"), 0, "start only while idle");
        // Edge 0: start sampled.
        self.dut.poke("start", 1);
        self.dut.poke("num_classes", k as u64);
        self.dut.poke("frac_bits", u64::from(case.frac_bits));
        self.dut.poke("rlnk", rlnk(k));
        self.dut.poke("theta_q", u64::from(case.theta_q));
        let s0 = store.clone();
        self.edge(move |_, a| s0[a as usize]);
        // Edges 1, 2, …: the logits are guaranteed until the unit's last read (edge 2K−1
        // parallel, 32K−31 serial), garbage afterwards.
        let last_read = match self.kind {
            EntropyUnitKind::Parallel => 2 * k as u64 - 1,
            EntropyUnitKind::Serial => 32 * k as u64 - 31,
            EntropyUnitKind::SerialPipelined => 33 * k as u64 - 32,
        };
        let latency = cycles_per_evaluation_of(self.kind, k as u64);
        let limit = latency + 9;
        let mut n: u64 = 0;
        loop {
            assert_eq!(self.dut.peek("busy"), 1, "busy after edge {n} (K = {k})");
            assert_eq!(self.dut.peek("done"), 0, "done after edge {n} (K = {k})");
            // start pulses and configuration changes while busy are ignored.
            let st = u64::from(self.rng.coin(1, 8));
            self.dut.poke("start", st);
            self.scramble_config();
            n += 1;
            let stored = n <= last_read;
            self.edge(|b, a| {
                if stored {
                    assert!((a as usize) < k, "address {a} for K = {k} before edge {n}");
                    store[a as usize]
                } else {
                    b.garbage_logit()
                }
            });
            if self.dut.peek("done") == 1 {
                break;
            }
            assert!(n < limit, "no done after {n} edges (K = {k})");
        }
        self.dut.poke("start", 0);
        assert_eq!(self.dut.peek("busy"), 0, "busy falls with done");
        let golden = entropy_fixed(&case.z, case.frac_bits);
        let h = self.dut.peek("h_q");
        let exit = self.dut.peek("exit");
        let pred = self.dut.peek("prediction");
        let want_exit = exits(golden.h_q16, f64::from(case.theta_q) / 65536.0);
        assert_eq!(
            (h, exit == 1, pred),
            (u64::from(golden.h_q16), want_exit, argmax(&case.z) as u64),
            "h_q/exit/prediction for {case:?} (golden {golden:?})"
        );
        // The unit takes 2K + 22 (32K + 40) edges; the accelerator's ENTROPY phase lasts one
        // cycle more (the one in which it sees `done`), which is what the golden model counts.
        assert_eq!(
            n + 1,
            latency,
            "{:?} latency for K = {k}, {case:?}",
            self.kind
        );
        self.checked += 1;
        n
    }
}

/// Random cases of every kind, with K sweeping 2..=K_max first.
/// `frac_bits` is drawn from `0..=frac_max`.
fn cases(params: EntropyUnitParams, count: usize, seed: u64, frac_max: i64) -> Vec<Case> {
    let mut rng = SplitMix(seed);
    let kmax = params.max_classes as usize;
    let lb = params.logit_bits;
    let (lo, hi) = (-(1i64 << (lb - 1)), (1i64 << (lb - 1)) - 1);
    let clamp = |v: i64| v.clamp(lo, hi);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let k = if i < kmax - 1 {
            i + 2
        } else {
            rng.range(2, kmax as i64) as usize
        };
        let f = rng.range(0, frac_max) as u32;
        let one = 1i64 << f; // 1.0 in logit units
        let kind = rng.below(9);
        let z: Vec<i64> = match kind {
            // Full signed range.
            0 => (0..k).map(|_| rng.range(lo, hi)).collect(),
            // Clustered: distances of 0..~20 real units around a random base.
            1 | 2 => {
                let base = rng.range(lo, hi);
                let spread = (rng.range(1, 24) * one).min(hi);
                (0..k)
                    .map(|_| clamp(base + rng.range(-spread, spread)))
                    .collect()
            }
            // Very tight clusters: a few LSBs apart.
            3 => {
                let base = rng.range(lo, hi);
                let spread = rng.range(0, 8);
                (0..k)
                    .map(|_| clamp(base + rng.range(-spread, spread)))
                    .collect()
            }
            // Ties: a few distinct values, repeated.
            4 => {
                let vals: Vec<i64> = (0..rng.range(1, 3))
                    .map(|_| rng.range(lo / 4, hi / 4))
                    .collect();
                (0..k)
                    .map(|_| vals[rng.below(vals.len() as u64) as usize])
                    .collect()
            }
            // All equal.
            5 => vec![rng.range(lo, hi); k],
            // One dominant logit, the rest clustered well below.
            6 => {
                let top = rng.range(hi / 2, hi);
                let gap = rng.range(0, 20 * one).min(top - lo);
                let mut z: Vec<i64> = (0..k)
                    .map(|_| clamp(top - gap - rng.range(0, 2 * one)))
                    .collect();
                z[rng.below(k as u64) as usize] = top;
                z
            }
            // Distances near the 16.0 drop boundary (x ≈ 4096).
            7 => {
                let top = rng.range(0, hi);
                (0..k)
                    .map(|j| {
                        if j == 0 {
                            top
                        } else {
                            clamp(top - 16 * one + rng.range(-3, 3).max(-(16 * one)))
                        }
                    })
                    .collect()
            }
            // Extremes of the range.
            _ => (0..k)
                .map(|_| match rng.below(4) {
                    0 => lo,
                    1 => hi,
                    2 => lo + rng.range(0, 3),
                    _ => hi - rng.range(0, 3),
                })
                .collect(),
        };
        // θ near H (to test the strict compare) or random, including 0 and 65536.
        let h = entropy_fixed(&z, f).h_q16 as i64;
        let theta_q = match rng.below(4) {
            0 => h,
            1 => (h + 1).min(65536),
            2 => [0, 65536][rng.below(2) as usize],
            _ => rng.range(0, 65536),
        } as u32;
        out.push(Case {
            z,
            frac_bits: f,
            theta_q,
        });
    }
    out
}

/// How many cases exercise each path (from the golden model alone).
#[derive(Debug, Default)]
struct Coverage {
    /// `0 < H_q < 65536`: the exponential and logarithm paths matter.
    intermediate: usize,
    /// `H_q = 0`.
    zero: usize,
    /// Some, but not all, non-maximum classes dropped (distance ≥ 16.0).
    some_dropped: usize,
    /// A kept class with a distance in 15.0..16.0 (x in 3840..4096).
    near_clamp: usize,
    /// The maximum is tied.
    max_tied: usize,
    /// Exit and no exit.
    exit: usize,
    stay: usize,
    /// `ln S` rounding carries (i = 512).
    ln_carry: usize,
}

fn coverage(all: &[Case]) -> Coverage {
    let mut c = Coverage::default();
    for case in all {
        let t = entropy_fixed(&case.z, case.frac_bits);
        let m = *case.z.iter().max().unwrap();
        let f = case.frac_bits;
        let xs: Vec<u128> = case
            .z
            .iter()
            .map(|&v| {
                let e = (m as i128 - v as i128) as u128;
                if f > 8 {
                    (e + (1 << (f - 9))) >> (f - 8)
                } else {
                    e << (8 - f)
                }
            })
            .collect();
        let dropped = xs.iter().filter(|&&x| x >= 4096).count();
        c.intermediate += usize::from(t.h_q16 > 0 && t.h_q16 < 65536);
        c.zero += usize::from(t.h_q16 == 0);
        c.some_dropped += usize::from(dropped > 0 && dropped < xs.len() - 1);
        c.near_clamp += usize::from(xs.iter().any(|&x| (3840..4096).contains(&x)));
        c.max_tied += usize::from(case.z.iter().filter(|&&v| v == m).count() > 1);
        let ex = t.h_q16 < case.theta_q;
        c.exit += usize::from(ex);
        c.stay += usize::from(!ex);
        let p = 63 - t.s.leading_zeros();
        c.ln_carry += usize::from(((t.s >> (p - 9)) + 1) >> 1 == 512);
    }
    c
}

fn module(kind: EntropyUnitKind, params: EntropyUnitParams) -> spikeforge_dsl::Module {
    match kind {
        EntropyUnitKind::Parallel => entropy_unit(&params),
        EntropyUnitKind::Serial => entropy_unit_serial(&params),
        EntropyUnitKind::SerialPipelined => entropy_unit_serial_pipelined(&params),
    }
}

fn verilog(kind: EntropyUnitKind, params: EntropyUnitParams) -> VerilogOutput {
    let design = elaborate(&module(kind, params)).unwrap_or_else(|e| panic!("{e}"));
    emit_verilog(&design)
}

fn sources(v: &VerilogOutput) -> DesignSources {
    DesignSources::from_texts(&v.top, v.module_files())
}

fn write(v: &VerilogOutput) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::Builder::new()
        .prefix("sf-entropy-")
        .tempdir()
        .expect("temporary folder");
    v.write_files(dir.path()).expect("write Verilog");
    let files = v.files.iter().map(|f| dir.path().join(&f.name)).collect();
    (dir, files)
}

/// Runs `count` random cases through a Verilator build of the unit, with random idle gaps
/// (half of them back to back, `start` in the `done` cycle).
fn verilator_against_golden(
    kind: EntropyUnitKind,
    params: EntropyUnitParams,
    count: usize,
    seed: u64,
    frac_max: i64,
) {
    let v = verilog(kind, params);
    let mut sim = build(&sources(&v), &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let all = cases(params, count, seed, frac_max);
    let cov = coverage(&all);
    eprintln!("{}: {count} cases, {cov:?}", v.top);
    let min = count / 50;
    for (what, n) in [
        ("intermediate", cov.intermediate),
        ("zero", cov.zero),
        ("some_dropped", cov.some_dropped),
        ("near_clamp", cov.near_clamp),
        ("max_tied", cov.max_tied),
        ("exit", cov.exit),
        ("stay", cov.stay),
    ] {
        assert!(n >= min, "only {n} cases of kind {what}: {cov:?}");
    }
    let mut bench = Bench::new(&mut sim, kind, params, seed ^ 0x5EED);
    let mut seen_k = vec![false; params.max_classes as usize + 1];
    for case in &all {
        let gap = if bench.rng.coin(1, 2) {
            0
        } else {
            bench.rng.below(4) as usize
        };
        bench.run(case, gap);
        seen_k[case.z.len()] = true;
    }
    assert_eq!(bench.checked, count);
    assert!(
        seen_k[2..].iter().all(|&s| s),
        "every K in 2..=K_max has its latency checked"
    );
}

#[test]
fn verilator_k10_l16_matches_golden_bit_exactly_with_latency_2k_plus_22() {
    verilator_against_golden(
        EntropyUnitKind::Parallel,
        EntropyUnitParams {
            max_classes: 10,
            logit_bits: 16,
        },
        4000,
        1,
        16,
    );
}

#[test]
fn verilator_k100_l16_matches_golden_bit_exactly_with_latency_2k_plus_22() {
    verilator_against_golden(
        EntropyUnitKind::Parallel,
        EntropyUnitParams {
            max_classes: 100,
            logit_bits: 16,
        },
        2500,
        2,
        16,
    );
}

/// Wide logits; `frac_bits` over the port's whole range 0..=31.
#[test]
fn verilator_k3_l32_matches_golden_bit_exactly_with_latency_2k_plus_22() {
    verilator_against_golden(
        EntropyUnitKind::Parallel,
        EntropyUnitParams {
            max_classes: 3,
            logit_bits: 32,
        },
        3000,
        3,
        31,
    );
}

/// The serial unit: the same checks, with its `32·K + 40` edges.
#[test]
fn verilator_serial_k10_l16_matches_golden_bit_exactly_with_latency_32k_plus_40() {
    verilator_against_golden(
        EntropyUnitKind::Serial,
        EntropyUnitParams {
            max_classes: 10,
            logit_bits: 16,
        },
        4000,
        11,
        16,
    );
}

#[test]
fn verilator_serial_k100_l16_matches_golden_bit_exactly_with_latency_32k_plus_40() {
    verilator_against_golden(
        EntropyUnitKind::Serial,
        EntropyUnitParams {
            max_classes: 100,
            logit_bits: 16,
        },
        1000,
        12,
        16,
    );
}

#[test]
fn verilator_serial_k3_l32_matches_golden_bit_exactly_with_latency_32k_plus_40() {
    verilator_against_golden(
        EntropyUnitKind::Serial,
        EntropyUnitParams {
            max_classes: 3,
            logit_bits: 32,
        },
        3000,
        13,
        31,
    );
}

/// The pipelined serial unit (`[rtl] entropy_unit = "serial_pipelined"`): bit-exact, with
/// its `33·K + 40` edges and its logits read until edge `33·K − 32`.
#[test]
fn verilator_serial_pipelined_k10_l16_matches_golden_bit_exactly_with_latency_33k_plus_40() {
    verilator_against_golden(
        EntropyUnitKind::SerialPipelined,
        EntropyUnitParams {
            max_classes: 10,
            logit_bits: 16,
        },
        3000,
        14,
        16,
    );
}

#[test]
fn reference_evaluator_agrees_with_golden() {
    let params = EntropyUnitParams {
        max_classes: 5,
        logit_bits: 12,
    };
    for (kind, count) in [
        (EntropyUnitKind::Parallel, 150),
        (EntropyUnitKind::Serial, 40),
        (EntropyUnitKind::SerialPipelined, 40),
    ] {
        let design = elaborate(&module(kind, params)).unwrap_or_else(|e| panic!("{e}"));
        let mut ev = Evaluator::new(&design);
        let all = cases(params, count, 4, 16);
        let mut bench = Bench::new(&mut ev, kind, params, 44);
        for (i, case) in all.iter().enumerate() {
            bench.run(case, i % 3);
        }
    }
}

#[test]
fn hand_picked_cases() {
    for kind in [
        EntropyUnitKind::Parallel,
        EntropyUnitKind::Serial,
        EntropyUnitKind::SerialPipelined,
    ] {
        hand_picked(kind);
    }
}

fn hand_picked(kind: EntropyUnitKind) {
    let params = EntropyUnitParams {
        max_classes: 10,
        logit_bits: 16,
    };
    let v = verilog(kind, params);
    let mut sim = build(&sources(&v), &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut bench = Bench::new(&mut sim, kind, params, 5);
    let fixed: Vec<(Vec<i64>, u32)> = vec![
        (vec![5, 5, 5, 5], 0),
        (vec![100, 0, 0], 0),
        (vec![16, 0], 4),
        (vec![1 << 12, 0], 12),
        (vec![-32768, 32767], 16),
        (vec![32767, -32768, 32767], 0),
        (vec![0; 10], 16),
        (vec![-32768; 10], 3),
        (vec![7, 7, 3, 7, 1, 0, 7, 7, 7, 7], 1),
        (vec![1, 0], 16),
        (vec![0, 1], 0),
    ];
    // ln S rounding carries (the mantissa rounds up to 2.0): S just below a power of two.
    let mut carries = Vec::new();
    'search: for e1 in 100..400i64 {
        for e2 in e1..400 {
            let z = vec![0, -e1, -e2];
            let s = entropy_fixed(&z, 8).s;
            let p = 63 - s.leading_zeros();
            if ((s >> (p - 9)) + 1) >> 1 == 512 {
                carries.push((z, 8));
                if carries.len() == 20 {
                    break 'search;
                }
            }
        }
    }
    assert_eq!(carries.len(), 20, "ln S carry cases exist");
    for (z, f) in fixed.into_iter().chain(carries) {
        let h = entropy_fixed(&z, f).h_q16;
        for theta_q in [h, h + 1] {
            bench.run(
                &Case {
                    z: z.clone(),
                    frac_bits: f,
                    theta_q,
                },
                1,
            );
        }
    }
}

#[test]
fn verilator_lint_clean_and_yosys_check_clean() {
    for (kind, kmax, lb) in [
        (EntropyUnitKind::Parallel, 10, 16),
        (EntropyUnitKind::Parallel, 100, 16),
        (EntropyUnitKind::Parallel, 3, 32),
        (EntropyUnitKind::Serial, 10, 16),
        (EntropyUnitKind::Serial, 3, 32),
    ] {
        let v = verilog(
            kind,
            EntropyUnitParams {
                max_classes: kmax,
                logit_bits: lb,
            },
        );
        for f in &v.files {
            assert!(!f.contents.contains("lint_off"), "no lint pragmas");
        }
        let (_dir, files) = write(&v);
        let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(lint.is_clean(), "{}: {lint}", v.top);
        if kmax != 3 {
            let synth = tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
            assert!(synth.cells > 0);
            assert!(
                !synth.cell_types.keys().any(|c| c.contains("DLATCH")),
                "{}: latches {:?}",
                v.top,
                synth.cell_types
            );
        }
    }
}

/// Synthesis figures for the report (`cargo test --test entropy_unit -- --ignored
/// --nocapture`).
#[test]
#[ignore = "synthesis figures; slow"]
fn synthesis_figures() {
    for (kind, kmax) in [
        (EntropyUnitKind::Parallel, 10),
        (EntropyUnitKind::Parallel, 100),
        (EntropyUnitKind::Serial, 10),
        (EntropyUnitKind::Serial, 100),
    ] {
        let v = verilog(
            kind,
            EntropyUnitParams {
                max_classes: kmax,
                logit_bits: 16,
            },
        );
        let (_dir, files) = write(&v);
        let generic = tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        let ice = tools::yosys_synth_ice40(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        println!(
            "{}: generic cells {}, iCE40 LUT4 {:?}, FF {:?}, BRAM {:?}, carry {:?}",
            v.top, generic.cells, ice.luts, ice.ffs, ice.brams, ice.carries
        );
        println!("  generic: {:?}", generic.cell_types);
        println!("  ice40: {:?}", ice.cell_types);
    }
}
