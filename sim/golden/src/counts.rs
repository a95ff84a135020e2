//! Exact event counts and the analytic cycle model of the array (DESIGN.md §5–6). The RTL's
//! performance counters are held to these numbers **exactly**.
//!
//! # Mapping (normative)
//!
//! Every stage (hidden layer or classifier) is a matrix product mapped im2col-style onto the
//! `rows × cols` weight-stationary array: the reduction index `n` (N = fan_in = C·R·R, order
//! c, r, s) along rows, the output channel `k` (M = K) along columns, output positions `p`
//! (P = E·F; 1 for linear) streamed through. A PE does `psum_out = psum_in + (spike ? w : 0)`.
//!
//! The stage is cut into `n_rt = ⌈N/rows⌉` row tiles and `n_ct = ⌈M/cols⌉` column tiles
//! (`tiles = n_rt · n_ct`). Each PE's weight scratchpad holds the weights of
//! `D = weight_spad_depth` row tiles (`D = ⌊weight_spad_depth/2⌋` with `double_buffer`, the
//! other half receiving the next group), so the row tiles form `G = ⌈n_rt / D⌉` groups of up
//! to D tiles. Each column has a partial-sum scratchpad of `psum_spad_depth` accumulators; a
//! window of `Tw` timesteps processes positions in blocks of `Pb = ⌊psum_spad_depth / Tw⌋`
//! (`n_blk = ⌈P / Pb⌉` blocks). The loop nest of a stage in one window is
//!
//! ```text
//! for ct in column tiles:                 # n_ct
//!   for g in row-tile groups:             # G; load the group's weights into the scratchpads
//!     for blk in position blocks:         # n_blk
//!       for rt in the group's row tiles:  # scratchpad entry rt selects the weight
//!         for p in blk: for t in window:  # one im2col column per cycle
//!           column accumulators: first rt of the group writes, later ones read-add-write
//!       move the block's sums out (read the accumulators) to the psum buffer:
//!         g = 0 writes, g > 0 read-add-write
//! LIF (or classifier) phase: read every final sum from the psum buffer
//! ```
//!
//! # Counts per stage and window (Tw timesteps)
//!
//! Let `A` be the number of *performed* accumulates: PE operations whose spike is 1 (= the
//! synaptic events: one per active input spike per synapse it reaches, measured from the
//! spikes by the golden model, or `density ·` the in-bounds slots for an estimate).
//! `V = Σ_p (in-bounds taps of p)` (conv: `C · Σ_e vr(e) · Σ_f vs(f)`, where `vr(e)` counts the
//! kernel rows r with `0 ≤ e·stride − pad + r < H`; linear: `N`).
//!
//! | counter | value |
//! |---|---|
//! | performed accumulates | `A` |
//! | gated accumulates | `P·N·M·Tw − A` (padding taps are fed as 0 spikes and gated) |
//! | external reads (bits) | `N·M·weight_bits` (weights, every window) + first stage: `C·H·W·Tw` (input spikes) |
//! | external writes (bits) | classifier, once per inference: `K · logit_bits` (final logits) |
//! | weight buffer | writes `N·M`, reads `N·M` (words of `weight_bits`) |
//! | weight scratchpads | writes `N·M`; reads `A` (a gated PE does not read its weight) |
//! | input-spike buffer | first stage writes `C·H·W·Tw`; reads `n_ct · V · Tw` (1-bit words; padding is not read) |
//! | output-spike buffer | hidden: writes `K·(E/pool)·(F/pool)·Tw`; reads 0 (the next stage reads it in the input role) |
//! | psum scratchpads | reads `n_rt·P·M·Tw`, writes `n_rt·P·M·Tw` (words of `psum_bits`) |
//! | psum buffer | reads `G·P·M·Tw`, writes `G·P·M·Tw` (words of `psum_bits`; includes the LIF / classifier phase reading each final sum) |
//! | membrane buffer | hidden: reads `P·(M/n)·Tw`, writes `P·(M/n)·Tw` (words of `membrane_bits`; one read and one write per shared state per timestep, the n groups run on the LIF datapath in between) |
//! | LIF steps | hidden: `P·M·Tw` (sharing does not change it) |
//! | classifier updates | classifier: `M·Tw` |
//!
//! The spike buffers are a ping-pong pair that swap roles between stages; counts are by role.
//!
//! # Cycle model (normative)
//!
//! - Array phase of a stage-window. A group of `r` row tiles computes in
//!   `compute(r) = r·P·Tw + n_blk·(rows + cols − 2 + pipeline_regs)` cycles (one im2col column
//!   per cycle; the row tiles of a block stream back to back, the scratchpad entry switching
//!   with the skewed wavefront; one fill/drain of the skewed array per block) and loads in
//!   `load(r) = r·rows` cycles (one array row of weights per cycle). The `n_ct · G` groups run
//!   in order (column tile outer). Without `double_buffer`: `array = Σ (load + compute)`. With
//!   it: `array = load(first) + Σ_i max(compute_i, load_{i+1})` (`load` after the last group
//!   is 0): the next group loads while the current one computes.
//! - LIF phase (hidden): `lif_units` datapaths each take one shared state and apply its n
//!   group steps in n cycles: `lif = Tw · n · ⌈P·M/n / lif_units⌉`.
//! - Classifier phase: `Tw · ⌈M / lif_units⌉`.
//! - Entropy: `2·K + 22` cycles per evaluation, evaluations = exit timestep (each computed
//!   timestep up to and including the exit is checked).
//! - Total = Σ over windows run and stages of (array + LIF or classifier phase) + entropy.
//!   The phases do not overlap; external-memory transfer time is not modelled (weights are
//!   assumed prefetched into the weight buffer).

