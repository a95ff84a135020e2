//! The sweep file (TOML): which networks, which base accelerator configuration, and a grid of
//! values per parameter. The grid is expanded in a fixed order into numbered points, so the
//! same file always gives the same points with the same ids (the key to resuming and sharding).
//!
//! ```toml
//! name = "vgg9-dse"                       # optional; default: the file's stem
//! networks = ["../examples/vgg9-cifar10.toml"]   # relative to this file
//! accelerator = "../examples/accel-default.toml" # optional; default: the built-in prototype
//! density = 0.1                            # input-spike density when `grid.density` is absent
//! synthesis = false                        # also synthesize each point for iCE40 (cached)
//! place_and_route = false                  # also place and route it on an iCE40 HX8K (cached)
//! dataset = "../examples/digits/test.json" # optional: accuracy per point over this dataset
//!
//! [grid]                                   # every key optional; each a non-empty list
//! rows = [8, 16]
//! cols = [16]
//! weight_spad_depth = [64]
//! tick_batch = [1, 2, 4]
//! tech = ["sram", "stt_mram", "sot_mram"]  # every buffer's memory technology
//! share_factor = [1, 2, 4]                 # C#n of every hidden layer
//! weight_bits = [4, 8]                     # every layer and the classifier
//! membrane_bits = [8, 16]                  # every hidden layer
//! timesteps = [4, 8]
//! entropy_threshold = [0.0, 0.2]           # θ_H of DT-SNN (matters with a dataset)
//! density = [0.1, 0.2]
//! ```

use crate::error::SweepError;
use serde::{Deserialize, Serialize};
use spikeforge_config::MemoryTech;
use std::path::{Path, PathBuf};

/// Largest number of points a sweep file may expand to.
pub const MAX_POINTS: usize = 10_000_000;

/// A parsed sweep file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// Name of the sweep (reports, Slurm job name).
    #[serde(default)]
    pub name: Option<String>,
    /// Network descriptions, relative to the sweep file.
    pub networks: Vec<PathBuf>,
    /// Base accelerator configuration, relative to the sweep file (default: the built-in one).
    #[serde(default)]
    pub accelerator: Option<PathBuf>,
    /// Input-spike density of every point without `grid.density` (0..=1). Default 0.1.
    #[serde(default = "default_density")]
    pub density: f64,
    /// Also synthesize each valid point's accelerator for iCE40 (LUT4, FF, BRAM; cached by
    /// Verilog hash). Default false: synthesis takes seconds to minutes per design.
    #[serde(default)]
    pub synthesis: bool,
    /// Also place and route each valid point's accelerator on an iCE40 HX8K (logic cells,
    /// fmax; cached). Default false. Only small configurations fit.
    #[serde(default)]
    pub place_and_route: bool,
    /// A labelled dataset (relative to the sweep file; docs/evaluation.md's format): each valid
    /// point also runs the golden model over it for its accuracy, mean exit timestep and the
    /// measured mean energy and latency.
    #[serde(default)]
    pub dataset: Option<PathBuf>,
    /// The values swept.
    #[serde(default)]
    pub grid: Grid,
}

fn default_density() -> f64 {
    0.1
}

/// The values of each swept parameter (absent: the base configuration's or network's value).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// PE array rows.
    pub rows: Option<Vec<u32>>,
    /// PE array columns (the LIF units follow: `lif_units = cols`).
    pub cols: Option<Vec<u32>>,
    /// Weight scratchpad entries per PE.
    pub weight_spad_depth: Option<Vec<u32>>,
    /// Tick-batch window B.
    pub tick_batch: Option<Vec<u32>>,
    /// Memory technology of every buffer.
    pub tech: Option<Vec<MemoryTech>>,
    /// C#n: channels sharing one LIF membrane, every hidden layer.
    pub share_factor: Option<Vec<u32>>,
    /// Weight precision (bits), every layer and the classifier.
    pub weight_bits: Option<Vec<u32>>,
    /// Membrane precision (bits), every hidden layer.
    pub membrane_bits: Option<Vec<u32>>,
    /// Timesteps T.
    pub timesteps: Option<Vec<u32>>,
    /// DT-SNN entropy threshold θ_H.
    pub entropy_threshold: Option<Vec<f64>>,
    /// Input-spike density (0..=1).
    pub density: Option<Vec<f64>>,
}

