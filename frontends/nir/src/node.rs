//! Reading one NIR node at a time, with errors that name the node and the parameter: the
//! running shape between layers, synapses (`Conv2d`, `Linear`, `Affine`), neurons (`LIF`,
//! `IF`) and spike pooling (`SumPool2d`/`AvgPool2d` then `Threshold`).

use crate::error::ImportError;
use crate::graph::{Node, Param};
use crate::map::ImportOptions;
use crate::quantize::{Synapse, SynapseShape};
use spikeforge_config::network::LayerKind;

/// The running shape between layers: channels, height, width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Shape {
    pub(crate) c: u32,
    pub(crate) h: u32,
    pub(crate) w: u32,
}

impl Shape {
    pub(crate) fn size(&self) -> u64 {
        u64::from(self.c) * u64::from(self.h) * u64::from(self.w)
    }
}

/// Context for errors about one node.
pub(crate) struct At<'a> {
    pub(crate) file: &'a str,
    pub(crate) name: &'a str,
    pub(crate) node: &'a Node,
}

impl At<'_> {
    pub(crate) fn err(&self, param: Option<&str>, reason: impl Into<String>) -> ImportError {
        ImportError::Node {
            file: self.file.to_string(),
            node: self.name.to_string(),
            kind: self.node.kind.clone(),
            param: param.map(str::to_string),
            reason: reason.into(),
        }
    }

    /// A numeric parameter.
    /// A numeric parameter; NaN or infinite entries are an error naming the first.
    pub(crate) fn array(&self, param: &str) -> Result<(&[usize], &[f64]), ImportError> {
        match self.node.params.get(param) {
            Some(Param::Array { shape, data }) => {
                if let Some((i, v)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    return Err(self.err(
                        Some(param),
                        format!("holds {v} at flat index {i}; every value must be a finite number"),
                    ));
                }
                Ok((shape, data))
            }
            Some(Param::Text(t)) => Err(self.err(Some(param), format!("is the text {t:?}"))),
            None => Err(self.err(Some(param), "is missing")),
        }
    }

    pub(crate) fn has(&self, param: &str) -> bool {
        self.node.params.contains_key(param)
    }

    /// A parameter that must be one value for the whole layer (per-neuron arrays must agree).
    pub(crate) fn uniform(&self, param: &str) -> Result<f64, ImportError> {
        let (_, data) = self.array(param)?;
        let Some(&first) = data.first() else {
            return Err(self.err(Some(param), "is empty"));
        };
        let spread = data.iter().fold(0.0f64, |m, v| m.max((v - first).abs()));
        if spread > 1e-9 * first.abs().max(1e-12) {
            return Err(self.err(
                Some(param),
                format!(
                    "varies across neurons ({} to {}); spikeforge has one value per layer",
                    data.iter().cloned().fold(f64::INFINITY, f64::min),
                    data.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                ),
            ));
        }
        Ok(first)
    }

    /// A pair parameter (`stride`, `padding`, …) given as one or two equal integers.
    pub(crate) fn square(&self, param: &str, default: Option<u32>) -> Result<u32, ImportError> {
        if !self.has(param) {
            return default.ok_or_else(|| self.err(Some(param), "is missing"));
        }
        let (_, data) = self.array(param)?;
        let ok = !data.is_empty()
            && data
                .iter()
                .all(|&v| v == data[0] && v >= 0.0 && v.fract() == 0.0);
        if !ok {
            return Err(self.err(
                Some(param),
                format!("= {data:?}; spikeforge needs one non-negative integer for both axes"),
            ));
        }
        Ok(data[0] as u32)
    }

    /// Zero biases are accepted; others are an error (the hardware has no bias).
    pub(crate) fn no_bias(&self) -> Result<(), ImportError> {
        if !self.has("bias") {
            return Ok(());
        }
        let (_, data) = self.array("bias")?;
        if let Some(b) = data.iter().find(|b| **b != 0.0) {
            return Err(self.err(
                Some("bias"),
                format!("holds {b}; spikeforge's synapses have no bias (only zero biases map)"),
            ));
        }
        Ok(())
    }
}

