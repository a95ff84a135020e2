//! Clock synthesis: the PLL settings that turn a board's oscillator into the clock asked for
//! with `--freq`, found by an exhaustive search over the divider ranges the vendors document
//! (the same search as Project IceStorm's `icepll` and Project Trellis's `ecppll`), and the
//! primitive's instance for the board top.
//!
//! - **iCE40** `SB_PLL40_CORE`, simple feedback: `f_pfd = f_in / (DIVR + 1)` within 10–133 MHz,
//!   `f_vco = f_pfd · (DIVF + 1)` within 533–1066 MHz, `f_out = f_vco / 2^DIVQ` (DIVQ 1–6)
//!   within 16–275 MHz; the loop filter's range follows `f_pfd`.
//! - **ECP5** `EHXPLLL`, feedback from CLKOP: `f_out = f_in · CLKFB_DIV / CLKI_DIV` with
//!   `f_in / CLKI_DIV` at least 3.125 MHz, `f_vco = f_out · CLKOP_DIV` within 400–800 MHz,
//!   `f_out` within 3.125–400 MHz; the VCO as near 600 MHz as the dividers allow.

use std::fmt::Write;

/// A PLL setting for one family.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pll {
    /// iCE40 `SB_PLL40_CORE` in simple feedback.
    Ice40 {
        /// Reference divider (the PFD runs at `f_in / (divr + 1)`).
        divr: u32,
        /// Feedback divider (the VCO runs at `f_pfd · (divf + 1)`).
        divf: u32,
        /// Output divider exponent (`f_out = f_vco / 2^divq`).
        divq: u32,
        /// Loop filter range for the PFD frequency (1–6).
        filter_range: u32,
        /// The clock it makes (MHz).
        f_out_mhz: f64,
    },
    /// ECP5 `EHXPLLL`, CLKOP fed back.
    Ecp5 {
        /// Input divider.
        clki_div: u32,
        /// Feedback divider.
        clkfb_div: u32,
        /// CLKOP output divider (the VCO runs at `f_out · clkop_div`).
        clkop_div: u32,
        /// The clock it makes (MHz).
        f_out_mhz: f64,
    },
}

impl Pll {
    /// The clock the setting makes (MHz).
    pub fn f_out_mhz(&self) -> f64 {
        match *self {
            Pll::Ice40 { f_out_mhz, .. } | Pll::Ecp5 { f_out_mhz, .. } => f_out_mhz,
        }
    }

    /// The best iCE40 setting for `target_mhz` from `f_in_mhz`: the closest output (the lowest
    /// dividers among equals), or `None` when no setting lies within the ranges above.
    pub fn ice40(f_in_mhz: f64, target_mhz: f64) -> Option<Pll> {
        let mut best: Option<Pll> = None;
        for divr in 0..=15u32 {
            let f_pfd = f_in_mhz / f64::from(divr + 1);
            if !(10.0..=133.0).contains(&f_pfd) {
                continue;
            }
            for divf in 0..=127u32 {
                let f_vco = f_pfd * f64::from(divf + 1);
                if !(533.0..=1066.0).contains(&f_vco) {
                    continue;
                }
                for divq in 1..=6u32 {
                    let f_out = f_vco / f64::from(1u32 << divq);
                    if !(16.0..=275.0).contains(&f_out) {
                        continue;
                    }
                    if closer(f_out, best.map(|b| b.f_out_mhz()), target_mhz) {
                        best = Some(Pll::Ice40 {
                            divr,
                            divf,
                            divq,
                            filter_range: filter_range(f_pfd),
                            f_out_mhz: f_out,
                        });
                    }
                }
            }
        }
        best
    }

