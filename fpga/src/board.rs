//! The boards spikeforge builds for. Pins, clocks and the reset button come from each board's
//! public documentation (schematics and the vendors' pin tables), and are written once, here.

use crate::error::FpgaError;
use crate::pll::Pll;

/// An FPGA family: which tools build for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Lattice iCE40: Debian's Yosys (`synth_ice40`), nextpnr-ice40, icepack and icetime.
    Ice40,
    /// Lattice ECP5: Yosys (`synth_ecp5`), nextpnr-ecp5 and ecppack, the WebAssembly builds
    /// from PyPI (`yowasp-*`) in the project's `.venv`.
    Ecp5,
}

/// An FPGA part: what place and route targets and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Device {
    /// Its family.
    pub family: Family,
    /// The name `--device` takes (`up5k`, `hx8k`, `lfe5u-85f`).
    pub name: &'static str,
    /// nextpnr's device option without the dashes (`up5k`, `hx8k`, `85k`).
    pub device: &'static str,
    /// Package (`sg48`, `ct256`, `CABGA381`).
    pub package: &'static str,
    /// Logic: iCE40 logic cells (a LUT4, a carry and a flip-flop each) or ECP5 LUT4s.
    pub logic_cells: u64,
    /// Block RAMs (iCE40 `SB_RAM40_4K` of 4 kbit, ECP5 `DP16KD` of 18 kbit).
    pub brams: u64,
    /// Multipliers (iCE40 `SB_MAC16`, ECP5 `MULT18X18D`; 0 where the part has none).
    pub dsps: u64,
}

impl Device {
    /// Lattice iCE40 UltraPlus UP5K in the 48-pin QFN (SG48): 5,280 logic cells, 30 block
    /// RAMs, 8 DSPs (and 4 SPRAMs of 256 kbit, not used yet).
    pub const UP5K_SG48: Device = Device {
        family: Family::Ice40,
        name: "up5k",
        device: "up5k",
        package: "sg48",
        logic_cells: 5280,
        brams: 30,
        dsps: 8,
    };
    /// Lattice iCE40 HX8K in the 256-ball BGA (CT256): 7,680 logic cells, 32 block RAMs, no
    /// DSPs.
    pub const HX8K_CT256: Device = Device {
        family: Family::Ice40,
        name: "hx8k",
        device: "hx8k",
        package: "ct256",
        logic_cells: 7680,
        brams: 32,
        dsps: 0,
    };

    /// Lattice ECP5 LFE5U-85F in the 381-ball BGA (CABGA381): 83,640 LUT4s, 208 block RAMs
    /// of 18 kbit, 156 multipliers.
    pub const LFE5U_85F_CABGA381: Device = Device {
        family: Family::Ecp5,
        name: "lfe5u-85f",
        device: "85k",
        package: "CABGA381",
        logic_cells: 83_640,
        brams: 208,
        dsps: 156,
    };

    /// The parts `--device` accepts.
    pub const ALL: [Device; 3] = [
        Device::UP5K_SG48,
        Device::HX8K_CT256,
        Device::LFE5U_85F_CABGA381,
    ];

