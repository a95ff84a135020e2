//! The accelerator configuration: array shape, scratchpads, global buffers and their memory
//! technology, schedule. Read by the golden model (counts, energy) and by the generators.

use crate::error::{short_float, Ctx, Result};
use crate::load::{self, Format};
use crate::network::Network;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Longest design name (characters).
pub const MAX_NAME_CHARS: usize = 64;
/// Largest `rows` and `cols` (PEs): the largest array spikeforge generates (a 64×64 array
/// lints in about 40 s; the RTL's widths would allow up to 255 rows).
pub const MAX_ARRAY_DIM: u32 = 64;
/// Largest `weight_spad_depth` (entries per PE).
pub const MAX_WEIGHT_SPAD_DEPTH: u32 = 1024;
/// Accepted `psum_bits` (bits); also at least the weight width.
pub const PSUM_BITS: std::ops::RangeInclusive<u32> = 4..=48;
/// Largest `pipeline_regs` (registers).
pub const MAX_PIPELINE_REGS: u32 = 64;
/// Accepted `clock_mhz` (MHz, inclusive): 1 kHz to 100 GHz, so that latencies and EDPs stay
/// finite numbers.
pub const CLOCK_MHZ: (f64, f64) = (1e-3, 1e5);
/// Largest global buffer (bits): 2^30 = 1 Gib (128 MiB).
pub const MAX_BUFFER_BITS: u64 = 1 << 30;
/// Deepest global buffer (words): Verilator refuses memories of more than 2^28 entries
/// ("vector of over 1 billion bits").
pub const MAX_BUFFER_WORDS: u64 = 1 << 28;

/// Largest accepted `size_bits` of a global buffer with `cols` array columns (bits):
/// [`MAX_BUFFER_BITS`], and at most [`MAX_BUFFER_WORDS`] words of the narrowest buffer word,
/// a spike word of `cols` bits (the other words are wider).
pub fn max_buffer_bits(cols: u32) -> u64 {
    MAX_BUFFER_BITS.min(MAX_BUFFER_WORDS * u64::from(cols.max(1)))
}

/// Memory technology of a global buffer (DESIGN.md §6, DeepNVM++).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryTech {
    /// 6T SRAM (default).
    #[default]
    Sram,
    /// Spin-transfer-torque MRAM.
    SttMram,
    /// Spin-orbit-torque MRAM.
    SotMram,
}

impl MemoryTech {
    /// The name used in files and reports.
    pub fn name(&self) -> &'static str {
        match self {
            MemoryTech::Sram => "sram",
            MemoryTech::SttMram => "stt_mram",
            MemoryTech::SotMram => "sot_mram",
        }
    }
}

/// One on-chip global buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buffer {
    /// Capacity in **bits**: 1..=[`max_buffer_bits`]`(cols)` (2^30, and 2^28 words).
    pub size_bits: u64,
    /// Memory technology (default `sram`).
    #[serde(default)]
    pub tech: MemoryTech,
}

/// The five global buffers between external memory and the PE array (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Buffers {
    /// Weights of the layer being computed (`weight_bits` per weight).
    pub weight: Buffer,
    /// Input spikes of the layer being computed, for every timestep of the window (1 bit each).
    pub input_spike: Buffer,
    /// Output spikes of the layer being computed, for every timestep of the window (1 bit each).
    pub output_spike: Buffer,
    /// Partial sums of the layer being computed, per timestep of the window (`psum_bits` each).
    pub psum: Buffer,
    /// Membrane states of every hidden layer, carried across windows (`membrane_bits` each).
    pub membrane: Buffer,
}

/// Which buffer, by name (for reports and counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum BufferKind {
    /// [`Buffers::weight`].
    Weight,
    /// [`Buffers::input_spike`].
    InputSpike,
    /// [`Buffers::output_spike`].
    OutputSpike,
    /// [`Buffers::psum`].
    Psum,
    /// [`Buffers::membrane`].
    Membrane,
}

impl BufferKind {
    /// All buffers, in report order.
    pub const ALL: [BufferKind; 5] = [
        BufferKind::Weight,
        BufferKind::InputSpike,
        BufferKind::OutputSpike,
        BufferKind::Psum,
        BufferKind::Membrane,
    ];

    /// The configuration key of this buffer (`buffers.<name>`).
    pub fn name(&self) -> &'static str {
        match self {
            BufferKind::Weight => "weight",
            BufferKind::InputSpike => "input_spike",
            BufferKind::OutputSpike => "output_spike",
            BufferKind::Psum => "psum",
            BufferKind::Membrane => "membrane",
        }
    }
}

