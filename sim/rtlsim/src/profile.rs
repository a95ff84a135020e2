//! Profile-guided builds: GCC's `-fprofile-generate` / `-fprofile-use` applied to the design's
//! fast-path C++ (the code the simulator runs every cycle).
//!
//! A profile-guided build happens in three steps (in [`crate::compile`]):
//! 1. the design is compiled with instrumentation (`-fprofile-generate=DIR`) into a temporary
//!    folder that is never published to the cache;
//! 2. the caller's *training run* drives that library; then the shim's `sf_profile_dump`
//!    has GCC's runtime write one `.gcda` file per fast translation unit into `DIR` (not at
//!    `dlclose`: a library with thread-local storage may stay mapped until the process exits);
//! 3. the design is compiled again with `-fprofile-use=DIR` and cached like any other build
//!    under its own key (the plain key plus [`key_part`]: a version and these flags).
//!
//! The profile changes how GCC lays out and optimises the code (hot and cold blocks, branch
//! order), never what it computes: a profile-guided library gives the same results, cycle for
//! cycle, as the plain one, whichever run trained it. That is why the cache key does not name
//! the training run: the first training of a design is kept. `-fprofile-prefix-path` makes the
//! `.gcda` names relative to each build's folder, so the two builds (in different temporary
//! folders) agree on them.

use std::path::{Path, PathBuf};

use crate::error::RtlSimError;

/// The training run of a profile-guided build: drives the instrumented simulator.
pub(crate) type Trainer<'a> =
    Box<dyn FnOnce(&mut crate::Simulator) -> Result<(), RtlSimError> + 'a>;

/// How the design's fast-path C++ is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pgo {
    /// Plainly.
    Off,
    /// With instrumentation that writes its profile into the folder.
    Generate(PathBuf),
    /// With the profile in the folder.
    Use(PathBuf),
}

impl Pgo {
    /// Flags for a fast-path compile whose working directory (and `-o` prefix) is `build_dir`.
    pub(crate) fn compile_flags(&self, build_dir: &Path) -> Vec<String> {
        let prefix = format!("-fprofile-prefix-path={}", build_dir.display());
        match self {
            Pgo::Off => vec![],
            Pgo::Generate(dir) => vec![
                format!("-fprofile-generate={}", dir.display()),
                // The model is stepped by one thread at a time: no atomic counters needed.
                "-fprofile-update=single".into(),
                // The shim's `sf_profile_dump` calls GCC's runtime only in this build.
                "-DSF_PROFILE_GENERATE".into(),
                prefix,
            ],
            Pgo::Use(dir) => vec![
                format!("-fprofile-use={}", dir.display()),
                // Code the training run never reached is optimised as in a plain build, not
                // for size.
                "-fprofile-partial-training".into(),
                prefix,
            ],
        }
    }

    /// Flags for the link (the instrumented library needs GCC's profiling runtime).
    pub(crate) fn link_flags(&self) -> Vec<String> {
        match self {
            Pgo::Generate(_) => vec!["-fprofile-generate".into()],
            Pgo::Off | Pgo::Use(_) => vec![],
        }
    }
}

/// What a profile-guided build adds to the cache key: a version and the flags of both builds
/// (with placeholder folders), so that changing them rebuilds.
pub(crate) fn key_part() -> String {
    let (dir, build) = (PathBuf::from("PROFILE"), Path::new("BUILD"));
    format!(
        "profile-guided v1 {:?} {:?} {:?}",
        Pgo::Generate(dir.clone()).compile_flags(build),
        Pgo::Generate(dir.clone()).link_flags(),
        Pgo::Use(dir).compile_flags(build)
    )
}

/// Checks that the C++ compiler the cc crate found is GCC (the flags above are GCC's).
pub(crate) fn require_gcc(tool: &cc::Tool) -> Result<(), RtlSimError> {
    if tool.is_like_gnu() && !tool.is_like_clang() {
        Ok(())
    } else {
        Err(RtlSimError::Invalid(format!(
            "a profile-guided build needs GCC (-fprofile-generate/-fprofile-use), but the C++ compiler found is {}; set CXX=g++ or build without profile guidance",
            tool.path().display()
        )))
    }
}

/// The profile file GCC reads for the object `obj` (relative to the build's folder) when
/// compiling with `Pgo::Use(dir)`: the path with `/` mangled to `#`, extension `.gcda`.
pub(crate) fn profile_file(dir: &Path, obj: &Path) -> PathBuf {
    let mangled = obj
        .with_extension("gcda")
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "#");
    dir.join(mangled)
}

/// The number of `.gcda` files in `dir` (what the training run recorded).
pub(crate) fn recorded_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "gcda"))
                .count()
        })
        .unwrap_or(0)
}
