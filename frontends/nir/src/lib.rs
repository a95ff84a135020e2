//! Import of trained spiking networks from NIR, the Neuromorphic Intermediate Representation
//! (HDF5 files written by snnTorch, Norse, SpikingJelly, Sinabs, Lava-dl through the `nir`
//! package), into spikeforge's network description.
//!
//! NIR describes continuous-time neurons; spikeforge runs integer discrete time. The mapping
//! (DESIGN.md §7, docs/nir.md) never silently changes meaning: what it approximates (the
//! leak's shift, weight and threshold rounding, a readout's dropped leak) is measured and
//! returned in [`Imported`]; what it cannot map is an [`ImportError`] naming the node, the
//! parameter and why.
//!
//! ```no_run
//! use spikeforge_nir::{import_file, ImportOptions};
//! let imported = import_file("model.nir".as_ref(), &ImportOptions { weight_bits: 4, ..Default::default() })?;
//! println!("{}", imported.summary());
//! std::fs::write("network.toml", imported.to_toml("model.nir"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod graph;
mod map;
mod node;
mod path;
mod quantize;

pub use error::ImportError;
pub use graph::{Graph, Node, Param};
pub use map::{import, ImportOptions, Imported};
pub use quantize::LayerReport;

use spikeforge_config::lif::Leak;
use std::fmt::Write as _;
use std::path::Path;

/// Reads the NIR file at `path` and maps it with `opts`.
pub fn import_file(path: &Path, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let graph = Graph::read(path)?;
    import(&graph, &path.display().to_string(), opts)
}

impl Imported {
    /// The network description as TOML, headed by a comment naming the source file.
    pub fn to_toml(&self, source: &str) -> String {
        let body = toml_string(&self.network);
        format!(
            "# Imported by `spikeforge import` from {source} (NIR); docs/nir.md describes the mapping.\n{body}"
        )
    }

    /// One line per layer: the scale and every rounding error, then the notes.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for l in &self.layers {
            let _ = write!(
                s,
                "{}: scale {:.4}, largest weight rounding {:.2} % of max|w|",
                l.name,
                l.scale,
                100.0 * l.weight_error
            );
            if let Some((theta, q, err)) = l.threshold {
                let _ = write!(
                    s,
                    "; threshold {theta} → {q} ({:.2} % rounding)",
                    100.0 * err
                );
            }
            if let Some((d, leak, err)) = l.leak {
                let shown = match leak {
                    Leak::None => "none".to_string(),
                    other => other.to_string(),
                };
                let _ = write!(
                    s,
                    "; leak dt/τ = {d:.4} → {shown} (decay factor off by {:.2} %)",
                    100.0 * err
                );
            }
            if let Some((f, ratio)) = l.logit_scale {
                let _ = write!(s, "; logit_frac_bits {f} (2^f/s = {ratio:.4})");
            }
            s.push('\n');
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }
}

fn toml_string(network: &spikeforge_config::network::Network) -> String {
    // The configuration types serialize to TOML; a failure would be a bug in them.
    toml::to_string(network).expect("the network description serializes to TOML")
}
