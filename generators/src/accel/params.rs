//! The accelerator's generation parameters (docs/accelerator.md §1): everything that decides
//! widths, memories and logic. Built from an [`AcceleratorConfig`] plus the hardware LIF
//! options; validated with errors that name the field and the value.

use spikeforge_config::{AcceleratorConfig, EntropyUnitKind, FireCompare, Leak, Reset};

/// Generation parameters of the accelerator.
#[derive(Clone, Debug, PartialEq)]
pub struct AccelParams {
    /// Design name (the top module is `<name>_top`).
    pub name: String,
    /// PE rows (reduction dimension).
    pub rows: u32,
    /// PE columns (output channels); also the number of LIF datapaths and the width of a spike
    /// word.
    pub cols: u32,
    /// Weight scratchpad entries per PE.
    pub weight_spad_depth: u32,
    /// Partial-sum width (bits).
    pub psum_bits: u32,
    /// Extra register stages on the array's vertical psum path.
    pub pipeline_regs: u32,
    /// Load the next row-tile group while the current one streams.
    pub double_buffer: bool,
    /// Weight width of every layer (bits).
    pub weight_bits: u32,
    /// Membrane width (bits, signed, saturating).
    pub membrane_bits: u32,
    /// Membrane leak.
    pub leak: Leak,
    /// Reset after a spike.
    pub reset: Reset,
    /// Fire comparison.
    pub fire_compare: FireCompare,
    /// C#n: channel groups sharing one membrane state.
    pub share_factor: u32,
    /// Largest number of stages (hidden layers + classifier).
    pub max_stages: u32,
    /// Largest number of classes.
    pub max_classes: u32,
    /// Logit register width (bits, signed).
    pub logit_bits: u32,
    /// Width of each performance counter (bits, 32..=64; it wraps past 2^bits − 1).
    pub counter_bits: u32,
    /// Which entropy unit the classifier uses.
    pub entropy_unit: EntropyUnitKind,
    /// Whether the performance counters are built (docs/accelerator.md §9).
    pub counters: bool,
    /// Whether the block-RAM reads that feed logic are registered before it: the spike
    /// fetch's and the LIF phase's (one more cycle each) and the psum read-modify-write's
    /// (issued a cycle earlier instead; docs/accelerator.md §1, §5, §6).
    pub ram_output_regs: bool,
    /// Largest window length B (a power of two).
    pub max_tick_batch: u32,
    /// Weight buffer depth (words of `cols × weight_bits`).
    pub weight_words: u64,
    /// Depth of each spike buffer (words of `cols` bits).
    pub spike_words: u64,
    /// Psum buffer depth (words of `cols × psum_bits`).
    pub psum_words: u64,
    /// Membrane buffer depth (words of `cols × membrane_bits`).
    pub membrane_words: u64,
}

/// Cycles of the array drain after a pair's last column (docs/accelerator.md §5): the fetch
/// (one cycle, four with `ram_output_regs`), the array's latency and, with
/// `ram_output_regs`, the registered psum write.
pub fn drain_cycles(p: &AccelParams) -> u64 {
    u64::from(p.rows + p.cols + p.pipeline_regs + 1 + 4 * u32::from(p.ram_output_regs))
}

/// Extra cycles at the end of a LIF phase: the read and the datapath's register (three more
/// with `ram_output_regs`: the psum and membrane words registered at their RAMs and again
/// before the datapaths, and the output spike write registered).
pub fn lif_pipe(p: &AccelParams) -> u64 {
    2 + 3 * u64::from(p.ram_output_regs)
}
/// Extra cycles of each classify step: the read and the logits' add (one more with
/// `ram_output_regs`, whose psum word is registered).
pub fn cls_pipe(p: &AccelParams) -> u64 {
    2 + u64::from(p.ram_output_regs)
}

