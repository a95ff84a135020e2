//! The one error type of this crate: a bad configuration, named by file, field and value.

use std::fmt;

/// A configuration that cannot be used, with enough context to fix it.
///
/// Every error names the file (or `<memory>` for text not read from a file), the field as a
/// dotted key path (`layers[2].share_factor`, empty for the whole document), the offending
/// value as written (or as derived, e.g. a shape), and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the value came from (`<memory>` when parsed from a string).
    pub file: String,
    /// Dotted key path of the field, e.g. `layers[2].share_factor`.
    pub field: String,
    /// The offending value, rendered as text (may be empty when unknown, e.g. a syntax error).
    pub value: String,
    /// What is wrong, and what would be accepted.
    pub message: String,
}

impl ConfigError {
    /// Builds an error for `field` holding `value` in `file`.
    pub fn new(
        file: impl Into<String>,
        field: impl Into<String>,
        value: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.into(),
            field: field.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.field.is_empty() {
            write!(f, ": field `{}`", self.field)?;
        }
        if !self.value.is_empty() {
            write!(f, " = {}", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, ConfigError>;

/// Builds a validation error; used by the `validate` methods.
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
}

impl Ctx<'_> {
    pub(crate) fn err(
        &self,
        field: impl Into<String>,
        value: impl fmt::Display,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::new(self.file, field, value, message)
    }
}

/// Renders a float for an error message in a short form: plain (`0.15`, `500`) between 1e-4
/// and 1e6, scientific (`1e308`, `1e-300`) outside, so a huge or tiny value never prints
/// hundreds of digits.
pub fn short_float(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-4..1e6).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}
