//! A board's pin constraints in nextpnr-ice40's PCF format (`set_io <port> <pin>`), for the
//! ports of [`crate::board_top`]'s frame.

use crate::board::Board;

/// The PCF text of `board` for the board top.
pub fn pcf(board: &Board) -> String {
    let mut lines = vec![
        format!(
            "# Pins of the {} (spikeforge_fpga::constraints).",
            board.description
        ),
        format!("set_io clk_pin {}", board.clk_pin),
    ];
    if let Some(pin) = board.button_n_pin {
        lines.push(format!("set_io button_n {pin}"));
    }
    lines.push(format!("set_io uart_rx {}", board.rx_pin));
    lines.push(format!("set_io uart_tx {}", board.tx_pin));
    lines.push(format!("set_io led_reset {}", board.reset_led.pin));
    lines.push(format!("set_io led_activity {}", board.activity_led.pin));
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_port_of_the_frame_has_its_pin() {
        let text = pcf(&Board::ICEBREAKER);
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
        assert!(!pcf(&Board::HX8K_BREAKOUT).contains("button_n"));
    }
}
