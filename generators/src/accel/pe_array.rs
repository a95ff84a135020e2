//! The `rows × cols` weight-stationary systolic PE array with per-PE weight scratchpads
//! (SATA, DESIGN.md §5): reduction (C·R·S) along rows, output channels along columns; spikes
//! flow right, partial sums flow down.
//!
//! # Interface and timing
//! - **Tile load**: with `wl_en` high, row `wl_row` of scratchpad entry `wl_entry` is written
//!   with `wl_weights` (lane `j` = bits `[j·weight_bits +: weight_bits]`, signed) — one array
//!   row per cycle, so a whole tile takes `rows` cycles. Loading an entry that is being streamed
//!   is the controller's mistake to avoid (double buffering uses the other entries).
//! - **Stream**: with `in_valid` high, one im2col column enters: `in_spikes[i]` and
//!   `in_taps[i]` (tap valid: a real fan-in index, padding included; invalid taps neither add
//!   nor count) for every row `i`, using the weights of scratchpad entry `in_entry`.
//!   Consecutive columns may use different entries (row tiles) with no bubble.
//! - **Result**: exactly [`PeArrayParams::latency`] = `rows + cols + pipeline_regs` cycles
//!   after a column is presented, `out_valid` is high and `out_psums` holds its partial sums,
//!   lane `j` = `Σ_i (taps_i ∧ spikes_i) · w[entry][i][j]` (signed, `psum_bits`), all lanes at
//!   once (the skew is undone inside the array).
//!
//! Inside, row `i`'s inputs are delayed by `i` cycles (plus one per pipeline cut above it),
//! column `j`'s result by `cols − 1 − j` cycles. The one-bit and entry registers along a row
//! (the skew, each PE's pass-right registers and its registered gated spike) are packed into
//! one vector per row and kind, so that Verilator updates a row with a few word operations.
//! `pipeline_regs` extra registers cut the vertical psum path into `pipeline_regs + 1` evenly
//! sized bands of rows (the "registers between tiles of PEs"), each adding one cycle of
//! latency.

use super::pe::{clog2, pe, PeParams};
use spikeforge_dsl::library::shift_register;
use spikeforge_dsl::prelude::*;

/// Parameters of the PE array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeArrayParams {
    /// PE rows (the reduction dimension).
    pub rows: u32,
    /// PE columns (output channels).
    pub cols: u32,
    /// Weight width (bits).
    pub weight_bits: u32,
    /// Partial-sum width (bits).
    pub psum_bits: u32,
    /// Weight scratchpad depth per PE (entries).
    pub spad_depth: u32,
    /// Extra register stages on the vertical psum path (0 ≤ pipeline_regs < rows).
    pub pipeline_regs: u32,
}

impl PeArrayParams {
    /// Cycles from a column entering to its partial sums leaving the array.
    pub fn latency(&self) -> u32 {
        self.rows + self.cols + self.pipeline_regs
    }

    /// The rows after which a pipeline register is inserted (each cut lies between row
    /// `b − 1` and row `b`).
    pub fn cuts(&self) -> Vec<u32> {
        let bands = self.pipeline_regs + 1;
        (1..bands).map(|k| k * self.rows / bands).collect()
    }

    fn pe_params(&self) -> PeParams {
        PeParams {
            weight_bits: self.weight_bits,
            psum_bits: self.psum_bits,
            spad_depth: self.spad_depth,
        }
    }
}

/// Delays the psum `value` by `cycles` registers named `<name>_<k>`, without reset (like the
/// PEs' psum registers, they are overwritten every cycle and read only under `out_valid`).
fn delay(m: &mut ModuleBuilder, name: &str, value: Expr, cycles: u32) -> Expr {
    let mut v = value;
    for k in 0..cycles {
        let r = m.reg_no_reset(format!("{name}_{k}"), v.ty());
        m.next(r, v);
        v = r.expr();
    }
    v
}

/// Row `row`'s vector of one stage-1 input over its `cols` PEs: lane `j` (of `lane`'s width) is
/// PE `j`'s input, `lane` delayed by `j` cycles. Lanes 1.. come from one register
/// `pass_<what>_r<row>` of `cols − 1` lanes (the PEs' pass-right registers, packed), with or
/// without reset; the whole vector is the wire `row_<what>_r<row>`.
fn row_vector(
    m: &mut ModuleBuilder,
    row: u32,
    what: &str,
    lane: Expr,
    cols: u32,
    reset: bool,
) -> Signal {
    let w = lane.width();
    if cols == 1 {
        return m.wire_from(format!("row_{what}_r{row}"), lane);
    }
    let name = format!("pass_{what}_r{row}");
    let pass = if reset {
        m.reg(name, UInt((cols - 1) * w))
    } else {
        m.reg_no_reset(name, UInt((cols - 1) * w))
    };
    let vector = m.wire_from(format!("row_{what}_r{row}"), Expr::cat([pass.expr(), lane]));
    m.next(pass, vector.bits((cols - 1) * w - 1, 0));
    vector
}

