//! A FuseSoC core description (CAPI2 `.core`) of an emitted design: its Verilog files, its top
//! module, and two targets — `lint` (Verilator, `-Wall`) and `synth` (Yosys for iCE40) — so the
//! design drops into a FuseSoC flow. Rendered from `templates/fusesoc.core.tera`.

use super::templates;
use super::verilog::{VerilogOutput, VERSION};

/// The core's VLNV name: `spikeforge:generated:<top>:<spikeforge version>`.
pub fn core_name(v: &VerilogOutput) -> String {
    format!("spikeforge:generated:{}:{VERSION}", v.top)
}

/// The core file's name: `<top>.core`.
pub fn core_file_name(v: &VerilogOutput) -> String {
    format!("{}.core", v.top)
}

/// The `.core` text for `v`, listing its Verilog files (relative to the core file, so the
/// core works from wherever its folder is) in dependency order. `description` is one line.
///
/// ```
/// use spikeforge_dsl::backend::fusesoc::fusesoc_core;
/// use spikeforge_dsl::prelude::*;
///
/// let mut m = ModuleBuilder::new("blinky");
/// let a = m.input("a", Bool);
/// m.output_from("y", !a.expr());
/// let v = emit_verilog(&elaborate(&m.finish()).unwrap());
/// let core = fusesoc_core(&v, "an inverter");
/// assert!(core.starts_with("CAPI=2:\n"));
/// assert!(core.contains("name: spikeforge:generated:blinky:"));
/// assert!(core.contains("      - blinky.v\n"));
/// assert!(core.contains("toplevel: blinky\n"));
/// ```
pub fn fusesoc_core(v: &VerilogOutput, description: &str) -> String {
    let mut ctx = tera::Context::new();
    ctx.insert("version", VERSION);
    ctx.insert("top", &v.top);
    ctx.insert("vlnv", &core_name(v));
    // One line, and quoted as YAML (a colon or a `#` would change its meaning).
    let one_line = description.replace(['\n', '\r'], " ");
    ctx.insert("description", &format!("{one_line:?}"));
    let names: Vec<&str> = v.files.iter().map(|f| f.name.as_str()).collect();
    ctx.insert("files", &names);
    templates::render("fusesoc.core", templates::FUSESOC_CORE, &ctx)
        .unwrap_or_else(|e| format!("# spikeforge internal error: {e}\n"))
}
