//! Accepted means buildable (issue 8, item 3): accelerator configurations drawn across the
//! *whole* documented range of every field (docs/formats.md, "Accelerator configuration"),
//! with each field's minimum and maximum mixed in explicitly and values just outside the
//! range, go through the public parse path (TOML text → `AcceleratorConfig::parse`). Each
//! either fails with an error naming a field that breaks a documented rule, or generates
//! Verilog (`accelerator` → `elaborate` → `emit_verilog`, as `spikeforge generate` does) that
//! `verilator --lint-only -Wall` passes with no warning.
//!
//! The documented ranges are written out below as the oracle, independently of the config
//! crate's constants: a configuration inside every range must be accepted, one outside must
//! be refused naming the field.
//!
//! - `all_fields_at_their_maximum` (the 64×64 array with the deepest scratchpads, widest
//!   words and largest buffers: the slowest lint, about 40 s) and
//!   `minimum_and_mixed_corners`: the extremes, always.
//! - `each_field_just_outside`: every field's neighbours of its range, one at a time, on both
//!   corners (no lint: refused).
//! - `random_configurations`: proptest; 12 cases by default, `SPIKEFORGE_ACCEL_RANGE_CASES=N`
//!   sets the number. A failure prints the configuration's TOML.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use spikeforge_config::{AcceleratorConfig, Format};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_generators::accel::top::accelerator;
use spikeforge_rtlsim::tools;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The file name the errors must carry.
const FILE: &str = "range.toml";

// ---------------------------------------------------------------- the documented ranges

const ROWS: (u64, u64) = (1, 64);
const COLS: (u64, u64) = (1, 64);
const SPAD: (u64, u64) = (1, 1024);
const PSUM: (u64, u64) = (4, 48);
const PREGS: (u64, u64) = (0, 64);
const TICK_BATCH: (u64, u64) = (1, 1024);
const CLOCK_MHZ: (f64, f64) = (1e-3, 1e5);
const MEMBRANE_BITS: (u64, u64) = (2, 24);
const NAME_CHARS: usize = 64;
const BUFFERS: [&str; 5] = ["weight", "input_spike", "output_spike", "psum", "membrane"];
/// The `[rtl]` limits: (key, range), in the order of `Case::rtl`.
const RTL: [(&str, (u64, u64)); 4] = [
    ("max_stages", (1, 16)),
    ("max_classes", (2, 16)),
    ("logit_bits", (8, 24)),
    ("counter_bits", (32, 64)),
];

/// Largest buffer of a configuration with `cols` columns (bits): 2^30, and 2^28 words of
/// `cols` bits.
fn max_buffer_bits(cols: u64) -> u64 {
    (1u64 << 30).min((1u64 << 28) * cols.max(1))
}

// ---------------------------------------------------------------- one configuration

/// The leak of the `[lif]` section.
#[derive(Debug, Clone, Copy)]
enum LeakCase {
    None,
    Shift(u64),
    Subtract(u64),
}

/// The `[lif]` section.
#[derive(Debug, Clone)]
struct LifCase {
    weight_bits: u64,
    membrane_bits: u64,
    leak: LeakCase,
    soft: bool,
    gt: bool,
    share_factor: u64,
}

/// A configuration as written in the file (values may lie outside the ranges).
#[derive(Debug, Clone)]
struct Case {
    name: String,
    rows: u64,
    cols: u64,
    spad: u64,
    psum_bits: u64,
    lif_units: u64,
    pipeline_regs: u64,
    double_buffer: bool,
    clock_mhz: f64,
    buffers: [u64; 5],
    tech: usize,
    tick_batch: u64,
    lif: Option<LifCase>,
    /// `[rtl]`: max_stages, max_classes, logit_bits, counter_bits (`None`: no section).
    rtl: Option<[u64; 4]>,
}