use crate::entropy;
use crate::schedule;
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, LayerKind, LayerShape, Network};

/// Reads and writes of one storage (words and bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Read accesses (words).
    pub reads: u64,
    /// Write accesses (words).
    pub writes: u64,
    /// Bits read.
    pub read_bits: u64,
    /// Bits written.
    pub write_bits: u64,
}

impl Access {
    fn add(&mut self, reads: u64, writes: u64, word_bits: u64) {
        self.reads += reads;
        self.writes += writes;
        self.read_bits += reads * word_bits;
        self.write_bits += writes * word_bits;
    }
    fn merge(&mut self, o: &Access) {
        self.reads += o.reads;
        self.writes += o.writes;
        self.read_bits += o.read_bits;
        self.write_bits += o.write_bits;
    }
}

/// Counts of one stage (a hidden layer, the classifier, or the total).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StageCounts {
    /// Stage name (`layer<i>` or its given name, `classifier`, `total`).
    pub name: String,
    /// Windows run.
    pub windows: u64,
    /// Timesteps computed (including those past the exit inside the last window).
    pub timesteps: u64,
    /// Weight tiles loaded into the array (tiles × windows).
    pub tile_loads: u64,
    /// Performed accumulates (spike = 1): synaptic events.
    pub performed_acc: u64,
    /// Gated accumulates (spike = 0).
    pub gated_acc: u64,
    /// LIF steps (hidden layers).
    pub lif_steps: u64,
    /// Logit register updates (classifier).
    pub classifier_updates: u64,
    /// Weight global buffer.
    pub weight_buffer: Access,
    /// Input-spike buffer (role).
    pub input_spike_buffer: Access,
    /// Output-spike buffer (role).
    pub output_spike_buffer: Access,
    /// Partial-sum buffer.
    pub psum_buffer: Access,
    /// Column partial-sum scratchpads (all columns together).
    pub psum_spad: Access,
    /// Membrane buffer.
    pub membrane_buffer: Access,
    /// PE weight scratchpads (all PEs together).
    pub weight_spad: Access,
    /// Bits read from external memory.
    pub ext_read_bits: u64,
    /// Bits written to external memory.
    pub ext_write_bits: u64,
    /// Array-phase cycles.
    pub array_cycles: u64,
    /// LIF-phase (or classifier-phase) cycles.
    pub lif_cycles: u64,
}

impl StageCounts {
    fn merge(&mut self, o: &StageCounts) {
        self.windows = self.windows.max(o.windows);
        self.timesteps = self.timesteps.max(o.timesteps);
        self.tile_loads += o.tile_loads;
        self.performed_acc += o.performed_acc;
        self.gated_acc += o.gated_acc;
        self.lif_steps += o.lif_steps;
        self.classifier_updates += o.classifier_updates;
        self.weight_buffer.merge(&o.weight_buffer);
        self.input_spike_buffer.merge(&o.input_spike_buffer);
        self.output_spike_buffer.merge(&o.output_spike_buffer);
        self.psum_buffer.merge(&o.psum_buffer);
        self.psum_spad.merge(&o.psum_spad);
        self.membrane_buffer.merge(&o.membrane_buffer);
        self.weight_spad.merge(&o.weight_spad);
        self.ext_read_bits += o.ext_read_bits;
        self.ext_write_bits += o.ext_write_bits;
        self.array_cycles += o.array_cycles;
        self.lif_cycles += o.lif_cycles;
    }

