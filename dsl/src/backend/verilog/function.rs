//! Combinational children emitted as Verilog functions (`ModuleBuilder::function_instance`).
//!
//! Each output of such an instance that the parent reads becomes a function declared in the
//! parent, `<child>_<port>` (the child's emitted name; shared by every instance of that child
//! in the parent), whose arguments are the child's inputs in port order. Every read of the
//! output is emitted as the call, with the instance's input expressions as arguments. The
//! function's body is the child's logic that the output depends on, in dependency order: its
//! wires and temporaries (named as in the child's own module) become local `reg`s assigned
//! with blocking statements, a `case` chain becomes a `case` statement. A local or an input
//! whose name the parent already uses gets `_fn` appended (a function's names must not hide
//! the module's: Verilator's `VARHIDDEN`); an input that this output does not depend on ends
//! in `_unused`. Named constants of the child are written as literals.

use super::{range, type_comment, ModuleEmitter};
use crate::checks::names::RESERVED;
use crate::ir::{self, ExprId, ExprKind, ModuleId, SignalId, SignalKind};
use crate::types::Type;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// One function a module declares: output `port` of module `module`.
pub(super) struct FunctionUse {
    /// The function's name.
    pub(super) name: String,
    /// The (canonical) module whose output it computes.
    pub(super) module: ModuleId,
    /// The output port.
    pub(super) port: String,
    /// The first instance whose output it computes (named in the comment).
    pub(super) instance: usize,
}

/// For each module of `design`, whether it is instantiated only as functions (and is not the
/// top): such a module gets no file of its own.
pub(super) fn function_only(design: &ir::Design) -> Vec<bool> {
    let n = design.modules.len();
    let (mut as_function, mut as_module) = (vec![false; n], vec![false; n]);
    for m in &design.modules {
        for inst in &m.instances {
            let i = inst.module.0 as usize;
            if inst.as_function {
                as_function[i] = true;
            } else {
                as_module[i] = true;
            }
        }
    }
    let top = design.top_id().0 as usize;
    (0..n)
        .map(|i| as_function[i] && !as_module[i] && i != top)
        .collect()
}

/// `base`, or `base` with `_fn`, `_fn2`, … appended: the first not in `taken`.
fn unique(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    let mut k = 1;
    loop {
        let name = if k == 1 {
            format!("{base}_fn")
        } else {
            format!("{base}_fn{k}")
        };
        if !taken.contains(&name) {
            return name;
        }
        k += 1;
    }
}

