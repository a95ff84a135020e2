//! libFuzzer target: see `spikeforge_fuzz::network`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| spikeforge_fuzz::network(data));
