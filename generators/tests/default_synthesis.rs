//! Synthesis of the built-in accelerator (the design `spikeforge generate` writes with no
//! arguments; issue 5, point 6), on Yosys for real:
//!
//! * iCE40 (`synth_ice40`, then `check -assert` on the mapped netlist): no latches, no undriven
//!   or multiply driven nets, every memory of at least one block RAM's size (4096 bits) in
//!   block RAM, not flip-flops, and issue 11's area targets: at most 15,000 LUT4, the PE array
//!   (synthesized alone in the same test, for the LUTs per PE) at least 35 % of them;
//! * generic `synth` (memories kept whole, [`tools::yosys_check`]) with `check -assert`, module
//!   by module: every declared memory inferred as a memory, no latches, no combinational loops,
//!   no undriven or multiply driven nets; and `check -assert` on the flattened design
//!   ([`tools::yosys_check_coarse`]), which sees a loop through instances too (`check` cannot
//!   see through the iCE40 netlist's LUT cells);
//! * place and route (`nextpnr-ice40`) of a small accelerator on an iCE40 HX8K: it fits, the
//!   clock it reaches, and its critical path — which must run through a datapath unit (the
//!   entropy unit, the PE array, a LIF datapath), not through the top's control.
//!
//! The three tests (all named `synth_default_*`, so `scripts/test.sh` runs them once, in its
//! background job) run in parallel (a few minutes each on a 2-core machine). Each writes its
//! figures to `<target>/tmp/spikeforge-synthesis-*.md`; `scripts/test.sh` prints them at the
//! end of the run, and the README quotes them.

use spikeforge_dsl::ir::Design;
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::params::{prototype_config, small_params, AccelParams};
use spikeforge_generators::accel::pe_array::{pe_array, PeArrayParams};
use spikeforge_generators::accel::top::accelerator;
use spikeforge_rtlsim::pnr::{self, Ice40Part};
use spikeforge_rtlsim::tools::{self, SynthReport};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

/// Bits of one iCE40 block RAM (`SB_RAM40_4K`).
const BRAM_BITS: u64 = 4096;

fn default_params() -> AccelParams {
    AccelParams::from_accel(&prototype_config())
}

/// Writes `design`'s Verilog to a temporary folder; returns the folder, the files and the top.
fn write(design: &Design) -> (tempfile::TempDir, Vec<PathBuf>, String) {
    let v = emit_verilog(design);
    let dir = tempfile::Builder::new()
        .prefix("sf-synth-")
        .tempdir()
        .expect("temporary folder");
    let files = tools::write_sources(dir.path(), &v.module_files()).expect("write Verilog");
    (dir, files, v.top)
}