impl Buffers {
    /// The buffer of a kind.
    pub fn get(&self, kind: BufferKind) -> &Buffer {
        match kind {
            BufferKind::Weight => &self.weight,
            BufferKind::InputSpike => &self.input_spike,
            BufferKind::OutputSpike => &self.output_spike,
            BufferKind::Psum => &self.psum,
            BufferKind::Membrane => &self.membrane,
        }
    }

    /// The buffer of a kind, to change.
    pub fn get_mut(&mut self, kind: BufferKind) -> &mut Buffer {
        match kind {
            BufferKind::Weight => &mut self.weight,
            BufferKind::InputSpike => &mut self.input_spike,
            BufferKind::OutputSpike => &mut self.output_spike,
            BufferKind::Psum => &mut self.psum,
            BufferKind::Membrane => &mut self.membrane,
        }
    }
}

/// The dataflow schedule (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Window length B in timesteps, 1 ≤ B ≤ T: B = T is pure tick-batch, B = 1 the
    /// timestep-outer baseline.
    pub tick_batch: u32,
}

/// The options the accelerator RTL fixes at generation time (docs/accelerator.md §1): every
/// hidden layer of a network run on it must use them (θ stays per layer, at run time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareLif {
    /// Weight width of every layer (bits: 2, 4, 8 or 16).
    pub weight_bits: u32,
    /// Membrane width (bits, 2..=24).
    pub membrane_bits: u32,
    /// Membrane leak.
    #[serde(default)]
    pub leak: crate::Leak,
    /// Reset after a spike.
    #[serde(default)]
    pub reset: crate::Reset,
    /// Fire comparison.
    #[serde(default)]
    pub fire_compare: crate::FireCompare,
    /// C#n: channel groups sharing one membrane state (1, 2, 4, 8).
    #[serde(default = "one")]
    pub share_factor: u32,
}

fn one() -> u32 {
    1
}

impl Default for HardwareLif {
    /// 4-bit weights, 8-bit membranes, `shift(2)` leak, hard reset, `ge`, no sharing.
    fn default() -> Self {
        HardwareLif {
            weight_bits: 4,
            membrane_bits: 8,
            leak: crate::Leak::Shift(2),
            reset: crate::Reset::Hard,
            fire_compare: crate::FireCompare::Ge,
            share_factor: 1,
        }
    }
}

fn default_name() -> String {
    "spikeforge".into()
}

/// A complete accelerator configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceleratorConfig {
    /// Design name (Verilog top-level prefix, `rtl_out/<name>/`); `[A-Za-z_][A-Za-z0-9_]*`.
    #[serde(default = "default_name")]
    pub name: String,
    /// PE rows: the reduction dimension (C·R·S) is mapped along rows; 1..=64.
    pub rows: u32,
    /// PE columns: output channels are mapped along columns; also the number of LIF
    /// datapaths (one per column lane) and the width of a spike-buffer word (bits); 1..=64.
    pub cols: u32,
    /// Depth of each PE's weight scratchpad (entries of `weight_bits`): the PE holds the
    /// weights of that many row tiles at once (half of them with `double_buffer`, the other
    /// half receiving the next group); 1..=1024, ≥ 2 with `double_buffer`.
    pub weight_spad_depth: u32,
    /// Width of partial sums in the array and the psum buffer (bits); every layer needs
    /// `weight_bits + ceil(log2(fan_in))` ≤ `psum_bits`; 4..=48 and at least the hardware
    /// weight width.
    pub psum_bits: u32,
    /// Number of LIF datapaths, each serving `share_factor` channels in turn (RTL v1 has one
    /// per array column: `lif_units = cols`, which `validate` requires).
    pub lif_units: u32,
    /// Pipeline registers between PE tiles (adds that many cycles of array latency); 0..=64.
    #[serde(default)]
    pub pipeline_regs: u32,
    /// Load the next weight tile into the scratchpads while the current one computes.
    #[serde(default)]
    pub double_buffer: bool,
    /// Clock frequency (MHz) used to turn cycles into seconds; 0.001..=100000.
    pub clock_mhz: f64,
    /// Global buffers.
    pub buffers: Buffers,
    /// Schedule.
    pub schedule: Schedule,
    /// The LIF options the RTL is generated for (`spikeforge generate`); when absent, the
    /// generators use [`HardwareLif::default`] and co-simulation takes them from the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lif: Option<HardwareLif>,
    /// The capacities the RTL is generated for (`[rtl]`; defaults when absent). Smaller values
    /// give a smaller design; a network that needs more is refused by `spikeforge cosim`.
    #[serde(default, skip_serializing_if = "RtlLimits::is_default")]
    pub rtl: RtlLimits,
}

