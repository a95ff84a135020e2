//! Quantisation of an imported layer (DESIGN.md §7): the neuron's input gain folds into the
//! weights, a per-layer scale `s = (2^(b−1) − 1) / max|w|` maps them to `b`-bit integers
//! (`round(s·w)`, halves away from zero) and the threshold moves into the same scale
//! (`round(s·θ)`); the leak `dt/τ` becomes the nearest shift `2^−k`. Every rounding is
//! measured and returned in a [`LayerReport`].

use crate::map::ImportOptions;
use crate::node::LeakChoice;
use spikeforge_config::lif::Leak;
use spikeforge_config::nested::NestedInts;

/// The geometry of a synapse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SynapseShape {
    /// A square convolution.
    Conv2d {
        /// Kernel side R.
        kernel: u32,
        /// Stride.
        stride: u32,
        /// Zero padding.
        padding: u32,
    },
    /// Fully connected.
    Linear,
}

/// A synapse read from NIR: float weights in row-major `[K][C][R][R]` or `[K][C]` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Synapse {
    /// Convolution or linear.
    pub shape: SynapseShape,
    /// Output channels or features K.
    pub out: u32,
    /// Inputs per output (C·R·R or C).
    pub fan_in: u32,
    /// The weights.
    pub weights: Vec<f64>,
}

impl Synapse {
    fn nested(&self, data: Vec<i64>) -> NestedInts {
        let k = self.out as usize;
        let shape = match self.shape {
            SynapseShape::Conv2d { kernel, .. } => {
                let r = kernel as usize;
                vec![k, self.fan_in as usize / (r * r), r, r]
            }
            SynapseShape::Linear => vec![k, self.fan_in as usize],
        };
        NestedInts { shape, data }
    }
}

/// What quantising one layer cost, for the importer's printout.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerReport {
    /// The synapse node's name.
    pub name: String,
    /// The scale `s` (integer units per float unit of the gain-folded weights).
    pub scale: f64,
    /// Largest `|round(s·w)/s − w|` over the layer, relative to `max|w|`.
    pub weight_error: f64,
    /// Hidden layers: the float threshold (weight units), its integer and the relative error.
    pub threshold: Option<(f64, i64, f64)>,
    /// Hidden layers with a leak: `dt/τ`, the chosen leak and the relative error of the
    /// per-step decay factor `1 − dt/τ`.
    pub leak: Option<(f64, Leak, f64)>,
    /// The classifier: `logit_frac_bits` and the ratio `2^f / s` (1 = exact).
    pub logit_scale: Option<(u32, f64)>,
}

impl LayerReport {
    /// The report under the synapse's name.
    pub fn named(mut self, name: &str) -> LayerReport {
        self.name = name.to_string();
        self
    }
}

/// Why a layer cannot be quantised: the neuron parameter at fault and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    /// The parameter (`v_threshold`, `tau`, …).
    pub param: &'static str,
    /// Why, with the values and the option that would help.
    pub message: String,
}

/// A quantised hidden layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Hidden {
    /// Integer weights.
    pub weights: NestedInts,
    /// Integer threshold.
    pub threshold: i64,
    /// The leak.
    pub leak: Leak,
    /// The rounding errors.
    pub report: LayerReport,
}

/// A quantised classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    /// Integer weights.
    pub weights: NestedInts,
    /// `round(log2 s)`, clamped to 0..=16: the logits' fractional bits.
    pub logit_frac_bits: u32,
    /// The rounding errors.
    pub report: LayerReport,
}

/// Scale, integer weights and the largest relative error of `w` at `bits`.
fn scale(w: &[f64], bits: u32) -> (f64, Vec<i64>, f64) {
    let max = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return (1.0, vec![0; w.len()], 0.0);
    }
    let s = ((1i64 << (bits - 1)) - 1) as f64 / max;
    let q: Vec<i64> = w.iter().map(|v| (v * s).round() as i64).collect();
    let err = w
        .iter()
        .zip(&q)
        .fold(0.0f64, |m, (v, &i)| m.max((i as f64 / s - v).abs()))
        / max;
    (s, q, err)
}

/// The shift `k ≥ 1` with `2^−k` nearest to `decay` (in the log domain).
fn shift_for(decay: f64) -> u32 {
    (-decay.log2()).round().max(1.0) as u32
}

/// Quantises a hidden layer whose neuron has input gain `gain`, threshold `theta` and leak.
pub fn hidden(
    syn: &Synapse,
    gain: f64,
    theta: f64,
    leak: LeakChoice,
    opts: &ImportOptions,
) -> Result<Hidden, Fail> {
    let folded: Vec<f64> = syn.weights.iter().map(|w| w * gain).collect();
    let (s, q, weight_error) = scale(&folded, opts.weight_bits);
    if q.iter().all(|&v| v == 0) {
        return Err(Fail {
            param: "r",
            message: "every weight of the synapse before it is zero".into(),
        });
    }
    let theta_scaled = theta * s;
    let threshold = theta_scaled.round() as i64;
    let m = opts.membrane_bits;
    let max_membrane = (1i64 << (m - 1)) - 1;
    if threshold < 1 {
        return Err(Fail {
            param: "v_threshold",
            message: format!(
                "= {theta} is {theta_scaled:.3} in the weights' integer scale and rounds below 1: the largest weight times the input gain is far above the threshold; raise --weight-bits"
            ),
        });
    }
    if threshold > max_membrane {
        let need = 64 - (threshold as u64).leading_zeros() + 1;
        return Err(Fail {
            param: "v_threshold",
            message: format!(
                "= {theta} is {threshold} in the weights' integer scale, above the largest {m}-bit membrane value {max_membrane}: raise --membrane-bits to at least {need}"
            ),
        });
    }
    let (leak, leak_report) = match leak {
        LeakChoice::None => (Leak::None, None),
        LeakChoice::Decay(d) => {
            let k = shift_for(d);
            let exact = 1.0 - d;
            if k >= m {
                // The shift would move nothing of a membrane this narrow: an IF neuron.
                (Leak::None, Some((d, Leak::None, d / exact)))
            } else {
                let got = 1.0 - (2.0f64).powi(-(k as i32));
                (
                    Leak::Shift(k),
                    Some((d, Leak::Shift(k), (got - exact).abs() / exact)),
                )
            }
        }
    };
    Ok(Hidden {
        weights: syn.nested(q),
        threshold,
        leak,
        report: LayerReport {
            name: String::new(),
            scale: s,
            weight_error,
            threshold: Some((
                theta,
                threshold,
                (threshold as f64 - theta_scaled).abs() / theta_scaled,
            )),
            leak: leak_report,
            logit_scale: None,
        },
    })
}

/// Quantises the classifier; the logits are `s` times the float ones, so the entropy unit
/// reads them with `round(log2 s)` fractional bits.
pub fn classifier(syn: &Synapse, opts: &ImportOptions) -> Readout {
    let (s, q, weight_error) = scale(&syn.weights, opts.weight_bits);
    let frac = s.log2().round().clamp(0.0, 16.0) as u32;
    Readout {
        weights: syn.nested(q),
        logit_frac_bits: frac,
        report: LayerReport {
            name: String::new(),
            scale: s,
            weight_error,
            threshold: None,
            leak: None,
            logit_scale: Some((frac, (1u64 << frac) as f64 / s)),
        },
    }
}
