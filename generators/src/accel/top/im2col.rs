//! The im2col fetch (docs/accelerator.md §5, "stream"): row `i` of the column issued for
//! (p, t, rt) carries tap `n = rt·rows + i`. The column's taps (digits `cl`, `r`, `s`, spatial
//! offset `lin`, valid) are one word of the stage's tap table (`stage_setup`), read the cycle
//! before the column issues (its address is the streamer's next row tile; with
//! `ram_output_regs` in the issue cycle, with the registered row tile). Each row checks
//! its tap against the input's bounds, reads its spike from the input-role spike buffer
//! (address in the issue cycle, then the read), and gates padding and invalid taps.

use super::common::{fit, row_address};
use super::stage_setup::StageSetup;
use super::streamer::Streamer;
use super::Ctx;
use spikeforge_dsl::prelude::*;

/// The column as it enters the array (the cycle after its issue; four cycles after with
/// `ram_output_regs`).
#[derive(Clone, Debug)]
pub struct Column {
    /// The spikes of the column's rows (padding and invalid taps read as 0).
    pub spikes: Signal,
    /// The rows whose tap is valid (`n < N`; padding is valid).
    pub taps: Signal,
    /// The rows whose spike was read from the buffer (valid and in bounds).
    pub reads: Vec<Signal>,
}

