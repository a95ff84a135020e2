//! Named constants: a value that reads better by name (`PHASE_IDLE`, `REG_STATUS`) than as a
//! number, emitted as a Verilog `localparam`.
//!
//! ```
//! use spikeforge_dsl::prelude::*;
//!
//! let mut m = ModuleBuilder::new("status");
//! let addr = m.input("addr", UInt(4));
//! let reg_status = m.localparam("REG_STATUS", 3, UInt(4));
//! m.output_from("hit", addr.is_eq(reg_status));
//! let v = emit_verilog(&elaborate(&m.finish()).unwrap());
//! let text = v.file("status.v").unwrap();
//! assert!(text.contains("localparam [3:0] REG_STATUS = 4'd3;"));
//! assert!(text.contains("(addr == REG_STATUS)"));
//! ```

use super::expr::Expr;
use super::module::{LocalParamDecl, ModuleBuilder};
use crate::types::Type;
use num_bigint::BigInt;
use std::panic::Location;

impl ModuleBuilder {
    /// A constant `value` of type `ty` named `name` (a Verilog identifier, unique among the
    /// module's names). Use the returned expression like any constant; the back-end declares
    /// `localparam [w-1:0] name = …;` and writes the name wherever it writes the constant whole
    /// (comparisons, `case` labels, assigned values) — where the constant is widened or cut, the
    /// number is written instead. A value outside `ty` is reported at elaboration.
    #[track_caller]
    pub fn localparam(
        &mut self,
        name: impl Into<String>,
        value: impl Into<BigInt>,
        ty: Type,
    ) -> Expr {
        let loc = Location::caller();
        let value = Expr::constant(value, ty);
        self.data.localparams.push(LocalParamDecl {
            name: name.into(),
            value: value.clone(),
            loc,
        });
        value
    }
}
