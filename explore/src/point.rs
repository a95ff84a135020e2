//! One point: the base network and accelerator with the point's parameters applied, checked as
//! any configuration is, and evaluated analytically by the golden model
//! (`GoldenModel::estimate`: exact counts for an assumed input-spike density, energy per
//! component, latency, EDP). A point the configuration or the golden model refuses (a buffer
//! that does not fit, a share factor that does not divide the channels, B > T) is a result
//! holding that error, not a failure of the sweep.

use crate::spec::{Params, Point};
use serde::{Deserialize, Serialize};
use spikeforge_config::{AcceleratorConfig, BufferKind, Dataset, Network};
use spikeforge_golden::{evaluate, schedule, EnergyTable, GoldenModel};
use std::collections::BTreeMap;

/// The result of one point, as one line of the results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// The point's id.
    pub id: usize,
    /// The network's name.
    pub network: String,
    /// The parameters swept at this point.
    pub params: Params,
    /// The figures, or why the point is invalid.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// A point's figures or its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outcome {
    /// The point was evaluated.
    Ok(Box<Figures>),
    /// The configuration or the golden model refused the point.
    Invalid {
        /// The error, naming the field and value.
        error: String,
    },
}

/// What an architect compares points by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// Total energy (pJ).
    pub energy_pj: f64,
    /// Memory-movement energy (pJ).
    pub memory_pj: f64,
    /// LIF energy (pJ).
    pub lif_pj: f64,
    /// Latency (cycles).
    pub latency_cycles: u64,
    /// Latency (s) at the configuration's clock.
    pub latency_s: f64,
    /// Energy-delay product (pJ·s).
    pub edp_pj_s: f64,
    /// Energy per component over the run (pJ), by component name.
    pub components: BTreeMap<String, f64>,
    /// Largest need of each global buffer over the stages (bits).
    pub buffer_bits: BTreeMap<String, u64>,
    /// Accumulations performed (spike 1) over the run.
    pub performed_acc: u64,
    /// Timesteps computed (T, less what an early exit saves).
    pub timesteps_computed: u32,
    /// Processing elements (rows × cols).
    pub pes: u64,
    /// iCE40 resources, when the sweep synthesizes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ice40: Option<crate::synth::Resources>,
    /// Place and route on an iCE40 HX8K, when the sweep asks for it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hx8k: Option<crate::synth::Placed>,
    /// Accuracy and measured costs over the sweep's dataset, when it names one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dataset: Option<Measured>,
}

/// A point run over the dataset by the golden model (every image, DT-SNN as configured).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Fraction of images predicted right (0..=1).
    pub accuracy: f64,
    /// Mean exit timestep.
    pub mean_exit: f64,
    /// Mean energy per image (pJ).
    pub energy_pj: f64,
    /// Mean latency per image (cycles).
    pub latency_cycles: f64,
    /// Mean energy × mean latency (pJ·s).
    pub edp_pj_s: f64,
}

impl PointResult {
    /// The figures of a valid point.
    pub fn figures(&self) -> Option<&Figures> {
        match &self.outcome {
            Outcome::Ok(f) => Some(f),
            Outcome::Invalid { .. } => None,
        }
    }
}

/// Applies `p` to copies of the base network and accelerator.
pub fn apply(p: &Params, net: &Network, accel: &AcceleratorConfig) -> (Network, AcceleratorConfig) {
    let mut net = net.clone();
    let mut accel = accel.clone();
    if let Some(v) = p.rows {
        accel.rows = v;
    }
    if let Some(v) = p.cols {
        accel.cols = v;
        accel.lif_units = v;
    }
    if let Some(v) = p.weight_spad_depth {
        accel.weight_spad_depth = v;
    }
    if let Some(v) = p.tick_batch {
        accel.schedule.tick_batch = v;
    }
    if let Some(t) = p.tech {
        for k in BufferKind::ALL {
            accel.buffers.get_mut(k).tech = t;
        }
    }
    for l in &mut net.layers {
        if let Some(v) = p.share_factor {
            l.share_factor = v;
        }
        if let Some(v) = p.weight_bits {
            l.weight_bits = v;
        }
        if let Some(v) = p.membrane_bits {
            l.membrane_bits = v;
        }
    }
    if let Some(v) = p.weight_bits {
        net.classifier.weight_bits = v;
    }
    if let Some(v) = p.timesteps {
        net.timesteps = v;
    }
    if let Some(v) = p.entropy_threshold {
        net.entropy_threshold = v;
    }
    (net, accel)
}

