//! Name checks: every name in a module (ports, wires, registers, memories, instances,
//! instance outputs, named constants) is a legal Verilog-2005 identifier, is not reserved, and
//! is unique. Names the back-end makes up (temporaries `<signal>_t<k>`) skip every name the
//! module already uses, so no user name is reserved for them.

use crate::error::ElabError;
use crate::ir::{self, SourceLoc};
use std::collections::HashMap;

/// Verilog-2005 keywords (IEEE 1364-2005 Annex B) and SystemVerilog keywords (IEEE 1800).
const KEYWORDS: &[&str] = &[
    "always",
    "and",
    "assign",
    "automatic",
    "begin",
    "buf",
    "bufif0",
    "bufif1",
    "case",
    "casex",
    "casez",
    "cell",
    "cmos",
    "config",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "edge",
    "else",
    "end",
    "endcase",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endmodule",
    "endprimitive",
    "endspecify",
    "endtable",
    "endtask",
    "event",
    "for",
    "force",
    "forever",
    "fork",
    "function",
    "generate",
    "genvar",
    "highz0",
    "highz1",
    "if",
    "ifnone",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "instance",
    "integer",
    "join",
    "large",
    "liblist",
    "library",
    "localparam",
    "macromodule",
    "medium",
    "module",
    "nand",
    "negedge",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "or",
    "output",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_onevent",
    "pulsestyle_ondetect",
    "rcmos",
    "real",
    "realtime",
    "reg",
    "release",
    "repeat",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "scalared",
    "showcancelled",
    "signed",
    "small",
    "specify",
    "specparam",
    "strong0",
    "strong1",
    "supply0",
    "supply1",
    "table",
    "task",
    "time",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "unsigned",
    "use",
    "uwire",
    "vectored",
    "wait",
    "wand",
    "weak0",
    "weak1",
    "while",
    "wire",
    "wor",
    "xnor",
    "xor",
    // SystemVerilog (IEEE 1800) keywords: Verilator reads Verilog as SystemVerilog.
    "alias",
    "always_comb",
    "always_ff",
    "always_latch",
    "assert",
    "assume",
    "before",
    "bind",
    "bins",
    "binsof",
    "bit",
    "break",
    "byte",
    "chandle",
    "checker",
    "class",
    "clocking",
    "const",
    "constraint",
    "context",
    "continue",
    "cover",
    "covergroup",
    "coverpoint",
    "cross",
    "dist",
    "do",
    "endchecker",
    "endclass",
    "endclocking",
    "endgroup",
    "endinterface",
    "endpackage",
    "endprogram",
    "endproperty",
    "endsequence",
    "enum",
    "eventually",
    "expect",
    "export",
    "extends",
    "extern",
    "final",
    "first_match",
    "foreach",
    "forkjoin",
    "global",
    "iff",
    "ignore_bins",
    "illegal_bins",
    "implements",
    "implies",
    "import",
    "inside",
    "int",
    "interconnect",
    "interface",
    "intersect",
    "join_any",
    "join_none",
    "let",
    "local",
    "logic",
    "longint",
    "matches",
    "modport",
    "nettype",
    "new",
    "nexttime",
    "null",
    "package",
    "packed",
    "priority",
    "program",
    "property",
    "protected",
    "pure",
    "rand",
    "randc",
    "randcase",
    "randsequence",
    "ref",
    "reject_on",
    "restrict",
    "return",
    "s_always",
    "s_eventually",
    "s_nexttime",
    "s_until",
    "s_until_with",
    "sequence",
    "shortint",
    "shortreal",
    "soft",
    "solve",
    "static",
    "string",
    "strong",
    "struct",
    "super",
    "sync_accept_on",
    "sync_reject_on",
    "tagged",
    "this",
    "throughout",
    "timeprecision",
    "timeunit",
    "type",
    "typedef",
    "union",
    "unique",
    "unique0",
    "until",
    "until_with",
    "untyped",
    "var",
    "virtual",
    "void",
    "wait_order",
    "weak",
    "wildcard",
    "with",
    "within",
];

/// Names the DSL itself gives ports.
pub const RESERVED: &[&str] = &["clk", "rst"];

/// Why `name` cannot be used, if it cannot.
pub(crate) fn invalid_reason(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Some("names cannot be empty".into());
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Some("a Verilog identifier starts with a letter or `_`".into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some("a Verilog identifier holds only letters, digits and `_`".into());
    }
    if KEYWORDS.contains(&name) {
        return Some("it is a Verilog keyword".into());
    }
    if name.len() > 1024 {
        return Some("longer than 1024 characters".into());
    }
    None
}

/// Checks the module name and every name inside `m`.
pub(crate) fn check(m: &ir::Module, errors: &mut Vec<ElabError>) {
    if let Some(reason) = invalid_reason(&m.name) {
        errors.push(ElabError::InvalidName {
            module: m.name.clone(),
            name: m.name.clone(),
            reason: format!("as a module name: {reason}"),
            loc: m.loc,
        });
    }
    let mut names: Vec<(&str, SourceLoc)> = Vec::new();
    names.extend(m.signals.iter().map(|s| (s.name.as_str(), s.loc)));
    names.extend(m.mems.iter().map(|x| (x.name.as_str(), x.loc)));
    names.extend(m.instances.iter().map(|x| (x.name.as_str(), x.loc)));
    names.extend(m.localparams.iter().map(|x| (x.name.as_str(), x.loc)));
    let mut seen: HashMap<&str, SourceLoc> = HashMap::new();
    for (name, loc) in names {
        if RESERVED.contains(&name) {
            errors.push(ElabError::InvalidName {
                module: m.name.clone(),
                name: name.to_string(),
                reason: "`clk` and `rst` are the implicit clock and reset".into(),
                loc,
            });
            continue;
        }
        if let Some(reason) = invalid_reason(name) {
            errors.push(ElabError::InvalidName {
                module: m.name.clone(),
                name: name.to_string(),
                reason,
                loc,
            });
            continue;
        }
        if let Some(first) = seen.insert(name, loc) {
            errors.push(ElabError::DuplicateName {
                module: m.name.clone(),
                name: name.to_string(),
                first,
                second: loc,
            });
        }
    }
}
