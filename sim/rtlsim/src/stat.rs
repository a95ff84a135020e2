//! Yosys's `stat` output, read in both of its layouts: Yosys 0.23 (Debian's, the iCE40 flow's)
//! writes `Number of cells: N` and then one `<cell type> <count>` line per type; newer Yosys
//! (0.70, the WebAssembly build of the ECP5 flow) writes `N cells` and then one
//! `<count>   <cell type>` line per type.
//!
//! ```text
//! === top ===                         === top ===
//!
//!    Number of wires:     14                 +----------Local Count, excluding submodules.
//!    ...                                     |
//!    Number of cells:     22                14 wires
//!      SB_CARRY            6                 ...
//!      SB_DFF              8                22 cells
//!      SB_LUT4             8                 6   SB_CARRY
//!                                            8   SB_DFF
//!                                            8   SB_LUT4
//! ```
//!
//! A hierarchical design's `stat` prints one block per module and then a `design hierarchy`
//! block with the cells of the whole design, submodules included; the last block of the text
//! is the one read, so a flattened design gives its only module and a hierarchical one the
//! whole design.

use std::collections::BTreeMap;

/// The cells of the last `stat` block in a Yosys log or `tee -o` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YosysStat {
    /// Total number of cells, as Yosys counts them (`Number of cells:`, `N cells`).
    pub cells: u64,
    /// Cells by type (`SB_LUT4`, `$_DFF_P_`, a submodule's name in a per-module block).
    pub cell_types: BTreeMap<String, u64>,
}

impl YosysStat {
    /// Reads the last `stat` block of `text`, in either layout; `None` when `text` has no
    /// cell count at all (no `stat` ran, or it was cut off before its cells).
    pub fn parse(text: &str) -> Option<YosysStat> {
        let lines: Vec<&str> = text.lines().collect();
        // The last line that gives the total: everything after it belongs to that block.
        let (at, cells) = lines
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, l)| total_cells(l).map(|n| (i, n)))?;
        let mut cell_types = BTreeMap::new();
        for line in &lines[at + 1..] {
            match cell_type_line(line) {
                Some((name, n)) => *cell_types.entry(name.to_string()).or_default() += n,
                None => break,
            }
        }
        Some(YosysStat { cells, cell_types })
    }

    /// The number of cells whose type satisfies `pred`.
    pub fn count(&self, pred: impl Fn(&str) -> bool) -> u64 {
        self.cell_types
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(_, v)| *v)
            .sum()
    }
}

/// `Number of cells: N` (0.23) or `N cells` (0.70).
fn total_cells(line: &str) -> Option<u64> {
    let t = line.trim();
    if let Some(n) = t.strip_prefix("Number of cells:") {
        return n.trim().parse().ok();
    }
    let (n, rest) = t.split_once(' ')?;
    if rest == "cells" {
        return n.parse().ok();
    }
    None
}

