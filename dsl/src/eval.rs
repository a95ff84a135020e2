//! The reference evaluator: an interpreter of the IR with the DSL's documented semantics.
//!
//! It is the model the emitted Verilog is held to (property tests compare it with Verilator and
//! Icarus Verilog), so it is written straight from the operator definitions in
//! [`crate::ir::BinOp`] and friends, on mathematical integers (`BigInt`), and shares nothing
//! with the Verilog back-end.
//!
//! The design is flattened once (every instance's signals get their own slots, child inputs
//! become assignments from the parent's expressions), continuous assignments are put in
//! dependency order, and each [`Evaluator::eval`] recomputes them in that order.
//!
//! Cycle semantics ([`Evaluator::step`]), the same as the Verilator bridge's:
//! 1. settle the combinational logic with the current inputs and state;
//! 2. at the rising edge, every register loads (reset value while `rst` is high, else `next`
//!    when its enable is high), every read port loads the word at its address as it was before
//!    this edge's writes (read-first), and every enabled write port stores (a later port wins);
//! 3. settle again, so outputs show the new state.
//!
//! State starts at zero (registers, read data, memories without initial contents). Memory
//! addresses at or beyond the depth read as zero and are not written; the Verilog leaves them
//! undefined, so tests keep addresses in range.

use crate::ir::{self, BinOp, ExprId, ExprKind, RedOp, SignalKind, UnOp};
use crate::types::Type;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, ToPrimitive, Zero};
use std::collections::HashMap;

/// A misuse of the evaluator.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// No top-level port has this name.
    #[error("the top module `{module}` has no port `{port}` (ports: {ports})")]
    UnknownPort {
        /// Top module name.
        module: String,
        /// The name asked for.
        port: String,
        /// The ports it has.
        ports: String,
    },
    /// The value does not fit the port.
    #[error("value {value} is too wide for port `{port}` ({width} bits)")]
    TooWide {
        /// Port name.
        port: String,
        /// Port width in bits.
        width: u32,
        /// The value given (bit pattern, decimal).
        value: String,
    },
    /// The port is an output.
    #[error("port `{port}` is an output and cannot be driven")]
    NotAnInput {
        /// Port name.
        port: String,
    },
}

#[derive(Clone, Debug)]
struct FlatReg {
    signal: usize,
    next: ExprId,
    enable: Option<ExprId>,
    reset: Option<BigInt>,
}

#[derive(Clone, Debug)]
struct FlatProperty {
    kind: ir::PropertyKind,
    cond: ExprId,
    /// Hierarchical label (`u0.assert_count_below_10`).
    name: String,
    message: String,
    loc: ir::SourceLoc,
}

/// A property that did not hold (an assertion or assumption false on a clock edge out of
/// reset), as the evaluator found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyFailure {
    /// The clock edge (0 = the first edge after construction) at which it was sampled false.
    pub cycle: u64,
    /// The hierarchical label (`u0.assert_count_below_10`).
    pub name: String,
    /// The builder's message.
    pub message: String,
    /// Where it was written (`file:line`).
    pub location: String,
}

impl std::fmt::Display for PropertyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cycle {}: `{}` failed: {} ({})",
            self.cycle, self.name, self.message, self.location
        )
    }
}

#[derive(Clone, Debug)]
struct FlatMem {
    word: Type,
    words: Vec<BigInt>,
    writes: Vec<(ExprId, ExprId, ExprId)>,
    reads: Vec<(ExprId, ExprId, usize)>,
}

/// Interprets a design cycle by cycle.
#[derive(Clone, Debug)]
pub struct Evaluator {
    top: String,
    names: Vec<String>,
    types: Vec<Type>,
    exprs: Vec<ir::Expr>,
    /// (target signal, value) in dependency order.
    assigns: Vec<(usize, ExprId)>,
    regs: Vec<FlatReg>,
    mems: Vec<FlatMem>,
    values: Vec<BigInt>,
    inputs: HashMap<String, usize>,
    outputs: HashMap<String, usize>,
    port_order: Vec<String>,
    rst: bool,
    cycle: u64,
    properties: Vec<FlatProperty>,
    failures: Vec<PropertyFailure>,
    cover_hits: Vec<u64>,
}

