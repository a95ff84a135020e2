//! The entropy unit of DT-SNN (DESIGN.md §4): a fixed-point algorithm the RTL implements
//! bit-exactly, and a float reference.
//!
//! # The fixed-point algorithm (normative)
//!
//! Inputs: the K ≥ 2 logits `z_k` (signed integers, `logit_bits` wide) and the network's
//! `logit_frac_bits = f` (the real logit is `z / 2^f`). All quantities below are unsigned
//! integers; `Qm` means "m fractional bits"; `>>` is a logical right shift; every division
//! truncates.
//!
//! 1. **Max.** `m = max_k z_k`.
//! 2. **Distances, Q8, clamped.** `e_k = m − z_k ≥ 0`. Convert to Q8:
//!    `f > 8`: `x_k = (e_k + 2^(f−9)) >> (f−8)` (round half up); `f = 8`: `x_k = e_k`;
//!    `f < 8`: `x_k = e_k · 2^(8−f)`. If `x_k ≥ 4096` (distance ≥ 16.0) the class is
//!    dropped: `E_k = 0` and it adds nothing to `S` or `A` (e^−16 ≈ 1.1·10⁻⁷).
//! 3. **Exponential, two LUTs.** `E_k = (EXP_HI[x_k >> 8] · EXP_LO[x_k & 255] + 2^15) >> 16`,
//!    Q16 (`E_k ≤ 65536`), with `EXP_HI[i] = round(2^16 · e^(−i))`, i = 0..15 (16 entries,
//!    17 bits) and `EXP_LO[j] = round(2^16 · e^(−j/256))`, j = 0..255 (256 entries, 17 bits).
//!    The maximum class has `x = 0` and `E = 65536` exactly.
//! 4. **Sums.** `S = Σ E_k` (Q16, `S ≥ 65536`); `A = Σ E_k · x_k` (Q24).
//! 5. **ln S by leading-one detection.** `p = ⌊log₂ S⌋` (≥ 16); the mantissa rounded to 8
//!    fractional bits is `i = ((S >> (p − 9)) + 1) >> 1` (256 ≤ i ≤ 512, the leading one
//!    included; i = 512 when rounding carries), and `lnS = (p − 16) · LN2 + LN_TAB[i − 256]`
//!    (Q16) with `LN2 = round(2^16 · ln 2) = 45426` and
//!    `LN_TAB[j] = round(2^16 · ln(1 + j/256))`, j = 0..=256 (257 entries, 16 bits;
//!    `LN_TAB[256] = LN2`). `S = 65536` (one class certain) gives exactly 0.
//! 6. **One division.** `D = (A · 2^8) / S` (Q16, the mean distance Σ p_k·x_k).
//! 7. **Entropy times ln K.** `Hn = lnS + D` (Q16; `H · ln K`).
//! 8. **Normalise.** `H_q = min((Hn · RLNK + 2^15) >> 16, 65536)` (Q16, H ∈ [0, 1]) with the
//!    per-network constant `RLNK = round(2^16 / ln K)`.
//! 9. **Exit.** With `θ_q = round(θ_H · 2^16)`: exit when `H_q < θ_q`, or at t = T.
//!
//! Widths: `x_k` 13 bits, `E_k` 17 bits, `S` 17 + ⌈log₂K⌉ bits, `A` 29 + ⌈log₂K⌉ bits, `D`
//! and `lnS` at most 21 bits for K ≤ 65536, `Hn · RLNK` < 2^40.
//!
//! Identity used (DESIGN.md §4): `H · ln K = ln S − (Σ_k e^{d_k} d_k) / S` with
//! `d_k = z_k − max z ≤ 0`, `S = Σ_k e^{d_k}`; here `x_k = −d_k ≥ 0`, so
//! `H · ln K = ln S + (Σ_k e^{−x_k} x_k) / S = lnS + D`.
//!
//! Latency of one evaluation in the cycle model: `2·K + 23` cycles — the entropy unit's
//! `2·K + 22` (K for the max, K for the exponentials and sums, 1 for ln S, 20 for a radix-2
//! restoring division with a 20-bit quotient, 1 for the normalising multiply and the compare),
//! plus the cycle in which the accelerator's controller sees `done` (docs/accelerator.md §7).
//! The area-lean serial unit (`[rtl] entropy_unit = "serial"`) forms its three products with one
//! shift-and-add multiplier, one multiplier bit per cycle: per class 1 cycle for the distance,
//! 1 + 16 for `EXP_HI·EXP_LO`, 1 + 12 for `E·x`; then 1 for the last `A` update, 20 for the
//! division, 1 + 17 for `Hn·RLNK` and 1 for the compare — `32·K + 40` after the K of the max —
//! plus the cycle in which `done` is seen: `32·K + 41` (docs/entropy-unit.md); the pipelined
//! serial unit, one cycle more per class: `33·K + 41`.
//!
//! The error against the float reference is measured by the test
//! `entropy_error_over_random_logits` (≥ 10,000 random vectors) and documented in
//! `docs/golden-model.md`.

