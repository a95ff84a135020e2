//! The energy model (DESIGN.md §6): energy = Σ count × energy per event, from a table whose
//! every entry names its source; memory technology per global buffer; latency from the cycle
//! model; EDP; breakdown per component and per stage.
//!
//! # Events and their energies (pJ)
//!
//! Table figures are SATA_Sim's per-16-bit-operation energies, scaled by `bits / 16`:
//!
//! | event | energy |
//! |---|---|
//! | external memory, per bit moved | `dram / 16` |
//! | global-buffer read (write) of a b-bit word | `sram · b/16 · read (write) factor of the buffer's technology` |
//! | weight-scratchpad access of a `weight_bits` word | `spad · weight_bits/16` |
//! | column-accumulator access of a `psum_bits` word | `register · psum_bits/16` |
//! | performed accumulate | `acc · psum_bits/16` |
//! | gated accumulate | `and · weight_bits/16` (the weight is masked, the adder is not clocked) |
//! | LIF step | `(add + comparator + 2·mux2 + 3·register + shift) · membrane_bits/16` |
//! | classifier update | `(add + register) · logit_bits/16` |
//! | entropy evaluation (K classes, 32-bit datapath: factor 2) | `2 · (K · (comparator + 2·mul + 2·add + 2·register) + 20·add + mul + comparator)` |
//! | leakage | `Σ_buffers size_bits · sram_leakage · leakage factor · latency` |
//!
//! Leakage uses `sram_leakage_pw_per_bit` (pW per bit), an assumption stated in the table.

use crate::counts::{Access, Counts, StageCounts};
use serde::Serialize;
use spikeforge_config::{AcceleratorConfig, BufferKind, MemoryTech, Network};

/// One energy figure and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyEntry {
    /// Energy (pJ) of one operation of `bits` bits.
    pub pj: f64,
    /// Operation width the figure refers to (bits).
    pub bits: u32,
    /// Source of the figure.
    pub source: String,
}

impl EnergyEntry {
    fn sata(pj: f64, what: &str) -> Self {
        EnergyEntry {
            pj,
            bits: 16,
            source: format!("SATA_Sim per-16-bit {what} energy, as listed in DESIGN.md §6 (pJ)"),
        }
    }
    /// Energy (pJ) of one operation `width` bits wide.
    pub fn at(&self, width: u64) -> f64 {
        self.pj * width as f64 / self.bits as f64
    }
}

/// Per-access factors of a memory technology relative to SRAM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TechFactors {
    /// Read energy relative to SRAM.
    pub read: f64,
    /// Write energy relative to SRAM.
    pub write: f64,
    /// Leakage relative to SRAM.
    pub leakage: f64,
    /// Area relative to SRAM at iso-capacity (reported, not used in energy).
    pub area: f64,
    /// Source of the factors.
    pub source: String,
}

/// The complete energy table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyTable {
    /// External memory (DRAM) access.
    pub dram: EnergyEntry,
    /// Global-buffer (SRAM) access.
    pub sram: EnergyEntry,
    /// PE scratchpad access.
    pub spad: EnergyEntry,
    /// Accumulate.
    pub acc: EnergyEntry,
    /// Adder.
    pub add: EnergyEntry,
    /// AND gate.
    pub and: EnergyEntry,
    /// Comparator.
    pub comparator: EnergyEntry,
    /// 2:1 multiplexer.
    pub mux2: EnergyEntry,
    /// Register.
    pub register: EnergyEntry,
    /// Shifter.
    pub shift: EnergyEntry,
    /// Multiplier.
    pub mul: EnergyEntry,
    /// SRAM leakage power per bit (pW).
    pub sram_leakage_pw_per_bit: f64,
    /// Source of the leakage figure.
    pub sram_leakage_source: String,
    /// STT-MRAM factors.
    pub stt_mram: TechFactors,
    /// SOT-MRAM factors.
    pub sot_mram: TechFactors,
}

