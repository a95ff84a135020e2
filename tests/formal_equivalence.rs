//! Equivalence proofs with Yosys (issue 11, item 2): the systolic PE array built with
//! `pipeline_regs = 0` and with `pipeline_regs > 0` computes the same partial sums, only later;
//! and the LIF unit computes DESIGN.md's LIF step with C#n carry, against a reference written
//! here from DESIGN.md §2–3.
//!
//! # The PE array miter
//! [`pe_array_miter`] is written with the DSL's public API: it instantiates both arrays
//! (`fast`: `pipeline_regs = 0`, `cut`: `pipeline_regs = k`), drives them with the same free
//! module inputs (tile loads and im2col columns), delays `fast`'s `out_valid` / `out_psums` by
//! the latency difference `k` cycles with [`pipe`], and asserts every cycle out of reset that
//! - `out_valid` agrees, and
//! - `out_psums` agree whenever `out_valid` is high.
//!
//! The inputs obey the array's documented contract, stated as `assume`s:
//! - no scratchpad entry is loaded while a column using it is in flight (issued within the
//!   last `latency(cut)` cycles, or in the same cycle) — the two arrays read a PE below a cut
//!   one cycle apart, so such a load would legitimately make them differ
//!   (`loading_an_entry_in_flight_makes_the_variants_differ` shows it);
//! - from arbitrary power-up state only: a spike only reads an entry of its row that has been
//!   loaded since reset (otherwise both arrays read their own power-up garbage).
//!
//! # What is proved, and how far
//! - **Unbounded, from equal power-up state** ([`tools::yosys_prove_equal_state`]):
//!   `sat -tempinduct` closes once it is told that the two arrays' scratchpad words are equal
//!   (each pair is itself proved and then used as an induction hypothesis — the scratchpads
//!   hold weights for arbitrarily long, so no induction depth could do without it); all state
//!   starts at zero before the reset cycle, and no load-before-use rule is assumed. Shapes
//!   2×2 (3-bit weights, depth 2), 3×3 (4-bit, depth 2), 4×2 (2-bit, depth 3) with `k = 1`,
//!   and 4×2 with `k = 2`. Induction closes at length `latency(cut) + 1` (6, 8, 8, 9).
//! - **Bounded, from arbitrary power-up state** ([`tools::yosys_prove`]; every register,
//!   memory word and pipeline stage starts free, reset in the first cycle): no counterexample
//!   within [`BOUNDED_DEPTH`] = 16 cycles for the 2×2 array — its latency with the cut is 5,
//!   so that covers loads, columns and eleven more cycles of results.
//! - **Broken variants are refuted** by both runners: one cycle too much delay, one psum bit
//!   inverted, the wrong scratchpad words paired; and a miter claiming the psums are always
//!   zero is refuted too, which shows that the assumptions leave room for real loads and
//!   spikes (the proofs are not vacuous).
//! - **LIF unit**, unbounded ([`lif_miter`]): two C#2 configurations (6-bit membrane, 5-bit
//!   current, shift(2) leak, soft reset, `≥`; 5-bit membrane, 7-bit current, subtract(3) leak,
//!   hard reset, `>`) equal the reference in `spike`, `spike_valid`, `v_out` and `v_valid`
//!   every cycle, for every input sequence with θ ≥ 1, from equal power-up state (the
//!   carried membrane and group count paired with the reference's); a reference firing with
//!   the other comparison is refuted.
//!
//! Measured on the 2-core development machine (Yosys 0.23), one test thread, over two runs
//! while other builds shared the machine: the PE-array unbounded proofs 0.9–1.4 s (2×2),
//! 6–9 s (3×3), 4.5–7 s (4×2, k = 1), 6–9.3 s (4×2, k = 2) — a 4×4 array with 4-bit weights
//! took 17 s and is left out to keep the suite quick; the bounded proof about 7 s; each
//! refutation under 1.3 s; the LIF proofs under 0.4 s each; the whole file 30–40 s
//! (`cargo test --test formal_equivalence`).

mod common;

use common::{emit, Emitted};