use spikeforge_config::EntropyUnitKind;
use std::sync::OnceLock;

/// Q16 one.
pub const ONE_Q16: u32 = 1 << 16;
/// `round(2^16 · ln 2)`.
pub const LN2_Q16: u64 = 45426;
/// Distances at or above this Q8 value (16.0) are dropped.
pub const X_CLAMP_Q8: u64 = 4096;

/// Cycles of one entropy evaluation of the parallel unit for `classes` classes (see module
/// docs).
pub fn cycles_per_evaluation(classes: u64) -> u64 {
    cycles_per_evaluation_of(EntropyUnitKind::Parallel, classes)
}

/// Cycles of one entropy evaluation of the unit `unit` for `classes` classes (see module docs).
pub fn cycles_per_evaluation_of(unit: EntropyUnitKind, classes: u64) -> u64 {
    match unit {
        EntropyUnitKind::Parallel => 2 * classes + 23,
        EntropyUnitKind::Serial => 32 * classes + 41,
        EntropyUnitKind::SerialPipelined => 33 * classes + 41,
    }
}

/// `EXP_HI[i] = round(2^16 · e^(−i))`, i = 0..16.
pub fn exp_hi_table() -> &'static [u32; 16] {
    static T: OnceLock<[u32; 16]> = OnceLock::new();
    T.get_or_init(|| std::array::from_fn(|i| (65536.0 * (-(i as f64)).exp()).round() as u32))
}

/// `EXP_LO[j] = round(2^16 · e^(−j/256))`, j = 0..256.
pub fn exp_lo_table() -> &'static [u32; 256] {
    static T: OnceLock<[u32; 256]> = OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|j| (65536.0 * (-(j as f64) / 256.0).exp()).round() as u32)
    })
}

/// `LN_TAB[j] = round(2^16 · ln(1 + j/256))`, j = 0..=256.
pub fn ln_table() -> &'static [u32; 257] {
    static T: OnceLock<[u32; 257]> = OnceLock::new();
    T.get_or_init(|| {
        std::array::from_fn(|j| (65536.0 * (1.0 + j as f64 / 256.0).ln()).round() as u32)
    })
}

/// `RLNK = round(2^16 / ln K)` for K ≥ 2 classes.
pub fn rlnk(classes: usize) -> u64 {
    (65536.0 / (classes as f64).ln()).round() as u64
}

/// `θ_q = round(θ_H · 2^16)`.
pub fn threshold_q16(theta: f64) -> u32 {
    (theta * 65536.0).round() as u32
}

/// Intermediate values of one fixed-point evaluation (for tests and RTL debugging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntropyTrace {
    /// `S` (Q16).
    pub s: u64,
    /// `A` (Q24).
    pub a: u64,
    /// `ln S` (Q16).
    pub ln_s: u64,
    /// `D` (Q16).
    pub d: u64,
    /// `H · ln K` (Q16).
    pub hn: u64,
    /// Normalised entropy `H_q` (Q16, 0..=65536).
    pub h_q16: u32,
}