    /// Performed plus gated accumulates: every PE operation on a valid (weight, input) slot.
    pub fn dense_acc(&self) -> u64 {
        self.performed_acc + self.gated_acc
    }
}

/// All counts of one inference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Hidden layers in order, then the classifier.
    pub stages: Vec<StageCounts>,
    /// Sum over stages.
    pub total: StageCounts,
    /// Entropy-unit evaluations (= exit timestep).
    pub entropy_evaluations: u64,
    /// Entropy-unit cycles.
    pub entropy_cycles: u64,
    /// Total cycles.
    pub cycles: u64,
    /// Exit timestep (1-based).
    pub exit_t: u32,
    /// Timesteps computed (≥ exit_t; a multiple of B or T).
    pub timesteps_computed: u32,
    /// Windows run.
    pub windows: u32,
    /// Window length B.
    pub tick_batch: u32,
}

/// Row tiles per weight-scratchpad group, `D` in the module docs.
pub fn weight_groups_depth(accel: &AcceleratorConfig) -> u64 {
    let d = accel.weight_spad_depth as u64;
    if accel.double_buffer {
        (d / 2).max(1)
    } else {
        d
    }
}

/// Array-phase cycles of one stage-window (module docs), `columns = P·Tw`.
pub fn array_cycles(
    accel: &AcceleratorConfig,
    n_rt: u64,
    n_ct: u64,
    depth: u64,
    columns: u64,
    n_blk: u64,
) -> u64 {
    let rows = accel.rows as u64;
    let fill = accel.rows as u64 + accel.cols as u64 - 2 + accel.pipeline_regs as u64;
    let sizes: Vec<u64> = (0..n_rt.div_ceil(depth))
        .map(|g| depth.min(n_rt - g * depth))
        .collect();
    let compute = |r: u64| r * columns + n_blk * fill;
    if !accel.double_buffer {
        return n_ct * sizes.iter().map(|&r| r * rows + compute(r)).sum::<u64>();
    }
    let order: Vec<u64> = (0..n_ct).flat_map(|_| sizes.iter().copied()).collect();
    let mut total = order.first().map(|&r| r * rows).unwrap_or(0);
    for (i, &r) in order.iter().enumerate() {
        let next_load = order.get(i + 1).map(|&n| n * rows).unwrap_or(0);
        total += compute(r).max(next_load);
    }
    total
}

/// In-bounds (input, output-position) slots per timestep, `V` in the module docs.
pub fn in_bounds_slots(s: &LayerShape) -> u64 {
    match s.kind {
        LayerKind::Linear => s.fan_in(),
        LayerKind::Conv2d => {
            let along = |out: u32, inp: u32| -> u64 {
                (0..out as i64)
                    .map(|e| {
                        (0..s.kernel as i64)
                            .filter(|&r| {
                                let y = e * s.stride as i64 - s.padding as i64 + r;
                                y >= 0 && y < inp as i64
                            })
                            .count() as u64
                    })
                    .sum()
            };
            s.in_channels as u64 * along(s.out_height, s.in_height) * along(s.out_width, s.in_width)
        }
    }
}

/// Expected performed accumulates per stage when every input spike is 1 with probability
/// `density`, over `timesteps` computed timesteps: `round(density · K · V · timesteps)`.
pub fn expected_performed(net: &Network, density: f64, timesteps: u32) -> Vec<u64> {
    net.shapes()
        .iter()
        .map(|s| {
            (density * (s.out_channels as u64 * in_bounds_slots(s) * timesteps as u64) as f64)
                .round() as u64
        })
        .collect()
}

