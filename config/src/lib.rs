//! Configuration types shared by spikeforge's generators and its golden model.
//!
//! This crate is the only code the generators (`spikeforge-generators`) and the golden model
//! (`spikeforge-golden`) have in common: plain, validated descriptions of a network and of an
//! accelerator. No behaviour lives here, so the two sides stay independent.
