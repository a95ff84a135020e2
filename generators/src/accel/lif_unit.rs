//! The LIF unit (DESIGN.md §2–3): one LIF datapath serving `share_factor` channel groups in turn.
//!
//! Two generators:
//!
//! - [`lif_step`]: the combinational LIF step of one neuron for one timestep, leak → integrate
//!   → fire → reset, bit-exact with the golden model's `lif::step`.
//! - [`lif_unit`]: one [`lif_step`] datapath with a registered output that doubles as the
//!   carried membrane state of C#n sharing: it applies the `n` group steps of one shared
//!   membrane state in `n` consecutive cycles (one group step per cycle), as the golden model's
//!   `channel_share` does (group i starts from group i−1's post-reset state).
//!
//! The LIF options that the hardware fixes (membrane width, current width, leak, reset, fire
//! comparison, share factor) are generation parameters: a quantized membrane or a larger `n`
//! gives a smaller circuit. The threshold θ differs per layer, so it is a runtime input.
//!
//! All membrane values, currents and thresholds are in membrane units (the integer LSB of the
//! membrane register); widths are in bits.

use spikeforge_config::{FireCompare, Leak, Reset};
use spikeforge_dsl::prelude::*;

/// Generation parameters of [`lif_step`] and [`lif_unit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LifUnitParams {
    /// Width of the signed, saturating membrane (bits, 2..=24).
    pub membrane_bits: u32,
    /// Width of the signed synaptic-current input `I = Σ s·w` (bits, 1..=64); may be narrower
    /// or wider than the membrane: the sum saturates correctly either way.
    pub current_bits: u32,
    /// Leak applied before integration: `Shift(k)` with 1 ≤ k (k ≥ membrane_bits acts as
    /// membrane_bits − 1), `Subtract(d)` with 1 ≤ d ≤ 2^(membrane_bits−1) − 1, or `None`.
    pub leak: Leak,
    /// Reset after a spike: `Hard` (v = 0) or `Soft` (v = v − θ).
    pub reset: Reset,
    /// Fire comparison: `Ge` (v ≥ θ) or `Gt` (v > θ).
    pub fire_compare: FireCompare,
    /// C#n: channel groups served in turn by one datapath (1, 2, 4 or 8). Only [`lif_unit`]
    /// uses it.
    pub share_factor: u32,
    /// The current and the threshold lead: [`lif_unit`] takes them a cycle before the step
    /// they belong to and registers them, with `current − θ` formed from them, so its step
    /// starts from registers and its fire comparison is one carry chain after the membrane
    /// instead of two after the current (for FPGA clocks, docs/lif-unit.md); [`lif_step`]
    /// then takes `current − θ` as an input. Module names gain `_lead`.
    pub current_lead: bool,
}

impl LifUnitParams {
    /// Checks the parameter ranges above; the error says which parameter is out of range.
    pub fn validate(&self) -> Result<(), String> {
        let m = self.membrane_bits;
        if !(2..=24).contains(&m) {
            return Err(format!("membrane_bits = {m}: must be in 2..=24"));
        }
        if !(1..=64).contains(&self.current_bits) {
            return Err(format!(
                "current_bits = {}: must be in 1..=64",
                self.current_bits
            ));
        }
        let v_max = (1i64 << (m - 1)) - 1;
        match self.leak {
            Leak::None => {}
            Leak::Shift(k) if k >= 1 => {}
            Leak::Shift(k) => return Err(format!("leak shift({k}): the shift must be ≥ 1")),
            Leak::Subtract(d) if (1..=v_max).contains(&d) => {}
            Leak::Subtract(d) => {
                return Err(format!(
                    "leak subtract({d}): d must be in 1..={v_max} for a {m}-bit membrane"
                ))
            }
        }
        if ![1, 2, 4, 8].contains(&self.share_factor) {
            return Err(format!(
                "share_factor = {}: must be 1, 2, 4 or 8",
                self.share_factor
            ));
        }
        Ok(())
    }

    /// Largest membrane value, 2^(membrane_bits−1) − 1 (membrane units).
    pub fn v_max(&self) -> i64 {
        (1i64 << (self.membrane_bits - 1)) - 1
    }

    /// Smallest membrane value, −2^(membrane_bits−1) (membrane units).
    pub fn v_min(&self) -> i64 {
        -(1i64 << (self.membrane_bits - 1))
    }