/// One point's parameters: `None` keeps the base value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// PE array rows.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rows: Option<u32>,
    /// PE array columns.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cols: Option<u32>,
    /// Weight scratchpad entries per PE.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub weight_spad_depth: Option<u32>,
    /// Tick-batch window B.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tick_batch: Option<u32>,
    /// Memory technology of every buffer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tech: Option<MemoryTech>,
    /// C#n of every hidden layer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub share_factor: Option<u32>,
    /// Weight precision (bits).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub weight_bits: Option<u32>,
    /// Membrane precision (bits).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub membrane_bits: Option<u32>,
    /// Timesteps T.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timesteps: Option<u32>,
    /// DT-SNN entropy threshold θ_H.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub entropy_threshold: Option<f64>,
    /// Input-spike density.
    pub density: f64,
}

/// One point of the sweep: its id (position in the expansion), network index and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Position in the expansion, 0-based.
    pub id: usize,
    /// Index into [`SweepSpec::networks`].
    pub network: usize,
    /// The parameters.
    pub params: Params,
}

/// The names of the grid keys, in expansion order (the last varies fastest).
pub const KEYS: [&str; 11] = [
    "rows",
    "cols",
    "weight_spad_depth",
    "tick_batch",
    "tech",
    "share_factor",
    "weight_bits",
    "membrane_bits",
    "timesteps",
    "entropy_threshold",
    "density",
];

impl SweepSpec {
    /// Reads and checks a sweep file.
    pub fn load(path: &Path) -> Result<SweepSpec, SweepError> {
        let text = std::fs::read_to_string(path).map_err(|e| SweepError::io(path, e))?;
        SweepSpec::parse(&text, &path.display().to_string())
    }

    /// Parses and checks the text of a sweep file named `file` (for messages).
    pub fn parse(text: &str, file: &str) -> Result<SweepSpec, SweepError> {
        let spec: SweepSpec = toml::from_str(text).map_err(|e| SweepError::Spec {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let bad = |message: String| SweepError::Spec {
            file: file.to_string(),
            message,
        };
        if spec.networks.is_empty() {
            return Err(bad(
                "`networks` is empty: name at least one network file".into()
            ));
        }
        if !(0.0..=1.0).contains(&spec.density) {
            return Err(bad(format!(
                "`density` = {}: must be in 0..=1",
                spec.density
            )));
        }
        for (key, len) in spec.grid.lengths() {
            if len == Some(0) {
                return Err(bad(format!(
                    "`grid.{key}` is an empty list: give at least one value or leave the key out"
                )));
            }
        }
        if let Some(d) = &spec.grid.density {
            if let Some(v) = d.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(bad(format!("`grid.density` holds {v}: must be in 0..=1")));
            }
        }
        if let Some(d) = &spec.grid.entropy_threshold {
            if let Some(v) = d.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(bad(format!(
                    "`grid.entropy_threshold` holds {v}: must be in 0..=1 (a normalised entropy)"
                )));
            }
        }
        let n = spec.point_count();
        if n > MAX_POINTS {
            return Err(bad(format!(
                "the grid expands to {n} points, more than {MAX_POINTS}: split it into several sweeps"
            )));
        }
        Ok(spec)
    }

    /// Number of points (networks × the product of the grid's list lengths), saturating.
    pub fn point_count(&self) -> usize {
        self.grid
            .lengths()
            .iter()
            .fold(self.networks.len(), |n, (_, l)| {
                n.saturating_mul(l.unwrap_or(1))
            })
    }