impl Case {
    /// The configuration file.
    fn toml(&self) -> String {
        let mut t = format!(
            "name = \"{}\"\nrows = {}\ncols = {}\nweight_spad_depth = {}\npsum_bits = {}\n\
             lif_units = {}\npipeline_regs = {}\ndouble_buffer = {}\nclock_mhz = {:e}\n",
            self.name,
            self.rows,
            self.cols,
            self.spad,
            self.psum_bits,
            self.lif_units,
            self.pipeline_regs,
            self.double_buffer,
            self.clock_mhz
        );
        for (i, b) in BUFFERS.iter().enumerate() {
            let tech = ["sram", "stt_mram", "sot_mram"][(self.tech + i) % 3];
            t += &format!(
                "[buffers.{b}]\nsize_bits = {}\ntech = \"{tech}\"\n",
                self.buffers[i]
            );
        }
        t += &format!("[schedule]\ntick_batch = {}\n", self.tick_batch);
        if let Some(r) = &self.rtl {
            t += "[rtl]\n";
            for ((key, _), v) in RTL.iter().zip(r) {
                t += &format!("{key} = {v}\n");
            }
        }
        if let Some(l) = &self.lif {
            let leak = match l.leak {
                LeakCase::None => "none".to_string(),
                LeakCase::Shift(k) => format!("shift({k})"),
                LeakCase::Subtract(d) => format!("subtract({d})"),
            };
            t += &format!(
                "[lif]\nweight_bits = {}\nmembrane_bits = {}\nleak = \"{leak}\"\n\
                 reset = \"{}\"\nfire_compare = \"{}\"\nshare_factor = {}\n",
                l.weight_bits,
                l.membrane_bits,
                if l.soft { "soft" } else { "hard" },
                if l.gt { "gt" } else { "ge" },
                l.share_factor
            );
        }
        t
    }

    /// The documented rules this configuration breaks, each with the fields an error may
    /// name for it. Empty: the configuration must be accepted.
    fn broken_rules(&self) -> Vec<Vec<String>> {
        let mut broken: Vec<Vec<String>> = Vec::new();
        let mut rule = |ok: bool, fields: &[&str]| {
            if !ok {
                broken.push(fields.iter().map(|f| f.to_string()).collect());
            }
        };
        let inr = |v: u64, (lo, hi): (u64, u64)| (lo..=hi).contains(&v);
        let name_ok =
            !self.name.is_empty()
                && self.name.len() <= NAME_CHARS
                && self.name.chars().enumerate().all(|(i, c)| {
                    c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
                });
        rule(name_ok, &["name"]);
        rule(inr(self.rows, ROWS), &["rows"]);
        rule(inr(self.cols, COLS), &["cols"]);
        rule(self.lif_units == self.cols, &["lif_units", "cols"]);
        rule(inr(self.spad, SPAD), &["weight_spad_depth"]);
        rule(
            !self.double_buffer || self.spad >= 2,
            &["weight_spad_depth", "double_buffer"],
        );
        rule(inr(self.psum_bits, PSUM), &["psum_bits"]);
        rule(inr(self.pipeline_regs, PREGS), &["pipeline_regs"]);
        rule(
            self.clock_mhz >= CLOCK_MHZ.0 && self.clock_mhz <= CLOCK_MHZ.1,
            &["clock_mhz"],
        );
        for (i, b) in BUFFERS.iter().enumerate() {
            let field = format!("buffers.{b}.size_bits");
            rule(
                (1..=max_buffer_bits(self.cols)).contains(&self.buffers[i]),
                &[field.as_str(), "cols"],
            );
        }
        rule(inr(self.tick_batch, TICK_BATCH), &["schedule.tick_batch"]);
        if let Some(r) = &self.rtl {
            for ((key, range), v) in RTL.iter().zip(r) {
                let field = format!("rtl.{key}");
                rule(inr(*v, *range), &[field.as_str()]);
            }
        }
        let weight_bits = self.lif.as_ref().map_or(4, |l| l.weight_bits);
        if let Some(l) = &self.lif {
            rule([2, 4, 8, 16].contains(&l.weight_bits), &["lif.weight_bits"]);
            rule(inr(l.membrane_bits, MEMBRANE_BITS), &["lif.membrane_bits"]);
            rule(
                [1, 2, 4, 8].contains(&l.share_factor),
                &["lif.share_factor"],
            );
            let v_max = (1u64 << (l.membrane_bits.clamp(1, 63) - 1)) - 1;
            let leak_ok = match l.leak {
                LeakCase::None => true,
                LeakCase::Shift(k) => k >= 1 && k < l.membrane_bits,
                LeakCase::Subtract(d) => d >= 1 && d <= v_max,
            };
            rule(leak_ok, &["lif.leak", "lif.membrane_bits"]);
        }
        rule(
            self.psum_bits >= weight_bits,
            &["psum_bits", "lif.weight_bits"],
        );
        broken
    }
}