/// The capacities of the generated RTL that do not follow from the array and the buffers
/// (`[rtl]` in a configuration): how many stage descriptors, classes, logit bits and counter
/// bits the hardware holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RtlLimits {
    /// Stage descriptors held (hidden layers + classifier), 1..=16 (the register map has room
    /// for 16; VGG16 has 16 stages). Default 8.
    pub max_stages: u32,
    /// Classes the classifier and entropy unit hold, 2..=16. Default 16.
    pub max_classes: u32,
    /// Width of the logit registers (bits, signed), 8..=24. Default 24.
    pub logit_bits: u32,
    /// Width of each performance counter (bits), 32..=64; a counter wraps past 2^bits − 1.
    /// Default 64.
    pub counter_bits: u32,
    /// Which DT-SNN entropy unit is built (`"parallel"`, `"serial"` or `"serial_pipelined"`).
    /// Default parallel.
    pub entropy_unit: EntropyUnitKind,
    /// Whether the performance counters (docs/accelerator.md §9) are built. Default true.
    /// Without them the design is smaller (on the built-in board configuration, 1,139 iCE40
    /// logic cells of 6,307) and every counter register reads 0; co-simulation, which checks
    /// the counters against the golden model, needs them.
    pub counters: bool,
    /// Whether each block-RAM read that feeds logic is registered before it, and the psum
    /// write before its RAM (docs/accelerator.md §1): the im2col tap-table word and spike
    /// fetch and the psum write (three more drain cycles per (column tile, group) pair, §5),
    /// the LIF phase's psum and membrane reads, registered at the RAMs and again before the
    /// datapaths, and its output spike write (three more cycles per LIF phase, §6), the
    /// classify phase's psum word (one more cycle per classified timestep, §7), the trace's
    /// reads and the descriptor word (uncounted cycles) and the psum read-modify-write (issued
    /// a cycle earlier; no cycle changes). For FPGA clocks: an ECP5 block RAM's output settles
    /// late in the cycle. Default false.
    pub ram_output_regs: bool,
}

/// The two entropy units (docs/entropy-unit.md): the same bit-exact algorithm, traded between
/// latency and area. The golden cycle model follows the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntropyUnitKind {
    /// Two array multipliers; one class per cycle: `2·K + 23` cycles per evaluation.
    #[default]
    Parallel,
    /// One serial shift-and-add multiplier (about 1,500 iCE40 LUT4 less):
    /// `32·K + 41` cycles per evaluation.
    Serial,
    /// The serial unit with a register between each logit's distance and its scaling, so the
    /// logit path is no longer its critical path: `33·K + 41` cycles per evaluation.
    #[serde(rename = "serial_pipelined")]
    SerialPipelined,
}

impl Default for RtlLimits {
    /// 8 stages, 16 classes, 24-bit logits, 64-bit counters, the parallel entropy unit, the
    /// counters built, block-RAM reads unregistered.
    fn default() -> Self {
        RtlLimits {
            max_stages: 8,
            max_classes: 16,
            logit_bits: 24,
            counter_bits: 64,
            entropy_unit: EntropyUnitKind::Parallel,
            counters: true,
            ram_output_regs: false,
        }
    }
}

impl RtlLimits {
    /// True for [`RtlLimits::default`] (then it is not written out).
    pub fn is_default(&self) -> bool {
        *self == RtlLimits::default()
    }
}

impl Default for AcceleratorConfig {
    /// A SATA-like 8×16 weight-stationary array: 64-entry weight scratchpads (double
    /// buffered), 24-bit partial sums, 16 LIF datapaths, 500 MHz, SRAM buffers of 16 Mib (weights),
    /// 1 Mib (input and output spikes), 8 Mib (partial sums), 4 Mib (membranes); tick-batch
    /// window B = 4.
    fn default() -> Self {
        let sram = |size_bits| Buffer {
            size_bits,
            tech: MemoryTech::Sram,
        };
        AcceleratorConfig {
            name: default_name(),
            rows: 8,
            cols: 16,
            weight_spad_depth: 64,
            psum_bits: 24,
            lif_units: 16,
            pipeline_regs: 0,
            double_buffer: true,
            clock_mhz: 500.0,
            buffers: Buffers {
                weight: sram(1 << 24),
                input_spike: sram(1 << 20),
                output_spike: sram(1 << 20),
                psum: sram(1 << 23),
                membrane: sram(1 << 22),
            },
            schedule: Schedule { tick_batch: 4 },
            lif: None,
            rtl: RtlLimits::default(),
        }
    }
}

