//! Evaluation of a network over a labelled dataset with the golden model: accuracy after each
//! timestep, the exact cost of fixed-T inference, and DT-SNN's early exit (accuracy, exit
//! timesteps, energy, latency, EDP) for a set of entropy thresholds — the questions a user
//! with a trained network asks (docs/evaluation.md).
//!
//! Every figure comes from golden-model runs, one per image and configuration, in parallel on
//! all cores (rayon). Because the network is causal and the rate encoder draws timestep by
//! timestep, the logits after t timesteps do not depend on T: one run per image at the
//! largest T gives the accuracy for every t ≤ T. Costs do depend on T, the window B and the
//! exit, so each fixed T and each θ_H is its own run.

use crate::model::{GoldenModel, Outcome};
use crate::GoldenError;
use rayon::prelude::*;
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, Dataset, Network};

/// Called once per finished golden-model run (from any thread).
pub type Progress<'a> = &'a (dyn Fn() + Sync);

/// One image's predictions and entropies after each timestep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageTrace {
    /// The true class.
    pub label: u32,
    /// `argmax z_t` for t = 1..=T (lowest index wins ties).
    pub predictions: Vec<u32>,
    /// `H_q` (Q16) for t = 1..=T.
    pub entropy_q16: Vec<u32>,
}

/// The mean cost of one inference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    /// Mean energy per inference (pJ).
    pub energy_pj: f64,
    /// Mean latency per inference (cycles).
    pub latency_cycles: f64,
    /// Mean latency per inference (seconds at the configuration's clock).
    pub latency_s: f64,
    /// `energy_pj × latency_s` of the mean inference (pJ·s).
    pub edp_pj_s: f64,
}

/// Fixed-T inference (no early exit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixedT {
    /// Timesteps T.
    pub timesteps: u32,
    /// Test accuracy (0..1).
    pub accuracy: f64,
    /// Its cost.
    pub cost: Cost,
}

/// DT-SNN at one entropy threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DtSnn {
    /// θ_H.
    pub theta: f64,
    /// The largest T (the exit when the entropy never falls below θ_H).
    pub timesteps: u32,
    /// Test accuracy (0..1).
    pub accuracy: f64,
    /// Mean exit timestep.
    pub mean_exit: f64,
    /// Images exiting after t timesteps, t = 1..=T (index t − 1).
    pub exit_histogram: Vec<u64>,
    /// Its cost (the work of the exit window past the exit included, as the hardware does it).
    pub cost: Cost,
    /// The smallest fixed T at least as accurate, if any, and DT-SNN's EDP advantage over it
    /// (`EDP(fixed) / EDP(DT-SNN)`).
    pub iso_accuracy: Option<IsoAccuracy>,
}

/// DT-SNN against the cheapest fixed T of at least the same accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IsoAccuracy {
    /// That fixed T.
    pub fixed_timesteps: u32,
    /// Its accuracy.
    pub fixed_accuracy: f64,
    /// `EDP(fixed T) / EDP(DT-SNN)` (> 1: DT-SNN is better).
    pub edp_ratio: f64,
}

fn with(net: &Network, timesteps: u32, theta: f64) -> Network {
    let mut n = net.clone();
    n.timesteps = timesteps;
    n.entropy_threshold = theta;
    n
}

/// The configuration with its window clamped to T (B ≤ T).
fn accel_for(accel: &AcceleratorConfig, timesteps: u32) -> AcceleratorConfig {
    let mut a = accel.clone();
    a.schedule.tick_batch = a.schedule.tick_batch.min(timesteps);
    a
}

fn run_all(
    net: &Network,
    data: &Dataset,
    accel: &AcceleratorConfig,
    progress: Progress,
) -> Result<Vec<Outcome>, GoldenError> {
    let accel = accel_for(accel, net.timesteps);
    (0..data.len())
        .into_par_iter()
        .map(|i| {
            let out = GoldenModel::run(net, &data.input(i), &accel);
            progress();
            out
        })
        .collect()
}

