//! Reading and parsing TOML/JSON files with errors that name file, field and value.

use crate::error::{ConfigError, Result};
use serde::de::DeserializeOwned;
use std::path::Path;

/// File format of a description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format named by a file's extension (`.toml` or `.json`).
    pub fn from_path(path: &Path) -> Result<Format> {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("toml") => Ok(Format::Toml),
            Some(e) if e.eq_ignore_ascii_case("json") => Ok(Format::Json),
            other => Err(ConfigError::new(
                path.display().to_string(),
                "",
                other.unwrap_or("(none)"),
                "unknown file extension; use .toml or .json",
            )),
        }
    }
}

/// Largest description file spikeforge reads: 64 MiB (bytes). Larger networks give their
/// weights by `weight_seed` instead of writing them out.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// What a path that is not a regular file is, for the error message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Reads a file, returning its text, format and display name. This is the one entry point
/// for reading descriptions: only regular files (symbolic links are followed) of at most
/// [`MAX_FILE_BYTES`] are read; a FIFO, a device or a directory is refused before it is
/// opened, so reading never blocks or runs without bound.
pub fn read(path: &Path) -> Result<(String, Format, String)> {
    let file = path.display().to_string();
    let format = Format::from_path(path)?;
    let fail = |msg: String| ConfigError::new(&file, "", "", msg);
    let too_big = |size: String| {
        fail(format!(
            "file is too large ({size}); descriptions are limited to {MAX_FILE_BYTES} bytes \
             (64 MiB): give large weight tensors by `weight_seed`"
        ))
    };
    // `metadata` follows symbolic links and does not open the file: opening a FIFO would
    // block until a writer appears.
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read file: {e}")))?;
    if !meta.is_file() {
        return Err(fail(format!(
            "cannot read file: it is {}; descriptions are read only from regular files",
            kind_of(&meta)
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(format!("{} bytes", meta.len())));
    }
    let f = std::fs::File::open(path).map_err(|e| fail(format!("cannot read file: {e}")))?;
    // The file may have changed since `metadata`: read at most one byte past the cap.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE_BYTES + 1), &mut bytes)
        .map_err(|e| fail(format!("cannot read file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(format!("more than {MAX_FILE_BYTES} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(format!("file is not UTF-8: {e}")))?;
    Ok((text, format, file))
}

/// Parses `text` as `T`, rejecting unknown keys (the types use `deny_unknown_fields`).
pub fn parse<T: DeserializeOwned>(text: &str, format: Format, file: &str) -> Result<T> {
    match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let v: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.inner();
                let msg = format!("{inner}");
                convert(file, &path, &msg)
            })?;
            de.end().map_err(|e| convert(file, "", &e.to_string()))?;
            Ok(v)
        }
        Format::Toml => {
            let de = toml::Deserializer::new(text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let mut path = e.path().to_string();
                let inner = e.inner();
                let mut msg = match inner.message().trim() {
                    "number too large to fit in target type" => {
                        "integer too large (more than 64 bits)".to_string()
                    }
                    "number too small to fit in target type" => {
                        "integer too small (more than 64 bits)".to_string()
                    }
                    m => m.to_string(),
                };
                let mut value = None;
                if let Some(span) = inner.span() {
                    let start = span.start.min(text.len());
                    if msg.is_empty() {
                        msg = if text.get(start..).unwrap_or("").trim().is_empty() {
                            "the file ends where a value was expected".to_string()
                        } else {
                            "syntax error".to_string()
                        };
                    }
                    // Syntax errors (and integers too large for 64 bits) come without a path:
                    // name the key written at that place.
                    let pathless = path.is_empty() || path == ".";
                    if pathless && !msg.starts_with("missing field") {
                        path = crate::toml_pos::key_at(text, start);
                        value = Some(crate::toml_pos::token_at(text, start));
                    }
                    let (line, col) = line_col(text, start);
                    msg = format!("{msg} (line {line}, column {col})");
                } else if msg.is_empty() {
                    msg = "syntax error".to_string();
                }
                let mut err = convert(file, &path, &msg);
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    err.value = v;
                }
                err
            })
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map(|p| offset - p).unwrap_or(offset + 1);
    (line, col)
}

/// Splits a serde message into field and value where serde names them.
fn convert(file: &str, path: &str, msg: &str) -> ConfigError {
    let joined = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let joined = shorten_floats(&joined);
    let msg = joined.as_str();
    // serde_path_to_error writes `?` for a position it could not name (e.g. at the end of a
    // truncated JSON object): drop it.
    let path = path.trim_end_matches('?').trim_end_matches('.');
    let quoted = || {
        let a = msg.find('`')?;
        let b = msg[a + 1..].find('`')?;
        Some(msg[a + 1..a + 1 + b].to_string())
    };
    if msg.starts_with("unknown field") {
        let key = quoted().unwrap_or_default();
        let field = if path.is_empty() || path.ends_with(&key) {
            if path.is_empty() {
                key.clone()
            } else {
                path.to_string()
            }
        } else {
            format!("{path}.{key}")
        };
        return ConfigError::new(file, field, "", msg.to_string());
    }
    if let Some(rest) = msg.strip_prefix("missing field") {
        let key = rest
            .trim()
            .trim_matches('`')
            .split('`')
            .next()
            .unwrap_or("")
            .to_string();
        let field = if path.is_empty() {
            key
        } else {
            format!("{path}.{key}")
        };
        return ConfigError::new(file, field, "(missing)", msg.to_string());
    }
    let value = if [
        "invalid value",
        "invalid type",
        "invalid length",
        "unknown variant",
    ]
    .iter()
    .any(|p| msg.starts_with(p))
    {
        quoted().unwrap_or_default()
    } else {
        String::new()
    };
    ConfigError::new(file, path, value, msg.to_string())
}

/// Replaces every long number quoted in backticks (serde writes `1e308` with all its 309
/// digits) by its short form ([`short_float`](crate::error::short_float)).
fn shorten_floats(msg: &str) -> String {
    let parts: Vec<&str> = msg.split('`').collect();
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match p.parse::<f64>() {
            // Odd parts are inside backticks.
            Ok(v) if i % 2 == 1 && p.len() > 24 => crate::error::short_float(v),
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("`")
}
