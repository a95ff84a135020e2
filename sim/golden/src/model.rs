//! `GoldenModel::run`: bit-accurate inference in the order of the window schedule, with the
//! exact counts and energy of the run.

use crate::channel_share::SharedMembranes;
use crate::classifier::{argmax, Classifier};
use crate::counts::{self, Counts};
use crate::encode;
use crate::energy::{self, EnergyReport, EnergyTable};
use crate::entropy;
use crate::resources::{self, Budget};
use crate::schedule;
use crate::synapse::SynapseTable;
use crate::GoldenError;
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, Input, LayerShape, Network};

/// Options of a run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Keep every hidden layer's output spikes (`Outcome::spikes`).
    pub trace: bool,
    /// Energy table (default: [`EnergyTable::default`], SATA_Sim figures).
    pub table: Option<EnergyTable>,
    /// Memory and work budget; a run whose [`resources::run_footprint`] exceeds it is
    /// refused with [`GoldenError::OverBudget`] before anything large is allocated
    /// (default: [`Budget::default`], 4 GiB and 250 × 10⁹ operations).
    pub budget: Budget,
}

/// The result of one inference.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Logits `z_t` for t = 1..=exit_t (integers; real value `z / 2^logit_frac_bits`).
    pub logits: Vec<Vec<i64>>,
    /// Fixed-point normalised entropy `H_q` (Q16) for t = 1..=exit_t.
    pub entropy_q16: Vec<u32>,
    /// Float-reference entropy for t = 1..=exit_t (for comparison; not used for the exit).
    pub entropy_float: Vec<f64>,
    /// Exit timestep (1-based): the first t with `H_q < θ_q`, or T.
    pub exit_t: u32,
    /// `argmax z_{exit_t}` (lowest index wins ties).
    pub prediction: u32,
    /// Number of output spikes (after pooling) of each hidden layer at t = 1..=exit_t.
    pub spike_counts: Vec<Vec<u64>>,
    /// With `trace`: the output spikes (after pooling) of each hidden layer at t = 1..=exit_t,
    /// as ascending flat indices in (K, E/pool, F/pool) order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spikes: Option<Vec<Vec<Vec<u32>>>>,
    /// Exact event counts of the run (including timesteps computed past the exit inside
    /// the last window).
    pub counts: Counts,
    /// Energy, latency and EDP of the run.
    pub energy: EnergyReport,
}

/// The golden model.
///
/// ```
/// use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
/// use spikeforge_golden::GoldenModel;
///
/// let net = Network::parse(
///     r#"
///     timesteps = 2
///     entropy_threshold = 0.0
///     input = { channels = 2 }
///     [[layers]]
///     kind = "linear"
///     out_channels = 2
///     weight_bits = 4
///     threshold = 3
///     weights = [[2, 2], [-1, 4]]
///     [classifier]
///     classes = 2
///     weight_bits = 4
///     weights = [[1, 0], [0, 1]]
///     "#,
///     Format::Toml,
///     "doc.toml",
/// )?;
/// let input = Input::parse(r#"{"encoding": "spikes", "spikes": [[1, 1], [0, 1]]}"#, Format::Json, "in.json", &net)?;
/// let mut accel = AcceleratorConfig::default();
/// accel.schedule.tick_batch = 2;
/// let out = GoldenModel::run(&net, &input, &accel)?;
/// // t=1: currents [4, 3] → both fire (hard reset); t=2: [2, 4] → neuron 1 fires.
/// assert_eq!(out.logits, vec![vec![1, 1], vec![1, 2]]);
/// assert_eq!((out.exit_t, out.prediction), (2, 1));
/// assert_eq!(out.counts.total.lif_steps, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct GoldenModel;

impl GoldenModel {
    /// Runs `net` on `input` with the schedule and counts of `accel` (default options).
    pub fn run(
        net: &Network,
        input: &Input,
        accel: &AcceleratorConfig,
    ) -> Result<Outcome, GoldenError> {
        Self::run_with(net, input, accel, &RunOptions::default())
    }