/// Saves `text` as the report `name` for `scripts/test.sh` to print.
fn save_report(name: &str, text: &str) {
    let path =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("spikeforge-synthesis-{name}.md"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    println!("{text}");
}

/// Every memory of the design (all modules) with its size in bits.
fn memories(design: &Design) -> Vec<(String, u64)> {
    design
        .modules
        .iter()
        .flat_map(|m| {
            m.mems
                .iter()
                .map(move |mem| (mem.name.clone(), mem.depth * u64::from(mem.word.width())))
        })
        .collect()
}

fn count(r: &SynthReport, v: Option<u64>) -> u64 {
    v.unwrap_or_else(|| panic!("the report has no such count (log {})", r.log.display()))
}

#[test]
fn synth_default_ice40_with_buffers_in_block_ram() {
    let params = default_params();
    let design = elaborate(&accelerator(&params)).unwrap_or_else(|e| panic!("{e}"));
    let (_dir, files, top) = write(&design);
    let t = Instant::now();
    let r = tools::yosys_synth_ice40(&files, &top).unwrap_or_else(|e| panic!("{e}"));
    let seconds = t.elapsed().as_secs_f64();

    // Memories that fill at least one block RAM must be in block RAM: built from flip-flops,
    // a 32-kbit buffer costs tens of thousands of flip-flops and LUTs.
    let big: Vec<(String, u64)> = memories(&design)
        .into_iter()
        .filter(|(_, bits)| *bits >= BRAM_BITS)
        .collect();
    assert!(!big.is_empty(), "the default has global buffers");
    let in_ffs: Vec<&String> = r
        .ff_memories
        .iter()
        .filter(|path| {
            let leaf = path.rsplit('.').next().unwrap_or(path);
            big.iter().any(|(name, _)| name == leaf)
        })
        .collect();
    assert!(
        in_ffs.is_empty(),
        "memories built from flip-flops instead of block RAM: {in_ffs:?} (log {})",
        r.log.display()
    );
    let brams = count(&r, r.brams);
    let needed: u64 = big.iter().map(|(_, bits)| bits.div_ceil(BRAM_BITS)).sum();
    assert!(
        brams >= needed,
        "{brams} block RAMs for {needed} block RAMs' worth of buffers"
    );
    let (luts, ffs, carries) = (count(&r, r.luts), count(&r, r.ffs), count(&r, r.carries));
    // The small memories left in flip-flops, by name: "128 × weight_spad (32 bits)".
    let mut small: Vec<(String, usize)> = Vec::new();
    for path in &r.ff_memories {
        let leaf = path.rsplit('.').next().unwrap_or(path).to_string();
        match small.iter_mut().find(|(name, _)| *name == leaf) {
            Some((_, n)) => *n += 1,
            None => small.push((leaf, 1)),
        }
    }
    let all = memories(&design);
    let small: Vec<String> = small
        .iter()
        .map(|(name, n)| {
            let bits = all.iter().find(|(m, _)| m == name).map_or(0, |(_, b)| *b);
            format!("{n} × {name} ({bits} bits)")
        })
        .collect();
    assert!(
        luts > 0 && ffs > 0,
        "an empty netlist: log {}",
        r.log.display()
    );
    // Issue 11's area targets: at most 15,000 LUT4, of which the PE array (synthesized
    // alone) is at least 35 %.
    let array_luts = synth_default_pe_array();
    let share = array_luts as f64 / luts as f64;
    save_report(
        "ice40",
        &format!(
            "synth_ice40 of `{top}` (the built-in {}x{} accelerator): {luts} SB_LUT4, {ffs} \
             flip-flops (SB_DFF*), {brams} SB_RAM40_4K, {carries} SB_CARRY; no latches, \
             check -assert clean (no undriven or multiply driven nets); every memory of \
             4096 bits or more in block RAM, in flip-flops: {}; the PE array alone \
             {array_luts} SB_LUT4 = {:.1} % of it; {seconds:.0} s",
            params.rows,
            params.cols,
            small.join(", "),
            100.0 * share
        ),
    );
    assert!(luts <= 15_000, "{luts} SB_LUT4 (target ≤ 15,000)");
    assert!(
        share >= 0.35,
        "the PE array is {:.1} % of the design (target ≥ 35 %)",
        100.0 * share
    );
}

#[test]
fn synth_default_generic_with_check_assert() {
    let params = default_params();
    let design = elaborate(&accelerator(&params)).unwrap_or_else(|e| panic!("{e}"));
    let (_dir, files, top) = write(&design);
    let flat = tools::yosys_check_coarse(&files, &top).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        flat.cells > 0,
        "an empty design: log {}",
        flat.log.display()
    );
    let t = Instant::now();
    let r = tools::yosys_check(&files, &top).unwrap_or_else(|e| panic!("{e}"));
    let seconds = t.elapsed().as_secs_f64();
    let ffs = count(&r, r.ffs);
    // Every memory of the design is inferred as one whole memory (`$mem_v2`), not left as
    // registers and multiplexers a technology mapping would have to rediscover.
    let declared: BTreeSet<String> = design
        .modules
        .iter()
        .flat_map(|m| {
            m.mems
                .iter()
                .map(move |mem| format!("{}/{}", m.name, mem.name))
        })
        .collect();
    let inferred: BTreeSet<String> = r.memories.iter().cloned().collect();
    assert_eq!(
        inferred,
        declared,
        "the memories generic synthesis inferred against those the design declares (log {})",
        r.log.display()
    );
    let memory_bits: u64 = memories(&design).iter().map(|(_, bits)| bits).sum();
    save_report(
        "generic",
        &format!(
            "generic synth of `{top}` (memories kept as $mem_v2 cells): {} cells, {ffs} \
             flip-flops, all {} memories of the design inferred ({memory_bits} bits); no \
             latches, check -assert clean (no combinational loops, no undriven or multiply \
             driven nets) module by module and on the flattened design; {seconds:.0} s",
            r.cells,
            declared.len()
        ),
    );
}

