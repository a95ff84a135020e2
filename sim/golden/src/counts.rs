//! Exact event counts and the analytic cycle model of the array (DESIGN.md §5–6). The RTL's
//! performance counters are held to these numbers **exactly**; the schedule, word layouts and
//! counter list are fixed by `docs/accelerator.md` (§4–§9), which this module implements.
//! [`Counts::rtl_counters`] returns the 25 counters in the RTL's order.
//!
//! # Mapping (normative)
//!
//! Every stage (hidden layer or classifier) is a convolution mapped im2col-style onto the
//! `rows × cols` weight-stationary array (a linear layer is the convolution with R = H, S = W):
//! the reduction index `n` (N = fan_in = C·R·S, order c, r, s) along rows, the output channel
//! `k` (M = K) along columns, output positions `p` (P = E·F) streamed through. A PE does
//! `psum_out = psum_in + (spike ? w : 0)`.
//!
//! `n_rt = ⌈N/rows⌉` row tiles, `n_ct = ⌈M/cols⌉` column tiles. A PE's weight scratchpad holds
//! `D = weight_spad_depth` row tiles (`⌊weight_spad_depth/2⌋` with `double_buffer`), so the row
//! tiles of a column tile form `G = ⌈n_rt/D⌉` groups; the `n_ct·G` (column tile, group) pairs
//! run column tile outer. For each pair of `r` row tiles: **load** the weights (`r·rows`
//! cycles), **stream** `r·P·Tw` im2col columns (p outer, t, rt inner; one per cycle), **drain**.
//! Below each array column a column accumulator (one register per lane) sums the `r` row-tile
//! outputs of a (p, t): the first row tile loads it, the others add; the group's sum goes to the
//! psum buffer (`g = 0` writes, `g > 0` reads, adds and writes). Then the LIF phase (hidden) or
//! the classify + entropy phase (classifier) reads the final sums.
//!
//! # Counts per stage and window (Tw timesteps)
//!
//! `A` = performed accumulates (PE operations whose spike is 1 = synaptic events: one per active
//! input spike per synapse it reaches; measured from the spikes by the golden model, or
//! `density ·` the in-bounds slots for an estimate). `V = Σ_p (in-bounds taps of p)` (conv:
//! `C · Σ_e vr(e) · Σ_f vs(f)`, `vr(e)` = kernel rows r with `0 ≤ e·stride − pad + r < H`;
//! linear: `N`). `Tc` = classified timesteps of the window (all `Tw`, except in the exit window:
//! up to and including the exit).
//!
//! | counter | value |
//! |---|---|
//! | performed accumulates | `A` |
//! | gated accumulates | `P·N·M·Tw − A` (padding taps enter as 0 spikes) |
//! | weight buffer | writes `N·M`, reads `N·M` (logical: one per weight) |
//! | weight scratchpads | writes `N·M`; reads `A` (a gated PE does not read its weight) |
//! | input-spike buffer | reads `n_ct·V·Tw` (one per spike bit; padding is not read); stage 0 writes `C·H·W·Tw` |
//! | output-spike buffer | hidden: writes `M·(E/pool)·(F/pool)·Tw` |
//! | column accumulators (`psum_spad`) | writes `n_rt·P·M·Tw`, reads `(n_rt − G)·P·M·Tw` |
//! | psum buffer | writes `G·P·M·Tw`; reads `(G − 1)·P·M·Tw` + LIF phase `P·M·Tw` (hidden) or classify phase `M·Tc` (classifier) |
//! | membrane buffer | hidden: reads `P·(M/n)·Tw`, writes `P·(M/n)·Tw` |
//! | LIF steps | hidden: `P·M·Tw` |
//! | classifier updates | `M·Tc` |
//! | entropy evaluations | `Tc` (in total: the exit timestep) |
//! | external reads (bits) | `N·M·weight_bits` every window; stage 0 also `C·H·W·Tw` |
//! | external writes (bits) | 32 per inference (the final `{prediction, exit_t}` beat) |
//!
//! The spike buffers are a ping-pong pair that swap roles between stages; counts are by role.
//!
//! # Cycle model (normative)
//!
//! - Array phase: `DRAIN = rows + cols + pipeline_regs + 1` (`+ 4` with `[rtl]
//!   ram_output_regs`). Without `double_buffer`
//!   `array = Σ_pairs (r·rows + r·P·Tw + DRAIN)`; with it (the next pair loads while the current
//!   one streams) `array = r_0·rows + Σ_i max(r_i·P·Tw + DRAIN, r_{i+1}·rows)`, `r_{last+1} = 0`.
//! - LIF phase (hidden): `lif_units` datapaths (RTL v1: `lif_units = cols`, one per lane);
//!   `n_ctb = ⌈(M/n)/lif_units⌉`; `lif = Tw·P·n_ctb·n + 2` (`+ 3` with `[rtl] ram_output_regs`).
//! - Classify phase (classifier): `n_ct + 2` cycles per classified timestep (`+ 3` with
//!   `[rtl] ram_output_regs`).
//! - Entropy: `2·K + 23` cycles per evaluation (the unit's `2·K + 22` and the cycle that sees
//!   `done`), or `32·K + 41` with `[rtl] entropy_unit = "serial"`, `33·K + 41` with
//!   `"serial_pipelined"` (`entropy::cycles_per_evaluation_of`).
//! - Total cycles = array + LIF + classify + entropy over all stage-windows run (the phases do
//!   not overlap; stream transfers from the host are not counted).