impl ModuleEmitter<'_> {
    /// Every identifier the module's own text declares or reads: ports, signals, temporaries,
    /// memories, instances, named constants and functions.
    fn identifiers(&self) -> HashSet<String> {
        let m = self.m;
        let mut ids: HashSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
        ids.extend(m.signals.iter().map(|s| s.name.clone()));
        ids.extend(self.signal_names.iter().cloned());
        ids.extend(self.names.iter().flatten().cloned());
        ids.extend(m.mems.iter().map(|x| x.name.clone()));
        ids.extend(m.instances.iter().map(|x| x.name.clone()));
        ids.extend(m.localparams.iter().map(|p| p.name.clone()));
        ids.extend(self.functions.iter().map(|f| f.name.clone()));
        ids
    }

    /// Names a function for every output of a function instance that the module reads, and
    /// makes each read of such an output emit as its call.
    pub(super) fn plan_functions(&mut self) {
        let m = self.m;
        if !m.instances.iter().any(|i| i.as_function) {
            return;
        }
        let mut read = vec![false; m.signals.len()];
        for x in &m.exprs {
            if let ExprKind::Signal(s) = x.kind {
                read[s.0 as usize] = true;
            }
        }
        let mut taken = self.identifiers();
        let mut by_output: HashMap<(ModuleId, String), String> = HashMap::new();
        // Each read output's function name.
        let mut calls: Vec<(usize, SignalId, String)> = Vec::new();
        for (k, inst) in m.instances.iter().enumerate() {
            if !inst.as_function {
                continue;
            }
            let child = self.canonical[inst.module.0 as usize];
            for (port, s) in &inst.outputs {
                if !read[s.0 as usize] {
                    continue;
                }
                let key = (child, port.clone());
                let name = match by_output.get(&key) {
                    Some(name) => name.clone(),
                    None => {
                        let base = format!("{}_{port}", self.design.module(child).name);
                        let name = unique(&base, &taken);
                        taken.insert(name.clone());
                        self.functions.push(FunctionUse {
                            name: name.clone(),
                            module: child,
                            port: port.clone(),
                            instance: k,
                        });
                        by_output.insert(key, name.clone());
                        name
                    }
                };
                calls.push((k, *s, name));
            }
        }
        // The calls' texts. An argument may read another function instance's output, whose
        // text is its own call: repeat until nothing changes (instances form no loop, so at
        // most one round per instance, plus one).
        for _ in 0..=calls.len() {
            let mut changed = false;
            for (k, s, name) in &calls {
                let inst = &m.instances[*k];
                let args: Vec<String> = inst.inputs.iter().map(|(_, e)| self.emit(*e)).collect();
                let call = format!("{name}({})", args.join(", "));
                if self.signal_names[s.0 as usize] == call {
                    continue;
                }
                changed = true;
                // A read that is a temporary keeps its name; its assignment is the call.
                for (i, x) in m.exprs.iter().enumerate() {
                    if x.kind == ExprKind::Signal(*s) && !self.fn_temp[i] {
                        self.names[i] = Some(call.clone());
                    }
                }
                self.signal_names[s.0 as usize] = call;
            }
            if !changed {
                break;
            }
        }
    }

    /// True when the text of `id` (up to the named temporaries it reads) calls a function.
    pub(super) fn calls_function(&self, id: ExprId) -> bool {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            match self.m.expr(id).kind {
                ExprKind::Signal(s) if self.fn_output[s.0 as usize] => return true,
                ExprKind::Signal(_) | ExprKind::Const(_) => {}
                _ if self.is_temp(id) => {}
                _ => stack.extend(self.operands(id)),
            }
        }
        false
    }

    /// The declarations of the module's functions, one paragraph each.
    pub(super) fn functions_text(&self) -> String {
        let taken = self.identifiers();
        self.functions
            .iter()
            .map(|f| self.function_text(f, &taken))
            .collect()
    }

    /// The declaration of function `f`; its local names avoid `taken`.
    fn function_text(&self, f: &FunctionUse, taken: &HashSet<String>) -> String {
        let child = self.design.module(f.module);
        let mut ce = ModuleEmitter::new(child, self.design, self.canonical);
        for p in &child.localparams {
            ce.names[p.value.0 as usize] = None;
        }
        // The child's names, moved off the parent's.
        let mut local: Vec<String> = ce.signal_names.clone();
        local.extend(ce.names.iter().flatten().cloned());
        local.sort();
        local.dedup();
        let mut all: HashSet<String> = taken.clone();
        all.extend(local.iter().cloned());
        let mut renamed: HashMap<String, String> = HashMap::new();
        for name in &local {
            if taken.contains(name) {
                let new = unique(name, &all);
                all.insert(new.clone());
                renamed.insert(name.clone(), new);
            }
        }
        let rename = |n: &mut String| {
            if let Some(new) = renamed.get(n.as_str()) {
                *n = new.clone();
            }
        };
        ce.signal_names.iter_mut().for_each(rename);
        ce.names.iter_mut().flatten().for_each(rename);

        let port = child
            .port(&f.port)
            .expect("a function instance's output is a port of its child");
        let mut driver: HashMap<SignalId, ExprId> = HashMap::new();
        for a in &child.assigns {
            driver.insert(a.target, a.value);
        }
        let body = FunctionBody::walk(&ce, &driver, driver[&port]);

        let ret = child.signal(port).ty;
        let inst = &self.m.instances[f.instance];
        let mut out = String::new();
        let _ = writeln!(
            out,
            "    // Output `{}` of `{}` ({}:{}), as a function: instance `{}` and any other of that module here.",
            f.port,
            child.name,
            child.loc.file().replace('\\', "/"),
            child.loc.line(),
            inst.name
        );
        let _ = writeln!(
            out,
            "    function {}{};{}",
            range(ret.width()),
            f.name,
            type_comment(ret)
        );
        for &p in &child.ports {
            let s = child.signal(p);
            if s.kind != SignalKind::Input {
                continue;
            }
            let mut name = ce.signal_names[p.0 as usize].clone();
            if !body.read_inputs.contains(&p) {
                name = unique(&format!("{name}_unused"), &all);
            }
            let _ = writeln!(
                out,
                "        input {}{name};{}",
                range(s.ty.width()),
                type_comment(s.ty)
            );
        }
        for (name, ty) in &body.locals {
            let _ = writeln!(
                out,
                "        reg   {}{name};{}",
                range(ty.width()),
                type_comment(*ty)
            );
        }
        let _ = writeln!(out, "        begin");
        out.push_str(&body.statements);
        out.push_str(&ce.assignment(&f.name, driver[&port], true));
        let _ = writeln!(out, "        end");
        let _ = writeln!(out, "    endfunction\n");
        out
    }

    /// `target = value;` at the function body's indent (`value`'s defining text when
    /// `inline`, else its name if it has one), or the `case` of a chain that is the whole value.
    fn assignment(&self, target: &str, value: ExprId, inline: bool) -> String {
        const INDENT: &str = "            ";
        match self.chains.get(&value) {
            Some(chain) if inline || self.direct[value.0 as usize] => {
                self.case_statement(chain, target, "=", INDENT)
            }
            _ if inline => format!("{INDENT}{target} = {};\n", self.emit_inline(value)),
            _ => format!("{INDENT}{target} = {};\n", self.emit(value)),
        }
    }
}