/// The PE array module (ports as in the module docs).
pub fn pe_array(p: &PeArrayParams) -> Module {
    let (rows, cols) = (p.rows, p.cols);
    let pe_mod = pe(&p.pe_params());
    let eb = p.pe_params().entry_bits();
    let mut m = ModuleBuilder::new(format!(
        "sf_pe_array_r{rows}_c{cols}_w{}_p{}_d{}_pr{}",
        p.weight_bits, p.psum_bits, p.spad_depth, p.pipeline_regs
    ));
    m.param("rows", rows)
        .param("cols", cols)
        .param("weight_bits", p.weight_bits)
        .param("psum_bits", p.psum_bits)
        .param("spad_depth", p.spad_depth)
        .param("pipeline_regs", p.pipeline_regs);
    let in_valid = m.input("in_valid", Bool);
    let in_entry = m.input("in_entry", UInt(eb));
    let in_spikes = m.input("in_spikes", UInt(rows));
    let in_taps = m.input("in_taps", UInt(rows));
    let wl_en = m.input("wl_en", Bool);
    let wl_row = m.input("wl_row", UInt(clog2(u64::from(rows))));
    let wl_entry = m.input("wl_entry", UInt(eb));
    let wl_weights = m.input("wl_weights", UInt(cols * p.weight_bits));

    let cuts = p.cuts();
    let mut psum_above: Vec<Expr> = (0..cols).map(|_| Expr::sint(0, p.psum_bits)).collect();
    for i in 0..rows {
        // Left edge: skew row i by i cycles plus one per cut above it; the row's spike, tap
        // and entry travel together in one packed delay line.
        let extra = cuts.iter().filter(|&&b| b <= i).count() as u32;
        let tap = in_valid & in_taps.bit(i);
        let word = Expr::cat([in_entry.expr(), tap, in_spikes.bit(i)]);
        let skewed = match shift_register(
            &mut m,
            &format!("skew_r{i}"),
            word.clone(),
            i + extra,
            true,
        )
        .pop()
        {
            Some(out) => m.wire_from(format!("skewed_r{i}"), out).expr(),
            None => word,
        };
        // The row's stage-1 registers: bit (or entry lane) j of each vector is PE j's input.
        let spikes = row_vector(&mut m, i, "spike", skewed.bits(0, 0), cols, true);
        let valids = row_vector(&mut m, i, "valid", skewed.bits(1, 1), cols, true);
        let entries = row_vector(&mut m, i, "entry", skewed.bits(eb + 1, 2), cols, false);
        let fire = m.wire_from(format!("fire_r{i}"), spikes & valids);
        let fire_q = m.reg(format!("fire_q_r{i}"), UInt(cols));
        m.next(fire_q, fire);
        let row_sel = m.wire_from(format!("wl_row_sel_{i}"), wl_en & wl_row.is_eq(i));
        for j in 0..cols {
            let u = m.instance(format!("pe_{i}_{j}"), &pe_mod);
            m.connect(&u, "fire", fire.bit(j));
            m.connect(&u, "fire_q", fire_q.bit(j));
            m.connect(&u, "entry_in", entries.bits(j * eb + eb - 1, j * eb));
            let psum_in = if cuts.contains(&i) {
                delay(
                    &mut m,
                    &format!("cut_r{i}_c{j}"),
                    psum_above[j as usize].clone(),
                    1,
                )
            } else {
                psum_above[j as usize].clone()
            };
            m.connect(&u, "psum_in", psum_in);
            m.connect(&u, "wl_en", row_sel);
            m.connect(&u, "wl_entry", wl_entry);
            let lo = j * p.weight_bits;
            m.connect(
                &u,
                "wl_weight",
                wl_weights.bits(lo + p.weight_bits - 1, lo).as_sint(),
            );
            psum_above[j as usize] = u.out("psum_out");
        }
    }
    // Bottom edge: undo the column skew.
    let mut lanes: Vec<Expr> = Vec::new();
    for j in (0..cols).rev() {
        let d = delay(
            &mut m,
            &format!("deskew_c{j}"),
            psum_above[j as usize].clone(),
            cols - 1 - j,
        );
        lanes.push(d.as_uint());
    }
    m.output_from("out_psums", Expr::cat(lanes));
    let out_valid = shift_register(&mut m, "valid_pipe", in_valid, p.latency(), true)
        .pop()
        .expect("the latency is at least rows + cols ≥ 2 cycles");
    m.output_from("out_valid", out_valid);
    m.finish()
}
