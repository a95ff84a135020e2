//! Random small networks for property tests.
#![allow(dead_code)]

use spikeforge_config::{
    Classifier, FireCompare, InputShape, Layer, LayerKind, Leak, Network, Reset, SplitMix64,
};

/// A random valid network of 1..=3 hidden layers, built from `seed`.
pub fn random_network(seed: u64, timesteps: u32, entropy_threshold: f64) -> Network {
    let mut r = SplitMix64::new(seed);
    let mut pick = |n: u64| r.next_u64() % n;
    let c = 1 + pick(3) as u32;
    let hw = 3 + pick(6) as u32;
    let n_layers = 1 + pick(3) as usize;
    let mut layers = Vec::new();
    let mut spatial = hw;
    let mut flat = false;
    for _ in 0..n_layers {
        let share = [1u32, 2, 4][pick(3) as usize];
        let k = share * (1 + pick(4) as u32);
        let membrane_bits = 4 + pick(10) as u32;
        let vmax = (1i64 << (membrane_bits - 1)) - 1;
        let weight_bits = [2u32, 4, 8][pick(3) as usize];
        let leak = match pick(3) {
            0 => Leak::None,
            1 => Leak::Shift(1 + pick(membrane_bits as u64 - 1) as u32),
            _ => Leak::Subtract(1 + pick(3) as i64),
        };
        let conv = !flat && pick(3) != 0;
        let (kind, kernel, stride, padding, pool) = if conv {
            let kernel = 1 + pick(3.min(spatial as u64)) as u32;
            let padding = pick(kernel as u64) as u32;
            let stride = 1 + pick(2) as u32;
            let out = (spatial + 2 * padding - kernel) / stride + 1;
            let pool = if out >= 2 && pick(3) == 0 { 2 } else { 1 };
            spatial = out / pool;
            (
                LayerKind::Conv2d,
                Some(kernel),
                Some(stride),
                Some(padding),
                (pool > 1).then_some(pool),
            )
        } else {
            flat = true;
            (LayerKind::Linear, None, None, None, None)
        };
        layers.push(Layer {
            name: String::new(),
            kind,
            in_channels: None,
            out_channels: k,
            kernel,
            stride,
            padding,
            pool,
            weight_bits,
            threshold: 1 + pick(vmax.min(12) as u64) as i64,
            leak,
            reset: if pick(2) == 0 {
                Reset::Hard
            } else {
                Reset::Soft
            },
            fire_compare: if pick(2) == 0 {
                FireCompare::Ge
            } else {
                FireCompare::Gt
            },
            membrane_bits,
            share_factor: share,
            weights: None,
        });
    }
    let net = Network {
        name: "random".into(),
        timesteps,
        entropy_threshold,
        input: InputShape {
            channels: c,
            height: hw,
            width: hw,
        },
        weight_seed: Some(seed ^ 0xABCD),
        layers,
        classifier: Classifier {
            in_features: None,
            classes: 2 + pick(9) as u32,
            weight_bits: [2u32, 4, 8][pick(3) as usize],
            logit_frac_bits: pick(4) as u32,
            logit_bits: None,
            weights: None,
        },
    };
    net.validate("<random>").expect("random network is valid");
    net
}