    /// Runs with options. The network, input and configuration must each be validated; the
    /// checks that involve several of them are made here, then the run's memory and work
    /// ([`resources::run_footprint`]) are checked against `opts.budget` before anything
    /// network-sized is allocated. Input spikes are produced timestep by timestep, so memory
    /// grows with the network and the per-timestep results, not with T × input size.
    pub fn run_with(
        net: &Network,
        input: &Input,
        accel: &AcceleratorConfig,
        opts: &RunOptions,
    ) -> Result<Outcome, GoldenError> {
        check_run(net, accel, "<accelerator>")?;
        // The bounds first: nothing network-sized is allocated before this.
        resources::run_footprint(net, accel, opts.trace).check(&opts.budget)?;
        let shapes = net.shapes();
        let hidden = net.layers.len();
        let tables: Vec<SynapseTable> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| SynapseTable::new(*s, &net.layer_weights(i)))
            .collect();
        let mut membranes: Vec<SharedMembranes> = (0..hidden)
            .map(|i| {
                let s = &shapes[i];
                SharedMembranes::new(
                    net.layers[i].lif(),
                    s.out_channels as usize,
                    s.positions() as usize,
                )
            })
            .collect();
        let classes = net.classifier.classes as usize;
        let mut cls = Classifier::new(classes);
        let t_all = net.timesteps;
        let theta = net.entropy_threshold;
        let frac = net.classifier.logit_frac_bits;
        let t_n = t_all as usize;
        let mut performed = vec![0u64; shapes.len()];
        let mut logits = Vec::with_capacity(t_n);
        let mut h_q = Vec::with_capacity(t_n);
        let mut h_f = Vec::with_capacity(t_n);
        let mut spike_counts: Vec<Vec<u64>> =
            (0..hidden).map(|_| Vec::with_capacity(t_n)).collect();
        let mut trace: Vec<Vec<Vec<u32>>> = (0..hidden)
            .map(|_| Vec::with_capacity(if opts.trace { t_n } else { 0 }))
            .collect();
        let mut exit_t = 0u32;
        let mut acc: Vec<i32> = Vec::new();
        // Input spikes are produced timestep by timestep (in chunks), never all up front.
        let mut input_gen = encode::InputSpikes::new(net, input);
        let mut chunk: Vec<u32> = Vec::new();
        // The spike lists entering (`cur`) and leaving (`next`) a hidden stage, one per
        // window timestep, reused across stages and windows; `fired` holds one timestep's
        // spikes before pooling (pooled layers), `marks` the pooling windows already set.
        let b_max = accel.schedule.tick_batch.clamp(1, t_all) as usize;
        let mut cur: Vec<Vec<u32>> = vec![Vec::new(); b_max];
        let mut next: Vec<Vec<u32>> = vec![Vec::new(); b_max];
        let mut fired: Vec<u32> = Vec::new();
        let mut marks: Vec<bool> = Vec::new();
        for w in schedule::windows(t_all, accel.schedule.tick_batch) {
            let len = w.len as usize;
            for (l, table) in tables.iter().enumerate() {
                let s = &shapes[l];
                let per_t = s.outputs() as usize;
                acc.clear();
                acc.resize(per_t * len, 0);
                if l == 0 {
                    debug_assert_eq!(input_gen.timestep(), w.start);
                    for t in 0..len {
                        let out = &mut acc[t * per_t..(t + 1) * per_t];
                        let mut events = 0;
                        input_gen.next_timestep_chunks(&mut chunk, |sp| {
                            events += table.accumulate(sp, out)
                        });
                        performed[0] += events;
                    }
                } else {
                    for (t, sp) in cur.iter().take(len).enumerate() {
                        performed[l] += table.accumulate(sp, &mut acc[t * per_t..(t + 1) * per_t]);
                    }
                }
                if l == hidden {
                    for t in 0..len {
                        cls.integrate(&acc[t * per_t..(t + 1) * per_t]);
                        logits.push(cls.logits().to_vec());
                    }
                } else {
                    for t in 0..len {
                        let currents = &acc[t * per_t..(t + 1) * per_t];
                        let out = &mut next[t];
                        out.clear();
                        reserve_to(out, s.pooled_outputs() as usize);
                        if s.pool == 1 {
                            membranes[l].step(currents, out);
                        } else {
                            fired.clear();
                            reserve_to(&mut fired, per_t);
                            membranes[l].step(currents, &mut fired);
                            pool_into(s, &fired, &mut marks, out);
                        }
                        let abs_t = w.start as usize + t;
                        spike_counts[l].push(out.len() as u64);
                        if opts.trace {
                            let mut sorted = out.clone();
                            sorted.sort_unstable();
                            trace[l].push(sorted);
                        }
                        debug_assert_eq!(spike_counts[l].len(), abs_t + 1);
                    }
                    std::mem::swap(&mut cur, &mut next);
                }
            }
            // The entropy unit checks the window's timesteps in order.
            for t in w.start..w.start + w.len {
                let z = &logits[t as usize];
                let hq = entropy::entropy_fixed(z, frac).h_q16;
                h_q.push(hq);
                h_f.push(entropy::entropy_float(z, frac));
                if entropy::exits(hq, theta) || t + 1 == t_all {
                    exit_t = t + 1;
                    break;
                }
            }
            if exit_t != 0 {
                break;
            }
        }
        let e = exit_t as usize;
        logits.truncate(e);
        for v in spike_counts.iter_mut() {
            v.truncate(e);
        }
        for v in trace.iter_mut() {
            v.truncate(e);
        }
        let prediction = argmax(&logits[e - 1]) as u32;
        let counts = counts::count(net, accel, &performed, exit_t);
        let table = opts.table.clone().unwrap_or_default();
        let energy = energy::evaluate(&counts, net, accel, &table);
        Ok(Outcome {
            logits,
            entropy_q16: h_q,
            entropy_float: h_f,
            exit_t,
            prediction,
            spike_counts,
            spikes: opts.trace.then_some(trace),
            counts,
            energy,
        })
    }

    /// Analytic estimate without an input: every stage's input spikes are 1 with probability
    /// `density`, the network exits at `exit_t` (1-based; `None` = T). Counts other than the
    /// performed/gated accumulates are exact for that exit timestep.
    pub fn estimate(
        net: &Network,
        accel: &AcceleratorConfig,
        density: f64,
        exit_t: Option<u32>,
        table: &EnergyTable,
    ) -> Result<(Counts, EnergyReport), GoldenError> {
        check_run(net, accel, "<accelerator>")?;
        let exit_t = exit_t.unwrap_or(net.timesteps).clamp(1, net.timesteps);
        let b = accel.schedule.tick_batch.clamp(1, net.timesteps);
        let computed: u32 = schedule::windows_run(net.timesteps, b, exit_t)
            .iter()
            .map(|w| w.len)
            .sum();
        let performed = counts::expected_performed(net, density, computed);
        let counts = counts::count(net, accel, &performed, exit_t);
        let energy = energy::evaluate(&counts, net, accel, table);
        Ok((counts, energy))
    }
}