fn remap(kind: &ExprKind, base: u32, sig_base: u32) -> ExprKind {
    let e = |id: &ExprId| ExprId(id.0 + base);
    match kind {
        ExprKind::Const(v) => ExprKind::Const(v.clone()),
        ExprKind::Signal(s) => ExprKind::Signal(ir::SignalId(s.0 + sig_base)),
        ExprKind::Unary(op, a) => ExprKind::Unary(*op, e(a)),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, e(a), e(b)),
        ExprKind::ShlConst(a, k) => ExprKind::ShlConst(e(a), *k),
        ExprKind::ShrConst {
            arg,
            amount,
            arithmetic,
        } => ExprKind::ShrConst {
            arg: e(arg),
            amount: *amount,
            arithmetic: *arithmetic,
        },
        ExprKind::Mux(s, a, b) => ExprKind::Mux(e(s), e(a), e(b)),
        ExprKind::Concat(p) => ExprKind::Concat(p.iter().map(e).collect()),
        ExprKind::Slice(a, hi, lo) => ExprKind::Slice(e(a), *hi, *lo),
        ExprKind::Zext(a) => ExprKind::Zext(e(a)),
        ExprKind::Sext(a) => ExprKind::Sext(e(a)),
        ExprKind::Reinterpret(a) => ExprKind::Reinterpret(e(a)),
        ExprKind::Reduce(op, a) => ExprKind::Reduce(*op, e(a)),
    }
}

struct Flattener<'d> {
    design: &'d ir::Design,
    ev: Evaluator,
    raw_assigns: Vec<(usize, ExprId)>,
}

impl Flattener<'_> {
    /// Adds module `id` under `prefix`; returns the base index of its signals.
    fn add(&mut self, id: ir::ModuleId, prefix: &str) -> usize {
        let m = self.design.module(id);
        let sig_base = self.ev.names.len();
        let expr_base = self.ev.exprs.len() as u32;
        for s in &m.signals {
            self.ev.names.push(format!("{prefix}{}", s.name));
            self.ev.types.push(s.ty);
        }
        for x in &m.exprs {
            self.ev.exprs.push(ir::Expr {
                kind: remap(&x.kind, expr_base, sig_base as u32),
                ty: x.ty,
            });
        }
        let e = |id: ExprId| ExprId(id.0 + expr_base);
        for a in &m.assigns {
            self.raw_assigns
                .push((sig_base + a.target.0 as usize, e(a.value)));
        }
        for r in &m.regs {
            self.ev.regs.push(FlatReg {
                signal: sig_base + r.signal.0 as usize,
                next: e(r.next),
                enable: r.enable.map(e),
                reset: r.reset.clone(),
            });
        }
        for mem in &m.mems {
            let mut words = vec![BigInt::zero(); mem.depth as usize];
            if let Some(init) = &mem.init {
                for (w, v) in words.iter_mut().zip(init) {
                    *w = v.clone();
                }
            }
            self.ev.mems.push(FlatMem {
                word: mem.word,
                words,
                writes: mem
                    .writes
                    .iter()
                    .map(|w| (e(w.enable), e(w.addr), e(w.data)))
                    .collect(),
                reads: mem
                    .reads
                    .iter()
                    .map(|r| (e(r.enable), e(r.addr), sig_base + r.data.0 as usize))
                    .collect(),
            });
        }
        for p in &m.properties {
            self.ev.properties.push(FlatProperty {
                kind: p.kind,
                cond: e(p.cond),
                name: format!("{prefix}{}", p.label),
                message: p.message.clone(),
                loc: p.loc,
            });
        }
        for inst in &m.instances {
            let child = self.design.module(inst.module);
            let child_base = self.add(inst.module, &format!("{prefix}{}.", inst.name));
            for (port, value) in &inst.inputs {
                if let Some(p) = child.port(port) {
                    self.raw_assigns
                        .push((child_base + p.0 as usize, e(*value)));
                }
            }
            for (port, sig) in &inst.outputs {
                if let Some(p) = child.port(port) {
                    let id = ExprId(self.ev.exprs.len() as u32);
                    self.ev.exprs.push(ir::Expr {
                        kind: ExprKind::Signal(ir::SignalId((child_base + p.0 as usize) as u32)),
                        ty: child.signal(p).ty,
                    });
                    self.raw_assigns.push((sig_base + sig.0 as usize, id));
                }
            }
        }
        sig_base
    }
}