// ---------------------------------------------------------------- the check

/// Parses the case's TOML; refused: the error names the file and a field of a broken rule;
/// accepted: no rule is broken, and the generated Verilog lints clean. `Ok(true)`: accepted.
fn check(case: &Case) -> Result<bool, TestCaseError> {
    let text = case.toml();
    let broken = case.broken_rules();
    match AcceleratorConfig::parse(&text, Format::Toml, FILE) {
        Err(e) => {
            prop_assert!(
                !broken.is_empty(),
                "a configuration inside every documented range was refused: {e}\n{text}"
            );
            prop_assert_eq!(&e.file, FILE);
            prop_assert!(
                broken.iter().flatten().any(|f| *f == e.field),
                "the error names `{}`, not a field of a broken rule {:?}: {}\n{}",
                e.field,
                broken,
                e,
                text
            );
            prop_assert!(!e.message.is_empty(), "{e}");
            Ok(false)
        }
        Ok(cfg) => {
            prop_assert!(
                broken.is_empty(),
                "accepted, but it breaks the documented rules {broken:?}\n{text}"
            );
            lint_clean(&cfg).map_err(|m| TestCaseError::fail(format!("{m}\n{text}")))?;
            Ok(true)
        }
    }
}

/// Generates the configuration's Verilog as `spikeforge generate` does and lints it.
fn lint_clean(cfg: &AcceleratorConfig) -> Result<(), String> {
    let params = AccelParams::from_accel(cfg);
    let design = spikeforge_dsl::elaborate(&accelerator(&params))
        .map_err(|e| format!("an accepted configuration does not elaborate: {e}"))?;
    let verilog = spikeforge_dsl::emit_verilog(&design);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let files =
        tools::write_sources(dir.path(), &verilog.module_files()).map_err(|e| e.to_string())?;
    let lint = tools::verilator_lint(&files, &verilog.top).map_err(|e| e.to_string())?;
    if lint.is_clean() {
        Ok(())
    } else {
        Err(format!("verilator --lint-only -Wall: {lint}"))
    }
}

