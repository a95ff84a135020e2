//! The network description: hidden LIF layers (`linear`, `conv2d`), an integrate-only
//! classifier, timesteps and the DT-SNN entropy threshold (DESIGN.md §1–4).

use crate::error::{Ctx, Result};
use crate::lif::{FireCompare, Leak, LifParams, Reset};
use crate::load::{self, Format};
use crate::nested::NestedInts;
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Largest number of timesteps accepted.
pub const MAX_TIMESTEPS: u32 = 1024;
/// Largest channel count, height, width or feature count accepted for any dimension.
pub const MAX_DIM: u32 = 1 << 16;
/// Largest number of neurons (K·E·F) or inputs (C·H·W) of one layer.
pub const MAX_NEURONS: u64 = 1 << 28;
/// Largest number of weights of one layer.
pub const MAX_WEIGHTS: u64 = 1 << 28;

/// Kind of a hidden layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// Fully connected: C inputs (the previous layer flattened in C, H, W order) → K outputs.
    Linear,
    /// 2-D convolution C×H×W → K×E×F, square kernel R×R, stride, zero padding.
    Conv2d,
}

/// Shape of the network input (spikes per timestep).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputShape {
    /// Input channels C.
    pub channels: u32,
    /// Input height H (1 for a flat input).
    #[serde(default = "one")]
    pub height: u32,
    /// Input width W (1 for a flat input).
    #[serde(default = "one")]
    pub width: u32,
}

fn one() -> u32 {
    1
}
fn default_membrane_bits() -> u32 {
    16
}

/// One hidden layer of LIF neurons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Optional name used in reports (defaults to `layer<i>`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `linear` or `conv2d`.
    pub kind: LayerKind,
    /// Input channels (conv2d) or input features (linear); optional, checked against the
    /// previous layer's output when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_channels: Option<u32>,
    /// Output channels K (conv2d) or output features (linear; alias `out_features`).
    #[serde(alias = "out_features")]
    pub out_channels: u32,
    /// Kernel size R (= S, square), conv2d only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<u32>,
    /// Stride (default 1), conv2d only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<u32>,
    /// Zero padding on every side (default 0), conv2d only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<u32>,
    /// Spike max-pooling after the LIF units, conv2d only: window = stride = `pool`
    /// (1..=8, default 1 = none). On binary spikes max-pooling is an OR; outputs that do not
    /// fill a whole window (E mod pool) are dropped, like PyTorch's `MaxPool2d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<u32>,
    /// Weight precision: signed two's complement, 2, 4, 8 or 16 bits.
    pub weight_bits: u32,
    /// Firing threshold θ (membrane units).
    pub threshold: i64,
    /// Leak (default `none`).
    #[serde(default)]
    pub leak: Leak,
    /// Reset (default `hard`).
    #[serde(default)]
    pub reset: Reset,
    /// Fire comparison (default `ge`).
    #[serde(default)]
    pub fire_compare: FireCompare,
    /// Membrane width in bits, 2..=24 (default 16).
    #[serde(default = "default_membrane_bits")]
    pub membrane_bits: u32,
    /// C#n membrane sharing factor: 1, 2, 4 or 8, dividing `out_channels` (default 1).
    #[serde(default = "one")]
    pub share_factor: u32,
    /// Weights: conv2d `[K][C][R][R]`, linear `[K][C]`. When absent they are generated from
    /// the network's `weight_seed` (see [`Network::layer_weights`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<NestedInts>,
}

impl Layer {
    /// The LIF parameters of this layer.
    pub fn lif(&self) -> LifParams {
        LifParams {
            membrane_bits: self.membrane_bits,
            threshold: self.threshold,
            leak: self.leak,
            reset: self.reset,
            fire_compare: self.fire_compare,
            share_factor: self.share_factor,
        }
    }
}

/// The integrate-only output layer (DESIGN.md §4): a linear layer whose outputs are running
/// sums `z_t[k] = Σ_{i≤t} I_i[k]`, read by the entropy unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classifier {
    /// Input features; optional, checked against the last hidden layer's output size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_features: Option<u32>,
    /// Number of classes K ≥ 2 (alias `out_features`).
    #[serde(alias = "out_features")]
    pub classes: u32,
    /// Weight precision: 2, 4, 8 or 16 bits.
    pub weight_bits: u32,
    /// The entropy unit reads logit `z` as the real number `z / 2^logit_frac_bits`
    /// (0..=16; default 0).
    #[serde(default)]
    pub logit_frac_bits: u32,
    /// Width of the logit registers (bits, signed). Default and minimum: enough for T
    /// timesteps of the largest possible current, so the running sum never overflows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logit_bits: Option<u32>,
    /// Weights `[K][C]`; generated from `weight_seed` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<NestedInts>,
}

