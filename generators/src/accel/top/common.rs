//! Small expression helpers shared by the blocks of the top.

use super::descriptor::Descriptor;
use super::geometry::Geometry;
use spikeforge_dsl::prelude::*;

/// The unsigned constant `v` in `w` bits.
pub fn u(v: u64, w: u32) -> Expr {
    Expr::uint(v, w)
}

/// Zero-extends or truncates an unsigned value to `w` bits (explicitly).
pub fn fit(e: impl Into<Expr>, w: u32) -> Expr {
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
pub fn row_address(row: Expr, bmax_log2: u32, t: Expr, w: u32) -> Expr {
    (fit(row, w) << bmax_log2).trunc(w).wrapping_add(fit(t, w))
}

/// Popcount of an unsigned vector, in `w_out` bits.
pub fn popcount(e: &Expr, w_out: u32) -> Expr {
    let mut sum = u(0, w_out);
    for i in 0..e.width() {
        sum = (sum + e.bit(i).zext(w_out)).trunc(w_out);
    }
    sum
}

/// `min(cols, total − index·cols)` in `w` bits: the valid lanes of word `index` of a vector
/// of `total` elements (0 past its end), with counts of `fw` bits
/// (`Geometry::fw`). Exact for `index·cols < 2^(fw+1)`, which holds for every word a stage
/// addresses (`total < 2^fw`).
pub fn lanes(index: &Expr, total: &Expr, cols: u32, fw: u32, w: u32) -> Expr {
    if cols.is_power_of_two() {
        // Whole words below `total / cols`, the remainder in word `total / cols`: wiring and
        // two comparisons, no subtraction.
        let k = cols.trailing_zeros();
        let tot = fit(total.clone(), fw);
        let idx = fit(index.clone(), fw);
        let whole = if k == 0 {
            tot.clone()
        } else {
            (tot.clone() >> k).trunc(fw)
        };
        let rem = if k == 0 {
            u(0, w)
        } else {
            fit(tot.bits(k - 1, 0), w)
        };
        return idx
            .is_lt(whole.clone())
            .select(u(u64::from(cols), w), idx.is_eq(whole).select(rem, u(0, w)));
    }
    let ww = fw + 1;
    let base = fit(fit(index.clone(), ww) * u(u64::from(cols), ww), ww);
    let tot = fit(total.clone(), ww);
    let rem = tot.wrapping_sub(base.clone());
    let full = rem.is_ge(u64::from(cols));
    let none = base.is_ge(tot);
    none.select(u(0, w), full.select(u(u64::from(cols), w), fit(rem, w)))
}

/// `major·k + minor` for a constant `k`, modulo `2^w` (a mixed-radix index such as the fan-in
/// index `rt·rows + i`; exact wherever the value is used, below `2^w`).
pub fn mixed_index(major: impl Into<Expr>, k: u32, minor: impl Into<Expr>, w: u32) -> Expr {
    let k = u(u64::from(k) % (1u64 << w), w);
    fit(fit(major, w) * k, w).wrapping_add(fit(minor, w))
}

/// The last row tile of a group (`Geometry::gtb` bits), `r − 1` for its `r` row tiles, given
/// whether it is the stage's last group: `last_group − 1` then, `D − 1` otherwise
/// (docs/accelerator.md §5). A loop over the group's row tiles ends where its counter equals
/// this (an equality with registers, no increment on the path).
pub fn group_last_tile(g: &Geometry, desc: &Descriptor, is_last_group: Expr) -> Expr {
    is_last_group.select(fit(desc.last_group_m1, g.gtb), u(u64::from(g.d - 1), g.gtb))
}

/// Applies `update` to its register; with `flag` (a register tracking `f(register)`, such as
/// a loop index's "at its last value") also drives the flag with `f`'s next value
/// (`Update::next_value_of`), so the flag is a register set from the index's next value.
pub fn apply_tracked(
    m: &mut ModuleBuilder,
    update: spikeforge_dsl::library::Update,
    flag: Option<Signal>,
    f: impl Fn(Expr) -> Expr,
) {
    if let Some(r) = flag {
        m.next(r, update.next_value_of(f, r.expr()));
    }
    update.apply(m);
}
