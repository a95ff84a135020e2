//! Elaboration: turns a top builder [`Module`] and everything it instantiates into a checked
//! [`ir::Design`], or reports every problem found.

use crate::builder::{Module, ModuleData};
use crate::checks;
use crate::error::{ElabError, ElabErrors};
use crate::ir::{self, ModuleId};
use crate::lower::{lower, ChildInfo};
use std::collections::HashMap;
use std::panic::Location;

/// Elaborates `top` and the modules it instantiates, children first.
///
/// Two builders that produce the same module under the same name are merged; two different
/// modules with the same name are an error. Errors come in a deterministic order.
pub fn elaborate(top: &Module) -> Result<ir::Design, ElabErrors> {
    let order = dependency_order(top);
    let mut errors = Vec::new();
    let mut ids: HashMap<u64, ModuleId> = HashMap::new();
    let mut by_name: HashMap<String, ModuleId> = HashMap::new();
    let mut modules: Vec<ir::Module> = Vec::new();
    for data in order {
        let mut local = Vec::new();
        let mut m = lower(
            data,
            &ChildInfo {
                ids: &ids,
                modules: &modules,
            },
            &mut local,
        );
        checks::names::check(&m, &mut local);
        if local.is_empty() {
            checks::comb_loop::check(&mut m, &modules, &mut local);
        }
        errors.extend(local);
        if let Some(&existing) = by_name.get(&m.name) {
            let other = &modules[existing.0 as usize];
            if canonical(other) != canonical(&m) {
                errors.push(ElabError::ModuleNameClash {
                    name: m.name.clone(),
                    first: other.loc,
                    second: m.loc,
                });
            }
            ids.insert(data.uid, existing);
            continue;
        }
        let id = ModuleId(modules.len() as u32);
        ids.insert(data.uid, id);
        by_name.insert(m.name.clone(), id);
        modules.push(m);
    }
    if errors.is_empty() {
        // The top is last in dependency order, but a merge could have kept an earlier copy.
        let top_id = ids[&top.0.uid];
        if top_id.0 as usize != modules.len() - 1 {
            return Err(ElabErrors(vec![ElabError::Build {
                module: top.0.name.clone(),
                message: "the top module is also instantiated inside the design".into(),
                loc: top.0.loc,
            }]));
        }
        Ok(ir::Design { modules })
    } else {
        Err(ElabErrors(errors))
    }
}

/// The builder modules reachable from `top`, every module after those it instantiates.
fn dependency_order(top: &Module) -> Vec<&ModuleData> {
    let mut order = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Iterative post-order DFS.
    let mut stack: Vec<(&ModuleData, usize)> = vec![(&top.0, 0)];
    seen.insert(top.0.uid);
    while let Some((data, next)) = stack.pop() {
        if next < data.instances.len() {
            stack.push((data, next + 1));
            let child = &data.instances[next].module.0;
            if seen.insert(child.uid) {
                stack.push((child, 0));
            }
        } else {
            order.push(data);
        }
    }
    order
}

/// A copy of `m` with every source location replaced by one fixed location, so that two
/// builders of the same module compare equal.
fn canonical(m: &ir::Module) -> ir::Module {
    let here = Location::caller();
    let mut c = m.clone();
    c.loc = here;
    for s in &mut c.signals {
        s.loc = here;
    }
    for a in &mut c.assigns {
        a.loc = here;
    }
    for mem in &mut c.mems {
        mem.loc = here;
        for w in &mut mem.writes {
            w.loc = here;
        }
        for r in &mut mem.reads {
            r.loc = here;
        }
    }
    for i in &mut c.instances {
        i.loc = here;
    }
    c
}