    /// The point with id `id` (0..[`SweepSpec::point_count`]), without expanding the others.
    pub fn point(&self, id: usize) -> Point {
        let g = &self.grid;
        let mut rest = id;
        let lens = g.lengths();
        let mut idx = [0usize; KEYS.len()];
        for k in (0..KEYS.len()).rev() {
            let l = lens[k].1.unwrap_or(1);
            idx[k] = rest % l;
            rest /= l;
        }
        let network = rest;
        fn pick<T: Copy>(v: &Option<Vec<T>>, i: usize) -> Option<T> {
            v.as_ref().map(|v| v[i])
        }
        let params = Params {
            rows: pick(&g.rows, idx[0]),
            cols: pick(&g.cols, idx[1]),
            weight_spad_depth: pick(&g.weight_spad_depth, idx[2]),
            tick_batch: pick(&g.tick_batch, idx[3]),
            tech: pick(&g.tech, idx[4]),
            share_factor: pick(&g.share_factor, idx[5]),
            weight_bits: pick(&g.weight_bits, idx[6]),
            membrane_bits: pick(&g.membrane_bits, idx[7]),
            timesteps: pick(&g.timesteps, idx[8]),
            entropy_threshold: pick(&g.entropy_threshold, idx[9]),
            density: pick(&g.density, idx[10]).unwrap_or(self.density),
        };
        Point {
            id,
            network,
            params,
        }
    }

    /// The sweep's name: `name`, or the file stem of `file`.
    pub fn name_or(&self, file: &Path) -> String {
        self.name.clone().unwrap_or_else(|| {
            file.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sweep".into())
        })
    }

    /// The keys that take more than one value (the ones plots and tables vary over).
    pub fn swept_keys(&self) -> Vec<&'static str> {
        self.grid
            .lengths()
            .into_iter()
            .filter(|(_, l)| l.unwrap_or(1) > 1)
            .map(|(k, _)| k)
            .collect()
    }
}

impl Grid {
    /// `(key, list length)` in [`KEYS`] order (`None`: absent).
    pub fn lengths(&self) -> [(&'static str, Option<usize>); 11] {
        let l = |v: Option<usize>, k: usize| (KEYS[k], v);
        [
            l(self.rows.as_ref().map(Vec::len), 0),
            l(self.cols.as_ref().map(Vec::len), 1),
            l(self.weight_spad_depth.as_ref().map(Vec::len), 2),
            l(self.tick_batch.as_ref().map(Vec::len), 3),
            l(self.tech.as_ref().map(Vec::len), 4),
            l(self.share_factor.as_ref().map(Vec::len), 5),
            l(self.weight_bits.as_ref().map(Vec::len), 6),
            l(self.membrane_bits.as_ref().map(Vec::len), 7),
            l(self.timesteps.as_ref().map(Vec::len), 8),
            l(self.entropy_threshold.as_ref().map(Vec::len), 9),
            l(self.density.as_ref().map(Vec::len), 10),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_enumerate_the_grid_last_key_fastest() {
        let s = SweepSpec::parse(
            "networks = [\"a.toml\", \"b.toml\"]\n[grid]\nrows = [4, 8]\ndensity = [0.1, 0.2, 0.3]\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(s.point_count(), 12);
        let p = s.point(0);
        assert_eq!(
            (p.network, p.params.rows, p.params.density),
            (0, Some(4), 0.1)
        );
        let p = s.point(4);
        assert_eq!(
            (p.network, p.params.rows, p.params.density),
            (0, Some(8), 0.2)
        );
        let p = s.point(11);
        assert_eq!(
            (p.network, p.params.rows, p.params.density),
            (1, Some(8), 0.3)
        );
        assert_eq!(s.swept_keys(), vec!["rows", "density"]);
    }

    #[test]
    fn bad_files_are_errors_naming_the_key() {
        for (text, needle) in [
            ("networks = []", "`networks` is empty"),
            (
                "networks = [\"a\"]\n[grid]\nrows = []",
                "`grid.rows` is an empty list",
            ),
            (
                "networks = [\"a\"]\n[grid]\ncolumns = [1]",
                "unknown field `columns`",
            ),
            ("networks = [\"a\"]\ndensity = 2.0", "`density` = 2"),
            (
                "networks = [\"a\"]\n[grid]\ndensity = [0.5, -1.0]",
                "`grid.density` holds -1",
            ),
            (
                "networks = [\"a\"]\n[grid]\ntech = [\"dram\"]",
                "unknown variant `dram`",
            ),
        ] {
            let e = SweepSpec::parse(text, "s.toml").unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
            assert!(e.contains("s.toml"), "{e}");
        }
    }
}
