//! The tera templates that frame generated files, embedded so the binary runs from any
//! directory.

use tera::{Context, Tera};

/// The frame of one Verilog module file.
pub const VERILOG_MODULE: &str = include_str!("../../../templates/verilog_module.v.tera");
/// The filelist (`.f`) of a design.
pub const FILELIST: &str = include_str!("../../../templates/filelist.f.tera");
/// A FuseSoC core description (`.core`, CAPI2) of a design.
pub const FUSESOC_CORE: &str = include_str!("../../../templates/fusesoc.core.tera");

/// Renders the embedded template `source` (named `name` in errors) with `context`.
///
/// The embedded templates are tested, so a failure here is a bug in spikeforge; it is returned
/// as text rather than a panic.
pub fn render(name: &str, source: &str, context: &Context) -> Result<String, String> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![]);
    tera.add_raw_template(name, source)
        .map_err(|e| format!("template {name}: {e:?}"))?;
    tera.render(name, context)
        .map_err(|e| format!("template {name}: {e:?}"))
}