/// The fixed-point entropy of logits `z` (integers, real value `z / 2^frac_bits`).
/// Panics if fewer than 2 logits are given.
pub fn entropy_fixed(z: &[i64], frac_bits: u32) -> EntropyTrace {
    assert!(z.len() >= 2, "the entropy unit needs at least 2 classes");
    let hi = exp_hi_table();
    let lo = exp_lo_table();
    let m = *z.iter().max().expect("non-empty");
    let mut s: u64 = 0;
    let mut a: u64 = 0;
    for &zk in z {
        let e = (m as i128 - zk as i128) as u128;
        let x: u128 = if frac_bits > 8 {
            (e + (1u128 << (frac_bits - 9))) >> (frac_bits - 8)
        } else {
            e << (8 - frac_bits)
        };
        if x >= X_CLAMP_Q8 as u128 {
            continue;
        }
        let x = x as u64;
        let ek = (hi[(x >> 8) as usize] as u64 * lo[(x & 255) as usize] as u64 + (1 << 15)) >> 16;
        s += ek;
        a += ek * x;
    }
    let p = 63 - s.leading_zeros() as u64;
    let i = ((s >> (p - 9)) + 1) >> 1;
    let ln_s = (p - 16) * LN2_Q16 + ln_table()[(i - 256) as usize] as u64;
    let d = (a << 8) / s;
    let hn = ln_s + d;
    let h = ((hn * rlnk(z.len()) + (1 << 15)) >> 16).min(ONE_Q16 as u64) as u32;
    EntropyTrace {
        s,
        a,
        ln_s,
        d,
        hn,
        h_q16: h,
    }
}

/// The float reference: `H = −Σ p_k ln p_k / ln K` with `p = softmax(z / 2^frac_bits)`,
/// computed in f64 with the max subtracted.
pub fn entropy_float(z: &[i64], frac_bits: u32) -> f64 {
    let scale = (frac_bits as f64).exp2();
    let m = *z.iter().max().expect("non-empty") as f64;
    let d: Vec<f64> = z.iter().map(|&v| (v as f64 - m) / scale).collect();
    let s: f64 = d.iter().map(|x| x.exp()).sum();
    let weighted: f64 = d.iter().map(|x| x.exp() * x).sum();
    let h_ln_k = s.ln() - weighted / s;
    (h_ln_k / (z.len() as f64).ln()).clamp(0.0, 1.0)
}

/// The exit decision of the fixed-point unit: `H_q < θ_q`.
pub fn exits(h_q16: u32, theta: f64) -> bool {
    h_q16 < threshold_q16(theta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_logits_have_entropy_one_and_peaked_zero() {
        let t = entropy_fixed(&[5, 5, 5, 5], 0);
        assert_eq!(t.s, 4 * 65536);
        assert!((t.h_q16 as f64 / 65536.0 - 1.0).abs() < 0.01, "{t:?}");
        let t = entropy_fixed(&[100, 0, 0], 0);
        assert_eq!(t.h_q16, 0);
        assert!(entropy_float(&[100, 0, 0], 0) < 1e-30);
    }

    #[test]
    fn tables_have_documented_endpoints() {
        assert_eq!(exp_hi_table()[0], 65536);
        assert_eq!(exp_lo_table()[0], 65536);
        assert_eq!(exp_hi_table()[1], 24109);
        assert_eq!(ln_table()[0], 0);
        assert_eq!(ln_table()[256] as u64, LN2_Q16);
        assert_eq!(LN2_Q16, (65536.0 * 2f64.ln()).round() as u64);
    }

    #[test]
    fn frac_bits_scale_the_logits() {
        // z / 2^4: logits 16 and 0 are 1.0 and 0.0.
        let f = entropy_float(&[16, 0], 4);
        let g = entropy_float(&[1, 0], 0);
        assert!((f - g).abs() < 1e-12);
        let h = entropy_fixed(&[16, 0], 4).h_q16 as f64 / 65536.0;
        assert!((h - g).abs() < 0.01);
        // f > 8 uses rounding of the distance.
        let h = entropy_fixed(&[1 << 12, 0], 12).h_q16 as f64 / 65536.0;
        assert!((h - g).abs() < 0.01);
    }
}