/// What a point adds to the analytic estimate.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// Synthesize the point's accelerator for iCE40.
    pub synthesis: bool,
    /// Place and route it on an iCE40 HX8K.
    pub place_and_route: bool,
    /// Run the golden model over this dataset.
    pub dataset: Option<&'a Dataset>,
}

/// Evaluates `point` on the base `nets` and `accel` with the energy `table`, plus `extras`.
pub fn evaluate(
    point: &Point,
    nets: &[Network],
    accel: &AcceleratorConfig,
    table: &EnergyTable,
    extras: Extras,
) -> PointResult {
    let base = &nets[point.network];
    let (net, accel) = apply(&point.params, base, accel);
    let outcome = match figures(&net, &accel, point.params.density, table).and_then(|mut f| {
        if extras.synthesis {
            f.ice40 = Some(crate::synth::synthesize(&net, &accel)?);
        }
        if extras.place_and_route {
            f.hx8k = Some(crate::synth::place_and_route(&net, &accel)?);
        }
        if let Some(data) = extras.dataset {
            f.dataset = Some(measure(&net, &accel, data)?);
        }
        Ok(f)
    }) {
        Ok(f) => Outcome::Ok(Box::new(f)),
        Err(error) => Outcome::Invalid { error },
    };
    PointResult {
        id: point.id,
        network: base.name.clone(),
        params: point.params.clone(),
        outcome,
    }
}

fn figures(
    net: &Network,
    accel: &AcceleratorConfig,
    density: f64,
    table: &EnergyTable,
) -> Result<Figures, String> {
    let file = "<sweep point>";
    accel.validate(file).map_err(|e| e.to_string())?;
    net.validate(file).map_err(|e| e.to_string())?;
    let (counts, energy) =
        GoldenModel::estimate(net, accel, density, None, table).map_err(|e| e.to_string())?;
    let mut buffer_bits = BTreeMap::new();
    for n in schedule::needs(net, accel) {
        let e = buffer_bits.entry(n.buffer.name().to_string()).or_insert(0);
        *e = (*e).max(n.bits);
    }
    Ok(Figures {
        energy_pj: energy.total_pj,
        memory_pj: energy.memory_pj,
        lif_pj: energy.lif_pj,
        latency_cycles: energy.latency_cycles,
        latency_s: energy.latency_s,
        edp_pj_s: energy.edp_pj_s,
        components: energy
            .components
            .iter()
            .map(|c| (c.name.clone(), c.pj))
            .collect(),
        buffer_bits,
        performed_acc: counts.total.performed_acc,
        timesteps_computed: counts.timesteps_computed,
        pes: u64::from(accel.rows) * u64::from(accel.cols),
        ice40: None,
        hx8k: None,
        dataset: None,
    })
}

/// Runs every image of `data` through the golden model (DT-SNN at the network's θ_H).
fn measure(net: &Network, accel: &AcceleratorConfig, data: &Dataset) -> Result<Measured, String> {
    data.check_network(net, "<sweep dataset>")
        .map_err(|e| e.to_string())?;
    let r = evaluate::dtsnn(
        net,
        data,
        net.timesteps,
        net.entropy_threshold,
        accel,
        &[],
        &|| {},
    )
    .map_err(|e| e.to_string())?;
    Ok(Measured {
        accuracy: r.accuracy,
        mean_exit: r.mean_exit,
        energy_pj: r.cost.energy_pj,
        latency_cycles: r.cost.latency_cycles,
        edp_pj_s: r.cost.edp_pj_s,
    })
}
