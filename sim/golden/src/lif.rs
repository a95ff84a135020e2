//! One LIF step of one neuron (DESIGN.md §2): leak → integrate → fire → reset.

use spikeforge_config::{FireCompare, Leak, LifParams, Reset};

/// Saturates `v` to the signed range of `p.membrane_bits`.
#[inline]
pub fn saturate(v: i64, p: &LifParams) -> i64 {
    v.clamp(p.v_min(), p.v_max())
}

/// The leak of DESIGN.md §2 step 1 applied to membrane `v` (membrane units).
///
/// `shift(k)`: `v − (v >> k)` with an arithmetic shift (rounds toward −∞; never leaves the
/// membrane range). `subtract(d)`: toward 0 by `d`, stopping at 0. `none`: unchanged.
#[inline]
pub fn leak(v: i64, p: &LifParams) -> i64 {
    match p.leak {
        Leak::None => v,
        Leak::Shift(k) => v - (v >> k),
        Leak::Subtract(d) => {
            if v > 0 {
                (v - d).max(0)
            } else {
                (v + d).min(0)
            }
        }
    }
}

/// One full LIF step: returns the new membrane and whether the neuron fired.
///
/// `v` is the membrane before the step, `current` the synaptic current `I = Σ s·w` of this
/// timestep (exact, unsaturated).
#[inline]
pub fn step(v: i64, current: i64, p: &LifParams) -> (i64, bool) {
    let v = leak(v, p);
    // The sum is exact (DESIGN.md §2): with a 64-bit current it can leave the range of i64,
    // where it saturates to the membrane's range all the same.
    let v = saturate(v.saturating_add(current), p);
    let fire = match p.fire_compare {
        FireCompare::Ge => v >= p.threshold,
        FireCompare::Gt => v > p.threshold,
    };
    let v = if fire {
        match p.reset {
            Reset::Hard => 0,
            Reset::Soft => v - p.threshold,
        }
    } else {
        v
    };
    (v, fire)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(leak: Leak, reset: Reset, fc: FireCompare) -> LifParams {
        LifParams {
            membrane_bits: 8,
            threshold: 10,
            leak,
            reset,
            fire_compare: fc,
            share_factor: 1,
        }
    }

    #[test]
    fn if_neuron_hard_reset_ge() {
        let p = params(Leak::None, Reset::Hard, FireCompare::Ge);
        assert_eq!(step(0, 9, &p), (9, false));
        assert_eq!(step(9, 1, &p), (0, true));
        // Saturation at both ends of an 8-bit membrane.
        assert_eq!(step(0, 1000, &p), (0, true));
        assert_eq!(step(-100, -1000, &p), (-128, false));
        // A 64-bit current at its extremes: the exact sum leaves i64, not the clamp.
        assert_eq!(step(-100, i64::MIN, &p), (-128, false));
        assert_eq!(step(100, i64::MAX, &p), (0, true));
    }

    #[test]
    fn gt_and_soft_reset() {
        let p = params(Leak::None, Reset::Soft, FireCompare::Gt);
        assert_eq!(step(0, 10, &p), (10, false));
        assert_eq!(step(0, 25, &p), (15, true));
        assert_eq!(step(100, 100, &p), (117, true)); // saturates to 127 first
    }

    #[test]
    fn shift_leak_is_arithmetic() {
        let p = params(Leak::Shift(2), Reset::Hard, FireCompare::Ge);
        assert_eq!(leak(8, &p), 6);
        assert_eq!(leak(-8, &p), -6);
        assert_eq!(leak(-1, &p), 0); // -1 - (-1 >> 2) = -1 - (-1) = 0
        assert_eq!(leak(3, &p), 3);
        assert_eq!(step(8, 1, &p), (7, false));
    }

    #[test]
    fn subtract_leak_stops_at_zero() {
        let p = params(Leak::Subtract(3), Reset::Hard, FireCompare::Ge);
        assert_eq!(leak(2, &p), 0);
        assert_eq!(leak(-2, &p), 0);
        assert_eq!(leak(7, &p), 4);
        assert_eq!(leak(-7, &p), -4);
    }
}
