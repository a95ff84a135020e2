//! Stage descriptors (docs/accelerator.md §8): a RAM of `max_stages × STAGE_STRIDE` words that
//! the register bus writes, and one working set of registers that the STAGE phase loads with
//! the current stage's fields, one field per cycle — so the datapath sees one set of fields,
//! not `max_stages` sets behind a stage multiplexer. Each field is kept only as wide as the
//! hardware uses it.

use super::super::pe::clog2;
use super::common::{fit, u};
use super::geometry::Geometry;
use super::registers::HostInputs;
use super::sequencer::{ph, Sequencer};
use spikeforge_config::catalog::{self, FieldWidth, StageField};
use spikeforge_dsl::prelude::*;

/// The current stage's fields (the working set), named as in the catalog.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct Descriptor {
    pub c: Signal,
    pub h: Signal,
    pub w: Signal,
    pub m: Signal,
    pub r: Signal,
    pub s: Signal,
    pub stride: Signal,
    pub pad: Signal,
    pub n: Signal,
    pub n_ct: Signal,
    pub p: Signal,
    pub theta: Signal,
    pub n_ctb: Signal,
    pub n_ctb_p: Signal,
    pub pool: Signal,
    pub pooled_e: Signal,
    pub pooled_f: Signal,
    pub pooled_p: Signal,
    pub n_ctb_pp: Signal,
    pub membrane_base: Signal,
    /// The stage is the classifier.
    pub is_classifier: Signal,
    /// `n_rt − 1`, `n_ct − 1`, `groups − 1` and `last_group − 1`, in their fields' widths,
    /// loaded with the fields (`n_rt`, `groups` and `last_group` are only kept so): a loop's end is
    /// then an equality of its counter with a register, with no increment's carry chain on
    /// the path into the control that follows (on the iCE40 those paths limit the clock,
    /// docs/fpga.md).
    pub n_rt_m1: Signal,
    #[allow(missing_docs)]
    pub n_ct_m1: Signal,
    /// `W − 1`, `H − 1`, `F − 1`, `P − 1`, `n_ctb − 1` and `cg_count − 1` likewise, for the
    /// input receiver's, the streamer's, the LIF phase's and the pooling's loop ends.
    pub w_m1: Signal,
    #[allow(missing_docs)]
    pub h_m1: Signal,
    #[allow(missing_docs)]
    pub f_m1: Signal,
    #[allow(missing_docs)]
    pub p_m1: Signal,
    #[allow(missing_docs)]
    pub n_ctb_m1: Signal,
    #[allow(missing_docs)]
    pub cg_count_m1: Signal,
    #[allow(missing_docs)]
    pub groups_m1: Signal,
    #[allow(missing_docs)]
    pub last_group_m1: Signal,
    /// The last field lands this cycle or has landed (STAGE phase).
    pub loaded: Signal,
}

