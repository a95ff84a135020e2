//! Resource bounds of a run, computed from the network and the configuration alone — before
//! anything large is allocated — and checked against a [`Budget`].
//!
//! # Memory (bytes), upper bounds for [`crate::GoldenModel::run_with`]
//!
//! With `W_l` the weights of stage l, `O_l = P_l·M_l` its outputs, `Q_l` its outputs after
//! pooling, `B = min(tick_batch, T)`, `K` classes, `h` hidden layers:
//!
//! - **weights**: `Σ_l 2·W_l` (the event-driven tables hold 16-bit weights) `+ max_l 4·W_l`
//!   (the 32-bit file-layout copy of the stage being laid out);
//! - **membranes**: `Σ_hidden 4·P_l·M_l/n_l` (32-bit states, C#n shared) `+ 8·K` (logits);
//! - **window** (spikes and partial sums of one window, reused across windows):
//!   `4·B·max_l O_l` (accumulators) `+ 2·B·(24 + 4·max_hidden Q_l)` (the spike lists entering
//!   and leaving a stage, every output spiking) `+ 4·max_pooled O_l` (a pooled layer's
//!   timestep before pooling) `+ max_pooled Q_l` (pooling marks; `max_pooled` over the layers
//!   with `pool > 1`, 0 without) `+ 4·CHUNK` (input spikes are
//!   produced per timestep, in chunks of [`crate::encode::CHUNK`]);
//! - **results** (per timestep up to T): `T·(24 + 8·K)` (logits) `+ 12·T` (entropies)
//!   `+ 8·h·T` (spike counts) `+ 32·K` (entropy temporaries) `+ 1024·(h + 1)` (counts and
//!   energy per stage);
//! - **trace** (only with `trace`): `Σ_hidden T·(24 + 4·Q_l)` (every output spiking).
//!
//! The network and input already loaded (bounded by the file-size cap) and the program
//! itself are not included. Nothing grows with T except the results and the trace.
//!
//! # Work (operations), upper bounds
//!
//! - **input encoding**: `T·C·H·W` (one generator draw or one look per input and timestep);
//! - **weight tables**: `Σ_l W_l`;
//! - **synaptic events**: `Σ_l T·M_l·V_l` — every input spiking, `V_l` the in-bounds (input,
//!   position) taps per timestep ([`crate::counts::in_bounds_slots`]), so this is the
//!   performed-accumulate count of a run with all inputs at 1;
//! - **neuron updates**: `Σ_l T·O_l` (accumulator clears, LIF steps, classifier adds).
//!
//! The exit timestep is not known before the run, so every figure assumes the run goes to T.
//!
//! # Budget
//!
//! [`Budget::default`]: [`DEFAULT_MEMORY_BYTES`] = 4 GiB (well under the memory of a
//! developer machine; the CLI's `--memory-budget-mib`) and [`DEFAULT_OPS`] = 250 × 10⁹
//! operations (about a minute and a half at the measured ~3 × 10⁹ synaptic events/s per core if
//! every input spiked; the CLI's `--work-budget-gops`).

use crate::counts::in_bounds_slots;
use crate::encode::CHUNK;
use crate::GoldenError;
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, Network};

/// Default memory budget of a run: 4 GiB (bytes).
pub const DEFAULT_MEMORY_BYTES: u64 = 4 << 30;

/// Default work budget of a run: 250 × 10⁹ operations (see the module docs for what counts).
pub const DEFAULT_OPS: u64 = 250_000_000_000;

/// The largest run allowed: memory in bytes and work in operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Memory budget (bytes).
    pub memory_bytes: u64,
    /// Work budget (operations: input encoding + weight tables + synaptic events + neuron
    /// updates).
    pub ops: u64,
}

impl Default for Budget {
    /// [`DEFAULT_MEMORY_BYTES`] and [`DEFAULT_OPS`].
    fn default() -> Self {
        Budget {
            memory_bytes: DEFAULT_MEMORY_BYTES,
            ops: DEFAULT_OPS,
        }
    }
}

impl Budget {
    /// No limit on either resource.
    pub fn unlimited() -> Self {
        Budget {
            memory_bytes: u64::MAX,
            ops: u64::MAX,
        }
    }

