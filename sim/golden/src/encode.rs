//! Input spikes: given spike trains, the deterministic rate encoder, and random inputs.
//!
//! # Rate encoder (normative)
//!
//! A 32-bit xorshift generator (Marsaglia 2003, shifts 13, 17, 5):
//! `x ^= x << 13; x ^= x >> 17; x ^= x << 5` (32-bit, logical shifts). The state starts at
//! `(seed ^ (seed >> 32)) as u32`, or `0x6D2B79F5` if that is 0. For t = 0..T−1 (outer) and
//! i = 0..C·H·W−1 (inner, C, H, W order) the generator steps once and the input spikes iff
//! `(x >> 24) < intensity[i]`: intensity 0 never spikes, 255 spikes with probability
//! 255/256, and the expected rate is `intensity / 256`.
//!
//! # Random input
//!
//! A [`SplitMix64`] stream seeded with `seed`; for t outer and i inner, one draw each, and the
//! input spikes iff `(draw >> 11) < floor(density · 2^53)`.

use spikeforge_config::{Encoding, Input, Network, SplitMix64};

/// One step of the 32-bit xorshift generator of the rate encoder.
#[inline]
pub fn xorshift32(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x
}

/// The initial rate-encoder state for `seed`.
pub fn rate_seed(seed: u64) -> u32 {
    let s = (seed ^ (seed >> 32)) as u32;
    if s == 0 {
        0x6D2B_79F5
    } else {
        s
    }
}

/// The active input spikes of every timestep 0..T as flat indices (C, H, W order), ascending.
/// `input` must have been validated against `net`.
pub fn input_spikes(net: &Network, input: &Input) -> Vec<Vec<u32>> {
    let n = net.input.channels as usize * net.input.height as usize * net.input.width as usize;
    let t_all = net.timesteps as usize;
    match input.encoding {
        Encoding::Spikes => {
            let sp = input.spikes.as_ref().expect("validated input");
            sp.iter()
                .take(t_all)
                .map(|s| {
                    s.data
                        .iter()
                        .enumerate()
                        .filter(|(_, &v)| v != 0)
                        .map(|(i, _)| i as u32)
                        .collect()
                })
                .collect()
        }
        Encoding::Rate => {
            let x = &input.intensities.as_ref().expect("validated input").data;
            let mut state = rate_seed(input.seed());
            (0..t_all)
                .map(|_| {
                    let mut v = Vec::new();
                    for (i, &intensity) in x.iter().enumerate().take(n) {
                        state = xorshift32(state);
                        if ((state >> 24) as i64) < intensity {
                            v.push(i as u32);
                        }
                    }
                    v
                })
                .collect()
        }
        Encoding::Random => {
            let d = input.density.expect("validated input");
            let limit = (d * (1u64 << 53) as f64).floor() as u64;
            let mut rng = SplitMix64::new(input.seed());
            (0..t_all)
                .map(|_| {
                    (0..n as u32)
                        .filter(|_| (rng.next_u64() >> 11) < limit)
                        .collect()
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_reference_values() {
        // Marsaglia's xorshift32 from state 1.
        assert_eq!(xorshift32(1), 270369);
        assert_eq!(xorshift32(270369), 67634689);
    }

    #[test]
    fn rate_is_proportional_to_intensity() {
        let mut s = rate_seed(7);
        let mut hits = [0u32; 3];
        let lv = [0i64, 64, 255];
        for _ in 0..20000 {
            for (h, &l) in hits.iter_mut().zip(&lv) {
                s = xorshift32(s);
                if ((s >> 24) as i64) < l {
                    *h += 1;
                }
            }
        }
        assert_eq!(hits[0], 0);
        assert!((hits[1] as f64 / 20000.0 - 0.25).abs() < 0.02);
        assert!(hits[2] > 19700);
    }
}
