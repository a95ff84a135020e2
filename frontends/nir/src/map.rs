//! The mapping from a NIR graph to spikeforge's network description (DESIGN.md §7,
//! docs/nir.md): the graph must be one path from the `Input` to the `Output`; along it each
//! synapse (`Conv2d`, `Linear`, `Affine`) is followed by its neuron (`LIF`, `IF`), optionally by
//! spike pooling (`SumPool2d`/`AvgPool2d` then `Threshold`), and the last synapse by the readout
//! (`LI`, `Integrator`, or the `Output` itself), which becomes the integrate-only classifier.

use crate::error::ImportError;
use crate::graph::Graph;
use crate::node::{neuron, pooling, synapse, At, Shape};
use crate::path::path;
use crate::quantize::{self, LayerReport, Synapse, SynapseShape};
use spikeforge_config::lif::{FireCompare, Reset};
use spikeforge_config::network::{Classifier, InputShape, Layer, LayerKind, Network};

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

/// Imports `graph` (read from `file`) with `opts`.
pub fn import(graph: &Graph, file: &str, opts: &ImportOptions) -> Result<Imported, ImportError> {
    check_options(opts)?;
    let order = path(graph, file)?;
    let at = |i: usize| At {
        file,
        name: &order[i],
        node: &graph.nodes[&order[i]],
    };
    let mut shape = input_shape(&at(0))?;
    let input = InputShape {
        channels: shape.c,
        height: shape.h,
        width: shape.w,
    };
    let mut layers: Vec<Layer> = Vec::new();
    let mut reports = Vec::new();
    let mut notes = Vec::new();
    let mut classifier: Option<Classifier> = None;
    let mut i = 1;
    let last = order.len() - 1;
    while i < last {
        let node = at(i);
        match node.node.kind.as_str() {
            "Flatten" => {
                shape = Shape {
                    c: shape.size() as u32,
                    h: 1,
                    w: 1,
                };
                i += 1;
            }
            "Conv2d" | "Linear" | "Affine" => {
                if classifier.is_some() {
                    return Err(node.err(
                        None,
                        "follows the readout; the classifier must be the last synapse",
                    ));
                }
                let (syn, out_shape) = synapse(&node, shape)?;
                let next = at(i + 1);
                match next.node.kind.as_str() {
                    "LIF" | "IF" => {
                        let (mut layer, report) = hidden_layer(&syn, &node, &next, opts)?;
                        reports.push(report);
                        shape = out_shape;
                        i += 2;
                        // Optional spike pooling: SumPool2d/AvgPool2d then a Threshold.
                        let pools = |k: &str| matches!(k, "SumPool2d" | "AvgPool2d");
                        if i < last && pools(at(i).node.kind.as_str()) {
                            let threshold = order.get(i + 1).map(|_| at(i + 1));
                            let (k, pooled) = pooling(&at(i), threshold, shape, layer.kind)?;
                            layer.pool = Some(k);
                            shape = pooled;
                            i += 2;
                        }
                        layers.push(layer);
                    }
                    "LI" | "I" | "Integrator" | "Output" => {
                        let (c, report) = readout(&syn, &node, &next, opts, &mut notes)?;
                        classifier = Some(c);
                        reports.push(report);
                        i += if next.node.kind == "Output" { 1 } else { 2 };
                    }
                    _ => return Err(misplaced(&next, Some(node.name))),
                }
            }
            _ => return Err(misplaced(&node, None)),
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
        input,
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

/// The network input's shape: an `Input` of shape `[C, H, W]` or `[N]`.
fn input_shape(input: &At) -> Result<Shape, ImportError> {
    let key = if input.has("shape") {
        "shape"
    } else {
        "input_type"
    };
    let (_, dims) = input.array(key)?;
    let dims: Vec<u32> = dims.iter().map(|&d| d as u32).collect();
    match dims.as_slice() {
        [n] => Ok(Shape { c: *n, h: 1, w: 1 }),
        [c, h, w] => Ok(Shape {
            c: *c,
            h: *h,
            w: *w,
        }),
        other => Err(input.err(
            Some(key),
            format!("= {other:?}; spikeforge takes [C, H, W] or [N] inputs (no batch dimension)"),
        )),
    }
}

/// A hidden layer: the synapse `syn` (node `syn_at`) and its neuron (node `neuron_at`),
/// quantised.
fn hidden_layer(
    syn: &Synapse,
    syn_at: &At,
    neuron_at: &At,
    opts: &ImportOptions,
) -> Result<(Layer, LayerReport), ImportError> {
    let n = neuron(neuron_at, opts)?;
    let q = quantize::hidden(syn, n.gain, n.threshold, n.leak, opts)
        .map_err(|reason| neuron_at.err(Some(reason.param), reason.message))?;
    let (kind, kernel, stride, padding) = match syn.shape {
        SynapseShape::Conv2d {
            kernel,
            stride,
            padding,
        } => (LayerKind::Conv2d, Some(kernel), Some(stride), Some(padding)),
        SynapseShape::Linear => (LayerKind::Linear, None, None, None),
    };
    let layer = Layer {
        name: syn_at.name.to_string(),
        kind,
        in_channels: None,
        out_channels: syn.out,
        kernel,
        stride,
        padding,
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
    Ok((layer, q.report.named(syn_at.name)))
}

/// The classifier: the last synapse `syn` (node `syn_at`) and its readout (`LI`, `I`, or the
/// `Output` itself); an LI's dropped leak is added to `notes`.
fn readout(
    syn: &Synapse,
    syn_at: &At,
    readout_at: &At,
    opts: &ImportOptions,
    notes: &mut Vec<String>,
) -> Result<(Classifier, LayerReport), ImportError> {
    if let SynapseShape::Conv2d { .. } = syn.shape {
        return Err(syn_at.err(
            None,
            "the readout's synapse is a convolution; spikeforge's classifier is linear (add a Flatten and a Linear)",
        ));
    }
    if readout_at.node.kind == "LI" {
        let v_leak = if readout_at.has("v_leak") {
            readout_at.uniform("v_leak")?
        } else {
            0.0
        };
        if v_leak != 0.0 {
            return Err(readout_at.err(
                Some("v_leak"),
                format!("= {v_leak}; the classifier integrates from 0"),
            ));
        }
        notes.push(format!(
            "readout `{}` (LI, τ = {} s): its leak is dropped; spikeforge's classifier sums the currents over the timesteps (DESIGN.md §4), and the prediction is the argmax of that sum",
            readout_at.name,
            readout_at.uniform("tau")?
        ));
    }
    let q = quantize::classifier(syn, opts);
    let classifier = Classifier {
        in_features: None,
        classes: syn.out,
        weight_bits: opts.weight_bits,
        logit_frac_bits: q.logit_frac_bits,
        logit_bits: None,
        weights: Some(q.weights),
    };
    Ok((classifier, q.report.named(syn_at.name)))
}

/// The error for a node where it cannot stand (`after`: the synapse it follows, if one).
fn misplaced(at: &At, after: Option<&str>) -> ImportError {
    let kind = at.node.kind.as_str();
    let why = match (kind, after) {
        ("CubaLIF", _) => {
            "a current-based LIF (synaptic current state) has no counterpart in spikeforge's LIF"
                .to_string()
        }
        (_, Some(syn)) => format!(
            "follows the synapse `{syn}`; spikeforge expects a LIF or IF neuron, or an LI/Integrator readout, not {kind}"
        ),
        ("LIF" | "IF" | "LI" | "I" | "Integrator", None) => {
            "a neuron must follow a synapse (Conv2d, Linear, Affine)".to_string()
        }
        ("SumPool2d" | "AvgPool2d", None) => "pooling must follow a convolution's neurons".to_string(),
        (_, None) => format!("the node type {kind} is not supported (see docs/nir.md)"),
    };
    at.err(None, why)
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
