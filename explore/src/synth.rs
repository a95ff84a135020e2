//! Synthesis and place and route per point (`synthesis = true`, `place_and_route = true` in
//! the sweep file): the point's accelerator is generated (the generators' Verilog, LIF options
//! from the network as `cosim` takes them), synthesized for iCE40 with Yosys (`synth_ice40`,
//! the same checks as the test suite) and, on request, placed and routed on an iCE40 HX8K
//! (CT256) with nextpnr-ice40 (seed 1). The figures are cached by a BLAKE3 hash of the
//! Verilog, the tools' versions and the script, so a design done once — in this sweep, another
//! sweep or an earlier run — is never done again.

use serde::{Deserialize, Serialize};
use spikeforge_config::{AcceleratorConfig, Network};
use spikeforge_cosim::{params_for, Design};
use spikeforge_rtlsim::pnr::{self, Ice40Part};
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

/// Place and route of a point's accelerator on an iCE40 HX8K (CT256, its bare ports on pins).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Placed {
    /// Logic cells used (of 7,680).
    pub logic_cells: u64,
    /// Block RAMs used (of 32).
    pub brams: u64,
    /// nextpnr's fmax estimate after routing (MHz).
    pub fmax_mhz: f64,
}

/// A point's generated accelerator and the hash of its Verilog.
struct Generated {
    design: Design,
    verilog_hash: blake3::Hasher,
}

fn generate(net: &Network, accel: &AcceleratorConfig) -> Result<Generated, String> {
    let design = Design::generate(&params_for(accel, net)).map_err(|e| format!("generate: {e}"))?;
    let mut h = blake3::Hasher::new();
    h.update(design.sources.top.as_bytes());
    for (name, text) in &design.sources.files {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&(text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    Ok(Generated {
        design,
        verilog_hash: h,
    })
}

/// The value cached under `key`, or `compute`'s (then cached) on a miss.
fn cached<T, F>(key: blake3::Hasher, compute: F) -> Result<T, String>
where
    T: Serialize + serde::de::DeserializeOwned,
    F: FnOnce() -> Result<T, String>,
{
    let key = key.finalize().to_hex().to_string();
    let dir = cache_dir();
    let entry = dir.join(format!("{}.json", &key[..32]));
    if let Ok(text) = std::fs::read_to_string(&entry) {
        if let Ok(v) = serde_json::from_str::<T>(&text) {
            return Ok(v);
        }
    }
    let v = compute()?;
    // A cache that cannot be written only costs the next run its time.
    if std::fs::create_dir_all(&dir).is_ok() {
        let text = serde_json::to_string(&v).expect("figures serialise");
        let _ = crate::store::write_atomic(&entry, text.as_bytes());
    }
    Ok(v)
}

/// The design's files in a fresh temporary folder.
fn written(g: &Generated) -> Result<(tempfile::TempDir, Vec<PathBuf>), String> {
    let tmp = tempfile::Builder::new()
        .prefix("sf-sweep-synth-")
        .tempdir()
        .map_err(|e| format!("a temporary folder: {e}"))?;
    let files =
        tools::write_sources(tmp.path(), &g.design.sources.files).map_err(|e| e.to_string())?;
    Ok((tmp, files))
}

/// Synthesizes the accelerator of `accel` for `net` (or reads its cached figures). Errors are
/// one line naming the step (generation, a missing Yosys, synthesis and its log).
pub fn synthesize(net: &Network, accel: &AcceleratorConfig) -> Result<Resources, String> {
    let g = generate(net, accel)?;
    let yosys = tools::require(Tool::Yosys).map_err(|e| e.to_string())?;
    let mut key = g.verilog_hash.clone();
    key.update(SCRIPT.as_bytes());
    key.update(yosys.version_string.as_bytes());
    cached(key, || {
        let (_tmp, files) = written(&g)?;
        let r = tools::yosys_synth_ice40(&files, &g.design.sources.top)
            .map_err(|e| format!("synthesis: {e}"))?;
        Ok(Resources {
            luts: r.luts.unwrap_or(0),
            ffs: r.ffs.unwrap_or(0),
            brams: r.brams.unwrap_or(0),
            carries: r.carries.unwrap_or(0),
        })
    })
}

/// Places and routes the accelerator of `accel` for `net` on an iCE40 HX8K CT256 (or reads
/// the cached figures). A design that does not fit is an error with nextpnr's utilisation.
pub fn place_and_route(net: &Network, accel: &AcceleratorConfig) -> Result<Placed, String> {
    let g = generate(net, accel)?;
    let yosys = tools::require(Tool::Yosys).map_err(|e| e.to_string())?;
    let nextpnr = tools::require(Tool::NextpnrIce40).map_err(|e| e.to_string())?;
    let mut key = g.verilog_hash.clone();
    key.update(b"spikeforge sweep nextpnr-ice40 hx8k ct256 seed 1 v1");
    key.update(yosys.version_string.as_bytes());
    key.update(nextpnr.version_string.as_bytes());
    cached(key, || {
        let (_tmp, files) = written(&g)?;
        let r = pnr::nextpnr_ice40(&files, &g.design.sources.top, Ice40Part::HX8K_CT256)
            .map_err(|e| format!("place and route on an iCE40 HX8K: {e}"))?;
        Ok(Placed {
            logic_cells: r.logic_cells.used,
            brams: r.brams.used,
            fmax_mhz: r.fmax_mhz,
        })
    })
}
