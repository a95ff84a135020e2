//! Comparison of an RTL run with the golden model: output spikes per timestep per hidden
//! layer (up to the exit timestep), logits per classified timestep, exit timestep and
//! prediction, and the 25 performance counters against the golden model's analytic counts.

use crate::host::RtlOutcome;
use crate::regmap::{COUNTER_NAMES, NUM_COUNTERS};
use serde::Serialize;
use spikeforge_config::Network;
use spikeforge_golden::{Counts, Outcome};
use std::fmt;

/// Where the golden model's value of each counter comes from (docs/accelerator.md §9 onto
/// [`Counts`] / `StageCounts`), by counter index.
pub const GOLDEN_SOURCES: [&str; NUM_COUNTERS] = [
    "counts.cycles",
    "counts.total.array_cycles",
    "Σ hidden stages' lif_cycles",
    "classifier stage's lif_cycles",
    "counts.entropy_cycles",
    "counts.total.performed_acc",
    "counts.total.gated_acc",
    "counts.total.weight_buffer.reads",
    "counts.total.weight_buffer.writes",
    "counts.total.weight_spad.reads",
    "counts.total.weight_spad.writes",
    "counts.total.input_spike_buffer.reads",
    "counts.total.input_spike_buffer.writes",
    "counts.total.output_spike_buffer.writes",
    "counts.total.psum_spad.reads",
    "counts.total.psum_spad.writes",
    "counts.total.psum_buffer.reads",
    "counts.total.psum_buffer.writes",
    "counts.total.membrane_buffer.reads",
    "counts.total.membrane_buffer.writes",
    "counts.total.lif_steps",
    "counts.total.classifier_updates",
    "counts.entropy_evaluations",
    "counts.total.ext_read_bits",
    "counts.total.ext_write_bits",
];

/// The golden model's value of every counter, by index (see [`GOLDEN_SOURCES`]): the golden
/// model's own mapping, [`Counts::rtl_counters`]. `hidden` must be the number of hidden layers
/// (stages before the classifier) the counts were made for.
pub fn golden_counters(c: &Counts, hidden: usize) -> [u64; NUM_COUNTERS] {
    debug_assert_eq!(c.hidden_stages, hidden);
    c.rtl_counters()
}

/// The first difference between the RTL and the golden model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Mismatch {
    /// An output spike of a hidden layer differs.
    Spike {
        /// Timestep (1-based).
        t: u32,
        /// Hidden layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// Output channel.
        channel: u32,
        /// Output row.
        y: u32,
        /// Output column.
        x: u32,
        /// The RTL's spike.
        rtl: bool,
        /// The golden model's spike.
        golden: bool,
        /// RTL cycles of the stage-window that produced it (weight request .. last trace beat).
        cycles: Option<(u64, u64)>,
    },
    /// The RTL's trace lacks a timestep of a hidden layer that the golden model computed.
    MissingSpikes {
        /// Timestep (1-based).
        t: u32,
        /// Hidden layer index.
        layer: usize,
        /// Layer name.
        name: String,
    },
    /// A logit differs (or is missing from the RTL's results).
    Logit {
        /// Timestep (1-based).
        t: u32,
        /// Class.
        class: u32,
        /// The RTL's logit (`None`: not sent).
        rtl: Option<i64>,
        /// The golden model's logit.
        golden: i64,
        /// RTL cycles of the classifier stage-window (weight request .. logit beat).
        cycles: Option<(u64, u64)>,
    },
    /// The RTL classified more timesteps than the golden model's exit timestep.
    ExtraLogits {
        /// Timesteps the RTL classified.
        rtl: usize,
        /// The golden exit timestep.
        golden: u32,
    },
    /// Exit timestep (from the final beat, or the EXIT_T register).
    ExitT {
        /// Where the RTL value was read (`final beat` or `EXIT_T register`).
        source: &'static str,
        /// RTL value.
        rtl: u32,
        /// Golden value.
        golden: u32,
    },
    /// Prediction (from the final beat, or the PREDICTION register).
    Prediction {
        /// Where the RTL value was read.
        source: &'static str,
        /// RTL value.
        rtl: u32,
        /// Golden value.
        golden: u32,
    },
    /// A performance counter differs from the golden model's count.
    Counter {
        /// Counter index (docs/accelerator.md §9).
        index: usize,
        /// Counter name.
        name: &'static str,
        /// Golden field it is compared with.
        golden_field: &'static str,
        /// RTL value.
        rtl: u64,
        /// Golden value.
        golden: u64,
    },
}