impl Default for EnergyTable {
    /// SATA_Sim figures (DESIGN.md §6) and the documented MRAM factors.
    fn default() -> Self {
        EnergyTable {
            dram: EnergyEntry::sata(55.58, "DRAM access"),
            sram: EnergyEntry::sata(1.95, "SRAM (global buffer) access"),
            spad: EnergyEntry::sata(0.2779, "scratchpad access"),
            acc: EnergyEntry::sata(0.0389, "accumulate"),
            add: EnergyEntry::sata(0.00967, "add"),
            and: EnergyEntry::sata(0.000794, "AND"),
            comparator: EnergyEntry::sata(0.00309, "comparator"),
            mux2: EnergyEntry::sata(0.00172, "2:1 mux"),
            register: EnergyEntry::sata(0.0301, "register"),
            shift: EnergyEntry::sata(0.00605, "shift"),
            mul: EnergyEntry::sata(0.239, "multiply"),
            sram_leakage_pw_per_bit: 50.0,
            sram_leakage_source: "spikeforge assumption (order of magnitude of a low-leakage 45 nm SRAM \
                cell; not from the seeds): 50 pW per bit"
                .into(),
            stt_mram: TechFactors {
                read: 0.8,
                write: 3.0,
                leakage: 0.05,
                area: 1.0 / 2.4,
                source: "area: DeepNVM++ (seed 001), 2.4x smaller than SRAM at iso-capacity; read/write/leakage: \
                    spikeforge assumptions following DeepNVM++'s qualitative finding that MRAM reads are cheap, \
                    writes expensive and leakage near zero (no per-access figures in the seed)"
                    .into(),
            },
            sot_mram: TechFactors {
                read: 0.7,
                write: 1.5,
                leakage: 0.05,
                area: 1.0 / 2.8,
                source: "area: DeepNVM++ (seed 001), 2.8x smaller than SRAM at iso-capacity; read/write/leakage: \
                    spikeforge assumptions (SOT separates the write path, so writes are cheaper than STT's), \
                    following DeepNVM++'s qualitative findings"
                    .into(),
            },
        }
    }
}

impl EnergyTable {
    /// Factors of a technology (SRAM = 1).
    pub fn factors(&self, tech: MemoryTech) -> TechFactors {
        match tech {
            MemoryTech::Sram => TechFactors {
                read: 1.0,
                write: 1.0,
                leakage: 1.0,
                area: 1.0,
                source: "reference".into(),
            },
            MemoryTech::SttMram => self.stt_mram.clone(),
            MemoryTech::SotMram => self.sot_mram.clone(),
        }
    }

    /// Energy of one LIF step of a `membrane_bits`-wide datapath (pJ).
    pub fn lif_step(&self, membrane_bits: u64) -> f64 {
        (self.add.pj
            + self.comparator.pj
            + 2.0 * self.mux2.pj
            + 3.0 * self.register.pj
            + self.shift.pj)
            * membrane_bits as f64
            / 16.0
    }

    /// Energy of one entropy evaluation over `classes` classes (pJ).
    pub fn entropy_evaluation(&self, classes: u64) -> f64 {
        2.0 * (classes as f64
            * (self.comparator.pj + 2.0 * self.mul.pj + 2.0 * self.add.pj + 2.0 * self.register.pj)
            + 20.0 * self.add.pj
            + self.mul.pj
            + self.comparator.pj)
    }
}

/// Energy of one component (pJ).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// Component name.
    pub name: String,
    /// Energy (pJ).
    pub pj: f64,
}

/// Energy of one stage, per component (pJ).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageEnergy {
    /// Stage name.
    pub name: String,
    /// Total (pJ).
    pub pj: f64,
    /// Per component (pJ).
    pub components: Vec<Component>,
}

/// Energy, latency and EDP of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyReport {
    /// Total energy (pJ).
    pub total_pj: f64,
    /// Memory-movement energy: external memory, global buffers and scratchpads (pJ).
    pub memory_pj: f64,
    /// LIF energy: LIF datapath steps plus membrane-buffer accesses (pJ).
    pub lif_pj: f64,
    /// Latency (cycles).
    pub latency_cycles: u64,
    /// Latency (seconds) at `clock_mhz`.
    pub latency_s: f64,
    /// Energy-delay product (pJ·s).
    pub edp_pj_s: f64,
    /// Per component over the whole run (pJ).
    pub components: Vec<Component>,
    /// Per stage (pJ); entropy and leakage are not attributed to stages.
    pub stages: Vec<StageEnergy>,
}

fn buffer_pj(a: &Access, tech: MemoryTech, t: &EnergyTable) -> f64 {
    let f = t.factors(tech);
    t.sram.at(a.read_bits) * f.read + t.sram.at(a.write_bits) * f.write
}