    /// What its logic is counted in (`logic cells`, `LUT4s`).
    pub fn logic_name(&self) -> &'static str {
        match self.family {
            Family::Ice40 => "logic cells",
            Family::Ecp5 => "LUT4s",
        }
    }

    /// The part named `name` (`up5k`, `hx8k`).
    pub fn by_name(name: &str) -> Result<Device, FpgaError> {
        Device::ALL
            .into_iter()
            .find(|d| d.name == name)
            .ok_or_else(|| FpgaError::UnknownDevice {
                name: name.to_string(),
                known: Device::ALL
                    .iter()
                    .map(|d| d.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// One LED of a board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Led {
    /// Package pin.
    pub pin: &'static str,
    /// The LED lights when the pin is low.
    pub active_low: bool,
}

/// A board: its FPGA, oscillator and the pins the board top uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Board {
    /// Name on the command line (`--board`).
    pub name: &'static str,
    /// What it is, for reports.
    pub description: &'static str,
    /// Its FPGA.
    pub device: Device,
    /// Oscillator frequency on the clock pin (MHz).
    pub clock_mhz: f64,
    /// Clock input pin.
    pub clk_pin: &'static str,
    /// Reset button, low while pressed (none: reset at power-up only).
    pub button_n_pin: Option<&'static str>,
    /// UART line into the FPGA (the host's transmit line, through the board's USB UART).
    pub rx_pin: &'static str,
    /// UART line out of the FPGA.
    pub tx_pin: &'static str,
    /// Lit while the design is held in reset.
    pub reset_led: Led,
    /// Lit while either UART line carries a bit of a byte.
    pub activity_led: Led,
    /// A pin the board needs held high (`None` for most boards).
    pub hold_high_pin: Option<&'static str>,
    /// The clock pin is an iCE40 PLL's own input pad, which only the pad variant of the PLL
    /// (`SB_PLL40_PAD`) can take its reference from (the iCEBreaker's pin 35).
    pub pll_pad: bool,
}

impl Board {
    /// 1BitSquared iCEBreaker (v1.0): iCE40 UP5K-SG48, 12 MHz oscillator on pin 35, user
    /// button BTN_N on pin 10, the FTDI FT2232H's second channel as UART (FPGA RX pin 6, TX
    /// pin 9), red LED pin 11 and green LED pin 37 (both low-active).
    pub const ICEBREAKER: Board = Board {
        name: "icebreaker",
        description: "1BitSquared iCEBreaker (iCE40 UP5K-SG48, 12 MHz)",
        device: Device::UP5K_SG48,
        clock_mhz: 12.0,
        clk_pin: "35",
        button_n_pin: Some("10"),
        rx_pin: "6",
        tx_pin: "9",
        reset_led: Led {
            pin: "11",
            active_low: true,
        },
        activity_led: Led {
            pin: "37",
            active_low: true,
        },
        hold_high_pin: None,
        pll_pad: true,
    };

    /// Lattice iCE40-HX8K Breakout Board (ICE40HX8K-B-EVN): iCE40 HX8K-CT256, 12 MHz
    /// oscillator on J3, the FTDI FT2232H's second channel as UART (FPGA RX B10, TX B12), eight
    /// red LEDs (high-active; D2 on B5 and D3 on B4 used here). It has no user button.
    pub const HX8K_BREAKOUT: Board = Board {
        name: "hx8k-breakout",
        description: "Lattice iCE40-HX8K Breakout Board (iCE40 HX8K-CT256, 12 MHz)",
        device: Device::HX8K_CT256,
        clock_mhz: 12.0,
        clk_pin: "J3",
        button_n_pin: None,
        rx_pin: "B10",
        tx_pin: "B12",
        reset_led: Led {
            pin: "B5",
            active_low: false,
        },
        activity_led: Led {
            pin: "B4",
            active_low: false,
        },
        hold_high_pin: None,
        pll_pad: false,
    };

    /// Radiona ULX3S (v3) with the 85F part: ECP5 LFE5U-85F-CABGA381, 25 MHz oscillator on
    /// G2, the power button BTN_PWRn on D6 (low while pressed), the FTDI FT231X as UART (FPGA
    /// RX on M1 = `ftdi_txd`, TX on L4 = `ftdi_rxd`), LEDs D0 on B2 and D1 on C2
    /// (high-active); `wifi_gpio0` (L2) held high, so the ESP32 does not reconfigure the FPGA.
    pub const ULX3S_85F: Board = Board {
        name: "ulx3s-85f",
        description: "Radiona ULX3S (ECP5 LFE5U-85F-CABGA381, 25 MHz)",
        device: Device::LFE5U_85F_CABGA381,
        clock_mhz: 25.0,
        clk_pin: "G2",
        button_n_pin: Some("D6"),
        rx_pin: "M1",
        tx_pin: "L4",
        reset_led: Led {
            pin: "B2",
            active_low: false,
        },
        activity_led: Led {
            pin: "C2",
            active_low: false,
        },
        hold_high_pin: Some("L2"),
        pll_pad: false,
    };

    /// Every board `--board` accepts.
    pub const ALL: [Board; 3] = [Board::ICEBREAKER, Board::HX8K_BREAKOUT, Board::ULX3S_85F];

    /// The board named `name`.
    pub fn by_name(name: &str) -> Result<Board, FpgaError> {
        Board::ALL
            .into_iter()
            .find(|b| b.name == name)
            .ok_or_else(|| FpgaError::UnknownBoard {
                name: name.to_string(),
                known: Board::ALL
                    .iter()
                    .map(|b| b.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The board's built-in accelerator configuration, `sf_<board>`: the small 1×2 design
    /// (`spikeforge_generators::accel::params::small_config`); on the iCEBreaker's UP5K a
    /// 2×2 array (it fits at the 1×2's clock: 4,669 logic cells, 28.0 MHz; 2×4 and 4×2 fit
    /// too, at 25.4 and 23.0 MHz, docs/fpga.md), without the performance counters
    /// (`[rtl] counters = false`), which it has no room for, and with the pipelined serial
    /// entropy unit (`"serial_pipelined"`), whose logit path was the critical path there
    /// (19.7 → 20.4 MHz, 12 logic cells fewer). On ECP5 it registers its block RAM reads
    /// (`[rtl] ram_output_regs`), which the flow folds into the DP16KDs' output registers
    /// (`crate::ecp5_outreg`).
    pub fn builtin_config(&self) -> spikeforge_config::AcceleratorConfig {
        let mut c = spikeforge_generators::accel::params::small_config(&format!(
            "sf_{}",
            self.name.replace('-', "_")
        ));
        if self.device == Device::UP5K_SG48 {
            c.rows = 2;
            c.rtl.counters = false;
            c.rtl.entropy_unit = spikeforge_config::EntropyUnitKind::SerialPipelined;
        }
        if self.device.family == Family::Ecp5 {
            c.rtl.ram_output_regs = true;
        }
        c
    }

    /// Clock cycles per UART bit at `baud` (bits/s) for a core on the board's own clock
    /// ([`Board::clocks_per_bit_at`] with the oscillator's frequency).
    pub fn clocks_per_bit(&self, baud: u32) -> Result<u32, FpgaError> {
        self.clocks_per_bit_at(self.clock_mhz, baud)
    }

    /// The PLL setting that makes `clock_mhz` from the board's oscillator for `family`, or
    /// `None` when the oscillator already is that clock; an error when the nearest clock the
    /// PLL can make is more than 0.5 % away.
    pub fn pll_for(&self, family: Family, clock_mhz: f64) -> Result<Option<Pll>, FpgaError> {
        if (clock_mhz - self.clock_mhz).abs() < 1e-9 {
            return Ok(None);
        }
        let (name, pll) = match family {
            Family::Ice40 => ("iCE40", Pll::ice40(self.clock_mhz, clock_mhz)),
            Family::Ecp5 => ("ECP5", Pll::ecp5(self.clock_mhz, clock_mhz)),
        };
        let error = |why: String| FpgaError::Clock {
            asked: clock_mhz,
            family: name,
            board_mhz: self.clock_mhz,
            why,
        };
        let pll = pll.ok_or_else(|| error("no divider setting is within its ranges".into()))?;
        let off = (pll.f_out_mhz() - clock_mhz).abs() / clock_mhz;
        if off > 0.005 {
            return Err(error(format!(
                "the nearest it makes is {:.3} MHz ({:.1} % off; at most 0.5 %)",
                pll.f_out_mhz(),
                off * 100.0
            )));
        }
        Ok(Some(pll))
    }

    /// Clock cycles per UART bit at `baud` (bits/s) for a core clocked at `clock_mhz`,
    /// rounded to the nearest; the error of the rate it gives must stay within 2 % (8N1
    /// tolerates about 4 % between both ends).
    pub fn clocks_per_bit_at(&self, clock_mhz: f64, baud: u32) -> Result<u32, FpgaError> {
        if baud == 0 {
            return Err(FpgaError::Baud {
                baud,
                clock_mhz,
                why: "a rate must be above 0 bits/s".into(),
            });
        }
        let exact = clock_mhz * 1e6 / f64::from(baud.max(1));
        let cpb = exact.round().max(1.0) as u32;
        let error = (f64::from(cpb) - exact).abs() / exact;
        if cpb < 4 || error > 0.02 {
            return Err(FpgaError::Baud {
                baud,
                clock_mhz,
                why: if cpb < 4 {
                    format!("it leaves {exact:.2} clock cycles per bit; the UART needs at least 4")
                } else {
                    format!(
                        "{cpb} clock cycles per bit miss it by {:.1} % (at most 2 %)",
                        error * 100.0
                    )
                },
            });
        }
        Ok(cpb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_and_devices_are_found_by_name_and_unknown_ones_listed() {
        assert_eq!(Board::by_name("icebreaker").unwrap(), Board::ICEBREAKER);
        let e = Board::by_name("ulx3s").unwrap_err().to_string();
        assert!(
            e.contains("ulx3s") && e.contains("icebreaker, hx8k-breakout, ulx3s-85f"),
            "{e}"
        );
        assert_eq!(Device::by_name("hx8k").unwrap(), Device::HX8K_CT256);
        assert!(Device::by_name("lp1k")
            .unwrap_err()
            .to_string()
            .contains("up5k"));
    }

    #[test]
    fn baud_rates_become_clocks_per_bit_or_say_why_not() {
        let b = Board::ICEBREAKER;
        assert_eq!(b.clocks_per_bit(115_200).unwrap(), 104);
        assert_eq!(b.clocks_per_bit(1_000_000).unwrap(), 12);
        let e = b.clocks_per_bit(0).unwrap_err().to_string();
        assert!(e.contains("--baud 0") && e.contains("above 0"), "{e}");
        let e = b.clocks_per_bit(4_000_000).unwrap_err().to_string();
        assert!(e.contains("at least 4"), "{e}");
        let e = b.clocks_per_bit(2_500_000).unwrap_err().to_string();
        assert!(e.contains("2500000") && e.contains("2 %"), "{e}");
    }
}