    /// The options part of module names: `m8_c12_shift2_hard_ge`.
    fn name_tag(&self) -> String {
        let leak = match self.leak {
            Leak::None => "none".to_string(),
            Leak::Shift(k) => format!("shift{k}"),
            Leak::Subtract(d) => format!("sub{d}"),
        };
        let reset = match self.reset {
            Reset::Hard => "hard",
            Reset::Soft => "soft",
        };
        let cmp = match self.fire_compare {
            FireCompare::Ge => "ge",
            FireCompare::Gt => "gt",
        };
        let lead = if self.current_lead { "_lead" } else { "" };
        format!(
            "m{}_c{}_{leak}_{reset}_{cmp}{lead}",
            self.membrane_bits, self.current_bits
        )
    }

    #[track_caller]
    fn checked(&self) {
        if let Err(e) = self.validate() {
            panic!("invalid LifUnitParams: {e}");
        }
    }
}

/// The combinational LIF step of DESIGN.md §2, bit-exact with `spikeforge_golden::lif::step`.
///
/// Module `lif_step_<tag>`, e.g. `lif_step_m8_c12_shift2_hard_ge` (`none` / `shift<k>` /
/// `sub<d>` for the leak). No clock, no state. With `M = membrane_bits`, `C = current_bits`:
///
/// | port | dir | type | meaning |
/// |---|---|---|---|
/// | `v` | in | `SInt(M)` | membrane before the step |
/// | `current` | in | `SInt(C)` | synaptic current of this timestep (exact) |
/// | `threshold` | in | `SInt(M)` | θ, runtime; precondition 1 ≤ θ ≤ 2^(M−1) − 1 |
/// | `current_over_threshold` | in | `SInt(M + 2)` | only with `current_lead`: `I' − θ` (`I' − θ − 1` for `>`), `I'` the current's low M + 1 bits, signed; see [`current_over_threshold`] |
/// | `v_next` | out | `SInt(M)` | membrane after leak, integrate, fire and reset |
/// | `spike` | out | `Bool` | the neuron fired |
///
/// 1. leak: `shift(k)`: `v − (v >>> k)` (never leaves the range); `subtract(d)`: toward 0 by
///    `d`, stopping at 0; `none`: `v`.
/// 2. integrate: the exact sum `v + I` (`max(M, C) + 1` bits), saturated to `M` bits.
/// 3. fire: `v ≥ θ` or `v > θ`.
/// 4. reset: hard → 0; soft → `v − θ` (in `0..v_max` because `v ≥ θ ≥ 1`).
///
/// Panics when `params` fails [`LifUnitParams::validate`].
pub fn lif_step(params: &LifUnitParams) -> Module {
    params.checked();
    let mb = params.membrane_bits;
    let cb = params.current_bits;
    let mut m = ModuleBuilder::new(format!("lif_step_{}", params.name_tag()));
    lif_header_params(&mut m, params);
    let v = m.input("v", SInt(mb));
    let current = m.input("current", SInt(cb));
    let threshold = m.input("threshold", SInt(mb));
    let headroom_in = params
        .current_lead
        .then(|| m.input("current_over_threshold", SInt(mb + 2)));

    // 1. Leak: the leaked membrane as a wire, or, for a shift leak, the shift folded into
    // the sums below.
    let leaked: Result<Signal, u32> = match params.leak {
        Leak::None => Ok(m.wire_from("v_leaked", v)),
        Leak::Shift(k) => Err(k.min(mb - 1)),
        Leak::Subtract(d) => {
            // v ≥ 0: max(v − d, 0); v < 0: min(v + d, 0). Both results fit M bits
            // (1 ≤ d ≤ v_max). v = 0 takes the first arm: −d < 0 → 0.
            let d = Expr::sint(d, mb);
            let toward_zero_pos = v - &d;
            let toward_zero_neg = v + &d;
            let pos = toward_zero_pos
                .bit(mb)
                .select(Expr::sint(0, mb), toward_zero_pos.trunc(mb));
            let neg = toward_zero_neg
                .is_gt(0)
                .select(Expr::sint(0, mb), toward_zero_neg.trunc(mb));
            Ok(m.wire_from("v_leaked", v.bit(mb - 1).select(neg, pos)))
        }
    };
    // `leaked + y + offset` in `width` bits (the constant `offset` a multiple of 2^(M−1);
    // exact: every sum formed here fits). A shift leak is `v − (v >>> k)`: it lies between v
    // and 0, so it fits M bits (an arithmetic shift by ≥ M − 1 leaves only sign bits: the
    // same as M − 1). The sum is then `v + (~(v >>> k) + offset) + y + 1`, formed in one
    // carry-save level and one carry chain instead of the leak's chain followed by the sum's:
    // the LIF step is among the longest paths of the small FPGA designs (docs/fpga.md).
    // `~(v >>> k)` is its low `M − k` bits over copies of its sign `s`, so adding `offset`
    // (no bits below `M − k`) only picks one of two constants for the high bits by `s`.
    let plus_leaked =
        |m: &mut ModuleBuilder, name: &str, y: Expr, width: u32, offset: i64| -> Expr {
            match leaked {
                Err(k) => {
                    let a = resize(v.expr(), width).as_uint();
                    let not_shifted = !(v >> k);
                    let b = if offset == 0 {
                        resize(not_shifted, width).as_uint()
                    } else {
                        // The high bits are 0 or `−2^(M−k)` (modulo 2^width): with the
                        // offset, `offset` or `offset − 2^(M−k)`, as signed constants.
                        let low_bits = mb - k;
                        let (k0, k1) = (
                            Expr::sint(offset, width).as_uint(),
                            Expr::sint(offset - (1i64 << low_bits), width).as_uint(),
                        );
                        let sign = not_shifted.bit(mb - 1);
                        let low = not_shifted.bits(low_bits - 1, 0).zext(width);
                        sign.select(k1, k0) | low
                    };
                    let c = resize(y, width).as_uint();
                    let save = m.wire_from(format!("{name}_save"), &a ^ &b ^ &c);
                    let carry = (&a & &b) | (&a & &c) | (&b & &c);
                    let carry = m.wire_from(format!("{name}_carry"), carry.bits(width - 2, 0));
                    let shifted = Expr::cat([carry.expr(), Expr::uint(1, 1)]);
                    (save + shifted).trunc(width).as_sint()
                }
                Ok(leaked) => {
                    let sum = leaked.sext(width) + resize(y, width);
                    let sum = if offset == 0 {
                        sum
                    } else {
                        sum.trunc(width) + Expr::sint(offset, width)
                    };
                    sum.trunc(width)
                }
            }
        };

    // 2. Integrate: the exact sum, saturated to M bits. With a shift leak, three carry chains
    // side by side decide it, each ending in a sign, so the saturation is one multiplexer
    // after short chains instead of a saturation check after the exact sum's chain: the
    // sum's low M bits, and whether the sum is above v_max (`leaked + I − 2^(M−1) ≥ 0`) or
    // below v_min (`leaked + I + 2^(M−1) < 0`). Those two span the current, W + 1 bits,
    // when that is at most twice M + 1 (the small FPGA designs: the fastest form on the
    // iCE40). A wider current is split as `I = I_hi·2^M + I_lo` (`0 ≤ I_lo < 2^M`) so that
    // they stay M + 1 bits (the 8×16 default's LIF datapaths would otherwise take 1,000 more
    // iCE40 LUT4): as `leaked + I_lo` lies in [−2^(M−1), 2^M + 2^(M−1) − 1], the sum is above
    // v_max iff `I_hi > 0`, or `I_hi = 0` and `leaked + I_lo − 2^(M−1) ≥ 0`; below v_min iff
    // `I_hi < −1`, or `I_hi = −1` and `leaked + I_lo + 2^(M−1) < 2^M`. Without a shift leak
    // the exact sum in W = max(M, C) + 1 bits fits iff its bits W−1..M−1 are all equal (all
    // copies of the sign).
    let w = mb.max(cb) + 1;
    let wc = w + 1;
    let half = 1i64 << (mb - 1);
    let (low, over, under) = match leaked {
        Err(_) if wc <= 2 * (mb + 1) => {
            let low = plus_leaked(&mut m, "v_sum", current.expr(), mb, 0);
            let above = plus_leaked(&mut m, "v_above_max", current.expr(), wc, -half);
            let below = plus_leaked(&mut m, "v_below_min", current.expr(), wc, half);
            (low, !above.bit(wc - 1), below.bit(wc - 1))
        }
        Err(_) => {
            let cw = cb.max(mb + 1);
            let wide = resize(current.expr(), cw);
            let i_lo = wide.bits(mb - 1, 0);
            let i_hi = wide.bits(cw - 1, mb);
            let (hi_sign, hi_any, hi_all) = (i_hi.bit(cw - mb - 1), i_hi.any(), i_hi.all());
            let hi_positive =
                m.wire_from("current_high_positive", !hi_sign.clone() & hi_any.clone());
            let hi_zero = m.wire_from("current_high_zero", !hi_any);
            let hi_minus_one = m.wire_from("current_high_minus_one", hi_all.clone());
            let hi_below = m.wire_from("current_high_below_minus_one", hi_sign & !hi_all);
            let y = i_lo.zext(mb + 1).as_sint();
            let low = plus_leaked(&mut m, "v_sum", i_lo.as_sint(), mb, 0);
            let above = plus_leaked(&mut m, "v_above_max", y.clone(), mb + 1, -half);
            let below = plus_leaked(&mut m, "v_below_min", y, mb + 1, half);
            (
                low,
                hi_positive | (hi_zero & !above.bit(mb)),
                hi_below | (hi_minus_one & !below.bit(mb)),
            )
        }
        Ok(_) => {
            let sum = plus_leaked(&mut m, "v_sum", current.expr(), w, 0);
            let sum = m.wire_from("v_sum", sum);
            let high = sum.bits(w - 1, mb - 1);
            let fits = m.wire_from("v_fits", high.all() | !high.any());
            (
                sum.trunc(mb).as_sint(),
                !fits.expr() & !sum.bit(w - 1),
                !fits.expr() & sum.bit(w - 1),
            )
        }
    };
    let low = m.wire_from("v_sum_low", low);
    let over = m.wire_from("v_over_max", over);
    let under = m.wire_from("v_under_min", under);
    let (v_max, v_min) = (
        Expr::sint(params.v_max(), mb),
        Expr::sint(params.v_min(), mb),
    );
    let integrated = m.wire_from(
        "v_integrated",
        over.select(v_max.clone(), under.select(v_min.clone(), low)),
    );

    // 3. Fire: decided from the exact sum, in one adder: `leaked + (current − θ) ≥ 0` (for
    // `>`, `leaked + (current − θ − 1) ≥ 0`), with `current − θ` formed beside the leak. So
    // the comparison with θ is not a second carry chain after the sum's, and does not wait
    // for the saturation check: the LIF step is the longest path of the small FPGA designs
    // (docs/fpga.md). Bit-exact with comparing the saturated value, which differs from the
    // exact sum's comparison only where a clamped sum meets a θ at the clamp: a sum below
    // v_min saturates to v_min, which is ≥ θ iff θ = v_min (the exact sum is not); a sum above
    // v_max saturates to v_max, which is > θ iff θ ≠ v_max (the exact sum always is). At
    // those θ the comparison of the exact sum says which side of the clamp it lies on, so
    // the saturated value's comparison is a constant there: with `≥` and θ = v_min every
    // value fires (v ≥ v_min), with `>` and θ = v_max none does (v ≤ v_max).
    //
    // With `current_lead` the unit forms `I' − θ` a cycle ahead (`current_over_threshold`,
    // M + 2 bits), where `I' = I mod 2^(M+1)` as an (M+1)-bit signed value: I itself when
    // `−2^M ≤ I < 2^M`, the only currents for which the comparison depends on the membrane
    // (`leaked` lies in [−2^(M−1), 2^(M−1))): `I ≥ 2^M` always fires and `I < −2^M` never
    // does, as `I_hi = I >> M` says (the saturation's split, above). The margin's carry
    // chain is then M + 3 bits, not `max(M, C) + 2`, and starts from registers.
    let margin_negative = match headroom_in {
        Some(h) => {
            let wm = mb + 3;
            let margin = plus_leaked(&mut m, "fire_margin", h.expr(), wm, 0);
            let cw = cb.max(mb + 1);
            let i_hi = resize(current.expr(), cw).bits(cw - 1, mb);
            let sign = i_hi.bit(cw - mb - 1);
            let above = m.wire_from("fire_current_above", !sign.clone() & i_hi.any());
            let below = m.wire_from("fire_current_below", sign & !i_hi.all());
            m.wire_from(
                "fire_margin_negative",
                !above.expr() & (below | margin.bit(wm - 1)),
            )
        }
        None => {
            let bias = match params.fire_compare {
                FireCompare::Ge => threshold.sext(wc),
                FireCompare::Gt => threshold.sext(wc) + Expr::sint(1, wc),
            };
            let headroom = m.wire_from(
                "current_over_threshold",
                (current.sext(wc) - bias.trunc(wc)).trunc(wc),
            );
            let margin = plus_leaked(&mut m, "fire_margin", headroom.expr(), wc, 0);
            m.wire_from("fire_margin_negative", margin.bit(wc - 1))
        }
    };
    let fire = match params.fire_compare {
        FireCompare::Ge => !margin_negative.expr() | threshold.is_eq(v_min),
        FireCompare::Gt => !margin_negative.expr() & threshold.is_ne(v_max),
    };
    let fire = m.wire_from("fire", fire);

    // 4. Reset.
    let after_reset = match params.reset {
        Reset::Hard => Expr::sint(0, mb),
        // Only used when firing, i.e. v ≥ θ ≥ 1: v − θ ∈ 0..v_max fits M bits.
        Reset::Soft => (integrated - threshold).trunc(mb),
    };
    m.output_from("v_next", fire.select(after_reset, integrated));
    m.output_from("spike", fire);
    m.finish()
}