fn stage_components(
    s: &StageCounts,
    hidden: Option<usize>,
    net: &Network,
    accel: &AcceleratorConfig,
    t: &EnergyTable,
) -> Vec<Component> {
    let b = &accel.buffers;
    let wb = match hidden {
        Some(i) => net.layers[i].weight_bits,
        None => net.classifier.weight_bits,
    } as u64;
    let c = |name: &str, pj: f64| Component {
        name: name.into(),
        pj,
    };
    let lif = match hidden {
        Some(i) => s.lif_steps as f64 * t.lif_step(net.layers[i].membrane_bits as u64),
        None => 0.0,
    };
    let cls =
        s.classifier_updates as f64 * (t.add.pj + t.register.pj) * net.logit_bits() as f64 / 16.0;
    vec![
        c("dram", t.dram.at(s.ext_read_bits + s.ext_write_bits)),
        c(
            "weight_buffer",
            buffer_pj(&s.weight_buffer, b.weight.tech, t),
        ),
        c(
            "input_spike_buffer",
            buffer_pj(&s.input_spike_buffer, b.input_spike.tech, t),
        ),
        c(
            "output_spike_buffer",
            buffer_pj(&s.output_spike_buffer, b.output_spike.tech, t),
        ),
        c("psum_buffer", buffer_pj(&s.psum_buffer, b.psum.tech, t)),
        c(
            "membrane_buffer",
            buffer_pj(&s.membrane_buffer, b.membrane.tech, t),
        ),
        c(
            "weight_spad",
            t.spad.at((s.weight_spad.reads + s.weight_spad.writes) * wb),
        ),
        c(
            "column_accumulator",
            t.register
                .at(s.psum_spad.read_bits + s.psum_spad.write_bits),
        ),
        c(
            "accumulate",
            s.performed_acc as f64 * t.acc.at(accel.psum_bits as u64),
        ),
        c("gating", s.gated_acc as f64 * t.and.at(wb)),
        c("lif", lif),
        c("classifier", cls),
    ]
}

/// Names of the components counted as memory movement.
pub const MEMORY_COMPONENTS: [&str; 7] = [
    "dram",
    "weight_buffer",
    "input_spike_buffer",
    "output_spike_buffer",
    "psum_buffer",
    "membrane_buffer",
    "weight_spad",
];

