//! What the synthesized design needs against what the device has, before place and route:
//! block RAMs and DSPs are exact after synthesis; logic cells are bounded below by the LUT4s
//! and by the flip-flops (each logic cell holds one of each). nextpnr's packer then gives the
//! exact logic-cell count; a design it cannot place is reported the same way.

use crate::board::Device;
use crate::error::FpgaError;
use std::collections::BTreeMap;

/// Cells of the synthesized (flattened, iCE40-mapped) design.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SynthCells {
    /// `SB_LUT4`.
    pub luts: u64,
    /// Flip-flops (`SB_DFF*`).
    pub ffs: u64,
    /// Carry cells (`SB_CARRY`).
    pub carries: u64,
    /// Block RAMs (`SB_RAM40_4K`).
    pub brams: u64,
    /// DSPs (`SB_MAC16`).
    pub dsps: u64,
}

impl SynthCells {
    /// Reads the last cell table of a Yosys `stat` in `log`.
    pub fn from_yosys_stat(log: &str) -> SynthCells {
        let mut table: BTreeMap<String, u64> = BTreeMap::new();
        for line in log.lines() {
            if line.starts_with("=== ") {
                table.clear();
            }
            let mut words = line.split_whitespace();
            if let (Some(cell), Some(n), None) = (words.next(), words.next(), words.next()) {
                if cell.starts_with("SB_") {
                    if let Ok(n) = n.parse::<u64>() {
                        *table.entry(cell.to_string()).or_default() += n;
                    }
                }
            }
        }
        let sum = |pred: &dyn Fn(&str) -> bool| -> u64 {
            table.iter().filter(|(k, _)| pred(k)).map(|(_, v)| v).sum()
        };
        SynthCells {
            luts: sum(&|k| k == "SB_LUT4"),
            ffs: sum(&|k| k.starts_with("SB_DFF")),
            carries: sum(&|k| k == "SB_CARRY"),
            brams: sum(&|k| k.starts_with("SB_RAM40_4K")),
            dsps: sum(&|k| k == "SB_MAC16"),
        }
    }

    /// The fewest logic cells the design can take: one per LUT4 or flip-flop, whichever are
    /// more (carries and unpaired flip-flops only add to it).
    pub fn logic_cells_at_least(&self) -> u64 {
        self.luts.max(self.ffs)
    }
}

/// Checks the synthesized design against `device` before place and route.
pub fn check_synthesized(cells: &SynthCells, device: &Device) -> Result<(), FpgaError> {
    let over = |resource, needed, available, how: &str| FpgaError::DoesNotFit {
        device: format!("{} ({})", device.device, device.package),
        resource,
        needed,
        available,
        how: how.to_string(),
    };
    if cells.brams > device.brams {
        return Err(over(
            "block RAMs",
            cells.brams,
            device.brams,
            "SB_RAM40_4K after synthesis",
        ));
    }
    if cells.dsps > device.dsps {
        return Err(over(
            "DSPs",
            cells.dsps,
            device.dsps,
            "SB_MAC16 after synthesis",
        ));
    }
    let lcs = cells.logic_cells_at_least();
    if lcs > device.logic_cells {
        return Err(over(
            "logic cells",
            lcs,
            device.logic_cells,
            &format!(
                "at least: {} LUT4 and {} flip-flops after synthesis",
                cells.luts, cells.ffs
            ),
        ));
    }
    Ok(())
}

/// The packer's logic-cell count in nextpnr's log (`ICESTORM_LC: used/ available`), if it
/// got that far.
pub fn packed_logic_cells(nextpnr_log: &str) -> Option<(u64, u64)> {
    nextpnr_log.lines().rev().find_map(|l| {
        let rest = l.split("ICESTORM_LC:").nth(1)?;
        let mut it = rest.split('/');
        let used = it.next()?.trim().parse().ok()?;
        let available = it.next()?.split_whitespace().next()?.parse().ok()?;
        Some((used, available))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "=== top ===\n\n   Number of cells:  10\n     SB_CARRY   1945\n     SB_DFF   359\n     SB_DFFESR   1229\n     SB_LUT4   4930\n     SB_MAC16   1\n     SB_RAM40_4K   20\n";

    #[test]
    fn the_stat_table_is_read_and_checked_against_the_device() {
        let c = SynthCells::from_yosys_stat(STAT);
        assert_eq!(
            c,
            SynthCells {
                luts: 4930,
                ffs: 1588,
                carries: 1945,
                brams: 20,
                dsps: 1
            }
        );
        check_synthesized(&c, &Device::UP5K_SG48).unwrap();
        let big = SynthCells { luts: 6000, ..c };
        let e = check_synthesized(&big, &Device::UP5K_SG48)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("6000 logic cells") && e.contains("has 5280"),
            "{e}"
        );
        let e = check_synthesized(&c, &Device::HX8K_CT256)
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 DSPs") && e.contains("has 0"), "{e}");
    }

    #[test]
    fn the_packer_count_is_found_in_the_log() {
        let log = "Info: Device utilisation:\nInfo: \t         ICESTORM_LC:  6296/ 5280   119%\n";
        assert_eq!(packed_logic_cells(log), Some((6296, 5280)));
        assert_eq!(packed_logic_cells("nothing"), None);
    }
}
