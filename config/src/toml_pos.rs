//! The dotted key path and the value written at a byte position of a TOML text: the TOML
//! parser reports syntax errors (and integers too large for 64 bits) with a position but no
//! field, and every error must name the field.
//!
//! Best effort, line based: table headers (`[buffers.weight]`, `[[layers]]` counted as
//! `layers[i]`) set the table, and the last `key =` line at the top level of the table names
//! the key — also for values that span several lines (a multi-line weight array).

use std::collections::HashMap;

/// Longest value rendered in an error (characters); longer ones are cut with `…`.
const MAX_TOKEN_CHARS: usize = 40;

/// The dotted key path (`layers[1].weights`, `buffers.psum.size_bits`) of the value written
/// at byte `offset` of `text`; empty when the position is before any key.
pub(crate) fn key_at(text: &str, offset: usize) -> String {
    let mut table = String::new();
    let mut key = String::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    // Nesting depth of `[`/`{` inside the current value (0: between key lines).
    let mut depth = 0i64;
    let mut start = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if depth <= 0 {
            depth = 0;
            if let Some(rest) = trimmed.strip_prefix("[[") {
                let name = clean_key(rest.split("]]").next().unwrap_or(""));
                let n = counts
                    .entry(name.clone())
                    .and_modify(|c| *c += 1)
                    .or_insert(0);
                table = format!("{name}[{n}]");
                key.clear();
            } else if let Some(rest) = trimmed.strip_prefix('[') {
                let name = clean_key(rest.split(']').next().unwrap_or(""));
                // A sub-table of the current element of an array of tables.
                table = counts
                    .iter()
                    .filter(|(k, _)| name.starts_with(&format!("{k}.")))
                    .max_by_key(|(k, _)| k.len())
                    .map(|(k, n)| format!("{k}[{n}]{}", &name[k.len()..]))
                    .unwrap_or(name);
                key.clear();
            } else if let Some(eq) = value_start(trimmed) {
                key = clean_key(&trimmed[..eq]);
                depth += nesting(&trimmed[eq + 1..]);
            }
        } else {
            depth += nesting(line);
        }
        if offset < start + line.len() {
            break;
        }
        start += line.len();
    }
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

/// The value token written at byte `offset` (up to the next space, `,`, `]`, `}` or `#`),
/// shortened to [`MAX_TOKEN_CHARS`]; empty at the end of the text.
pub(crate) fn token_at(text: &str, offset: usize) -> String {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let token: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '#'))
        .collect();
    if token.chars().count() > MAX_TOKEN_CHARS {
        let cut: String = token.chars().take(MAX_TOKEN_CHARS).collect();
        format!("{cut}…")
    } else {
        token
    }
}

/// Byte index of the `=` of a `key = value` line (outside quotes), if the line is one.
fn value_start(line: &str) -> Option<usize> {
    if line.starts_with('#') {
        return None;
    }
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '=') => return Some(i),
            (None, c) if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ' | '\t') => {}
            (None, _) => return None,
        }
    }
    None
}

/// Net change of `[`/`{` nesting in a piece of a value (strings and comments skipped).
fn nesting(s: &str) -> i64 {
    let mut d = 0;
    let mut quote = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => break,
            (None, '[' | '{') => d += 1,
            (None, ']' | '}') => d -= 1,
            _ => {}
        }
    }
    d
}

/// A key as written (`buffers . weight`, `"rows"`) in dotted form without quotes or spaces.
fn clean_key(k: &str) -> String {
    k.split('.')
        .map(|p| p.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_and_offset_is_answered(
            text in "([\\[\\]{}=\"'#.,\n a-z0-9é]|[[:^cntrl:]]){0,200}",
            offset in 0usize..500,
        ) {
            let _ = key_at(&text, offset);
            let token = token_at(&text, offset);
            prop_assert!(token.chars().count() <= MAX_TOKEN_CHARS + 1);
        }
    }

    #[test]
    fn keys_at_positions() {
        let t = "a = 1\n[[layers]]\nx = 1\n[[layers]]\nweights = [\n  [1, 2],\n  [3, 4],\n]\n\
                 [buffers.psum]\nsize_bits = 99\n";
        let at = |s: &str| key_at(t, t.find(s).unwrap());
        assert_eq!(at("1\n[["), "a");
        assert_eq!(at("x = 1"), "layers[0].x");
        assert_eq!(at("[3, 4]"), "layers[1].weights");
        assert_eq!(at("99"), "buffers.psum.size_bits");
        assert_eq!(key_at(t, t.len()), "buffers.psum.size_bits");
        assert_eq!(token_at(t, t.find("99").unwrap()), "99");
        assert_eq!(token_at(t, t.len()), "");
        assert_eq!(
            token_at("x = 1234567890123456789012345678901234567890123", 4)
                .chars()
                .count(),
            41
        );
    }
}
