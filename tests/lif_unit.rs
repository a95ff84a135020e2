//! The LIF unit generators (`spikeforge_generators::accel::lif_unit`) against the golden model
//! (`spikeforge_golden::lif`, `spikeforge_golden::channel_share`), bit-exact, on Verilator;
//! Verilator `-Wall` lint and Yosys `check -assert` of every generated design; iCE40 area of
//! C#1 against C#4. The generators and the golden model share no code.
//!
//! A fast sweep over many random parameter sets runs on the DSL's reference evaluator (no C++
//! compile); the fixed set of designs below runs on Verilator.

use num_bigint::BigUint;
use spikeforge_config::{FireCompare, Leak, LifParams, Reset};
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::{elaborate, emit_verilog, Module, VerilogOutput};
use spikeforge_generators::accel::lif_unit::{lif_step, lif_unit, LifUnitParams};
use spikeforge_golden::channel_share::SharedMembranes;
use spikeforge_golden::lif;
use spikeforge_rtlsim::{build, tools, BuildOptions, DesignSources, PortSpec, Simulator};
use std::path::PathBuf;

mod common;
use common::SplitMix;

// ---------------------------------------------------------------------------------------------
// Parameters

const fn p(
    membrane_bits: u32,
    current_bits: u32,
    leak: Leak,
    reset: Reset,
    fire_compare: FireCompare,
    share_factor: u32,
) -> LifUnitParams {
    LifUnitParams {
        membrane_bits,
        current_bits,
        leak,
        reset,
        fire_compare,
        share_factor,
        current_lead: false,
    }
}

/// `q` with the current and threshold leading (`current_lead`).
const fn lead(q: LifUnitParams) -> LifUnitParams {
    LifUnitParams {
        current_lead: true,
        ..q
    }
}

use FireCompare::{Ge, Gt};
use Leak::{Shift, Subtract};
use Reset::{Hard, Soft};

/// `lif_step` designs simulated on Verilator: every leak/reset/compare option, membranes of
/// 2..24 bits, currents narrower and (much) wider than the membrane, shift k = 1 and k = M − 1,
/// subtract d = 1 and d = v_max, and the widest current with a shift leak (its saturation
/// chains are 66 bits wide).
const STEP_DESIGNS: [LifUnitParams; 11] = [
    p(8, 12, Shift(2), Hard, Ge, 1),
    lead(p(8, 24, Shift(2), Hard, Ge, 1)),
    lead(p(6, 9, Subtract(5), Soft, Gt, 1)),
    p(2, 4, Leak::None, Soft, Gt, 1),
    p(24, 20, Subtract(1000), Soft, Ge, 1),
    p(16, 32, Shift(15), Hard, Gt, 1),
    p(12, 5, Subtract(1), Hard, Ge, 1),
    p(5, 40, Shift(1), Soft, Gt, 1),
    p(4, 6, Subtract(7), Soft, Ge, 1),
    p(24, 48, Leak::None, Hard, Gt, 1),
    p(8, 64, Shift(3), Soft, Ge, 1),
];

/// `lif_unit` designs simulated on Verilator: share factors 1, 2, 4, 8; the current and
/// threshold leading or not (the first of those is the LIF datapath of the FPGA prototype
/// with `ram_output_regs`).
const UNIT_DESIGNS: [LifUnitParams; 9] = [
    lead(p(8, 24, Shift(2), Hard, Ge, 1)),
    lead(p(16, 20, Subtract(7), Soft, Gt, 2)),
    lead(p(5, 12, Leak::None, Hard, Gt, 4)),
    p(8, 12, Shift(2), Hard, Ge, 1),
    p(8, 12, Shift(2), Hard, Ge, 4),
    p(16, 20, Subtract(7), Soft, Gt, 2),
    p(3, 10, Leak::None, Soft, Ge, 8),
    p(24, 16, Shift(5), Hard, Gt, 8),
    p(6, 4, Subtract(3), Hard, Gt, 4),
];

