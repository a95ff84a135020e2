//! A NIR file as read from HDF5: named nodes with their type and parameters, and the edges.
//!
//! Layout written by the `nir` package (its reference implementation): group `node` with a
//! `type` string (`NIRGraph`), a group `node/nodes` holding one group per node (a `type`
//! string and one dataset per parameter) and a dataset `node/edges` of `(source, target)`
//! string pairs. Nested graphs (a node of type `NIRGraph`) are reported as such by the mapper.

use crate::error::ImportError;
use hdf5::types::{TypeDescriptor, VarLenAscii, VarLenUnicode};
use std::collections::BTreeMap;
use std::path::Path;

/// One parameter of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A numeric array (a scalar has an empty shape), converted to `f64`.
    Array {
        /// Length of each dimension, outermost first.
        shape: Vec<usize>,
        /// Elements in row-major order.
        data: Vec<f64>,
    },
    /// A string.
    Text(String),
}

/// One node: its NIR type (`Conv2d`, `LIF`, …) and parameters by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The NIR type name.
    pub kind: String,
    /// Parameters by name (without `type`).
    pub params: BTreeMap<String, Param>,
}

/// A NIR graph: nodes by name and directed edges `(source, target)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// Nodes by name.
    pub nodes: BTreeMap<String, Node>,
    /// Edges in file order.
    pub edges: Vec<(String, String)>,
}

fn h5(path: &Path, what: &str, e: hdf5::Error) -> ImportError {
    ImportError::Hdf5 {
        file: path.display().to_string(),
        what: what.to_string(),
        message: e.to_string(),
    }
}

fn read_text(ds: &hdf5::Dataset) -> hdf5::Result<Vec<String>> {
    match ds.dtype()?.to_descriptor()? {
        TypeDescriptor::VarLenAscii => Ok(ds
            .read_raw::<VarLenAscii>()?
            .iter()
            .map(|s| s.to_string())
            .collect()),
        _ => Ok(ds
            .read_raw::<VarLenUnicode>()?
            .iter()
            .map(|s| s.to_string())
            .collect()),
    }
}

fn is_text(d: &TypeDescriptor) -> bool {
    matches!(
        d,
        TypeDescriptor::VarLenUnicode
            | TypeDescriptor::VarLenAscii
            | TypeDescriptor::FixedAscii(_)
            | TypeDescriptor::FixedUnicode(_)
    )
}

impl Graph {
    /// Reads a NIR file.
    pub fn read(path: &Path) -> Result<Graph, ImportError> {
        let file = hdf5::File::open(path).map_err(|e| h5(path, "the file", e))?;
        let root = file
            .group("node")
            .map_err(|e| h5(path, "group `node`", e))?;
        let nodes_group = root
            .group("nodes")
            .map_err(|e| h5(path, "group `node/nodes`", e))?;
        let mut nodes = BTreeMap::new();
        let names = nodes_group
            .member_names()
            .map_err(|e| h5(path, "the node names", e))?;
        for name in names {
            let g = nodes_group
                .group(&name)
                .map_err(|e| h5(path, &format!("node `{name}`"), e))?;
            let mut kind = None;
            let mut params = BTreeMap::new();
            let members = g
                .member_names()
                .map_err(|e| h5(path, &format!("node `{name}`"), e))?;
            for member in members {
                let what = format!("parameter `{member}` of node `{name}`");
                let Ok(ds) = g.dataset(&member) else {
                    // A subgroup: a nested graph's own nodes; the node's type says so.
                    continue;
                };
                let descriptor = ds
                    .dtype()
                    .and_then(|t| t.to_descriptor())
                    .map_err(|e| h5(path, &what, e))?;
                if is_text(&descriptor) {
                    let text = read_text(&ds).map_err(|e| h5(path, &what, e))?.join(",");
                    if member == "type" {
                        kind = Some(text);
                    } else {
                        params.insert(member, Param::Text(text));
                    }
                } else {
                    let data = ds.read_raw::<f64>().map_err(|e| h5(path, &what, e))?;
                    params.insert(
                        member,
                        Param::Array {
                            shape: ds.shape(),
                            data,
                        },
                    );
                }
            }
            let kind = kind.ok_or_else(|| ImportError::Malformed {
                file: path.display().to_string(),
                message: format!("node `{name}` has no `type`"),
            })?;
            nodes.insert(name, Node { kind, params });
        }
        let edges_ds = root
            .dataset("edges")
            .map_err(|e| h5(path, "dataset `node/edges`", e))?;
        let flat = read_text(&edges_ds).map_err(|e| h5(path, "dataset `node/edges`", e))?;
        if flat.len() % 2 != 0 {
            return Err(ImportError::Malformed {
                file: path.display().to_string(),
                message: "`node/edges` does not hold (source, target) pairs".into(),
            });
        }
        let edges = flat
            .chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect();
        Ok(Graph { nodes, edges })
    }
}