/// What [`lif_step`] takes as `current_over_threshold` with `current_lead`: `I' − θ`
/// (`I' − θ − 1` for `>`) in `M + 2` bits (exact), `I'` the current's low M + 1 bits as a
/// signed value.
pub fn current_over_threshold(params: &LifUnitParams, current: Expr, threshold: Expr) -> Expr {
    let mb = params.membrane_bits;
    let w = mb + 2;
    let low = resize(current, mb + 1).as_sint().sext(w);
    let bias = match params.fire_compare {
        FireCompare::Ge => threshold.sext(w),
        FireCompare::Gt => threshold.sext(w) + Expr::sint(1, w),
    };
    (low - bias.trunc(w)).trunc(w)
}

/// One LIF datapath shared by `n = share_factor` channel groups (C#n, DESIGN.md §3), with a
/// registered output: a group step presented in cycle t shows its result after the clock edge
/// that ends cycle t (latency 1 cycle, throughput 1 group step per cycle).
///
/// Module `lif_unit_<tag>_n<n>`, e.g. `lif_unit_m8_c12_shift2_hard_ge_n4`; it instantiates
/// [`lif_step`] as `u_step`, a function instance (emitted as Verilog functions called in the
/// loads of `v_r` and `spike_r`, so a simulator computes the step only in cycles with
/// `valid`). Clock `clk` (rising edge), synchronous active-high reset `rst`.
///
/// | port | dir | type | meaning |
/// |---|---|---|---|
/// | `valid` | in | `Bool` | apply one group step in this cycle |
/// | `first` | in | `Bool` | this is group 0 of a shared state: start from `v_mem`; otherwise start from the carried state (the result of the previous valid step). With n = 1 keep it high |
/// | `v_mem` | in | `SInt(M)` | the shared state read from the membrane memory (used when `first`) |
/// | `current` | in | `SInt(C)` | this group's synaptic current (the next cycle's with `current_lead`) |
/// | `threshold` | in | `SInt(M)` | θ, runtime; 1 ≤ θ ≤ 2^(M−1) − 1 (the next cycle's with `current_lead`) |
/// | `spike` | out | `Bool` | registered: the step of the previous cycle fired (0 after a cycle without `valid`) |
/// | `spike_valid` | out | `Bool` | registered `valid`: `spike` and `v_out` hold a step's result |
/// | `v_out` | out | `SInt(M)` | registered post-step state of the last valid step; also the carried state |
/// | `v_valid` | out | `Bool` | write-back strobe: `v_out` is the final state of a shared state (its group n−1 step, counted from `first`); the controller writes it to the membrane memory |
/// | `v_next` | out | `SInt(M)` | combinational: the post-step state of this cycle's step, which `v_out` shows after the edge when `valid` (the controller's membrane forwarding registers it, docs/accelerator.md §6) |
///
/// Sequencing: for each shared state the controller presents its n groups in order 0..n−1,
/// `first` high with group 0, normally in n consecutive cycles; cycles without `valid` may be
/// inserted anywhere, they hold the carried state and the group count. Group i (> 0) starts
/// from group i−1's post-reset state, exactly as the golden model's `channel_share`.
///
/// With n = 1 there is no carry: the step starts from `v_mem`, and `v_valid` is the registered
/// `valid & first` (every step is group 0 and the last group).
///
/// With `current_lead`, `current` and `threshold` belong to the step presented in the *next*
/// cycle: the unit registers them (`current_r`, `threshold_r`) with `current − θ`
/// (`headroom_r`), so a step's fire comparison starts from a register. The other ports keep
/// their timing.
///
/// Panics when `params` fails [`LifUnitParams::validate`].
pub fn lif_unit(params: &LifUnitParams) -> Module {
    params.checked();
    let mb = params.membrane_bits;
    let cb = params.current_bits;
    let n = params.share_factor;
    let step = lif_step(params);
    let mut m = ModuleBuilder::new(format!("lif_unit_{}_n{n}", params.name_tag()));
    lif_header_params(&mut m, params);
    m.param("share_factor", n);
    let valid = m.input("valid", Bool);
    let first = m.input("first", Bool);
    let v_mem = m.input("v_mem", SInt(mb));
    let current = m.input("current", SInt(cb));
    let threshold = m.input("threshold", SInt(mb));

    // The output register: the post-step state, which is also the carried state of C#n.
    let v_r = m.reg_no_reset("v_r", SInt(mb));
    let spike_r = m.reg("spike_r", Bool);
    let valid_r = m.reg("valid_r", Bool);
    let last_r = m.reg("last_r", Bool);

    let (v_in, is_last): (Expr, Expr) = if n == 1 {
        (v_mem.expr(), first.expr())
    } else {
        // Index of the group presented now: 0 with `first`, else one more than the last one.
        let group_bits = n.trailing_zeros();
        let group_r = m.reg("group_r", UInt(group_bits));
        let group = m.wire_from("group", first.select(Expr::uint(0, group_bits), group_r));
        // n is a power of two: the count wraps from n − 1 to 0 by itself.
        m.next_when(group_r, valid, group.wrapping_add(1));
        let v_in = m.wire_from("v_in", first.select(v_mem, v_r));
        (v_in.expr(), group.is_eq(n - 1))
    };

    // The step is emitted as functions called in the registers' enabled updates, so that a
    // simulator computes it only in the cycles with `valid` (the LIF phase is a few percent of
    // a run's cycles; docs/cosim.md). The same logic for synthesis.
    let u = m.function_instance("u_step", &step);
    m.connect(&u, "v", v_in);
    if params.current_lead {
        let current_r = m.reg_no_reset("current_r", SInt(cb));
        let threshold_r = m.reg_no_reset("threshold_r", SInt(mb));
        let headroom_r = m.reg_no_reset("headroom_r", SInt(mb + 2));
        m.next(current_r, current);
        m.next(threshold_r, threshold);
        m.next(
            headroom_r,
            current_over_threshold(params, current.expr(), threshold.expr()),
        );
        m.connect(&u, "current", current_r);
        m.connect(&u, "threshold", threshold_r);
        m.connect(&u, "current_over_threshold", headroom_r);
    } else {
        m.connect(&u, "current", current);
        m.connect(&u, "threshold", threshold);
    }

    // With `current_lead` the controller's membrane forwarding reads `v_next` in every cycle:
    // one call, through a wire. Otherwise the register's update calls the step itself, and
    // `v_next` is a second call that only a reader of the port pays for.
    let v_next: Expr = if params.current_lead {
        let v_step = m.wire_from("v_step", u.out("v_next"));
        m.next_when(v_r, valid, v_step);
        v_step.expr()
    } else {
        m.next_when(v_r, valid, u.out("v_next"));
        u.out("v_next")
    };
    // Loaded only with `valid` (a load of `valid & spike` would be simplified by Verilator
    // into an expression that calls the step in every cycle); the port masks it with
    // `valid_r`, so it is 0 after a cycle without a step.
    m.next_when(spike_r, valid, u.out("spike"));
    m.next(valid_r, valid);
    m.next(last_r, valid & is_last);

    m.output_from("spike", spike_r & valid_r);
    m.output_from("spike_valid", valid_r);
    m.output_from("v_out", v_r);
    m.output_from("v_valid", last_r);
    m.output_from("v_next", v_next);
    m.finish()
}

/// `e` sign-extended or truncated to `width` bits.
fn resize(e: Expr, width: u32) -> Expr {
    if e.width() < width {
        e.sext(width)
    } else {
        e.trunc(width)
    }
}

/// Records the LIF options in the module's header (generator parameters).
fn lif_header_params(m: &mut ModuleBuilder, params: &LifUnitParams) {
    m.param("membrane_bits", params.membrane_bits)
        .param("current_bits", params.current_bits)
        .param("leak", params.leak)
        .param("reset", format!("{:?}", params.reset).to_lowercase())
        .param(
            "fire_compare",
            format!("{:?}", params.fire_compare).to_lowercase(),
        );
}
