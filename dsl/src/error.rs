//! Elaboration errors. Each names the module, the signal (or expression) and the Rust source
//! location(s) that the builder recorded with `#[track_caller]`.

use crate::ir::SourceLoc;
use crate::types::Type;
use std::fmt;

/// Formats a source location as `file:line:column`.
pub(crate) fn at(loc: SourceLoc) -> String {
    format!("{}:{}:{}", loc.file(), loc.line(), loc.column())
}

/// One problem found while elaborating a design.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ElabError {
    /// A value assigned or connected to a signal has a different type or width.
    #[error("width mismatch in module `{module}`: {target} is {expected} but is given {found} `{value}` (at {}); widen with .zext()/.sext() or drop bits explicitly with .trunc()", at(loc))]
    WidthMismatch {
        /// Module name.
        module: String,
        /// What is driven (`signal `x``, `input `a` of instance `u0``, …).
        target: String,
        /// The target's type.
        expected: Type,
        /// The value's type.
        found: Type,
        /// The value, as Verilog-like text.
        value: String,
        /// Where the assignment was made.
        loc: SourceLoc,
    },
    /// An operator was used against its typing rules (for example `&` of two widths).
    #[error(
        "width mismatch in module `{module}`: {message} in `{expr}` (at {})",
        at(loc)
    )]
    Operator {
        /// Module name.
        module: String,
        /// The rule broken.
        message: String,
        /// The expression, as Verilog-like text.
        expr: String,
        /// Where the operator was applied.
        loc: SourceLoc,
    },
    /// An output, wire or register has no driver.
    #[error(
        "undriven {kind} `{signal}` in module `{module}` (declared at {})",
        at(loc)
    )]
    Undriven {
        /// Module name.
        module: String,
        /// `output`, `wire` or `register`.
        kind: &'static str,
        /// Signal name.
        signal: String,
        /// Where it was declared.
        loc: SourceLoc,
    },
    /// A signal is driven more than once.
    #[error(
        "multiple drivers for `{signal}` in module `{module}`: first at {}, again at {}",
        at(first),
        at(second)
    )]
    MultipleDrivers {
        /// Module name.
        module: String,
        /// Signal name.
        signal: String,
        /// The first driver.
        first: SourceLoc,
        /// The second driver.
        second: SourceLoc,
    },
    /// A combinational loop.
    #[error("combinational loop in module `{module}`: {}", signals.join(" -> "))]
    CombinationalLoop {
        /// Module name.
        module: String,
        /// The signals on the loop, in order, the first repeated at the end.
        signals: Vec<String>,
    },
    /// A module instantiated as functions (`ModuleBuilder::function_instance`) has state.
    #[error(
        "instance `{instance}` in module `{module}` emits `{child}` as functions, but `{child}` has {what}: only a combinational module can be a function (at {})",
        at(loc)
    )]
    NotCombinational {
        /// Module name (the parent).
        module: String,
        /// Instance name.
        instance: String,
        /// The instantiated module.
        child: String,
        /// What it has that a function cannot: `registers`, `memories`, `instances` or
        /// `properties`.
        what: &'static str,
        /// Where it was instantiated.
        loc: SourceLoc,
    },
    /// An input port is driven inside its module.
    #[error(
        "input `{signal}` of module `{module}` is driven inside the module (at {})",
        at(loc)
    )]
    DrivesInput {
        /// Module name.
        module: String,
        /// Port name.
        signal: String,
        /// Where it was driven.
        loc: SourceLoc,
    },
    /// A signal is driven the wrong way (`drive` on a register, `next` on a wire, …).
    #[error("in module `{module}`: {message} (at {})", at(loc))]
    WrongDriver {
        /// Module name.
        module: String,
        /// What is wrong.
        message: String,
        /// Where.
        loc: SourceLoc,
    },
    /// An input port of an instance is not connected.
    #[error("unconnected input `{port}` of instance `{instance}` (module `{child}`) in module `{module}` (instantiated at {})", at(loc))]
    UnconnectedPort {
        /// Parent module name.
        module: String,
        /// Instance name.
        instance: String,
        /// Child module name.
        child: String,
        /// Port name.
        port: String,
        /// Where the instance was created.
        loc: SourceLoc,
    },
    /// A connection names a port the child does not have as an input.
    #[error("instance `{instance}` (module `{child}`) in module `{module}` has no input port `{port}` (at {}); inputs: {inputs}", at(loc))]
    UnknownPort {
        /// Parent module name.
        module: String,
        /// Instance name.
        instance: String,
        /// Child module name.
        child: String,
        /// The name used.
        port: String,
        /// The child's input ports.
        inputs: String,
        /// Where the connection was made.
        loc: SourceLoc,
    },
    /// Two things in one module share a name.
    #[error(
        "duplicate name `{name}` in module `{module}`: declared at {} and again at {}",
        at(first),
        at(second)
    )]
    DuplicateName {
        /// Module name.
        module: String,
        /// The name.
        name: String,
        /// First declaration.
        first: SourceLoc,
        /// Second declaration.
        second: SourceLoc,
    },
    /// A name that cannot be a Verilog identifier, or is reserved.
    #[error(
        "invalid name `{name}` in module `{module}`: {reason} (at {})",
        at(loc)
    )]
    InvalidName {
        /// Module name.
        module: String,
        /// The name.
        name: String,
        /// Why.
        reason: String,
        /// Where.
        loc: SourceLoc,
    },
    /// Two different modules have the same name.
    #[error(
        "two different modules are named `{name}`: built at {} and at {}; give them distinct names",
        at(first),
        at(second)
    )]
    ModuleNameClash {
        /// The name.
        name: String,
        /// First builder.
        first: SourceLoc,
        /// Second builder.
        second: SourceLoc,
    },
    /// Anything else a builder call got wrong (a value out of range, a handle from another
    /// module…).
    #[error("in module `{module}`: {message} (at {})", at(loc))]
    Build {
        /// Module name.
        module: String,
        /// What is wrong.
        message: String,
        /// Where.
        loc: SourceLoc,
    },
}

/// All the problems found while elaborating a design (at least one), in a deterministic order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElabErrors(pub Vec<ElabError>);

impl fmt::Display for ElabErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        if n > 1 {
            writeln!(f, "{n} errors:")?;
        }
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ElabErrors {}

impl ElabErrors {
    /// True when some error's message contains `text` (handy in tests).
    pub fn mentions(&self, text: &str) -> bool {
        self.0.iter().any(|e| e.to_string().contains(text))
    }
}