impl Mismatch {
    /// RTL cycles around the mismatch, for a VCD window.
    pub fn cycles(&self) -> Option<(u64, u64)> {
        match self {
            Mismatch::Spike { cycles, .. } | Mismatch::Logit { cycles, .. } => *cycles,
            _ => None,
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Spike {
                t,
                layer,
                name,
                channel,
                y,
                x,
                rtl,
                golden,
                ..
            } => write!(
                f,
                "t = {t}, layer {layer} ({name}), neuron (channel {channel}, y {y}, x {x}): RTL spike {} but golden {}",
                *rtl as u8, *golden as u8
            ),
            Mismatch::MissingSpikes { t, layer, name } => write!(
                f,
                "t = {t}, layer {layer} ({name}): the RTL sent no spike trace for this timestep"
            ),
            Mismatch::Logit {
                t,
                class,
                rtl,
                golden,
                ..
            } => match rtl {
                Some(r) => write!(f, "t = {t}, logit of class {class}: RTL {r} but golden {golden}"),
                None => write!(
                    f,
                    "t = {t}, logit of class {class}: the RTL sent none, golden {golden}"
                ),
            },
            Mismatch::ExtraLogits { rtl, golden } => write!(
                f,
                "the RTL classified {rtl} timesteps but the golden model exits at t = {golden}"
            ),
            Mismatch::ExitT {
                source,
                rtl,
                golden,
            } => write!(f, "exit timestep ({source}): RTL {rtl} but golden {golden}"),
            Mismatch::Prediction {
                source,
                rtl,
                golden,
            } => write!(f, "prediction ({source}): RTL {rtl} but golden {golden}"),
            Mismatch::Counter {
                index,
                name,
                golden_field,
                rtl,
                golden,
            } => write!(
                f,
                "counter {index} `{name}`: RTL {rtl} but golden {golden} ({golden_field})"
            ),
        }
    }
}

/// Compares everything, in this order: for each timestep t = 1..=exit_t, every hidden layer's
/// output spikes (neurons in CHW order) and then the logits of t; the exit timestep and the
/// prediction (final beat, then registers); the 25 counters. Returns the first difference.
/// `golden` must come from a run with `RunOptions { trace: true, .. }`.
pub fn compare(rtl: &RtlOutcome, golden: &Outcome, net: &Network) -> Result<(), Mismatch> {
    let hidden = net.layers.len();
    let shapes = net.shapes();
    let exit = golden.exit_t as usize;
    let gspikes = golden
        .spikes
        .as_ref()
        .expect("the golden model must run with trace: true");
    let k = net.classifier.classes as usize;
    for (t, g_logits) in golden.logits.iter().enumerate().take(exit) {
        for l in 0..hidden {
            let s = &shapes[l];
            let name = net.layer_name(l);
            let g = &gspikes[l][t];
            let Some(r) = rtl.spikes.get(l).and_then(|v| v.get(t)) else {
                return Err(Mismatch::MissingSpikes {
                    t: t as u32 + 1,
                    layer: l,
                    name,
                });
            };
            if r != g {
                // First differing flat index: merge the two sorted lists.
                let (mut i, mut j) = (0, 0);
                let (idx, rtl_has) = loop {
                    match (r.get(i), g.get(j)) {
                        (Some(a), Some(b)) if a == b => {
                            i += 1;
                            j += 1;
                        }
                        (Some(a), Some(b)) => break if a < b { (*a, true) } else { (*b, false) },
                        (Some(a), None) => break (*a, true),
                        (None, Some(b)) => break (*b, false),
                        (None, None) => unreachable!("lists differ"),
                    }
                };
                let p_all = s.positions() as u32;
                let (ch, p) = (idx / p_all, idx % p_all);
                return Err(Mismatch::Spike {
                    t: t as u32 + 1,
                    layer: l,
                    name,
                    channel: ch,
                    y: p / s.out_width,
                    x: p % s.out_width,
                    rtl: rtl_has,
                    golden: !rtl_has,
                    cycles: rtl.spike_cycles.get(l).and_then(|v| v.get(t)).copied(),
                });
            }
        }
        let r = rtl.logits.get(t);
        for (c, &gv) in g_logits.iter().enumerate().take(k) {
            let rv = r.and_then(|v| v.get(c)).copied();
            if rv != Some(gv) {
                return Err(Mismatch::Logit {
                    t: t as u32 + 1,
                    class: c as u32,
                    rtl: rv,
                    golden: gv,
                    cycles: rtl.logit_cycles.get(t).copied(),
                });
            }
        }
    }
    if rtl.logits.len() > exit {
        return Err(Mismatch::ExtraLogits {
            rtl: rtl.logits.len(),
            golden: golden.exit_t,
        });
    }
    for (source, e, p) in [
        ("final beat", rtl.exit_t, rtl.prediction),
        (
            "EXIT_T/PREDICTION registers",
            rtl.reg_exit_t,
            rtl.reg_prediction,
        ),
    ] {
        if e != golden.exit_t {
            return Err(Mismatch::ExitT {
                source,
                rtl: e,
                golden: golden.exit_t,
            });
        }
        if p != golden.prediction {
            return Err(Mismatch::Prediction {
                source,
                rtl: p,
                golden: golden.prediction,
            });
        }
    }
    let g = golden_counters(&golden.counts, hidden);
    for i in 0..NUM_COUNTERS {
        if rtl.counters.values[i] != g[i] {
            return Err(Mismatch::Counter {
                index: i,
                name: COUNTER_NAMES[i],
                golden_field: GOLDEN_SOURCES[i],
                rtl: rtl.counters.values[i],
                golden: g[i],
            });
        }
    }
    Ok(())
}

/// Every counter that differs, `(index, name, rtl, golden)` — for reports after the first
/// mismatch.
pub fn counter_differences(
    rtl: &RtlOutcome,
    golden: &Outcome,
    net: &Network,
) -> Vec<(usize, &'static str, u64, u64)> {
    let g = golden_counters(&golden.counts, net.layers.len());
    (0..NUM_COUNTERS)
        .filter(|&i| rtl.counters.values[i] != g[i])
        .map(|i| (i, COUNTER_NAMES[i], rtl.counters.values[i], g[i]))
        .collect()
}