    /// The best ECP5 setting for `target_mhz` from `f_in_mhz` (as [`Pll::ice40`]).
    pub fn ecp5(f_in_mhz: f64, target_mhz: f64) -> Option<Pll> {
        let mut best: Option<Pll> = None;
        for clki_div in 1..=128u32 {
            let f_pfd = f_in_mhz / f64::from(clki_div);
            if f_pfd < 3.125 {
                break;
            }
            for clkfb_div in 1..=80u32 {
                let f_out = f_pfd * f64::from(clkfb_div);
                if !(3.125..=400.0).contains(&f_out) {
                    continue;
                }
                // The VCO nearest the middle of its range, as `ecppll` places it.
                let Some(clkop_div) = (1..=128u32)
                    .filter(|&d| (400.0..=800.0).contains(&(f_out * f64::from(d))))
                    .min_by(|&a, &b| {
                        let off = |d: u32| (f_out * f64::from(d) - 600.0).abs();
                        off(a).total_cmp(&off(b))
                    })
                else {
                    continue;
                };
                if closer(f_out, best.map(|b| b.f_out_mhz()), target_mhz) {
                    best = Some(Pll::Ecp5 {
                        clki_div,
                        clkfb_div,
                        clkop_div,
                        f_out_mhz: f_out,
                    });
                }
            }
        }
        best
    }

    /// One line for reports: the primitive, its dividers and the clocks.
    pub fn describe(&self, f_in_mhz: f64, pad: bool) -> String {
        match *self {
            Pll::Ice40 {
                divr,
                divf,
                divq,
                f_out_mhz,
                ..
            } => format!(
                "SB_PLL40_{}: {} MHz / {} × {} / {} = {} MHz",
                if pad { "PAD" } else { "CORE" },
                trim(f_in_mhz),
                divr + 1,
                divf + 1,
                1u32 << divq,
                trim(f_out_mhz)
            ),
            Pll::Ecp5 {
                clki_div,
                clkfb_div,
                clkop_div,
                f_out_mhz,
            } => format!(
                "EHXPLLL: {} MHz / {clki_div} × {clkfb_div} = {} MHz (VCO {} MHz, CLKOP_DIV {clkop_div})",
                trim(f_in_mhz),
                trim(f_out_mhz),
                trim(f_out_mhz * f64::from(clkop_div))
            ),
        }
    }

