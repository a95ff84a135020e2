//! The mapping from a NIR graph to spikeforge's network description (DESIGN.md §7,
//! docs/nir.md): the graph must be one path from the `Input` to the `Output`; along it each
//! synapse (`Conv2d`, `Linear`, `Affine`) is followed by its neuron (`LIF`, `IF`), optionally by
//! spike pooling (`SumPool2d`/`AvgPool2d` then `Threshold`), and the last synapse by the readout
//! (`LI`, `Integrator`, or the `Output` itself), which becomes the integrate-only classifier.

use crate::error::ImportError;
use crate::graph::{Graph, Node, Param};
use crate::quantize::{self, LayerReport, Synapse, SynapseShape};
use spikeforge_config::lif::{FireCompare, Reset};
use spikeforge_config::network::{Classifier, InputShape, Layer, LayerKind, Network};
use std::collections::{BTreeMap, BTreeSet};

/// What the user chooses that NIR does not say.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    /// Name written into the network description.
    pub name: String,
    /// Weight precision of every layer (2, 4, 8 or 16 bits).
    pub weight_bits: u32,
    /// Membrane width of every hidden layer (2..=24 bits).
    pub membrane_bits: u32,
    /// Timesteps T of the imported network.
    pub timesteps: u32,
    /// DT-SNN entropy threshold θ_H (0 = never exit early).
    pub entropy_threshold: f64,
    /// The time step of the discretisation, seconds (snnTorch's export uses 1e-4).
    pub dt: f64,
    /// Reset of the neurons whose `v_reset` is 0: hard (`v = 0`) unless the exporter's
    /// convention is subtraction (`soft`).
    pub reset: Reset,
}

impl Default for ImportOptions {
    /// 8-bit weights, 16-bit membranes, T = 8, no early exit, dt = 1e-4 s, hard reset.
    fn default() -> Self {
        ImportOptions {
            name: String::new(),
            weight_bits: 8,
            membrane_bits: 16,
            timesteps: 8,
            entropy_threshold: 0.0,
            dt: 1e-4,
            reset: Reset::Hard,
        }
    }
}

/// The imported network and what the mapping approximated.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The network description.
    pub network: Network,
    /// Per layer (hidden layers, then the classifier): scale and rounding errors.
    pub layers: Vec<LayerReport>,
    /// Approximations that are not rounding (a readout's leak dropped, …), one sentence each.
    pub notes: Vec<String>,
}

/// The running shape between layers: channels, height, width.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shape {
    c: u32,
    h: u32,
    w: u32,
}

impl Shape {
    fn size(&self) -> u64 {
        u64::from(self.c) * u64::from(self.h) * u64::from(self.w)
    }
}

/// Context for errors about one node.
struct At<'a> {
    file: &'a str,
    name: &'a str,
    node: &'a Node,
}

