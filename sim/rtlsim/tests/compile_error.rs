//! A C++ compile failure shows the compiler's first error lines and the path of the full log.
//! (Own test binary: it sets `SPIKEFORGE_RTLSIM_CXXFLAGS` for the whole process.)

mod common;

use spikeforge_rtlsim::{build, BuildOptions, DesignSources, RtlSimError};

#[test]
fn cxx_compile_failure_is_reported_with_log() {
    std::env::set_var(
        "SPIKEFORGE_RTLSIM_CXXFLAGS",
        "-include sf_header_that_does_not_exist.h",
    );
    let src = DesignSources::single(
        "counter",
        format!("// {}\n{}", common::nonce(), common::COUNTER),
    );
    let e = build(&src, &BuildOptions::default()).unwrap_err();
    let RtlSimError::Compile {
        ref log,
        ref excerpt,
        ..
    } = e
    else {
        panic!("expected a Compile error, got {e}")
    };
    assert!(log.exists(), "{}", log.display());
    assert!(
        excerpt.contains("sf_header_that_does_not_exist.h"),
        "{excerpt}"
    );
    assert!(excerpt.lines().count() <= 21, "{excerpt}");
    let full = std::fs::read_to_string(log).unwrap();
    assert!(full.contains("No such file or directory"), "{full}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("compiling the Verilated C++ of `counter` failed:"),
        "{msg}"
    );
    assert!(msg.contains("(full log: "), "{msg}");
    // nothing was published: with the flags gone, the same design builds fine
    std::env::remove_var("SPIKEFORGE_RTLSIM_CXXFLAGS");
    let mut sim = build(&src, &BuildOptions::default()).unwrap();
    assert!(!sim.cached());
    sim.reset(1);
    assert_eq!(sim.peek_u64("count").unwrap(), 0);
}