    /// The primitive's instance, clocked by `clk_in`, driving `clk_out` and `locked`
    /// (Verilog, four-space indented, for the board top); on iCE40 with `pad`, the
    /// `SB_PLL40_PAD` variant, whose reference is the package pin `clk_in` itself.
    pub fn instance(
        &self,
        f_in_mhz: f64,
        clk_in: &str,
        clk_out: &str,
        locked: &str,
        pad: bool,
    ) -> String {
        let mut v = String::new();
        match *self {
            Pll::Ice40 {
                divr,
                divf,
                divq,
                filter_range,
                f_out_mhz,
            } => {
                let _ = writeln!(
                    v,
                    "    // {f_in_mhz} MHz / {} · {} / {} = {f_out_mhz:.3} MHz (VCO {:.1} MHz)",
                    divr + 1,
                    divf + 1,
                    1u32 << divq,
                    f_in_mhz / f64::from(divr + 1) * f64::from(divf + 1)
                );
                let _ = writeln!(v, "    SB_PLL40_{} #(", if pad { "PAD" } else { "CORE" });
                let _ = writeln!(v, "        .FEEDBACK_PATH(\"SIMPLE\"),");
                let _ = writeln!(v, "        .DIVR(4'd{divr}),");
                let _ = writeln!(v, "        .DIVF(7'd{divf}),");
                let _ = writeln!(v, "        .DIVQ(3'd{divq}),");
                let _ = writeln!(v, "        .FILTER_RANGE(3'd{filter_range})");
                let _ = writeln!(v, "    ) u_pll (");
                let reference = if pad { "PACKAGEPIN" } else { "REFERENCECLK" };
                let _ = writeln!(v, "        .{reference}({clk_in}),");
                let _ = writeln!(v, "        .PLLOUTGLOBAL({clk_out}),");
                let _ = writeln!(v, "        .LOCK({locked}),");
                let _ = writeln!(v, "        .BYPASS(1'b0),");
                let _ = writeln!(v, "        .RESETB(1'b1)");
                let _ = writeln!(v, "    );");
            }
            Pll::Ecp5 {
                clki_div,
                clkfb_div,
                clkop_div,
                f_out_mhz,
            } => {
                let _ = writeln!(
                    v,
                    "    // {f_in_mhz} MHz / {clki_div} · {clkfb_div} = {f_out_mhz:.3} MHz (VCO {:.1} MHz)",
                    f_out_mhz * f64::from(clkop_div)
                );
                let _ = writeln!(
                    v,
                    "    (* FREQUENCY_PIN_CLKI=\"{}\" *) (* FREQUENCY_PIN_CLKOP=\"{}\" *)",
                    trim(f_in_mhz),
                    trim(f_out_mhz)
                );
                let _ = writeln!(
                    v,
                    "    (* ICP_CURRENT=\"12\" *) (* LPF_RESISTOR=\"8\" *) (* MFG_ENABLE_FILTEROPAMP=\"1\" *) (* MFG_GMCREF_SEL=\"2\" *)"
                );
                let _ = writeln!(v, "    EHXPLLL #(");
                let _ = writeln!(v, "        .CLKI_DIV({clki_div}),");
                let _ = writeln!(v, "        .CLKFB_DIV({clkfb_div}),");
                let _ = writeln!(v, "        .CLKOP_DIV({clkop_div}),");
                let _ = writeln!(v, "        .CLKOP_CPHASE({}),", (clkop_div - 1) / 2);
                let _ = writeln!(v, "        .CLKOP_FPHASE(0),");
                let _ = writeln!(v, "        .CLKOP_ENABLE(\"ENABLED\"),");
                let _ = writeln!(v, "        .FEEDBK_PATH(\"CLKOP\")");
                let _ = writeln!(v, "    ) u_pll (");
                let _ = writeln!(v, "        .CLKI({clk_in}),");
                let _ = writeln!(v, "        .CLKFB({clk_out}),");
                let _ = writeln!(v, "        .CLKOP({clk_out}),");
                let _ = writeln!(v, "        .LOCK({locked}),");
                let _ = writeln!(v, "        .RST(1'b0),");
                let _ = writeln!(v, "        .STDBY(1'b0),");
                let _ = writeln!(v, "        .PHASESEL0(1'b0),");
                let _ = writeln!(v, "        .PHASESEL1(1'b0),");
                let _ = writeln!(v, "        .PHASEDIR(1'b1),");
                let _ = writeln!(v, "        .PHASESTEP(1'b1),");
                let _ = writeln!(v, "        .PHASELOADREG(1'b1),");
                let _ = writeln!(v, "        .PLLWAKESYNC(1'b0),");
                let _ = writeln!(v, "        .ENCLKOP(1'b0)");
                let _ = writeln!(v, "    );");
            }
        }
        v
    }
}

/// Whether `f` is strictly closer to `target` than the best so far (ties keep the first
/// found, which has the lowest dividers).
fn closer(f: f64, best: Option<f64>, target: f64) -> bool {
    best.is_none_or(|b| (f - target).abs() < (b - target).abs() - 1e-9)
}

/// The iCE40 loop filter range for a PFD frequency (MHz), as `icepll` chooses it.
fn filter_range(f_pfd: f64) -> u32 {
    match f_pfd {
        f if f < 17.0 => 1,
        f if f < 26.0 => 2,
        f if f < 44.0 => 3,
        f if f < 66.0 => 4,
        f if f < 101.0 => 5,
        _ => 6,
    }
}

