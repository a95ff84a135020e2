//! What can go wrong in a sweep as a whole (a point's own failure is a recorded result, not
//! an error: see [`crate::point::Outcome`]).

use std::path::{Path, PathBuf};

/// A sweep that cannot run, or whose results cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file is malformed.
    #[error("{file}: {message}")]
    Spec {
        /// The sweep file.
        file: String,
        /// What is wrong and what would be accepted.
        message: String,
    },
    /// A network or accelerator file named by the sweep does not load.
    #[error("{0}")]
    Input(String),
    /// Reading or writing a file failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error (shown in the message, so not also a `source` that a caller
        /// printing the chain would repeat).
        error: std::io::Error,
    },
    /// The output folder holds something this sweep must not touch or cannot use.
    #[error("{path}: {message}")]
    Output {
        /// The folder or file.
        path: PathBuf,
        /// Why, and what to do.
        message: String,
    },
}

impl SweepError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, error: std::io::Error) -> SweepError {
        SweepError::Io {
            path: path.to_path_buf(),
            error,
        }
    }

    /// An output-folder problem.
    pub fn output(path: &Path, message: impl Into<String>) -> SweepError {
        SweepError::Output {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
