//! `ModuleBuilder`: declares ports, wires, registers, memories and instances, and records how
//! each is driven. `finish()` freezes it into a [`Module`] that can be instantiated or
//! elaborated.

use super::expr::{Expr, Kind};
use super::value::Value;
use super::Signal;
use crate::ir::{address_bits, SourceLoc};
use crate::types::{Type, UInt, MAX_WIDTH};
use num_bigint::BigInt;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_MODULE_UID: AtomicU64 = AtomicU64::new(1);

/// What a declared signal is, in the builder.
#[derive(Clone, Debug)]
pub(crate) enum DeclKind {
    Input,
    Output,
    Wire,
    Reg { reset: Option<BigInt> },
    MemReadData { mem: usize, port: usize },
    InstanceOutput { instance: usize, port: String },
}

#[derive(Clone, Debug)]
pub(crate) struct Decl {
    pub(crate) name: String,
    pub(crate) ty: Type,
    pub(crate) kind: DeclKind,
    pub(crate) loc: SourceLoc,
}

/// A driver recorded by the builder: a continuous assignment (`drive`) or a register update
/// (`next`).
#[derive(Clone, Debug)]
pub(crate) struct Driver {
    pub(crate) target: Signal,
    pub(crate) value: Expr,
    pub(crate) enable: Option<Expr>,
    pub(crate) loc: SourceLoc,
    pub(crate) is_next: bool,
    /// Recorded inside a conditional scope ([`ModuleBuilder::when`]): merged with the target's
    /// other drivers into one priority mux at `finish()`.
    pub(crate) scoped: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct MemDecl {
    pub(crate) name: String,
    pub(crate) depth: u64,
    pub(crate) word: Type,
    pub(crate) init: Option<Vec<BigInt>>,
    pub(crate) writes: Vec<(Expr, Expr, Expr, SourceLoc)>,
    pub(crate) reads: Vec<(Expr, Expr, Signal, SourceLoc)>,
    pub(crate) loc: SourceLoc,
    /// Where [`ModuleBuilder::promise_no_read_during_write`] was called, if it was.
    pub(crate) no_read_during_write: Option<SourceLoc>,
}

#[derive(Clone, Debug)]
pub(crate) struct InstDecl {
    pub(crate) name: String,
    pub(crate) module: Module,
    pub(crate) connections: Vec<(String, Expr, SourceLoc)>,
    pub(crate) outputs: Vec<(String, Signal)>,
    /// Emitted as functions (see [`ModuleBuilder::function_instance`]).
    pub(crate) as_function: bool,
    pub(crate) loc: SourceLoc,
}

/// A problem found while building (reported at elaboration, with the others).
#[derive(Clone, Debug)]
pub(crate) struct BuildProblem {
    pub(crate) message: String,
    pub(crate) loc: SourceLoc,
}

/// The frozen description of a module, shared by every instance of it.
#[derive(Debug)]
pub(crate) struct ModuleData {
    pub(crate) uid: u64,
    pub(crate) name: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) loc: SourceLoc,
    pub(crate) decls: Vec<Decl>,
    pub(crate) ports: Vec<usize>,
    pub(crate) drivers: Vec<Driver>,
    pub(crate) mems: Vec<MemDecl>,
    pub(crate) instances: Vec<InstDecl>,
    pub(crate) properties: Vec<PropertyDecl>,
    pub(crate) localparams: Vec<LocalParamDecl>,
    pub(crate) problems: Vec<BuildProblem>,
}

/// A named constant recorded by the builder (see `builder/localparam.rs`).
#[derive(Clone, Debug)]
pub(crate) struct LocalParamDecl {
    pub(crate) name: String,
    pub(crate) value: Expr,
    pub(crate) loc: SourceLoc,
}

/// A property recorded by the builder (see `builder/property.rs`).
#[derive(Clone, Debug)]
pub(crate) struct PropertyDecl {
    pub(crate) kind: crate::ir::PropertyKind,
    pub(crate) cond: Expr,
    pub(crate) message: String,
    pub(crate) loc: SourceLoc,
}