use spikeforge_config::{FireCompare, Leak, Reset};
use spikeforge_dsl::library::pipe;
use spikeforge_dsl::prelude::*;
use spikeforge_generators::accel::lif_unit::{lif_unit, LifUnitParams};
use spikeforge_generators::accel::pe::clog2;
use spikeforge_generators::accel::pe_array::{pe_array, PeArrayParams};
use spikeforge_rtlsim::tools::{self, ProofOutcome, ProofReport};
use std::time::{Duration, Instant};

/// How the miter compares the two arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    /// `fast`'s outputs delayed by the latency difference, against `cut`'s.
    Aligned,
    /// Broken on purpose: `fast` delayed by one cycle too many.
    WrongDelay,
    /// Broken on purpose: bit 0 of `cut`'s psums inverted.
    FlippedBit,
    /// Broken on purpose: claims `cut`'s psums are zero whenever valid (refuted only if the
    /// assumptions admit real loads and spikes).
    ClaimsZero,
}

/// The state both arrays start in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PowerUp {
    /// Arbitrary (what silicon does): the miter assumes a spike reads only loaded entries.
    Arbitrary,
    /// Equal in both arrays (all zero, see [`tools::yosys_prove_equal_state`]): no
    /// load-before-use rule.
    Equal,
}

/// The array's inputs as (port, type), shared by both arrays.
fn array_inputs(p: &PeArrayParams) -> Vec<(&'static str, Type)> {
    let eb = clog2(u64::from(p.spad_depth).next_power_of_two());
    vec![
        ("in_valid", Bool),
        ("in_entry", UInt(eb)),
        ("in_spikes", UInt(p.rows)),
        ("in_taps", UInt(p.rows)),
        ("wl_en", Bool),
        ("wl_row", UInt(clog2(u64::from(p.rows)))),
        ("wl_entry", UInt(eb)),
        ("wl_weights", UInt(p.cols * p.weight_bits)),
    ]
}

/// Scratchpad words per PE (the depth rounded up to a power of two, as the PE stores it).
fn spad_words(p: &PeArrayParams) -> u64 {
    u64::from(p.spad_depth).next_power_of_two()
}

/// The miter of the `pipeline_regs = 0` array (`fast`) and the `pipeline_regs = regs` array
/// (`cut`) of shape `p` (its own `pipeline_regs` is ignored), as described in the file docs.
/// `in_flight_rule` states contract rule 1 (below); without it the variants differ.
fn pe_array_miter(
    p: PeArrayParams,
    regs: u32,
    compare: Compare,
    power_up: PowerUp,
    in_flight_rule: bool,
) -> Module {
    let fast = PeArrayParams {
        pipeline_regs: 0,
        ..p
    };
    let cut = PeArrayParams {
        pipeline_regs: regs,
        ..p
    };
    let mut m = ModuleBuilder::new(format!(
        "miter_pe_array_r{}_c{}_w{}_p{}_d{}_pr{regs}_{}_{}{}",
        p.rows,
        p.cols,
        p.weight_bits,
        p.psum_bits,
        p.spad_depth,
        format!("{compare:?}").to_lowercase(),
        format!("{power_up:?}").to_lowercase(),
        if in_flight_rule {
            ""
        } else {
            "_no_in_flight_rule"
        },
    ));
    let inputs: Vec<(&str, Signal)> = array_inputs(&p)
        .into_iter()
        .map(|(name, ty)| (name, m.input(name, ty)))
        .collect();
    let input = |name: &str| inputs.iter().find(|(n, _)| *n == name).unwrap().1;
    let a_fast = m.instance("fast", &pe_array(&fast));
    let a_cut = m.instance("cut", &pe_array(&cut));
    for (name, signal) in &inputs {
        m.connect(&a_fast, name, *signal);
        m.connect(&a_cut, name, *signal);
    }

    let (in_valid, in_entry) = (input("in_valid"), input("in_entry"));
    let (wl_en, wl_row, wl_entry) = (input("wl_en"), input("wl_row"), input("wl_entry"));
    // Contract 1: no load into an entry used by a column issued within the last
    // `latency(cut)` cycles (or in this one).
    let mut in_flight = in_valid & in_entry.is_eq(wl_entry);
    let (mut valid_k, mut entry_k) = (in_valid.expr(), in_entry.expr());
    for k in 1..=cut.latency() {
        valid_k = pipe(&mut m, &format!("issued_valid_{k}"), valid_k, 1, true);
        entry_k = pipe(&mut m, &format!("issued_entry_{k}"), entry_k, 1, true);
        in_flight = in_flight | (valid_k.clone() & entry_k.is_eq(wl_entry));
    }
    if in_flight_rule {
        m.assume(!(wl_en & in_flight), "no load into an entry in flight");
    }
    // Contract 2 (arbitrary power-up only): a spike reads an entry of its row loaded since
    // reset.
    if power_up == PowerUp::Arbitrary {
        for i in 0..p.rows {
            let mut entry_loaded = Expr::bool(false);
            for e in 0..spad_words(&p) {
                let loaded = m.reg(format!("loaded_r{i}_e{e}"), Bool);
                let write = wl_en & wl_row.is_eq(u64::from(i)) & wl_entry.is_eq(e);
                m.next(loaded, loaded.expr() | write);
                entry_loaded = entry_loaded | (in_entry.is_eq(e) & loaded);
            }
            let spike = in_valid & input("in_taps").bit(i) & input("in_spikes").bit(i);
            m.assume(!spike | entry_loaded, "a spike reads a loaded entry");
        }
    }

    let lag = cut.latency() - fast.latency() + u32::from(compare == Compare::WrongDelay);
    let valid_fast = pipe(&mut m, "fast_valid_d", a_fast.out("out_valid"), lag, true);
    let psums_fast = pipe(&mut m, "fast_psums_d", a_fast.out("out_psums"), lag, true);
    let valid_cut = a_cut.out("out_valid");
    let mut psums_cut = a_cut.out("out_psums");
    match compare {
        Compare::FlippedBit => psums_cut = psums_cut ^ Expr::uint(1, p.cols * p.psum_bits),
        Compare::ClaimsZero => psums_cut = Expr::uint(0, p.cols * p.psum_bits),
        Compare::Aligned | Compare::WrongDelay => {}
    }
    m.assert_always(valid_fast.is_eq(valid_cut.clone()), "out_valid agrees");
    m.assert_always(
        !valid_cut.clone() | psums_fast.is_eq(psums_cut.clone()),
        "out_psums agree when valid",
    );
    m.output_from("valid", valid_cut);
    m.output_from("psums", a_cut.out("out_psums"));
    m.finish()
}