fn run(case: &Case) {
    match check(case) {
        Ok(true) => {}
        Ok(false) => panic!("a corner inside every range was refused:\n{}", case.toml()),
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------- corners

/// Every field at its minimum (1×1 array, 1-bit buffers, the narrowest widths).
fn min_corner() -> Case {
    Case {
        name: "a".into(),
        rows: ROWS.0,
        cols: COLS.0,
        spad: SPAD.0,
        psum_bits: PSUM.0,
        lif_units: COLS.0,
        pipeline_regs: PREGS.0,
        double_buffer: false,
        clock_mhz: CLOCK_MHZ.0,
        buffers: [1; 5],
        tech: 0,
        tick_batch: TICK_BATCH.0,
        lif: Some(LifCase {
            weight_bits: 2,
            membrane_bits: MEMBRANE_BITS.0,
            leak: LeakCase::Shift(1),
            soft: false,
            gt: false,
            share_factor: 1,
        }),
        rtl: Some(RTL.map(|(_, (lo, _))| lo)),
    }
}

/// Every field at its maximum (the 64×64 array: the slowest lint).
fn max_corner() -> Case {
    let v_max = (1u64 << (MEMBRANE_BITS.1 - 1)) - 1;
    Case {
        name: "Z".repeat(NAME_CHARS),
        rows: ROWS.1,
        cols: COLS.1,
        spad: SPAD.1,
        psum_bits: PSUM.1,
        lif_units: COLS.1,
        pipeline_regs: PREGS.1,
        double_buffer: true,
        clock_mhz: CLOCK_MHZ.1,
        buffers: [max_buffer_bits(COLS.1); 5],
        tech: 2,
        tick_batch: TICK_BATCH.1,
        lif: Some(LifCase {
            weight_bits: 16,
            membrane_bits: MEMBRANE_BITS.1,
            leak: LeakCase::Subtract(v_max),
            soft: true,
            gt: true,
            share_factor: 8,
        }),
        rtl: Some(RTL.map(|(_, (_, hi))| hi)),
    }
}

#[test]
fn all_fields_at_their_maximum() {
    run(&max_corner());
}

#[test]
fn minimum_and_mixed_corners() {
    run(&min_corner());
    // Mixed corners: the tallest and the widest one-dimensional arrays with the other fields
    // at their maximum, or their minimum; one column with the deepest (2^28-word) buffers.
    let mut tall = max_corner();
    (tall.cols, tall.lif_units, tall.name) = (1, 1, "_".into());
    tall.buffers = [max_buffer_bits(1); 5];
    run(&tall);
    let mut wide = min_corner();
    (wide.cols, wide.lif_units) = (COLS.1, COLS.1);
    wide.buffers = [max_buffer_bits(COLS.1); 5];
    wide.lif = None;
    run(&wide);
    // The tallest array with the narrowest everything else but 16-bit weights in 16-bit
    // partial sums (the narrowest psum a 16-bit weight allows).
    let mut tall_narrow = min_corner();
    tall_narrow.rows = ROWS.1;
    tall_narrow.psum_bits = 16;
    tall_narrow.lif.as_mut().unwrap().weight_bits = 16;
    run(&tall_narrow);
}

#[test]
fn each_field_just_outside() {
    let below_above = |(lo, hi): (u64, u64)| [lo.checked_sub(1), Some(hi + 1)];
    for base in [min_corner(), max_corner()] {
        let mut cases: Vec<(Case, String)> = Vec::new();
        let mut with = |f: &dyn Fn(&mut Case), field: &str| {
            let mut c = base.clone();
            f(&mut c);
            cases.push((c, field.to_string()));
        };
        for v in below_above(ROWS).into_iter().flatten() {
            with(&|c| c.rows = v, "rows");
        }
        for v in below_above(COLS).into_iter().flatten() {
            with(&|c| (c.cols, c.lif_units) = (v, v), "cols");
        }
        with(&|c| c.lif_units = c.cols + 1, "lif_units");
        for v in below_above(SPAD).into_iter().flatten() {
            with(
                &|c| (c.spad, c.double_buffer) = (v, false),
                "weight_spad_depth",
            );
        }
        with(
            &|c| (c.spad, c.double_buffer) = (1, true),
            "weight_spad_depth",
        );
        for v in below_above(PSUM).into_iter().flatten() {
            with(
                &|c| {
                    c.psum_bits = v;
                    c.lif.as_mut().unwrap().weight_bits = 2;
                },
                "psum_bits",
            );
        }
        with(
            &|c| {
                c.psum_bits = 8;
                c.lif.as_mut().unwrap().weight_bits = 16;
            },
            "psum_bits",
        );
        for v in below_above(PREGS).into_iter().flatten() {
            with(&|c| c.pipeline_regs = v, "pipeline_regs");
        }
        for v in [
            CLOCK_MHZ.0 * 0.999,
            CLOCK_MHZ.1 * 1.001,
            1e-300,
            1e308,
            0.0,
            -1.0,
        ] {
            with(&|c| c.clock_mhz = v, "clock_mhz");
        }
        for v in below_above(TICK_BATCH).into_iter().flatten() {
            with(&|c| c.tick_batch = v, "schedule.tick_batch");
        }
        for (i, b) in BUFFERS.iter().enumerate() {
            let field = format!("buffers.{b}.size_bits");
            for v in [0, max_buffer_bits(base.cols) + 1, 1 << 36, 1 << 40] {
                with(&|c| c.buffers[i] = v, &field);
            }
        }
        for v in below_above(MEMBRANE_BITS).into_iter().flatten() {
            with(
                &|c| {
                    let l = c.lif.as_mut().unwrap();
                    (l.membrane_bits, l.leak) = (v, LeakCase::None);
                },
                "lif.membrane_bits",
            );
        }
        for v in [0, 1, 3, 32] {
            with(
                &|c| c.lif.as_mut().unwrap().weight_bits = v,
                "lif.weight_bits",
            );
        }
        for v in [0, 3, 16] {
            with(
                &|c| c.lif.as_mut().unwrap().share_factor = v,
                "lif.share_factor",
            );
        }
        let mb = base.lif.as_ref().unwrap().membrane_bits;
        for leak in [
            LeakCase::Shift(0),
            LeakCase::Shift(mb),
            LeakCase::Subtract(0),
            LeakCase::Subtract(1 << (mb - 1)),
        ] {
            with(&|c| c.lif.as_mut().unwrap().leak = leak, "lif.leak");
        }
        for (i, (key, range)) in RTL.iter().enumerate() {
            for v in below_above(*range).into_iter().flatten() {
                with(&|c| c.rtl.as_mut().unwrap()[i] = v, &format!("rtl.{key}"));
            }
        }
        for name in ["", "9a", "a-b", &"n".repeat(NAME_CHARS + 1)] {
            let name = name.to_string();
            with(&move |c| c.name = name.clone(), "name");
        }
        for (case, field) in cases {
            let e = AcceleratorConfig::parse(&case.toml(), Format::Toml, FILE)
                .expect_err(&format!("`{field}` outside its range must be refused"));
            assert_eq!(e.field, field, "{e}\n{}", case.toml());
            assert_eq!(e.file, FILE);
            assert!(
                !case.broken_rules().is_empty(),
                "the oracle knows the rule: {e}"
            );
        }
    }
}

// ---------------------------------------------------------------- random draws

/// A value in `lo..=hi`: the minimum, the maximum, or log-uniform in between.
fn int_field(lo: u64, hi: u64) -> BoxedStrategy<u64> {
    let inside = (0.0f64..=1.0).prop_map(move |x| {
        let (a, b) = ((lo.max(1)) as f64, hi as f64);
        ((a * (b / a).powf(x)).round() as u64).clamp(lo, hi)
    });
    prop_oneof![3 => Just(lo), 2 => Just(hi), 14 => inside].boxed()
}

fn lif_case() -> impl Strategy<Value = Option<LifCase>> {
    let lif = (
        proptest::sample::select(&[2u64, 4, 8, 16][..]),
        int_field(MEMBRANE_BITS.0, MEMBRANE_BITS.1),
        0u8..3,
        prop_oneof![1 => Just(0.0f64), 1 => Just(1.0), 4 => 0.0f64..=1.0],
        any::<bool>(),
        any::<bool>(),
        proptest::sample::select(&[1u64, 2, 4, 8][..]),
    )
        .prop_map(
            |(weight_bits, membrane_bits, kind, x, soft, gt, share_factor)| {
                let v_max = (1u64 << (membrane_bits - 1)) - 1;
                // Leak arguments across their range, both ends included (x = 0 or 1).
                let leak = match kind {
                    0 => LeakCase::None,
                    1 => LeakCase::Shift(1 + ((membrane_bits - 2) as f64 * x).round() as u64),
                    _ => LeakCase::Subtract(1 + ((v_max - 1) as f64 * x).round() as u64),
                };
                LifCase {
                    weight_bits,
                    membrane_bits,
                    leak,
                    soft,
                    gt,
                    share_factor,
                }
            },
        );
    prop_oneof![1 => Just(None), 3 => lif.prop_map(Some)]
}

fn name_case() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Za-z_][A-Za-z0-9_]{0,20}",
        1 => Just("_".to_string()),
        1 => Just("x".repeat(NAME_CHARS)),
    ]
}

