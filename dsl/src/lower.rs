//! Lowers one builder module into the IR and checks what can be checked locally: operator
//! typing, assignment widths, drivers (undriven, multiple, driving an input, the wrong kind of
//! driver) and instance connections.

use crate::builder::{DeclKind, Expr, Kind, ModuleData};
use crate::describe::describe;
use crate::error::ElabError;
use crate::ir::{self, ExprId, ModuleId, SignalId, SourceLoc};
use crate::types::{Bool, Type, UInt};
use num_bigint::BigInt;
use std::collections::HashMap;
use std::rc::Rc;

/// Everything lowering needs to know about already-lowered children.
pub(crate) struct ChildInfo<'a> {
    /// Child module uid → its id in the design.
    pub(crate) ids: &'a HashMap<u64, ModuleId>,
    /// The modules lowered so far (indexed by `ModuleId`).
    pub(crate) modules: &'a [ir::Module],
}

struct Lowerer<'a> {
    data: &'a ModuleData,
    exprs: Vec<ir::Expr>,
    memo: HashMap<*const (), ExprId>,
    signal_refs: HashMap<u32, ExprId>,
    errors: &'a mut Vec<ElabError>,
}

impl Lowerer<'_> {
    fn module(&self) -> String {
        self.data.name.clone()
    }

    fn signal_name(&self, module: u64, index: u32) -> String {
        if module == self.data.uid {
            self.data
                .decls
                .get(index as usize)
                .map(|d| d.name.clone())
                .unwrap_or_else(|| format!("<signal {index}>"))
        } else {
            "<signal of another module>".to_string()
        }
    }

    fn text(&self, e: &Expr) -> String {
        describe(e, &|m, i| self.signal_name(m, i))
    }

    fn push(&mut self, kind: ir::ExprKind, ty: Type) -> ExprId {
        let id = ExprId(self.exprs.len() as u32);
        self.exprs.push(ir::Expr { kind, ty });
        id
    }

    fn expr(&mut self, e: &Expr) -> ExprId {
        let key = Rc::as_ptr(&e.0) as *const ();
        if let Some(&id) = self.memo.get(&key) {
            return id;
        }
        if let Some(message) = &e.0.error {
            let err = ElabError::Operator {
                module: self.module(),
                message: message.clone(),
                expr: self.text(e),
                loc: e.0.loc,
            };
            self.errors.push(err);
        }
        let ty = e.ty();
        let kind = match &e.0.kind {
            Kind::Const(v) => ir::ExprKind::Const(ty.from_bits(&ty.to_bits(v))),
            Kind::Signal(s) => {
                if s.module != self.data.uid {
                    self.errors.push(ElabError::Build {
                        module: self.module(),
                        message: "a signal of another module is used here".into(),
                        loc: e.0.loc,
                    });
                    ir::ExprKind::Const(BigInt::from(0))
                } else {
                    if let Some(&id) = self.signal_refs.get(&s.index) {
                        self.memo.insert(key, id);
                        return id;
                    }
                    let id = self.push(ir::ExprKind::Signal(SignalId(s.index)), ty);
                    self.signal_refs.insert(s.index, id);
                    self.memo.insert(key, id);
                    return id;
                }
            }
            Kind::Unary(op, a) => ir::ExprKind::Unary(*op, self.expr(a)),
            Kind::Binary(op, a, b) => {
                let a = self.expr(a);
                let b = self.expr(b);
                ir::ExprKind::Binary(*op, a, b)
            }
            Kind::ShlConst(a, k) => ir::ExprKind::ShlConst(self.expr(a), *k),
            Kind::ShrConst(a, k, arith) => ir::ExprKind::ShrConst {
                arg: self.expr(a),
                amount: *k,
                arithmetic: *arith,
            },
            Kind::Mux(s, a, b) => {
                let s = self.expr(s);
                let a = self.expr(a);
                let b = self.expr(b);
                ir::ExprKind::Mux(s, a, b)
            }
            Kind::Concat(parts) => {
                ir::ExprKind::Concat(parts.iter().map(|p| self.expr(p)).collect())
            }
            Kind::Slice(a, hi, lo) => ir::ExprKind::Slice(self.expr(a), *hi, *lo),
            Kind::Zext(a) => ir::ExprKind::Zext(self.expr(a)),
            Kind::Sext(a) => ir::ExprKind::Sext(self.expr(a)),
            Kind::Reinterpret(a) => ir::ExprKind::Reinterpret(self.expr(a)),
            Kind::Reduce(op, a) => ir::ExprKind::Reduce(*op, self.expr(a)),
        };
        let id = self.push(kind, ty);
        self.memo.insert(key, id);
        id
    }

    /// Lowers `value` for a target of type `expected`, reporting a width mismatch.
    fn typed(&mut self, value: &Expr, expected: Type, target: &str, loc: SourceLoc) -> ExprId {
        if value.0.error.is_none() && !value.ty().same_as(expected) {
            let err = ElabError::WidthMismatch {
                module: self.module(),
                target: target.to_string(),
                expected,
                found: value.ty(),
                value: self.text(value),
                loc,
            };
            self.errors.push(err);
        }
        self.expr(value)
    }
}

