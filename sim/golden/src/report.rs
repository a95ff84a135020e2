//! Reports: the energy/latency estimate as a table for people and as JSON for scripts.

use crate::counts::Counts;
use crate::energy::EnergyReport;
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, Network};
use std::fmt::Write;

/// The estimate of one network on one configuration (the JSON of `spikeforge estimate`).
#[derive(Debug, Clone, Serialize)]
pub struct EstimateReport {
    /// Network name.
    pub network: String,
    /// Accelerator name.
    pub accelerator: String,
    /// Window length B used.
    pub tick_batch: u32,
    /// Timesteps T of the network.
    pub timesteps: u32,
    /// Where the activity came from: `input` (a golden-model run) or `density` (analytic).
    pub activity: String,
    /// Input-spike density assumed for every stage (analytic estimates only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub density: Option<f64>,
    /// Exact counts.
    pub counts: Counts,
    /// Energy, latency, EDP and breakdowns.
    pub energy: EnergyReport,
}

fn eng(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1e9 {
        format!("{:.3} mJ", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.3} uJ", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.3} nJ", v / 1e3)
    } else {
        format!("{v:.3} pJ")
    }
}

/// Renders an estimate as a plain-text table.
pub fn text(r: &EstimateReport, net: &Network, accel: &AcceleratorConfig) -> String {
    let mut s = String::new();
    let e = &r.energy;
    let c = &r.counts;
    let _ = writeln!(
        s,
        "network {} (T = {}) on {} ({}x{} array, B = {}, {} MHz); activity: {}",
        if net.name.is_empty() {
            "(unnamed)"
        } else {
            &net.name
        },
        net.timesteps,
        accel.name,
        accel.rows,
        accel.cols,
        r.tick_batch,
        accel.clock_mhz,
        match r.density {
            Some(d) => format!("input density {d}"),
            None => r.activity.clone(),
        }
    );
    let _ = writeln!(
        s,
        "exit timestep {} of {}, {} timesteps computed in {} windows\n",
        c.exit_t, net.timesteps, c.timesteps_computed, c.windows
    );
    let _ = writeln!(
        s,
        "{:<12} {:>14} {:>14} {:>12} {:>12} {:>14} {:>14}",
        "stage", "performed AC", "gated AC", "LIF steps", "tiles", "cycles", "energy"
    );
    for (st, en) in c.stages.iter().zip(&e.stages) {
        let _ = writeln!(
            s,
            "{:<12} {:>14} {:>14} {:>12} {:>12} {:>14} {:>14}",
            st.name,
            st.performed_acc,
            st.gated_acc,
            st.lif_steps,
            st.tile_loads,
            st.array_cycles + st.lif_cycles,
            eng(en.pj)
        );
    }
    let _ = writeln!(
        s,
        "{:<12} {:>14} {:>14} {:>12} {:>12} {:>14} {:>14}",
        "entropy", "", "", "", "", c.entropy_cycles, ""
    );
    let _ = writeln!(s, "\n{:<22} {:>14} {:>8}", "component", "energy", "share");
    for comp in &e.components {
        let _ = writeln!(
            s,
            "{:<22} {:>14} {:>7.2}%",
            comp.name,
            eng(comp.pj),
            if e.total_pj > 0.0 {
                100.0 * comp.pj / e.total_pj
            } else {
                0.0
            }
        );
    }
    let _ = writeln!(s, "\ntotal energy   {}", eng(e.total_pj));
    let _ = writeln!(s, "memory energy  {}", eng(e.memory_pj));
    let _ = writeln!(
        s,
        "latency        {} cycles = {:.6e} s",
        e.latency_cycles, e.latency_s
    );
    let _ = writeln!(s, "EDP            {:.6e} pJ*s", e.edp_pj_s);
    s
}