    /// The default budget with the CLI's overrides: memory in MiB, work in 10⁹ operations.
    pub fn with_overrides(memory_mib: Option<u64>, work_gops: Option<u64>) -> Self {
        let d = Budget::default();
        Budget {
            memory_bytes: memory_mib.map_or(d.memory_bytes, |m| m.saturating_mul(1 << 20)),
            ops: work_gops.map_or(d.ops, |g| g.saturating_mul(1_000_000_000)),
        }
    }
}

/// One named part of a footprint: bytes for memory, operations for work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// What it is (e.g. `weights`).
    pub what: String,
    /// Bytes (memory parts) or operations (work parts).
    pub amount: u64,
}

/// The memory and work a run needs, by part (upper bounds; module docs give the formulas).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunFootprint {
    /// Memory parts (bytes).
    pub memory: Vec<Part>,
    /// Work parts (operations).
    pub work: Vec<Part>,
}

impl RunFootprint {
    /// Total memory (bytes).
    pub fn bytes(&self) -> u64 {
        self.memory
            .iter()
            .fold(0u64, |a, p| a.saturating_add(p.amount))
    }

    /// Total work (operations).
    pub fn ops(&self) -> u64 {
        self.work
            .iter()
            .fold(0u64, |a, p| a.saturating_add(p.amount))
    }

    /// The bytes of the memory part `what` (0 if absent).
    pub fn memory_of(&self, what: &str) -> u64 {
        self.memory
            .iter()
            .filter(|p| p.what == what)
            .map(|p| p.amount)
            .sum()
    }

    /// The upper bound on synaptic events (performed accumulates) of the run.
    pub fn synaptic_ops(&self) -> u64 {
        self.work
            .iter()
            .filter(|p| p.what == SYNAPTIC)
            .map(|p| p.amount)
            .sum()
    }

    /// Adds a memory part (bytes), e.g. a caller's own buffers.
    pub fn add_memory(&mut self, what: impl Into<String>, bytes: u64) {
        self.memory.push(Part {
            what: what.into(),
            amount: bytes,
        });
    }

    /// Adds a work part (operations).
    pub fn add_work(&mut self, what: impl Into<String>, ops: u64) {
        self.work.push(Part {
            what: what.into(),
            amount: ops,
        });
    }

    /// `Ok` when both totals are within `budget`; otherwise [`GoldenError::OverBudget`] with
    /// one sentence naming the figure, its largest parts, the limit and the CLI flag.
    pub fn check(&self, budget: &Budget) -> Result<(), GoldenError> {
        let bytes = self.bytes();
        if bytes > budget.memory_bytes {
            return Err(GoldenError::OverBudget {
                needed: bytes,
                limit: budget.memory_bytes,
                message: format!(
                    "this run needs ~{} of memory ({}), over the {} memory budget; pass --memory-budget-mib N to raise it",
                    fmt_bytes(bytes),
                    list(&self.memory, fmt_bytes),
                    fmt_bytes(budget.memory_bytes)
                ),
            });
        }
        let ops = self.ops();
        if ops > budget.ops {
            return Err(GoldenError::OverBudget {
                needed: ops,
                limit: budget.ops,
                message: format!(
                    "this run needs up to ~{} operations ({}), over the {} operation work budget; pass --work-budget-gops N to raise it",
                    fmt_ops(ops),
                    list(&self.work, fmt_ops),
                    fmt_ops(budget.ops)
                ),
            });
        }
        Ok(())
    }
}

/// Name of the synaptic-events work part.
pub const SYNAPTIC: &str = "synaptic events";

