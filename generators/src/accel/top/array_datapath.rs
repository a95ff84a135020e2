//! The PE array in the top (docs/accelerator.md §5): the column enters it one cycle after the
//! spike fetch with its tag (first/last row tile of the group, group 0, psum address), the tag
//! travels `latency` registers beside the array, and below each array column a column
//! accumulator sums the `r` row tiles of a (p, t) and writes the psum buffer (group 0 writes,
//! later groups read, add and write): the accumulators are a module of their own
//! (`column_accumulators.rs`, unit-tested in tests/column_accumulators.rs), connected through
//! its typed ports.

use super::super::column_accumulators::{column_accumulators, ColumnAccParams};
use super::super::pe::clog2;
use super::super::pe_array::pe_array;
use super::common::{fit, lanes, popcount, u};

use super::im2col::Column;
use super::streamer::Streamer;
use super::weight_loader::{half_of, Loader};
use super::Ctx;
use spikeforge_config::catalog::Counter;
use spikeforge_dsl::library::shift_register;
use spikeforge_dsl::prelude::*;

/// What the array datapath adds to the counters (§9).
pub fn build(
    m: &mut ModuleBuilder,
    cx: Ctx,
    st: &Streamer,
    ld: &Loader,
    column: &Column,
) -> Vec<(Counter, Expr)> {
    let Ctx { g, desc, bufs, .. } = cx;
    let (pa, pb) = (g.pa, g.pb);
    // The column's tag, registered with the fetch (cycle c+1).
    let issue_d1 = m.reg("issue_d1", Bool);
    m.next(issue_d1, st.issue);
    let entry_d1 = m.reg_no_reset("entry_d1", UInt(g.eb));
    m.next(
        entry_d1,
        half_of(g, &st.pair.expr()).wrapping_add(fit(st.rl, g.eb)),
    );
    let ct_d1 = m.reg_no_reset("ct_d1", UInt(g.fw));
    m.next(ct_d1, st.ct);
    let tag_bits = 3 + pa;
    let tag1 = m.reg_no_reset("tag_d1", UInt(tag_bits));
    m.next(
        tag1,
        Expr::cat([
            st.rl.is_eq(0),
            st.last_rl.expr(),
            st.group.is_eq(0),
            st.psum_addr.clone(),
        ]),
    );

    // With `ram_output_regs` the column enters three cycles later (im2col's tap table read
    // with the registered row tile and its word registered, fetch stage 0, and its registered
    // spike words, fetch stage 3), and its tag with it.
    let (mut issue_d1, mut entry_d1, mut ct_d1, mut tag1) = (issue_d1, entry_d1, ct_d1, tag1);
    if g.p.ram_output_regs {
        for k in 2..=4 {
            let issue = m.reg(format!("issue_d{k}"), Bool);
            m.next(issue, issue_d1);
            let entry = m.reg_no_reset(format!("entry_d{k}"), UInt(g.eb));
            m.next(entry, entry_d1);
            let ct = m.reg_no_reset(format!("ct_d{k}"), UInt(g.fw));
            m.next(ct, ct_d1);
            let tag = m.reg_no_reset(format!("tag_d{k}"), UInt(tag_bits));
            m.next(tag, tag1);
            (issue_d1, entry_d1, ct_d1, tag1) = (issue, entry, ct, tag);
        }
    }
    let arr = m.instance("u_array", &pe_array(&g.array));
    m.connect(&arr, "in_valid", issue_d1);
    m.connect(&arr, "in_entry", entry_d1);
    m.connect(&arr, "in_spikes", column.spikes);
    m.connect(&arr, "in_taps", column.taps);
    m.connect(&arr, "wl_en", ld.wl_en);
    m.connect(&arr, "wl_row", ld.wl_row);
    m.connect(&arr, "wl_entry", ld.wl_entry);
    m.connect(&arr, "wl_weights", ld.wl_weights);

    // The tag pipeline: after `lat` more registers the tag leaves with the column's sums.
    let lat = g.lat as usize;
    let mut tag_pipe: Vec<Expr> = vec![tag1.expr()];
    let mut ct_pipe: Vec<Expr> = vec![ct_d1.expr()];
    for k in 0..lat {
        let r = m.reg_no_reset(format!("tag_pipe_{k}"), UInt(tag_bits));
        m.next(r, tag_pipe[k].clone());
        tag_pipe.push(r.expr());
        let c = m.reg_no_reset(format!("ct_pipe_{k}"), UInt(g.fw));
        m.next(c, ct_pipe[k].clone());
        ct_pipe.push(c.expr());
    }
    // The column-valid bits travel as one packed vector (cheap to simulate).
    // (As long as the psum read-modify-write below needs it: one register less with
    // `ram_output_regs`, whose read is issued a cycle earlier.)
    let valid_len = lat as u32 - 1 - u32::from(g.p.ram_output_regs);
    let valid_pipe = if valid_len > 0 {
        shift_register(m, "valid_pipe", issue_d1, valid_len, true)
    } else {
        Vec::new()
    };
    let tag_out = &tag_pipe[lat];
    let out_valid = arr.out("out_valid");
    let out_psums = arr.out("out_psums");
    let out_first = tag_out.bit(tag_bits - 1);
    let out_last = tag_out.bit(tag_bits - 2);
    let out_g0 = tag_out.bit(tag_bits - 3);

    // Column accumulators and the psum write (read-modify-write for groups after the first:
    // the read is issued one cycle early, with the tag before the array's output). With
    // `ram_output_regs` it is issued two cycles early and its word registered, so the block
    // RAM's output drives only that register. Reading early never misses a write: a psum
    // word is read and written once per group (at its (p, t)'s last row tile), and the next
    // group's read of it comes after this pair's drain.
    let (rd_tag, rd_valid) = if g.p.ram_output_regs {
        let valid = if lat >= 3 {
            valid_pipe[lat - 3].clone()
        } else {
            issue_d1.expr()
        };
        (&tag_pipe[lat - 2], valid)
    } else {
        (&tag_pipe[lat - 1], valid_pipe[lat - 2].clone())
    };
    let rmw_read = m.wire_from(
        "psum_rmw_read",
        rd_valid & rd_tag.bit(tag_bits - 2) & !rd_tag.bit(tag_bits - 3),
    );
    let rmw_q = m.mem_read(bufs.psum, "psum_rmw_q", rmw_read, rd_tag.bits(pa - 1, 0));
    let old_word = if g.p.ram_output_regs {
        let r = m.reg_no_reset("psum_rmw_r", UInt(g.cols * pb));
        m.next(r, rmw_q);
        r
    } else {
        rmw_q
    };
    let (acc_module, acc) = column_accumulators(&ColumnAccParams {
        cols: g.cols,
        psum_bits: pb,
    });
    let accs = m.instance("u_col_acc", &acc_module);
    m.connect(&accs, acc.valid, out_valid.clone());
    m.connect(&accs, acc.first, out_first.clone());
    m.connect(&accs, acc.last, out_last.clone());
    m.connect(&accs, acc.group0, out_g0.clone());
    m.connect(&accs, acc.psums, out_psums);
    m.connect(&accs, acc.old, old_word);
    // The psum write; with `ram_output_regs` its enable, address and word are registered
    // first, so the accumulators' add ends at a register next to them rather than at the
    // buffer's block RAMs (the write lands a cycle later: one of the four drain cycles the
    // flag adds, §5).
    let (we, wa, wd) = (
        accs.out(acc.write),
        tag_out.bits(pa - 1, 0),
        accs.out(acc.word),
    );
    let (we, wa, wd) = if g.p.ram_output_regs {
        let we_r = m.reg("psum_write_r", Bool);
        m.next(we_r, we);
        let wa_r = m.reg_no_reset("psum_write_addr_r", UInt(pa));
        m.next(wa_r, wa);
        let wd_r = m.reg_no_reset("psum_write_word_r", UInt(g.cols * pb));
        m.next(wd_r, wd);
        (we_r.expr(), wa_r.expr(), wd_r.expr())
    } else {
        (we, wa, wd)
    };
    m.mem_write(bufs.psum, we, wa, wd);

    // Counts: accumulations performed (spike 1) and gated (spike 0) on the valid lanes, two
    // cycles behind the array (two of `counters::COUNT_LAG`): the column is registered once
    // more (its spike word comes straight from a block RAM), then its popcounts are, so the
    // products with the lane count start at registers.
    let count_issue = m.reg("count_issue", Bool);
    m.next(count_issue, issue_d1);
    let count_spikes = m.reg_no_reset("count_spikes", UInt(g.rows));
    m.next(count_spikes, column.spikes.expr() & column.taps.expr());
    let count_gated = m.reg_no_reset("count_gated", UInt(g.rows));
    m.next(count_gated, !column.spikes.expr() & column.taps.expr());
    let count_reads = m.reg_no_reset("count_reads", UInt(g.rows));
    m.next(
        count_reads,
        Expr::cat(column.reads.iter().rev().map(|s| s.expr())),
    );
    let count_lanes = m.reg_no_reset("count_lanes", UInt(g.lw));
    m.next(
        count_lanes,
        lanes(&ct_d1.expr(), &desc.m.expr(), g.cols, g.fw, g.lw),
    );
    let pc_w = clog2(u64::from(g.rows) + 1);
    let tally_issue = m.reg("tally_issue", Bool);
    m.next(tally_issue, count_issue);
    let tally = |m: &mut ModuleBuilder, name: &str, bits: Signal| {
        let r = m.reg_no_reset(name, UInt(pc_w));
        m.next(r, popcount(&bits.expr(), pc_w));
        r
    };
    let spikes = tally(m, "tally_spikes", count_spikes);
    let gated = tally(m, "tally_gated", count_gated);
    let reads = tally(m, "tally_reads", count_reads);
    let tally_lanes = m.reg_no_reset("tally_lanes", UInt(g.lw));
    m.next(tally_lanes, count_lanes);
    let pw = pc_w + g.lw;
    let performed = tally_issue.select(fit(spikes * tally_lanes.expr(), pw), u(0, pw));
    let gated = tally_issue.select(fit(gated * tally_lanes.expr(), pw), u(0, pw));
    let out_lanes = lanes(&ct_pipe[lat], &desc.m.expr(), g.cols, g.fw, g.lw);
    let when = |c: Expr, v: &Expr| c.select(v.clone(), u(0, v.width()));
    vec![
        (Counter::PerformedAcc, performed.clone()),
        (Counter::GatedAcc, gated),
        (Counter::WeightBufferReads, ld.valid_lanes.expr()),
        (Counter::WeightSpadReads, performed),
        (Counter::WeightSpadWrites, ld.valid_lanes.expr()),
        (
            Counter::InputSpikeReads,
            when(tally_issue.expr(), &reads.expr()),
        ),
        (
            Counter::ColumnAccReads,
            when(out_valid.clone() & !out_first, &out_lanes),
        ),
        (
            Counter::ColumnAccWrites,
            when(out_valid.clone(), &out_lanes),
        ),
        (
            Counter::PsumBufferReads,
            when(out_valid.clone() & out_last.clone() & !out_g0, &out_lanes),
        ),
        (
            Counter::PsumBufferWrites,
            when(out_valid & out_last, &out_lanes),
        ),
    ]
}