/// Lowers `data`; problems go to `errors`.
pub(crate) fn lower(
    data: &ModuleData,
    children: &ChildInfo<'_>,
    errors: &mut Vec<ElabError>,
) -> ir::Module {
    let module = data.name.clone();
    for p in &data.problems {
        errors.push(ElabError::Build {
            module: module.clone(),
            message: p.message.clone(),
            loc: p.loc,
        });
    }
    let mut lw = Lowerer {
        data,
        exprs: Vec::new(),
        memo: HashMap::new(),
        signal_refs: HashMap::new(),
        errors,
    };

    let signals: Vec<ir::Signal> = data
        .decls
        .iter()
        .map(|d| ir::Signal {
            name: d.name.clone(),
            ty: d.ty,
            kind: match &d.kind {
                DeclKind::Input => ir::SignalKind::Input,
                DeclKind::Output => ir::SignalKind::Output,
                DeclKind::Wire => ir::SignalKind::Wire,
                DeclKind::Reg { .. } => ir::SignalKind::Reg,
                DeclKind::MemReadData { mem, port } => ir::SignalKind::MemReadData {
                    mem: *mem,
                    port: *port,
                },
                DeclKind::InstanceOutput { instance, port } => ir::SignalKind::InstanceOutput {
                    instance: *instance,
                    port: port.clone(),
                },
            },
            loc: d.loc,
        })
        .collect();

    // Drivers.
    let mut driven: HashMap<u32, SourceLoc> = HashMap::new();
    for (i, inst) in data.instances.iter().enumerate() {
        for (_, s) in &inst.outputs {
            driven.insert(s.index, data.instances[i].loc);
        }
    }
    for m in &data.mems {
        for (_, _, s, loc) in &m.reads {
            driven.insert(s.index, *loc);
        }
    }
    let mut assigns = Vec::new();
    let mut regs = Vec::new();
    for drv in &data.drivers {
        if drv.target.module != data.uid {
            lw.errors.push(ElabError::Build {
                module: module.clone(),
                message: "a signal of another module is driven here".into(),
                loc: drv.loc,
            });
            continue;
        }
        let decl = &data.decls[drv.target.index as usize];
        let name = decl.name.clone();
        let wrong = |message: String| ElabError::WrongDriver {
            module: module.clone(),
            message,
            loc: drv.loc,
        };
        match (&decl.kind, drv.is_next) {
            (DeclKind::Input, _) => {
                lw.errors.push(ElabError::DrivesInput {
                    module: module.clone(),
                    signal: name,
                    loc: drv.loc,
                });
                continue;
            }
            (DeclKind::Reg { .. }, false) => {
                lw.errors.push(wrong(format!(
                    "register `{name}` is given a value with drive(); registers take next() or next_when()"
                )));
                continue;
            }
            (DeclKind::Output | DeclKind::Wire, true) => {
                lw.errors.push(wrong(format!(
                    "`{name}` is not a register; next() and next_when() are for registers, use drive()"
                )));
                continue;
            }
            _ => {}
        }
        if let Some(first) = driven.get(&drv.target.index) {
            lw.errors.push(ElabError::MultipleDrivers {
                module: module.clone(),
                signal: name,
                first,
                second: drv.loc,
            });
            continue;
        }
        driven.insert(drv.target.index, drv.loc);
        let value = lw.typed(&drv.value, decl.ty, &format!("`{name}`"), drv.loc);
        let enable = drv.enable.as_ref().map(|en| {
            lw.typed(
                en,
                Bool,
                &format!("the enable of register `{name}`"),
                drv.loc,
            )
        });
        if drv.is_next {
            let DeclKind::Reg { reset } = &decl.kind else {
                continue;
            };
            regs.push(ir::Reg {
                signal: SignalId(drv.target.index),
                next: value,
                enable,
                reset: reset.clone(),
            });
        } else {
            assigns.push(ir::Assign {
                target: SignalId(drv.target.index),
                value,
                loc: drv.loc,
            });
        }
    }
    for (i, d) in data.decls.iter().enumerate() {
        let kind = match d.kind {
            DeclKind::Output => "output",
            DeclKind::Wire => "wire",
            DeclKind::Reg { .. } => "register",
            _ => continue,
        };
        if !driven.contains_key(&(i as u32)) {
            lw.errors.push(ElabError::Undriven {
                module: module.clone(),
                kind,
                signal: d.name.clone(),
                loc: d.loc,
            });
        }
    }

    // Memories.
    let mut mems = Vec::new();
    for m in &data.mems {
        let abits = ir::address_bits(m.depth.max(1));
        let mut writes = Vec::new();
        for (k, (en, addr, d, loc)) in m.writes.iter().enumerate() {
            let what = format!("write port {k} of memory `{}`", m.name);
            writes.push(ir::MemWritePort {
                enable: lw.typed(en, Bool, &format!("the enable of {what}"), loc),
                addr: lw.typed(addr, UInt(abits), &format!("the address of {what}"), loc),
                data: lw.typed(d, m.word, &format!("the data of {what}"), loc),
                loc,
            });
        }
        let mut reads = Vec::new();
        for (k, (en, addr, data_sig, loc)) in m.reads.iter().enumerate() {
            let what = format!("read port {k} of memory `{}`", m.name);
            reads.push(ir::MemReadPort {
                enable: lw.typed(en, Bool, &format!("the enable of {what}"), loc),
                addr: lw.typed(addr, UInt(abits), &format!("the address of {what}"), loc),
                data: SignalId(data_sig.index),
                loc,
            });
        }
        mems.push(ir::Mem {
            name: m.name.clone(),
            depth: m.depth,
            word: m.word,
            init: m.init.clone(),
            writes,
            reads,
            loc: m.loc,
            no_read_during_write: m.no_read_during_write.is_some(),
        });
    }

    // Instances.
    let mut instances = Vec::new();
    let mut uses_clock = !regs.is_empty() || !mems.is_empty();
    let mut uses_reset = regs.iter().any(|r| r.reset.is_some());
    for inst in &data.instances {
        let child_id = children.ids[&inst.module.0.uid];
        let child = &children.modules[child_id.0 as usize];
        uses_clock |= child.uses_clock;
        uses_reset |= child.uses_reset;
        let mut inputs = Vec::new();
        let mut seen: HashMap<&str, SourceLoc> = HashMap::new();
        for (port, value, loc) in &inst.connections {
            let Some(pid) = child
                .port(port)
                .filter(|&p| matches!(child.signal(p).kind, ir::SignalKind::Input))
            else {
                let names: Vec<&str> = child
                    .ports
                    .iter()
                    .filter(|&&p| matches!(child.signal(p).kind, ir::SignalKind::Input))
                    .map(|&p| child.signal(p).name.as_str())
                    .collect();
                lw.errors.push(ElabError::UnknownPort {
                    module: module.clone(),
                    instance: inst.name.clone(),
                    child: child.name.clone(),
                    port: port.clone(),
                    inputs: names.join(", "),
                    loc,
                });
                continue;
            };
            if let Some(first) = seen.insert(port.as_str(), *loc) {
                lw.errors.push(ElabError::MultipleDrivers {
                    module: module.clone(),
                    signal: format!("{}.{port}", inst.name),
                    first,
                    second: loc,
                });
                continue;
            }
            let ty = child.signal(pid).ty;
            let target = format!("input `{port}` of instance `{}`", inst.name);
            inputs.push((port.clone(), lw.typed(value, ty, &target, loc)));
        }
        // Keep the child's port order.
        let mut ordered = Vec::new();
        for &p in &child.ports {
            let s = child.signal(p);
            if !matches!(s.kind, ir::SignalKind::Input) {
                continue;
            }
            match inputs.iter().find(|(n, _)| *n == s.name) {
                Some(c) => ordered.push(c.clone()),
                None => lw.errors.push(ElabError::UnconnectedPort {
                    module: module.clone(),
                    instance: inst.name.clone(),
                    child: child.name.clone(),
                    port: s.name.clone(),
                    loc: inst.loc,
                }),
            }
        }
        if inst.as_function {
            let state = [
                (!child.regs.is_empty(), "registers"),
                (!child.mems.is_empty(), "memories"),
                (!child.instances.is_empty(), "instances"),
                (!child.properties.is_empty(), "properties"),
            ];
            if let Some((_, what)) = state.iter().find(|(has, _)| *has) {
                lw.errors.push(ElabError::NotCombinational {
                    module: module.clone(),
                    instance: inst.name.clone(),
                    child: child.name.clone(),
                    what,
                    loc: inst.loc,
                });
            }
        }
        instances.push(ir::Instance {
            name: inst.name.clone(),
            module: child_id,
            inputs: ordered,
            outputs: inst
                .outputs
                .iter()
                .map(|(p, s)| (p.clone(), SignalId(s.index)))
                .collect(),
            as_function: inst.as_function,
            loc: inst.loc,
        });
    }

    let localparams: Vec<ir::LocalParam> = data
        .localparams
        .iter()
        .map(|p| ir::LocalParam {
            name: p.name.clone(),
            value: lw.expr(&p.value),
            loc: p.loc,
        })
        .collect();
    let properties = lower_properties(&mut lw, &signals, &localparams);

    ir::Module {
        name: data.name.clone(),
        params: data.params.clone(),
        loc: data.loc,
        ports: data.ports.iter().map(|&p| SignalId(p as u32)).collect(),
        signals,
        exprs: lw.exprs,
        assigns,
        regs,
        mems,
        instances,
        properties,
        localparams,
        uses_clock,
        uses_reset,
        comb_deps: Vec::new(),
    }
}

