//! The elaborated, checked intermediate representation.
//!
//! The IR is what the back-ends and the reference evaluator read. It is separate from the
//! builders: elaboration (`crate::elaborate`) lowers builder modules into it and runs every
//! check, so an [`ir::Design`](Design) is always well formed: every signal has exactly one
//! driver, every width agrees, there is no combinational loop.

mod ops;

pub use ops::{BinOp, RedOp, UnOp};

use crate::types::Type;
use num_bigint::BigInt;
use std::panic::Location;

/// A Rust source location recorded by `#[track_caller]` builder methods.
pub type SourceLoc = &'static Location<'static>;

/// Index of a signal within its module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignalId(pub u32);

/// Index of an expression node within its module's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

/// Index of a module within a [`Design`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

/// What a signal is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignalKind {
    /// A module input port.
    Input,
    /// A module output port, driven by a continuous assignment.
    Output,
    /// An internal wire, driven by a continuous assignment.
    Wire,
    /// A register; its update is in [`Module::regs`].
    Reg,
    /// The registered data of a synchronous memory read port.
    MemReadData {
        /// The memory.
        mem: usize,
        /// The read port's index within the memory.
        port: usize,
    },
    /// An output of a submodule instance.
    InstanceOutput {
        /// The instance.
        instance: usize,
        /// The port name in the child module.
        port: String,
    },
}

/// A named signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    /// The name the builder gave it (kept in the Verilog).
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// What it is.
    pub kind: SignalKind,
    /// Where it was declared.
    pub loc: SourceLoc,
}

/// An expression node. Children always have smaller ids than their parents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// The operation.
    pub kind: ExprKind,
    /// The result type.
    pub ty: Type,
}

/// The operation of an expression node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// A constant; the value lies in the node's type.
    Const(BigInt),
    /// The current value of a signal.
    Signal(SignalId),
    /// A unary operator.
    Unary(UnOp, ExprId),
    /// A binary operator.
    Binary(BinOp, ExprId, ExprId),
    /// Constant left shift by `k` bits; result `w + k` bits (exact).
    ShlConst(ExprId, u32),
    /// Constant right shift by `k` bits; result has the operand's type. `arithmetic` fills
    /// with the sign bit, otherwise with zeros.
    ShrConst {
        /// The shifted value.
        arg: ExprId,
        /// Shift distance in bits.
        amount: u32,
        /// Sign-filling when true.
        arithmetic: bool,
    },
    /// `sel ? a : b`; `sel` is one bit, `a` and `b` have the result type.
    Mux(ExprId, ExprId, ExprId),
    /// Concatenation, most significant part first; result `UInt(Σw)`.
    Concat(Vec<ExprId>),
    /// Bits `hi..=lo` of the operand as `UInt(hi − lo + 1)` (or the truncation's type).
    Slice(ExprId, u32, u32),
    /// Zero extension to the node's (wider or equal) width.
    Zext(ExprId),
    /// Sign extension to the node's (wider or equal) width.
    Sext(ExprId),
    /// The same bits read as the node's type (equal width).
    Reinterpret(ExprId),
    /// A reduction to one bit.
    Reduce(RedOp, ExprId),
}

impl ExprKind {
    /// The operand expressions of this node, in order.
    pub fn operands(&self) -> Vec<ExprId> {
        match self {
            ExprKind::Const(_) | ExprKind::Signal(_) => Vec::new(),
            ExprKind::Unary(_, a)
            | ExprKind::ShlConst(a, _)
            | ExprKind::ShrConst { arg: a, .. }
            | ExprKind::Slice(a, _, _)
            | ExprKind::Zext(a)
            | ExprKind::Sext(a)
            | ExprKind::Reinterpret(a)
            | ExprKind::Reduce(_, a) => vec![*a],
            ExprKind::Binary(_, a, b) => vec![*a, *b],
            ExprKind::Mux(s, a, b) => vec![*s, *a, *b],
            ExprKind::Concat(parts) => parts.clone(),
        }
    }
}

/// A register update: on each rising clock edge, `rst` loads `reset` (when present), else
/// `enable` (when present) gates loading `next`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reg {
    /// The register's signal.
    pub signal: SignalId,
    /// The value loaded on each enabled clock edge.
    pub next: ExprId,
    /// Optional load enable (one bit).
    pub enable: Option<ExprId>,
    /// Value loaded while the synchronous reset is high; `None` for a register without reset.
    pub reset: Option<BigInt>,
}

/// A synchronous write port: on a rising edge with `enable` high, `data` is stored at `addr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemWritePort {
    /// Write enable (one bit).
    pub enable: ExprId,
    /// Address, `UInt(address_bits)`.
    pub addr: ExprId,
    /// Data, the memory's word type.
    pub data: ExprId,
    /// Where the port was added.
    pub loc: SourceLoc,
}

/// A synchronous read port: on a rising edge with `enable` high, the word at `addr` (its value
/// before any write on that same edge: read-first) is loaded into `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemReadPort {
    /// Read enable (one bit).
    pub enable: ExprId,
    /// Address, `UInt(address_bits)`.
    pub addr: ExprId,
    /// The registered read data signal.
    pub data: SignalId,
    /// Where the port was added.
    pub loc: SourceLoc,
}

