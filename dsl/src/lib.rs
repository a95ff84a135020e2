//! spikeforge's hardware construction DSL: builders, the elaborated IR, checks, and the Verilog
//! back-end.
//!
//! The flow is one-way, as in Calyx and Amaranth:
//!
//! ```text
//! ModuleBuilder (builder/) ──finish──► Module ──elaborate──► ir::Design ──► backend::verilog
//!                                                 │ checks/ (widths, drivers, loops, names)
//!                                                 └──────────► eval (reference evaluator)
//! ```
//!
//! A generator is an ordinary Rust function returning a [`Module`]; its parameters are Rust
//! values:
//!
//! ```
//! use spikeforge_dsl::prelude::*;
//!
//! /// A counter of `width` bits that counts while `en` is high.
//! fn counter(width: u32) -> Module {
//!     let mut m = ModuleBuilder::new(format!("counter_w{width}"));
//!     m.param("width", width);
//!     let en = m.input("en", Bool);
//!     let count = m.reg("count_r", UInt(width));
//!     m.next_when(count, en, count.wrapping_add(1));
//!     m.output_from("count", count);
//!     m.finish()
//! }
//!
//! let design = elaborate(&counter(8)).expect("a well-formed counter");
//! let verilog = emit_verilog(&design);
//! assert!(verilog.file("counter_w8.v").unwrap().contains("module counter_w8"));
//! ```

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub mod backend;
pub mod builder;
pub mod checks;
mod describe;
pub mod elaborate;
pub mod error;
pub mod eval;
pub mod ir;
pub mod library;
mod lower;
pub mod types;

pub use backend::verilog::{emit_verilog, VerilogOutput};
pub use builder::{BitCount, Expr, Instance, Mem, Module, ModuleBuilder, Port, Signal, Value};
pub use elaborate::elaborate;
pub use error::{ElabError, ElabErrors};
pub use types::{Bool, SInt, Type, UInt};

/// Everything a generator usually needs: `use spikeforge_dsl::prelude::*;`.
pub mod prelude {
    pub use crate::backend::verilog::{emit_verilog, VerilogOutput};
    pub use crate::builder::{
        BitCount, Expr, Instance, Mem, Module, ModuleBuilder, Port, Signal, Value,
    };
    pub use crate::elaborate::elaborate;
    pub use crate::types::{Bool, SInt, Type, UInt};
}
