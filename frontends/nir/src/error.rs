//! Errors of the importer: each names the file or the node, the parameter and why.

use thiserror::Error;

/// Why a NIR file could not be imported.
#[derive(Debug, Error)]
pub enum ImportError {
    /// HDF5 could not read part of the file.
    #[error("{file}: cannot read {what}: {message}")]
    Hdf5 {
        /// The NIR file.
        file: String,
        /// What was being read (`node `conv1``, `dataset `node/edges``, …).
        what: String,
        /// HDF5's message.
        message: String,
    },
    /// The file is HDF5 but not a NIR graph.
    #[error("{file}: not a NIR graph: {message}")]
    Malformed {
        /// The NIR file.
        file: String,
        /// What is missing or wrong.
        message: String,
    },
    /// The graph's shape cannot be mapped (a branch, a cycle, a node off the path).
    #[error("{file}: graph: {message}")]
    Graph {
        /// The NIR file.
        file: String,
        /// What is wrong, naming the nodes.
        message: String,
    },
    /// A node or one of its parameters cannot be mapped onto spikeforge's hardware.
    #[error("{file}: node `{node}` ({kind}){}: {reason}", param.as_ref().map(|p| format!(", parameter `{p}`")).unwrap_or_default())]
    Node {
        /// The NIR file.
        file: String,
        /// The node's name.
        node: String,
        /// Its NIR type.
        kind: String,
        /// The parameter at fault, if one.
        param: Option<String>,
        /// Why, with the value.
        reason: String,
    },
    /// An import option is out of range.
    #[error("option `{option}` = {value}: {reason}")]
    Option {
        /// The option (`--weight-bits`, …).
        option: String,
        /// Its value.
        value: String,
        /// The accepted range.
        reason: String,
    },
    /// The imported network does not pass spikeforge's own checks.
    #[error("{file}: the imported network is not valid: {message}")]
    Invalid {
        /// The NIR file.
        file: String,
        /// The configuration crate's message.
        message: String,
    },
}