/// The two arrays' scratchpad words, paired by PE and entry, as flattened Yosys names
/// (`fast.pe_<row>_<col>.weight_spad[<entry>]`). `skew` pairs entry `e` with entry `e + 1`
/// (wrapping) instead: a false invariant.
fn spad_pairs(p: &PeArrayParams, skew: bool) -> Vec<(String, String)> {
    let words = spad_words(p);
    let mut pairs = Vec::new();
    for i in 0..p.rows {
        for j in 0..p.cols {
            for e in 0..words {
                let f = if skew { (e + 1) % words } else { e };
                pairs.push((
                    format!("fast.pe_{i}_{j}.weight_spad[{e}]"),
                    format!("cut.pe_{i}_{j}.weight_spad[{f}]"),
                ));
            }
        }
    }
    pairs
}

/// Cycles searched from arbitrary power-up state by the bounded proof.
const BOUNDED_DEPTH: u32 = 16;

/// Most induction steps tried by the unbounded proofs.
const MAX_INDUCTION: u32 = 16;

/// Emits `module` into a temporary folder and proves it: with `equal = Some(pairs)` by
/// [`tools::yosys_prove_equal_state`], else by [`tools::yosys_prove`], searching `max_steps`
/// cycles. Returns the report and Yosys's wall time.
fn prove(
    module: &Module,
    max_steps: u32,
    equal: Option<&[(String, String)]>,
) -> (ProofReport, Duration) {
    let Emitted {
        dir: _dir,
        files,
        verilog: v,
    } = emit(module, "sf-equiv-");
    let start = Instant::now();
    let report = match equal {
        Some(pairs) => {
            tools::yosys_prove_equal_state(&files, &v.top, Some("rst"), max_steps, pairs)
        }
        None => tools::yosys_prove(&files, &v.top, Some("rst"), max_steps),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let took = start.elapsed();
    eprintln!(
        "{}: {:?} in {:.2} s (log {})",
        v.top,
        report.outcome,
        took.as_secs_f64(),
        report.log.display()
    );
    (report, took)
}

/// Shape `rows × cols`, `weight_bits`-bit weights, `spad_depth` entries; psums wide enough
/// for a full column of extreme weights (overflow would wrap alike in both arrays anyway).
fn shape(rows: u32, cols: u32, weight_bits: u32, spad_depth: u32) -> PeArrayParams {
    PeArrayParams {
        rows,
        cols,
        weight_bits,
        psum_bits: weight_bits + clog2(u64::from(rows)) + 1,
        spad_depth,
        pipeline_regs: 0,
    }
}

/// The 2×2 array with 3-bit weights and two scratchpad entries.
fn small() -> PeArrayParams {
    shape(2, 2, 3, 2)
}

#[test]
fn pipeline_regs_variants_are_equivalent_forever_from_equal_power_up() {
    for (p, regs) in [
        (small(), 1),
        (shape(3, 3, 4, 2), 1),
        (shape(4, 2, 2, 3), 1),
        (shape(4, 2, 2, 3), 2),
    ] {
        let miter = pe_array_miter(p, regs, Compare::Aligned, PowerUp::Equal, true);
        let (report, _) = prove(&miter, MAX_INDUCTION, Some(&spad_pairs(&p, false)));
        let cut_latency = PeArrayParams {
            pipeline_regs: regs,
            ..p
        }
        .latency();
        assert!(
            matches!(report.outcome, ProofOutcome::Proven { induction_length } if induction_length <= cut_latency + 1),
            "{p:?} vs pipeline_regs = {regs}: {:?} (log {})",
            report.outcome,
            report.log.display()
        );
    }
}

#[test]
fn pipeline_regs_variants_agree_16_cycles_from_arbitrary_power_up() {
    let miter = pe_array_miter(small(), 1, Compare::Aligned, PowerUp::Arbitrary, true);
    let (report, _) = prove(&miter, BOUNDED_DEPTH, None);
    assert!(
        matches!(
            report.outcome,
            ProofOutcome::Bounded {
                depth: BOUNDED_DEPTH
            } | ProofOutcome::Proven { .. }
        ),
        "{:?} (log {})",
        report.outcome,
        report.log.display()
    );
}

#[test]
fn broken_comparisons_are_refuted() {
    for compare in [
        Compare::WrongDelay,
        Compare::FlippedBit,
        Compare::ClaimsZero,
    ] {
        for power_up in [PowerUp::Arbitrary, PowerUp::Equal] {
            let miter = pe_array_miter(small(), 1, compare, power_up, true);
            let pairs = spad_pairs(&small(), false);
            let equal = (power_up == PowerUp::Equal).then_some(pairs.as_slice());
            let (report, _) = prove(&miter, BOUNDED_DEPTH, equal);
            assert!(
                matches!(report.outcome, ProofOutcome::Counterexample { .. }),
                "{compare:?} from {power_up:?} power-up must be refuted: {:?} (log {})",
                report.outcome,
                report.log.display()
            );
        }
    }
}

#[test]
fn a_misspelt_state_signal_is_an_error_naming_it() {
    let miter = pe_array_miter(small(), 1, Compare::Aligned, PowerUp::Equal, true);
    let v = emit_verilog(&elaborate(&miter).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let files = tools::write_sources(dir.path(), &v.module_files()).unwrap();
    let pairs = [(
        "fast.pe_0_0.weight_pad[0]".to_string(),
        "cut.pe_0_0.weight_spad[0]".to_string(),
    )];
    let err = tools::yosys_prove_equal_state(&files, &v.top, Some("rst"), 4, &pairs)
        .expect_err("an unknown signal cannot be proved")
        .to_string();
    assert!(err.contains("fast.pe_0_0.weight_pad[0]"), "{err}");
}

#[test]
fn a_false_scratchpad_pairing_is_refuted() {
    let miter = pe_array_miter(small(), 1, Compare::Aligned, PowerUp::Equal, true);
    let (report, _) = prove(&miter, BOUNDED_DEPTH, Some(&spad_pairs(&small(), true)));
    assert!(
        matches!(report.outcome, ProofOutcome::Counterexample { .. }),
        "pairing entry e with entry e + 1 must be refuted: {:?} (log {})",
        report.outcome,
        report.log.display()
    );
}

/// The in-flight rule is needed: without it a load lands between the two arrays' reads of one
/// scratchpad word (they read a PE below the cut one cycle apart), and they differ.
#[test]
fn loading_an_entry_in_flight_makes_the_variants_differ() {
    let miter = pe_array_miter(small(), 1, Compare::Aligned, PowerUp::Equal, false);
    let (report, _) = prove(&miter, BOUNDED_DEPTH, Some(&spad_pairs(&small(), false)));
    assert!(
        matches!(report.outcome, ProofOutcome::Counterexample { .. }),
        "{:?} (log {})",
        report.outcome,
        report.log.display()
    );
}

// ---------------------------------------------------------------------------------------------
// The LIF unit against a reference written from DESIGN.md §2–3.

/// A broken reference for the refutation test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LifReference {
    /// DESIGN.md's LIF step and C#n carry.
    Faithful,
    /// Broken on purpose: fires with the other comparison (`>` for `≥` and vice versa).
    OtherComparison,
}

/// DESIGN.md §2's LIF step written straightforwardly in wide arithmetic (no generator code):
/// leak, integrate with saturation by comparison, fire, reset. Returns (v_next, spike).
fn reference_lif_step(
    p: &LifUnitParams,
    v: Expr,
    current: Expr,
    theta: Expr,
    compare: FireCompare,
) -> (Expr, Expr) {
    let mb = p.membrane_bits;
    let wide = mb.max(p.current_bits) + 2;
    let v_wide = v.sext(wide);
    let leaked = match p.leak {
        Leak::None => v_wide.sext(wide + 1),
        Leak::Shift(k) => v_wide.clone() - (v_wide >> k),
        Leak::Subtract(d) => {
            let down = v_wide.clone() - Expr::sint(d, wide);
            let up = v_wide.clone() + Expr::sint(d, wide);
            let zero = Expr::sint(0, wide + 1);
            let down = down.is_lt(0).select(zero.clone(), down);
            let up = up.is_gt(0).select(zero, up);
            v_wide.is_ge(0).select(down, up)
        }
    };
    let sum = leaked + current.sext(wide);
    let (v_max, v_min) = (Expr::sint(p.v_max(), mb), Expr::sint(p.v_min(), mb));
    let integrated = sum
        .is_gt(v_max.clone())
        .select(v_max, sum.is_lt(v_min.clone()).select(v_min, sum.trunc(mb)));
    let spike = match compare {
        FireCompare::Ge => integrated.is_ge(theta.clone()),
        FireCompare::Gt => integrated.is_gt(theta.clone()),
    };
    let after_reset = match p.reset {
        Reset::Hard => Expr::sint(0, mb),
        Reset::Soft => (integrated.clone() - theta).trunc(mb),
    };
    (spike.select(after_reset, integrated), spike)
}

/// The miter of [`lif_unit`] (instance `lif`) and a reference unit built on
/// [`reference_lif_step`]: state `ref_v` carried between the groups of one shared state,
/// group count `ref_group` (DESIGN.md §3), outputs registered like the unit's. Both see the
/// same free inputs; θ obeys its precondition 1 ≤ θ; all four outputs must agree every cycle.
fn lif_miter(p: LifUnitParams, reference: LifReference) -> Module {
    let (mb, n) = (p.membrane_bits, p.share_factor);
    let mut m = ModuleBuilder::new(format!(
        "miter_lif_m{}_c{}_n{n}_{}",
        mb,
        p.current_bits,
        format!("{reference:?}").to_lowercase()
    ));
    let valid = m.input("valid", Bool);
    let first = m.input("first", Bool);
    let v_mem = m.input("v_mem", SInt(mb));
    let current = m.input("current", SInt(p.current_bits));
    let theta = m.input("threshold", SInt(mb));
    m.assume(theta.is_ge(1), "threshold at least 1");
    let unit = m.instance("lif", &lif_unit(&p));
    for (port, signal) in [
        ("valid", valid),
        ("first", first),
        ("v_mem", v_mem),
        ("current", current),
        ("threshold", theta),
    ] {
        m.connect(&unit, port, signal);
    }

    let group_bits = n.trailing_zeros().max(1);
    let ref_group = m.reg("ref_group", UInt(group_bits));
    let ref_v = m.reg_no_reset("ref_v", SInt(mb));
    let group = first.select(Expr::uint(0, group_bits), ref_group);
    let start = if n == 1 {
        v_mem.expr()
    } else {
        first.select(v_mem, ref_v)
    };
    let compare = match (reference, p.fire_compare) {
        (LifReference::Faithful, c) => c,
        (LifReference::OtherComparison, FireCompare::Ge) => FireCompare::Gt,
        (LifReference::OtherComparison, FireCompare::Gt) => FireCompare::Ge,
    };
    let (v_next, spike) = reference_lif_step(&p, start, current.expr(), theta.expr(), compare);
    let next_group = group
        .is_eq(u64::from(n - 1))
        .select(Expr::uint(0, group_bits), group.wrapping_add(1u64));
    m.next_when(ref_group, valid, next_group);
    m.next_when(ref_v, valid, v_next.clone());
    let last = if n == 1 {
        first.expr()
    } else {
        group.is_eq(u64::from(n - 1))
    };
    let ref_spike = pipe(&mut m, "ref_spike", valid & spike, 1, true);
    let ref_spike_valid = pipe(&mut m, "ref_spike_valid", valid, 1, true);
    let ref_v_valid = pipe(&mut m, "ref_v_valid", valid & last, 1, true);

    m.assert_always(unit.out("spike").is_eq(ref_spike), "spike agrees");
    m.assert_always(
        unit.out("spike_valid").is_eq(ref_spike_valid),
        "spike_valid agrees",
    );
    m.assert_always(unit.out("v_valid").is_eq(ref_v_valid), "v_valid agrees");
    m.assert_always(unit.out("v_out").is_eq(ref_v), "v_out agrees");
    m.assert_always(
        !valid.expr() | unit.out("v_next").is_eq(v_next.clone()),
        "v_next agrees with the step presented",
    );
    m.output_from("v_out", unit.out("v_out"));
    m.finish()
}

/// The state of the unit and of the reference that must match: carried membrane and group.
fn lif_pairs(p: &LifUnitParams) -> Vec<(String, String)> {
    let mut pairs = vec![("lif.v_r".to_string(), "ref_v".to_string())];
    if p.share_factor > 1 {
        pairs.push(("lif.group_r".to_string(), "ref_group".to_string()));
    }
    pairs
}

/// Three small units: C#2 with a shift leak, soft reset and `≥`; C#2 with a subtract leak,
/// hard reset and `>`, with a current wider than the membrane; C#1 with a shift leak and `>`
/// and a current five bits wider than the membrane (wide enough for `lif_step` to split it
/// into high and low bits for the saturation).
fn lif_configs() -> [LifUnitParams; 3] {
    [
        LifUnitParams {
            membrane_bits: 6,
            current_bits: 5,
            leak: Leak::Shift(2),
            reset: Reset::Soft,
            fire_compare: FireCompare::Ge,
            share_factor: 2,
            current_lead: false,
        },
        LifUnitParams {
            membrane_bits: 5,
            current_bits: 7,
            leak: Leak::Subtract(3),
            reset: Reset::Hard,
            fire_compare: FireCompare::Gt,
            share_factor: 2,
            current_lead: false,
        },
        LifUnitParams {
            membrane_bits: 4,
            current_bits: 9,
            leak: Leak::Shift(1),
            reset: Reset::Hard,
            fire_compare: FireCompare::Gt,
            share_factor: 1,
            current_lead: false,
        },
    ]
}

#[test]
fn the_lif_unit_equals_the_design_md_reference_forever() {
    for p in lif_configs() {
        let miter = lif_miter(p, LifReference::Faithful);
        let (report, _) = prove(&miter, MAX_INDUCTION, Some(&lif_pairs(&p)));
        assert!(
            matches!(report.outcome, ProofOutcome::Proven { .. }),
            "{p:?}: {:?} (log {})",
            report.outcome,
            report.log.display()
        );
    }
}

#[test]
fn a_lif_reference_with_the_other_fire_comparison_is_refuted() {
    for p in lif_configs() {
        let miter = lif_miter(p, LifReference::OtherComparison);
        let (report, _) = prove(&miter, MAX_INDUCTION, Some(&lif_pairs(&p)));
        assert!(
            matches!(report.outcome, ProofOutcome::Counterexample { .. }),
            "{p:?}: {:?} (log {})",
            report.outcome,
            report.log.display()
        );
    }
}