/// Builds the taps and the two fetch stages.
pub fn build(m: &mut ModuleBuilder, cx: Ctx, st: &Streamer, setup: &StageSetup) -> Column {
    let Ctx { g, seq, bufs, .. } = cx;
    let table = &setup.taps;
    let flag = g.p.ram_output_regs;
    // The table word of the issuing column's row tile. Without `ram_output_regs` it is read
    // with the row tile's next value, so it shows the current one's in the issue cycle. With
    // it, read with the registered row tile (the address comes from a register, not from the
    // pair control's start): the word shows the issuing column's taps a cycle after its issue.
    // (Neither reads while the STAGE phase writes the table.)
    let address = if flag {
        st.rt.expr()
    } else {
        st.rt_next.clone()
    };
    let word = m.mem_read(
        table.mem,
        "column_taps",
        !setup.taps_written.expr(),
        fit(address, table.address_bits()),
    );
    let bw = g.yw + 1;
    // With `ram_output_regs`, fetch stage 0: the table word is registered before any logic
    // uses it (nothing between the block RAM's output and that register, which an FPGA flow
    // can fold into the RAM), and the issuing column's coordinates travel two registers to
    // meet it (`taps_rd_*`, then `fetch_*`): the fetch runs two cycles after the issue (two of
    // the four drain cycles the flag adds, docs/accelerator.md §5).
    struct Issued {
        word: Signal,
        issue: Signal,
        y_lo: Signal,
        y_hi: Signal,
        x_lo: Signal,
        x_hi: Signal,
        window_offset: Expr,
        t: Signal,
    }
    let issued = if flag {
        let keep = |m: &mut ModuleBuilder, name: &str, v: Expr| -> Signal {
            let r = m.reg_no_reset(name, UInt(v.width()));
            m.next(r, v);
            r
        };
        let word_r = keep(m, "column_taps_r", word.expr());
        let issue_rd = m.reg("taps_rd_issue", Bool);
        m.next(issue_rd, st.issue);
        let issue = m.reg("fetch_issue", Bool);
        m.next(issue, issue_rd);
        let bound = |m: &mut ModuleBuilder, name: &str, b: Signal| -> Signal {
            let rd = m.reg_no_reset(format!("taps_rd_{name}"), SInt(bw));
            m.next(rd, b);
            let r = m.reg_no_reset(format!("fetch_{name}"), SInt(bw));
            m.next(r, rd);
            r
        };
        // The window offset's two terms registered apart and added between the two registers
        // (the add is off the path from the streamer's stepping).
        let [row, col] = st.window_terms.clone();
        let row_rd = keep(m, "taps_rd_window_row", row);
        let col_rd = keep(m, "taps_rd_window_col", col);
        let offset = row_rd.wrapping_add(col_rd);
        let t_rd = keep(m, "taps_rd_t", st.t.expr());
        Issued {
            word: word_r,
            issue,
            y_lo: bound(m, "y_lo", st.y_lo),
            y_hi: bound(m, "y_hi", st.y_hi),
            x_lo: bound(m, "x_lo", st.x_lo),
            x_hi: bound(m, "x_hi", st.x_hi),
            window_offset: keep(m, "fetch_window_offset", offset).expr(),
            t: keep(m, "fetch_t", t_rd.expr()),
        }
    } else {
        Issued {
            word,
            issue: st.issue,
            y_lo: st.y_lo,
            y_hi: st.y_hi,
            x_lo: st.x_lo,
            x_hi: st.x_hi,
            window_offset: st.window_offset(),
            t: st.t,
        }
    };
    let word = issued.word;
    // `0 ≤ e·stride − pad + r < H` as `−ey ≤ r < H − ey` (and the same for `s`): the bounds
    // are the column's, shared by its rows and stepped by the streamer, so each row only
    // compares its digits with registers (one carry chain per bound).
    let (y_lo, y_hi, x_lo, x_hi) = (issued.y_lo, issued.y_hi, issued.x_lo, issued.x_hi);
    let mut reads = Vec::new();
    let mut valid_bits = Vec::new();
    let mut words = Vec::new();
    let mut lane_sel = Vec::new();
    for i in 0..g.rows {
        let (tap, valid) = table.row(&word.expr(), i);
        let valid = m.wire_from(format!("tap_valid_{i}"), valid);
        // Fetch stage 1: the address, from the issuing column's coordinates.
        let r = fit(tap.r.clone(), bw - 1).as_sint();
        let s = fit(tap.s.clone(), bw - 1).as_sint();
        let inb = r.is_ge(y_lo) & r.is_lt(y_hi) & s.is_ge(x_lo) & s.is_lt(x_hi);
        // `(cg·H + y)·W + x = lin + (e·stride − pad)·W + (f·stride − pad)`.
        let pos = tap.lin.wrapping_add(issued.window_offset.clone());
        let addr = row_address(pos, g.blog, issued.t.expr(), g.sa);
        let addr = m.wire_from(format!("fetch_addr_{i}"), addr);
        let v1 = m.reg(format!("fetch_valid_{i}"), Bool);
        m.next(v1, issued.issue & valid);
        let cl1 = m.reg_no_reset(format!("fetch_lane_{i}"), UInt(g.cl_bits));
        m.next(cl1, tap.cl.clone());
        // The bounds check is registered on its own and joined with the registered issue
        // and valid after it (`fetch_en_d = issue & valid & in bounds`, a cycle later): only
        // the four compares' conjunction stands between the tap table's word and a register.
        let inb1 = m.reg_no_reset(format!("fetch_inb_d_{i}"), Bool);
        m.next(inb1, inb);
        let en1 = m.wire_from(format!("fetch_en_d_{i}"), v1 & inb1);
        // Fetch stage 2: the read (the input-role buffer is selected by `role`). The RAM is
        // enabled for every valid tap, in the window or not: the word of a tap outside it is
        // masked by `fetch_en_d` (which the spike-read counter counts), so the window's
        // bounds check ends at that register, not at the RAM's enable.
        let rd = m.wire_from(format!("fetch_rd_{i}"), issued.issue & valid);
        let qa = m.mem_read(bufs.spike_a, format!("spike_a_q{i}"), rd & !seq.role, addr);
        let qb = m.mem_read(bufs.spike_b, format!("spike_b_q{i}"), rd & seq.role, addr);
        reads.push(en1);
        valid_bits.push(v1);
        words.push((qa, qb));
        lane_sel.push(cl1);
    }
    let role1 = m.reg("fetch_role", Bool);
    m.next(role1, seq.role);
    // With `ram_output_regs`, fetch stage 3: each buffer's read word is registered on its own
    // (with the row's lane and enables), nothing between the block RAM's output and its
    // register (which an FPGA flow can fold into the RAM: ECP5's DP16KD output register),
    // and the role selects between the registered words.
    let (words, lane_sel, reads, valid_bits) = if g.p.ram_output_regs {
        let role2 = m.reg("fetch_role_d", Bool);
        m.next(role2, role1);
        let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..g.rows as usize {
            let (qa, qb) = words[i];
            let wa = m.reg_no_reset(format!("fetch_word_a_{i}"), UInt(g.cols));
            m.next(wa, qa);
            let wb = m.reg_no_reset(format!("fetch_word_b_{i}"), UInt(g.cols));
            m.next(wb, qb);
            let w = m.wire_from(format!("fetch_word_{i}"), role2.select(wb, wa));
            let cl = m.reg_no_reset(format!("fetch_lane_d_{i}"), UInt(g.cl_bits));
            m.next(cl, lane_sel[i]);
            let en = m.reg(format!("fetch_en_dd_{i}"), Bool);
            m.next(en, reads[i]);
            let v = m.reg(format!("fetch_valid_d_{i}"), Bool);
            m.next(v, valid_bits[i]);
            out.0.push(w.expr());
            out.1.push(cl);
            out.2.push(en);
            out.3.push(v);
        }
        out
    } else {
        let words = words
            .iter()
            .map(|(qa, qb)| role1.select(*qb, *qa))
            .collect();
        (words, lane_sel, reads, valid_bits)
    };
    let spike_bits: Vec<Expr> = words
        .iter()
        .zip(&lane_sel)
        .zip(&reads)
        .map(|((word, lane), en)| *en & word.shr_by(*lane).bit(0))
        .collect();
    let spikes = m.wire_from("array_in_spikes", Expr::cat(spike_bits.into_iter().rev()));
    let taps = m.wire_from(
        "array_in_taps",
        Expr::cat(valid_bits.iter().rev().map(|s| s.expr())),
    );
    Column {
        spikes,
        taps,
        reads,
    }
}