/// The synapse of a `Conv2d`, `Linear` or `Affine` node, checked against the running shape.
pub(crate) fn synapse(at: &At, shape: Shape) -> Result<(Synapse, Shape), ImportError> {
    let (wshape, w) = at.array("weight")?;
    match at.node.kind.as_str() {
        "Conv2d" => {
            if wshape.len() != 4 {
                return Err(at.err(
                    Some("weight"),
                    format!("has shape {wshape:?}, not [K, C, R, S]"),
                ));
            }
            let (k, c, r, s) = (wshape[0], wshape[1], wshape[2], wshape[3]);
            if r != s {
                return Err(at.err(
                    Some("weight"),
                    format!("kernel {r}×{s}: spikeforge's kernels are square"),
                ));
            }
            if at.has("groups") && at.uniform("groups")? != 1.0 {
                return Err(at.err(
                    Some("groups"),
                    format!(
                        "= {}; grouped convolution does not map (groups must be 1)",
                        at.uniform("groups")?
                    ),
                ));
            }
            if at.square("dilation", Some(1))? != 1 {
                return Err(at.err(
                    Some("dilation"),
                    format!(
                        "= {}; spikeforge's convolution has no dilation",
                        at.square("dilation", Some(1))?
                    ),
                ));
            }
            if c as u32 != shape.c {
                return Err(at.err(
                    Some("weight"),
                    format!(
                        "expects {c} input channels, the layer before gives {}",
                        shape.c
                    ),
                ));
            }
            if at.has("input_shape") {
                let (_, hw) = at.array("input_shape")?;
                if hw.len() == 2 && (hw[0] as u32 != shape.h || hw[1] as u32 != shape.w) {
                    return Err(at.err(
                        Some("input_shape"),
                        format!("= {hw:?}, the layer before gives {}×{}", shape.h, shape.w),
                    ));
                }
            }
            at.no_bias()?;
            let stride = at.square("stride", Some(1))?;
            let padding = at.square("padding", Some(0))?;
            if stride == 0 {
                return Err(at.err(Some("stride"), "must be at least 1"));
            }
            let r = r as u32;
            let out = |n: u32| (n + 2 * padding).checked_sub(r).map(|v| v / stride + 1);
            let (Some(e), Some(f)) = (out(shape.h), out(shape.w)) else {
                return Err(at.err(
                    Some("weight"),
                    format!(
                        "a {r}×{r} kernel does not fit the {}×{} input",
                        shape.h, shape.w
                    ),
                ));
            };
            let syn = Synapse {
                shape: SynapseShape::Conv2d {
                    kernel: r,
                    stride,
                    padding,
                },
                out: k as u32,
                fan_in: c as u32 * r * r,
                weights: w.to_vec(),
            };
            Ok((
                syn,
                Shape {
                    c: k as u32,
                    h: e,
                    w: f,
                },
            ))
        }
        "Linear" | "Affine" => {
            if wshape.len() != 2 {
                return Err(at.err(
                    Some("weight"),
                    format!("has shape {wshape:?}, not [out, in]"),
                ));
            }
            if wshape[1] as u64 != shape.size() {
                return Err(at.err(
                    Some("weight"),
                    format!(
                        "expects {} inputs, the layer before gives {} ({}×{}×{})",
                        wshape[1],
                        shape.size(),
                        shape.c,
                        shape.h,
                        shape.w
                    ),
                ));
            }
            at.no_bias()?;
            let syn = Synapse {
                shape: SynapseShape::Linear,
                out: wshape[0] as u32,
                fan_in: wshape[1] as u32,
                weights: w.to_vec(),
            };
            Ok((
                syn,
                Shape {
                    c: wshape[0] as u32,
                    h: 1,
                    w: 1,
                },
            ))
        }
        other => unreachable!("synapse() called on {other}"),
    }
}

/// The neuron after a synapse: its input gain (folded into the weights), threshold and leak.
pub(crate) struct Neuron {
    pub(crate) gain: f64,
    pub(crate) threshold: f64,
    pub(crate) leak: LeakChoice,
}