fn clock_case() -> impl Strategy<Value = f64> {
    let (lo, hi) = CLOCK_MHZ;
    prop_oneof![
        2 => Just(lo),
        2 => Just(hi),
        12 => (0.0f64..=1.0).prop_map(move |x| lo * (hi / lo).powf(x)),
    ]
}

/// A configuration with every field inside its own range (rules between fields, such as
/// `psum_bits ≥ lif.weight_bits` or `double_buffer` with one scratchpad entry, may still be
/// broken: the oracle knows them).
fn inside_case() -> impl Strategy<Value = Case> {
    int_field(COLS.0, COLS.1).prop_flat_map(|cols| {
        let bufmax = max_buffer_bits(cols);
        (
            (
                name_case(),
                int_field(ROWS.0, ROWS.1),
                int_field(SPAD.0, SPAD.1),
                int_field(PSUM.0, PSUM.1),
                int_field(PREGS.0, PREGS.1),
                any::<bool>(),
                clock_case(),
            ),
            [
                int_field(1, bufmax),
                int_field(1, bufmax),
                int_field(1, bufmax),
                int_field(1, bufmax),
                int_field(1, bufmax),
            ],
            0usize..3,
            int_field(TICK_BATCH.0, TICK_BATCH.1),
            lif_case(),
            rtl_case(),
        )
            .prop_map(
                move |(
                    (name, rows, spad, psum_bits, pipeline_regs, double_buffer, clock_mhz),
                    buffers,
                    tech,
                    tick_batch,
                    lif,
                    rtl,
                )| Case {
                    name,
                    rows,
                    cols,
                    spad,
                    psum_bits,
                    lif_units: cols,
                    pipeline_regs,
                    double_buffer,
                    clock_mhz,
                    buffers,
                    tech,
                    tick_batch,
                    lif,
                    rtl,
                },
            )
    })
}

