//! Running a sweep: load the networks and the base configuration once, evaluate the points on
//! all cores (rayon), append each result as it finishes, resume what an earlier run left, and
//! finish with the sorted results, the CSV, the plots and the report.

use crate::error::SweepError;
use crate::point::{self, PointResult};
use crate::spec::SweepSpec;
use crate::store::{self, Appender, Meta, Shard};
use crate::{html, plot, table};
use rayon::prelude::*;
use spikeforge_config::{AcceleratorConfig, Dataset, Network};
use spikeforge_golden::EnergyTable;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A loaded sweep: the spec, its networks and base accelerator, and its identity.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The sweep file.
    pub file: PathBuf,
    /// Its contents.
    pub spec: SweepSpec,
    /// The networks, in the file's order.
    pub networks: Vec<Network>,
    /// The base accelerator configuration.
    pub accel: AcceleratorConfig,
    /// The dataset, when the sweep names one.
    pub dataset: Option<Dataset>,
    /// What `sweep.json` records.
    pub meta: Meta,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Points of this run (all, or the shard's).
    pub points: usize,
    /// Found already done (resumed).
    pub resumed: usize,
    /// Evaluated now.
    pub evaluated: usize,
    /// Invalid points among this run's.
    pub invalid: usize,
}

impl Sweep {
    /// Reads the sweep file and every file it names (paths relative to the sweep file).
    pub fn load(file: &Path) -> Result<Sweep, SweepError> {
        let text = std::fs::read(file).map_err(|e| SweepError::io(file, e))?;
        let spec = SweepSpec::parse(&String::from_utf8_lossy(&text), &file.display().to_string())?;
        let base = file.parent().unwrap_or(Path::new("."));
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"spikeforge sweep v1\0");
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(&text);
        // A named file that does not read is one error naming the sweep file, the key and
        // the path.
        let mut named = |key: String, rel: &Path| -> Result<PathBuf, SweepError> {
            let path = base.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| {
                SweepError::Input(format!(
                    "{}: `{key}` = {}: {e}",
                    file.display(),
                    path.display()
                ))
            })?;
            hasher.update(&bytes);
            Ok(path)
        };
        let mut networks = Vec::new();
        for (i, n) in spec.networks.iter().enumerate() {
            let path = named(format!("networks[{i}]"), n)?;
            networks.push(Network::load(&path).map_err(|e| SweepError::Input(e.to_string()))?);
        }
        let accel = match &spec.accelerator {
            Some(a) => {
                let path = named("accelerator".into(), a)?;
                AcceleratorConfig::load(&path).map_err(|e| SweepError::Input(e.to_string()))?
            }
            None => AcceleratorConfig::default(),
        };
        let dataset = match &spec.dataset {
            Some(d) => {
                let path = named("dataset".into(), d)?;
                Some(Dataset::load(&path).map_err(|e| SweepError::Input(e.to_string()))?)
            }
            None => None,
        };
        let meta = Meta {
            generator: "spikeforge sweep".into(),
            name: spec.name_or(file),
            spec_hash: hasher.finalize().to_hex().to_string(),
            points: spec.point_count(),
        };
        Ok(Sweep {
            file: file.to_path_buf(),
            spec,
            networks,
            accel,
            dataset,
            meta,
        })
    }

    /// Evaluates one point (no files touched).
    pub fn evaluate(&self, id: usize, table: &EnergyTable) -> PointResult {
        point::evaluate(
            &self.spec.point(id),
            &self.networks,
            &self.accel,
            table,
            point::Extras {
                synthesis: self.spec.synthesis,
                place_and_route: self.spec.place_and_route,
                dataset: self.dataset.as_ref(),
            },
        )
    }

    /// Runs the sweep (or one shard) into `dir`, resuming what is there. `progress(done, total)`
    /// is called as points finish. An unsharded run finishes with [`finish`]; shards are
    /// merged by [`collect`].
    pub fn run(
        &self,
        dir: &Path,
        shard: Option<Shard>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<RunSummary, SweepError> {
        store::open_dir(dir, &self.meta)?;
        let file = dir.join(shard.map_or(store::RESULTS.to_string(), |s| s.file_name()));
        let done = store::load_results(&file)?;
        let done_ids: std::collections::HashSet<usize> = done.iter().map(|r| r.id).collect();
        let mine: Vec<usize> = (0..self.meta.points)
            .filter(|&i| shard.is_none_or(|s| s.owns(i)))
            .collect();
        let todo: Vec<usize> = mine
            .iter()
            .copied()
            .filter(|i| !done_ids.contains(i))
            .collect();
        let total = mine.len();
        let finished = AtomicUsize::new(total - todo.len());
        progress(finished.load(Ordering::Relaxed), total);
        let out = Appender::open(&file)?;
        let table = EnergyTable::default();
        todo.par_iter().try_for_each(|&id| {
            let r = self.evaluate(id, &table);
            out.append(&r)?;
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
            progress(n, total);
            Ok::<(), SweepError>(())
        })?;
        let all = store::load_results(&file)?;
        let invalid = all
            .iter()
            .filter(|r| mine.binary_search(&r.id).is_ok() && r.figures().is_none())
            .count();
        if shard.is_none() {
            let results = store::complete(all, self.meta.points, dir)?;
            finish(dir, &self.meta.name, &results)?;
        }
        Ok(RunSummary {
            points: total,
            resumed: total - todo.len(),
            evaluated: todo.len(),
            invalid,
        })
    }
}

