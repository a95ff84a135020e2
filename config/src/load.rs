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

/// Reads a file, returning its text, format and display name.
pub fn read(path: &Path) -> Result<(String, Format, String)> {
    let file = path.display().to_string();
    let format = Format::from_path(path)?;
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError::new(&file, "", "", format!("cannot read file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ConfigError::new(&file, "", "", format!("file is not UTF-8: {e}")))?;
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
                let path = e.path().to_string();
                let inner = e.inner();
                let mut msg = inner.message().trim().to_string();
                if let Some(span) = inner.span() {
                    let (line, col) = line_col(text, span.start);
                    msg = format!("{msg} (line {line}, column {col})");
                }
                convert(file, &path, &msg)
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
    let msg = joined.as_str();
    let path = if path == "." { "" } else { path };
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
