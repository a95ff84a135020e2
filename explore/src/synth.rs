//! Synthesis per point (`synthesis = true` in the sweep file): the point's accelerator is
//! generated (the generators' Verilog, LIF options from the network as `cosim` takes them) and
//! synthesized for iCE40 with Yosys (`synth_ice40`, the same checks as the test suite); the
//! LUT4, flip-flop, block-RAM and carry counts are cached by a BLAKE3 hash of the Verilog, the
//! Yosys version and the script, so a point synthesized once — in this sweep, another sweep or
//! an earlier run — is never synthesized again.

use serde::{Deserialize, Serialize};
use spikeforge_config::{AcceleratorConfig, Network};
use spikeforge_cosim::{params_for, Design};
use spikeforge_rtlsim::tools::{self, Tool};
use std::path::PathBuf;

/// iCE40 resources of a point's accelerator (`synth_ice40`, no DSPs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// SB_LUT4 cells.
    pub luts: u64,
    /// Flip-flops (SB_DFF*).
    pub ffs: u64,
    /// SB_RAM40_4K block RAMs.
    pub brams: u64,
    /// SB_CARRY cells.
    pub carries: u64,
}

/// What the cache key covers besides the Verilog (bump when the script changes).
const SCRIPT: &str =
    "spikeforge sweep synth_ice40 v1: synth_ice40 -run :check; hierarchy -check; check -assert";

/// The cache folder: `<spikeforge cache>/synth-v1/`.
fn cache_dir() -> PathBuf {
    spikeforge_rtlsim::cache::default_cache_dir().join("synth-v1")
}

/// Synthesizes the accelerator of `accel` for `net` (or reads its cached figures). Errors are
/// one line naming the step (generation, a missing Yosys, synthesis and its log).
pub fn synthesize(net: &Network, accel: &AcceleratorConfig) -> Result<Resources, String> {
    let design = Design::generate(&params_for(accel, net)).map_err(|e| format!("generate: {e}"))?;
    let yosys = tools::require(Tool::Yosys).map_err(|e| e.to_string())?;
    let mut h = blake3::Hasher::new();
    h.update(SCRIPT.as_bytes());
    h.update(yosys.version_string.as_bytes());
    h.update(design.sources.top.as_bytes());
    for (name, text) in &design.sources.files {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let key = h.finalize().to_hex().to_string();
    let dir = cache_dir();
    let entry = dir.join(format!("{}.json", &key[..32]));
    if let Ok(text) = std::fs::read_to_string(&entry) {
        if let Ok(r) = serde_json::from_str::<Resources>(&text) {
            return Ok(r);
        }
    }
    let tmp = tempfile::Builder::new()
        .prefix("sf-sweep-synth-")
        .tempdir()
        .map_err(|e| format!("synthesis: a temporary folder: {e}"))?;
    let files =
        tools::write_sources(tmp.path(), &design.sources.files).map_err(|e| e.to_string())?;
    let r = tools::yosys_synth_ice40(&files, &design.sources.top)
        .map_err(|e| format!("synthesis: {e}"))?;
    let res = Resources {
        luts: r.luts.unwrap_or(0),
        ffs: r.ffs.unwrap_or(0),
        brams: r.brams.unwrap_or(0),
        carries: r.carries.unwrap_or(0),
    };
    // A cache that cannot be written only costs the next run its time.
    if std::fs::create_dir_all(&dir).is_ok() {
        let text = serde_json::to_string(&res).expect("resources serialise");
        let _ = crate::store::write_atomic(&entry, text.as_bytes());
    }
    Ok(res)
}