/// What one output depends on, in dependency order.
struct FunctionBody {
    /// Local variables (wires and temporaries of the child), in assignment order.
    locals: Vec<(String, Type)>,
    /// Their blocking assignments.
    statements: String,
    /// The child's inputs the output depends on.
    read_inputs: HashSet<SignalId>,
}

impl FunctionBody {
    /// Walks the child's logic from `root` (post-order, so every local is assigned before it
    /// is read).
    fn walk(ce: &ModuleEmitter, driver: &HashMap<SignalId, ExprId>, root: ExprId) -> Self {
        let m = ce.m;
        let mut body = FunctionBody {
            locals: Vec::new(),
            statements: String::new(),
            read_inputs: HashSet::new(),
        };
        let mut done = vec![false; m.exprs.len()];
        let mut signal_done = vec![false; m.signals.len()];
        // (node, operands pushed)
        let mut stack = vec![(root, false)];
        while let Some((id, expanded)) = stack.pop() {
            let i = id.0 as usize;
            if done[i] {
                continue;
            }
            if let ExprKind::Signal(s) = m.expr(id).kind {
                let sk = &m.signal(s).kind;
                if *sk == SignalKind::Input {
                    body.read_inputs.insert(s);
                    done[i] = true;
                    continue;
                }
                let value = driver[&s];
                if !expanded {
                    stack.push((id, true));
                    stack.push((value, false));
                    continue;
                }
                done[i] = true;
                if !std::mem::replace(&mut signal_done[s.0 as usize], true) {
                    let name = ce.signal_names[s.0 as usize].clone();
                    body.locals.push((name.clone(), m.signal(s).ty));
                    body.statements
                        .push_str(&ce.assignment(&name, value, false));
                }
                continue;
            }
            if !expanded {
                stack.push((id, true));
                let ops = ce.operands(id);
                stack.extend(ops.into_iter().rev().map(|e| (e, false)));
                continue;
            }
            done[i] = true;
            // The root's value is the function's own assignment.
            if ce.is_temp(id) && id != root {
                let name = ce.names[i].clone().unwrap_or_default();
                body.locals.push((name.clone(), m.expr(id).ty));
                body.statements.push_str(&ce.assignment(&name, id, true));
            }
        }
        body
    }
}