/// A whole network description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Optional name used in reports.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Number of timesteps T ≥ 1.
    pub timesteps: u32,
    /// DT-SNN entropy threshold θ_H ∈ [0, 1]: exit after the first timestep with
    /// normalised entropy H < θ_H (0 never exits early).
    pub entropy_threshold: f64,
    /// Shape of the input spikes.
    pub input: InputShape,
    /// Seed for weights not written in the file (see [`Network::layer_weights`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_seed: Option<u64>,
    /// Hidden LIF layers, in order.
    #[serde(default)]
    pub layers: Vec<Layer>,
    /// The integrate-only output layer.
    pub classifier: Classifier,
}

/// The resolved shape of one layer (hidden or classifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerShape {
    /// `linear` or `conv2d` (the classifier is `linear`).
    pub kind: LayerKind,
    /// Input channels C (linear: input features).
    pub in_channels: u32,
    /// Input height H (linear: 1).
    pub in_height: u32,
    /// Input width W (linear: 1).
    pub in_width: u32,
    /// Output channels K.
    pub out_channels: u32,
    /// Output height E (linear: 1).
    pub out_height: u32,
    /// Output width F (linear: 1).
    pub out_width: u32,
    /// Kernel size R = S (linear: 1).
    pub kernel: u32,
    /// Stride (linear: 1).
    pub stride: u32,
    /// Padding (linear: 0).
    pub padding: u32,
    /// Spike max-pooling window and stride after the LIF units (1 = none).
    pub pool: u32,
}

impl LayerShape {
    /// Reduction length per output: C·R·R (conv2d) or C (linear).
    pub fn fan_in(&self) -> u64 {
        self.in_channels as u64 * self.kernel as u64 * self.kernel as u64
    }
    /// Number of input values C·H·W.
    pub fn inputs(&self) -> u64 {
        self.in_channels as u64 * self.in_height as u64 * self.in_width as u64
    }
    /// Output positions E·F (1 for linear).
    pub fn positions(&self) -> u64 {
        self.out_height as u64 * self.out_width as u64
    }
    /// Number of output neurons K·E·F (LIF units' work per timestep).
    pub fn outputs(&self) -> u64 {
        self.out_channels as u64 * self.positions()
    }
    /// Pooled output height E / pool.
    pub fn pooled_height(&self) -> u32 {
        self.out_height / self.pool
    }
    /// Pooled output width F / pool.
    pub fn pooled_width(&self) -> u32 {
        self.out_width / self.pool
    }
    /// Number of output spikes passed to the next stage per timestep, K·(E/pool)·(F/pool).
    pub fn pooled_outputs(&self) -> u64 {
        self.out_channels as u64 * self.pooled_height() as u64 * self.pooled_width() as u64
    }
    /// Number of weights K·fan_in.
    pub fn weight_count(&self) -> u64 {
        self.out_channels as u64 * self.fan_in()
    }
    /// Bits needed by an exact partial-sum accumulator of this layer:
    /// `weight_bits + ceil(log2(fan_in))` (DESIGN.md §1).
    pub fn accumulator_bits(&self, weight_bits: u32) -> u32 {
        weight_bits + ceil_log2(self.fan_in())
    }
}

/// ⌈log₂ n⌉ for n ≥ 1 (0 for n ≤ 1).
pub fn ceil_log2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

const WEIGHT_BITS: [u32; 4] = [2, 4, 8, 16];

impl Network {
    /// Reads, parses and validates a network file (`.toml` or `.json`).
    pub fn load(path: impl AsRef<Path>) -> Result<Network> {
        let (text, format, file) = load::read(path.as_ref())?;
        Network::parse(&text, format, &file)
    }

    /// Parses and validates a network from text; `file` names it in errors.
    pub fn parse(text: &str, format: Format, file: &str) -> Result<Network> {
        let net: Network = load::parse(text, format, file)?;
        net.validate(file)?;
        Ok(net)
    }

    /// Name of hidden layer `i` for reports.
    pub fn layer_name(&self, i: usize) -> String {
        match self.layers.get(i) {
            Some(l) if !l.name.is_empty() => l.name.clone(),
            _ => format!("layer{i}"),
        }
    }

    /// Shapes of the hidden layers followed by the classifier (last entry). Assumes a
    /// validated network.
    pub fn shapes(&self) -> Vec<LayerShape> {
        self.compute_shapes(&Ctx { file: "<memory>" })
            .expect("shapes of a validated network")
    }

