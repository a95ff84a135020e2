//! The accelerator top: register map, stage sequencer, streams, im2col fetch, array phase,
//! LIF phase, classify + entropy phase, spike trace and performance counters, exactly as
//! `docs/accelerator.md` specifies (section numbers below refer to it).

use super::entropy_unit::{entropy_unit, EntropyUnitParams};
use super::lif_unit::{lif_unit, LifUnitParams};
use super::mixed_radix::{self, Digits, Radices};
use super::params::AccelParams;
use super::pe::clog2;
use super::pe_array::{pe_array, PeArrayParams};
use spikeforge_config::catalog::{self, Counter, Register, StageField};
use spikeforge_dsl::library::{assert_stream_protocol, assume_stream_protocol};
use spikeforge_dsl::prelude::*;

/// Width of stage fields and loop counters (bits).
const FW: u32 = catalog::COUNT_FIELD_BITS;
/// Number of performance counters (§9).
pub const NUM_COUNTERS: usize = Counter::COUNT;

/// Sequencer phases.
mod ph {
    pub const IDLE: u64 = 0;
    pub const CLEAR: u64 = 1;
    pub const STAGE: u64 = 2;
    pub const REQ_IN: u64 = 3;
    pub const RECV_IN: u64 = 4;
    pub const REQ_W: u64 = 5;
    pub const RECV_W: u64 = 6;
    pub const ARRAY: u64 = 7;
    pub const LIF: u64 = 8;
    pub const CLASSIFY: u64 = 9;
    pub const ENTROPY: u64 = 10;
    pub const TRACE: u64 = 11;
    pub const LOGITS: u64 = 12;
    pub const FINAL: u64 = 13;
    pub const NEXT: u64 = 14;
}
const PHW: u32 = 4;

fn u(v: u64, w: u32) -> Expr {
    Expr::uint(v, w)
}

/// Zero-extends or truncates an unsigned value to `w` bits (explicitly).
fn fit(e: impl Into<Expr>, w: u32) -> Expr {
    let e: Expr = e.into();
    let e = if e.ty().is_signed() { e.as_uint() } else { e };
    match e.width().cmp(&w) {
        std::cmp::Ordering::Less => e.zext(w),
        std::cmp::Ordering::Equal => e,
        std::cmp::Ordering::Greater => e.trunc(w),
    }
}

/// The buffer address `row·B_max + t` in `w` bits (modulo 2^w: exact, because the driver only
/// runs layers whose addresses fit the buffer).
fn row_address(row: Expr, bmax_log2: u32, t: Expr, w: u32) -> Expr {
    (fit(row, w) << bmax_log2).trunc(w).wrapping_add(fit(t, w))
}

/// The buffer address `(major·count + minor)·B_max + t` in `w` bits (modulo 2^w), with a
/// variable multiplier `w` bits wide.
fn address(major: Expr, count: Expr, minor: Expr, bmax_log2: u32, t: Expr, w: u32) -> Expr {
    let row = (fit(major, w) * fit(count, w))
        .trunc(w)
        .wrapping_add(fit(minor, w));
    row_address(row, bmax_log2, t, w)
}

/// A register updated by a list of (condition, value) rules, the first true rule winning.
struct Rules {
    rules: Vec<(Expr, Expr)>,
}

impl Rules {
    fn new() -> Rules {
        Rules { rules: Vec::new() }
    }
    fn when(mut self, cond: impl Into<Expr>, value: impl Into<Expr>) -> Rules {
        self.rules.push((cond.into(), value.into()));
        self
    }
    /// Drives register `r` (width-fitted values; holds otherwise).
    fn apply(self, m: &mut ModuleBuilder, r: Signal) {
        let w = r.width();
        let signed = r.ty().is_signed();
        let mut next: Expr = r.expr();
        for (c, v) in self.rules.into_iter().rev() {
            let v = if signed { v } else { fit(v, w) };
            next = c.select(v, next);
        }
        m.next(r, next);
    }
}

/// Popcount of an unsigned vector, `clog2(w + 1)` bits.
fn popcount(e: &Expr, w_out: u32) -> Expr {
    let mut sum = u(0, w_out);
    for i in 0..e.width() {
        sum = (sum + e.bit(i).zext(w_out)).trunc(w_out);
    }
    sum
}

/// `min(cols, total − index·cols)` as `w` bits: the valid lanes of word `index`.
fn lanes(index: &Expr, total: &Expr, cols: u32, w: u32) -> Expr {
    let base = fit(index * u(u64::from(cols), 16), FW + 16);
    let tot = fit(total.clone(), FW + 16);
    let rem = tot.wrapping_sub(base.clone());
    let full = rem.is_ge(u64::from(cols));
    let none = base.is_ge(tot);
    none.select(u(0, w), full.select(u(u64::from(cols), w), fit(rem, w)))
}