/// Merges the shard results in `dir` (all points must be there), then [`finish`]es.
pub fn collect(dir: &Path) -> Result<Vec<PointResult>, SweepError> {
    let meta = store::read_meta(dir)?;
    let shards = store::shard_files(dir)?;
    if shards.is_empty() {
        return Err(SweepError::output(
            dir,
            "holds no shard results (results-shard-<i>-of-<n>.jsonl): run the shards first (`spikeforge sweep SWEEP --shard i/N -o DIR`)",
        ));
    }
    let mut all = Vec::new();
    for path in shards.values() {
        all.extend(store::load_results(path)?);
    }
    let results = store::complete(all, meta.points, dir)?;
    finish(dir, &meta.name, &results)?;
    Ok(results)
}

/// Writes the final files: `results.jsonl` (sorted by id), `results.csv`, the SVG plots (the
/// Pareto fronts of energy vs latency and of EDP vs array size, and energy breakdowns) and
/// `report.html`. The breakdown plots are made for each of timesteps, share_factor,
/// tick_batch and tech that takes more than one value.
pub fn finish(dir: &Path, name: &str, results: &[PointResult]) -> Result<(), SweepError> {
    store::write_atomic(&dir.join(store::RESULTS), store::jsonl(results).as_bytes())?;
    store::write_atomic(&dir.join("results.csv"), table::csv(results).as_bytes())?;
    let mut plots = Vec::new();
    for (file, what, x, y) in [
        (
            "pareto-energy-latency.svg",
            "energy vs latency",
            &plot::LATENCY_MS,
            &plot::ENERGY_UJ,
        ),
        (
            "pareto-edp-pes.svg",
            "EDP vs array size",
            &plot::PES,
            &plot::EDP_UJ_MS,
        ),
        (
            "pareto-edp-luts.svg",
            "EDP vs iCE40 LUT4",
            &plot::LUTS,
            &plot::EDP_UJ_MS,
        ),
        (
            "pareto-edp-fmax.svg",
            "EDP vs HX8K clock period",
            &plot::PERIOD_NS,
            &plot::EDP_UJ_MS,
        ),
        (
            "pareto-error-energy.svg",
            "error rate vs measured energy",
            &plot::MEASURED_ENERGY_UJ,
            &plot::ERROR_RATE,
        ),
    ] {
        if !results.iter().any(|r| (x.value)(r).is_some()) {
            continue; // no synthesis, or no dataset, in this sweep
        }
        let svg = plot::pareto_svg(results, &format!("{name}: {what}"), x, y)
            .map_err(|m| SweepError::output(dir, m))?;
        store::write_atomic(&dir.join(file), svg.as_bytes())?;
        plots.push((format!("{what}, Pareto front in red"), svg));
    }
    for key in ["timesteps", "share_factor", "tick_batch", "tech"] {
        let values: std::collections::BTreeSet<String> = results
            .iter()
            .filter(|r| r.figures().is_some())
            .map(|r| table::param(r, key))
            .collect();
        if values.len() < 2 {
            continue;
        }
        let svg = plot::breakdown_svg(results, key).map_err(|m| SweepError::output(dir, m))?;
        store::write_atomic(&dir.join(format!("breakdown-{key}.svg")), svg.as_bytes())?;
        plots.push((format!("Energy breakdown vs {key}"), svg));
    }
    let page = html::report(name, &plots, results);
    store::write_atomic(&dir.join("report.html"), page.as_bytes())
}