/// Lowers the module's properties, giving each a Verilog label made of its kind and message
/// (`assert_count_below_10`), unique among the labels and signal names of the module.
fn lower_properties(
    lw: &mut Lowerer<'_>,
    signals: &[ir::Signal],
    localparams: &[ir::LocalParam],
) -> Vec<ir::Property> {
    let mut taken: std::collections::HashSet<String> = signals
        .iter()
        .map(|s| s.name.clone())
        .chain(localparams.iter().map(|p| p.name.clone()))
        .collect();
    let mut out = Vec::new();
    for p in &lw.data.properties {
        let keyword = p.kind.keyword();
        let cond = lw.typed(
            &p.cond,
            Bool,
            &format!("the condition of `{keyword}` \"{}\"", p.message),
            p.loc,
        );
        let mut slug = String::new();
        for c in p.message.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.ends_with('_') {
                slug.push('_');
            }
        }
        let slug: String = slug.trim_matches('_').chars().take(48).collect();
        let base = if slug.is_empty() {
            keyword.to_string()
        } else {
            format!("{keyword}_{}", slug.trim_end_matches('_'))
        };
        let mut label = base.clone();
        let mut n = 2;
        while !taken.insert(label.clone()) {
            label = format!("{base}_{n}");
            n += 1;
        }
        out.push(ir::Property {
            kind: p.kind,
            cond,
            label,
            message: p.message.clone(),
            loc: p.loc,
        });
    }
    out
}
