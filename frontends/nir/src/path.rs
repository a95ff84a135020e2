//! The path of a NIR graph from its `Input` to its `Output`: spikeforge runs one chain of
//! layers, so a branch, a recurrent edge or a node off the path is an error naming the nodes.

use crate::error::ImportError;
use crate::graph::Graph;
use std::collections::{BTreeMap, BTreeSet};

/// The nodes from the `Input` to the `Output`, in order (both included).
pub(crate) fn path(graph: &Graph, file: &str) -> Result<Vec<String>, ImportError> {
    let gerr = |message: String| ImportError::Graph {
        file: file.to_string(),
        message,
    };
    let of_kind = |k: &str| -> Vec<&String> {
        graph
            .nodes
            .iter()
            .filter(|(_, n)| n.kind == k)
            .map(|(name, _)| name)
            .collect()
    };
    let inputs = of_kind("Input");
    let outputs = of_kind("Output");
    if inputs.len() != 1 || outputs.len() != 1 {
        return Err(gerr(format!(
            "needs exactly one Input and one Output node, found {} ({}) and {} ({})",
            inputs.len(),
            names(&inputs),
            outputs.len(),
            names(&outputs)
        )));
    }
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in &graph.edges {
        for n in [a, b] {
            if !graph.nodes.contains_key(n) {
                return Err(gerr(format!("edge `{a}` → `{b}` names no node `{n}`")));
            }
        }
        next.entry(a.as_str()).or_default().push(b.as_str());
    }
    if let Some((a, b)) = back_edge(&next, inputs[0]) {
        return Err(gerr(format!(
            "recurrent edge `{a}` → `{b}`: spikeforge runs feed-forward networks"
        )));
    }
    let mut order = vec![inputs[0].clone()];
    let mut seen = BTreeSet::from([inputs[0].as_str()]);
    let mut at = inputs[0].as_str();
    while at != outputs[0].as_str() {
        let succ = next.get(at).cloned().unwrap_or_default();
        match succ.as_slice() {
            [] => {
                return Err(gerr(format!(
                    "node `{at}` has no successor before the Output"
                )))
            }
            [one] => {
                if !seen.insert(one) {
                    return Err(gerr(format!(
                        "recurrent edge `{at}` → `{one}`: spikeforge runs feed-forward networks"
                    )));
                }
                order.push(one.to_string());
                at = one;
            }
            many => {
                return Err(gerr(format!(
                    "node `{at}` branches to {}; spikeforge runs one path of layers",
                    many.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
    if let Some(extra) = graph.nodes.keys().find(|n| !seen.contains(n.as_str())) {
        return Err(gerr(format!(
            "node `{extra}` is not on the path from the Input to the Output"
        )));
    }
    if let Some(after) = next.get(at) {
        return Err(gerr(format!(
            "the Output `{at}` has an outgoing edge to `{}`",
            after[0]
        )));
    }
    Ok(order)
}

/// An edge closing a cycle reachable from `start` (depth-first search), if any.
fn back_edge<'a>(
    next: &BTreeMap<&'a str, Vec<&'a str>>,
    start: &'a str,
) -> Option<(&'a str, &'a str)> {
    // 1: on the current path, 2: finished.
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    let mut stack = vec![(start, 0usize)];
    state.insert(start, 1);
    while let Some(&mut (node, ref mut i)) = stack.last_mut() {
        let succ = next.get(node).map(Vec::as_slice).unwrap_or(&[]);
        if let Some(&to) = succ.get(*i) {
            *i += 1;
            match state.get(to) {
                Some(1) => return Some((node, to)),
                Some(_) => {}
                None => {
                    state.insert(to, 1);
                    stack.push((to, 0));
                }
            }
        } else {
            state.insert(node, 2);
            stack.pop();
        }
    }
    None
}

fn names(v: &[&String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
