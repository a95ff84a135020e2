//! The array phase's weight loader (docs/accelerator.md §5, "load"): for each (column tile,
//! row-tile group) pair it copies `r·rows` weight-buffer words, one array row per cycle, into
//! scratchpad entries `half·D + 0..r`.

use super::super::pe::clog2;
use super::common::{fit, group_last_tile, lanes, mixed_index, u};
use super::geometry::Geometry;
use super::Ctx;
use spikeforge_dsl::library::Update;
use spikeforge_dsl::prelude::*;

/// The loader's state and its outputs to the PE array.
#[derive(Clone, Debug)]
pub struct Loader {
    /// Start loading pair `start_pair` (a wire the pair control drives).
    pub start: Signal,
    /// The pair to load at `start` (a wire the pair control drives).
    pub start_pair: Signal,
    /// The last word of the pair is loaded this cycle.
    pub last: Signal,
    /// Its column tile.
    pub ct: Signal,
    /// Its row-tile group.
    pub group: Signal,
    /// With `ram_output_regs`: the pair being loaded is the stage's last (`ct = n_ct − 1` and
    /// `g = groups − 1`), from two registers set with `ct` and `g` (else `None`: the pair
    /// control compares them).
    pub last_pair: Option<Expr>,
    /// Valid lanes of the word read this cycle (weight-buffer reads, scratchpad writes).
    pub valid_lanes: Signal,
    /// Scratchpad write enable, row, entry and weights, one cycle after the read (to the array).
    pub wl_en: Signal,
    /// Array row written.
    pub wl_row: Signal,
    /// Scratchpad entry written.
    pub wl_entry: Signal,
    /// The weights (read data of the weight buffer).
    pub wl_weights: Signal,
}

/// Scratchpad half of pair `pair`: `D` for odd pairs with double buffering, else 0 (`eb` bits).
pub fn half_of(g: &Geometry, pair: &Expr) -> Expr {
    if g.p.double_buffer {
        pair.bit(0).select(u(u64::from(g.d), g.eb), u(0, g.eb))
    } else {
        u(0, g.eb)
    }
}