/// Synthesizes the built-in design's PE array alone (`synth_ice40`), checks it holds its
/// state in flip-flops, saves its report and returns its LUT4 count.
fn synth_default_pe_array() -> u64 {
    let p = default_params();
    let array = PeArrayParams {
        rows: p.rows,
        cols: p.cols,
        weight_bits: p.weight_bits,
        psum_bits: p.psum_bits,
        spad_depth: p.weight_spad_depth,
        pipeline_regs: p.pipeline_regs,
    };
    let design = elaborate(&pe_array(&array)).unwrap_or_else(|e| panic!("{e}"));
    let (_dir, files, top) = write(&design);
    let t = Instant::now();
    let r = tools::yosys_synth_ice40(&files, &top).unwrap_or_else(|e| panic!("{e}"));
    let seconds = t.elapsed().as_secs_f64();
    let pes = u64::from(p.rows * p.cols);
    let (luts, ffs) = (count(&r, r.luts), count(&r, r.ffs));
    // Each PE holds at least its partial sum and its weight scratchpad in flip-flops.
    let per_pe_bits = u64::from(p.psum_bits + p.weight_spad_depth * p.weight_bits);
    assert!(
        ffs >= pes * per_pe_bits,
        "{ffs} flip-flops for {pes} PEs of at least {per_pe_bits} bits each"
    );
    assert!(luts >= pes, "{luts} LUTs for {pes} PEs");
    save_report(
        "pe-array",
        &format!(
            "synth_ice40 of `{top}` ({pes} PEs): {luts} SB_LUT4, {ffs} flip-flops, {} \
             SB_RAM40_4K: {:.1} LUT4 and {:.1} flip-flops per PE; {seconds:.0} s",
            count(&r, r.brams),
            luts as f64 / pes as f64,
            ffs as f64 / pes as f64
        ),
    );
    luts
}

/// A 1×2 accelerator with small buffers and control limits (4-kbit weight and psum buffers,
/// 2 stages, 4 classes, 16-bit logits, 32-bit counters): the largest array whose bare top
/// (its 181 ports on pins) fits the largest iCE40 while the entropy unit has no DSPs to use.
fn small_ice40_params() -> AccelParams {
    small_params("sf_ice40_1x2")
}

#[test]
fn synth_default_small_accelerator_places_and_routes_on_ice40_hx8k() {
    let params = small_ice40_params();
    let design = elaborate(&accelerator(&params)).unwrap_or_else(|e| panic!("{e}"));
    let (_dir, files, top) = write(&design);
    let t = Instant::now();
    let r =
        pnr::nextpnr_ice40(&files, &top, Ice40Part::HX8K_CT256).unwrap_or_else(|e| panic!("{e}"));
    let seconds = t.elapsed().as_secs_f64();
    assert!(
        r.logic_cells.used <= r.logic_cells.available && r.logic_cells.used > 0,
        "{:?} (log {})",
        r.logic_cells,
        r.log.display()
    );
    assert!(
        r.fmax_mhz > 1.0,
        "fmax {} MHz (log {})",
        r.fmax_mhz,
        r.log.display()
    );
    let cp = &r.critical_path;
    // Cells inside an instance are named after it (`u_entropy.…`, `u_array.…`, `u_lif_0.…`).
    let in_unit = |cell: &str| cell.starts_with("u_");
    assert!(
        in_unit(&cp.from) || in_unit(&cp.to),
        "the critical path runs through the top's control: {} -> {} ({:.1} ns; log {})",
        cp.from,
        cp.to,
        cp.total_ns(),
        r.log.display()
    );
    save_report(
        "pnr-hx8k",
        &format!(
            "nextpnr-ice40 of `{top}` (1×2 array, small buffers and limits) on an iCE40 HX8K CT256: {} of {} logic cells, {} of {} block RAMs, {} of {} I/Os; {:.1} MHz; critical path {:.1} ns ({:.1} ns logic in {} cells, {:.1} ns routing) from `{}` to `{}`; {:.0} s with synthesis",
            r.logic_cells.used,
            r.logic_cells.available,
            r.brams.used,
            r.brams.available,
            r.ios.used,
            r.ios.available,
            r.fmax_mhz,
            cp.total_ns(),
            cp.logic_ns,
            cp.logic_cells,
            cp.routing_ns,
            cp.from,
            cp.to,
            seconds
        ),
    );
}
