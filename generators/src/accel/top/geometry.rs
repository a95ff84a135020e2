//! The widths and sizes every block of the top derives from the generation parameters.

use super::super::params::{drain_cycles, AccelParams};
use super::super::pe::clog2;
use super::super::pe_array::PeArrayParams;
use spikeforge_config::network::MAX_TIMESTEPS;

/// The generation parameters and what follows from them (widths in bits, latencies in cycles).
#[derive(Clone, Debug)]
pub struct Geometry {
    /// The generation parameters.
    pub p: AccelParams,
    /// Array rows.
    pub rows: u32,
    /// Array columns (= lanes of every buffer word).
    pub cols: u32,
    /// Row tiles per group `D`.
    pub d: u32,
    /// `B_max`, a power of two.
    pub bmax: u64,
    /// `log2 B_max`.
    pub blog: u32,
    /// Address bits of the weight, spike, psum and membrane buffers.
    pub wa: u32,
    /// Spike-buffer address bits.
    pub sa: u32,
    /// Psum-buffer address bits.
    pub pa: u32,
    /// Membrane-buffer address bits.
    pub ma: u32,
    /// Stage-index bits.
    pub sb: u32,
    /// Class-index bits (holds `max_classes`).
    pub kb: u32,
    /// Scratchpad-entry bits.
    pub eb: u32,
    /// Membrane bits.
    pub mb: u32,
    /// Psum bits.
    pub pb: u32,
    /// Weight bits.
    pub wbits: u32,
    /// Logit bits.
    pub lb: u32,
    /// Bits of the kernel-row/column tap digits.
    pub kd: u32,
    /// Bits of a tap's fan-in index.
    pub nw: u32,
    /// Width of counts and loop indices (bits): `AccelParams::count_bits`.
    pub fw: u32,
    /// Width of a timestep count (bits): `T`, the window's first timestep `t0` and the exit
    /// timestep, all at most `max(MAX_TIMESTEPS, B_max)`.
    pub tb: u32,
    /// Width of a count of a window's timesteps (bits): `B`, `Tw` and a timestep's index
    /// within the window (`< Tw`), all at most `B_max`.
    pub wb: u32,
    /// Width of a row tile's index within its group (bits): `< D`.
    pub gtb: u32,
    /// Width of a row's index within a row tile (bits): `< rows`.
    pub rb: u32,
    /// Row tiles a stage can have: `⌊weight_words / rows⌋` (at least 2; the weight buffer
    /// holds `n_ct·n_rt·rows` words).
    pub row_tiles: u64,
    /// Bits of a row-tile index (`< row_tiles`).
    pub rtb: u32,
    /// Bits of a count of valid lanes (`≤ cols`).
    pub lw: u32,
    /// Bits of a channel-within-group digit (`cl < cols`).
    pub cl_bits: u32,
    /// Signed bits of the window coordinates `e·stride − pad`, `f·stride − pad`.
    pub yw: u32,
    /// The PE array's parameters.
    pub array: PeArrayParams,
    /// The PE array's latency (cycles).
    pub lat: u64,
    /// Drain cycles after a pair's last column.
    pub drain: u64,
}

impl Geometry {
    /// Everything derived from `p`.
    pub fn of(p: &AccelParams) -> Geometry {
        let array = PeArrayParams {
            rows: p.rows,
            cols: p.cols,
            weight_bits: p.weight_bits,
            psum_bits: p.psum_bits,
            spad_depth: p.weight_spad_depth,
            pipeline_regs: p.pipeline_regs,
        };
        let lat = u64::from(array.latency());
        let bmax = u64::from(p.max_tick_batch.next_power_of_two().max(1));
        let drain = drain_cycles(p);
        debug_assert_eq!(
            drain,
            lat + 1 + 4 * u64::from(p.ram_output_regs),
            "the array drain of docs/accelerator.md §5"
        );
        Geometry {
            rows: p.rows,
            cols: p.cols,
            d: p.group_depth(),
            bmax,
            blog: bmax.trailing_zeros(),
            wa: clog2(p.weight_words.max(2)),
            sa: clog2(p.spike_words.max(2)),
            pa: clog2(p.psum_words.max(2)),
            ma: clog2(p.membrane_words.max(2)),
            sb: clog2(u64::from(p.max_stages.max(2))),
            kb: clog2(u64::from(p.max_classes.max(2)) + 1),
            eb: clog2(u64::from(p.weight_spad_depth.max(2))),
            mb: p.membrane_bits,
            pb: p.psum_bits,
            wbits: p.weight_bits,
            lb: p.logit_bits,
            kd: p.kernel_digit_bits(),
            nw: p.tap_index_bits(),
            fw: p.count_bits(),
            tb: clog2(u64::from(MAX_TIMESTEPS).max(bmax) + 1),
            wb: clog2(bmax + 1),
            gtb: clog2(u64::from(p.group_depth().max(2))),
            rb: clog2(u64::from(p.rows.max(2))),
            row_tiles: (p.weight_words / u64::from(p.rows.max(1))).max(2),
            rtb: clog2((p.weight_words / u64::from(p.rows.max(1))).max(2)),
            lw: clog2(u64::from(p.cols) + 1),
            cl_bits: clog2(u64::from(p.cols)),
            yw: p.kernel_digit_bits() + 2,
            array,
            lat,
            drain,
            p: p.clone(),
        }
    }
}
