//! The builder types: what a generator uses to describe hardware.

mod expr;
mod localparam;
mod module;
mod ops;
mod property;
mod scope;
pub(crate) mod value;

pub(crate) use expr::Kind;
pub use expr::{Expr, Signal};
pub(crate) use module::{DeclKind, ModuleData};
pub use module::{Instance, Mem, Module, ModuleBuilder, Port};
pub use scope::When;
pub use value::{BitCount, Value};
