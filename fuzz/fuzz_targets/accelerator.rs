//! libFuzzer target: see `spikeforge_fuzz::accelerator`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spikeforge_fuzz::accelerator(data));