/// A memory of `depth` words, emitted in the form synthesis tools infer as block RAM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mem {
    /// The builder's name.
    pub name: String,
    /// Number of words.
    pub depth: u64,
    /// Word type.
    pub word: Type,
    /// Initial contents (word values), at most `depth` entries; words beyond are zero.
    pub init: Option<Vec<BigInt>>,
    /// Write ports; when two write the same address on one edge, the later port wins.
    pub writes: Vec<MemWritePort>,
    /// Read ports.
    pub reads: Vec<MemReadPort>,
    /// Where it was declared.
    pub loc: SourceLoc,
    /// The builder promised that no read port reads the word being written on the same edge
    /// (`ModuleBuilder::promise_no_read_during_write`, checked by assertions): the Verilog
    /// back-end marks the memory `(* no_rw_check *)`.
    pub no_read_during_write: bool,
}

impl Mem {
    /// Address width in bits: `max(1, ceil(log2(depth)))`.
    pub fn address_bits(&self) -> u32 {
        address_bits(self.depth)
    }
}

/// Address width in bits for a memory of `depth` words: `max(1, ceil(log2(depth)))`.
pub fn address_bits(depth: u64) -> u32 {
    if depth <= 2 {
        1
    } else {
        64 - (depth - 1).leading_zeros()
    }
}

/// A submodule instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Instance name.
    pub name: String,
    /// The instantiated module.
    pub module: ModuleId,
    /// Input port connections, in the child's port order.
    pub inputs: Vec<(String, ExprId)>,
    /// Output ports and the parent signals they drive, in the child's port order.
    pub outputs: Vec<(String, SignalId)>,
    /// Emitted as Verilog functions called where its outputs are read, instead of a module
    /// instance (`ModuleBuilder::function_instance`; the child is combinational). The same
    /// logic: only the emission differs.
    pub as_function: bool,
    /// Where it was instantiated.
    pub loc: SourceLoc,
}

/// A continuous assignment to an output or a wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assign {
    /// The driven signal.
    pub target: SignalId,
    /// The value.
    pub value: ExprId,
    /// Where the assignment was made.
    pub loc: SourceLoc,
}

/// What a property asks of the design (emitted for formal tools, checked in simulation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PropertyKind {
    /// Must hold in every cycle out of reset; a formal tool proves it.
    Assert,
    /// Taken as given by a formal tool (a constraint on the inputs); checked like an assertion
    /// in simulation, where a failure means the stimulus broke the assumption.
    Assume,
    /// A formal tool shows a trace that reaches it; simulation counts how often it holds.
    Cover,
}

impl PropertyKind {
    /// The SystemVerilog keyword (`assert`, `assume`, `cover`).
    pub fn keyword(self) -> &'static str {
        match self {
            PropertyKind::Assert => "assert",
            PropertyKind::Assume => "assume",
            PropertyKind::Cover => "cover",
        }
    }
}

/// A property of a module: a one-bit condition sampled on every rising clock edge while `rst`
/// is low (every evaluation in a module without a clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    /// Assert, assume or cover.
    pub kind: PropertyKind,
    /// The condition (`Bool`).
    pub cond: ExprId,
    /// The Verilog label, unique in the module (`assert_valid_held_until_ready`).
    pub label: String,
    /// The builder's message.
    pub message: String,
    /// Where the property was written.
    pub loc: SourceLoc,
}

/// A named constant of a module, emitted as a Verilog `localparam` and written by name wherever
/// the back-end writes its node whole (comparisons, `case` labels, assigned values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalParam {
    /// The Verilog name, unique in the module.
    pub name: String,
    /// The constant's node ([`ExprKind::Const`]).
    pub value: ExprId,
    /// Where it was declared.
    pub loc: SourceLoc,
}

/// An elaborated module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// Module name.
    pub name: String,
    /// Generator parameters, for the file header (name, value).
    pub params: Vec<(String, String)>,
    /// Where the module's builder was created.
    pub loc: SourceLoc,
    /// All signals; ports first, in declaration order.
    pub signals: Vec<Signal>,
    /// Input and output ports in declaration order.
    pub ports: Vec<SignalId>,
    /// Expression arena (children before parents).
    pub exprs: Vec<Expr>,
    /// Continuous assignments.
    pub assigns: Vec<Assign>,
    /// Registers.
    pub regs: Vec<Reg>,
    /// Memories.
    pub mems: Vec<Mem>,
    /// Submodule instances.
    pub instances: Vec<Instance>,
    /// Assertions, assumptions and covers, in the order written.
    pub properties: Vec<Property>,
    /// Named constants, in declaration order.
    pub localparams: Vec<LocalParam>,
    /// True when the module (or a submodule) has registers or memories, so it has a `clk`
    /// input.
    pub uses_clock: bool,
    /// True when the module (or a submodule) has a register with a reset value, so it has a
    /// `rst` input (synchronous, active high).
    pub uses_reset: bool,
    /// For each output port (by position in [`Module::ports`]), the input ports it depends on
    /// combinationally.
    pub comb_deps: Vec<(SignalId, Vec<SignalId>)>,
}

impl Module {
    /// The signal with id `id`.
    pub fn signal(&self, id: SignalId) -> &Signal {
        &self.signals[id.0 as usize]
    }

    /// The expression with id `id`.
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    /// Finds a port by name.
    pub fn port(&self, name: &str) -> Option<SignalId> {
        self.ports
            .iter()
            .copied()
            .find(|&p| self.signal(p).name == name)
    }
}

/// A whole design: modules in dependency order (every module after the modules it
/// instantiates); the top module is last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Design {
    /// The modules.
    pub modules: Vec<Module>,
}

impl Design {
    /// The top module.
    pub fn top(&self) -> &Module {
        self.modules.last().expect("a design has a top module")
    }

    /// The module with id `id`.
    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id.0 as usize]
    }

    /// Id of the top module.
    pub fn top_id(&self) -> ModuleId {
        ModuleId(self.modules.len() as u32 - 1)
    }
}
