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

/// The constraint file of `board`: its extension (`pcf`, `lpf`) and text.
pub fn constraints(board: &Board) -> (&'static str, String) {
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
            lines.push(format!(
                "FREQUENCY PORT \"clk_pin\" {} MHZ;",
                board.clock_mhz
            ));
            ("lpf", lines.join("\n") + "\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_port_of_the_frame_has_its_pin() {
        let (ext, text) = constraints(&Board::ICEBREAKER);
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
        assert!(!constraints(&Board::HX8K_BREAKOUT).1.contains("button_n"));
        let (ext, text) = constraints(&Board::ULX3S_85F);
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
    }
}