/// Evaluates the energy of `counts`.
pub fn evaluate(
    counts: &Counts,
    net: &Network,
    accel: &AcceleratorConfig,
    t: &EnergyTable,
) -> EnergyReport {
    let hidden = net.layers.len();
    let stages: Vec<StageEnergy> = counts
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let comps = stage_components(s, (i < hidden).then_some(i), net, accel, t);
            StageEnergy {
                name: s.name.clone(),
                pj: comps.iter().map(|c| c.pj).sum(),
                components: comps,
            }
        })
        .collect();
    let mut components: Vec<Component> = stages
        .first()
        .map(|s| {
            s.components
                .iter()
                .map(|c| Component {
                    name: c.name.clone(),
                    pj: 0.0,
                })
                .collect()
        })
        .unwrap_or_default();
    for s in &stages {
        for (acc, c) in components.iter_mut().zip(&s.components) {
            acc.pj += c.pj;
        }
    }
    let latency_cycles = counts.cycles;
    let latency_s = latency_cycles as f64 / (accel.clock_mhz * 1e6);
    components.push(Component {
        name: "entropy".into(),
        pj: counts.entropy_evaluations as f64 * t.entropy_evaluation(net.classifier.classes as u64),
    });
    let leak: f64 = BufferKind::ALL
        .iter()
        .map(|&k| {
            let b = accel.buffers.get(k);
            b.size_bits as f64 * t.sram_leakage_pw_per_bit * t.factors(b.tech).leakage * latency_s
        })
        .sum();
    components.push(Component {
        name: "leakage".into(),
        pj: leak,
    });
    let total_pj: f64 = components.iter().map(|c| c.pj).sum();
    let get = |n: &str| {
        components
            .iter()
            .find(|c| c.name == n)
            .map(|c| c.pj)
            .unwrap_or(0.0)
    };
    let memory_pj = MEMORY_COMPONENTS.iter().map(|n| get(n)).sum();
    let lif_pj = get("lif") + get("membrane_buffer");
    EnergyReport {
        total_pj,
        memory_pj,
        lif_pj,
        latency_cycles,
        latency_s,
        edp_pj_s: total_pj * latency_s,
        components,
        stages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts;
    use spikeforge_config::{Classifier, InputShape, Layer, LayerKind, Network};

    fn net() -> Network {
        Network {
            name: String::new(),
            timesteps: 4,
            entropy_threshold: 0.0,
            input: InputShape {
                channels: 2,
                height: 8,
                width: 8,
            },
            weight_seed: Some(3),
            layers: vec![Layer {
                name: String::new(),
                kind: LayerKind::Conv2d,
                in_channels: None,
                out_channels: 8,
                kernel: Some(3),
                stride: Some(1),
                padding: Some(1),
                pool: None,
                weight_bits: 4,
                threshold: 5,
                leak: Default::default(),
                reset: Default::default(),
                fire_compare: Default::default(),
                membrane_bits: 12,
                share_factor: 2,
                weights: None,
            }],
            classifier: Classifier {
                in_features: None,
                classes: 10,
                weight_bits: 4,
                logit_frac_bits: 0,
                logit_bits: None,
                weights: None,
            },
        }
    }

    #[test]
    fn every_entry_names_its_source() {
        let t = EnergyTable::default();
        let json = serde_json::to_value(&t).unwrap();
        let mut n = 0;
        for (_, v) in json.as_object().unwrap() {
            if let Some(src) = v.get("source") {
                assert!(src.as_str().unwrap().len() > 10);
                n += 1;
            }
        }
        assert_eq!(n, 13);
        assert!(!t.sram_leakage_source.is_empty());
    }

    #[test]
    fn energy_is_the_sum_of_counts_times_table() {
        let net = net();
        let a = AcceleratorConfig::default();
        let c = counts::count(&net, &a, &[1000, 50], 4);
        let t = EnergyTable::default();
        let e = evaluate(&c, &net, &a, &t);
        let sum: f64 = e.components.iter().map(|c| c.pj).sum();
        assert!((sum - e.total_pj).abs() < 1e-6 * e.total_pj);
        let stage_sum: f64 = e.stages.iter().map(|s| s.pj).sum();
        let non_stage: f64 = e
            .components
            .iter()
            .filter(|c| c.name == "entropy" || c.name == "leakage")
            .map(|c| c.pj)
            .sum();
        assert!((stage_sum + non_stage - e.total_pj).abs() < 1e-6 * e.total_pj);
        let acc = e
            .components
            .iter()
            .find(|c| c.name == "accumulate")
            .unwrap()
            .pj;
        assert!((acc - 1050.0 * 0.0389 * 24.0 / 16.0).abs() < 1e-9);
        let dram = e.components.iter().find(|c| c.name == "dram").unwrap().pj;
        let bits = c.total.ext_read_bits + c.total.ext_write_bits;
        assert!((dram - bits as f64 * 55.58 / 16.0).abs() < 1e-6);
        assert!((e.edp_pj_s - e.total_pj * e.latency_s).abs() < 1e-12);
    }

    #[test]
    fn mram_buffers_trade_write_energy_for_leakage() {
        let net = net();
        let sram = AcceleratorConfig::default();
        let mut sot = sram.clone();
        sot.buffers.membrane.tech = MemoryTech::SotMram;
        sot.buffers.weight.tech = MemoryTech::SotMram;
        let c = counts::count(&net, &sram, &[1000, 50], 4);
        let t = EnergyTable::default();
        let a = evaluate(&c, &net, &sram, &t);
        let b = evaluate(&c, &net, &sot, &t);
        let get = |e: &EnergyReport, n: &str| e.components.iter().find(|c| c.name == n).unwrap().pj;
        assert!(get(&b, "leakage") < get(&a, "leakage"));
        // Membrane traffic is read = write: 0.7 + 1.5 > 2 → more dynamic energy on SOT.
        assert!(get(&b, "membrane_buffer") > get(&a, "membrane_buffer"));
        // Weight buffer: writes N·M at 1.5, reads N·M at 0.7 → 1.1× SRAM.
        assert!((get(&b, "weight_buffer") / get(&a, "weight_buffer") - 1.1).abs() < 1e-9);
    }
}