/// A finished module description: instantiate it in another module, or elaborate it as the
/// top of a design. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Module(pub(crate) Rc<ModuleData>);

impl Module {
    /// The module's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The ports as (name, type, is_input), in declaration order.
    pub fn ports(&self) -> Vec<(String, Type, bool)> {
        self.0
            .ports
            .iter()
            .map(|&i| {
                let d = &self.0.decls[i];
                (d.name.clone(), d.ty, matches!(d.kind, DeclKind::Input))
            })
            .collect()
    }
}

/// A handle to a memory declared with [`ModuleBuilder::mem`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mem {
    module: u64,
    index: usize,
    depth: u64,
    word: Type,
}

impl Mem {
    /// Number of words.
    pub fn depth(self) -> u64 {
        self.depth
    }

    /// Word type.
    pub fn word(self) -> Type {
        self.word
    }

    /// Address width in bits: `max(1, ceil(log2(depth)))`.
    pub fn address_bits(self) -> u32 {
        address_bits(self.depth)
    }
}

/// Names a port of a child module when connecting or reading an instance: the port's name
/// (`"start"`), or — typed, checked where it is written — the [`Signal`] the child's builder
/// returned for it ([`ModuleBuilder::input`], [`ModuleBuilder::output_from`], …), which a
/// generator hands out beside its module (see [`ModuleBuilder::connect`]).
pub trait Port {
    /// The port's name in `child`, or why it is not one of `child`'s ports.
    fn port_name(&self, child: &Module) -> Result<String, String>;
}

impl Port for str {
    fn port_name(&self, _child: &Module) -> Result<String, String> {
        Ok(self.to_string())
    }
}

impl Port for String {
    fn port_name(&self, _child: &Module) -> Result<String, String> {
        Ok(self.clone())
    }
}

impl<T: Port + ?Sized> Port for &T {
    fn port_name(&self, child: &Module) -> Result<String, String> {
        (**self).port_name(child)
    }
}

impl Port for Signal {
    fn port_name(&self, child: &Module) -> Result<String, String> {
        let data = &child.0;
        if self.module != data.uid {
            return Err(format!(
                "the signal given as a port belongs to another module than `{}`",
                data.name
            ));
        }
        let index = self.index as usize;
        match data.ports.iter().find(|&&p| p == index) {
            Some(&p) => Ok(data.decls[p].name.clone()),
            None => Err(format!(
                "signal `{}` of `{}` is not one of its ports",
                data.decls[index].name, data.name
            )),
        }
    }
}

/// A handle to a submodule instance created with [`ModuleBuilder::instance`].
#[derive(Clone, Debug)]
pub struct Instance {
    module: u64,
    index: usize,
    name: String,
    child: String,
    outputs: Rc<Vec<(String, Signal)>>,
    module_of_child: Module,
}