impl AcceleratorConfig {
    /// Reads, parses and validates an accelerator configuration (`.toml` or `.json`).
    pub fn load(path: impl AsRef<Path>) -> Result<AcceleratorConfig> {
        let (text, format, file) = load::read(path.as_ref())?;
        AcceleratorConfig::parse(&text, format, &file)
    }

    /// Parses and validates a configuration from text; `file` names it in errors.
    pub fn parse(text: &str, format: Format, file: &str) -> Result<AcceleratorConfig> {
        let cfg: AcceleratorConfig = load::parse(text, format, file)?;
        cfg.validate(file)?;
        Ok(cfg)
    }

    /// Checks the configuration on its own: every field within the range of
    /// `docs/formats.md` ("Accelerator configuration"), which is the range the generators
    /// build (the Verilog lints clean in `verilator --lint-only -Wall`,
    /// `tests/accel_config_range.rs`). The error names the field, its value and the range.
    pub fn validate(&self, file: &str) -> Result<()> {
        let cx = Ctx { file };
        let ok_name =
            !self.name.is_empty()
                && self.name.len() <= MAX_NAME_CHARS
                && self.name.chars().enumerate().all(|(i, c)| {
                    c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())
                });
        if !ok_name {
            return Err(cx.err(
                "name",
                format!("{:?}", self.name),
                format!("must match [A-Za-z_][A-Za-z0-9_]* (at most {MAX_NAME_CHARS} characters)"),
            ));
        }
        for (f, v) in [("rows", self.rows), ("cols", self.cols)] {
            if !(1..=MAX_ARRAY_DIM).contains(&v) {
                return Err(cx.err(
                    f,
                    v,
                    format!(
                        "must be in 1..={MAX_ARRAY_DIM} (the largest array spikeforge generates)"
                    ),
                ));
            }
        }
        if self.lif_units != self.cols {
            return Err(cx.err(
                "lif_units",
                self.lif_units,
                format!(
                    "must equal cols = {}: the accelerator has one LIF datapath per array column",
                    self.cols
                ),
            ));
        }
        if !(1..=MAX_WEIGHT_SPAD_DEPTH).contains(&self.weight_spad_depth) {
            return Err(cx.err(
                "weight_spad_depth",
                self.weight_spad_depth,
                format!("must be in 1..={MAX_WEIGHT_SPAD_DEPTH}"),
            ));
        }
        if self.double_buffer && self.weight_spad_depth < 2 {
            return Err(cx.err(
                "weight_spad_depth",
                self.weight_spad_depth,
                "double_buffer needs at least 2 scratchpad entries",
            ));
        }
        if !PSUM_BITS.contains(&self.psum_bits) {
            return Err(cx.err(
                "psum_bits",
                self.psum_bits,
                format!("must be in {}..={}", PSUM_BITS.start(), PSUM_BITS.end()),
            ));
        }
        if self.pipeline_regs > MAX_PIPELINE_REGS {
            return Err(cx.err(
                "pipeline_regs",
                self.pipeline_regs,
                format!("must be in 0..={MAX_PIPELINE_REGS}"),
            ));
        }
        let (lo, hi) = CLOCK_MHZ;
        if !(self.clock_mhz.is_finite() && self.clock_mhz >= lo && self.clock_mhz <= hi) {
            return Err(cx.err(
                "clock_mhz",
                short_float(self.clock_mhz),
                format!("must be a frequency in MHz from {lo} (1 kHz) to {hi} (100 GHz)"),
            ));
        }
        let max_bits = max_buffer_bits(self.cols);
        for kind in BufferKind::ALL {
            let b = self.buffers.get(kind);
            if b.size_bits == 0 || b.size_bits > max_bits {
                return Err(cx.err(
                    format!("buffers.{}.size_bits", kind.name()),
                    b.size_bits,
                    format!(
                        "must be in 1..={max_bits} bits: at most 2^30 bits, and at most \
                         2^28 words of at least cols = {} bits (the deepest memory Verilator \
                         accepts)",
                        self.cols
                    ),
                ));
            }
        }
        if let Some(l) = &self.lif {
            if ![2, 4, 8, 16].contains(&l.weight_bits) {
                return Err(cx.err("lif.weight_bits", l.weight_bits, "must be 2, 4, 8 or 16"));
            }
            if !(2..=24).contains(&l.membrane_bits) {
                return Err(cx.err("lif.membrane_bits", l.membrane_bits, "must be in 2..=24"));
            }
            if ![1, 2, 4, 8].contains(&l.share_factor) {
                return Err(cx.err("lif.share_factor", l.share_factor, "must be 1, 2, 4 or 8"));
            }
            match l.leak {
                crate::Leak::Shift(k) if k == 0 || k >= l.membrane_bits => {
                    return Err(cx.err(
                        "lif.leak",
                        l.leak,
                        format!("shift(k) needs 1 ≤ k < membrane_bits = {}", l.membrane_bits),
                    ));
                }
                crate::Leak::Subtract(d) if d < 1 || d > (1i64 << (l.membrane_bits - 1)) - 1 => {
                    return Err(cx.err(
                        "lif.leak",
                        l.leak,
                        format!(
                            "subtract(d) needs 1 ≤ d ≤ {} (the largest {}-bit membrane value)",
                            (1i64 << (l.membrane_bits - 1)) - 1,
                            l.membrane_bits
                        ),
                    ));
                }
                _ => {}
            }
        }
        let weight_bits = self.lif.unwrap_or_default().weight_bits;
        if self.psum_bits < weight_bits {
            return Err(cx.err(
                "psum_bits",
                self.psum_bits,
                format!(
                    "must be at least the weight width lif.weight_bits = {weight_bits} (a \
                     partial sum holds at least one weight)"
                ),
            ));
        }
        let r = &self.rtl;
        for (field, value, lo, hi, why) in [
            (
                "rtl.max_stages",
                r.max_stages,
                1,
                crate::catalog::MAX_STAGES as u32,
                "the register map holds 16 stage descriptors",
            ),
            (
                "rtl.max_classes",
                r.max_classes,
                2,
                16,
                "the entropy unit holds up to 16 classes",
            ),
            (
                "rtl.logit_bits",
                r.logit_bits,
                8,
                24,
                "the entropy unit takes logits of 8 to 24 bits",
            ),
            (
                "rtl.counter_bits",
                r.counter_bits,
                32,
                64,
                "counters are read as two 32-bit words",
            ),
        ] {
            if !(lo..=hi).contains(&value) {
                return Err(cx.err(field, value, format!("must be in {lo}..={hi} ({why})")));
            }
        }
        if self.schedule.tick_batch == 0 || self.schedule.tick_batch > crate::network::MAX_TIMESTEPS
        {
            return Err(cx.err(
                "schedule.tick_batch",
                self.schedule.tick_batch,
                format!(
                    "B must be in 1..={} (and at most the network's T)",
                    crate::network::MAX_TIMESTEPS
                ),
            ));
        }
        Ok(())
    }

    /// Checks the rules that involve both the configuration and a network: 1 ≤ B ≤ T and
    /// accumulators wide enough for every layer (DESIGN.md §1). Buffer capacities are checked
    /// by the golden model's schedule, which knows what each window needs.
    pub fn check_network(&self, file: &str, net: &Network) -> Result<()> {
        let cx = Ctx { file };
        if self.schedule.tick_batch > net.timesteps {
            return Err(cx.err(
                "schedule.tick_batch",
                self.schedule.tick_batch,
                format!(
                    "B must be in 1..=T, and the network runs T = {} timesteps",
                    net.timesteps
                ),
            ));
        }
        let shapes = net.shapes();
        for (i, s) in shapes.iter().enumerate() {
            let (wb, lname) = if i < net.layers.len() {
                (net.layers[i].weight_bits, net.layer_name(i))
            } else {
                (net.classifier.weight_bits, "classifier".to_string())
            };
            let need = s.accumulator_bits(wb);
            if need > self.psum_bits {
                return Err(cx.err(
                    "psum_bits",
                    self.psum_bits,
                    format!("{lname} needs {need}-bit partial sums (weight_bits {wb} + ceil(log2(fan_in {}))", s.fan_in()),
                ));
            }
        }
        Ok(())
    }
}