    fn compute_shapes(&self, cx: &Ctx) -> Result<Vec<LayerShape>> {
        let mut c = self.input.channels;
        let mut h = self.input.height;
        let mut w = self.input.width;
        let mut out = Vec::with_capacity(self.layers.len() + 1);
        for (i, l) in self.layers.iter().enumerate() {
            let f = |name: &str| format!("layers[{i}].{name}");
            let shape = match l.kind {
                LayerKind::Conv2d => {
                    if let Some(ic) = l.in_channels {
                        if ic != c {
                            return Err(cx.err(
                                f("in_channels"),
                                ic,
                                format!("shape mismatch: the previous stage produces {c} channels ({c}×{h}×{w})"),
                            ));
                        }
                    }
                    let r = l.kernel.ok_or_else(|| {
                        cx.err(f("kernel"), "(missing)", "conv2d layers need a kernel size")
                    })?;
                    let s = l.stride.unwrap_or(1);
                    let p = l.padding.unwrap_or(0);
                    if r == 0 || r > 64 {
                        return Err(cx.err(f("kernel"), r, "kernel size must be in 1..=64"));
                    }
                    if s == 0 || s > 64 {
                        return Err(cx.err(f("stride"), s, "stride must be in 1..=64"));
                    }
                    if p >= r {
                        return Err(cx.err(
                            f("padding"),
                            p,
                            format!("padding must be smaller than the kernel ({r})"),
                        ));
                    }
                    let hp = h as u64 + 2 * p as u64;
                    let wp = w as u64 + 2 * p as u64;
                    if hp < r as u64 || wp < r as u64 {
                        return Err(cx.err(
                            f("kernel"),
                            r,
                            format!(
                                "shape mismatch: kernel larger than the padded input {hp}×{wp}"
                            ),
                        ));
                    }
                    let e = ((hp - r as u64) / s as u64 + 1) as u32;
                    let ff = ((wp - r as u64) / s as u64 + 1) as u32;
                    LayerShape {
                        kind: LayerKind::Conv2d,
                        in_channels: c,
                        in_height: h,
                        in_width: w,
                        out_channels: l.out_channels,
                        out_height: e,
                        out_width: ff,
                        kernel: r,
                        stride: s,
                        padding: p,
                        pool: 1,
                    }
                }
                LayerKind::Linear => {
                    for (name, v) in [
                        ("kernel", l.kernel),
                        ("stride", l.stride),
                        ("padding", l.padding),
                        ("pool", l.pool),
                    ] {
                        if let Some(v) = v {
                            return Err(cx.err(f(name), v, "only conv2d layers take this field"));
                        }
                    }
                    let n = c as u64 * h as u64 * w as u64;
                    if n > MAX_DIM as u64 * 64 {
                        return Err(cx.err(
                            f("kind"),
                            "linear",
                            format!("input of {n} features is too large"),
                        ));
                    }
                    if let Some(ic) = l.in_channels {
                        if ic as u64 != n {
                            return Err(cx.err(
                                f("in_channels"),
                                ic,
                                format!("shape mismatch: the previous stage produces {n} values ({c}×{h}×{w})"),
                            ));
                        }
                    }
                    LayerShape {
                        kind: LayerKind::Linear,
                        in_channels: n as u32,
                        in_height: 1,
                        in_width: 1,
                        out_channels: l.out_channels,
                        out_height: 1,
                        out_width: 1,
                        kernel: 1,
                        stride: 1,
                        padding: 0,
                        pool: 1,
                    }
                }
            };
            let mut shape = shape;
            if let Some(pool) = l.pool {
                if pool == 0 || pool > 8 {
                    return Err(cx.err(f("pool"), pool, "pool must be in 1..=8"));
                }
                if pool > shape.out_height || pool > shape.out_width {
                    return Err(cx.err(
                        f("pool"),
                        pool,
                        format!(
                            "shape mismatch: pool window larger than the {}×{} output",
                            shape.out_height, shape.out_width
                        ),
                    ));
                }
                shape.pool = pool;
            }
            if shape.outputs() > MAX_NEURONS {
                return Err(cx.err(
                    f("out_channels"),
                    l.out_channels,
                    format!(
                        "layer has {} neurons; at most {MAX_NEURONS} are supported",
                        shape.outputs()
                    ),
                ));
            }
            if shape.weight_count() > MAX_WEIGHTS {
                return Err(cx.err(
                    f("out_channels"),
                    l.out_channels,
                    format!(
                        "layer has {} weights; at most {MAX_WEIGHTS} are supported",
                        shape.weight_count()
                    ),
                ));
            }
            c = shape.out_channels;
            h = shape.pooled_height();
            w = shape.pooled_width();
            out.push(shape);
        }
        let n = c as u64 * h as u64 * w as u64;
        if let Some(inf) = self.classifier.in_features {
            if inf as u64 != n {
                return Err(cx.err(
                    "classifier.in_features",
                    inf,
                    format!("shape mismatch: the last stage produces {n} values ({c}×{h}×{w})"),
                ));
            }
        }
        let shape = LayerShape {
            kind: LayerKind::Linear,
            in_channels: n as u32,
            in_height: 1,
            in_width: 1,
            out_channels: self.classifier.classes,
            out_height: 1,
            out_width: 1,
            kernel: 1,
            stride: 1,
            padding: 0,
            pool: 1,
        };
        if shape.weight_count() > MAX_WEIGHTS {
            return Err(cx.err(
                "classifier.classes",
                self.classifier.classes,
                "too many classifier weights",
            ));
        }
        out.push(shape);
        Ok(out)
    }

