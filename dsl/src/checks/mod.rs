//! Checks that run on each lowered module (the local ones — widths and drivers — run while
//! lowering, in `crate::lower`).

pub(crate) mod comb_loop;
pub(crate) mod names;

pub use names::RESERVED;