/// The memory and work of [`crate::GoldenModel::run_with`] on `net` with `accel`'s schedule,
/// keeping the spike trace when `trace` (module docs). Needs a validated network; it only
/// reads shapes, so it costs O(layers) whatever the network's size.
pub fn run_footprint(net: &Network, accel: &AcceleratorConfig, trace: bool) -> RunFootprint {
    let shapes = net.shapes();
    let hidden = net.layers.len();
    let t = net.timesteps as u64;
    let b = (accel.schedule.tick_batch as u64).clamp(1, t.max(1));
    let classes = net.classifier.classes as u64;
    let n_in = net.input.channels as u64 * net.input.height as u64 * net.input.width as u64;
    let (mut tables, mut layout, mut membranes) = (0u64, 0u64, 8 * classes);
    let (mut max_out, mut max_pool_fired, mut max_pooled, mut max_pool_marks) = (0, 0, 0, 0);
    let (mut trace_bytes, mut weights_n, mut synaptic, mut updates) = (0u64, 0u64, 0u64, 0u64);
    for (i, s) in shapes.iter().enumerate() {
        let w = s.weight_count();
        tables = tables.saturating_add(2 * w);
        layout = layout.max(4 * w);
        weights_n = weights_n.saturating_add(w);
        max_out = max_out.max(s.outputs());
        synaptic = synaptic.saturating_add(
            t.saturating_mul(s.out_channels as u64)
                .saturating_mul(in_bounds_slots(s)),
        );
        updates = updates.saturating_add(t.saturating_mul(s.outputs()));
        if i < hidden {
            let n = net.layers[i].share_factor as u64;
            membranes += 4 * s.positions() * (s.out_channels as u64 / n);
            max_pooled = max_pooled.max(s.pooled_outputs());
            if s.pool > 1 {
                max_pool_fired = max_pool_fired.max(s.outputs());
                max_pool_marks = max_pool_marks.max(s.pooled_outputs());
            }
            trace_bytes += t * (24 + 4 * s.pooled_outputs());
        }
    }
    let h = hidden as u64;
    let window = 4 * b * max_out
        + 2 * b * (24 + 4 * max_pooled)
        + 4 * max_pool_fired
        + max_pool_marks
        + 4 * CHUNK as u64;
    let results = t * (24 + 8 * classes) + 12 * t + 8 * h * t + 32 * classes + 1024 * (h + 1);
    let mut f = RunFootprint {
        memory: Vec::new(),
        work: Vec::new(),
    };
    f.add_memory("weights", tables.saturating_add(layout));
    f.add_memory("membranes", membranes);
    f.add_memory("window spikes and partial sums", window);
    f.add_memory("per-timestep results", results);
    if trace {
        f.add_memory("spike trace", trace_bytes);
    }
    f.add_work("input encoding", t.saturating_mul(n_in));
    f.add_work("weight tables", weights_n);
    f.add_work(SYNAPTIC, synaptic);
    f.add_work("neuron updates", updates);
    f
}

/// The largest [`LISTED`] of `parts`, largest first, each formatted with `fmt`; zero parts
/// are left out and the rest summed as `other`.
fn list(parts: &[Part], fmt: fn(u64) -> String) -> String {
    let mut v: Vec<&Part> = parts.iter().filter(|p| p.amount > 0).collect();
    v.sort_by_key(|p| std::cmp::Reverse(p.amount));
    let mut shown: Vec<String> = v
        .iter()
        .take(LISTED)
        .map(|p| format!("{} {}", p.what, fmt(p.amount)))
        .collect();
    let rest = v
        .iter()
        .skip(LISTED)
        .fold(0u64, |a, p| a.saturating_add(p.amount));
    if rest > 0 {
        shown.push(format!("other {}", fmt(rest)));
    }
    shown.join(", ")
}

/// How many parts an over-budget sentence names.
const LISTED: usize = 3;

/// Bytes in binary units with one decimal (`9.1 GiB`, `512.0 MiB`, `300 B`).
pub fn fmt_bytes(b: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// Operation counts in decimal units with one decimal (`275.0 G`, `1.2 T`, `900`).
pub fn fmt_ops(n: u64) -> String {
    const UNITS: [&str; 6] = ["k", "M", "G", "T", "P", "E"];
    if n < 1000 {
        return n.to_string();
    }
    let mut v = n as f64 / 1000.0;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(fmt_bytes(300), "300 B");
        assert_eq!(fmt_bytes(4 << 30), "4.0 GiB");
        assert_eq!(fmt_bytes(3 << 19), "1.5 MiB");
        assert_eq!(fmt_ops(900), "900");
        assert_eq!(fmt_ops(250_000_000_000), "250.0 G");
        assert_eq!(
            Budget::with_overrides(Some(8192), Some(1000)),
            Budget {
                memory_bytes: 8 << 30,
                ops: 1_000_000_000_000
            }
        );
        assert_eq!(Budget::with_overrides(None, None), Budget::default());
    }
}