/// A frequency for an attribute: at most 4 decimals, no trailing zeros.
fn trim(f: f64) -> String {
    let s = format!("{f:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every setting the search returns obeys the family's ranges and makes the frequency it
    /// claims.
    fn check_ice40(f_in: f64, p: Pll) {
        let Pll::Ice40 {
            divr,
            divf,
            divq,
            filter_range: fr,
            f_out_mhz,
        } = p
        else {
            panic!("{p:?}")
        };
        let f_pfd = f_in / f64::from(divr + 1);
        let f_vco = f_pfd * f64::from(divf + 1);
        assert!((10.0..=133.0).contains(&f_pfd) && (533.0..=1066.0).contains(&f_vco));
        assert!((1..=6).contains(&divq) && (1..=6).contains(&fr));
        assert!((f_out_mhz - f_vco / f64::from(1u32 << divq)).abs() < 1e-9);
    }

    #[test]
    fn ice40_settings_hit_the_icebreakers_clocks() {
        // 12 MHz · 80 / 32 = 30 MHz exactly (VCO 960 MHz), as icepll finds it.
        let p = Pll::ice40(12.0, 30.0).unwrap();
        check_ice40(12.0, p);
        assert_eq!(p.f_out_mhz(), 30.0);
        let p = Pll::ice40(12.0, 48.0).unwrap();
        check_ice40(12.0, p);
        assert_eq!(p.f_out_mhz(), 48.0);
        // 20 MHz is not reachable exactly from 12 MHz: the closest setting, within a percent.
        let p = Pll::ice40(12.0, 20.0).unwrap();
        check_ice40(12.0, p);
        assert!((p.f_out_mhz() - 20.0).abs() < 0.2, "{p:?}");
        // Above 275 MHz nothing is in range; the closest is the top of it.
        assert!(Pll::ice40(12.0, 500.0).unwrap().f_out_mhz() <= 275.0);
    }

    #[test]
    fn ecp5_settings_hit_the_ulx3s_clocks() {
        for target in [100.0, 50.0, 125.0, 33.333] {
            let p = Pll::ecp5(25.0, target).unwrap();
            let Pll::Ecp5 {
                clki_div,
                clkfb_div,
                clkop_div,
                f_out_mhz,
            } = p
            else {
                panic!("{p:?}")
            };
            assert!((f_out_mhz - 25.0 / f64::from(clki_div) * f64::from(clkfb_div)).abs() < 1e-9);
            let vco = f_out_mhz * f64::from(clkop_div);
            assert!((400.0..=800.0).contains(&vco), "{p:?}");
            assert!(
                (f_out_mhz - target).abs() / target < 0.005,
                "{target}: {p:?}"
            );
        }
        // 25 · 4 / 1 = 100 MHz with the VCO at 600 MHz.
        assert_eq!(
            Pll::ecp5(25.0, 100.0),
            Some(Pll::Ecp5 {
                clki_div: 1,
                clkfb_div: 4,
                clkop_div: 6,
                f_out_mhz: 100.0
            })
        );
    }

    #[test]
    fn instances_name_the_primitive_and_its_dividers() {
        let v =
            Pll::ice40(12.0, 30.0)
                .unwrap()
                .instance(12.0, "clk_pin", "clk", "pll_locked", false);
        assert!(v.contains("SB_PLL40_CORE #(") && v.contains(".REFERENCECLK(clk_pin)"));
        let v =
            Pll::ice40(12.0, 30.0)
                .unwrap()
                .instance(12.0, "clk_pin", "clk", "pll_locked", true);
        assert!(v.contains("SB_PLL40_PAD #(") && v.contains(".PACKAGEPIN(clk_pin)"));
        assert!(v.contains(".PLLOUTGLOBAL(clk)") && v.contains(".LOCK(pll_locked)"));
        let v =
            Pll::ecp5(25.0, 100.0)
                .unwrap()
                .instance(25.0, "clk_pin", "clk", "pll_locked", false);
        assert!(
            v.contains("EHXPLLL #(") && v.contains(".CLKOP_DIV(6)"),
            "{v}"
        );
        assert!(v.contains("FREQUENCY_PIN_CLKOP=\"100\""), "{v}");
        assert!(v.contains(".CLKOP_CPHASE(2)"), "{v}");
    }
}