impl Instance {
    /// The instance's output port `port` (its name, or the child's [`Signal`] for it: see
    /// [`Port`]), as a signal of the parent (named `<instance>_<port>` in the Verilog). An
    /// unknown port is reported at elaboration, at the caller's line.
    #[track_caller]
    pub fn out(&self, port: impl Port) -> Expr {
        let port = match port.port_name(&self.module_of_child) {
            Ok(name) => name,
            Err(why) => {
                return Expr::node(
                    Kind::Const(BigInt::from(0)),
                    UInt(1),
                    Location::caller(),
                    Some(format!("instance `{}`: {why}", self.name)),
                )
            }
        };
        match self.outputs.iter().find(|(name, _)| *name == port) {
            Some((_, signal)) => Expr::from(*signal),
            None => {
                let outputs: Vec<&str> = self.outputs.iter().map(|(n, _)| n.as_str()).collect();
                Expr::node(
                    Kind::Const(BigInt::from(0)),
                    UInt(1),
                    Location::caller(),
                    Some(format!(
                        "instance `{}` of `{}` has no output port `{port}` (outputs: {})",
                        self.name,
                        self.child,
                        outputs.join(", ")
                    )),
                )
            }
        }
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Builds one module. A generator is an ordinary Rust function that creates a
/// `ModuleBuilder`, declares and connects things, and returns `finish()`.
///
/// Every module has an implicit clock `clk` (rising edge) and synchronous, active-high reset
/// `rst`; they become ports only when the module (or a submodule) has state that needs them.
/// Declaration methods record the caller's source location, which error messages quote.
#[derive(Debug)]
pub struct ModuleBuilder {
    pub(crate) data: ModuleData,
    /// The guards of the conditional scopes being built, innermost last.
    pub(crate) scope: Vec<Expr>,
    /// Slices driven with [`ModuleBuilder::drive_bits`]: (target, lowest bit, value, where),
    /// joined into one driver per target by [`ModuleBuilder::finish`].
    slices: Vec<(Signal, u32, Expr, SourceLoc)>,
}

impl ModuleBuilder {
    /// Starts a module called `name` (a Verilog identifier; it becomes the file name too).
    #[track_caller]
    pub fn new(name: impl Into<String>) -> ModuleBuilder {
        ModuleBuilder {
            data: ModuleData {
                uid: NEXT_MODULE_UID.fetch_add(1, Ordering::Relaxed),
                name: name.into(),
                params: Vec::new(),
                loc: Location::caller(),
                decls: Vec::new(),
                ports: Vec::new(),
                drivers: Vec::new(),
                mems: Vec::new(),
                instances: Vec::new(),
                properties: Vec::new(),
                localparams: Vec::new(),
                problems: Vec::new(),
            },
            scope: Vec::new(),
            slices: Vec::new(),
        }
    }

    /// Records a generator parameter for the file header (`width = 8`).
    pub fn param(&mut self, name: impl Into<String>, value: impl ToString) -> &mut Self {
        self.data.params.push((name.into(), value.to_string()));
        self
    }

    /// The module's name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    fn declare(&mut self, name: String, ty: Type, kind: DeclKind, loc: SourceLoc) -> Signal {
        if ty.width() == 0 || ty.width() > MAX_WIDTH {
            self.problem(
                format!(
                    "signal `{name}` has width {}, outside 1..={MAX_WIDTH}",
                    ty.width()
                ),
                loc,
            );
        }
        let index = self.data.decls.len() as u32;
        let is_port = matches!(kind, DeclKind::Input | DeclKind::Output);
        self.data.decls.push(Decl {
            name,
            ty,
            kind,
            loc,
        });
        if is_port {
            self.data.ports.push(index as usize);
        }
        Signal {
            module: self.data.uid,
            index,
            ty,
        }
    }

    pub(crate) fn problem(&mut self, message: String, loc: SourceLoc) {
        self.data.problems.push(BuildProblem { message, loc });
    }

    /// Declares an input port.
    #[track_caller]
    pub fn input(&mut self, name: impl Into<String>, ty: Type) -> Signal {
        self.declare(name.into(), ty, DeclKind::Input, Location::caller())
    }

    /// Declares an output port; drive it with [`ModuleBuilder::drive`].
    #[track_caller]
    pub fn output(&mut self, name: impl Into<String>, ty: Type) -> Signal {
        self.declare(name.into(), ty, DeclKind::Output, Location::caller())
    }

    /// Declares an output port driven by `value`, with `value`'s type.
    #[track_caller]
    pub fn output_from(&mut self, name: impl Into<String>, value: impl Into<Expr>) -> Signal {
        let value = value.into();
        let loc = Location::caller();
        let out = self.declare(name.into(), value.ty(), DeclKind::Output, loc);
        self.push_driver(out, value, None, loc, false);
        out
    }

    /// Declares an output port that is itself a register (reset to 0): returns the register,
    /// `<name>_r`, to give its next value with [`ModuleBuilder::next`]; the port `<name>`
    /// shows it.
    ///
    /// ```
    /// use spikeforge_dsl::prelude::*;
    /// let mut m = ModuleBuilder::new("toggler");
    /// let q = m.output_reg("q", Bool);
    /// m.next(q, !q.expr());
    /// elaborate(&m.finish()).unwrap();
    /// ```
    #[track_caller]
    pub fn output_reg(&mut self, name: impl Into<String>, ty: Type) -> Signal {
        let name = name.into();
        let loc = Location::caller();
        let reg = self.declare(
            format!("{name}_r"),
            ty,
            DeclKind::Reg {
                reset: Some(BigInt::from(0)),
            },
            loc,
        );
        let out = self.declare(name, ty, DeclKind::Output, loc);
        self.push_driver(out, reg.expr(), None, loc, false);
        reg
    }

    /// Drives bits `lsb ..` of an output port or wire with `value` (its width says how many):
    /// a vector may be driven slice by slice, each bit exactly once (checked when the module
    /// is finished: a bit driven twice or never is reported at the slice's line).
    ///
    /// ```
    /// use spikeforge_dsl::prelude::*;
    /// let mut m = ModuleBuilder::new("swap");
    /// let a = m.input("a", UInt(8));
    /// let y = m.output("y", UInt(8));
    /// m.drive_bits(y, 0, a.bits(7, 4));
    /// m.drive_bits(y, 4, a.bits(3, 0));
    /// elaborate(&m.finish()).unwrap();
    /// ```
    #[track_caller]
    pub fn drive_bits(&mut self, target: Signal, lsb: u32, value: impl Into<Expr>) {
        let value: Expr = value.into();
        let value = if value.ty().is_signed() {
            value.as_uint()
        } else {
            value
        };
        self.slices.push((target, lsb, value, Location::caller()));
    }

    /// Joins the slices of [`ModuleBuilder::drive_bits`] into one driver per target.
    fn join_slices(&mut self) {
        let mut slices = std::mem::take(&mut self.slices);
        slices.sort_by_key(|(t, lsb, _, _)| (t.index, *lsb));
        let mut i = 0;
        while i < slices.len() {
            let target = slices[i].0;
            let name = self.data.decls[target.index as usize].name.clone();
            let width = target.ty.width();
            let mut parts: Vec<Expr> = Vec::new();
            let mut next_bit = 0u32;
            let first_loc = slices[i].3;
            let mut ok = true;
            while i < slices.len() && slices[i].0.index == target.index {
                let (_, lsb, value, loc) = slices[i].clone();
                let w = value.width();
                if lsb < next_bit {
                    self.problem(
                        format!(
                            "`{name}`: bits {lsb}..{} driven twice",
                            next_bit.min(lsb + w) - 1
                        ),
                        loc,
                    );
                    ok = false;
                } else if lsb > next_bit {
                    self.problem(
                        format!("`{name}`: bits {next_bit}..{} never driven", lsb - 1),
                        loc,
                    );
                    ok = false;
                }
                if lsb + w > width {
                    self.problem(
                        format!(
                            "`{name}` is {width} bits: bits {lsb}..{} do not exist",
                            lsb + w - 1
                        ),
                        loc,
                    );
                    ok = false;
                }
                parts.push(value);
                next_bit = next_bit.max(lsb + w);
                i += 1;
            }
            if ok && next_bit < width {
                self.problem(
                    format!("`{name}`: bits {next_bit}..{} never driven", width - 1),
                    first_loc,
                );
                ok = false;
            }
            if ok {
                let joined = Expr::cat(parts.into_iter().rev());
                let joined = if target.ty.is_signed() {
                    joined.as_sint()
                } else {
                    joined
                };
                self.push_driver(target, joined, None, first_loc, false);
            }
        }
    }

    /// Declares a wire; drive it with [`ModuleBuilder::drive`].
    #[track_caller]
    pub fn wire(&mut self, name: impl Into<String>, ty: Type) -> Signal {
        self.declare(name.into(), ty, DeclKind::Wire, Location::caller())
    }

    /// Declares a named wire driven by `value`, with `value`'s type.
    #[track_caller]
    pub fn wire_from(&mut self, name: impl Into<String>, value: impl Into<Expr>) -> Signal {
        let value = value.into();
        let loc = Location::caller();
        let w = self.declare(name.into(), value.ty(), DeclKind::Wire, loc);
        self.push_driver(w, value, None, loc, false);
        w
    }

    /// Declares a register that resets to zero.
    #[track_caller]
    pub fn reg(&mut self, name: impl Into<String>, ty: Type) -> Signal {
        let reset = Some(BigInt::from(0));
        self.declare(name.into(), ty, DeclKind::Reg { reset }, Location::caller())
    }

    /// Declares a register that loads `reset` while `rst` is high.
    #[track_caller]
    pub fn reg_with_reset(
        &mut self,
        name: impl Into<String>,
        ty: Type,
        reset: impl Into<BigInt>,
    ) -> Signal {
        let loc = Location::caller();
        let name = name.into();
        let reset = reset.into();
        if !ty.contains(&reset) {
            self.problem(
                format!("register `{name}`: reset value {reset} does not fit {ty}"),
                loc,
            );
        }
        self.declare(name, ty, DeclKind::Reg { reset: Some(reset) }, loc)
    }

    /// Declares a register without reset (for example a pipeline register in a datapath).
    #[track_caller]
    pub fn reg_no_reset(&mut self, name: impl Into<String>, ty: Type) -> Signal {
        self.declare(
            name.into(),
            ty,
            DeclKind::Reg { reset: None },
            Location::caller(),
        )
    }

    pub(crate) fn push_driver(
        &mut self,
        target: Signal,
        value: Expr,
        enable: Option<Expr>,
        loc: SourceLoc,
        is_next: bool,
    ) {
        let ty = self.signal_type(target);
        let value = value.adapt_literal(ty, true);
        let enable = enable.map(|e| e.adapt_literal(crate::types::Bool, true));
        let scoped = !self.scope.is_empty();
        let enable = match (self.scope_guard(), enable) {
            (Some(g), Some(e)) => Some(super::value::and_at(g, e, loc)),
            (g, e) => g.or(e),
        };
        self.data.drivers.push(Driver {
            target,
            value,
            enable,
            loc,
            is_next,
            scoped,
        });
    }

    fn signal_type(&self, s: Signal) -> Type {
        s.ty
    }

    /// Drives an output port or a wire continuously with `value` (same type required).
    #[track_caller]
    pub fn drive(&mut self, target: Signal, value: impl Into<Expr>) {
        self.push_driver(target, value.into(), None, Location::caller(), false);
    }

    /// Sets the value a register loads on every clock edge (same type required).
    #[track_caller]
    pub fn next(&mut self, reg: Signal, value: impl Into<Expr>) {
        self.push_driver(reg, value.into(), None, Location::caller(), true);
    }

    /// Sets the value a register loads on clock edges where `enable` (one bit) is high.
    #[track_caller]
    pub fn next_when(&mut self, reg: Signal, enable: impl Into<Expr>, value: impl Into<Expr>) {
        let enable = enable.into().adapt_literal(crate::types::Bool, true);
        self.push_driver(reg, value.into(), Some(enable), Location::caller(), true);
    }

    /// Declares a memory of `depth` words of type `word`, emitted in the form synthesis tools
    /// infer as block RAM. Add ports with [`ModuleBuilder::mem_write`] and
    /// [`ModuleBuilder::mem_read`].
    #[track_caller]
    pub fn mem(&mut self, name: impl Into<String>, depth: u64, word: Type) -> Mem {
        let loc = Location::caller();
        let name = name.into();
        if depth == 0 {
            self.problem(format!("memory `{name}` has depth 0"), loc);
        }
        if word.width() == 0 || word.width() > MAX_WIDTH {
            self.problem(
                format!(
                    "memory `{name}` has word width {}, outside 1..={MAX_WIDTH}",
                    word.width()
                ),
                loc,
            );
        }
        let index = self.data.mems.len();
        self.data.mems.push(MemDecl {
            name,
            depth,
            word,
            init: None,
            writes: Vec::new(),
            reads: Vec::new(),
            loc,
            no_read_during_write: None,
        });
        Mem {
            module: self.data.uid,
            index,
            depth,
            word,
        }
    }

    fn mem_decl(&mut self, mem: Mem, loc: SourceLoc) -> Option<&mut MemDecl> {
        if mem.module != self.data.uid {
            self.problem("a memory of another module is used here".into(), loc);
            return None;
        }
        self.data.mems.get_mut(mem.index)
    }

    /// Promises that no read port of `mem` reads the word a write port writes on the same
    /// clock edge. The read-first result of such a collision (docs: [`crate::ir::MemReadPort`])
    /// is then never observed, so the back-end marks the memory `(* no_rw_check *)` and
    /// synthesis builds it from block RAM alone: without the promise, Yosys adds a bypass of
    /// one flip-flop and one LUT per read-data bit to every read port (on iCE40, 781 LUT4 and
    /// 1,163 flip-flops for a 256 × 384-bit memory with two read ports). The promise is
    /// checked, not trusted: every (read port, write port) pair gets an assertion
    /// (`!(read enable ∧ write enable ∧ read address = write address)`, see
    /// [`ModuleBuilder::assert_always`]) that simulation with assertions and formal tools
    /// check, added when the module is finished.
    ///
    /// ```
    /// use spikeforge_dsl::prelude::*;
    /// let mut m = ModuleBuilder::new("fifo_ram");
    /// let (we, wa) = (m.input("we", Bool), m.input("wa", UInt(4)));
    /// let (re, ra) = (m.input("re", Bool), m.input("ra", UInt(4)));
    /// let d = m.input("d", UInt(8));
    /// let ram = m.mem("ram", 16, UInt(8));
    /// m.mem_write(ram, we, wa, d);
    /// let q = m.mem_read(ram, "q_r", re, ra);
    /// m.output_from("q", q);
    /// m.promise_no_read_during_write(ram);
    /// let v = emit_verilog(&elaborate(&m.finish()).unwrap());
    /// let text = v.file("fifo_ram.v").unwrap();
    /// assert!(text.contains("(* no_rw_check *)"));
    /// assert!(text.contains("assert_q_r_of_ram_never_reads_the_word_write_port_0"));
    /// ```
    #[track_caller]
    pub fn promise_no_read_during_write(&mut self, mem: Mem) {
        let loc = Location::caller();
        if let Some(decl) = self.mem_decl(mem, loc) {
            decl.no_read_during_write = Some(loc);
        }
    }

    /// The assertions behind [`ModuleBuilder::promise_no_read_during_write`], one per (read
    /// port, write port) pair of each memory that made the promise.
    fn read_during_write_assertions(&mut self) {
        let mut found = Vec::new();
        for mem in &self.data.mems {
            let Some(loc) = mem.no_read_during_write else {
                continue;
            };
            let abits = crate::ir::address_bits(mem.depth.max(1));
            let names = &self.data.decls;
            for (re, ra, data, _) in &mem.reads {
                for (k, (we, wa, _, _)) in mem.writes.iter().enumerate() {
                    // A port of the wrong width is reported when the module is lowered.
                    if ra.width() != abits || wa.width() != abits {
                        continue;
                    }
                    let collide = re.clone() & we.clone() & ra.is_eq(wa.clone());
                    let message = format!(
                        "{} of {} never reads the word write port {k} writes",
                        names[data.index as usize].name, mem.name
                    );
                    found.push((!collide, message, loc));
                }
            }
        }
        for (cond, message, loc) in found {
            self.data.properties.push(PropertyDecl {
                kind: crate::ir::PropertyKind::Assert,
                cond,
                message,
                loc,
            });
        }
    }

    /// Sets a memory's initial contents (word values; missing words are zero).
    #[track_caller]
    pub fn mem_init(&mut self, mem: Mem, words: impl IntoIterator<Item = impl Into<BigInt>>) {
        let loc = Location::caller();
        let words: Vec<BigInt> = words.into_iter().map(Into::into).collect();
        let Some(decl) = self.mem_decl(mem, loc) else {
            return;
        };
        let name = decl.name.clone();
        let bad = words.iter().position(|w| !mem.word.contains(w));
        let too_many = words.len() as u64 > mem.depth;
        decl.init = Some(words.clone());
        if let Some(i) = bad {
            self.problem(
                format!(
                    "memory `{name}`: initial word {i} = {} does not fit {}",
                    words[i], mem.word
                ),
                loc,
            );
        }
        if too_many {
            self.problem(
                format!(
                    "memory `{name}`: {} initial words for a depth of {}",
                    words.len(),
                    mem.depth
                ),
                loc,
            );
        }
    }

    /// Adds a synchronous write port: on a clock edge with `enable` high, `data` is stored at
    /// `addr` (`UInt(address_bits)`). When several write ports hit one address on the same
    /// edge, the one added last wins.
    #[track_caller]
    pub fn mem_write(
        &mut self,
        mem: Mem,
        enable: impl Into<Expr>,
        addr: impl Into<Expr>,
        data: impl Into<Expr>,
    ) {
        let loc = Location::caller();
        let enable = enable.into().adapt_literal(crate::types::Bool, true);
        let enable = match self.scope_guard() {
            Some(g) => super::value::and_at(g, enable, loc),
            None => enable,
        };
        let addr = addr.into().adapt_literal(UInt(mem.address_bits()), true);
        let data = data.into().adapt_literal(mem.word, true);
        if let Some(decl) = self.mem_decl(mem, loc) {
            decl.writes.push((enable, addr, data, loc));
        }
    }

    /// Adds a synchronous read port whose registered data is the signal `name`: on a clock
    /// edge with `enable` high, it loads the word at `addr` as it was before that edge's writes
    /// (read-first). The data register has no reset.
    #[track_caller]
    pub fn mem_read(
        &mut self,
        mem: Mem,
        name: impl Into<String>,
        enable: impl Into<Expr>,
        addr: impl Into<Expr>,
    ) -> Signal {
        let loc = Location::caller();
        let enable = enable.into().adapt_literal(crate::types::Bool, true);
        let enable = match self.scope_guard() {
            Some(g) => super::value::and_at(g, enable, loc),
            None => enable,
        };
        let addr = addr.into().adapt_literal(UInt(mem.address_bits()), true);
        let port = self
            .data
            .mems
            .get(mem.index)
            .map(|m| m.reads.len())
            .unwrap_or(0);
        let data = self.declare(
            name.into(),
            mem.word,
            DeclKind::MemReadData {
                mem: mem.index,
                port,
            },
            loc,
        );
        if let Some(decl) = self.mem_decl(mem, loc) {
            decl.reads.push((enable, addr, data, loc));
        }
        data
    }

    /// Instantiates `child` as `name`. Connect every input with
    /// [`ModuleBuilder::connect`]; read outputs with [`Instance::out`].
    #[track_caller]
    pub fn instance(&mut self, name: impl Into<String>, child: &Module) -> Instance {
        self.instance_at(name.into(), child, false, Location::caller())
    }

    /// Instantiates the combinational module `child` as `name`, to be emitted in Verilog as
    /// one function per output (`<child>_<port>`, declared in this module), called wherever
    /// the output is read, instead of as a module instance. The logic is the same (the
    /// evaluator, the checks and synthesis see no difference), but a simulator such as
    /// Verilator then computes the child's logic only where the call is reached: read it in a
    /// register's enabled update (`next_when`, or a `select` at the top of a register's next
    /// value, emitted as `if`/`else`) and it is computed only in the cycles that load the
    /// register, instead of after every clock edge. Each read of an output is a call of its
    /// own, so read each output once (through a wire when it is needed in several places).
    ///
    /// The child may have no registers, memories, instances or properties: elaboration
    /// reports one that does, naming the instance. The child gets no Verilog file of its own
    /// unless it is also instantiated as a module somewhere.
    #[track_caller]
    pub fn function_instance(&mut self, name: impl Into<String>, child: &Module) -> Instance {
        self.instance_at(name.into(), child, true, Location::caller())
    }

    fn instance_at(
        &mut self,
        name: String,
        child: &Module,
        as_function: bool,
        loc: SourceLoc,
    ) -> Instance {
        let index = self.data.instances.len();
        let mut outputs = Vec::new();
        for &p in &child.0.ports {
            let d = &child.0.decls[p];
            if matches!(d.kind, DeclKind::Output) {
                let signal = self.declare(
                    format!("{name}_{}", d.name),
                    d.ty,
                    DeclKind::InstanceOutput {
                        instance: index,
                        port: d.name.clone(),
                    },
                    loc,
                );
                outputs.push((d.name.clone(), signal));
            }
        }
        self.data.instances.push(InstDecl {
            name: name.clone(),
            module: child.clone(),
            connections: Vec::new(),
            outputs: outputs.clone(),
            as_function,
            loc,
        });
        Instance {
            module: self.data.uid,
            index,
            name,
            child: child.name().to_string(),
            outputs: Rc::new(outputs),
            module_of_child: child.clone(),
        }
    }

    /// Connects input port `port` of `instance` to `value` (same type required). The port is
    /// its name, or the [`Signal`] the child's builder returned for it, so a generator can hand
    /// out its ports and a misspelt or foreign port is an error at the caller's line:
    ///
    /// ```
    /// use spikeforge_dsl::prelude::*;
    /// // A generator that returns its module and its ports.
    /// fn doubler() -> (Module, Signal, Signal) {
    ///     let mut m = ModuleBuilder::new("doubler");
    ///     let a = m.input("a", UInt(4));
    ///     let y = m.output_from("y", a << 1);
    ///     (m.finish(), a, y)
    /// }
    /// let (child, a, y) = doubler();
    /// let mut top = ModuleBuilder::new("top");
    /// let x = top.input("x", UInt(4));
    /// let u = top.instance("u_doubler", &child);
    /// top.connect(&u, a, x);
    /// top.output_from("q", u.out(y));
    /// elaborate(&top.finish()).unwrap();
    /// ```
    #[track_caller]
    pub fn connect(&mut self, instance: &Instance, port: impl Port, value: impl Into<Expr>) {
        let loc = Location::caller();
        let port = match port.port_name(&instance.module_of_child) {
            Ok(name) => name,
            Err(why) => {
                self.problem(format!("instance `{}`: {why}", instance.name), loc);
                return;
            }
        };
        let port = port.as_str();
        if !self.scope.is_empty() {
            self.problem(
                format!(
                    "instance `{}`: ports are connected unconditionally; connect outside `when`",
                    instance.name
                ),
                loc,
            );
        }
        if instance.module != self.data.uid {
            self.problem(
                format!("instance `{}` belongs to another module", instance.name),
                loc,
            );
            return;
        }
        let inst = &mut self.data.instances[instance.index];
        let child_ty = inst
            .module
            .0
            .ports
            .iter()
            .map(|&p| &inst.module.0.decls[p])
            .find(|d| d.name == port)
            .map(|d| d.ty);
        let value = value.into();
        let value = match child_ty {
            Some(ty) => value.adapt_literal(ty, true),
            None => value,
        };
        inst.connections.push((port.to_string(), value, loc));
    }

    /// Freezes the module.
    pub fn finish(mut self) -> Module {
        self.read_during_write_assertions();
        self.join_slices();
        super::scope::merge_scoped_drivers(&mut self.data);
        Module(Rc::new(self.data))
    }
}