/// The checks that involve both the network and the configuration: B ≤ T, accumulator
/// widths, buffer capacities, and the golden model's own 32-bit accumulator limit.
pub fn check_run(net: &Network, accel: &AcceleratorConfig, file: &str) -> Result<(), GoldenError> {
    accel.check_network(file, net)?;
    schedule::check_fit(net, accel, file)?;
    for (i, s) in net.shapes().iter().enumerate() {
        let wb = net
            .layers
            .get(i)
            .map(|l| l.weight_bits)
            .unwrap_or(net.classifier.weight_bits);
        if s.accumulator_bits(wb) > 31 {
            return Err(GoldenError::Unsupported(format!(
                "stage {i} needs {}-bit accumulators; the golden model supports up to 31",
                s.accumulator_bits(wb)
            )));
        }
    }
    Ok(())
}

/// Grows `v`'s capacity to exactly `n` elements when it is smaller (no doubling overshoot, so
/// the lists stay within [`resources::run_footprint`]'s bound).
fn reserve_to(v: &mut Vec<u32>, n: usize) {
    if v.capacity() < n {
        v.reserve_exact(n - v.len());
    }
}

/// OR-pools output spikes (flat `k·P + p`) with window = stride = `pool` (> 1) into `out`, in
/// the order of first occurrence; `marks` is scratch (one flag per pooled output).
fn pool_into(s: &LayerShape, spikes: &[u32], marks: &mut Vec<bool>, out: &mut Vec<u32>) {
    let (f_n, pool) = (s.out_width as usize, s.pool as usize);
    let p_all = s.positions() as usize;
    let (eh, fw) = (s.pooled_height() as usize, s.pooled_width() as usize);
    marks.clear();
    marks.resize(s.pooled_outputs() as usize, false);
    for &idx in spikes {
        let idx = idx as usize;
        let (k, p) = (idx / p_all, idx % p_all);
        let (pe, pf) = ((p / f_n) / pool, (p % f_n) / pool);
        if pe < eh && pf < fw {
            let o = (k * eh + pe) * fw + pf;
            if !marks[o] {
                marks[o] = true;
                out.push(o as u32);
            }
        }
    }
}