fn argmax(z: &[i64]) -> u32 {
    let mut best = 0;
    for (k, v) in z.iter().enumerate() {
        if *v > z[best] {
            best = k;
        }
    }
    best as u32
}

fn cost(outs: &[Outcome]) -> Cost {
    let n = outs.len() as f64;
    let energy_pj = outs.iter().map(|o| o.energy.total_pj).sum::<f64>() / n;
    let latency_cycles = outs
        .iter()
        .map(|o| o.energy.latency_cycles as f64)
        .sum::<f64>()
        / n;
    let latency_s = outs.iter().map(|o| o.energy.latency_s).sum::<f64>() / n;
    Cost {
        energy_pj,
        latency_cycles,
        latency_s,
        edp_pj_s: energy_pj * latency_s,
    }
}

/// Predictions and entropies of every image after t = 1..=`timesteps` (θ_H = 0: no exit).
pub fn traces(
    net: &Network,
    data: &Dataset,
    timesteps: u32,
    accel: &AcceleratorConfig,
    progress: Progress,
) -> Result<Vec<ImageTrace>, GoldenError> {
    let outs = run_all(&with(net, timesteps, 0.0), data, accel, progress)?;
    Ok(outs
        .iter()
        .zip(&data.labels)
        .map(|(o, &label)| ImageTrace {
            label,
            predictions: o.logits.iter().map(|z| argmax(z)).collect(),
            entropy_q16: o.entropy_q16.clone(),
        })
        .collect())
}

/// Accuracy after each timestep t = 1..=T of the traces.
pub fn accuracy_vs_t(traces: &[ImageTrace]) -> Vec<f64> {
    let steps = traces.first().map_or(0, |t| t.predictions.len());
    (0..steps)
        .map(|t| {
            traces
                .iter()
                .filter(|i| i.predictions[t] == i.label)
                .count() as f64
                / traces.len() as f64
        })
        .collect()
}

/// Accuracy and cost of fixed-T inference.
pub fn fixed_t(
    net: &Network,
    data: &Dataset,
    timesteps: u32,
    accel: &AcceleratorConfig,
    progress: Progress,
) -> Result<FixedT, GoldenError> {
    let outs = run_all(&with(net, timesteps, 0.0), data, accel, progress)?;
    let correct = outs
        .iter()
        .zip(&data.labels)
        .filter(|(o, l)| o.prediction == **l)
        .count();
    Ok(FixedT {
        timesteps,
        accuracy: correct as f64 / data.len() as f64,
        cost: cost(&outs),
    })
}

/// DT-SNN at `theta` with at most `timesteps`; `fixed` (ascending T) gives the iso-accuracy
/// comparison.
pub fn dtsnn(
    net: &Network,
    data: &Dataset,
    timesteps: u32,
    theta: f64,
    accel: &AcceleratorConfig,
    fixed: &[FixedT],
    progress: Progress,
) -> Result<DtSnn, GoldenError> {
    let outs = run_all(&with(net, timesteps, theta), data, accel, progress)?;
    let n = data.len() as f64;
    let correct = outs
        .iter()
        .zip(&data.labels)
        .filter(|(o, l)| o.prediction == **l)
        .count();
    let mut exit_histogram = vec![0u64; timesteps as usize];
    for o in &outs {
        exit_histogram[o.exit_t as usize - 1] += 1;
    }
    let accuracy = correct as f64 / n;
    let c = cost(&outs);
    let iso_accuracy = fixed
        .iter()
        .find(|f| f.accuracy >= accuracy)
        .map(|f| IsoAccuracy {
            fixed_timesteps: f.timesteps,
            fixed_accuracy: f.accuracy,
            edp_ratio: f.cost.edp_pj_s / c.edp_pj_s,
        });
    Ok(DtSnn {
        theta,
        timesteps,
        accuracy,
        mean_exit: outs.iter().map(|o| f64::from(o.exit_t)).sum::<f64>() / n,
        exit_histogram,
        cost: c,
        iso_accuracy,
    })
}
