//! The window schedule of DESIGN.md §5: the network runs in windows of B = `tick_batch`
//! timesteps, layer by layer inside a window; each layer's weights are loaded once per window;
//! membranes are carried across windows in the membrane buffer. B = T is pure tick-batch,
//! B = 1 the timestep-outer baseline.
//!
//! After a window finishes, the entropy unit checks its timesteps in order and the network
//! exits at the first t with H < θ_H (or t = T); windows after the exit are not run, but the
//! timesteps of the exit window past t were computed and are counted.
//!
//! # What each window needs from the global buffers
//!
//! The buffers hold words of `cols` lanes laid out as in `docs/accelerator.md` §3, for windows
//! of up to `B_max` timesteps, `B_max = tick_batch` rounded up to a power of two. For every
//! stage, with `n_rt = ⌈N/rows⌉`, `n_ct = ⌈M/cols⌉`:
//! - `weight`: `n_ct·n_rt·rows` words of `cols·weight_bits` bits;
//! - `input_spike`: `⌈C/cols⌉·H·W·B_max` words of `cols` bits (the stage's input);
//! - `output_spike` (hidden layers): `⌈M/cols⌉·(E/pool)·(F/pool)·B_max` words of `cols` bits;
//! - `psum`: `n_ct·P·B_max` words of `cols·psum_bits` bits;
//! - `membrane`: `Σ_hidden P·⌈(M/n)/cols⌉` words of `cols·membrane_bits` bits (all layers,
//!   carried across windows).
//!
//! A stage that does not fit is a configuration error naming the buffer, the need and the
//! capacity.

use crate::GoldenError;
use spikeforge_config::{AcceleratorConfig, BufferKind, Network};

/// One window: timesteps `start .. start + len` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First timestep (0-based).
    pub start: u32,
    /// Number of timesteps.
    pub len: u32,
}

/// All windows of a run of `timesteps` with tick-batch `b`.
pub fn windows(timesteps: u32, b: u32) -> Vec<Window> {
    let b = b.clamp(1, timesteps.max(1));
    (0..timesteps)
        .step_by(b as usize)
        .map(|start| Window {
            start,
            len: b.min(timesteps - start),
        })
        .collect()
}

/// The windows actually run when the network exits at `exit_t` (1-based).
pub fn windows_run(timesteps: u32, b: u32, exit_t: u32) -> Vec<Window> {
    windows(timesteps, b)
        .into_iter()
        .filter(|w| w.start < exit_t)
        .collect()
}

/// A buffer requirement of one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Which buffer.
    pub buffer: BufferKind,
    /// Which stage needs it (layer name, `classifier`, or `all layers`).
    pub stage: String,
    /// Bits needed.
    pub bits: u64,
}

/// `B_max`: the configured window length rounded up to a power of two.
pub fn max_tick_batch(accel: &AcceleratorConfig) -> u64 {
    (accel.schedule.tick_batch.max(1) as u64).next_power_of_two()
}

/// Every buffer requirement of the network on this configuration (see module docs).
pub fn needs(net: &Network, accel: &AcceleratorConfig) -> Vec<Need> {
    let shapes = net.shapes();
    let bmax = max_tick_batch(accel);
    let rows = accel.rows as u64;
    let cols = accel.cols as u64;
    let mut out = Vec::new();
    let mut membrane = 0u64;
    for (i, s) in shapes.iter().enumerate() {
        let hidden = i < net.layers.len();
        let (name, wb) = if hidden {
            (net.layer_name(i), net.layers[i].weight_bits as u64)
        } else {
            ("classifier".to_string(), net.classifier.weight_bits as u64)
        };
        let n_rt = s.fan_in().div_ceil(rows);
        let m = s.out_channels as u64;
        let n_ct = m.div_ceil(cols);
        let mut push = |buffer, bits| {
            out.push(Need {
                buffer,
                stage: name.clone(),
                bits,
            })
        };
        push(BufferKind::Weight, n_ct * n_rt * rows * cols * wb);
        // The stage input in its producer's layout: C×H×W before flattening.
        let (c, hw) = if i == 0 {
            (
                net.input.channels as u64,
                net.input.height as u64 * net.input.width as u64,
            )
        } else {
            let prev = &shapes[i - 1];
            (
                prev.out_channels as u64,
                prev.pooled_height() as u64 * prev.pooled_width() as u64,
            )
        };
        push(BufferKind::InputSpike, c.div_ceil(cols) * hw * bmax * cols);
        push(
            BufferKind::Psum,
            n_ct * s.positions() * bmax * cols * accel.psum_bits as u64,
        );
        if hidden {
            let pooled = s.pooled_height() as u64 * s.pooled_width() as u64;
            push(BufferKind::OutputSpike, n_ct * pooled * bmax * cols);
            let l = &net.layers[i];
            let n_ctb = (m / l.share_factor as u64).div_ceil(cols);
            membrane += s.positions() * n_ctb * cols * l.membrane_bits as u64;
        }
    }
    out.push(Need {
        buffer: BufferKind::Membrane,
        stage: "all layers".into(),
        bits: membrane,
    });
    out
}

/// Checks that every window fits the global buffers.
pub fn check_fit(net: &Network, accel: &AcceleratorConfig, file: &str) -> Result<(), GoldenError> {
    for n in needs(net, accel) {
        let have = accel.buffers.get(n.buffer).size_bits;
        if n.bits > have {
            return Err(GoldenError::Config(spikeforge_config::ConfigError::new(
                file,
                format!("buffers.{}.size_bits", n.buffer.name()),
                have,
                format!(
                    "too small: {} needs {} bits (windows of up to B_max = {} timesteps, {}-lane words)",
                    n.stage,
                    n.bits,
                    max_tick_batch(accel),
                    accel.cols
                ),
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_all_timesteps() {
        assert_eq!(
            windows(5, 2),
            vec![
                Window { start: 0, len: 2 },
                Window { start: 2, len: 2 },
                Window { start: 4, len: 1 }
            ]
        );
        assert_eq!(windows(4, 4).len(), 1);
        assert_eq!(windows(4, 1).len(), 4);
        assert_eq!(windows_run(8, 4, 3).len(), 1);
        assert_eq!(windows_run(8, 4, 5).len(), 2);
    }
}
