//! What the synthesized design needs against what the device has, before place and route:
//! block RAMs and DSPs are exact after synthesis; logic is bounded below — on iCE40 by the
//! LUT4s and by the flip-flops (each logic cell holds one of each), on ECP5 by the LUT4s
//! including the two of each carry cell. nextpnr's packer then gives the exact count; a
//! design it cannot place is reported the same way.

use crate::board::{Device, Family};
use crate::error::FpgaError;
use spikeforge_rtlsim::stat::YosysStat;

/// Cells of the synthesized (flattened, technology-mapped) design.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SynthCells {
    /// LUT4s (`SB_LUT4`, `LUT4`).
    pub luts: u64,
    /// Flip-flops (`SB_DFF*`, `TRELLIS_FF`).
    pub ffs: u64,
    /// Carry cells (`SB_CARRY`: one bit; `CCU2C`: two bits and two LUT4s).
    pub carries: u64,
    /// Block RAMs (`SB_RAM40_4K`, `DP16KD`).
    pub brams: u64,
    /// Multipliers (`SB_MAC16`, `MULT18X18D`).
    pub dsps: u64,
}

impl SynthCells {
    /// Reads the last cell table of a Yosys `stat` in `log`, in either layout (Yosys 0.23's
    /// `<cell> <count>` lines, 0.70's `<count> <cell>`: [`YosysStat`]); all zero when `log`
    /// has none.
    pub fn from_yosys_stat(log: &str) -> SynthCells {
        let stat = YosysStat::parse(log).unwrap_or_default();
        SynthCells {
            luts: stat.count(|k| k == "SB_LUT4" || k == "LUT4"),
            ffs: stat.count(|k| k.starts_with("SB_DFF") || k == "TRELLIS_FF"),
            carries: stat.count(|k| k == "SB_CARRY" || k == "CCU2C"),
            brams: stat.count(|k| k.starts_with("SB_RAM40_4K") || k == "DP16KD"),
            dsps: stat.count(|k| k == "SB_MAC16" || k == "MULT18X18D"),
        }
    }

    /// The least logic the design can take on `family`: iCE40 logic cells, one per LUT4 or
    /// flip-flop, whichever are more (carries and unpaired flip-flops only add to it); ECP5
    /// LUT4s, counting the two of each carry cell.
    pub fn logic_at_least(&self, family: Family) -> u64 {
        match family {
            Family::Ice40 => self.luts.max(self.ffs),
            Family::Ecp5 => self.luts + 2 * self.carries,
        }
    }
}

/// Checks the synthesized design against `device` before place and route.
pub fn check_synthesized(cells: &SynthCells, device: &Device) -> Result<(), FpgaError> {
    let over = |resource, needed, available, how: &str| FpgaError::DoesNotFit {
        device: format!("{} ({})", device.name, device.package),
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
            "after synthesis",
        ));
    }
    if cells.dsps > device.dsps {
        return Err(over("DSPs", cells.dsps, device.dsps, "after synthesis"));
    }
    let logic = cells.logic_at_least(device.family);
    if logic > device.logic_cells {
        let how = match device.family {
            Family::Ice40 => format!(
                "at least: {} LUT4 and {} flip-flops after synthesis",
                cells.luts, cells.ffs
            ),
            Family::Ecp5 => format!(
                "{} LUT4 and {} carry cells of two after synthesis",
                cells.luts, cells.carries
            ),
        };
        return Err(over(device.logic_name(), logic, device.logic_cells, &how));
    }
    Ok(())
}

/// nextpnr's name for the logic it packs: `ICESTORM_LC` (iCE40), `TRELLIS_COMB` (ECP5).
pub fn packed_logic_key(family: Family) -> &'static str {
    match family {
        Family::Ice40 => "ICESTORM_LC",
        Family::Ecp5 => "TRELLIS_COMB",
    }
}

/// The packer's count of `key` in nextpnr's log (`ICESTORM_LC: used/ available`), if it got
/// that far.
pub fn packed_logic_cells(nextpnr_log: &str, key: &str) -> Option<(u64, u64)> {
    let marker = format!("{key}:");
    nextpnr_log.lines().rev().find_map(|l| {
        let rest = l.split(marker.as_str()).nth(1)?;
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
    fn the_newer_stat_layout_is_read_too() {
        let stat = "=== t ===\n\n       12 cells\n        4   CCU2C\n        8   TRELLIS_FF\n      3892   DP16KD\n       20   LUT4\n";
        let c = SynthCells::from_yosys_stat(stat);
        assert_eq!((c.luts, c.ffs, c.carries, c.brams), (20, 8, 4, 3892));
        let e = check_synthesized(&c, &Device::LFE5U_85F_CABGA381)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("3892 block RAMs") && e.contains("has 208"),
            "{e}"
        );
    }

    #[test]
    fn the_packer_count_is_found_in_the_log() {
        let log = "Info: Device utilisation:\nInfo: \t         ICESTORM_LC:  6296/ 5280   119%\n";
        assert_eq!(packed_logic_cells(log, "ICESTORM_LC"), Some((6296, 5280)));
        assert_eq!(packed_logic_cells("nothing", "ICESTORM_LC"), None);
        let log = "Info: \t        TRELLIS_COMB:  9000/83640    10%\n";
        assert_eq!(packed_logic_cells(log, "TRELLIS_COMB"), Some((9000, 83640)));
    }
}