/// The iCE40 area comparison: C#1 against C#4 at M = 8 and 16 (the M = 8 pair is also
/// simulated above).
const AREA_DESIGNS: [LifUnitParams; 4] = [
    p(8, 12, Shift(2), Hard, Ge, 1),
    p(8, 12, Shift(2), Hard, Ge, 4),
    p(16, 20, Shift(2), Hard, Ge, 1),
    p(16, 20, Shift(2), Hard, Ge, 4),
];

fn golden_params(p: &LifUnitParams, threshold: i64) -> LifParams {
    LifParams {
        membrane_bits: p.membrane_bits,
        threshold,
        leak: p.leak,
        reset: p.reset,
        fire_compare: p.fire_compare,
        share_factor: p.share_factor,
    }
}

// ---------------------------------------------------------------------------------------------
// Random stimulus

/// A generator of LIF stimuli, seeded per design.
fn rng_for(seed: u64) -> SplitMix {
    SplitMix(seed ^ 0x5EED_1F0C_0DE5_A11C)
}

/// LIF-shaped random values on top of the shared generator.
trait LifStimulus {
    fn signed(&mut self, bits: u32) -> i64;
    fn current(&mut self, cb: u32, mb: u32) -> i64;
    fn threshold(&mut self, mb: u32) -> i64;
}

impl LifStimulus for SplitMix {
    /// A `bits`-wide signed value: an edge value (min, min+1, −1, 0, 1, max−1, max) a quarter
    /// of the time, a small value an eighth of the time, otherwise uniform.
    fn signed(&mut self, bits: u32) -> i64 {
        let (lo, hi) = (smin(bits), smax(bits));
        match self.below(8) {
            0 | 1 => {
                let edges = [lo, lo + 1, -1, 0, 1, hi - 1, hi];
                edges[self.below(edges.len() as u64) as usize].clamp(lo, hi)
            }
            2 => self.range(-16, 16).clamp(lo, hi),
            _ => self.range(lo, hi),
        }
    }
    /// A current for a membrane of `mb` bits: edge/uniform values of the current's own width
    /// (huge when the current is wider), or values of membrane scale that sometimes saturate.
    fn current(&mut self, cb: u32, mb: u32) -> i64 {
        if self.chance(2) {
            self.signed(cb)
        } else {
            self.range(2 * smin(mb), 2 * smax(mb))
                .clamp(smin(cb), smax(cb))
        }
    }
    /// θ in 1..=v_max: 1, v_max, or uniform.
    fn threshold(&mut self, mb: u32) -> i64 {
        match self.below(6) {
            0 => 1,
            1 => smax(mb),
            _ => self.range(1, smax(mb)),
        }
    }
}

/// The smallest `bits`-bit signed value (1..=64 bits).
fn smin(bits: u32) -> i64 {
    i64::MIN >> (64 - bits)
}

/// The largest `bits`-bit signed value (1..=64 bits).
fn smax(bits: u32) -> i64 {
    i64::MAX >> (64 - bits)
}

// ---------------------------------------------------------------------------------------------
// One driver for both simulators

/// A device under test with signed ports: Verilator or the reference evaluator.
trait Dut {
    fn set(&mut self, port: &str, value: i64);
    fn get(&mut self, port: &str) -> i64;
    fn clock(&mut self);
    fn reset(&mut self);
}

impl Dut for Simulator {
    fn set(&mut self, port: &str, value: i64) {
        self.poke_i64(port, value)
            .unwrap_or_else(|e| panic!("poke {port}: {e}"));
    }
    fn get(&mut self, port: &str) -> i64 {
        self.peek_i64(port)
            .unwrap_or_else(|e| panic!("peek {port}: {e}"))
    }
    fn clock(&mut self) {
        self.step();
    }
    fn reset(&mut self) {
        Simulator::reset(self, 2);
    }
}

/// The evaluator with the port types of the top module.
struct Eval {
    ev: Evaluator,
    ports: Vec<(String, u32, bool)>,
    dirty: bool,
}