impl AccelParams {
    /// Generation parameters from an accelerator configuration and the hardware LIF options.
    /// Buffer depths are the configured sizes divided by the word widths, rounded down to a
    /// power of two.
    ///
    /// `accel` must have passed [`AcceleratorConfig::validate`], whose ranges are the ones
    /// [`accelerator`](super::top::accelerator) builds (`tests/accel_config_range.rs`): at most
    /// 64×64 PEs, buffers of at most 2^28 words (Verilator's deepest memory; a word is at
    /// least `cols` bits), `psum_bits ≥ weight_bits`. The network-dependent limits
    /// (`max_stages`, `max_classes`, `logit_bits`, `psum_bits` for each layer) are checked by
    /// the co-simulation driver (`spikeforge_cosim::Program::compile`) before it generates.
    #[allow(clippy::too_many_arguments)]
    pub fn from_config(
        accel: &AcceleratorConfig,
        weight_bits: u32,
        membrane_bits: u32,
        leak: Leak,
        reset: Reset,
        fire_compare: FireCompare,
        share_factor: u32,
    ) -> AccelParams {
        // Buffers hold a power-of-two number of words (the largest that fits the configured
        // size), as RAM macros and block RAMs do; reads beyond the depth never happen.
        let words = |bits: u64, word: u32| {
            let w = (bits / u64::from(word.max(1))).max(1);
            1u64 << (63 - w.leading_zeros())
        };
        let cols = accel.cols;
        AccelParams {
            name: accel.name.clone(),
            rows: accel.rows,
            cols,
            weight_spad_depth: accel.weight_spad_depth,
            psum_bits: accel.psum_bits,
            pipeline_regs: accel.pipeline_regs,
            double_buffer: accel.double_buffer,
            weight_bits,
            membrane_bits,
            leak,
            reset,
            fire_compare,
            share_factor,
            max_stages: accel.rtl.max_stages,
            max_classes: accel.rtl.max_classes,
            logit_bits: accel.rtl.logit_bits,
            counter_bits: accel.rtl.counter_bits,
            entropy_unit: accel.rtl.entropy_unit,
            ram_output_regs: accel.rtl.ram_output_regs,
            counters: accel.rtl.counters,
            max_tick_batch: accel.schedule.tick_batch.next_power_of_two().max(1),
            weight_words: words(accel.buffers.weight.size_bits, cols * weight_bits),
            spike_words: words(accel.buffers.input_spike.size_bits, cols),
            psum_words: words(accel.buffers.psum.size_bits, cols * accel.psum_bits),
            membrane_words: words(accel.buffers.membrane.size_bits, cols * membrane_bits),
        }
    }

    /// Generation parameters from an accelerator configuration alone: the LIF options come
    /// from its `lif` section, or `HardwareLif::default()` when it has none.
    pub fn from_accel(accel: &AcceleratorConfig) -> AccelParams {
        let l = accel.lif.unwrap_or_default();
        AccelParams::from_config(
            accel,
            l.weight_bits,
            l.membrane_bits,
            l.leak,
            l.reset,
            l.fire_compare,
            l.share_factor,
        )
    }

    /// Words of the LIF phase's pooling row buffer (`cols` bits each): the partial ORs of one
    /// row of pooling windows, `n_ct·F'` words for a stage; `min(512, spike_words / B_max)`
    /// (512 words hold VGG16 at 224×224 on 16 columns: 4 column tiles × 112 windows). The
    /// driver rejects a pooled stage that needs more.
    pub fn pool_row_words(&self) -> u64 {
        (self.spike_words / u64::from(self.max_tick_batch.max(1))).clamp(1, 512)
    }

    /// Width of the kernel-row and kernel-column tap digits `r`, `s` (bits):
    /// `⌈log2 spike_words⌉ + 1`. A linear layer's kernel is its input plane, which fits the
    /// spike buffer, so only a convolution kernel larger than that (the driver rejects it)
    /// would not fit; R and S are at most `2^bits − 1`.
    pub fn kernel_digit_bits(&self) -> u32 {
        super::pe::clog2(self.spike_words.max(2)) + 1
    }

    /// Width of a tap's fan-in index `n` (bits): `⌈log2(weight_words + 1)⌉`. Every tap of a
    /// stage is below `n_rt·rows`, and the weight buffer holds `n_ct·n_rt·rows` words.
    pub fn tap_index_bits(&self) -> u32 {
        super::pe::clog2(self.weight_words + 1)
    }

    /// Width of the hardware's counts and loop indices (bits): `⌈log2(B + 1)⌉ + 1` with
    /// `B = max(weight, spike, psum, membrane words) · cols` (at least `2^kernel_digit_bits`),
    /// at most the registers' 24. Every count field of a stage that fits the buffers is at
    /// most `B` (channels ≤ spike words · cols, output channels ≤ weight words · cols, fan-in
    /// ≤ weight words, positions ≤ psum words, …); the extra bit keeps the sum of two counts
    /// (an index plus its step) exact. The driver rejects a field above [`Self::max_count`].
    pub fn count_bits(&self) -> u32 {
        let words = self
            .weight_words
            .max(self.spike_words)
            .max(self.psum_words)
            .max(self.membrane_words);
        let bound = (words * u64::from(self.cols)).max(1u64 << self.kernel_digit_bits());
        (super::pe::clog2(bound + 1) + 1).min(spikeforge_config::catalog::COUNT_FIELD_BITS)
    }

    /// The largest value a count field may take: `2^(count_bits − 1) − 1` (24-bit registers:
    /// `2^24 − 1`).
    pub fn max_count(&self) -> u64 {
        let b = self.count_bits();
        if b >= spikeforge_config::catalog::COUNT_FIELD_BITS {
            (1u64 << b) - 1
        } else {
            (1u64 << (b - 1)) - 1
        }
    }

