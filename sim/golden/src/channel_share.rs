//! C#n membrane sharing (EfficientLIF-Net, DESIGN.md §3) and the LIF layer built on it.
//!
//! The K output channels are cut into n = `share_factor` contiguous groups of K/n. One
//! membrane state exists per (channel within group j, output position p). Within a timestep
//! the groups are processed in order 0..n−1; each applies the full LIF step to the shared
//! state with its own current, so group i starts from group i−1's post-reset state, and group
//! 0 at t starts from group n−1's state at t−1. With n = 1 this is an ordinary LIF layer.

use crate::lif;
use spikeforge_config::LifParams;

/// The membrane states of one hidden layer: `positions × K/n` values, index `p·(K/n) + j`.
#[derive(Debug, Clone)]
pub struct SharedMembranes {
    params: LifParams,
    channels: usize,
    positions: usize,
    v: Vec<i32>,
}

impl SharedMembranes {
    /// Zero-initialised membranes for K = `channels` outputs at `positions` positions.
    pub fn new(params: LifParams, channels: usize, positions: usize) -> Self {
        let group = channels / params.share_factor as usize;
        SharedMembranes {
            params,
            channels,
            positions,
            v: vec![0; group * positions],
        }
    }

    /// Number of stored states, `positions · K / n` (membrane storage falls n×).
    pub fn states(&self) -> usize {
        self.v.len()
    }

    /// The stored states, index `p·(K/n) + j`.
    pub fn values(&self) -> &[i32] {
        &self.v
    }

    /// Runs one timestep: `currents` is laid out `[p][k]` (`positions × K`); returns the
    /// output spikes as flat indices `k·positions + p` (C, H, W order), appended to `out`.
    /// Returns the number of LIF steps performed (= positions · K).
    pub fn step(&mut self, currents: &[i32], out: &mut Vec<u32>) -> u64 {
        let n = self.params.share_factor as usize;
        let k_all = self.channels;
        let group = k_all / n;
        let p = &self.params;
        debug_assert_eq!(currents.len(), self.positions * k_all);
        for g in 0..n {
            for pos in 0..self.positions {
                let row = &currents[pos * k_all + g * group..pos * k_all + (g + 1) * group];
                let state = &mut self.v[pos * group..(pos + 1) * group];
                for (j, (v, &i)) in state.iter_mut().zip(row).enumerate() {
                    let (nv, fire) = lif::step(*v as i64, i as i64, p);
                    *v = nv as i32;
                    if fire {
                        out.push(((g * group + j) * self.positions + pos) as u32);
                    }
                }
            }
        }
        (self.positions * k_all) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spikeforge_config::{FireCompare, Leak, Reset};

    fn p(n: u32) -> LifParams {
        LifParams {
            membrane_bits: 8,
            threshold: 4,
            leak: Leak::None,
            reset: Reset::Hard,
            fire_compare: FireCompare::Ge,
            share_factor: n,
        }
    }

    #[test]
    fn state_carries_from_group_to_group_and_across_timesteps() {
        // K = 4, n = 2: channels {0,1} and {2,3} share states j = 0, 1; one position.
        let mut m = SharedMembranes::new(p(2), 4, 1);
        assert_eq!(m.states(), 2);
        let mut out = Vec::new();
        // t0: group0 adds [3, 1] -> v = [3, 1]; group1 adds [2, 1] -> v = [5→fire→0, 2].
        m.step(&[3, 1, 2, 1], &mut out);
        assert_eq!(out, vec![2]);
        assert_eq!(m.values(), &[0, 2]);
        // t1: group0 starts from group1's state at t0: [0+4 → fire, 2+1=3]; group1: [0+0, 3+1=4→fire].
        out.clear();
        m.step(&[4, 1, 0, 1], &mut out);
        out.sort();
        assert_eq!(out, vec![0, 3]);
        assert_eq!(m.values(), &[0, 0]);
    }

    #[test]
    fn share_factor_one_is_independent_neurons() {
        let mut m = SharedMembranes::new(p(1), 2, 2);
        let mut out = Vec::new();
        // currents [p][k]: p0: [4, 0], p1: [1, 5]
        m.step(&[4, 0, 1, 5], &mut out);
        out.sort();
        // spikes: k0 p0 -> 0*2+0 = 0; k1 p1 -> 1*2+1 = 3
        assert_eq!(out, vec![0, 3]);
        assert_eq!(m.values(), &[0, 0, 1, 0]);
    }
}