    /// Minimum logit register width (bits, signed) so that T timesteps of the classifier's
    /// largest-magnitude current cannot overflow: `1 + ceil(log2(T · fan_in · 2^(weight_bits−1)))`.
    pub fn min_logit_bits(&self) -> u32 {
        let fan_in = self.shapes().last().map(|s| s.fan_in()).unwrap_or(1).max(1);
        let mag = self.timesteps as u64 * fan_in;
        1 + ceil_log2(mag) + self.classifier.weight_bits - 1
    }

    /// Logit register width in use: `classifier.logit_bits` or [`Network::min_logit_bits`].
    pub fn logit_bits(&self) -> u32 {
        self.classifier
            .logit_bits
            .unwrap_or_else(|| self.min_logit_bits())
    }

    /// Checks every rule of DESIGN.md §1–4 that can be checked on the network alone.
    pub fn validate(&self, file: &str) -> Result<()> {
        let cx = Ctx { file };
        if self.timesteps == 0 || self.timesteps > MAX_TIMESTEPS {
            return Err(cx.err(
                "timesteps",
                self.timesteps,
                format!("T must be in 1..={MAX_TIMESTEPS}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.entropy_threshold) {
            return Err(cx.err(
                "entropy_threshold",
                crate::error::short_float(self.entropy_threshold),
                "θ_H must be in [0, 1]",
            ));
        }
        for (name, v) in [
            ("input.channels", self.input.channels),
            ("input.height", self.input.height),
            ("input.width", self.input.width),
        ] {
            if v == 0 || v > MAX_DIM {
                return Err(cx.err(name, v, format!("must be in 1..={MAX_DIM}")));
            }
        }
        let n_in = self.input.channels as u64 * self.input.height as u64 * self.input.width as u64;
        if n_in > MAX_NEURONS {
            return Err(cx.err(
                "input",
                format!(
                    "{}×{}×{}",
                    self.input.channels, self.input.height, self.input.width
                ),
                format!("at most {MAX_NEURONS} input values are supported"),
            ));
        }
        for (i, l) in self.layers.iter().enumerate() {
            let f = |name: &str| format!("layers[{i}].{name}");
            if l.out_channels == 0 || l.out_channels > MAX_DIM {
                return Err(cx.err(
                    f("out_channels"),
                    l.out_channels,
                    format!("must be in 1..={MAX_DIM}"),
                ));
            }
            if !WEIGHT_BITS.contains(&l.weight_bits) {
                return Err(cx.err(f("weight_bits"), l.weight_bits, "must be 2, 4, 8 or 16"));
            }
            if !(2..=24).contains(&l.membrane_bits) {
                return Err(cx.err(f("membrane_bits"), l.membrane_bits, "must be in 2..=24"));
            }
            let lif = l.lif();
            if l.threshold < 1 || l.threshold > lif.v_max() {
                return Err(cx.err(
                    f("threshold"),
                    l.threshold,
                    format!(
                        "θ must be in 1..={} for membrane_bits = {}",
                        lif.v_max(),
                        l.membrane_bits
                    ),
                ));
            }
            match l.leak {
                Leak::None => {}
                Leak::Shift(k) => {
                    if k == 0 || k >= l.membrane_bits {
                        return Err(cx.err(
                            f("leak"),
                            l.leak,
                            format!("shift amount must be in 1..={}", l.membrane_bits - 1),
                        ));
                    }
                }
                Leak::Subtract(d) => {
                    if d < 1 || d > lif.v_max() {
                        return Err(cx.err(
                            f("leak"),
                            l.leak,
                            format!("subtract amount must be in 1..={}", lif.v_max()),
                        ));
                    }
                }
            }
            if ![1, 2, 4, 8].contains(&l.share_factor) {
                return Err(cx.err(f("share_factor"), l.share_factor, "must be 1, 2, 4 or 8"));
            }
            if l.out_channels % l.share_factor != 0 {
                return Err(cx.err(
                    f("share_factor"),
                    l.share_factor,
                    format!(
                        "must divide the layer's output channels K = {}",
                        l.out_channels
                    ),
                ));
            }
        }
        let c = &self.classifier;
        if c.classes < 2 || c.classes > MAX_DIM {
            return Err(cx.err(
                "classifier.classes",
                c.classes,
                format!("must be in 2..={MAX_DIM}"),
            ));
        }
        if !WEIGHT_BITS.contains(&c.weight_bits) {
            return Err(cx.err(
                "classifier.weight_bits",
                c.weight_bits,
                "must be 2, 4, 8 or 16",
            ));
        }
        if c.logit_frac_bits > 16 {
            return Err(cx.err(
                "classifier.logit_frac_bits",
                c.logit_frac_bits,
                "must be in 0..=16",
            ));
        }
        let shapes = self.compute_shapes(&cx)?;
        let min_bits = self.min_logit_bits();
        if let Some(b) = c.logit_bits {
            if b < min_bits || b > 48 {
                return Err(cx.err(
                    "classifier.logit_bits",
                    b,
                    format!("must be in {min_bits}..=48 (T · fan_in · 2^(weight_bits−1) must fit)"),
                ));
            }
        } else if min_bits > 48 {
            return Err(cx.err(
                "classifier",
                "",
                format!("logits would need {min_bits} bits; at most 48 are supported"),
            ));
        }
        // Weights: present and well-formed, or generated from the seed.
        for (i, shape) in shapes.iter().enumerate() {
            let is_cls = i == self.layers.len();
            let (weights, bits, prefix) = if is_cls {
                (&c.weights, c.weight_bits, "classifier".to_string())
            } else {
                (
                    &self.layers[i].weights,
                    self.layers[i].weight_bits,
                    format!("layers[{i}]"),
                )
            };
            let expect: Vec<usize> = match shape.kind {
                LayerKind::Conv2d => vec![
                    shape.out_channels as usize,
                    shape.in_channels as usize,
                    shape.kernel as usize,
                    shape.kernel as usize,
                ],
                LayerKind::Linear => vec![shape.out_channels as usize, shape.in_channels as usize],
            };
            match weights {
                None => {
                    if self.weight_seed.is_none() {
                        return Err(cx.err(
                            format!("{prefix}.weights"),
                            "(missing)",
                            "give the weights or a top-level `weight_seed` to generate them",
                        ));
                    }
                }
                Some(wt) => {
                    if wt.shape != expect {
                        return Err(cx.err(
                            format!("{prefix}.weights"),
                            format!("shape {:?}", wt.shape),
                            format!("shape mismatch: expected {expect:?}"),
                        ));
                    }
                    let lo = -(1i64 << (bits - 1));
                    let hi = (1i64 << (bits - 1)) - 1;
                    if let Some(pos) = wt.data.iter().position(|&v| v < lo || v > hi) {
                        return Err(cx.err(
                            format!("{prefix}.weights{}", wt.index_path(pos)),
                            wt.data[pos],
                            format!("weight outside weight_bits = {bits} (range {lo}..={hi})"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Weights of stage `i` (hidden layers `0..layers.len()`, then the classifier), row-major
    /// in the file layout (conv2d `[K][C][R][R]`, linear `[K][C]`).
    ///
    /// When the file gives no weights they are generated: a [`SplitMix64`] stream seeded with
    /// `weight_seed + 0x9E37_79B9_7F4A_7C15 · (i + 1)` (wrapping), one draw per weight in
    /// row-major order, each weight the top `weight_bits` bits of the draw read as a signed
    /// two's complement number (uniform over the whole range).
    pub fn layer_weights(&self, i: usize) -> Vec<i32> {
        let shapes = self.shapes();
        let shape = shapes[i];
        let (weights, bits) = if i == self.layers.len() {
            (&self.classifier.weights, self.classifier.weight_bits)
        } else {
            (&self.layers[i].weights, self.layers[i].weight_bits)
        };
        match weights {
            Some(w) => w.data.iter().map(|&v| v as i32).collect(),
            None => {
                let seed = self
                    .weight_seed
                    .unwrap_or(0)
                    .wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1));
                let mut rng = SplitMix64::new(seed);
                (0..shape.weight_count())
                    .map(|_| ((rng.next_u64() as i64) >> (64 - bits)) as i32)
                    .collect()
            }
        }
    }
}