impl Descriptor {
    /// The descriptor RAM, its write port on the bus, and the working set.
    pub fn build(
        m: &mut ModuleBuilder,
        g: &Geometry,
        host: &HostInputs,
        seq: &Sequencer,
    ) -> Descriptor {
        // As wide as the widest field the working set keeps.
        let width = StageField::ALL
            .iter()
            .filter_map(|&f| kept_bits(g, f))
            .chain(LESS_ONE.iter().map(|&f| less_one_bits(g, f)))
            .max()
            .unwrap_or(1);
        let depth = u64::from(g.p.max_stages) * catalog::STAGE_STRIDE;
        let ab = clog2(depth.max(2));
        let fb = clog2(catalog::STAGE_STRIDE);
        // The host may write a descriptor while the STAGE phase reads one: this RAM keeps the
        // read-during-write semantics (a narrow word, so its bypass is small).
        let ram = m.mem("stage_descriptors", depth.max(2), UInt(width));
        // Stage s's field f is at `STAGE_BASE + STAGE_STRIDE·s + f`: the RAM word is the
        // offset from STAGE_BASE, written when it lies below max_stages descriptors (an
        // address below STAGE_BASE wraps to an offset far above).
        let offset = m.wire_from(
            "descriptor_offset",
            host.cfg_addr.wrapping_sub(u(catalog::STAGE_BASE, 12)),
        );
        let in_range = offset.is_lt(u(depth, 12));
        m.mem_write(
            ram,
            host.cfg_we & in_range,
            fit(offset, ab),
            host.cfg_wdata.trunc(width),
        );

        // Field `f` is read in STAGE cycle `f` and lands one cycle later.
        let num_fields = StageField::ALL.len() as u64;
        let field = m.reg("descriptor_field", UInt(fb + 1));
        let in_stage = seq.in_phase(ph::STAGE);
        let rd = m.wire_from(
            "descriptor_read",
            in_stage.clone() & field.is_lt(num_fields),
        );
        let rd_addr = if ab > fb {
            Expr::cat([fit(seq.stage, ab - fb), fit(field, fb)])
        } else {
            fit(field, ab)
        };
        let q = m.mem_read(ram, "descriptor_q", rd, fit(rd_addr, ab));
        let land = m.reg("descriptor_land", Bool);
        m.next(land, rd);
        let land_field = m.reg_no_reset("descriptor_land_field", UInt(fb));
        m.next(land_field, fit(field, fb));
        let reading = field.is_lt(num_fields);
        m.next(
            field,
            in_stage.clone().select(
                reading.select(field.wrapping_add(1), field.expr()),
                Expr::uint(0, fb + 1),
            ),
        );
        // With `ram_output_regs` the RAM's word is registered before its `− 1` and the field
        // lands a cycle later (one more STAGE cycle per stage; setup cycles are not counted).
        let (q, land, land_field, loaded) = if g.p.ram_output_regs {
            let q_r = m.reg_no_reset("descriptor_q_r", UInt(width));
            m.next(q_r, q);
            let land_d = m.reg("descriptor_land_d", Bool);
            m.next(land_d, land);
            let field_d = m.reg_no_reset("descriptor_land_field_d", UInt(fb));
            m.next(field_d, land_field);
            // The last read's word lands the cycle after `land` falls.
            let loaded = m.wire_from(
                "descriptor_loaded",
                in_stage & field.is_eq(num_fields) & !land.expr(),
            );
            (q_r, land_d, field_d, loaded)
        } else {
            let loaded = m.wire_from("descriptor_loaded", in_stage & field.is_eq(num_fields));
            (q, land, land_field, loaded)
        };

        // Field `f` kept in `w` bits (at most its register width); `less_one`: its value − 1,
        // loaded in the same cycle.
        let keep = |f: StageField, w: u32, less_one: bool| -> Signal {
            let (name, value) = if less_one {
                (
                    format!("cur_{}_m1", f.name()),
                    q.trunc(w).wrapping_sub(1u64),
                )
            } else {
                (format!("cur_{}", f.name()), q.trunc(w))
            };
            let r = m.reg_no_reset(name, UInt(w));
            m.next_when(r, land & land_field.is_eq(f.index()), value);
            r
        };
        Descriptor::assemble(g, keep, loaded)
    }
}

impl Descriptor {
    /// A working set read from input ports instead of the descriptor RAM (a block's test
    /// harness): field `f` is the input `cur_<name>` in its register's width ([`register_bits`]),
    /// `loaded` the input `descriptor_loaded`; the `− 1` copies are wires on those inputs.
    pub fn from_ports(m: &mut ModuleBuilder, g: &Geometry) -> Descriptor {
        let loaded = m.input("descriptor_loaded", Bool);
        let mut inputs = std::collections::HashMap::new();
        Descriptor::assemble(
            g,
            |f, w, less_one| {
                // Each field comes in its register's width (as the bus writes it); the kept
                // value and the copy are taken modulo 2^w, as `build` takes them.
                let input = *inputs.entry(f.index()).or_insert_with(|| {
                    m.input(format!("cur_{}", f.name()), UInt(register_bits(g, f)))
                });
                if less_one {
                    m.wire_from(
                        format!("cur_{}_m1", f.name()),
                        input.trunc(w).wrapping_sub(1u64),
                    )
                } else if w < input.width() {
                    m.wire_from(format!("cur_{}_kept", f.name()), input.trunc(w))
                } else {
                    input
                }
            },
            loaded,
        )
    }

