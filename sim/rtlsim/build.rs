//! Records the target triple so the crate can drive the `cc` crate at run time (outside a build
//! script `cc` needs the target spelled out).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_else(|_| "x86_64-unknown-linux-gnu".into());
    println!("cargo:rustc-env=SPIKEFORGE_RTLSIM_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../../templates/verilator_shim.cpp.tera");
}