impl Evaluator {
    /// Builds an evaluator for `design`, with all state at zero and `rst` low.
    pub fn new(design: &ir::Design) -> Evaluator {
        let top = design.top();
        let mut f = Flattener {
            design,
            ev: Evaluator {
                top: top.name.clone(),
                names: Vec::new(),
                types: Vec::new(),
                exprs: Vec::new(),
                assigns: Vec::new(),
                regs: Vec::new(),
                mems: Vec::new(),
                values: Vec::new(),
                inputs: HashMap::new(),
                outputs: HashMap::new(),
                port_order: Vec::new(),
                rst: false,
                cycle: 0,
                properties: Vec::new(),
                failures: Vec::new(),
                cover_hits: Vec::new(),
            },
            raw_assigns: Vec::new(),
        };
        f.add(design.top_id(), "");
        let mut ev = f.ev;
        for &p in &top.ports {
            let s = top.signal(p);
            ev.port_order.push(s.name.clone());
            if s.kind == SignalKind::Input {
                ev.inputs.insert(s.name.clone(), p.0 as usize);
            } else {
                ev.outputs.insert(s.name.clone(), p.0 as usize);
            }
        }
        ev.values = vec![BigInt::zero(); ev.names.len()];
        ev.cover_hits = vec![0; ev.properties.len()];
        ev.assigns = order_assigns(&ev.exprs, f.raw_assigns, ev.names.len());
        ev.eval();
        ev
    }