impl Eval {
    fn new(m: &Module) -> Eval {
        let design = elaborate(m).unwrap_or_else(|e| panic!("{}: {e}", m.name()));
        let ports = m
            .ports()
            .into_iter()
            .map(|(name, ty, _)| (name, ty.width(), ty.is_signed()))
            .collect();
        Eval {
            ev: Evaluator::new(&design),
            ports,
            dirty: false,
        }
    }
    fn port(&self, name: &str) -> (u32, bool) {
        let (_, w, s) = self
            .ports
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("no port {name}"));
        (*w, *s)
    }
}

impl Dut for Eval {
    fn set(&mut self, port: &str, value: i64) {
        let (w, _) = self.port(port);
        let mask = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
        self.ev
            .poke(port, &BigUint::from(value as u64 & mask))
            .unwrap_or_else(|e| panic!("poke {port}: {e}"));
        self.dirty = true;
    }
    fn get(&mut self, port: &str) -> i64 {
        if self.dirty {
            self.ev.eval();
            self.dirty = false;
        }
        let (w, signed) = self.port(port);
        let raw = self.ev.peek(port).expect("peek");
        let raw: u64 = raw.try_into().expect("≤ 64 bits");
        if signed && w < 64 {
            ((raw << (64 - w)) as i64) >> (64 - w)
        } else {
            raw as i64
        }
    }
    fn clock(&mut self) {
        self.ev.step();
        self.dirty = false;
    }
    fn reset(&mut self) {
        self.ev.reset(2);
        self.dirty = false;
    }
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the Verilator and evaluator tests

/// One `lif_step` vector against `lif::step`.
fn check_step_vector(dut: &mut impl Dut, p: &LifUnitParams, v: i64, i: i64, theta: i64) {
    dut.set("v", v);
    dut.set("current", i);
    dut.set("threshold", theta);
    if p.current_lead {
        // `I' − θ` as the fire comparison takes it (`− 1` more for `>`), `I'` the current's
        // low M + 1 bits as a signed value.
        let bias = theta + i64::from(p.fire_compare == Gt);
        let low = (i << (63 - p.membrane_bits)) >> (63 - p.membrane_bits);
        dut.set("current_over_threshold", low - bias);
    }
    let want = lif::step(v, i, &golden_params(p, theta));
    let got = (dut.get("v_next"), dut.get("spike") != 0);
    assert_eq!(
        got, want,
        "{p:?}: v = {v}, current = {i}, θ = {theta}: (v_next, spike) = {got:?}, golden {want:?}"
    );
}

/// Random vectors (edge-biased) through `lif_step`, plus every input combination when there
/// are at most 2^16 of them. Returns the number of vectors.
fn check_step(dut: &mut impl Dut, p: &LifUnitParams, random: usize, seed: u64) -> usize {
    let (mb, cb) = (p.membrane_bits, p.current_bits);
    let mut rng = rng_for(seed);
    let mut count = 0;
    // Corners: v and I at their extremes with θ = 1 and θ = max.
    let vs = [smin(mb), smin(mb) + 1, -1, 0, 1, smax(mb) - 1, smax(mb)];
    let is = [smin(cb), -1, 0, 1, smax(cb)];
    for &theta in &[1, smax(mb)] {
        for &v in &vs {
            for &i in &is {
                let (v, i) = (v.clamp(smin(mb), smax(mb)), i.clamp(smin(cb), smax(cb)));
                check_step_vector(dut, p, v, i, theta);
                count += 1;
            }
        }
    }
    for _ in 0..random {
        let (v, i, theta) = (rng.signed(mb), rng.current(cb, mb), rng.threshold(mb));
        check_step_vector(dut, p, v, i, theta);
        count += 1;
    }
    // v, I and θ take 2^M · 2^C · (2^(M−1) − 1) < 2^(2M−1+C) combinations.
    if 2 * mb - 1 + cb <= 16 {
        for v in smin(mb)..=smax(mb) {
            for i in smin(cb)..=smax(cb) {
                for theta in 1..=smax(mb) {
                    check_step_vector(dut, p, v, i, theta);
                    count += 1;
                }
            }
        }
    }
    count
}

/// One cycle of `lif_unit` stimulus.
#[derive(Clone, Copy, Debug)]
struct UnitCycle {
    valid: bool,
    first: bool,
    v_mem: i64,
    current: i64,
    threshold: i64,
}

/// Presents `now` on the unit's ports for this cycle: `current` and `threshold` are `now`'s,
/// or with `current_lead` those of `next` (the next cycle's step; the inputs are don't-care
/// after the last).
fn present(dut: &mut impl Dut, p: &LifUnitParams, now: &UnitCycle, next: Option<&UnitCycle>) {
    dut.set("valid", i64::from(now.valid));
    dut.set("first", i64::from(now.first));
    dut.set("v_mem", now.v_mem);
    let ahead = if p.current_lead { next } else { Some(now) };
    if let Some(c) = ahead {
        dut.set("current", c.current);
        dut.set("threshold", c.threshold);
    }
}

/// With `current_lead`, one idle cycle that presents the first step's current and threshold
/// (the unit registers them for the next cycle).
fn prime(dut: &mut impl Dut, p: &LifUnitParams, first: &UnitCycle) {
    if p.current_lead {
        let idle = UnitCycle {
            valid: false,
            ..*first
        };
        present(dut, p, &idle, Some(first));
        dut.clock();
    }
}

/// Drives `states` shared membrane states through `lif_unit`, n group steps each, with random
/// idle cycles in between (and random junk on the ignored inputs), and checks every cycle's
/// outputs against `lif::step` chained as `channel_share` chains it. Returns the number of
/// group steps.
fn check_unit_chain(dut: &mut impl Dut, p: &LifUnitParams, states: usize, seed: u64) -> usize {
    let (mb, cb, n) = (p.membrane_bits, p.current_bits, p.share_factor);
    let mut rng = rng_for(seed);
    // The stimulus: (cycle, its state and group; none for an idle cycle).
    let mut cycles: Vec<(UnitCycle, Option<(usize, u32)>)> = Vec::new();
    for s in 0..states {
        let theta = rng.threshold(mb);
        let v = rng.signed(mb);
        for g in 0..n {
            if rng.chance(8) {
                // An idle cycle: junk on the ignored inputs.
                let junk = UnitCycle {
                    valid: false,
                    first: rng.chance(2),
                    v_mem: rng.signed(mb),
                    current: rng.current(cb, mb),
                    threshold: theta,
                };
                cycles.push((junk, None));
            }
            let current = rng.current(cb, mb);
            // After group 0, v_mem must be ignored: drive junk.
            let v_mem = if g == 0 { v } else { rng.signed(mb) };
            let step = UnitCycle {
                valid: true,
                first: g == 0,
                v_mem,
                current,
                threshold: theta,
            };
            cycles.push((step, Some((s, g))));
        }
    }
    dut.reset();
    for name in ["spike", "spike_valid", "v_valid"] {
        assert_eq!(dut.get(name), 0, "{p:?}: {name} after reset");
    }
    prime(dut, p, &cycles[0].0);
    let (mut steps, mut v) = (0, 0);
    let mut last_v: Option<i64> = None;
    for (k, (c, at)) in cycles.iter().enumerate() {
        present(dut, p, c, cycles.get(k + 1).map(|(n, _)| n));
        let Some((s, g)) = at else {
            // An idle cycle: nothing fires, nothing is written back, the carry holds.
            dut.clock();
            let ctx = format!("{p:?}: idle cycle {k}");
            assert_eq!(dut.get("spike"), 0, "{ctx}: spike");
            assert_eq!(dut.get("spike_valid"), 0, "{ctx}: spike_valid");
            assert_eq!(dut.get("v_valid"), 0, "{ctx}: v_valid");
            if let Some(lv) = last_v {
                assert_eq!(dut.get("v_out"), lv, "{ctx}: v_out holds");
            }
            continue;
        };
        if c.first {
            v = c.v_mem;
        }
        let (nv, fire) = lif::step(v, c.current, &golden_params(p, c.threshold));
        let ctx = format!(
            "{p:?}: state {s}, group {g}: v = {v}, current = {}, θ = {}",
            c.current, c.threshold
        );
        // The combinational post-step state, before the edge that registers it.
        assert_eq!(dut.get("v_next"), nv, "{ctx}: v_next before the edge");
        dut.clock();
        assert_eq!(dut.get("spike_valid"), 1, "{ctx}: spike_valid");
        assert_eq!(dut.get("spike") != 0, fire, "{ctx}: spike");
        assert_eq!(dut.get("v_out"), nv, "{ctx}: v_out");
        assert_eq!(dut.get("v_valid") != 0, *g == n - 1, "{ctx}: v_valid");
        v = nv;
        last_v = Some(nv);
        steps += 1;
    }
    steps
}

/// A whole LIF layer over several timesteps, the way a controller would drive the unit:
/// membrane memory in the test (one word per shared state), the n groups of each state in n
/// consecutive cycles, write-back on `v_valid`. Spikes and memory contents must equal
/// `channel_share::SharedMembranes` after every timestep. Returns the number of group steps.
fn check_unit_layer(dut: &mut impl Dut, p: &LifUnitParams, seed: u64) -> usize {
    let (mb, n) = (p.membrane_bits, p.share_factor as usize);
    let mut rng = rng_for(seed);
    let (group, positions, timesteps) = (3usize, 5usize, 6usize);
    let channels = n * group;
    let theta = rng.threshold(mb);
    let mut golden = SharedMembranes::new(golden_params(p, theta), channels, positions);
    let mut mem = vec![0i64; positions * group];
    let cb = p.current_bits.min(32);
    let currents: Vec<Vec<i32>> = (0..timesteps)
        .map(|_| {
            (0..positions * channels)
                .map(|_| rng.current(cb, mb) as i32)
                .collect()
        })
        .collect();
    // The steps in the order the controller presents them: (timestep, position, j, group).
    let order: Vec<(usize, usize, usize, usize)> = (0..timesteps)
        .flat_map(|t| {
            (0..positions).flat_map(move |pos| {
                (0..group).flat_map(move |j| (0..n).map(move |g| (t, pos, j, g)))
            })
        })
        .collect();
    let cycle = |&(t, pos, j, g): &(usize, usize, usize, usize), v_mem: i64| UnitCycle {
        valid: true,
        first: g == 0,
        v_mem,
        current: i64::from(currents[t][pos * channels + g * group + j]),
        threshold: theta,
    };
    dut.reset();
    prime(dut, p, &cycle(&order[0], 0));
    let mut got = Vec::new();
    for (k, at) in order.iter().enumerate() {
        let &(t, pos, j, g) = at;
        let now = cycle(at, mem[pos * group + j]);
        let next = order.get(k + 1).map(|a| cycle(a, 0));
        present(dut, p, &now, next.as_ref());
        dut.clock();
        if dut.get("spike") != 0 {
            got.push(((g * group + j) * positions + pos) as u32);
        }
        if dut.get("v_valid") != 0 {
            mem[pos * group + j] = dut.get("v_out");
        }
        if order.get(k + 1).is_none_or(|a| a.0 != t) {
            let mut want = Vec::new();
            golden.step(&currents[t], &mut want);
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{p:?}, θ = {theta}: spikes at timestep {t}");
            got.clear();
            let golden_mem: Vec<i64> = golden.values().iter().map(|&v| v as i64).collect();
            assert_eq!(
                mem, golden_mem,
                "{p:?}, θ = {theta}: membranes after timestep {t}"
            );
        }
    }
    order.len()
}

// ---------------------------------------------------------------------------------------------
// Verilog, Verilator, tools

fn verilog(m: &Module) -> VerilogOutput {
    emit_verilog(&elaborate(m).unwrap_or_else(|e| panic!("{}: {e}", m.name())))
}

fn step_ports(p: &LifUnitParams) -> Vec<PortSpec> {
    let mb = p.membrane_bits;
    let mut ports = vec![
        PortSpec::input("v", mb).signed(),
        PortSpec::input("current", p.current_bits).signed(),
        PortSpec::input("threshold", mb).signed(),
    ];
    if p.current_lead {
        ports.push(PortSpec::input("current_over_threshold", mb + 2).signed());
    }
    ports.push(PortSpec::output("v_next", mb).signed());
    ports.push(PortSpec::output("spike", 1));
    ports
}

fn unit_ports(p: &LifUnitParams) -> Vec<PortSpec> {
    let mb = p.membrane_bits;
    vec![
        PortSpec::input("clk", 1),
        PortSpec::input("rst", 1),
        PortSpec::input("valid", 1),
        PortSpec::input("first", 1),
        PortSpec::input("v_mem", mb).signed(),
        PortSpec::input("current", p.current_bits).signed(),
        PortSpec::input("threshold", mb).signed(),
        PortSpec::output("spike", 1),
        PortSpec::output("spike_valid", 1),
        PortSpec::output("v_out", mb).signed(),
        PortSpec::output("v_valid", 1),
        PortSpec::output("v_next", mb).signed(),
    ]
}

fn simulator(v: &VerilogOutput, ports: Vec<PortSpec>, clocked: bool) -> Simulator {
    let src = DesignSources {
        ports,
        ..DesignSources::from_texts(&v.top, v.module_files())
    };
    let src = if clocked {
        src
    } else {
        src.with_clock(None).with_reset(None)
    };
    build(&src, &BuildOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", v.top))
}

fn write(v: &VerilogOutput) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("sf-{}-", v.top))
        .tempdir()
        .expect("temporary folder");
    v.write_files(dir.path()).expect("write Verilog");
    let files = v.files.iter().map(|f| dir.path().join(&f.name)).collect();
    (dir, files)
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn module_names_and_parameter_checks() {
    let q = p(8, 12, Shift(2), Hard, Ge, 4);
    assert_eq!(lif_step(&q).name(), "lif_step_m8_c12_shift2_hard_ge");
    assert_eq!(lif_unit(&q).name(), "lif_unit_m8_c12_shift2_hard_ge_n4");
    let r = p(16, 20, Subtract(7), Soft, Gt, 1);
    assert_eq!(lif_step(&r).name(), "lif_step_m16_c20_sub7_soft_gt");
    let text = verilog(&lif_unit(&q));
    let top = text.file("lif_unit_m8_c12_shift2_hard_ge_n4.v").unwrap();
    for param in [
        "membrane_bits",
        "current_bits",
        "leak",
        "reset",
        "fire_compare",
        "share_factor",
    ] {
        assert!(top.contains(param), "parameter {param} in the header");
    }
    assert!(q.validate().is_ok());
    for bad in [
        p(1, 8, Leak::None, Hard, Ge, 1),
        p(25, 8, Leak::None, Hard, Ge, 1),
        p(8, 0, Leak::None, Hard, Ge, 1),
        p(8, 8, Shift(0), Hard, Ge, 1),
        p(8, 8, Subtract(0), Hard, Ge, 1),
        p(8, 8, Subtract(128), Hard, Ge, 1),
        p(8, 8, Leak::None, Hard, Ge, 3),
        p(8, 8, Leak::None, Hard, Ge, 16),
    ] {
        assert!(bad.validate().is_err(), "{bad:?} must be rejected");
    }
}

#[test]
#[should_panic(expected = "invalid LifUnitParams: share_factor = 3")]
fn generators_reject_invalid_parameters() {
    lif_unit(&p(8, 8, Leak::None, Hard, Ge, 3));
}

/// Many random parameter sets on the reference evaluator (no C++ compile): every option, every
/// membrane width 2..=24, currents of 1..=48 bits, any shift (also k ≥ M), d up to v_max.
#[test]
fn lif_step_and_unit_match_golden_over_random_parameters_in_the_evaluator() {
    let mut rng = rng_for(0xE7A1);
    let (mut step_vectors, mut unit_steps) = (0, 0);
    for case in 0..460 {
        let mb = 2 + (case % 23) as u32;
        let cb = 1 + rng.below(48) as u32;
        let leak = match rng.below(3) {
            0 => Leak::None,
            1 => Shift(1 + rng.below(u64::from(mb) + 1) as u32),
            _ => Subtract(rng.range(1, smax(mb))),
        };
        let reset = if rng.chance(2) { Hard } else { Soft };
        let cmp = if rng.chance(2) { Ge } else { Gt };
        let n = 1 << rng.below(4);
        let q = p(mb, cb, leak, reset, cmp, n);
        let q = if case % 3 == 0 { lead(q) } else { q };
        step_vectors += check_step(&mut Eval::new(&lif_step(&q)), &q, 150, case);
        let mut unit = Eval::new(&lif_unit(&q));
        unit_steps += check_unit_chain(&mut unit, &q, 25, case);
        unit_steps += check_unit_layer(&mut unit, &q, case);
    }
    eprintln!("evaluator: {step_vectors} lif_step vectors, {unit_steps} lif_unit group steps");
}

#[test]
fn lif_step_matches_golden_on_verilator() {
    for (k, q) in STEP_DESIGNS.iter().enumerate() {
        let v = verilog(&lif_step(q));
        let mut sim = simulator(&v, step_ports(q), false);
        let count = check_step(&mut sim, q, 20_000, 100 + k as u64);
        assert!(count >= 5_000);
        eprintln!("{}: {count} vectors match lif::step", v.top);
    }
}

#[test]
fn lif_unit_matches_golden_channel_share_on_verilator() {
    for (k, q) in UNIT_DESIGNS.iter().enumerate() {
        let v = verilog(&lif_unit(q));
        let mut sim = simulator(&v, unit_ports(q), true);
        let chain = check_unit_chain(&mut sim, q, 4_000, 200 + k as u64);
        let layer = check_unit_layer(&mut sim, q, 300 + k as u64);
        eprintln!(
            "{}: {chain} chained group steps match lif::step, {layer} layer steps match \
             channel_share::SharedMembranes",
            v.top
        );
    }
}

#[test]
fn generated_designs_are_lint_clean_and_pass_yosys_check() {
    let modules = STEP_DESIGNS
        .iter()
        .map(lif_step)
        .chain(UNIT_DESIGNS.iter().map(lif_unit))
        .chain(AREA_DESIGNS.iter().map(lif_unit));
    for m in modules {
        let v = verilog(&m);
        for f in &v.files {
            assert!(
                !f.contents.contains("lint_off"),
                "{}: no lint pragmas",
                f.name
            );
        }
        let (_dir, files) = write(&v);
        let lint = tools::verilator_lint(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
        assert!(lint.is_clean(), "{}: {lint}", v.top);
        let synth = tools::yosys_check(&files, &v.top).unwrap_or_else(|e| panic!("{}: {e}", v.top));
        assert!(synth.cells > 0, "{}: no cells", v.top);
    }
}

/// The area argument of C#n: one datapath serves n channels, so the LIF logic per channel
/// falls with n (the membrane memory, outside this unit, falls n× as well).
#[test]
fn ice40_area_per_channel_falls_with_share_factor() {
    eprintln!("iCE40 (synth_ice40), shift(2) leak, hard reset, ≥, current = membrane + 4 bits:");
    eprintln!("membrane_bits  n  LUT4  DFF  CARRY  LUT4/channel  DFF/channel");
    for pair in AREA_DESIGNS.chunks(2) {
        let mut per_channel = Vec::new();
        for q in pair {
            let (mb, n) = (q.membrane_bits, q.share_factor);
            let v = verilog(&lif_unit(q));
            let (_dir, files) = write(&v);
            let r = tools::yosys_synth_ice40(&files, &v.top).unwrap_or_else(|e| panic!("{e}"));
            let (luts, ffs) = (r.luts.unwrap(), r.ffs.unwrap());
            eprintln!(
                "{mb:>13} {n:>2} {luts:>5} {ffs:>4} {:>6} {:>13.1} {:>12.1}",
                r.carries.unwrap(),
                luts as f64 / n as f64,
                ffs as f64 / n as f64
            );
            per_channel.push((luts + ffs) as f64 / n as f64);
        }
        assert!(
            per_channel[1] < per_channel[0] / 2.0,
            "C#4 must need well under half the LIF cells per channel of C#1 ({per_channel:?})"
        );
    }
}
