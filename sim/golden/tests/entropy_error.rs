//! Measures the fixed-point entropy unit against the float reference over ≥ 10,000 random
//! logit vectors (issue point 2): the largest |H_fixed − H_float| must be ≤ 0.02; exit
//! decisions that differ from the float reference are counted and reported.

use spikeforge_config::SplitMix64;
use spikeforge_golden::entropy::{entropy_fixed, entropy_float, exits};

#[test]
fn entropy_error_over_random_logits() {
    let mut rng = SplitMix64::new(0x05EE_DE27);
    let vectors = 20_000;
    let thresholds = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    let mut max_err = 0.0f64;
    let mut worst = (Vec::new(), 0u32);
    let mut sum_err = 0.0;
    let mut decisions = 0u64;
    let mut differing = 0u64;
    for _ in 0..vectors {
        let k = match rng.next_u64() % 4 {
            0 => 2 + rng.next_u64() % 3,
            1 => 10,
            2 => 2 + rng.next_u64() % 100,
            _ => 100 + rng.next_u64() % 901,
        } as usize;
        let frac = [0u32, 2, 4, 6, 8, 10, 12, 16][(rng.next_u64() % 8) as usize];
        let spread = [0.25f64, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 40.0][(rng.next_u64() % 8) as usize];
        let scale = (frac as f64).exp2();
        let z: Vec<i64> = (0..k)
            .map(|_| {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                ((2.0 * u - 1.0) * spread * scale).round() as i64
            })
            .collect();
        let hq = entropy_fixed(&z, frac).h_q16;
        let hf = entropy_float(&z, frac);
        let err = (hq as f64 / 65536.0 - hf).abs();
        sum_err += err;
        if err > max_err {
            max_err = err;
            worst = (z.clone(), frac);
        }
        for &th in &thresholds {
            decisions += 1;
            if exits(hq, th) != (hf < th) {
                differing += 1;
            }
        }
    }
    println!(
        "entropy: {vectors} random logit vectors (K 2..=1000, logit_frac_bits 0..=16): \
         max |H_fixed - H_float| = {max_err:.6}, mean = {:.6}; exit decisions differing from \
         the float reference: {differing} of {decisions} ({} thresholds 0.05..0.95)",
        sum_err / vectors as f64,
        thresholds.len()
    );
    assert!(vectors >= 10_000);
    assert!(
        max_err <= 0.02,
        "max error {max_err} for K = {} frac {}",
        worst.0.len(),
        worst.1
    );
    // A decision can only differ when H_float is within max_err of the threshold.
    assert!((differing as f64) < 0.01 * decisions as f64);
}