    /// Number of clock edges applied so far.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    fn port(&self, name: &str) -> Result<usize, EvalError> {
        self.inputs
            .get(name)
            .or_else(|| self.outputs.get(name))
            .copied()
            .ok_or_else(|| EvalError::UnknownPort {
                module: self.top.clone(),
                port: name.to_string(),
                ports: self.port_order.join(", "),
            })
    }

    /// Sets input `port` to the bit pattern `bits` (`rst` sets the synchronous reset).
    pub fn poke(&mut self, port: &str, bits: &BigUint) -> Result<(), EvalError> {
        if port == "rst" {
            self.rst = !bits.is_zero();
            return Ok(());
        }
        let i = self.port(port)?;
        if !self.inputs.contains_key(port) {
            return Err(EvalError::NotAnInput {
                port: port.to_string(),
            });
        }
        let ty = self.types[i];
        if bits.bits() > u64::from(ty.width()) {
            return Err(EvalError::TooWide {
                port: port.to_string(),
                width: ty.width(),
                value: bits.to_string(),
            });
        }
        self.values[i] = ty.from_bits(&BigInt::from(bits.clone()));
        Ok(())
    }

    /// The bit pattern of port `port` (after the last [`Evaluator::eval`] or step).
    pub fn peek(&self, port: &str) -> Result<BigUint, EvalError> {
        let i = self.port(port)?;
        let bits = self.types[i].to_bits(&self.values[i]);
        Ok(bits.to_biguint().unwrap_or_default())
    }

    /// The value (signed for `SInt`) of any signal by hierarchical name (`u0.sum_r`).
    pub fn signal_value(&self, name: &str) -> Option<BigInt> {
        let i = self.names.iter().position(|n| n == name)?;
        Some(self.values[i].clone())
    }

    /// Settles the combinational logic.
    pub fn eval(&mut self) {
        let mut cache: Vec<Option<BigInt>> = vec![None; self.exprs.len()];
        for k in 0..self.assigns.len() {
            let (target, e) = self.assigns[k];
            let v = self.expr(e, &mut cache);
            self.values[target] = v;
        }
    }

    /// One rising clock edge (see the module docs for the exact order).
    pub fn step(&mut self) {
        self.eval();
        let mut cache: Vec<Option<BigInt>> = vec![None; self.exprs.len()];
        if !self.rst {
            self.sample_properties(&mut cache);
        }
        let mut updates: Vec<(usize, BigInt)> = Vec::new();
        for k in 0..self.regs.len() {
            let r = self.regs[k].clone();
            if self.rst {
                if let Some(v) = r.reset {
                    updates.push((r.signal, v));
                    continue;
                }
            }
            let load = match r.enable {
                Some(en) => !self.expr(en, &mut cache).is_zero(),
                None => true,
            };
            if load {
                let v = self.expr(r.next, &mut cache);
                updates.push((r.signal, v));
            }
        }
        let mut mem_writes: Vec<(usize, usize, BigInt)> = Vec::new();
        for k in 0..self.mems.len() {
            let (reads, writes) = (self.mems[k].reads.clone(), self.mems[k].writes.clone());
            for (en, addr, data) in reads {
                if !self.expr(en, &mut cache).is_zero() {
                    let a = self.expr(addr, &mut cache);
                    let word = a
                        .to_usize()
                        .and_then(|a| self.mems[k].words.get(a).cloned())
                        .unwrap_or_default();
                    updates.push((data, word));
                }
            }
            for (en, addr, data) in writes {
                if !self.expr(en, &mut cache).is_zero() {
                    let a = self.expr(addr, &mut cache);
                    let d = self.expr(data, &mut cache);
                    if let Some(a) = a.to_usize().filter(|&a| a < self.mems[k].words.len()) {
                        mem_writes.push((k, a, d));
                    }
                }
            }
        }
        for (i, v) in updates {
            self.values[i] = v;
        }
        for (k, a, d) in mem_writes {
            let word = self.mems[k].word;
            self.mems[k].words[a] = word.from_bits(&word.to_bits(&d));
        }
        self.cycle += 1;
        self.eval();
    }

    /// Samples every property before a clock edge (out of reset): a false assertion or
    /// assumption is recorded as a failure, a true cover is counted.
    fn sample_properties(&mut self, cache: &mut Vec<Option<BigInt>>) {
        for k in 0..self.properties.len() {
            let holds = !self.expr(self.properties[k].cond, cache).is_zero();
            let p = &self.properties[k];
            match (p.kind, holds) {
                (ir::PropertyKind::Cover, true) => self.cover_hits[k] += 1,
                (ir::PropertyKind::Assert | ir::PropertyKind::Assume, false) => {
                    self.failures.push(PropertyFailure {
                        cycle: self.cycle,
                        name: p.name.clone(),
                        message: p.message.clone(),
                        location: format!("{}:{}", p.loc.file(), p.loc.line()),
                    })
                }
                _ => {}
            }
        }
    }

    /// The assertions and assumptions that failed so far, in order.
    pub fn property_failures(&self) -> &[PropertyFailure] {
        &self.failures
    }

    /// How many clock edges each cover held on so far, by hierarchical label.
    pub fn cover_counts(&self) -> Vec<(String, u64)> {
        self.properties
            .iter()
            .zip(&self.cover_hits)
            .filter(|(p, _)| p.kind == ir::PropertyKind::Cover)
            .map(|(p, &n)| (p.name.clone(), n))
            .collect()
    }

    /// Holds `rst` high for `cycles` edges, then low.
    pub fn reset(&mut self, cycles: u32) {
        self.rst = true;
        for _ in 0..cycles {
            self.step();
        }
        self.rst = false;
        self.eval();
    }

    fn expr(&self, id: ExprId, cache: &mut Vec<Option<BigInt>>) -> BigInt {
        if let Some(v) = &cache[id.0 as usize] {
            return v.clone();
        }
        let x = &self.exprs[id.0 as usize];
        let v = self.compute(x, cache);
        cache[id.0 as usize] = Some(v.clone());
        v
    }

    fn compute(&self, x: &ir::Expr, cache: &mut Vec<Option<BigInt>>) -> BigInt {
        let ty = x.ty;
        let ty_of = |id: ExprId| self.exprs[id.0 as usize].ty;
        let wrap = |v: BigInt| ty.from_bits(&ty.to_bits(&v));
        match &x.kind {
            ExprKind::Const(v) => v.clone(),
            ExprKind::Signal(s) => self.values[s.0 as usize].clone(),
            ExprKind::Unary(UnOp::Not, a) => {
                let ta = ty_of(*a);
                let v = self.expr(*a, cache);
                let mask = (BigInt::one() << ta.width()) - 1;
                ty.from_bits(&(mask - ta.to_bits(&v)))
            }
            ExprKind::Unary(UnOp::Neg, a) => wrap(-self.expr(*a, cache)),
            ExprKind::Binary(op, a, b) => {
                let (ta, tb) = (ty_of(*a), ty_of(*b));
                let va = self.expr(*a, cache);
                let vb = self.expr(*b, cache);
                let flag = |c: bool| BigInt::from(u8::from(c));
                match op {
                    BinOp::Add => wrap(va + vb),
                    BinOp::Sub => wrap(va - vb),
                    BinOp::Mul => wrap(va * vb),
                    BinOp::And => ty.from_bits(&(ta.to_bits(&va) & tb.to_bits(&vb))),
                    BinOp::Or => ty.from_bits(&(ta.to_bits(&va) | tb.to_bits(&vb))),
                    BinOp::Xor => ty.from_bits(&(ta.to_bits(&va) ^ tb.to_bits(&vb))),
                    BinOp::Eq => flag(va == vb),
                    BinOp::Ne => flag(va != vb),
                    BinOp::Lt => flag(va < vb),
                    BinOp::Le => flag(va <= vb),
                    BinOp::Gt => flag(va > vb),
                    BinOp::Ge => flag(va >= vb),
                    BinOp::ShlDyn => {
                        let s = vb.to_u32().unwrap_or(u32::MAX).min(ty.width());
                        wrap(va << s)
                    }
                    BinOp::ShrDyn => {
                        let s = vb.to_u32().unwrap_or(u32::MAX).min(ta.width());
                        if ta.is_signed() {
                            wrap(va >> s)
                        } else {
                            wrap(ta.to_bits(&va) >> s)
                        }
                    }
                }
            }
            ExprKind::ShlConst(a, k) => wrap(self.expr(*a, cache) << *k),
            ExprKind::ShrConst {
                arg,
                amount,
                arithmetic,
            } => {
                let ta = ty_of(*arg);
                let v = self.expr(*arg, cache);
                let k = (*amount).min(ta.width());
                if *arithmetic {
                    wrap(v >> k)
                } else {
                    ty.from_bits(&(ta.to_bits(&v) >> k))
                }
            }
            ExprKind::Mux(s, a, b) => {
                if self.expr(*s, cache).is_zero() {
                    self.expr(*b, cache)
                } else {
                    self.expr(*a, cache)
                }
            }
            ExprKind::Concat(parts) => {
                let mut acc = BigInt::zero();
                for p in parts {
                    let tp = ty_of(*p);
                    let v = self.expr(*p, cache);
                    acc = (acc << tp.width()) | tp.to_bits(&v);
                }
                ty.from_bits(&acc)
            }
            ExprKind::Slice(a, _hi, lo) => {
                let ta = ty_of(*a);
                let v = self.expr(*a, cache);
                ty.from_bits(&(ta.to_bits(&v) >> *lo))
            }
            ExprKind::Zext(a) => {
                let ta = ty_of(*a);
                ty.from_bits(&ta.to_bits(&self.expr(*a, cache)))
            }
            ExprKind::Sext(a) => {
                let ta = ty_of(*a);
                let as_signed = Type::SInt(ta.width());
                let v = as_signed.from_bits(&ta.to_bits(&self.expr(*a, cache)));
                wrap(v)
            }
            ExprKind::Reinterpret(a) => {
                let ta = ty_of(*a);
                ty.from_bits(&ta.to_bits(&self.expr(*a, cache)))
            }
            ExprKind::Reduce(op, a) => {
                let ta = ty_of(*a);
                let bits = ta.to_bits(&self.expr(*a, cache));
                let r = match op {
                    RedOp::And => bits == (BigInt::one() << ta.width()) - 1,
                    RedOp::Or => !bits.is_zero(),
                    RedOp::Xor => {
                        let (_, digits) = bits.to_u32_digits();
                        digits.iter().map(|d| d.count_ones()).sum::<u32>() % 2 == 1
                    }
                };
                BigInt::from(u8::from(r))
            }
        }
    }
}