/// Builds the loader; `enter_array` resets it to the stage's first pair.
pub fn build(m: &mut ModuleBuilder, cx: Ctx, enter_array: Signal) -> Loader {
    let Ctx { g, desc, bufs, .. } = cx;
    let start = m.wire("ld_start", Bool);
    let start_pair = m.wire("ld_start_pair", UInt(g.fw));
    let busy = m.reg("ld_busy", Bool);
    let pair = m.reg("ld_pair", UInt(g.fw));
    let ct = m.reg("ld_ct", UInt(g.fw));
    let group = m.reg("ld_g", UInt(g.fw));
    let tile = m.reg("ld_tile", UInt(g.gtb));
    let row = m.reg("ld_row", UInt(g.rb));
    // The pairs read the weight buffer in address order `(ct·n_rt + rt)·rows + i` (column tile
    // outer, all of its row tiles, then the rows): one counter from 0 gives the address.
    let addr = m.reg("ld_addr", UInt(g.wa));
    // Whether the group being loaded is the stage's last (`ld_g = groups − 1`), and whether
    // this cycle loads the pair's last word: both registered, each set from the next values
    // of the registers it describes, so the descriptor compare and the row and tile compares
    // are off the path from `last` into the pair control's `start` (docs/accelerator.md §5).
    let last_group = m.reg("ld_last_group", Bool);
    let last = m.reg("ld_last", Bool);
    let groups_m1 = fit(desc.groups_m1, g.fw);
    let single_group = groups_m1.is_eq(0);
    let last_group_next = enter_array.select(
        single_group.clone(),
        start.select(
            last_group.select(single_group, group.wrapping_add(1).is_eq(groups_m1.clone())),
            last_group.expr(),
        ),
    );
    m.next(last_group, last_group_next.clone());
    let last_row = m.wire_from("ld_last_row", row.is_eq(g.rows - 1));
    // The row tile `g·D + tile`, in the width of the fan-in index it feeds.
    let rt = m.wire_from("ld_rt", mixed_index(group, g.d, tile, g.nw));
    let entry = m.wire_from(
        "ld_entry",
        half_of(g, &pair.expr()).wrapping_add(fit(tile, g.eb)),
    );
    let n = m.wire_from("ld_n", mixed_index(rt, g.rows, row, g.nw));
    let valid_lanes = m.wire_from(
        "ld_valid_lanes",
        (busy & n.is_lt(desc.n)).select(
            lanes(&ct.expr(), &desc.m.expr(), g.cols, g.fw, g.lw),
            u(0, g.lw),
        ),
    );
    let wl_weights = m.mem_read(bufs.weight, "weight_q", busy, addr);
    let wl_en = m.reg("wl_en_d", Bool);
    m.next(wl_en, busy);
    let row_bits = clog2(u64::from(g.rows));
    let wl_row = m.reg_no_reset("wl_row_d", UInt(row_bits));
    m.next(wl_row, fit(row, row_bits));
    let wl_entry = m.reg_no_reset("wl_entry_d", UInt(g.eb));
    m.next(wl_entry, entry);
    // With `ram_output_regs` the word is registered as it leaves the weight buffer (on ECP5
    // the block RAM's own output register) and the scratchpad write follows a cycle later:
    // the route to the `rows` rows of scratchpads starts at a register. No cycle changes: the
    // pair's first column reaches the array's first row after its last write (§5).
    let (wl_weights, wl_en, wl_row, wl_entry) = if g.p.ram_output_regs {
        let keep = |m: &mut ModuleBuilder, name: &str, s: Signal| -> Signal {
            let r = m.reg_no_reset(name, s.ty());
            m.next(r, s);
            r
        };
        let en = m.reg("wl_en_dd", Bool);
        m.next(en, wl_en);
        (
            keep(m, "weight_q_r", wl_weights),
            en,
            keep(m, "wl_row_dd", wl_row),
            keep(m, "wl_entry_dd", wl_entry),
        )
    } else {
        (wl_weights, wl_en, wl_row, wl_entry)
    };

    // Each start advances (ct, g) by one pair from the previous one: no division.
    let next_group = group.wrapping_add(1);
    let wrap = last_group.expr();
    // `last` of the next cycle, from the next values of `busy`, `row`, `tile` and the group's
    // last tile (the same rules as the updates below).
    let busy_next = start.select(true, last.select(false, busy.expr()));
    let row_next = start.select(
        u(0, g.rb),
        busy.select(last_row.select(u(0, g.rb), row.wrapping_add(1)), row.expr()),
    );
    let tile_next = start.select(
        u(0, g.gtb),
        (busy & last_row).select(tile.wrapping_add(1), tile.expr()),
    );
    m.next(
        last,
        busy_next
            & row_next.is_eq(g.rows - 1)
            & tile_next.is_eq(group_last_tile(g, desc, last_group_next)),
    );
    Update::new(busy)
        .when(start, true)
        .when(last, false)
        .apply(m);
    Update::new(pair).when(start, start_pair).apply(m);
    Update::new(ct)
        .when(enter_array, 0)
        .when(start, wrap.clone().select(ct.wrapping_add(1), ct.expr()))
        .apply(m);
    Update::new(group)
        .when(enter_array, 0)
        .when(start, wrap.select(u(0, g.fw), next_group))
        .apply(m);
    // Whether `ct` is the stage's last column tile, set with it (from its next value).
    let last_pair = g.p.ram_output_regs.then(|| {
        let last_ct = m.reg("ld_last_ct", Bool);
        let n_ct_m1 = fit(desc.n_ct_m1, g.fw);
        Update::new(last_ct)
            .when(enter_array, n_ct_m1.is_eq(0))
            .when(
                start & wrap.clone(),
                ct.wrapping_add(1).is_eq(n_ct_m1.clone()),
            )
            .apply(m);
        last_ct & last_group
    });
    Update::new(tile)
        .when(start, 0)
        .when(busy & last_row, tile.wrapping_add(1))
        .apply(m);
    Update::new(addr)
        .when(enter_array, 0)
        .when(busy, addr.wrapping_add(1))
        .apply(m);
    Update::new(row)
        .when(start, 0)
        .when(busy, last_row.select(u(0, g.rb), row.wrapping_add(1)))
        .apply(m);
    Loader {
        start,
        start_pair,
        last,
        ct,
        group,
        last_pair,
        valid_lanes,
        wl_en,
        wl_row,
        wl_entry,
        wl_weights,
    }
}
