//! spikeforge's SNN accelerator generators, written with the public API of `spikeforge-dsl`.