/// One type of the cell table: `TYPE N` (0.23) or `N   TYPE` (0.70, where the type stands
/// apart from its count by more than one space; one space is a summary line such as
/// `2 submodules`).
fn cell_type_line(line: &str) -> Option<(&str, u64)> {
    let t = line.trim();
    let (a, rest) = t.split_once(char::is_whitespace)?;
    let b = rest.trim_start();
    if b.is_empty() || b.contains(char::is_whitespace) {
        return None;
    }
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if numeric(b) && !numeric(a) {
        return Some((a, b.parse().ok()?));
    }
    if numeric(a) && rest.len() - b.len() > 1 {
        return Some((b, a.parse().ok()?));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `synth_ice40; stat` of a two-level design, Yosys 0.23.
    const OLD_FLAT: &str = "\n3. Printing statistics.\n\n=== top ===\n\n   Number of wires:                 14\n   Number of wire bits:             47\n   Number of public wires:          14\n   Number of public wire bits:      47\n   Number of memories:               0\n   Number of memory bits:            0\n   Number of processes:              0\n   Number of cells:                 22\n     SB_CARRY                        6\n     SB_DFF                          8\n     SB_LUT4                         8\n\n";

    /// `synth; stat` of the same design, hierarchy kept, Yosys 0.23.
    const OLD_HIER: &str = "=== sub ===\n\n   Number of wires:                 15\n   Number of cells:                 18\n     $_ANDNOT_                       4\n     $_DFF_P_                        4\n     $_NAND_                         3\n     $_XNOR_                         3\n     $_XOR_                          4\n\n=== top ===\n\n   Number of wires:                  4\n   Number of cells:                  2\n     sub                             2\n\n=== design hierarchy ===\n\n   top                               1\n     sub                             2\n\n   Number of wires:                 34\n   Number of wire bits:             67\n   Number of processes:              0\n   Number of cells:                 36\n     $_ANDNOT_                       8\n     $_DFF_P_                        8\n     $_NAND_                         6\n     $_XNOR_                         6\n     $_XOR_                          8\n\nEnd of script.\n";

    /// `synth_ecp5; stat`, Yosys 0.70.
    const NEW_FLAT: &str = "\n3. Printing statistics.\n\n=== top ===\n\n        +----------Local Count, excluding submodules.\n        | \n       52 wires\n       90 wire bits\n       52 public wires\n       90 public wire bits\n        4 ports\n       13 port bits\n       54 cells\n        2   $scopeinfo\n        6   L6MUX21\n       28   LUT4\n       10   PFUMX\n        8   TRELLIS_FF\n\n";

    /// `synth; stat`, hierarchy kept, Yosys 0.70.
    const NEW_HIER: &str = "=== top ===\n\n        +----------Local Count, excluding submodules.\n        | \n        4 wires\n        2 submodules\n        2   sub\n\n=== sub ===\n\n        +----------Local Count, excluding submodules.\n        | \n       15 wires\n       18 cells\n        1   $_AND_\n        4   $_DFF_P_\n        6   $_NAND_\n        2   $_XNOR_\n        5   $_XOR_\n\n=== design hierarchy ===\n\n        +----------Count including submodules.\n        | \n       36 top\n       18 sub\n\n        +----------Count including submodules.\n        | \n       34 wires\n       67 wire bits\n        - memories\n       36 cells\n        2   $_AND_\n        8   $_DFF_P_\n       12   $_NAND_\n        4   $_XNOR_\n       10   $_XOR_\n        2 submodules\n        2   sub\n";

    fn types(s: &YosysStat) -> Vec<(&str, u64)> {
        s.cell_types.iter().map(|(k, v)| (k.as_str(), *v)).collect()
    }

    #[test]
    fn the_yosys_0_23_layout_is_read() {
        let s = YosysStat::parse(OLD_FLAT).unwrap();
        assert_eq!(s.cells, 22);
        assert_eq!(types(&s), [("SB_CARRY", 6), ("SB_DFF", 8), ("SB_LUT4", 8)]);
        assert_eq!(s.count(|k| k.starts_with("SB_")), 22);
        // The design hierarchy block: the whole design, not the top's two instances.
        let s = YosysStat::parse(OLD_HIER).unwrap();
        assert_eq!(s.cells, 36);
        assert_eq!(
            types(&s),
            [
                ("$_ANDNOT_", 8),
                ("$_DFF_P_", 8),
                ("$_NAND_", 6),
                ("$_XNOR_", 6),
                ("$_XOR_", 8)
            ]
        );
        assert_eq!(s.count(|k| k.contains("DFF")), 8);
    }

    #[test]
    fn the_yosys_0_70_layout_is_read() {
        let s = YosysStat::parse(NEW_FLAT).unwrap();
        assert_eq!(s.cells, 54);
        assert_eq!(
            types(&s),
            [
                ("$scopeinfo", 2),
                ("L6MUX21", 6),
                ("LUT4", 28),
                ("PFUMX", 10),
                ("TRELLIS_FF", 8)
            ]
        );
        assert_eq!(s.cell_types.values().sum::<u64>(), s.cells);
        // The design hierarchy block; its per-module counts (`36 top`) and the submodule
        // summary after the table are not cell types.
        let s = YosysStat::parse(NEW_HIER).unwrap();
        assert_eq!(s.cells, 36);
        assert_eq!(
            types(&s),
            [
                ("$_AND_", 2),
                ("$_DFF_P_", 8),
                ("$_NAND_", 12),
                ("$_XNOR_", 4),
                ("$_XOR_", 10)
            ]
        );
    }

    #[test]
    fn text_without_a_stat_block_has_none() {
        assert_eq!(YosysStat::parse(""), None);
        assert_eq!(
            YosysStat::parse("=== top ===\n\n   Number of wires: 3\n"),
            None
        );
        // A table cut off after its total still gives the total.
        let s = YosysStat::parse("   Number of cells:  5\n").unwrap();
        assert_eq!((s.cells, s.cell_types.len()), (5, 0));
    }
}
