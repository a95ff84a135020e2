//! The window schedule of DESIGN.md §5: the network runs in windows of B = `tick_batch`
//! timesteps, layer by layer inside a window; each layer's weights are loaded once per window;
//! membranes are carried across windows in the membrane buffer. B = T is pure tick-batch,
//! B = 1 the timestep-outer baseline.
//!
//! After a window finishes, the entropy unit checks its timesteps in order and the network
//! exits at the first t with H < θ_H (or t = T); windows after the exit are not run, but the
//! timesteps of the exit window past t were computed and are counted.
//!
//! # What each window needs from the global buffers (bits)
//!
//! For every stage (hidden layer or classifier) with `B' = min(B, T)`:
//! - `weight`: `K · fan_in · weight_bits` (the whole stage is resident);
//! - `input_spike`: `C·H·W · B'` (the stage's input spikes for the window);
//! - `output_spike` (hidden layers): `K·(E/pool)·(F/pool) · B'`;
//! - `psum`: `K·E·F · B' · psum_bits`;
//! - `membrane`: `Σ_hidden K·E·F / share_factor · membrane_bits` (all layers, carried
//!   across windows).
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

/// Every buffer requirement of the network on this configuration (see module docs).
pub fn needs(net: &Network, accel: &AcceleratorConfig) -> Vec<Need> {
    let shapes = net.shapes();
    let b = accel.schedule.tick_batch.min(net.timesteps) as u64;
    let mut out = Vec::new();
    let mut membrane = 0u64;
    for (i, s) in shapes.iter().enumerate() {
        let hidden = i < net.layers.len();
        let (name, wb) = if hidden {
            (net.layer_name(i), net.layers[i].weight_bits)
        } else {
            ("classifier".to_string(), net.classifier.weight_bits)
        };
        let mut push = |buffer, bits| {
            out.push(Need {
                buffer,
                stage: name.clone(),
                bits,
            })
        };
        push(BufferKind::Weight, s.weight_count() * wb as u64);
        push(BufferKind::InputSpike, s.inputs() * b);
        push(BufferKind::Psum, s.outputs() * b * accel.psum_bits as u64);
        if hidden {
            push(BufferKind::OutputSpike, s.pooled_outputs() * b);
            let l = &net.layers[i];
            membrane += s.outputs() / l.share_factor as u64 * l.membrane_bits as u64;
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
                    "too small: {} needs {} bits for a window of B = {} timesteps",
                    n.stage,
                    n.bits,
                    accel.schedule.tick_batch.min(net.timesteps)
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