use crate::entropy;
use crate::schedule;
use serde::Serialize;
use spikeforge_config::catalog::Counter;
use spikeforge_config::{AcceleratorConfig, LayerKind, LayerShape, Network};

/// Reads and writes of one storage (logical accesses and bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Read accesses (one per weight, spike bit, partial sum or membrane state).
    pub reads: u64,
    /// Write accesses.
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
    /// Column accumulators below the array, one register per lane (the "psum scratchpad";
    /// RTL counters 14 and 15).
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
    /// LIF-phase cycles (hidden layers) or classify-phase cycles (the classifier stage).
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
    /// Total cycles: array + LIF + classify + entropy.
    pub cycles: u64,
    /// Number of hidden layers (stages before the classifier).
    pub hidden_stages: usize,
    /// Exit timestep (1-based).
    pub exit_t: u32,
    /// Timesteps computed (≥ exit_t; a multiple of B or T).
    pub timesteps_computed: u32,
    /// Windows run.
    pub windows: u32,
    /// Window length B.
    pub tick_batch: u32,
}

/// Names of the 25 RTL performance counters, in register order (docs/accelerator.md §9), from
/// the register catalog the generator uses too (`spikeforge_config::catalog::Counter`).
pub const RTL_COUNTER_NAMES: [&str; Counter::COUNT] = {
    let mut names = [""; Counter::COUNT];
    let mut i = 0;
    while i < Counter::COUNT {
        names[i] = Counter::ALL[i].name();
        i += 1;
    }
    names
};