/// The leak as a decay factor per step (1 = none).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LeakChoice {
    None,
    /// `dt/τ`.
    Decay(f64),
}

pub(crate) fn neuron(at: &At, opts: &ImportOptions) -> Result<Neuron, ImportError> {
    if at.has("v_reset") && at.uniform("v_reset")? != 0.0 {
        return Err(at.err(
            Some("v_reset"),
            format!(
                "= {}; spikeforge resets to 0 (hard) or subtracts the threshold (soft)",
                at.uniform("v_reset")?
            ),
        ));
    }
    let threshold = at.uniform("v_threshold")?;
    if threshold.is_nan() || threshold <= 0.0 {
        return Err(at.err(
            Some("v_threshold"),
            format!("= {threshold}; it must be positive"),
        ));
    }
    match at.node.kind.as_str() {
        "LIF" => {
            let v_leak = if at.has("v_leak") {
                at.uniform("v_leak")?
            } else {
                0.0
            };
            if v_leak != 0.0 {
                return Err(at.err(
                    Some("v_leak"),
                    format!("= {v_leak}; spikeforge's membranes leak toward 0"),
                ));
            }
            let tau = at.uniform("tau")?;
            let r = if at.has("r") { at.uniform("r")? } else { 1.0 };
            if tau.is_nan() || tau <= 0.0 {
                return Err(at.err(Some("tau"), format!("= {tau}; it must be positive")));
            }
            let decay = opts.dt / tau;
            if decay >= 1.0 {
                return Err(at.err(Some("tau"), format!("= {tau} s is not longer than dt = {} s: the neuron forgets everything each step, which no shift leak represents", opts.dt)));
            }
            Ok(Neuron {
                gain: decay * r,
                threshold,
                leak: LeakChoice::Decay(decay),
            })
        }
        "IF" => {
            let r = if at.has("r") { at.uniform("r")? } else { 1.0 };
            Ok(Neuron {
                gain: opts.dt * r,
                threshold,
                leak: LeakChoice::None,
            })
        }
        _ => unreachable!(),
    }
}

/// A pooling node and its Threshold: OR pooling where the two agree on 0/1 spikes.
pub(crate) fn pooling(
    pool: &At,
    threshold: Option<At>,
    shape: Shape,
    kind: LayerKind,
) -> Result<(u32, Shape), ImportError> {
    if kind != LayerKind::Conv2d {
        return Err(pool.err(None, "spikeforge pools only convolution outputs"));
    }
    let k = pool.square("kernel_size", None)?;
    let stride = pool.square("stride", Some(k))?;
    let padding = pool.square("padding", Some(0))?;
    if stride != k || padding != 0 {
        return Err(pool.err(Some("stride"), format!("window {k}, stride {stride}, padding {padding}: spikeforge pools non-overlapping windows (stride = window, no padding)")));
    }
    if !(1..=8).contains(&k) {
        return Err(pool.err(
            Some("kernel_size"),
            format!("= {k}; spikeforge pools windows of 1 to 8"),
        ));
    }
    let Some(th) = threshold.filter(|t| t.node.kind == "Threshold") else {
        return Err(pool.err(None, "is not followed by a Threshold: the next layer would see spike counts, not spikes (OR pooling needs a Threshold in (0, 1] after SumPool2d)"));
    };
    let theta = th.uniform("threshold")?;
    // Window sum s of 0/1 spikes: SumPool fires for s ≥ θ, AvgPool for s ≥ θ·k²; both equal the
    // OR (s ≥ 1) exactly when the effective threshold lies in (0, 1].
    let effective = if pool.node.kind == "AvgPool2d" {
        theta * f64::from(k * k)
    } else {
        theta
    };
    if !(effective > 0.0 && effective <= 1.0) {
        return Err(th.err(Some("threshold"), format!("= {theta}: after {} of {k}×{k} windows it is not an OR of the spikes (needs 0 < {} ≤ 1)", pool.node.kind, if pool.node.kind == "AvgPool2d" { "θ·k²" } else { "θ" })));
    }
    Ok((
        k,
        Shape {
            c: shape.c,
            h: shape.h / k,
            w: shape.w / k,
        },
    ))
}