impl At<'_> {
    fn err(&self, param: Option<&str>, reason: impl Into<String>) -> ImportError {
        ImportError::Node {
            file: self.file.to_string(),
            node: self.name.to_string(),
            kind: self.node.kind.clone(),
            param: param.map(str::to_string),
            reason: reason.into(),
        }
    }

    /// A numeric parameter.
    fn array(&self, param: &str) -> Result<(&[usize], &[f64]), ImportError> {
        match self.node.params.get(param) {
            Some(Param::Array { shape, data }) => Ok((shape, data)),
            Some(Param::Text(t)) => Err(self.err(Some(param), format!("is the text {t:?}"))),
            None => Err(self.err(Some(param), "is missing")),
        }
    }

    fn has(&self, param: &str) -> bool {
        self.node.params.contains_key(param)
    }

    /// A parameter that must be one value for the whole layer (per-neuron arrays must agree).
    fn uniform(&self, param: &str) -> Result<f64, ImportError> {
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
    fn square(&self, param: &str, default: Option<u32>) -> Result<u32, ImportError> {
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
    fn no_bias(&self) -> Result<(), ImportError> {
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

/// The nodes from the `Input` to the `Output`, in order (both included).
fn path(graph: &Graph, file: &str) -> Result<Vec<String>, ImportError> {
    let gerr = |message: String| ImportError::Graph {
        file: file.to_string(),
        message,
    };
    let of_kind = |k: &str| -> Vec<&String> {
        graph
            .nodes
            .iter()
            .filter(|(_, n)| n.kind == k)
            .map(|(name, _)| name)
            .collect()
    };
    let inputs = of_kind("Input");
    let outputs = of_kind("Output");
    if inputs.len() != 1 || outputs.len() != 1 {
        return Err(gerr(format!(
            "needs exactly one Input and one Output node, found {} ({}) and {} ({})",
            inputs.len(),
            names(&inputs),
            outputs.len(),
            names(&outputs)
        )));
    }
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in &graph.edges {
        for n in [a, b] {
            if !graph.nodes.contains_key(n) {
                return Err(gerr(format!("edge `{a}` → `{b}` names no node `{n}`")));
            }
        }
        next.entry(a.as_str()).or_default().push(b.as_str());
    }
    if let Some((a, b)) = back_edge(&next, inputs[0]) {
        return Err(gerr(format!(
            "recurrent edge `{a}` → `{b}`: spikeforge runs feed-forward networks"
        )));
    }
    let mut order = vec![inputs[0].clone()];
    let mut seen = BTreeSet::from([inputs[0].as_str()]);
    let mut at = inputs[0].as_str();
    while at != outputs[0].as_str() {
        let succ = next.get(at).cloned().unwrap_or_default();
        match succ.as_slice() {
            [] => {
                return Err(gerr(format!(
                    "node `{at}` has no successor before the Output"
                )))
            }
            [one] => {
                if !seen.insert(one) {
                    return Err(gerr(format!(
                        "recurrent edge `{at}` → `{one}`: spikeforge runs feed-forward networks"
                    )));
                }
                order.push(one.to_string());
                at = one;
            }
            many => {
                return Err(gerr(format!(
                    "node `{at}` branches to {}; spikeforge runs one path of layers",
                    many.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    if let Some(extra) = graph.nodes.keys().find(|n| !seen.contains(n.as_str())) {
        return Err(gerr(format!(
            "node `{extra}` is not on the path from the Input to the Output"
        )));
    }
    if let Some(after) = next.get(at) {
        return Err(gerr(format!(
            "the Output `{at}` has an outgoing edge to `{}`",
            after[0]
        )));
    }
    Ok(order)
}

/// An edge closing a cycle reachable from `start` (depth-first search), if any.
fn back_edge<'a>(
    next: &BTreeMap<&'a str, Vec<&'a str>>,
    start: &'a str,
) -> Option<(&'a str, &'a str)> {
    // 1: on the current path, 2: finished.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut stack = vec![(start, 0usize)];
    state.insert(start, 1);
    while let Some(&mut (node, ref mut i)) = stack.last_mut() {
        let succ = next.get(node).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(&to) = succ.get(*i) {
            *i += 1;
            match state.get(to) {
                Some(1) => return Some((node, to)),
                Some(_) => {}
                None => {
                    state.insert(to, 1);
                    stack.push((to, 0));
                }
            }
        } else {
            state.insert(node, 2);
            stack.pop();
        }
    }
    None
}

fn names(v: &[&String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The synapse of a `Conv2d`, `Linear` or `Affine` node, checked against the running shape.
fn synapse(at: &At, shape: Shape) -> Result<(Synapse, Shape), ImportError> {
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
struct Neuron {
    gain: f64,
    threshold: f64,
    leak: LeakChoice,
}

/// The leak as a decay factor per step (1 = none).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LeakChoice {
    None,
    /// `dt/τ`.
    Decay(f64),
}

fn neuron(at: &At, opts: &ImportOptions) -> Result<Neuron, ImportError> {
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

/// Imports `graph` (read from `file`) with `opts`.
pub fn import(graph: &Graph, file: &str, opts: &ImportOptions) -> Result<Imported, ImportError> {
    check_options(opts)?;
    let order = path(graph, file)?;
    let at = |i: usize| At {
        file,
        name: &order[i],
        node: &graph.nodes[&order[i]],
    };
    // The input shape.
    let input = at(0);
    let (_, dims) = input.array(if input.has("shape") {
        "shape"
    } else {
        "input_type"
    })?;
    let mut shape = match dims
        .iter()
        .map(|&d| d as u32)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [n] => Shape { c: *n, h: 1, w: 1 },
        [c, h, w] => Shape {
            c: *c,
            h: *h,
            w: *w,
        },
        other => {
            return Err(input.err(
                Some("shape"),
                format!(
                    "= {other:?}; spikeforge takes [C, H, W] or [N] inputs (no batch dimension)"
                ),
            ))
        }
    };
    let input_shape = InputShape {
        channels: shape.c,
        height: shape.h,
        width: shape.w,
    };

    let mut layers: Vec<Layer> = Vec::new();
    let mut reports = Vec::new();
    let mut notes = Vec::new();
    let mut classifier = None;
    let mut i = 1;
    let last = order.len() - 1;
    while i < last {
        let node = at(i);
        match node.node.kind.as_str() {
            "Flatten" => {
                shape = Shape { c: shape.size() as u32, h: 1, w: 1 };
                i += 1;
            }
            "Conv2d" | "Linear" | "Affine" => {
                if classifier.is_some() {
                    return Err(node.err(None, "follows the readout; the classifier must be the last synapse"));
                }
                let (syn, out_shape) = synapse(&node, shape)?;
                let next = at(i + 1);
                match next.node.kind.as_str() {
                    "LIF" | "IF" => {
                        let n = neuron(&next, opts)?;
                        let q = quantize::hidden(&syn, n.gain, n.threshold, n.leak, opts)
                            .map_err(|reason| next.err(Some(reason.param), reason.message))?;
                        let mut layer = Layer {
                            name: node.name.to_string(),
                            kind: match syn.shape {
                                SynapseShape::Conv2d { .. } => LayerKind::Conv2d,
                                SynapseShape::Linear => LayerKind::Linear,
                            },
                            in_channels: None,
                            out_channels: syn.out,
                            kernel: None,
                            stride: None,
                            padding: None,
                            pool: None,
                            weight_bits: opts.weight_bits,
                            threshold: q.threshold,
                            leak: q.leak,
                            reset: opts.reset,
                            fire_compare: FireCompare::Gt,
                            membrane_bits: opts.membrane_bits,
                            share_factor: 1,
                            weights: Some(q.weights),
                        };
                        if let SynapseShape::Conv2d { kernel, stride, padding } = syn.shape {
                            layer.kernel = Some(kernel);
                            layer.stride = Some(stride);
                            layer.padding = Some(padding);
                        }
                        reports.push(q.report.named(node.name));
                        shape = out_shape;
                        i += 2;
                        // Optional spike pooling: SumPool2d/AvgPool2d then a Threshold.
                        if i < last && matches!(at(i).node.kind.as_str(), "SumPool2d" | "AvgPool2d") {
                            let (p, pooled) = pooling(&at(i), order.get(i + 1).map(|_| at(i + 1)), shape, layer.kind)?;
                            layer.pool = Some(p);
                            shape = pooled;
                            i += 2;
                        }
                        layers.push(layer);
                    }
                    "LI" | "I" | "Integrator" | "Output" => {
                        if let SynapseShape::Conv2d { .. } = syn.shape {
                            return Err(node.err(None, "the readout's synapse is a convolution; spikeforge's classifier is linear (add a Flatten and a Linear)"));
                        }
                        if next.node.kind == "LI" {
                            let v_leak = if next.has("v_leak") { next.uniform("v_leak")? } else { 0.0 };
                            if v_leak != 0.0 {
                                return Err(next.err(Some("v_leak"), format!("= {v_leak}; the classifier integrates from 0")));
                            }
                            notes.push(format!("readout `{}` (LI, τ = {} s): its leak is dropped; spikeforge's classifier sums the currents over the timesteps (DESIGN.md §4), and the prediction is the argmax of that sum", next.name, next.uniform("tau")?));
                        }
                        let q = quantize::classifier(&syn, opts);
                        classifier = Some(Classifier {
                            in_features: None,
                            classes: syn.out,
                            weight_bits: opts.weight_bits,
                            logit_frac_bits: q.logit_frac_bits,
                            logit_bits: None,
                            weights: Some(q.weights),
                        });
                        reports.push(q.report.named(node.name));
                        i += if next.node.kind == "Output" { 1 } else { 2 };
                    }
                    "CubaLIF" => return Err(next.err(None, "a current-based LIF (synaptic current state) has no counterpart in spikeforge's LIF")),
                    other => return Err(next.err(None, format!("follows the synapse `{}`; spikeforge expects a LIF or IF neuron, or an LI/Integrator readout, not {other}", node.name))),
                }
            }
            "CubaLIF" => return Err(node.err(None, "a current-based LIF (synaptic current state) has no counterpart in spikeforge's LIF")),
            other => {
                let why = match other {
                    "LIF" | "IF" | "LI" | "I" | "Integrator" => "a neuron must follow a synapse (Conv2d, Linear, Affine)".to_string(),
                    "SumPool2d" | "AvgPool2d" => "pooling must follow a convolution's neurons".to_string(),
                    _ => format!("the node type {other} is not supported (see docs/nir.md)"),
                };
                return Err(node.err(None, why));
            }
        }
    }
    let Some(classifier) = classifier else {
        return Err(ImportError::Graph {
            file: file.to_string(),
            message: "no readout: the last synapse must feed an LI, an Integrator or the Output"
                .into(),
        });
    };
    let output = at(last);
    if output.has("shape") {
        let (_, dims) = output.array("shape")?;
        let n: f64 = dims.iter().product();
        if n as u32 != classifier.classes {
            return Err(output.err(
                Some("shape"),
                format!(
                    "= {dims:?}, but the classifier has {} classes",
                    classifier.classes
                ),
            ));
        }
    }
    let network = Network {
        name: opts.name.clone(),
        timesteps: opts.timesteps,
        entropy_threshold: opts.entropy_threshold,
        input: input_shape,
        weight_seed: None,
        layers,
        classifier,
    };
    network.validate(file).map_err(|e| ImportError::Invalid {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    Ok(Imported {
        network,
        layers: reports,
        notes,
    })
}

/// A pooling node and its Threshold: OR pooling where the two agree on 0/1 spikes.
fn pooling(
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

fn check_options(o: &ImportOptions) -> Result<(), ImportError> {
    let bad = |option: &str, value: String, reason: &str| {
        Err(ImportError::Option {
            option: option.into(),
            value,
            reason: reason.into(),
        })
    };
    if ![2, 4, 8, 16].contains(&o.weight_bits) {
        return bad(
            "--weight-bits",
            o.weight_bits.to_string(),
            "must be 2, 4, 8 or 16",
        );
    }
    if !(2..=24).contains(&o.membrane_bits) {
        return bad(
            "--membrane-bits",
            o.membrane_bits.to_string(),
            "must be in 2..=24",
        );
    }
    if !(o.dt > 0.0 && o.dt.is_finite()) {
        return bad(
            "--dt",
            o.dt.to_string(),
            "must be a positive number of seconds",
        );
    }
    if !(0.0..=1.0).contains(&o.entropy_threshold) {
        return bad(
            "--entropy-threshold",
            o.entropy_threshold.to_string(),
            "must be in [0, 1]",
        );
    }
    Ok(())
}
