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
    pub f: Signal,
    pub n: Signal,
    pub n_rt: Signal,
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
    pub cg_count: Signal,
    /// The stage is the classifier.
    pub is_classifier: Signal,
    /// `n_rt − 1`, `n_ct − 1`, `groups − 1` and `last_group − 1`, in their fields' widths,
    /// loaded with the fields (`groups` and `last_group` are only kept so): a loop's end is
    /// then an equality of its counter with a register, with no increment's carry chain on
    /// the path into the control that follows (on the iCE40 those paths limit the clock,
    /// docs/fpga.md).
    pub n_rt_m1: Signal,
    #[allow(missing_docs)]
    pub n_ct_m1: Signal,
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
        let (mb, ma, fw) = (g.mb, g.ma, g.fw);
        // How wide the hardware keeps field `f`: a count only as wide as its counts.
        let kept = move |f: StageField| -> u32 {
            let w = f.width().bits(mb, ma);
            if f.width() == FieldWidth::Count {
                w.min(fw)
            } else {
                w
            }
        };
        let width = StageField::ALL.iter().map(|&f| kept(f)).max().unwrap_or(1);
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
        let loaded = m.wire_from("descriptor_loaded", in_stage & field.is_eq(num_fields));

        // Field `f` kept in `w` bits (at most its register width); `less_one`: its value − 1,
        // loaded in the same cycle.
        let keep = |f: StageField, w: u32, less_one: bool| -> Signal {
            let w = w.min(kept(f));
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
    /// harness): field `f` is the input `cur_<name>` in the width the working set keeps it,
    /// `loaded` the input `descriptor_loaded`; the `− 1` copies are wires on those inputs.
    pub fn from_ports(m: &mut ModuleBuilder, g: &Geometry) -> Descriptor {
        let loaded = m.input("descriptor_loaded", Bool);
        let mut inputs = std::collections::HashMap::new();
        Descriptor::assemble(
            g,
            |f, w, less_one| {
                let input = *inputs
                    .entry(f.index())
                    .or_insert_with(|| m.input(format!("cur_{}", f.name()), UInt(w)));
                if less_one {
                    m.wire_from(format!("cur_{}_m1", f.name()), input.wrapping_sub(1u64))
                } else {
                    input
                }
            },
            loaded,
        )
    }

    /// The working set from `field(f, w, false)`, which declares field `f` in `w` bits (the
    /// bits the datapath uses of it, at most [`register_bits`]), in the catalog's order, then
    /// the `− 1` copies from `field(f, w, true)`.
    fn assemble(
        g: &Geometry,
        mut field: impl FnMut(StageField, u32, bool) -> Signal,
        loaded: Signal,
    ) -> Descriptor {
        let mut keep = |f: StageField, w: u32| field(f, w.min(register_bits(g, f)), false);
        let all = u32::MAX;
        use StageField as F;
        Descriptor {
            c: keep(F::C, all),
            h: keep(F::H, all),
            w: keep(F::W, all),
            m: keep(F::M, all),
            r: keep(F::R, g.kd),
            s: keep(F::S, g.kd),
            stride: keep(F::Stride, g.kd + 1),
            pad: keep(F::Pad, g.kd + 1),
            f: keep(F::F, all),
            n: keep(F::N, g.nw),
            n_rt: keep(F::NRt, all),
            n_ct: keep(F::NCt, all),
            p: keep(F::P, all),
            theta: keep(F::Theta, all),
            n_ctb: keep(F::NCtb, all),
            n_ctb_p: keep(F::NCtbP, g.pa),
            pool: keep(F::Pool, 4),
            pooled_e: keep(F::PooledE, all),
            pooled_f: keep(F::PooledF, all),
            pooled_p: keep(F::PooledP, g.sa),
            n_ctb_pp: keep(F::NCtbPp, g.sa),
            membrane_base: keep(F::MembraneBase, all),
            cg_count: keep(F::CgCount, all),
            is_classifier: keep(F::IsClassifier, all),
            n_rt_m1: field(F::NRt, register_bits(g, F::NRt), true),
            n_ct_m1: field(F::NCt, register_bits(g, F::NCt), true),
            groups_m1: field(F::Groups, register_bits(g, F::Groups), true),
            last_group_m1: field(F::LastGroup, register_bits(g, F::LastGroup), true),
            loaded,
        }
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