    /// The working set from `field(f, w, false)`, which declares field `f` in `w` bits
    /// ([`kept_bits`]), in the catalog's order, then the `− 1` copies from `field(f, w, true)`.
    fn assemble(
        g: &Geometry,
        mut field: impl FnMut(StageField, u32, bool) -> Signal,
        loaded: Signal,
    ) -> Descriptor {
        let mut keep = |f: StageField, less_one: bool| {
            let w = if less_one {
                less_one_bits(g, f)
            } else {
                kept_bits(g, f).expect("a field of the working set")
            };
            field(f, w, less_one)
        };
        use StageField as F;
        Descriptor {
            c: keep(F::C, false),
            h: keep(F::H, false),
            w: keep(F::W, false),
            m: keep(F::M, false),
            r: keep(F::R, false),
            s: keep(F::S, false),
            stride: keep(F::Stride, false),
            pad: keep(F::Pad, false),
            n: keep(F::N, false),
            n_ct: keep(F::NCt, false),
            p: keep(F::P, false),
            theta: keep(F::Theta, false),
            n_ctb: keep(F::NCtb, false),
            n_ctb_p: keep(F::NCtbP, false),
            pool: keep(F::Pool, false),
            pooled_e: keep(F::PooledE, false),
            pooled_f: keep(F::PooledF, false),
            pooled_p: keep(F::PooledP, false),
            n_ctb_pp: keep(F::NCtbPp, false),
            membrane_base: keep(F::MembraneBase, false),
            is_classifier: keep(F::IsClassifier, false),
            n_rt_m1: keep(F::NRt, true),
            n_ct_m1: keep(F::NCt, true),
            w_m1: keep(F::W, true),
            h_m1: keep(F::H, true),
            f_m1: keep(F::F, true),
            p_m1: keep(F::P, true),
            n_ctb_m1: keep(F::NCtb, true),
            cg_count_m1: keep(F::CgCount, true),
            groups_m1: keep(F::Groups, true),
            last_group_m1: keep(F::LastGroup, true),
            loaded,
        }
    }
}

/// The bits of field `f` the working set keeps (at most [`register_bits`]): what the
/// datapath uses of it; `None` for a field it does not keep (`E`, and `F`, `cg_count`,
/// `groups` and `last_group`, which are kept only as their `− 1` copies).
pub fn kept_bits(g: &Geometry, f: StageField) -> Option<u32> {
    use StageField as F;
    let used = match f {
        F::E | F::F | F::CgCount | F::Groups | F::LastGroup => return None,
        F::R | F::S => g.kd,
        // The fetch's window bounds read `k + 1` bits of H and W, the products fewer.
        F::Stride | F::Pad | F::H | F::W => g.kd + 1,
        F::N => g.nw,
        F::NCtbP | F::P => g.pa,
        F::NCt => clog2(g.p.pool_row_words().max(2)),
        F::Pool => 4,
        F::PooledP | F::NCtbPp => g.sa,
        _ => u32::MAX,
    };
    Some(used.min(register_bits(g, f)))
}

/// The fields the working set also (or only) keeps as their value − 1.
const LESS_ONE: [StageField; 10] = [
    StageField::W,
    StageField::H,
    StageField::F,
    StageField::NRt,
    StageField::NCt,
    StageField::P,
    StageField::NCtb,
    StageField::CgCount,
    StageField::Groups,
    StageField::LastGroup,
];

/// The bits of field `f`'s `− 1` copy: its register's width, so a loop counter of that
/// width ends exactly where it equals the copy; `last_group − 1 < D` is exact in
/// `Geometry::gtb` bits (the field is taken modulo `2^gtb` first).
pub fn less_one_bits(g: &Geometry, f: StageField) -> u32 {
    let w = register_bits(g, f);
    if f == StageField::LastGroup {
        w.min(g.gtb)
    } else {
        w
    }
}

/// How wide the working set's register of field `f` is (as `build` keeps it): the catalog's
/// width, a count only as wide as its counts (`Geometry::fw`).
pub fn register_bits(g: &Geometry, f: StageField) -> u32 {
    let w = f.width().bits(g.mb, g.ma);
    if f.width() == FieldWidth::Count {
        w.min(g.fw)
    } else {
        w
    }
}
