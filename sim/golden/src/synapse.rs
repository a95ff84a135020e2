//! Synaptic currents `I[t][k] = Σ_i s[t][i] · w[i][k]` (DESIGN.md §1), computed event by event:
//! only active input spikes are visited, and each adds a row of K weights into the
//! accumulators of the outputs it reaches. This is the golden model's inner loop; it is
//! independent of the array mapping (the counts come from [`crate::counts`]).

use spikeforge_config::{LayerKind, LayerShape};

/// The weights of one stage re-laid out for event-driven accumulation: for every input
/// channel c and kernel tap (r, s), the K output-channel weights are contiguous
/// (`[c][r][s][k]`, linear: `[c][k]`).
#[derive(Debug, Clone)]
pub struct SynapseTable {
    shape: LayerShape,
    w: Vec<i16>,
}

impl SynapseTable {
    /// Builds the table from weights in file layout (conv2d `[K][C][R][R]`, linear `[K][C]`).
    pub fn new(shape: LayerShape, weights: &[i32]) -> Self {
        let k_all = shape.out_channels as usize;
        let taps = shape.fan_in() as usize;
        assert_eq!(weights.len(), k_all * taps, "weight count");
        let mut w = vec![0i16; weights.len()];
        // Transposed in 64×64 blocks, so both sides stay in cache for large layers.
        const BLOCK: usize = 64;
        for k0 in (0..k_all).step_by(BLOCK) {
            for t0 in (0..taps).step_by(BLOCK) {
                for k in k0..(k0 + BLOCK).min(k_all) {
                    for t in t0..(t0 + BLOCK).min(taps) {
                        w[t * k_all + k] = weights[k * taps + t] as i16;
                    }
                }
            }
        }
        SynapseTable { shape, w }
    }

    /// The layer shape.
    pub fn shape(&self) -> &LayerShape {
        &self.shape
    }

    /// Adds the currents of one timestep: `spikes` are active input indices (C, H, W order);
    /// `acc` is `positions × K` (`[p][k]`, p = e·F + f), added into (not cleared). Returns the
    /// number of synaptic events, i.e. performed accumulates (one per active spike per
    /// synapse it reaches).
    pub fn accumulate(&self, spikes: &[u32], acc: &mut [i32]) -> u64 {
        let s = &self.shape;
        let k_all = s.out_channels as usize;
        match s.kind {
            LayerKind::Linear => {
                for &i in spikes {
                    let row = &self.w[i as usize * k_all..(i as usize + 1) * k_all];
                    add_row(acc, row);
                }
                spikes.len() as u64 * k_all as u64
            }
            LayerKind::Conv2d => {
                let (h, w) = (s.in_height as usize, s.in_width as usize);
                let (e_n, f_n) = (s.out_height as isize, s.out_width as isize);
                let r_n = s.kernel as usize;
                let stride = s.stride as isize;
                let pad = s.padding as isize;
                let hw = h * w;
                let mut events = 0u64;
                for &idx in spikes {
                    let idx = idx as usize;
                    let c = idx / hw;
                    let y = ((idx % hw) / w) as isize;
                    let x = (idx % w) as isize;
                    for r in 0..r_n {
                        let ey = y + pad - r as isize;
                        if ey < 0 || ey % stride != 0 || ey / stride >= e_n {
                            continue;
                        }
                        let e = (ey / stride) as usize;
                        for sx in 0..r_n {
                            let fx = x + pad - sx as isize;
                            if fx < 0 || fx % stride != 0 || fx / stride >= f_n {
                                continue;
                            }
                            let f = (fx / stride) as usize;
                            let tap = (c * r_n + r) * r_n + sx;
                            let row = &self.w[tap * k_all..(tap + 1) * k_all];
                            let p = e * f_n as usize + f;
                            add_row(&mut acc[p * k_all..(p + 1) * k_all], row);
                            events += k_all as u64;
                        }
                    }
                }
                events
            }
        }
    }
}

#[inline]
fn add_row(acc: &mut [i32], row: &[i16]) {
    for (a, &w) in acc.iter_mut().zip(row) {
        *a += w as i32;
    }
}

/// Dense reference of [`SynapseTable::accumulate`] (direct convolution over all inputs), for
/// tests: `acc[p][k] = Σ_{c,r,s} in[c][y][x] · w[k][c][r][s]`.
pub fn dense_currents(shape: &LayerShape, weights: &[i32], input: &[u8]) -> Vec<i64> {
    let k_all = shape.out_channels as usize;
    let (c_n, h, w) = (
        shape.in_channels as usize,
        shape.in_height as i64,
        shape.in_width as i64,
    );
    let r_n = shape.kernel as usize;
    let (e_n, f_n) = (shape.out_height as usize, shape.out_width as usize);
    let mut out = vec![0i64; e_n * f_n * k_all];
    for e in 0..e_n {
        for f in 0..f_n {
            for k in 0..k_all {
                let mut sum = 0i64;
                for c in 0..c_n {
                    for r in 0..r_n {
                        for s in 0..r_n {
                            let y = (e * shape.stride as usize + r) as i64 - shape.padding as i64;
                            let x = (f * shape.stride as usize + s) as i64 - shape.padding as i64;
                            if y < 0 || x < 0 || y >= h || x >= w {
                                continue;
                            }
                            let i = (c as i64 * h + y) * w + x;
                            if input[i as usize] != 0 {
                                sum += weights[((k * c_n + c) * r_n + r) * r_n + s] as i64;
                            }
                        }
                    }
                }
                out[(e * f_n + f) * k_all + k] = sum;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn event_driven_equals_dense(
            c in 1u32..4, k in 1u32..6, h in 1u32..7, w in 1u32..7,
            r in 1u32..4, stride in 1u32..3, pad in 0u32..3, seed in any::<u64>(), linear in any::<bool>()
        ) {
            let pad = pad.min(r - 1);
            prop_assume!(h + 2 * pad >= r && w + 2 * pad >= r);
            let shape = if linear {
                LayerShape { kind: LayerKind::Linear, in_channels: c * h * w, in_height: 1, in_width: 1,
                    out_channels: k, out_height: 1, out_width: 1, kernel: 1, stride: 1, padding: 0, pool: 1 }
            } else {
                LayerShape { kind: LayerKind::Conv2d, in_channels: c, in_height: h, in_width: w,
                    out_channels: k, out_height: (h + 2 * pad - r) / stride + 1,
                    out_width: (w + 2 * pad - r) / stride + 1, kernel: r, stride, padding: pad, pool: 1 }
            };
            let mut rng = spikeforge_config::SplitMix64::new(seed);
            let weights: Vec<i32> = (0..shape.weight_count()).map(|_| (rng.next_u64() % 15) as i32 - 7).collect();
            let input: Vec<u8> = (0..shape.inputs()).map(|_| rng.next_u64().is_multiple_of(3) as u8).collect();
            let spikes: Vec<u32> = input.iter().enumerate().filter(|(_, &v)| v != 0).map(|(i, _)| i as u32).collect();
            let table = SynapseTable::new(shape, &weights);
            let mut acc = vec![0i32; shape.outputs() as usize];
            table.accumulate(&spikes, &mut acc);
            let dense = dense_currents(&shape, &weights, &input);
            prop_assert_eq!(acc.iter().map(|&v| v as i64).collect::<Vec<_>>(), dense);
        }
    }
}