    /// Row tiles per group `D` (docs/accelerator.md §5).
    pub fn group_depth(&self) -> u32 {
        if self.double_buffer {
            (self.weight_spad_depth / 2).max(1)
        } else {
            self.weight_spad_depth
        }
    }
}

/// A small accelerator configuration named `name`: a 1×2 array with 4-kbit weight and psum
/// buffers (512 weight and spike words, 128 psum and membrane words), single-buffered 4-entry
/// scratchpads, 16-bit partial sums, B = 2, 4-bit weights and 8-bit membranes, and small
/// control limits (2 stages, 4 classes, 16-bit logits, 32-bit counters, the serial entropy
/// unit). The built-in configuration of the FPGA boards (`spikeforge fpga`), the design the
/// iCE40 place-and-route test places and the host-link test drives over its UART.
pub fn small_config(name: &str) -> AcceleratorConfig {
    let mut c = AcceleratorConfig {
        name: name.into(),
        rows: 1,
        cols: 2,
        lif_units: 2,
        weight_spad_depth: 4,
        psum_bits: 16,
        pipeline_regs: 0,
        double_buffer: false,
        lif: Some(spikeforge_config::HardwareLif {
            weight_bits: 4,
            membrane_bits: 8,
            leak: Leak::Shift(2),
            reset: Reset::Hard,
            fire_compare: FireCompare::Ge,
            share_factor: 1,
        }),
        ..Default::default()
    };
    c.schedule.tick_batch = 2;
    c.rtl.max_stages = 2;
    c.rtl.max_classes = 4;
    c.rtl.logit_bits = 16;
    c.rtl.counter_bits = 32;
    c.rtl.entropy_unit = EntropyUnitKind::Serial;
    c.buffers.weight.size_bits = 4096;
    c.buffers.input_spike.size_bits = 1024;
    c.buffers.output_spike.size_bits = 1024;
    c.buffers.psum.size_bits = 4096;
    c.buffers.membrane.size_bits = 2048;
    c
}

/// The generation parameters of [`small_config`].
pub fn small_params(name: &str) -> AccelParams {
    AccelParams::from_accel(&small_config(name))
}

/// The built-in accelerator of `spikeforge generate` without a configuration: SATA's 8×16
/// weight-stationary array with FPGA-prototype buffer sizes (64 Kib of weights, 16 Kib per
/// spike buffer, 96 Kib of partial sums, 32 Kib of membranes), 8-entry weight scratchpads
/// (double buffered), B = 4, the default hardware LIF options, the area-lean serial entropy
/// unit in its pipelined form (`33·K + 41` cycles per DT-SNN evaluation instead of
/// `2·K + 23`: 328 more cycles per timestep for 10 classes, against ~1,375 iCE40 LUT4 saved;
/// the pipelined form's extra register per class cuts the logit-to-ROM path for FPGA
/// clocks), and registered block-RAM reads (one more cycle per array pair and per LIF phase,
/// for FPGA clocks).
pub fn prototype_config() -> AcceleratorConfig {
    let mut c = AcceleratorConfig {
        name: "sf_sata8x16".into(),
        weight_spad_depth: 8,
        lif: Some(Default::default()),
        ..Default::default()
    };
    c.rtl.entropy_unit = spikeforge_config::EntropyUnitKind::SerialPipelined;
    c.rtl.ram_output_regs = true;
    c.buffers.weight.size_bits = 64 * 1024;
    c.buffers.input_spike.size_bits = 16 * 1024;
    c.buffers.output_spike.size_bits = 16 * 1024;
    c.buffers.psum.size_bits = 96 * 1024;
    c.buffers.membrane.size_bits = 32 * 1024;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_configuration_gives_the_small_design() {
        let p = small_params("s");
        assert_eq!(
            (p.rows, p.cols, p.weight_spad_depth, p.psum_bits),
            (1, 2, 4, 16)
        );
        assert_eq!(
            (p.weight_bits, p.membrane_bits, p.max_tick_batch),
            (4, 8, 2)
        );
        assert_eq!((p.max_stages, p.max_classes, p.logit_bits), (2, 4, 16));
        assert_eq!(
            (p.counter_bits, p.entropy_unit),
            (32, EntropyUnitKind::Serial)
        );
        assert_eq!(
            (
                p.weight_words,
                p.spike_words,
                p.psum_words,
                p.membrane_words
            ),
            (512, 512, 128, 128)
        );
        assert!(!p.double_buffer);
        small_config("s")
            .validate("small_config")
            .expect("the small configuration is valid");
    }
}
