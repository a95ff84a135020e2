//! The results as CSV: one row per point, the swept parameters, the figures, the error.

use crate::point::PointResult;
use crate::spec::KEYS;

/// Figure columns after the parameters.
const FIGURES: [&str; 15] = [
    "energy_pj",
    "memory_pj",
    "lif_pj",
    "latency_cycles",
    "latency_s",
    "edp_pj_s",
    "performed_acc",
    "ice40_luts",
    "ice40_ffs",
    "ice40_brams",
    "hx8k_logic_cells",
    "hx8k_fmax_mhz",
    "accuracy",
    "mean_exit",
    "measured_energy_pj",
];

/// A parameter's value in a row, as text (empty when the point keeps the base value).
pub fn param(r: &PointResult, key: &str) -> String {
    let p = &r.params;
    let o = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
    match key {
        "rows" => o(p.rows),
        "cols" => o(p.cols),
        "weight_spad_depth" => o(p.weight_spad_depth),
        "tick_batch" => o(p.tick_batch),
        "tech" => p.tech.map(|t| t.name().to_string()).unwrap_or_default(),
        "share_factor" => o(p.share_factor),
        "weight_bits" => o(p.weight_bits),
        "membrane_bits" => o(p.membrane_bits),
        "timesteps" => o(p.timesteps),
        "entropy_threshold" => p
            .entropy_threshold
            .map(|v| v.to_string())
            .unwrap_or_default(),
        "density" => p.density.to_string(),
        _ => String::new(),
    }
}

/// A figure's value in a row, as text (empty for an invalid point).
pub fn figure(r: &PointResult, key: &str) -> String {
    let Some(f) = r.figures() else {
        return String::new();
    };
    match key {
        "energy_pj" => f.energy_pj.to_string(),
        "memory_pj" => f.memory_pj.to_string(),
        "lif_pj" => f.lif_pj.to_string(),
        "latency_cycles" => f.latency_cycles.to_string(),
        "latency_s" => f.latency_s.to_string(),
        "edp_pj_s" => f.edp_pj_s.to_string(),
        "performed_acc" => f.performed_acc.to_string(),
        "ice40_luts" => f.ice40.map(|s| s.luts.to_string()).unwrap_or_default(),
        "ice40_ffs" => f.ice40.map(|s| s.ffs.to_string()).unwrap_or_default(),
        "ice40_brams" => f.ice40.map(|s| s.brams.to_string()).unwrap_or_default(),
        "hx8k_logic_cells" => f
            .hx8k
            .map(|p| p.logic_cells.to_string())
            .unwrap_or_default(),
        "hx8k_fmax_mhz" => f.hx8k.map(|p| p.fmax_mhz.to_string()).unwrap_or_default(),
        "accuracy" => f
            .dataset
            .map(|d| d.accuracy.to_string())
            .unwrap_or_default(),
        "mean_exit" => f
            .dataset
            .map(|d| d.mean_exit.to_string())
            .unwrap_or_default(),
        "measured_energy_pj" => f
            .dataset
            .map(|d| d.energy_pj.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The error of an invalid point (empty for a valid one).
pub fn error(r: &PointResult) -> String {
    match &r.outcome {
        crate::point::Outcome::Invalid { error } => error.clone(),
        crate::point::Outcome::Ok(_) => String::new(),
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV text (RFC 4180 quoting), rows sorted as given.
pub fn csv(results: &[PointResult]) -> String {
    let mut head = vec!["id", "network"];
    head.extend(KEYS);
    head.extend(FIGURES);
    head.push("error");
    let mut out = head.join(",") + "\n";
    for r in results {
        let mut row = vec![r.id.to_string(), quote(&r.network)];
        row.extend(KEYS.iter().map(|k| param(r, k)));
        row.extend(FIGURES.iter().map(|k| figure(r, k)));
        row.push(quote(&error(r)));
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}
