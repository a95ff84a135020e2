//! libFuzzer target: see `spikeforge_fuzz::input`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spikeforge_fuzz::input(data));