/// Orders assignments so each comes after the assignments of the signals it reads.
fn order_assigns(
    exprs: &[ir::Expr],
    raw: Vec<(usize, ExprId)>,
    signals: usize,
) -> Vec<(usize, ExprId)> {
    let mut by_target: Vec<Option<usize>> = vec![None; signals];
    for (k, (t, _)) in raw.iter().enumerate() {
        by_target[*t] = Some(k);
    }
    let reads = |root: ExprId| -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        let mut seen = std::collections::HashSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            match &exprs[id.0 as usize].kind {
                ExprKind::Signal(s) => out.push(s.0 as usize),
                kind => stack.extend(kind.operands()),
            }
        }
        out
    };
    // Iterative post-order DFS over assignments.
    let mut state = vec![0u8; raw.len()];
    let mut order = Vec::with_capacity(raw.len());
    for start in 0..raw.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(start, reads(raw[start].1), 0)];
        state[start] = 1;
        while let Some((k, deps, next)) = stack.last_mut() {
            if *next < deps.len() {
                let s = deps[*next];
                *next += 1;
                if let Some(j) = by_target[s] {
                    if state[j] == 0 {
                        state[j] = 1;
                        let d = reads(raw[j].1);
                        stack.push((j, d, 0));
                    }
                }
            } else {
                state[*k] = 2;
                order.push(raw[*k]);
                stack.pop();
            }
        }
    }
    order
}