/// The `[rtl]` section: absent (the defaults), or every limit inside its range.
fn rtl_case() -> impl Strategy<Value = Option<[u64; 4]>> {
    prop_oneof![
        1 => Just(None),
        2 => [
            int_field(RTL[0].1 .0, RTL[0].1 .1),
            int_field(RTL[1].1 .0, RTL[1].1 .1),
            int_field(RTL[2].1 .0, RTL[2].1 .1),
            int_field(RTL[3].1 .0, RTL[3].1 .1),
        ]
        .prop_map(Some),
    ]
}

/// Number of fields [`push_outside`] can move out of their range.
const OUTSIDE_FIELDS: usize = 20;

/// The `[lif]` section of `c`, added with in-range options when absent.
fn lif_of(c: &mut Case) -> &mut LifCase {
    c.lif.get_or_insert(LifCase {
        weight_bits: 4,
        membrane_bits: 8,
        leak: LeakCase::None,
        soft: false,
        gt: false,
        share_factor: 1,
    })
}

/// Moves field `which` just outside its range (below it when `low` and the range has a
/// below), or to a value that is not allowed.
fn push_outside(c: &mut Case, which: usize, low: bool) {
    let pick = |(lo, hi): (u64, u64)| if low && lo > 0 { lo - 1 } else { hi + 1 };
    match which {
        0 => c.rows = pick(ROWS),
        1 => (c.cols, c.lif_units) = (pick(COLS), pick(COLS)),
        2 => c.lif_units = if low { c.cols - 1 } else { c.cols + 1 },
        3 => c.spad = pick(SPAD),
        4 => c.psum_bits = pick(PSUM),
        5 => c.pipeline_regs = pick(PREGS),
        6 => {
            c.clock_mhz = if low {
                CLOCK_MHZ.0 * 0.999
            } else {
                CLOCK_MHZ.1 * 1.001
            }
        }
        7..=11 => c.buffers[which - 7] = if low { 0 } else { max_buffer_bits(c.cols) + 1 },
        12 => c.tick_batch = pick(TICK_BATCH),
        13 => {
            c.name = if low {
                "9".into()
            } else {
                "n".repeat(NAME_CHARS + 1)
            }
        }
        14 => lif_of(c).weight_bits = if low { 3 } else { 32 },
        15 => {
            let l = lif_of(c);
            (l.membrane_bits, l.leak) = (pick(MEMBRANE_BITS), LeakCase::None);
        }
        16 => lif_of(c).share_factor = if low { 0 } else { 16 },
        17 => {
            let l = lif_of(c);
            l.leak = if low {
                LeakCase::Shift(l.membrane_bits)
            } else {
                LeakCase::Subtract(1 << (l.membrane_bits - 1))
            };
        }
        18 => {
            c.double_buffer = {
                c.spad = 1;
                true
            }
        }
        _ => {
            let r = c.rtl.get_or_insert(RTL.map(|(_, (lo, _))| lo));
            let k = usize::from(low) + 2 * usize::from(c.tick_batch.is_multiple_of(2));
            r[k] = pick(RTL[k].1);
        }
    }
}

/// Two in three configurations inside every range, one in three with one field just
/// outside.
fn case() -> impl Strategy<Value = Case> {
    (
        inside_case(),
        prop_oneof![2 => Just(None), 1 => (0..OUTSIDE_FIELDS, any::<bool>()).prop_map(Some)],
    )
        .prop_map(|(mut c, outside)| {
            if let Some((which, low)) = outside {
                push_outside(&mut c, which, low);
            }
            c
        })
}

#[test]
fn random_configurations() {
    let cases = std::env::var("SPIKEFORGE_ACCEL_RANGE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let (drawn, linted) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let result = runner.run(&case(), |c| {
        drawn.fetch_add(1, Ordering::Relaxed);
        if check(&c)? {
            linted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "{} configurations drawn: {} accepted and lint-clean, the others refused naming a field",
        drawn.load(Ordering::Relaxed),
        linted.load(Ordering::Relaxed)
    );
}
