//! Combinational-loop detection, and the summary of which inputs each output depends on
//! combinationally (used by the parents' loop checks).
//!
//! The graph's nodes are signals. A continuous assignment makes its target depend on every
//! signal its value reads; an instance output depends on the parent signals feeding the child
//! inputs it depends on (from the child's summary). Registers and memory read data cut paths:
//! they change only on clock edges.

use crate::error::ElabError;
use crate::ir::{self, ExprId, ExprKind, SignalId, SignalKind};

/// Visited marks stamped with a generation, so each query starts clean in O(1).
struct Seen {
    stamp: Vec<u32>,
    generation: u32,
}

impl Seen {
    fn new(n: usize) -> Seen {
        Seen {
            stamp: vec![0; n],
            generation: 1,
        }
    }

    fn clear(&mut self) {
        self.generation += 1;
    }

    /// Marks `i`; true when it was already marked in this generation.
    fn visit(&mut self, i: usize) -> bool {
        std::mem::replace(&mut self.stamp[i], self.generation) == self.generation
    }
}

/// Signals read by expression `root`.
fn reads(m: &ir::Module, root: ExprId, out: &mut Vec<u32>, seen: &mut Seen) {
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if seen.visit(id.0 as usize) {
            continue;
        }
        match &m.expr(id).kind {
            ExprKind::Signal(s) => out.push(s.0),
            kind => stack.extend(kind.operands()),
        }
    }
}

/// The combinational dependency graph: for each signal, the signals it depends on.
fn graph(m: &ir::Module, modules: &[ir::Module]) -> Vec<Vec<u32>> {
    let mut deps = vec![Vec::new(); m.signals.len()];
    let mut seen = Seen::new(m.exprs.len());
    for a in &m.assigns {
        seen.clear();
        let mut out = Vec::new();
        reads(m, a.value, &mut out, &mut seen);
        deps[a.target.0 as usize] = out;
    }
    for inst in &m.instances {
        let child = &modules[inst.module.0 as usize];
        for (port, sig) in &inst.outputs {
            let Some(child_out) = child.port(port) else {
                continue;
            };
            let Some((_, inputs)) = child.comb_deps.iter().find(|(o, _)| *o == child_out) else {
                continue;
            };
            let mut out = Vec::new();
            for &inp in inputs {
                let name = &child.signal(inp).name;
                if let Some((_, e)) = inst.inputs.iter().find(|(n, _)| n == name) {
                    seen.clear();
                    reads(m, *e, &mut out, &mut seen);
                }
            }
            deps[sig.0 as usize] = out;
        }
    }
    for d in deps.iter_mut() {
        d.sort_unstable();
        d.dedup();
    }
    deps
}

/// Finds combinational loops (reported once per loop) and fills `m.comb_deps`.
pub(crate) fn check(m: &mut ir::Module, modules: &[ir::Module], errors: &mut Vec<ElabError>) {
    let deps = graph(m, modules);
    let n = deps.len();
    // Iterative DFS with colours: 0 = new, 1 = on the stack, 2 = done.
    let mut colour = vec![0u8; n];
    let mut reported = false;
    for start in 0..n {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(u32, usize)> = vec![(start as u32, 0)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let d = &deps[node as usize];
            if *next < d.len() {
                let child = d[*next];
                *next += 1;
                match colour[child as usize] {
                    0 => {
                        colour[child as usize] = 1;
                        stack.push((child, 0));
                    }
                    1 if !reported => {
                        // The loop is the stack from `child` to the top. Dependencies point
                        // from a signal to what it reads, so reverse it to follow the data.
                        let pos = stack.iter().position(|&(s, _)| s == child).unwrap_or(0);
                        let mut names: Vec<String> = stack[pos..]
                            .iter()
                            .map(|&(s, _)| m.signals[s as usize].name.clone())
                            .collect();
                        names.reverse();
                        names.push(names[0].clone());
                        errors.push(ElabError::CombinationalLoop {
                            module: m.name.clone(),
                            signals: names,
                        });
                        reported = true;
                    }
                    _ => {}
                }
            } else {
                colour[node as usize] = 2;
                stack.pop();
            }
        }
    }
    if reported {
        return;
    }
    // Summary: inputs reachable from each output.
    let mut summary = Vec::new();
    for &p in &m.ports {
        if m.signal(p).kind != SignalKind::Output {
            continue;
        }
        let mut visited = vec![false; n];
        let mut stack = vec![p.0];
        let mut inputs = Vec::new();
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut visited[s as usize], true) {
                continue;
            }
            if m.signals[s as usize].kind == SignalKind::Input {
                inputs.push(SignalId(s));
            }
            stack.extend(deps[s as usize].iter().copied());
        }
        inputs.sort();
        summary.push((p, inputs));
    }
    m.comb_deps = summary;
}