/// Computes every count for `net` on `accel`, given the performed accumulates of each stage
/// (summed over the computed timesteps) and the exit timestep (1-based).
pub fn count(net: &Network, accel: &AcceleratorConfig, performed: &[u64], exit_t: u32) -> Counts {
    let shapes = net.shapes();
    let t_all = net.timesteps;
    let b = accel.schedule.tick_batch.clamp(1, t_all);
    let wins = schedule::windows_run(t_all, b, exit_t);
    let rows = accel.rows as u64;
    let cols = accel.cols as u64;
    let units = accel.lif_units as u64;
    let mut stages = Vec::with_capacity(shapes.len());
    for (i, s) in shapes.iter().enumerate() {
        let hidden = i < net.layers.len();
        let (name, wb) = if hidden {
            (net.layer_name(i), net.layers[i].weight_bits as u64)
        } else {
            ("classifier".to_string(), net.classifier.weight_bits as u64)
        };
        let n = s.fan_in();
        let m = s.out_channels as u64;
        let p = s.positions();
        let n_rt = n.div_ceil(rows);
        let n_ct = m.div_ceil(cols);
        let tiles = n_rt * n_ct;
        let depth = weight_groups_depth(accel);
        let groups = n_rt.div_ceil(depth);
        let v = in_bounds_slots(s);
        let mut c = StageCounts {
            name,
            ..Default::default()
        };
        for w in &wins {
            let tw = w.len as u64;
            c.windows += 1;
            c.timesteps += tw;
            c.tile_loads += tiles;
            c.ext_read_bits += n * m * wb;
            c.weight_buffer.add(n * m, n * m, wb);
            c.weight_spad.add(0, n * m, wb);
            let in_writes = if i == 0 { s.inputs() * tw } else { 0 };
            c.ext_read_bits += in_writes;
            c.input_spike_buffer.add(n_ct * v * tw, in_writes, 1);
            let pb = (accel.psum_spad_depth as u64 / tw).max(1);
            let n_blk = p.div_ceil(pb);
            let psum_bits = accel.psum_bits as u64;
            c.psum_spad
                .add(n_rt * p * m * tw, n_rt * p * m * tw, psum_bits);
            c.psum_buffer
                .add(groups * p * m * tw, groups * p * m * tw, psum_bits);
            c.array_cycles += array_cycles(accel, n_rt, n_ct, depth, p * tw, n_blk);
            if hidden {
                let l = &net.layers[i];
                let sh = l.share_factor as u64;
                let states = p * m / sh;
                c.output_spike_buffer.add(0, s.pooled_outputs() * tw, 1);
                c.membrane_buffer
                    .add(states * tw, states * tw, l.membrane_bits as u64);
                c.lif_steps += p * m * tw;
                c.lif_cycles += tw * sh * states.div_ceil(units);
            } else {
                c.classifier_updates += m * tw;
                c.lif_cycles += tw * m.div_ceil(units);
            }
        }
        c.performed_acc = performed.get(i).copied().unwrap_or(0);
        c.weight_spad.add(c.performed_acc, 0, wb);
        c.gated_acc = (p * n * m * c.timesteps).saturating_sub(c.performed_acc);
        if !hidden {
            c.ext_write_bits += m * net.logit_bits() as u64;
        }
        stages.push(c);
    }
    let mut total = StageCounts {
        name: "total".into(),
        ..Default::default()
    };
    for s in &stages {
        total.merge(s);
    }
    let classes = net.classifier.classes as u64;
    let entropy_evaluations = exit_t as u64;
    let entropy_cycles = entropy_evaluations * entropy::cycles_per_evaluation(classes);
    let cycles = total.array_cycles + total.lif_cycles + entropy_cycles;
    Counts {
        stages,
        timesteps_computed: total.timesteps as u32,
        total,
        entropy_evaluations,
        entropy_cycles,
        cycles,
        exit_t,
        windows: wins.len() as u32,
        tick_batch: b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spikeforge_config::LayerKind;

    #[test]
    fn in_bounds_slots_of_padded_conv() {
        // 1×3×3 input, 3×3 kernel, pad 1, stride 1: per axis vr = [2, 3, 2] → 7; 7·7 = 49.
        let s = LayerShape {
            kind: LayerKind::Conv2d,
            in_channels: 1,
            in_height: 3,
            in_width: 3,
            out_channels: 1,
            out_height: 3,
            out_width: 3,
            kernel: 3,
            stride: 1,
            padding: 1,
            pool: 1,
        };
        assert_eq!(in_bounds_slots(&s), 49);
    }
}
