//! A board's pin constraints for the ports of [`crate::board_top`]'s frame: nextpnr-ice40's
//! PCF (`set_io <port> <pin>`) for iCE40 boards, nextpnr-ecp5's LPF (`LOCATE COMP`, `IOBUF`,
//! `FREQUENCY PORT`) for ECP5 boards.

use crate::board::{Board, Family};

/// The frame's ports and their pins, in port order.
pub fn pins(board: &Board) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("clk_pin", board.clk_pin)];
    if let Some(pin) = board.button_n_pin {
        v.push(("button_n", pin));
    }
    v.push(("uart_rx", board.rx_pin));
    v.push(("uart_tx", board.tx_pin));
    v.push(("led_reset", board.reset_led.pin));
    v.push(("led_activity", board.activity_led.pin));
    if let Some(pin) = board.hold_high_pin {
        v.push(("hold_high", pin));
    }
    v
}

/// The constraint file of `board`: its extension (`pcf`, `lpf`) and text. `pin_mhz` is the
/// clock the oscillator pin is constrained to on ECP5 (LPF `FREQUENCY PORT`, which nextpnr
/// follows through the PLL to the core's clock, and which takes precedence over its `--freq`):
/// the board's oscillator, or what makes the core's clock meet another target
/// ([`pin_constraint_mhz`]). nextpnr-ice40 takes its target from `--freq` alone.
pub fn constraints(board: &Board, pin_mhz: f64) -> (&'static str, String) {
    let head = format!(
        "# Pins of the {} (spikeforge_fpga::constraints).",
        board.description
    );
    match board.device.family {
        Family::Ice40 => {
            let mut lines = vec![head];
            for (port, pin) in pins(board) {
                lines.push(format!("set_io {port} {pin}"));
            }
            ("pcf", lines.join("\n") + "\n")
        }
        Family::Ecp5 => {
            let mut lines = vec![head];
            for (port, pin) in pins(board) {
                lines.push(format!("LOCATE COMP \"{port}\" SITE \"{pin}\";"));
                let pull = if port == "uart_rx" || port == "button_n" {
                    " PULLMODE=UP"
                } else {
                    ""
                };
                lines.push(format!("IOBUF PORT \"{port}\"{pull} IO_TYPE=LVCMOS33;"));
            }
            if (pin_mhz - board.clock_mhz).abs() > 1e-9 {
                lines.push(format!(
                    "# The oscillator runs at {} MHz; place and route is asked for {} MHz here, \
                     which makes the core's clock meet the flow's target.",
                    board.clock_mhz,
                    mhz(pin_mhz)
                ));
            }
            lines.push(format!("FREQUENCY PORT \"clk_pin\" {} MHZ;", mhz(pin_mhz)));
            ("lpf", lines.join("\n") + "\n")
        }
    }
}

/// The oscillator-pin constraint (MHz) that asks the core's clock (`core_mhz`, made from the
/// board's `board_mhz` by the PLL or equal to it) for `target_mhz`.
pub fn pin_constraint_mhz(board_mhz: f64, core_mhz: f64, target_mhz: f64) -> f64 {
    target_mhz * board_mhz / core_mhz
}

/// A frequency as the LPF takes it: an integer without decimals, else to the kHz.
fn mhz(f: f64) -> String {
    if (f - f.round()).abs() < 1e-9 {
        format!("{}", f.round())
    } else {
        format!("{f:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_port_of_the_frame_has_its_pin() {
        let (ext, text) = constraints(&Board::ICEBREAKER, 12.0);
        assert_eq!(ext, "pcf");
        for line in [
            "set_io clk_pin 35",
            "set_io button_n 10",
            "set_io uart_rx 6",
            "set_io uart_tx 9",
            "set_io led_reset 11",
            "set_io led_activity 37",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(!constraints(&Board::HX8K_BREAKOUT, 12.0)
            .1
            .contains("button_n"));
        let (ext, text) = constraints(&Board::ULX3S_85F, 25.0);
        assert_eq!(ext, "lpf");
        for line in [
            "LOCATE COMP \"clk_pin\" SITE \"G2\";",
            "LOCATE COMP \"uart_rx\" SITE \"M1\";",
            "IOBUF PORT \"uart_rx\" PULLMODE=UP IO_TYPE=LVCMOS33;",
            "LOCATE COMP \"uart_tx\" SITE \"L4\";",
            "LOCATE COMP \"hold_high\" SITE \"L2\";",
            "FREQUENCY PORT \"clk_pin\" 25 MHZ;",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        assert!(!text.contains("# The oscillator"), "{text}");
    }

    /// `--freq` on ECP5: the pin's constraint scales so that the core's clock is asked for the
    /// target (the LPF's constraint is the one nextpnr-ecp5 follows).
    #[test]
    fn another_target_scales_the_oscillator_constraint() {
        // No PLL (core = oscillator), target 100 MHz.
        let pin = pin_constraint_mhz(25.0, 25.0, 100.0);
        let (_, text) = constraints(&Board::ULX3S_85F, pin);
        assert!(
            text.contains("FREQUENCY PORT \"clk_pin\" 100 MHZ;"),
            "{text}"
        );
        assert!(text.contains("# The oscillator runs at 25 MHz"), "{text}");
        // PLL 25 → 100 MHz, target 125 MHz: the pin at 31.25.
        let pin = pin_constraint_mhz(25.0, 100.0, 125.0);
        let (_, text) = constraints(&Board::ULX3S_85F, pin);
        assert!(
            text.contains("FREQUENCY PORT \"clk_pin\" 31.250 MHZ;"),
            "{text}"
        );
    }
}
