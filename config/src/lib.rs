//! Configuration types shared by spikeforge's generators and its golden model.
//!
//! This crate is the only code the generators (`spikeforge-generators`) and the golden model
//! (`spikeforge-golden`) have in common: plain, validated descriptions of a network
//! ([`Network`]), of an input ([`Input`]) and of an accelerator ([`AcceleratorConfig`]). No
//! behaviour lives here, so the two sides stay independent.
//!
//! Files are TOML or JSON (chosen by extension), unknown keys are rejected, and every error is
//! a [`ConfigError`] naming the file, the field as a dotted key path (`layers[2].share_factor`)
//! and the value. The formats are documented with examples in `docs/formats.md`.

#![warn(missing_docs)]

pub mod accel;
pub mod catalog;
pub mod dataset;
pub mod error;
pub mod input;
pub mod lif;
pub mod load;
pub mod nested;
pub mod network;
pub mod rng;
mod toml_pos;

pub use accel::{
    AcceleratorConfig, Buffer, BufferKind, Buffers, EntropyUnitKind, HardwareLif, MemoryTech,
    RtlLimits, Schedule,
};
pub use dataset::Dataset;
pub use error::{short_float, ConfigError, Result};
pub use input::{Encoding, Input};
pub use lif::{FireCompare, Leak, LifParams, Reset};
pub use load::Format;
pub use nested::NestedInts;
pub use network::{ceil_log2, Classifier, InputShape, Layer, LayerKind, LayerShape, Network};
pub use rng::SplitMix64;
