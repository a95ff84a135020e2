//! The golden model against a naive, independent re-implementation of DESIGN.md §1–4 written
//! straight from the text: dense direct convolution, per-neuron LIF steps with the C#n group
//! order spelled out, max-pooling, a running-sum classifier. Convention: DESIGN.md §2 (leak →
//! integrate → fire → reset), not snnTorch's.
#![allow(clippy::needless_range_loop)] // index loops mirror the documented loop nest

mod common;

use proptest::prelude::*;
use spikeforge_config::{AcceleratorConfig, FireCompare, Input, LayerKind, Leak, Network, Reset};
use spikeforge_golden::{encode, entropy, GoldenModel, RunOptions};

struct Naive {
    spikes: Vec<Vec<Vec<u32>>>, // [layer][t] active pooled outputs, ascending
    logits: Vec<Vec<i64>>,
}

fn naive(net: &Network, input: &Input) -> Naive {
    let shapes = net.shapes();
    let t_all = net.timesteps as usize;
    let inputs = encode::input_spikes(net, input);
    let weights: Vec<Vec<i32>> = (0..shapes.len()).map(|i| net.layer_weights(i)).collect();
    let mut v: Vec<Vec<i64>> = net
        .layers
        .iter()
        .zip(&shapes)
        .map(|(l, s)| vec![0; (s.outputs() / l.share_factor as u64) as usize])
        .collect();
    let mut z = vec![0i64; net.classifier.classes as usize];
    let mut out = Naive {
        spikes: vec![Vec::new(); net.layers.len()],
        logits: Vec::new(),
    };
    for t in 0..t_all {
        let mut x: Vec<u8> = vec![0; shapes[0].inputs() as usize];
        for &i in &inputs[t] {
            x[i as usize] = 1;
        }
        for (li, s) in shapes.iter().enumerate() {
            let (cn, h, w) = (s.in_channels as i64, s.in_height as i64, s.in_width as i64);
            let (kn, en, fn_) = (
                s.out_channels as usize,
                s.out_height as usize,
                s.out_width as usize,
            );
            let r = s.kernel as i64;
            // current[k][e][f]
            let mut cur = vec![0i64; kn * en * fn_];
            for k in 0..kn {
                for e in 0..en {
                    for f in 0..fn_ {
                        let mut sum = 0i64;
                        for c in 0..cn {
                            for dy in 0..r {
                                for dx in 0..r {
                                    let (y, xx) = match s.kind {
                                        LayerKind::Linear => (0, 0),
                                        LayerKind::Conv2d => (
                                            e as i64 * s.stride as i64 + dy - s.padding as i64,
                                            f as i64 * s.stride as i64 + dx - s.padding as i64,
                                        ),
                                    };
                                    if y < 0 || xx < 0 || y >= h || xx >= w {
                                        continue;
                                    }
                                    if x[((c * h + y) * w + xx) as usize] == 1 {
                                        sum += weights[li]
                                            [(((k as i64 * cn + c) * r + dy) * r + dx) as usize]
                                            as i64;
                                    }
                                }
                            }
                        }
                        cur[(k * en + e) * fn_ + f] = sum;
                    }
                }
            }
            if li == net.layers.len() {
                for k in 0..kn {
                    z[k] += cur[k];
                }
                out.logits.push(z.clone());
                break;
            }
            let l = &net.layers[li];
            let n = l.share_factor as usize;
            let kg = kn / n;
            let vmax = (1i64 << (l.membrane_bits - 1)) - 1;
            let vmin = -(1i64 << (l.membrane_bits - 1));
            let mut fired = vec![0u8; kn * en * fn_];
            for g in 0..n {
                for j in 0..kg {
                    let k = g * kg + j;
                    for pos in 0..en * fn_ {
                        let state = &mut v[li][j * en * fn_ + pos];
                        let mut m = *state;
                        m = match l.leak {
                            Leak::None => m,
                            Leak::Shift(sh) => m - (m >> sh),
                            Leak::Subtract(d) => {
                                if m > 0 {
                                    (m - d).max(0)
                                } else {
                                    (m + d).min(0)
                                }
                            }
                        };
                        m = (m + cur[k * en * fn_ + pos]).clamp(vmin, vmax);
                        let s_ = match l.fire_compare {
                            FireCompare::Ge => m >= l.threshold,
                            FireCompare::Gt => m > l.threshold,
                        };
                        if s_ {
                            m = match l.reset {
                                Reset::Hard => 0,
                                Reset::Soft => m - l.threshold,
                            };
                            fired[k * en * fn_ + pos] = 1;
                        }
                        *state = m;
                    }
                }
            }
            // Max-pool.
            let p = s.pool as usize;
            let (pe, pf) = (en / p, fn_ / p);
            let mut next = vec![0u8; kn * pe * pf];
            for k in 0..kn {
                for e in 0..pe * p {
                    for f in 0..pf * p {
                        if fired[(k * en + e) * fn_ + f] == 1 {
                            next[(k * pe + e / p) * pf + f / p] = 1;
                        }
                    }
                }
            }
            out.spikes[li].push(
                next.iter()
                    .enumerate()
                    .filter(|(_, &b)| b == 1)
                    .map(|(i, _)| i as u32)
                    .collect(),
            );
            x = next;
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn golden_model_equals_naive_reference(seed in any::<u64>(), t in 1u32..6, density in 0.1f64..0.9,
                                           b_sel in 0u32..6) {
        let net = common::random_network(seed, t, 0.0);
        let input = Input::random(density, seed ^ 99);
        let mut a = AcceleratorConfig::default();
        a.schedule.tick_batch = 1 + b_sel % t;
        let o = GoldenModel::run_with(&net, &input, &a, &RunOptions { trace: true, ..Default::default() }).unwrap();
        let r = naive(&net, &input);
        prop_assert_eq!(o.spikes.as_ref().unwrap(), &r.spikes);
        prop_assert_eq!(&o.logits, &r.logits);
        prop_assert_eq!(o.exit_t, t);
        // Entropy values the model reports are the documented fixed-point algorithm.
        for (zt, &h) in r.logits.iter().zip(&o.entropy_q16) {
            prop_assert_eq!(entropy::entropy_fixed(zt, net.classifier.logit_frac_bits).h_q16, h);
        }
    }
}

#[test]
fn exit_is_first_timestep_below_threshold() {
    for seed in 0..60u64 {
        let theta = (seed % 10) as f64 / 10.0 + 0.05;
        let net = common::random_network(seed, 5, theta);
        let input = Input::random(0.4, seed);
        let mut a = AcceleratorConfig::default();
        a.schedule.tick_batch = 1 + (seed % 5) as u32;
        let o = GoldenModel::run(&net, &input, &a).unwrap();
        let r = naive(
            &Network {
                entropy_threshold: 0.0,
                ..net.clone()
            },
            &input,
        );
        let frac = net.classifier.logit_frac_bits;
        let expect = r
            .logits
            .iter()
            .position(|z| entropy::exits(entropy::entropy_fixed(z, frac).h_q16, theta))
            .map(|i| i as u32 + 1)
            .unwrap_or(5);
        assert_eq!(o.exit_t, expect, "seed {seed}");
        let z = &r.logits[expect as usize - 1];
        let best = z
            .iter()
            .enumerate()
            .fold(0, |b, (i, &v)| if v > z[b] { i } else { b });
        assert_eq!(o.prediction as usize, best);
    }
}