/// Generates the accelerator top module `<name>_top` (ports as in docs/accelerator.md §8).
pub fn accelerator(p: &AccelParams) -> Module {
    let rows = p.rows;
    let cols = p.cols;
    let d = p.group_depth();
    let bmax = p.max_tick_batch.next_power_of_two().max(1);
    let blog = bmax.trailing_zeros();
    let wa = clog2(p.weight_words.max(2));
    let sa = clog2(p.spike_words.max(2));
    let pa = clog2(p.psum_words.max(2));
    let ma = clog2(p.membrane_words.max(2));
    let sb = clog2(u64::from(p.max_stages.max(2)));
    let kb = clog2(u64::from(p.max_classes.max(2)) + 1);
    let eb = clog2(u64::from(p.weight_spad_depth.max(2)));
    let mb = p.membrane_bits;
    let pb = p.psum_bits;
    let wbits = p.weight_bits;
    let lb = p.logit_bits;

    let array_params = PeArrayParams {
        rows,
        cols,
        weight_bits: wbits,
        psum_bits: pb,
        spad_depth: p.weight_spad_depth,
        pipeline_regs: p.pipeline_regs,
    };
    let lat = u64::from(array_params.latency());
    let drain = lat + 1;

    let mut m = ModuleBuilder::new(format!("{}_top", p.name));
    m.param("rows", rows)
        .param("cols", cols)
        .param("weight_spad_depth", p.weight_spad_depth)
        .param("psum_bits", pb)
        .param("pipeline_regs", p.pipeline_regs)
        .param("double_buffer", p.double_buffer)
        .param("weight_bits", wbits)
        .param("membrane_bits", mb)
        .param("leak", p.leak)
        .param("reset", format!("{:?}", p.reset).to_lowercase())
        .param(
            "fire_compare",
            format!("{:?}", p.fire_compare).to_lowercase(),
        )
        .param("share_factor", p.share_factor)
        .param("max_stages", p.max_stages)
        .param("max_classes", p.max_classes)
        .param("logit_bits", lb)
        .param("counter_bits", p.counter_bits)
        .param("max_tick_batch", bmax)
        .param("weight_words", p.weight_words)
        .param("spike_words", p.spike_words)
        .param("psum_words", p.psum_words)
        .param("membrane_words", p.membrane_words);

    // ---------------------------------------------------------------- ports (§8)
    let cfg_we = m.input("cfg_we", Bool);
    let cfg_addr = m.input("cfg_addr", UInt(12));
    let cfg_wdata = m.input("cfg_wdata", UInt(32));
    let req_ready = m.input("req_ready", Bool);
    let w_valid = m.input("w_valid", Bool);
    let w_data = m.input("w_data", UInt(cols * wbits));
    let s_valid = m.input("s_valid", Bool);
    let s_data = m.input("s_data", UInt(cols));
    let r_ready = m.input("r_ready", Bool);

    // ---------------------------------------------------------------- registers (§8)
    let wr = |a: u64| cfg_we & cfg_addr.is_eq(Expr::uint(a, 12));
    let global = |m: &mut ModuleBuilder, name: &str, a: u64, w: u32| -> Signal {
        let r = m.reg(name, UInt(w));
        m.next_when(r, wr(a), cfg_wdata.trunc(w));
        r
    };
    let num_stages = global(
        &mut m,
        "num_stages_r",
        Register::NumStages.address(),
        sb + 1,
    );
    let timesteps = global(&mut m, "timesteps_r", Register::Timesteps.address(), 16);
    let tick_batch = global(&mut m, "tick_batch_r", Register::TickBatch.address(), 16);
    let theta_q = global(&mut m, "theta_q_r", Register::ThetaQ.address(), 17);
    let rlnk = global(&mut m, "rlnk_r", Register::Rlnk.address(), 17);
    let frac_bits = global(&mut m, "frac_bits_r", Register::FracBits.address(), 5);
    let num_classes = global(&mut m, "num_classes_r", Register::NumClasses.address(), kb);
    let mem_words = global(&mut m, "mem_words_r", Register::MemWords.address(), 32);
    let start = m.wire_from("start", wr(Register::Ctrl.address()) & cfg_wdata.bit(0));

    // Stage descriptors (§8) live in a RAM of `max_stages × STAGE_STRIDE` words: one write
    // port for the register bus, one read port that loads the current stage's fields into a
    // working set during the STAGE phase (§4). Only fields the hardware reads are loaded (E
    // is implied by P and F).
    let desc_width = StageField::ALL
        .iter()
        .map(|f| f.width().bits(mb, ma))
        .max()
        .unwrap_or(1);
    let desc_depth = u64::from(p.max_stages) * catalog::STAGE_STRIDE;
    let desc_ab = clog2(desc_depth.max(2));
    let fb = clog2(catalog::STAGE_STRIDE);
    let desc_ram = m.mem("stage_descriptors", desc_depth.max(2), UInt(desc_width));
    let desc_addr_hi = cfg_addr.bits(11, 8).is_eq(catalog::STAGE_BASE >> 8);
    let desc_stage_ok = cfg_addr
        .bits(7, fb)
        .zext(9 - fb)
        .is_lt(u64::from(p.max_stages));
    m.mem_write(
        desc_ram,
        cfg_we & desc_addr_hi & desc_stage_ok,
        fit(cfg_addr.bits(7, 0), desc_ab),
        cfg_wdata.trunc(desc_width),
    );
    // ---------------------------------------------------------------- sequencer state
    let phase = m.reg("phase", UInt(PHW));
    let busy = m.reg("busy_r", Bool);
    let done = m.reg("done_r", Bool);
    let trace_en = m.reg("trace_en_r", Bool);
    let stage = m.reg("stage", UInt(sb));
    let t0 = m.reg("t0", UInt(16));
    let tw = m.reg("tw", UInt(16));
    let role = m.reg("role", Bool); // false: buffer A holds the current stage's input
    let exit_t = m.reg("exit_t_r", UInt(16));
    let prediction = m.reg("prediction_r", UInt(kb));
    let in_phase = |v: u64| phase.is_eq(Expr::uint(v, PHW));

    // The working set: field `f` is read in STAGE cycle `f` and lands one cycle later.
    let num_fields = StageField::ALL.len() as u64;
    let desc_f = m.reg("descriptor_field", UInt(fb + 1));
    let in_stage = in_phase(ph::STAGE);
    let desc_rd = m.wire_from(
        "descriptor_read",
        in_stage.clone() & desc_f.is_lt(num_fields),
    );
    let desc_rd_addr = if desc_ab > fb {
        Expr::cat([fit(stage, desc_ab - fb), fit(desc_f, fb)])
    } else {
        fit(desc_f, desc_ab)
    };
    let desc_q = m.mem_read(
        desc_ram,
        "descriptor_q",
        desc_rd,
        fit(desc_rd_addr, desc_ab),
    );
    let desc_land = m.reg("descriptor_land", Bool);
    m.next(desc_land, desc_rd);
    let desc_land_f = m.reg_no_reset("descriptor_land_field", UInt(fb));
    m.next(desc_land_f, fit(desc_f, fb));
    m.next(
        desc_f,
        in_stage
            .clone()
            .select(desc_f.wrapping_add(1), u(0, fb + 1)),
    );
    let desc_loaded = m.wire_from("descriptor_loaded", in_stage & desc_f.is_eq(num_fields));
    // A field kept in `w` bits (at most its register width): only the bits the hardware uses.
    let cur_bits = |m: &mut ModuleBuilder, f: StageField, w: u32| -> Signal {
        let w = w.min(f.width().bits(mb, ma));
        let r = m.reg_no_reset(format!("cur_{}", f.name()), UInt(w));
        m.next_when(r, desc_land & desc_land_f.is_eq(f.index()), desc_q.trunc(w));
        r
    };
    let cur = |m: &mut ModuleBuilder, f: StageField| cur_bits(m, f, u32::MAX);
    let f_c = cur(&mut m, StageField::C);
    let f_h = cur(&mut m, StageField::H);
    let f_w = cur(&mut m, StageField::W);
    let f_m = cur(&mut m, StageField::M);
    let kb_digits = p.kernel_digit_bits();
    let nw = p.tap_index_bits();
    let f_r = cur_bits(&mut m, StageField::R, kb_digits);
    let f_s = cur_bits(&mut m, StageField::S, kb_digits);
    let f_stride = cur_bits(&mut m, StageField::Stride, p.kernel_digit_bits() + 1);
    let f_pad = cur_bits(&mut m, StageField::Pad, p.kernel_digit_bits() + 1);
    let f_f = cur(&mut m, StageField::F);
    let f_n = cur_bits(&mut m, StageField::N, nw);
    let f_nrt = cur(&mut m, StageField::NRt);
    let f_nct = cur(&mut m, StageField::NCt);
    let f_p = cur(&mut m, StageField::P);
    let f_theta = cur(&mut m, StageField::Theta);
    let f_nctb = cur(&mut m, StageField::NCtb);
    let f_nctb_p = cur_bits(&mut m, StageField::NCtbP, pa);
    let f_mbase = cur(&mut m, StageField::MembraneBase);
    let f_cgc = cur(&mut m, StageField::CgCount);
    let f_groups = cur(&mut m, StageField::Groups);
    let f_last = cur(&mut m, StageField::LastGroup);
    let cl_bits = clog2(u64::from(cols));
    let f_rows_digits = [
        cur_bits(&mut m, StageField::RowsCg, sa),
        cur_bits(&mut m, StageField::RowsCl, cl_bits),
        cur_bits(&mut m, StageField::RowsR, kb_digits),
        cur_bits(&mut m, StageField::RowsS, kb_digits),
    ];
    let f_is_cls = cur(&mut m, StageField::IsClassifier);
    let f_drows_digits = [
        cur_bits(&mut m, StageField::DrowsCg, sa),
        cur_bits(&mut m, StageField::DrowsCl, cl_bits),
        cur_bits(&mut m, StageField::DrowsR, kb_digits),
        cur_bits(&mut m, StageField::DrowsS, kb_digits),
    ];
    let is_cls = m.wire_from("is_classifier", f_is_cls.any());
    let last_stage = m.wire_from(
        "last_stage",
        stage.zext(sb + 1).wrapping_add(1).is_eq(num_stages),
    );

    // ---------------------------------------------------------------- memories (§3)
    let weight_buf = m.mem("weight_buf", p.weight_words.max(2), UInt(cols * wbits));
    let spike_a = m.mem("spike_a", p.spike_words.max(2), UInt(cols));
    let spike_b = m.mem("spike_b", p.spike_words.max(2), UInt(cols));
    let psum_buf = m.mem("psum_buf", p.psum_words.max(2), UInt(cols * pb));
    let membrane = m.mem("membrane_buf", p.membrane_words.max(2), UInt(cols * mb));

    // ---------------------------------------------------------------- transfers (§4, §8)
    // One counter serves CLEAR, RECV_IN, RECV_W and the trace streams.
    let xcnt = m.reg("xfer_count", UInt(32));
    let xsub = m.reg("xfer_t", UInt(16)); // t within the input window
    let xq = m.reg("xfer_q", UInt(32)); // (cg, y, x) index of the input word
    let s_fire = m.wire_from("s_fire", in_phase(ph::RECV_IN) & s_valid);
    let w_fire = m.wire_from("w_fire", in_phase(ph::RECV_W) & w_valid);
    let in_addr = (fit(xq, sa) << blog).trunc(sa);
    let in_addr = m.wire_from("input_addr", in_addr.wrapping_add(fit(xsub, sa)));
    // Input words go to the input-role buffer.
    let in_to_a = m.wire_from("input_to_a", s_fire & !role);
    let in_to_b = m.wire_from("input_to_b", s_fire & role);
    // Weight words: track (ct, rt, i) to count valid lanes.
    let wct = m.reg("wrecv_ct", UInt(FW));
    let wrt = m.reg("wrecv_rt", UInt(FW));
    let wi = m.reg("wrecv_i", UInt(16));
    let wrecv_n = m.wire_from(
        "wrecv_n",
        fit(fit(wrt, FW) * u(u64::from(rows), 16), FW + 1).wrapping_add(fit(wi, FW + 1)),
    );
    let wrecv_lanes = lanes(&wct.expr(), &f_m.expr(), cols, 16);
    let wrecv_valid = m.wire_from(
        "wrecv_lanes",
        wrecv_n
            .is_lt(fit(f_n, FW + 1))
            .select(wrecv_lanes, u(0, 16)),
    );
    m.mem_write(weight_buf, w_fire, fit(xcnt, wa), w_data);

    // ---------------------------------------------------------------- array phase (§5)
    // Loader.
    let ld_busy = m.reg("ld_busy", Bool);
    let ld_pair = m.reg("ld_pair", UInt(FW));
    let ld_ct = m.reg("ld_ct", UInt(FW));
    let ld_g = m.reg("ld_g", UInt(FW));
    let ld_tile = m.reg("ld_tile", UInt(16));
    let ld_row = m.reg("ld_row", UInt(16));
    let ld_r = m.wire_from(
        "ld_r",
        fit(ld_g, FW)
            .wrapping_add(1)
            .is_eq(fit(f_groups, FW))
            .select(fit(f_last, 16), u(u64::from(d), 16)),
    );
    let ld_last_row = m.wire_from("ld_last_row", ld_row.is_eq(rows - 1));
    let ld_last = m.wire_from(
        "ld_last",
        ld_busy & ld_last_row & ld_tile.wrapping_add(1).is_eq(ld_r),
    );
    let ld_rt = m.wire_from(
        "ld_rt",
        fit(fit(ld_g, FW) * u(u64::from(d), 16), FW).wrapping_add(fit(ld_tile, FW)),
    );
    // The pairs load the weight buffer's words in address order `(ct·n_rt + rt)·rows + i`
    // (column tile outer, every row tile of it, then the rows): one counter from 0 at phase
    // entry gives the address.
    let ld_addr = m.reg("ld_addr", UInt(wa));
    let half_of = |pair: &Expr| -> Expr {
        if p.double_buffer {
            pair.bit(0).select(u(u64::from(d), eb), u(0, eb))
        } else {
            u(0, eb)
        }
    };
    let ld_entry = m.wire_from(
        "ld_entry",
        half_of(&ld_pair.expr()).wrapping_add(fit(ld_tile, eb)),
    );
    let ld_n = m.wire_from(
        "ld_n",
        fit(fit(ld_rt, FW) * u(u64::from(rows), 16), FW + 1).wrapping_add(fit(ld_row, FW + 1)),
    );
    let ld_lanes = lanes(&ld_ct.expr(), &f_m.expr(), cols, 16);
    let ld_valid_lanes = m.wire_from(
        "ld_valid_lanes",
        (ld_busy & ld_n.is_lt(fit(f_n, FW + 1))).select(ld_lanes, u(0, 16)),
    );
    let wq = m.mem_read(weight_buf, "weight_q", ld_busy, ld_addr);
    let wl_en = m.reg("wl_en_d", Bool);
    m.next(wl_en, ld_busy);
    let wl_row = m.reg_no_reset("wl_row_d", UInt(clog2(u64::from(rows))));
    m.next(wl_row, fit(ld_row, clog2(u64::from(rows))));
    let wl_entry = m.reg_no_reset("wl_entry_d", UInt(eb));
    m.next(wl_entry, ld_entry);

    // Streamer.
    let st_busy = m.reg("st_busy", Bool);
    let st_pair = m.reg("st_pair", UInt(FW));
    let st_ct = m.reg("st_ct", UInt(FW));
    let st_g = m.reg("st_g", UInt(FW));
    // Cycles since the last column was issued (0 while issuing), up to the drain.
    let st_tail = m.reg("st_tail", UInt(clog2(drain + 1)));
    let st_p = m.reg("st_p", UInt(FW));
    let st_f = m.reg("st_f", UInt(FW));
    let st_t = m.reg("st_t", UInt(16));
    let st_rl = m.reg("st_rl", UInt(16));
    // Input coordinates of the window, `e·stride − pad` and `f·stride − pad`: every value the
    // fetch uses lies in (−2^k, H + 2^k) with k = kernel_digit_bits (the driver bounds pad and
    // the kernel by 2^k − 1, and H by the spike buffer), so `k + 2` signed bits hold them.
    let yw = p.kernel_digit_bits() + 2;
    let ey = m.reg("st_ey", SInt(yw));
    let fx = m.reg("st_fx", SInt(yw));
    let st_r = m.wire_from(
        "st_r",
        fit(st_g, FW)
            .wrapping_add(1)
            .is_eq(fit(f_groups, FW))
            .select(fit(f_last, 16), u(u64::from(d), 16)),
    );
    let st_issue = m.wire_from("st_issue", st_busy & st_tail.is_eq(0));
    let st_end = m.wire_from("st_end", st_busy & st_tail.is_eq(drain));
    let st_last_rl = m.wire_from("st_last_rl", st_rl.wrapping_add(1).is_eq(st_r));
    let st_last_t = m.wire_from("st_last_t", st_t.wrapping_add(1).is_eq(tw));
    let st_last_f = m.wire_from("st_last_f", st_f.wrapping_add(1).is_eq(fit(f_f, FW)));
    let st_last_p = m.wire_from("st_last_p", st_p.wrapping_add(1).is_eq(fit(f_p, FW)));
    // The pair being streamed is the last one: last group of the last column tile.
    let st_last_pair = m.wire_from(
        "st_last_pair",
        st_ct.wrapping_add(1).is_eq(fit(f_nct, FW))
            & fit(st_g, FW).wrapping_add(1).is_eq(fit(f_groups, FW)),
    );

    // Pair control (§5 timing).
    let in_array = m.wire_from("in_array", in_phase(ph::ARRAY));
    let ld_done_r = m.reg("ld_done", Bool); // the load of pair `st_next` has finished
    let st_next = m.reg("st_next", UInt(FW)); // the next pair to stream
    let loaded_next = m.wire_from("loaded_next", ld_done_r | ld_last);
    let st_idle_or_ending = m.wire_from("st_free", !st_busy | st_end);
    // Pairs remain to stream: none has started yet, or the one streaming is not the last.
    let st_more = st_next.is_eq(0) | !st_last_pair.expr();
    let st_start = m.wire_from(
        "st_start",
        in_array & st_idle_or_ending & loaded_next & st_more,
    );
    let array_done = m.wire_from("array_done", in_array & st_end & st_last_pair);
    // Loads: pair 0 at phase entry; with double buffering pair k+1 when pair k starts
    // streaming; without, when pair k has drained.
    let enter_array = m.wire(("enter_array").to_string(), Bool);
    // (With double buffering the loader holds the pair that is starting to stream.)
    let ld_start_next = if p.double_buffer {
        let ld_last_pair = m.wire_from(
            "ld_last_pair",
            ld_ct.wrapping_add(1).is_eq(fit(f_nct, FW))
                & fit(ld_g, FW).wrapping_add(1).is_eq(fit(f_groups, FW)),
        );
        st_start & !ld_last_pair.expr()
    } else {
        st_end & !st_last_pair.expr()
    };
    let ld_start = m.wire_from("ld_start", enter_array | ld_start_next);
    // Which pair the loader starts: 0 at entry, else the one after the streamed/starting one.
    let ld_start_pair = m.wire_from(
        "ld_start_pair",
        enter_array.select(
            u(0, FW),
            if p.double_buffer {
                st_next.wrapping_add(1)
            } else {
                st_pair.wrapping_add(1)
            },
        ),
    );
    // The loader and streamer step (ct, g) incrementally instead of dividing.
    Rules::new()
        .when(ld_start, Expr::bool(true))
        .when(ld_last, Expr::bool(false))
        .apply(&mut m, ld_busy);
    Rules::new()
        .when(ld_start, ld_start_pair)
        .apply(&mut m, ld_pair);
    let ld_g_next_pair = fit(ld_g, FW).wrapping_add(1);
    let ld_wrap_g = ld_g_next_pair.is_eq(fit(f_groups, FW));
    Rules::new()
        .when(enter_array, u(0, FW))
        .when(
            ld_start,
            ld_wrap_g
                .clone()
                .select(ld_ct.wrapping_add(1), ld_ct.expr()),
        )
        .apply(&mut m, ld_ct);
    Rules::new()
        .when(enter_array, u(0, FW))
        .when(ld_start, ld_wrap_g.select(u(0, FW), ld_g_next_pair))
        .apply(&mut m, ld_g);
    Rules::new()
        .when(ld_start, u(0, 16))
        .when(ld_busy & ld_last_row, ld_tile.wrapping_add(1))
        .apply(&mut m, ld_tile);
    Rules::new()
        .when(enter_array, u(0, wa))
        .when(ld_busy, ld_addr.wrapping_add(1))
        .apply(&mut m, ld_addr);
    Rules::new()
        .when(ld_start, u(0, 16))
        .when(
            ld_busy,
            ld_last_row.select(u(0, 16), ld_row.wrapping_add(1)),
        )
        .apply(&mut m, ld_row);
    Rules::new()
        .when(enter_array | st_start, Expr::bool(false))
        .when(ld_last, Expr::bool(true))
        .apply(&mut m, ld_done_r);
    // At entry the loader starts pair 0 with (ct, g) = (0, 0); at later starts it advances
    // (ct, g) by one pair from its previous pair.

    // Streamer bookkeeping.
    Rules::new()
        .when(enter_array, u(0, FW))
        .when(st_start, st_next.wrapping_add(1))
        .apply(&mut m, st_next);
    Rules::new()
        .when(st_start, st_next.expr())
        .apply(&mut m, st_pair);
    Rules::new()
        .when(st_start, Expr::bool(true))
        .when(st_end, Expr::bool(false))
        .apply(&mut m, st_busy);
    let st_last_column = st_issue & st_last_rl & st_last_t & st_last_p;
    Rules::new()
        .when(st_start, u(0, st_tail.width()))
        .when(st_last_column, u(1, st_tail.width()))
        .when(st_busy & st_tail.is_ne(0), st_tail.wrapping_add(1))
        .apply(&mut m, st_tail);
    let st_first_pair = st_next.is_eq(0);
    let st_g_next = fit(st_g, FW).wrapping_add(1);
    let st_wrap_g = st_g_next.is_eq(fit(f_groups, FW));
    Rules::new()
        .when(enter_array, u(0, FW))
        .when(
            st_start & !st_first_pair.clone(),
            st_wrap_g
                .clone()
                .select(st_ct.wrapping_add(1), st_ct.expr()),
        )
        .apply(&mut m, st_ct);
    // `st_ct·P`, the first psum row of the column tile, stepped with it.
    let st_ct_rows = m.reg("st_ct_rows", UInt(pa));
    Rules::new()
        .when(enter_array, u(0, pa))
        .when(
            st_start & !st_first_pair.clone() & st_wrap_g.clone(),
            st_ct_rows.wrapping_add(fit(f_p, pa)),
        )
        .apply(&mut m, st_ct_rows);
    Rules::new()
        .when(enter_array, u(0, FW))
        .when(
            st_start & !st_first_pair,
            st_wrap_g.select(u(0, FW), st_g_next),
        )
        .apply(&mut m, st_g);
    // Column loop: rl inner, then t, then p = (e, f).
    let adv_rl = m.wire_from("adv_rl", st_issue);
    let adv_t = m.wire_from("adv_t", st_issue & st_last_rl);
    let adv_p = m.wire_from("adv_p", adv_t & st_last_t);
    let adv_e = m.wire_from("adv_e", adv_p & st_last_f);
    Rules::new()
        .when(st_start, u(0, 16))
        .when(adv_rl, st_last_rl.select(u(0, 16), st_rl.wrapping_add(1)))
        .apply(&mut m, st_rl);
    Rules::new()
        .when(st_start, u(0, 16))
        .when(adv_t, st_last_t.select(u(0, 16), st_t.wrapping_add(1)))
        .apply(&mut m, st_t);
    Rules::new()
        .when(st_start, u(0, FW))
        .when(adv_p, st_p.wrapping_add(1))
        .apply(&mut m, st_p);
    Rules::new()
        .when(st_start, u(0, FW))
        .when(adv_p, st_last_f.select(u(0, FW), st_f.wrapping_add(1)))
        .apply(&mut m, st_f);
    let neg_pad = Expr::sint(0, yw).wrapping_sub(fit(f_pad, yw - 1).as_sint());
    let stride_s = fit(f_stride, yw - 1).as_sint();
    m.next(
        ey,
        st_start.select(
            neg_pad.clone(),
            adv_e.select(ey.wrapping_add(stride_s.clone()).trunc(yw), ey.expr()),
        ),
    );
    m.next(
        fx,
        st_start.select(
            neg_pad.clone(),
            adv_p.select(
                st_last_f.select(neg_pad, fx.wrapping_add(stride_s).trunc(yw)),
                fx.expr(),
            ),
        ),
    );

    // Per-row tap digits (mixed radix, §5): `base` at the group's first tile, `cur` after
    // each row-tile step. Each digit is only as wide as it needs: `cl` below `cols`, `r` and
    // `s` below R and S (`kernel_digit_bits`), `cg` modulo the spike address width (it only
    // feeds addresses), the fan-in index `n` below the weight buffer's depth.
    let digit_bits = [sa, cl_bits, kb_digits, kb_digits];
    let as_digits = |v: [Expr; 4]| {
        let [cg, cl, r, s] = v;
        Digits {
            cg: fit(cg, digit_bits[0]),
            cl: fit(cl, digit_bits[1]),
            r: fit(r, digit_bits[2]),
            s: fit(s, digit_bits[3]),
        }
    };
    let radix = Radices {
        cols: u(u64::from(cols), digit_bits[1] + 1),
        r: fit(f_r, digit_bits[2]),
        s: fit(f_s, digit_bits[3]),
    };
    let rows_step = as_digits(f_rows_digits.map(|f| f.expr()));
    let group_step = as_digits(f_drows_digits.map(|f| f.expr()));
    let mut init = as_digits([u(0, 1), u(0, 1), u(0, 1), u(0, 1)]);
    let names = ["cg", "cl", "r", "s"];
    let mut row_taps: Vec<(Digits, Expr)> = Vec::new(); // (digits, n) of the issuing column
    for i in 0..rows {
        let base_regs: Vec<Signal> = names
            .iter()
            .zip(digit_bits)
            .map(|(n, w)| m.reg(format!("tap_base_{n}_{i}"), UInt(w)))
            .collect();
        let cur_regs: Vec<Signal> = names
            .iter()
            .zip(digit_bits)
            .map(|(n, w)| m.reg(format!("tap_cur_{n}_{i}"), UInt(w)))
            .collect();
        let nbase = m.reg(format!("tap_base_n_{i}"), UInt(nw));
        let ncur = m.reg(format!("tap_cur_n_{i}"), UInt(nw));
        let regs_digits =
            |r: &[Signal]| as_digits([r[0].expr(), r[1].expr(), r[2].expr(), r[3].expr()]);
        let base = regs_digits(&base_regs);
        let curd = regs_digits(&cur_regs);
        let first_rl = st_rl.is_eq(0);
        let tap = Digits {
            cg: first_rl.select(base.cg.clone(), curd.cg.clone()),
            cl: first_rl.select(base.cl.clone(), curd.cl.clone()),
            r: first_rl.select(base.r.clone(), curd.r.clone()),
            s: first_rl.select(base.s.clone(), curd.s.clone()),
        };
        let tap_n = first_rl.select(nbase, ncur);
        let stepped = mixed_radix::add(&tap, &rows_step, &radix);
        let grouped = mixed_radix::add(&base, &group_step, &radix);
        let at_group0 = st_start & st_wrap_g_or_first(&st_next, &st_g, &f_groups);
        let at_groupk = st_start & !at_group0.clone();
        let pick = |k: usize| -> (Expr, Expr, Expr) {
            let sel = |d: &Digits| match k {
                0 => d.cg.clone(),
                1 => d.cl.clone(),
                2 => d.r.clone(),
                _ => d.s.clone(),
            };
            (sel(&init), sel(&grouped), sel(&stepped))
        };
        for k in 0..4 {
            let (iv, gv, sv) = pick(k);
            Rules::new()
                .when(at_group0.clone(), iv)
                .when(at_groupk.clone(), gv)
                .apply(&mut m, base_regs[k]);
            Rules::new().when(st_issue, sv).apply(&mut m, cur_regs[k]);
        }
        let drows = u((u64::from(d) * u64::from(rows)) % (1u64 << nw), nw);
        Rules::new()
            .when(at_group0, u(u64::from(i) % (1u64 << nw), nw))
            .when(at_groupk, nbase.wrapping_add(drows))
            .apply(&mut m, nbase);
        Rules::new()
            .when(
                st_issue,
                tap_n.wrapping_add(u(u64::from(rows) % (1u64 << nw), nw)),
            )
            .apply(&mut m, ncur);
        row_taps.push((tap, m.wire_from(format!("tap_n_{i}"), tap_n).expr()));
        init = mixed_radix::increment(&init, &radix);
    }

    // Fetch stage 1: addresses (registered), §5.
    let col_entry = half_of(&st_pair.expr()).wrapping_add(fit(st_rl, eb));
    let mut rd_en_bits = Vec::new();
    let mut valid_bits = Vec::new();
    let mut fetch_data_a = Vec::new();
    let mut fetch_data_b = Vec::new();
    let mut lane_sel = Vec::new();
    for (i, (tap, tap_n)) in row_taps.iter().enumerate() {
        let valid = tap_n.is_lt(fit(f_n, nw));
        let y = ey
            .wrapping_add(fit(tap.r.clone(), yw - 1).as_sint())
            .trunc(yw);
        let x = fx
            .wrapping_add(fit(tap.s.clone(), yw - 1).as_sint())
            .trunc(yw);
        let inb = y.is_ge(Expr::sint(0, 2))
            & y.is_lt(fit(f_h, yw - 1).as_sint())
            & x.is_ge(Expr::sint(0, 2))
            & x.is_lt(fit(f_w, yw - 1).as_sint());
        let yu = fit(y.as_uint(), FW);
        let xu = fit(x.as_uint(), FW);
        let cg_row = (fit(tap.cg.clone(), sa) * fit(f_h, sa))
            .trunc(sa)
            .wrapping_add(fit(yu, sa));
        let addr = address(cg_row, f_w.expr(), xu, blog, st_t.expr(), sa);
        let en = m.wire_from(format!("fetch_en_{i}"), st_issue & valid.clone() & inb);
        let addr = m.wire_from(format!("fetch_addr_{i}"), addr);
        let v1 = m.reg(format!("fetch_valid_{i}"), Bool);
        m.next(v1, st_issue & valid);
        let cl1 = m.reg_no_reset(format!("fetch_lane_{i}"), UInt(clog2(u64::from(cols))));
        m.next(cl1, fit(tap.cl.clone(), clog2(u64::from(cols))));
        let en1 = m.reg(format!("fetch_en_d_{i}"), Bool);
        m.next(en1, en);
        // Fetch stage 2: read (the input-role buffer is selected by `role`).
        let qa = m.mem_read(spike_a, format!("spike_a_q{i}"), en & !role, addr);
        let qb = m.mem_read(spike_b, format!("spike_b_q{i}"), en & role, addr);
        rd_en_bits.push(en1);
        valid_bits.push(v1);
        fetch_data_a.push(qa);
        fetch_data_b.push(qb);
        lane_sel.push(cl1);
    }
    let role1 = m.reg("fetch_role", Bool);
    m.next(role1, role);
    let mut spike_bits = Vec::new();
    for i in 0..rows as usize {
        let word = role1.select(fetch_data_b[i], fetch_data_a[i]);
        let bit = word.shr_by(lane_sel[i]).bit(0);
        spike_bits.push(rd_en_bits[i] & bit);
    }
    // Column tag through fetch (2 cycles) and the array (lat cycles).
    let issue_d1 = m.reg("issue_d1", Bool);
    m.next(issue_d1, st_issue);
    let entry_d1 = m.reg_no_reset("entry_d1", UInt(eb));
    m.next(entry_d1, col_entry);
    let ct_d1 = m.reg_no_reset("ct_d1", UInt(FW));
    m.next(ct_d1, st_ct);
    let tag_bits = 1 + 1 + 1 + pa;
    let psum_addr_now = row_address(
        st_ct_rows.wrapping_add(fit(st_p, pa)),
        blog,
        st_t.expr(),
        pa,
    );
    let tag_now = Expr::cat([
        st_rl.is_eq(0),
        st_last_rl.expr(),
        st_g.is_eq(0),
        psum_addr_now,
    ]);
    let tag1 = m.reg_no_reset("tag_d1", UInt(tag_bits));
    m.next(tag1, tag_now);
    let in_spikes = Expr::cat(spike_bits.iter().rev().cloned());
    let in_taps = Expr::cat(valid_bits.iter().rev().map(|s| s.expr()));
    let in_spikes = m.wire_from("array_in_spikes", in_spikes);
    let in_taps = m.wire_from("array_in_taps", in_taps);
    let array = pe_array(&array_params);
    let arr = m.instance("u_array", &array);
    m.connect(&arr, "in_valid", issue_d1);
    m.connect(&arr, "in_entry", entry_d1);
    m.connect(&arr, "in_spikes", in_spikes);
    m.connect(&arr, "in_taps", in_taps);
    m.connect(&arr, "wl_en", wl_en);
    m.connect(&arr, "wl_row", wl_row);
    m.connect(&arr, "wl_entry", wl_entry);
    m.connect(&arr, "wl_weights", wq);
    // Tag pipeline: tag1 enters the array with its column (cycle c+1); after `lat` more
    // registers it leaves with the column's partial sums.
    let mut tag_pipe: Vec<Expr> = vec![tag1.expr()];
    let mut ct_pipe: Vec<Expr> = vec![ct_d1.expr()];
    let mut valid_pipe: Vec<Expr> = vec![issue_d1.expr()];
    for k in 0..lat {
        let r = m.reg_no_reset(format!("tag_pipe_{k}"), UInt(tag_bits));
        m.next(r, tag_pipe[k as usize].clone());
        tag_pipe.push(r.expr());
        let c = m.reg_no_reset(format!("ct_pipe_{k}"), UInt(FW));
        m.next(c, ct_pipe[k as usize].clone());
        ct_pipe.push(c.expr());
        if k + 1 < lat {
            let v = m.reg(format!("valid_pipe_{k}"), Bool);
            m.next(v, valid_pipe[k as usize].clone());
            valid_pipe.push(v.expr());
        }
    }
    let tag_out = tag_pipe[lat as usize].clone();
    let tag_pre = tag_pipe[lat as usize - 1].clone();
    let ct_out = ct_pipe[lat as usize].clone();
    let valid_pre = valid_pipe[lat as usize - 1].clone();
    let out_valid = arr.out("out_valid");
    let out_psums = arr.out("out_psums");
    let out_first = tag_out.bit(tag_bits - 1);
    let out_last = tag_out.bit(tag_bits - 2);
    let out_g0 = tag_out.bit(tag_bits - 3);
    let out_addr = tag_out.bits(pa - 1, 0);
    let pre_last = tag_pre.bit(tag_bits - 2);
    let pre_g0 = tag_pre.bit(tag_bits - 3);
    let pre_addr = tag_pre.bits(pa - 1, 0);
    // Column accumulator and psum buffer (§5).
    let acc_rd = m.wire_from("psum_rmw_read", valid_pre & pre_last & !pre_g0);
    let psum_old = m.mem_read(psum_buf, "psum_rmw_q", acc_rd, pre_addr);
    let mut acc_regs = Vec::new();
    let mut sum_lanes = Vec::new();
    let mut write_lanes = Vec::new();
    for j in 0..cols {
        let lane = out_psums.bits(j * pb + pb - 1, j * pb).as_sint();
        let acc = m.reg(format!("col_acc_{j}"), SInt(pb));
        let sum = out_first.select(lane.clone(), acc.wrapping_add(lane));
        let sum = m.wire_from(format!("col_sum_{j}"), sum);
        m.next_when(acc, out_valid.clone(), sum);
        let old = psum_old.bits(j * pb + pb - 1, j * pb).as_sint();
        let total = out_g0.select(sum.expr(), old.wrapping_add(sum));
        write_lanes.push(total.as_uint());
        acc_regs.push(acc);
        sum_lanes.push(sum);
    }
    let psum_we_array = m.wire_from("psum_we_array", out_valid.clone() & out_last.clone());
    let psum_wdata_array = Expr::cat(write_lanes.into_iter().rev());

    // ---------------------------------------------------------------- LIF phase (§6)
    let n = p.share_factor;
    let nb = clog2(u64::from(n.max(2)));
    let lf_busy = m.reg("lif_busy", Bool);
    let lf_t = m.reg("lif_t", UInt(16));
    let lf_p = m.reg("lif_p", UInt(FW));
    let lf_cb = m.reg("lif_cb", UInt(FW));
    let lf_g = m.reg("lif_g", UInt(nb));
    let lf_tail = m.reg("lif_tail", UInt(3));
    let lf_last_g = m.wire_from("lif_last_g", lf_g.is_eq(u64::from(n - 1)));
    let lf_last_cb = m.wire_from("lif_last_cb", lf_cb.wrapping_add(1).is_eq(fit(f_nctb, FW)));
    let lf_last_p = m.wire_from("lif_last_p", lf_p.wrapping_add(1).is_eq(fit(f_p, FW)));
    let lf_last_t = m.wire_from("lif_last_t", lf_t.wrapping_add(1).is_eq(tw));
    let lf_final = m.wire_from(
        "lif_final",
        lf_busy & lf_last_g & lf_last_cb & lf_last_p & lf_last_t,
    );
    // Stepped instead of multiplied: the column tile `ct = g·n_ctb + cb`, its psum row
    // `ct·P + p`, the psum row `cb·P + p` of group 0, and the membrane row `base + p·n_ctb`.
    let lf_ct = m.reg("lif_ct", UInt(FW));
    let lf_psum_row = m.reg("lif_psum_row", UInt(pa));
    let lf_cb_row = m.reg("lif_cb_row", UInt(pa));
    let lf_mem_row = m.reg("lif_mem_row", UInt(ma));
    let lf_addr = m.wire_from(
        "lif_psum_addr",
        row_address(lf_psum_row.expr(), blog, lf_t.expr(), pa),
    );
    let lf_maddr = m.wire_from("lif_mem_addr", lf_mem_row.wrapping_add(fit(lf_cb, ma)));
    let lf_first = lf_g.is_eq(0);
    // Classify phase (§7) shares the psum read port.
    let cl_busy = m.reg("cls_busy", Bool);
    let cl_ct = m.reg("cls_ct", UInt(FW));
    let cl_tl = m.reg("cls_tl", UInt(16));
    let cl_last_ct = m.wire_from("cls_last_ct", cl_ct.wrapping_add(1).is_eq(fit(f_nct, FW)));
    let cl_psum_row = m.reg("cls_psum_row", UInt(pa)); // cl_ct·P
    let cl_addr = m.wire_from(
        "cls_psum_addr",
        row_address(cl_psum_row.expr(), blog, cl_tl.expr(), pa),
    );
    let ph_rd_en = m.wire_from("psum_phase_read", lf_busy | cl_busy);
    let ph_rd_addr = m.wire_from("psum_phase_addr", lf_busy.select(lf_addr, cl_addr));
    let psum_q = m.mem_read(psum_buf, "psum_q", ph_rd_en, ph_rd_addr);
    let mem_rd = m.wire_from("membrane_read", lf_busy & lf_first.clone());
    let v_q_ram = m.mem_read(membrane, "membrane_q", mem_rd, lf_maddr);
    // Stage-1 registers of the LIF pipeline (the read data arrives with them).
    let lf_v1 = m.reg("lif_v1", Bool);
    m.next(lf_v1, lf_busy);
    let lf_first1 = m.reg("lif_first1", Bool);
    m.next(lf_first1, lf_first);
    let lf_last1 = m.reg("lif_last1", Bool);
    m.next(lf_last1, lf_busy & lf_last_g);
    let lf_ct1 = m.reg_no_reset("lif_ct1", UInt(FW));
    m.next(lf_ct1, lf_ct);
    // The psum address of the LIF read, kept only as wide as it is used: it addresses the
    // output spike words (`sa` bits), so a psum buffer deeper than the spike buffers leaves
    // no unused register bits.
    let la = pa.min(sa);
    let lf_addr1 = m.reg_no_reset("lif_addr1", UInt(la));
    m.next(lf_addr1, fit(lf_addr, la));
    let lf_maddr1 = m.reg_no_reset("lif_maddr1", UInt(ma));
    m.next(lf_maddr1, lf_maddr);
    // LIF datapaths, one per lane; their outputs come one cycle later (registered).
    let lif_params = LifUnitParams {
        membrane_bits: mb,
        current_bits: pb,
        leak: p.leak,
        reset: p.reset,
        fire_compare: p.fire_compare,
        share_factor: n,
    };
    let lif_mod = lif_unit(&lif_params);
    let theta = fit(f_theta, mb).as_sint();
    // Membrane forwarding: a shared state read again before its write-back has landed (a
    // timestep of fewer than three LIF cycles) takes the value being written this cycle (the
    // LIF outputs), or the one written last cycle, instead of the stale RAM word.
    let v_out_word = m.wire("lif_v_out_word", UInt(cols * mb));
    let mw_now = m.wire("membrane_write_now", Bool);
    let mw_addr_now = m.wire("membrane_write_addr", UInt(ma));
    let mw_addr_q = m.reg_no_reset("membrane_wr_addr_q", UInt(ma));
    let mw_data_q = m.reg_no_reset("membrane_wr_data_q", UInt(cols * mb));
    let mw_valid_q = m.reg("membrane_wr_valid_q", Bool);
    let fwd_now = m.wire_from("membrane_fwd_now", mw_now & mw_addr_now.is_eq(lf_maddr1));
    let fwd_last = m.wire_from("membrane_fwd_last", mw_valid_q & mw_addr_q.is_eq(lf_maddr1));
    let v_q = m.wire_from(
        "membrane_v",
        fwd_now.select(v_out_word, fwd_last.select(mw_data_q, v_q_ram)),
    );
    let mut spike_out_bits = Vec::new();
    let mut v_out_lanes = Vec::new();
    for j in 0..cols {
        let lu = m.instance(format!("u_lif_{j}"), &lif_mod);
        m.connect(&lu, "valid", lf_v1);
        m.connect(&lu, "first", lf_first1);
        m.connect(&lu, "v_mem", v_q.bits(j * mb + mb - 1, j * mb).as_sint());
        m.connect(
            &lu,
            "current",
            psum_q.bits(j * pb + pb - 1, j * pb).as_sint(),
        );
        m.connect(&lu, "threshold", theta.clone());
        spike_out_bits.push(lu.out("spike"));
        v_out_lanes.push(lu.out("v_out").as_uint());
        let _ = (lu.out("spike_valid"), lu.out("v_valid"));
    }
    let lf_v2 = m.reg("lif_v2", Bool);
    m.next(lf_v2, lf_v1);
    let lf_last2 = m.reg("lif_last2", Bool);
    m.next(lf_last2, lf_v1 & lf_last1);
    let lf_addr2 = m.reg_no_reset("lif_addr2", UInt(la));
    m.next(lf_addr2, lf_addr1);
    let lf_maddr2 = m.reg_no_reset("lif_maddr2", UInt(ma));
    m.next(lf_maddr2, lf_maddr1);
    let lif_spike_word = Expr::cat(spike_out_bits.into_iter().rev());
    m.drive(v_out_word, Expr::cat(v_out_lanes.into_iter().rev()));
    m.drive(mw_now, lf_v2 & lf_last2);
    m.drive(mw_addr_now, lf_maddr2);
    m.next(mw_valid_q, mw_now);
    m.next(mw_addr_q, lf_maddr2);
    m.next(mw_data_q, v_out_word);
    // Output spikes go to the output-role buffer at the psum address layout (§3).
    let lif_spike_addr = fit(lf_addr2, sa);
    // Membrane clearing (CLEAR phase, only at the start of a run, when no LIF write is in
    // flight) writes zeros through the same write port as the LIF write-back: one write port
    // is what block RAM offers (iCE40 `SB_RAM40_4K`), so the buffer maps to it.
    let clr = m.wire_from("clear_we", in_phase(ph::CLEAR));
    m.mem_write(
        membrane,
        clr | mw_now,
        clr.select(fit(xcnt, ma), lf_maddr2.expr()),
        clr.select(u(0, cols * mb), v_out_word.expr()),
    );
    let out_we = m.wire_from("spike_out_we", lf_v2);
    m.mem_write(spike_a, in_to_a, in_addr, s_data);
    m.mem_write(
        spike_a,
        out_we & role,
        lif_spike_addr.clone(),
        lif_spike_word.clone(),
    );
    m.mem_write(spike_b, in_to_b, in_addr, s_data);
    m.mem_write(spike_b, out_we & !role, lif_spike_addr, lif_spike_word);
    m.mem_write(psum_buf, psum_we_array, fit(out_addr, pa), psum_wdata_array);

    // LIF loop counters.
    let lf_start = m.wire(("lif_start").to_string(), Bool);
    Rules::new()
        .when(lf_start, Expr::bool(true))
        .when(lf_final, Expr::bool(false))
        .apply(&mut m, lf_busy);
    Rules::new()
        .when(lf_start, u(0, nb))
        .when(lf_busy, lf_last_g.select(u(0, nb), lf_g.wrapping_add(1)))
        .apply(&mut m, lf_g);
    let lf_adv_cb = m.wire_from("lif_adv_cb", lf_busy & lf_last_g);
    Rules::new()
        .when(lf_start, u(0, FW))
        .when(
            lf_adv_cb,
            lf_last_cb.select(u(0, FW), lf_cb.wrapping_add(1)),
        )
        .apply(&mut m, lf_cb);
    let lf_adv_p = m.wire_from("lif_adv_p", lf_adv_cb & lf_last_cb);
    Rules::new()
        .when(lf_start, u(0, FW))
        .when(
            lf_adv_p,
            lf_last_p.select(u(0, FW), lf_p.wrapping_add(1)),
        )
        .apply(&mut m, lf_p);
    Rules::new()
        .when(lf_start, u(0, 16))
        .when(lf_adv_p & lf_last_p, lf_t.wrapping_add(1))
        .apply(&mut m, lf_t);
    let lf_cb_row_next = lf_last_cb.select(
        lf_last_p.select(u(0, pa), fit(lf_p, pa).wrapping_add(1)),
        lf_cb_row.wrapping_add(fit(f_p, pa)),
    );
    Rules::new()
        .when(lf_start, u(0, pa))
        .when(lf_adv_cb, lf_cb_row_next.clone())
        .apply(&mut m, lf_cb_row);
    Rules::new()
        .when(lf_start, u(0, pa))
        .when(
            lf_busy,
            lf_last_g.select(lf_cb_row_next, lf_psum_row.wrapping_add(fit(f_nctb_p, pa))),
        )
        .apply(&mut m, lf_psum_row);
    Rules::new()
        .when(lf_start, u(0, FW))
        .when(
            lf_busy,
            lf_last_g.select(
                lf_last_cb.select(u(0, FW), lf_cb.wrapping_add(1)),
                lf_ct.wrapping_add(fit(f_nctb, FW)),
            ),
        )
        .apply(&mut m, lf_ct);
    Rules::new()
        .when(lf_start, fit(f_mbase, ma))
        .when(
            lf_adv_p,
            lf_last_p.select(fit(f_mbase, ma), lf_mem_row.wrapping_add(fit(f_nctb, ma))),
        )
        .apply(&mut m, lf_mem_row);
    Rules::new()
        .when(lf_final, u(2, 3))
        .when(lf_tail.is_ne(0), lf_tail.wrapping_sub(1))
        .apply(&mut m, lf_tail);
    let lif_done = m.wire_from("lif_done", in_phase(ph::LIF) & lf_tail.is_eq(1));

    // ---------------------------------------------------------------- classify + entropy (§7)
    let cl_v1 = m.reg("cls_v1", Bool);
    m.next(cl_v1, cl_busy);
    let cl_ct1 = m.reg_no_reset("cls_ct1", UInt(FW));
    m.next(cl_ct1, cl_ct);
    let cl_start = m.wire(("cls_start").to_string(), Bool);
    let cl_issue_end = m.wire_from("cls_issue_end", cl_busy & cl_last_ct);
    Rules::new()
        .when(cl_start, Expr::bool(true))
        .when(cl_issue_end, Expr::bool(false))
        .apply(&mut m, cl_busy);
    Rules::new()
        .when(cl_start, u(0, FW))
        .when(cl_busy, cl_ct.wrapping_add(1))
        .apply(&mut m, cl_ct);
    Rules::new()
        .when(cl_start, u(0, pa))
        .when(cl_busy, cl_psum_row.wrapping_add(fit(f_p, pa)))
        .apply(&mut m, cl_psum_row);
    let cl_tail = m.reg("cls_tail", UInt(2));
    Rules::new()
        .when(cl_issue_end, u(2, 2))
        .when(cl_tail.is_ne(0), cl_tail.wrapping_sub(1))
        .apply(&mut m, cl_tail);
    let cls_done = m.wire_from("cls_done", in_phase(ph::CLASSIFY) & cl_tail.is_eq(1));
    // Logit registers.
    let mut logits = Vec::new();
    for k in 0..p.max_classes {
        let z = m.reg(format!("logit_{k}"), SInt(lb));
        logits.push(z);
    }
    let clear_logits = m.wire(("clear_logits").to_string(), Bool);
    for (k, z) in logits.iter().enumerate() {
        let k = k as u32;
        let ct_k = u64::from(k / cols);
        let lane = k % cols;
        let add = psum_q
            .bits(lane * pb + pb - 1, lane * pb)
            .as_sint()
            .sext(lb.max(pb));
        let hit = cl_v1 & cl_ct1.is_eq(ct_k) & fit(f_m, 16).is_gt(u64::from(k));
        let sum = z.sext(lb.max(pb)).wrapping_add(add).trunc(lb);
        m.next(
            *z,
            clear_logits.select(Expr::sint(0, lb), hit.select(sum, z.expr())),
        );
    }
    let ent = entropy_unit(&EntropyUnitParams {
        max_classes: p.max_classes,
        logit_bits: lb,
    });
    let eu = m.instance("u_entropy", &ent);
    let ent_start = m.wire(("entropy_start").to_string(), Bool);
    m.connect(&eu, "start", ent_start);
    m.connect(
        &eu,
        "num_classes",
        fit(num_classes, clog2(u64::from(p.max_classes) + 1)),
    );
    m.connect(&eu, "frac_bits", frac_bits);
    m.connect(&eu, "rlnk", rlnk);
    m.connect(&eu, "theta_q", theta_q);
    let ent_addr = eu.out("logit_addr");
    let mut ldata: Expr = logits[0].expr();
    for (k, z) in logits.iter().enumerate().skip(1) {
        ldata = ent_addr.is_eq(k as u64).select(*z, ldata);
    }
    let ldata_r = m.reg_no_reset("logit_read_q", SInt(lb));
    m.next(ldata_r, ldata);
    m.connect(&eu, "logit_data", ldata_r);
    let ent_done = eu.out("done");
    let ent_exit = eu.out("exit");
    let ent_pred = eu.out("prediction");
    let _ = (eu.out("busy"), eu.out("h_q"));

    // ---------------------------------------------------------------- result stream (§8)
    let r_valid = m.reg("r_valid_r", Bool);
    let r_kind = m.reg("r_kind_r", UInt(2));
    let r_data = m.reg("r_data_r", UInt(32));
    let r_fire = m.wire_from("r_fire", r_valid & r_ready);
    let tr_pending = m.reg("trace_pending", Bool); // a read was issued last cycle
    let tr_ct = m.reg("trace_ct", UInt(FW));
    let tr_p = m.reg("trace_p", UInt(FW));
    let tr_t = m.reg("trace_t", UInt(16));
    // Words go out in (ct, p, t) order, so their spike row `ct·P + p` just counts.
    let tr_row = m.reg("trace_row", UInt(sa));
    let tr_all = m.reg("trace_all_issued", Bool);
    let tr_addr = m.wire_from(
        "trace_addr",
        row_address(tr_row.expr(), blog, tr_t.expr(), sa),
    );
    let in_trace = m.wire_from("in_trace", in_phase(ph::TRACE));
    let tr_issue = m.wire_from("trace_issue", in_trace & !tr_pending & !r_valid & !tr_all);
    // The stage's output is in the output-role buffer: B when role = 0.
    let tq_a = m.mem_read(spike_a, "trace_qa", tr_issue & role, tr_addr);
    let tq_b = m.mem_read(spike_b, "trace_qb", tr_issue & !role, tr_addr);
    let tr_word = role.select(tq_a, tq_b);
    let tr_last_t = tr_t.wrapping_add(1).is_eq(tw);
    let tr_last_p = tr_p.wrapping_add(1).is_eq(fit(f_p, FW));

    // ---------------------------------------------------------------- requests (§8)
    let req_valid = m.reg("req_valid_r", Bool);
    let req_kind = m.reg("req_kind_r", Bool);
    let req_fire = m.wire_from("req_fire", req_valid & req_ready);

    // ---------------------------------------------------------------- sequencer (§4)
    let tw_next_window = {
        let rest = timesteps.wrapping_sub(t0.wrapping_add(tw)).trunc(16);
        rest.is_lt(tick_batch).select(rest, tick_batch.expr())
    };
    let tw_first = timesteps.is_lt(tick_batch).select(timesteps, tick_batch);
    let last_window = t0.wrapping_add(tw).trunc(16).is_ge(timesteps);
    let ent_in = m.wire_from("in_entropy", in_phase(ph::ENTROPY));
    let exit_now = m.wire_from(
        "exit_now",
        ent_in
            & ent_done.clone()
            & (ent_exit
                | t0.wrapping_add(cl_tl)
                    .wrapping_add(1)
                    .trunc(16)
                    .is_ge(timesteps)),
    );
    let more_t = cl_tl.wrapping_add(1).is_lt(tw);
    let in_logits = m.wire_from("in_logits", in_phase(ph::LOGITS));
    let logit_total = fit(f_m, 32);
    let final_go = m.wire_from("final_go", in_phase(ph::FINAL) & !r_valid);
    let stage_go = desc_loaded.expr();
    let next_go = in_phase(ph::NEXT);
    // Transitions.
    let to = |v: u64| u(v, PHW);
    let after_array = is_cls.select(to(ph::CLASSIFY), to(ph::LIF));
    let after_lif = trace_en.select(to(ph::TRACE), to(ph::NEXT));
    let trace_done = m.wire_from("trace_done", in_trace & tr_all & !r_valid & !tr_pending);
    let logits_done = m.wire_from(
        "logits_done",
        in_logits & xcnt.is_ge(logit_total.clone()) & !r_valid,
    );
    let after_entropy_cont = more_t.clone().select(to(ph::CLASSIFY), to(ph::NEXT));
    let after_logits = m.wire(("after_logits").to_string(), UInt(PHW));
    let exited = m.reg("exited", Bool);
    m.drive(
        after_logits,
        exited.select(to(ph::FINAL), after_entropy_cont.clone()),
    );
    let clear_done = m.wire_from(
        "clear_done",
        in_phase(ph::CLEAR) & xcnt.wrapping_add(1).trunc(32).is_ge(fit(mem_words, 32)),
    );
    let recv_in_done = m.wire("recv_in_done", Bool);
    let recv_w_done = m.wire("recv_w_done", Bool);
    let ent_finish = m.wire_from("entropy_finish", ent_in & ent_done.clone());
    let win_over = last_stage & (last_window | exited.expr());
    Rules::new()
        .when(
            start & in_phase(ph::IDLE),
            mem_words.is_eq(0).select(to(ph::STAGE), to(ph::CLEAR)),
        )
        .when(clear_done, to(ph::STAGE))
        .when(
            stage_go.clone(),
            stage.is_eq(0).select(to(ph::REQ_IN), to(ph::REQ_W)),
        )
        .when(in_phase(ph::REQ_IN) & req_fire, to(ph::RECV_IN))
        .when(recv_in_done, to(ph::REQ_W))
        .when(in_phase(ph::REQ_W) & req_fire, to(ph::RECV_W))
        .when(recv_w_done, to(ph::ARRAY))
        .when(array_done, after_array)
        .when(lif_done, after_lif)
        .when(cls_done, to(ph::ENTROPY))
        .when(
            ent_finish,
            trace_en.select(
                to(ph::LOGITS),
                exit_now.select(to(ph::FINAL), after_entropy_cont),
            ),
        )
        .when(logits_done, after_logits)
        .when(trace_done, to(ph::NEXT))
        .when(
            next_go.clone(),
            win_over.select(to(ph::FINAL), to(ph::STAGE)),
        )
        .when(in_phase(ph::FINAL) & r_fire, to(ph::IDLE))
        .apply(&mut m, phase);
    // Fix: FINAL issues one beat; the transition back to IDLE happens when it is taken.
    m.drive(enter_array, recv_w_done);
    m.drive(lf_start, array_done & !is_cls.expr());
    m.drive(
        cl_start,
        (array_done & is_cls.expr())
            | (ent_finish & !exit_now & more_t.clone() & !trace_en.expr())
            | (logits_done & !exited.expr() & more_t.clone()),
    );
    // The entropy unit starts in the classify phase's last cycle, once every logit update
    // has landed (it reads class 0 on its start edge); the ENTROPY phase then lasts the
    // unit's 2K + 22 cycles plus the one in which `done` is seen: 2K + 23.
    m.drive(ent_start, cls_done);
    m.drive(clear_logits, start & in_phase(ph::IDLE));
    Rules::new()
        .when(start & in_phase(ph::IDLE), Expr::bool(false))
        .when(exit_now, Expr::bool(true))
        .apply(&mut m, exited);
    Rules::new()
        .when(start & in_phase(ph::IDLE), Expr::bool(true))
        .when(in_phase(ph::FINAL) & r_fire, Expr::bool(false))
        .apply(&mut m, busy);
    Rules::new()
        .when(start & in_phase(ph::IDLE), Expr::bool(false))
        .when(in_phase(ph::FINAL) & r_fire, Expr::bool(true))
        .apply(&mut m, done);
    Rules::new()
        .when(start & in_phase(ph::IDLE), cfg_wdata.bit(1))
        .apply(&mut m, trace_en);
    Rules::new()
        .when(start & in_phase(ph::IDLE), u(0, sb))
        .when(
            next_go.clone(),
            last_stage.select(u(0, sb), stage.wrapping_add(1)),
        )
        .apply(&mut m, stage);
    Rules::new()
        .when(start & in_phase(ph::IDLE), Expr::bool(false))
        .when(next_go.clone(), last_stage.select(Expr::bool(false), !role))
        .apply(&mut m, role);
    Rules::new()
        .when(start & in_phase(ph::IDLE), u(0, 16))
        .when(next_go.clone() & last_stage, t0.wrapping_add(tw))
        .apply(&mut m, t0);
    Rules::new()
        .when(start & in_phase(ph::IDLE), tw_first)
        .when(next_go & last_stage, tw_next_window)
        .apply(&mut m, tw);
    Rules::new()
        .when(
            cl_start & !(array_done & is_cls.expr()),
            cl_tl.wrapping_add(1),
        )
        .when(array_done & is_cls.expr(), u(0, 16))
        .apply(&mut m, cl_tl);
    Rules::new()
        .when(exit_now, t0.wrapping_add(cl_tl).wrapping_add(1))
        .apply(&mut m, exit_t);
    Rules::new()
        .when(exit_now, ent_pred)
        .apply(&mut m, prediction);
    // Requests.
    let req_go = stage_go | recv_in_done;
    Rules::new()
        .when(req_go, Expr::bool(true))
        .when(req_fire, Expr::bool(false))
        .apply(&mut m, req_valid);
    Rules::new()
        .when(in_phase(ph::STAGE), stage.is_eq(0))
        .when(recv_in_done, Expr::bool(false))
        .apply(&mut m, req_kind);
    // Transfer counter.
    Rules::new()
        .when(start & in_phase(ph::IDLE), u(0, 32))
        .when(in_phase(ph::CLEAR), xcnt.wrapping_add(1))
        .when(req_fire, u(0, 32))
        .when(s_fire | w_fire, xcnt.wrapping_add(1))
        .when(array_done | lif_done | ent_finish, u(0, 32))
        .when(tr_issue | (in_logits & r_fire), xcnt.wrapping_add(1))
        .apply(&mut m, xcnt);
    Rules::new()
        .when(req_fire, u(0, 16))
        .when(
            s_fire,
            xsub.wrapping_add(1)
                .is_eq(tw)
                .select(u(0, 16), xsub.wrapping_add(1)),
        )
        .apply(&mut m, xsub);
    Rules::new()
        .when(req_fire, u(0, 32))
        .when(s_fire & xsub.wrapping_add(1).is_eq(tw), xq.wrapping_add(1))
        .apply(&mut m, xq);
    let wi_last = wi.wrapping_add(1).is_eq(rows);
    let wrt_last = wrt.wrapping_add(1).is_eq(fit(f_nrt, FW));
    Rules::new()
        .when(req_fire, u(0, 16))
        .when(w_fire, wi_last.clone().select(u(0, 16), wi.wrapping_add(1)))
        .apply(&mut m, wi);
    Rules::new()
        .when(req_fire, u(0, FW))
        .when(
            w_fire & wi_last.clone(),
            wrt_last.clone().select(u(0, FW), wrt.wrapping_add(1)),
        )
        .apply(&mut m, wrt);
    let wct_last = wct.wrapping_add(1).is_eq(fit(f_nct, FW));
    m.drive(
        recv_w_done,
        w_fire & wi_last.clone() & wrt_last.clone() & wct_last,
    );
    Rules::new()
        .when(req_fire, u(0, FW))
        .when(w_fire & wi_last & wrt_last, wct.wrapping_add(1))
        .apply(&mut m, wct);
    // Trace counters.
    Rules::new()
        .when(lif_done, Expr::bool(false))
        .when(tr_issue, Expr::bool(true))
        .when(tr_pending.expr(), Expr::bool(false))
        .apply(&mut m, tr_pending);
    Rules::new()
        .when(lif_done, u(0, 16))
        .when(
            tr_issue,
            tr_last_t.clone().select(u(0, 16), tr_t.wrapping_add(1)),
        )
        .apply(&mut m, tr_t);
    Rules::new()
        .when(lif_done, u(0, FW))
        .when(
            tr_issue & tr_last_t.clone(),
            tr_last_p.clone().select(u(0, FW), tr_p.wrapping_add(1)),
        )
        .apply(&mut m, tr_p);
    let tr_last_ct = tr_ct.wrapping_add(1).is_eq(fit(f_nct, FW));
    Rules::new()
        .when(lif_done, u(0, FW))
        .when(
            tr_issue & tr_last_t.clone() & tr_last_p.clone(),
            tr_ct.wrapping_add(1),
        )
        .apply(&mut m, tr_ct);
    Rules::new()
        .when(lif_done, u(0, sa))
        .when(tr_issue & tr_last_t.clone(), tr_row.wrapping_add(1))
        .apply(&mut m, tr_row);
    Rules::new()
        .when(lif_done, Expr::bool(false))
        .when(
            tr_issue & tr_last_t & tr_last_p & tr_last_ct,
            Expr::bool(true),
        )
        .apply(&mut m, tr_all);
    // Result beats.
    let logit_sel = {
        let mut sel: Expr = logits[0].sext(32);
        for (k, z) in logits.iter().enumerate().skip(1) {
            sel = xcnt.is_eq(k as u64).select(z.sext(32), sel);
        }
        sel.as_uint()
    };
    let logit_beat = in_logits & !r_valid & xcnt.is_lt(logit_total);
    let final_beat = Expr::cat([fit(prediction, 16), fit(exit_t, 16)]);
    Rules::new()
        .when(r_fire, Expr::bool(false))
        .when(tr_pending.expr(), Expr::bool(true))
        .when(logit_beat.clone(), Expr::bool(true))
        .when(final_go & exited.expr(), Expr::bool(true))
        .apply(&mut m, r_valid);
    Rules::new()
        .when(tr_pending.expr(), u(0, 2))
        .when(logit_beat.clone(), u(1, 2))
        .when(final_go, u(2, 2))
        .apply(&mut m, r_kind);
    Rules::new()
        .when(tr_pending.expr(), fit(tr_word, 32))
        .when(logit_beat, logit_sel)
        .when(final_go, final_beat)
        .apply(&mut m, r_data);

    // ---------------------------------------------------------------- counters (§9)
    let cw = p.counter_bits;
    let cycles_inc = |e: Expr| fit(e, cw);
    let phase_arr = in_array.expr();
    let phase_lif = in_phase(ph::LIF);
    let phase_cls = in_phase(ph::CLASSIFY);
    let phase_ent = ent_in.expr();
    let lanes_in = lanes(&ct_d1.expr(), &f_m.expr(), cols, 16);
    let pc_w = clog2(u64::from(rows) + 1);
    let perf_spikes = popcount(&(in_spikes.expr() & in_taps.expr()), pc_w);
    let perf_taps = popcount(&in_taps.expr(), pc_w);
    let reads_col = popcount(&Expr::cat(rd_en_bits.iter().rev().map(|s| s.expr())), pc_w);
    let arr_in = issue_d1.expr();
    let performed = arr_in.select(fit(perf_spikes * lanes_in.clone(), cw), u(0, cw));
    let gated = arr_in.select(
        fit(perf_taps * lanes_in.clone(), cw).wrapping_sub(performed.clone()),
        u(0, cw),
    );
    let out_lanes = lanes(&ct_out, &f_m.expr(), cols, 16);
    let lif_lanes = lanes(&lf_ct.expr(), &f_m.expr(), cols, 16);
    let states_per_p = m.wire_from("states_per_position", fit(f_m, FW) >> nb_log(n));
    let mem_lanes = lanes(&lf_cb.expr(), &states_per_p.expr(), cols, 16);
    let cls_lanes = lanes(&cl_ct.expr(), &f_m.expr(), cols, 16);
    let cg_of_word = m.wire(("input_word_cg").to_string(), UInt(FW));
    let in_word_lanes = lanes(&cg_of_word.expr(), &f_c.expr(), cols, 16);
    // The input words' (cg, y, x) position, x innermost, after the window's timesteps.
    let in_cg_reg = m.reg("input_cg", UInt(FW));
    let in_y = m.reg("input_y", UInt(FW));
    let in_x = m.reg("input_x", UInt(FW));
    let x_last = in_x.wrapping_add(1).is_eq(fit(f_w, FW));
    let y_last = in_y.wrapping_add(1).is_eq(fit(f_h, FW));
    let cg_last = in_cg_reg.wrapping_add(1).is_eq(fit(f_cgc, FW));
    let adv_q = m.wire_from(
        "input_adv_position",
        s_fire & xsub.wrapping_add(1).is_eq(tw),
    );
    Rules::new()
        .when(req_fire, u(0, FW))
        .when(adv_q, x_last.clone().select(u(0, FW), in_x.wrapping_add(1)))
        .apply(&mut m, in_x);
    Rules::new()
        .when(req_fire, u(0, FW))
        .when(
            adv_q & x_last.clone(),
            y_last.clone().select(u(0, FW), in_y.wrapping_add(1)),
        )
        .apply(&mut m, in_y);
    Rules::new()
        .when(req_fire, u(0, FW))
        .when(
            adv_q & x_last.clone() & y_last.clone(),
            in_cg_reg.wrapping_add(1),
        )
        .apply(&mut m, in_cg_reg);
    m.drive(cg_of_word, in_cg_reg);
    m.drive(recv_in_done, adv_q & x_last & y_last & cg_last);
    let incs: Vec<(Counter, Expr)> = vec![
        (
            Counter::Cycles,
            cycles_inc(
                (phase_arr.clone() | phase_lif.clone() | phase_cls.clone() | phase_ent.clone())
                    .zext(1),
            ),
        ),
        (Counter::ArrayCycles, cycles_inc(phase_arr.zext(1))),
        (Counter::LifCycles, cycles_inc(phase_lif.zext(1))),
        (Counter::ClassifyCycles, cycles_inc(phase_cls.zext(1))),
        (Counter::EntropyCycles, cycles_inc(phase_ent.zext(1))),
        (Counter::PerformedAcc, performed.clone()),
        (Counter::GatedAcc, gated),
        (Counter::WeightBufferReads, fit(ld_valid_lanes.expr(), cw)),
        (
            Counter::WeightBufferWrites,
            w_fire.select(fit(wrecv_valid.expr(), cw), u(0, cw)),
        ),
        (Counter::WeightSpadReads, performed),
        (Counter::WeightSpadWrites, fit(ld_valid_lanes.expr(), cw)),
        (
            Counter::InputSpikeReads,
            arr_in.select(fit(reads_col, cw), u(0, cw)),
        ),
        (
            Counter::InputSpikeWrites,
            s_fire.select(fit(in_word_lanes.clone(), cw), u(0, cw)),
        ),
        (
            Counter::OutputSpikeWrites,
            lf_v1.select(
                fit(lanes(&lf_ct1.expr(), &f_m.expr(), cols, 16), cw),
                u(0, cw),
            ),
        ),
        (
            Counter::ColumnAccReads,
            (out_valid.clone() & !out_first.clone()).select(fit(out_lanes.clone(), cw), u(0, cw)),
        ),
        (
            Counter::ColumnAccWrites,
            out_valid
                .clone()
                .select(fit(out_lanes.clone(), cw), u(0, cw)),
        ),
        (
            Counter::PsumBufferReads,
            fit(
                (out_valid.clone() & out_last.clone() & !out_g0.clone())
                    .select(fit(out_lanes.clone(), 16), u(0, 16))
                    .wrapping_add(lf_busy.select(fit(lif_lanes.clone(), 16), u(0, 16)))
                    .wrapping_add(cl_busy.select(fit(cls_lanes.clone(), 16), u(0, 16))),
                cw,
            ),
        ),
        (
            Counter::PsumBufferWrites,
            (out_valid & out_last).select(fit(out_lanes, cw), u(0, cw)),
        ),
        (
            Counter::MembraneReads,
            mem_rd.select(fit(mem_lanes.clone(), cw), u(0, cw)),
        ),
        (
            Counter::MembraneWrites,
            (lf_busy & lf_last_g).select(fit(mem_lanes, cw), u(0, cw)),
        ),
        (
            Counter::LifSteps,
            lf_busy.select(fit(lif_lanes, cw), u(0, cw)),
        ),
        (
            Counter::ClassifierUpdates,
            cl_busy.select(fit(cls_lanes, cw), u(0, cw)),
        ),
        (Counter::EntropyEvaluations, fit(cls_done.zext(1), cw)),
        (
            Counter::ExtReadBits,
            fit(
                w_fire
                    .select(fit(wrecv_valid * u(u64::from(wbits), 6), 24), u(0, 24))
                    .wrapping_add(s_fire.select(fit(in_word_lanes, 24), u(0, 24))),
                cw,
            ),
        ),
        (
            Counter::ExtWriteBits,
            (in_phase(ph::FINAL) & r_fire).select(u(32, cw), u(0, cw)),
        ),
    ];
    let mut counters = Vec::new();
    assert_eq!(
        incs.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        Counter::ALL,
        "the counters in the catalog's order"
    );
    for (counter, inc) in incs {
        let c = m.reg(format!("count_{}", counter.name()), UInt(cw));
        let clear = start & in_phase(ph::IDLE);
        m.next(c, clear.select(u(0, cw), c.wrapping_add(inc)));
        counters.push(c);
    }

    // ---------------------------------------------------------------- register read (§8)
    let mut rd: Expr = u(0, 32);
    let status = Expr::cat([done.expr(), busy.expr()]);
    let reads: Vec<(u64, Expr)> = vec![
        (Register::Status.address(), fit(status, 32)),
        (Register::ExitT.address(), fit(exit_t, 32)),
        (Register::Prediction.address(), fit(prediction, 32)),
    ];
    for (a, v) in reads {
        rd = cfg_addr.is_eq(Expr::uint(a, 12)).select(v, rd);
    }
    for (i, c) in counters.iter().enumerate() {
        let a = catalog::COUNTER_BASE + 2 * i as u64;
        rd = cfg_addr.is_eq(Expr::uint(a, 12)).select(c.bits(31, 0), rd);
        if cw > 32 {
            rd = cfg_addr
                .is_eq(Expr::uint(a + 1, 12))
                .select(fit(c.bits(cw - 1, 32), 32), rd);
        }
    }
    m.output_from("cfg_rdata", rd);
    let req_valid_o = m.output_from("req_valid", req_valid);
    let req_kind_o = m.output_from("req_kind", req_kind.zext(2));
    let req_stage_o = m.output_from("req_stage", fit(stage, 8));
    let req_t0_o = m.output_from("req_t0", t0);
    let req_len_o = m.output_from("req_len", tw);
    let w_ready_o = m.output_from("w_ready", in_phase(ph::RECV_W));
    let s_ready_o = m.output_from("s_ready", in_phase(ph::RECV_IN));
    let r_valid_o = m.output_from("r_valid", r_valid);
    let r_kind_o = m.output_from("r_kind", r_kind);
    let r_stage_o = m.output_from("r_stage", fit(stage, 8));
    let r_data_o = m.output_from("r_data", r_data);

    // ---------------------------------------------------------------- stream protocol (§8)
    // What the accelerator promises of the streams it drives, and needs of those it reads:
    // checked whenever the design is simulated with assertions (co-simulation does), and
    // provable with Yosys.
    let payload = |parts: &[Signal]| Expr::cat(parts.iter().map(|s| s.expr()).collect::<Vec<_>>());
    assert_stream_protocol(
        &mut m,
        "req",
        req_valid_o,
        req_ready,
        payload(&[req_kind_o, req_stage_o, req_t0_o, req_len_o]),
    );
    assert_stream_protocol(
        &mut m,
        "r",
        r_valid_o,
        r_ready,
        payload(&[r_kind_o, r_stage_o, r_data_o]),
    );
    assume_stream_protocol(&mut m, "w", w_valid, w_ready_o, w_data);
    assume_stream_protocol(&mut m, "s", s_valid, s_ready_o, s_data);
    m.finish()
}

fn nb_log(n: u32) -> u32 {
    n.trailing_zeros()
}

fn st_wrap_g_or_first(st_next: &Signal, st_g: &Signal, groups: &Signal) -> Expr {
    // The pair about to stream starts a new column tile (its group index is 0) when it is the
    // first pair, or when the previous pair was the last group of its column tile.
    st_next.is_eq(0) | fit(*st_g, FW).wrapping_add(1).is_eq(fit(*groups, FW))
}