impl Counts {
    /// The 25 RTL performance counters in register order (`counter i` at 0x400 + 2i,
    /// docs/accelerator.md §9; names in [`RTL_COUNTER_NAMES`]).
    pub fn rtl_counters(&self) -> [u64; Counter::COUNT] {
        let t = &self.total;
        let h = self.hidden_stages;
        let lif: u64 = self.stages.iter().take(h).map(|s| s.lif_cycles).sum();
        let classify: u64 = self.stages.iter().skip(h).map(|s| s.lif_cycles).sum();
        [
            self.cycles,
            t.array_cycles,
            lif,
            classify,
            self.entropy_cycles,
            t.performed_acc,
            t.gated_acc,
            t.weight_buffer.reads,
            t.weight_buffer.writes,
            t.weight_spad.reads,
            t.weight_spad.writes,
            t.input_spike_buffer.reads,
            t.input_spike_buffer.writes,
            t.output_spike_buffer.writes,
            t.psum_spad.reads,
            t.psum_spad.writes,
            t.psum_buffer.reads,
            t.psum_buffer.writes,
            t.membrane_buffer.reads,
            t.membrane_buffer.writes,
            t.lif_steps,
            t.classifier_updates,
            self.entropy_evaluations,
            t.ext_read_bits,
            t.ext_write_bits,
        ]
    }
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

/// Drain cycles after a pair's last column, `rows + cols + pipeline_regs + 1`, plus 4 with
/// `[rtl] ram_output_regs` (the tap table read with the registered row tile and its word
/// registered, the fetched spike word and the psum write registered).
pub fn drain_cycles(accel: &AcceleratorConfig) -> u64 {
    accel.rows as u64
        + accel.cols as u64
        + accel.pipeline_regs as u64
        + 1
        + 4 * u64::from(accel.rtl.ram_output_regs)
}

/// Extra cycles at the end of a LIF phase: 2, or 5 with `[rtl] ram_output_regs` (the psum and
/// membrane words are registered as they leave their RAMs and again before the datapaths,
/// and the output spike write is registered).
pub fn lif_pipe(accel: &AcceleratorConfig) -> u64 {
    2 + 3 * u64::from(accel.rtl.ram_output_regs)
}
/// Extra cycles of each classify step: 2, or 3 with `[rtl] ram_output_regs` (the psum word is
/// registered before the logits add it).
pub fn cls_pipe(accel: &AcceleratorConfig) -> u64 {
    2 + u64::from(accel.rtl.ram_output_regs)
}

/// Array-phase cycles of one stage-window (module docs), `columns = P·Tw`.
pub fn array_cycles(accel: &AcceleratorConfig, n_rt: u64, n_ct: u64, columns: u64) -> u64 {
    let rows = accel.rows as u64;
    let depth = weight_groups_depth(accel);
    let drain = drain_cycles(accel);
    // Row-tile group g of a column tile holds `size(g)` row tiles; the pairs run column tile
    // outer, so the order is the groups' sizes repeated n_ct times (computed, not stored:
    // O(groups), no allocation).
    let groups = n_rt.div_ceil(depth);
    let size = |g: u64| depth.min(n_rt - g * depth);
    let stream = |r: u64| r * columns + drain;
    if !accel.double_buffer {
        return n_ct
            * (0..groups)
                .map(|g| size(g) * rows + stream(size(g)))
                .sum::<u64>();
    }
    if n_ct == 0 || groups == 0 {
        return 0;
    }
    // Each pair streams while the next pair (the next group, or group 0 of the next column
    // tile) loads; the very last pair has nothing to overlap.
    let in_tile = |last_tile: bool| -> u64 {
        (0..groups)
            .map(|g| {
                let next_load = if g + 1 < groups {
                    size(g + 1) * rows
                } else if last_tile {
                    0
                } else {
                    size(0) * rows
                };
                stream(size(g)).max(next_load)
            })
            .sum()
    };
    size(0) * rows + (n_ct - 1) * in_tile(false) + in_tile(true)
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
    let psum_bits = accel.psum_bits as u64;
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
        let groups = n_rt.div_ceil(weight_groups_depth(accel));
        let v = in_bounds_slots(s);
        let mut c = StageCounts {
            name,
            ..Default::default()
        };
        for w in &wins {
            let tw = w.len as u64;
            c.windows += 1;
            c.timesteps += tw;
            c.tile_loads += n_rt * n_ct;
            c.ext_read_bits += n * m * wb;
            c.weight_buffer.add(n * m, n * m, wb);
            c.weight_spad.add(0, n * m, wb);
            let in_writes = if i == 0 { s.inputs() * tw } else { 0 };
            c.ext_read_bits += in_writes;
            c.input_spike_buffer.add(n_ct * v * tw, in_writes, 1);
            c.psum_spad
                .add((n_rt - groups) * p * m * tw, n_rt * p * m * tw, psum_bits);
            c.psum_buffer
                .add((groups - 1) * p * m * tw, groups * p * m * tw, psum_bits);
            c.array_cycles += array_cycles(accel, n_rt, n_ct, p * tw);
            if hidden {
                let l = &net.layers[i];
                let sh = l.share_factor as u64;
                let states = p * m / sh;
                let n_ctb = (m / sh).div_ceil(accel.lif_units as u64);
                c.psum_buffer.add(p * m * tw, 0, psum_bits);
                c.output_spike_buffer.add(0, s.pooled_outputs() * tw, 1);
                c.membrane_buffer
                    .add(states * tw, states * tw, l.membrane_bits as u64);
                c.lif_steps += p * m * tw;
                c.lif_cycles += tw * p * n_ctb * sh + lif_pipe(accel);
            } else {
                // Classified timesteps of this window: up to the exit.
                let tc = (exit_t.min(w.start + w.len) - w.start) as u64;
                c.psum_buffer.add(m * tc, 0, psum_bits);
                c.classifier_updates += m * tc;
                c.lif_cycles += tc * (n_ct + cls_pipe(accel));
            }
        }
        c.performed_acc = performed.get(i).copied().unwrap_or(0);
        c.weight_spad.add(c.performed_acc, 0, wb);
        c.gated_acc = (p * n * m * c.timesteps).saturating_sub(c.performed_acc);
        if !hidden {
            c.ext_write_bits += 32;
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
    let entropy_cycles =
        entropy_evaluations * entropy::cycles_per_evaluation_of(accel.rtl.entropy_unit, classes);
    let cycles = total.array_cycles + total.lif_cycles + entropy_cycles;
    Counts {
        stages,
        timesteps_computed: total.timesteps as u32,
        total,
        entropy_evaluations,
        entropy_cycles,
        cycles,
        hidden_stages: net.layers.len(),
        exit_t,
        windows: wins.len() as u32,
        tick_batch: b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spikeforge_config::LayerKind;

    /// The former implementation (the order of pairs stored in a vector), as the reference
    /// for the allocation-free one.
    fn array_cycles_stored(accel: &AcceleratorConfig, n_rt: u64, n_ct: u64, columns: u64) -> u64 {
        let rows = accel.rows as u64;
        let depth = weight_groups_depth(accel);
        let drain = drain_cycles(accel);
        let sizes: Vec<u64> = (0..n_rt.div_ceil(depth))
            .map(|g| depth.min(n_rt - g * depth))
            .collect();
        let stream = |r: u64| r * columns + drain;
        if !accel.double_buffer {
            return n_ct * sizes.iter().map(|&r| r * rows + stream(r)).sum::<u64>();
        }
        let order: Vec<u64> = (0..n_ct).flat_map(|_| sizes.iter().copied()).collect();
        let mut total = order.first().map(|&r| r * rows).unwrap_or(0);
        for (i, &r) in order.iter().enumerate() {
            let next_load = order.get(i + 1).map(|&n| n * rows).unwrap_or(0);
            total += stream(r).max(next_load);
        }
        total
    }

    #[test]
    fn array_cycles_equal_the_stored_pair_order() {
        for db in [false, true] {
            for depth in [1u32, 2, 3, 8] {
                for rows in [1u32, 4, 8] {
                    let accel = AcceleratorConfig {
                        rows,
                        weight_spad_depth: depth,
                        double_buffer: db,
                        ..Default::default()
                    };
                    for n_rt in 0..12u64 {
                        for n_ct in 0..4u64 {
                            for columns in [0u64, 1, 3, 40] {
                                assert_eq!(
                                    array_cycles(&accel, n_rt, n_ct, columns),
                                    array_cycles_stored(&accel, n_rt, n_ct, columns),
                                    "db {db} depth {depth} rows {rows} n_rt {n_rt} n_ct {n_ct} columns {columns}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

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
