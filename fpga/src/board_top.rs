//! The board's top module: the accelerator and its host bridge (`board_core`, built with the
//! DSL) under a small hand-written frame, rendered from `templates/board_top.v.tera`,
//! that ties them to the board — the clock pin, a reset synchroniser (the DSL's designs take
//! a synchronous active-high `rst`; a board has a button and a power-up), the UART pins and
//! two LEDs. The frame is a template because it is pins and primitives, not the product's
//! logic.

use crate::board::Board;
use crate::error::FpgaError;
use crate::pll::Pll;
use spikeforge_dsl::backend::templates::render;
use spikeforge_dsl::backend::verilog::VERSION;
use spikeforge_dsl::{elaborate, emit_verilog};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_generators::board::core::{board_core, check_board};

/// The frame's template.
pub const BOARD_TOP: &str = include_str!("../../templates/board_top.v.tera");

/// A board design: every Verilog file, the filelist, and the name of the top module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardDesign {
    /// Name of the board top module: `<name>_<board>` (dashes as underscores).
    pub top: String,
    /// The board core's module (what the frame instantiates).
    pub core: String,
    /// Verilog files (name, contents) in dependency order, the board top last.
    pub verilog: Vec<(String, String)>,
    /// The filelist `<top>.f`: one file name a line, relative to the filelist.
    pub filelist: (String, String),
}

impl BoardDesign {
    /// Every file to write: the Verilog files and the filelist.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut v = self.verilog.clone();
        v.push(self.filelist.clone());
        v
    }
}

/// Builds the board design of the accelerator `params` for `board`, its host link at
/// `clocks_per_bit` (see [`Board::clocks_per_bit`]); with `pll`, the core runs at the clock
/// the PLL makes from the board's oscillator, and stays in reset until it locks.
pub fn board_design(
    params: &AccelParams,
    board: &Board,
    clocks_per_bit: u32,
    baud: u32,
    pll: Option<&Pll>,
) -> Result<BoardDesign, FpgaError> {
    check_board(params).map_err(FpgaError::Design)?;
    let design = elaborate(&board_core(params, clocks_per_bit))
        .map_err(|e| FpgaError::Design(e.to_string()))?;
    let core = emit_verilog(&design);
    let top = format!("{}_{}", params.name, board.name.replace('-', "_"));
    let file = format!("{top}.v");
    let mut cx = tera::Context::new();
    cx.insert("file", &file);
    cx.insert("version", VERSION);
    cx.insert("top", &top);
    cx.insert("core", &core.top);
    cx.insert("board_description", board.description);
    cx.insert("clock_mhz", &board.clock_mhz);
    cx.insert("clk_pin", board.clk_pin);
    cx.insert("button", &board.button_n_pin);
    cx.insert("rx_pin", board.rx_pin);
    cx.insert("tx_pin", board.tx_pin);
    cx.insert("reset_led_pin", board.reset_led.pin);
    cx.insert("reset_led_active_low", &board.reset_led.active_low);
    cx.insert("activity_led_pin", board.activity_led.pin);
    cx.insert("activity_led_active_low", &board.activity_led.active_low);
    cx.insert("clocks_per_bit", &clocks_per_bit);
    cx.insert("baud", &baud);
    cx.insert("hold_high", &board.hold_high_pin);
    let instance = pll.map(|p| {
        p.instance(
            board.clock_mhz,
            "clk_pin",
            "clk",
            "pll_locked",
            board.pll_pad,
        )
    });
    cx.insert("pll", &instance.unwrap_or_default());
    cx.insert(
        "core_clock_mhz",
        &pll.map_or(board.clock_mhz, |p| p.f_out_mhz()),
    );
    let text = render("board_top.v", BOARD_TOP, &cx).map_err(FpgaError::Design)?;
    let mut verilog = core.module_files();
    verilog.push((file, text));
    let list: String = verilog.iter().map(|(f, _)| format!("{f}\n")).collect();
    Ok(BoardDesign {
        filelist: (format!("{top}.f"), list),
        top,
        core: core.top,
        verilog,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spikeforge_generators::accel::params::small_params;

    #[test]
    fn the_frame_names_the_pins_and_instantiates_the_core() {
        let p = small_params("t");
        let b = Board::ICEBREAKER;
        let d = board_design(&p, &b, 104, 115_200, None).unwrap();
        assert_eq!(d.top, "t_icebreaker");
        let (name, text) = d.verilog.last().unwrap();
        assert_eq!(name, "t_icebreaker.v");
        assert!(text.contains("module t_icebreaker ("), "{text}");
        assert!(text.contains("t_board_core u_core ("), "{text}");
        assert!(
            text.contains("button_n") && text.contains("// 10:"),
            "{text}"
        );
        assert!(text.contains("assign led_reset = !core_rst;"), "{text}");
        // The HX8K breakout has no button and high-active LEDs.
        let d = board_design(&p, &Board::HX8K_BREAKOUT, 104, 115_200, None).unwrap();
        let text = &d.verilog.last().unwrap().1;
        assert!(!text.contains("button_n") && text.contains("assign led_reset = core_rst;"));
        // Same input, same text.
        assert_eq!(
            d,
            board_design(&p, &Board::HX8K_BREAKOUT, 104, 115_200, None).unwrap()
        );
        assert!(d.filelist.1.ends_with("t_hx8k_breakout.v\n"));
    }

    #[test]
    fn with_a_pll_the_core_runs_on_its_clock_and_waits_for_lock() {
        let p = small_params("t");
        let b = Board::ULX3S_85F;
        let pll = Pll::ecp5(b.clock_mhz, 100.0).unwrap();
        let d = board_design(&p, &b, 868, 115_200, Some(&pll)).unwrap();
        let text = &d.verilog.last().unwrap().1;
        assert!(
            text.contains("a PLL makes the core's\n// 100 MHz clock"),
            "{text}"
        );
        assert!(
            text.contains("EHXPLLL #(") && text.contains(".CLKOP(clk),"),
            "{text}"
        );
        assert!(
            text.contains("wire hold = !button_sync[1] || !pll_locked;"),
            "{text}"
        );
        assert!(text.contains(".clk(clk),") && !text.contains("assign clk = clk_pin;"));
        let plain = board_design(&p, &b, 217, 115_200, None).unwrap();
        let text = &plain.verilog.last().unwrap().1;
        assert!(text.contains("assign clk = clk_pin;") && !text.contains("EHXPLLL"));
    }
}
