//! The host's register bus (docs/accelerator.md §8): the ports, the global registers it
//! writes, and the (registered) read of status and counters.

use super::common::fit;
use super::counters::CounterFile;
use super::geometry::Geometry;
use spikeforge_config::catalog::Register;
use spikeforge_dsl::prelude::*;

/// The accelerator's input ports (§8).
#[derive(Clone, Copy, Debug)]
pub struct HostInputs {
    /// Register write enable.
    pub cfg_we: Signal,
    /// Register address (12 bits).
    pub cfg_addr: Signal,
    /// Register write data (32 bits).
    pub cfg_wdata: Signal,
    /// The host takes a request.
    pub req_ready: Signal,
    /// A weight word is offered.
    pub w_valid: Signal,
    /// The weight word (`cols × weight_bits`).
    pub w_data: Signal,
    /// An input spike word is offered.
    pub s_valid: Signal,
    /// The input spike word (`cols` bits).
    pub s_data: Signal,
    /// The host takes a result beat.
    pub r_ready: Signal,
}

impl HostInputs {
    /// Declares the input ports.
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry) -> HostInputs {
        HostInputs {
            cfg_we: m.input("cfg_we", Bool),
            cfg_addr: m.input("cfg_addr", UInt(12)),
            cfg_wdata: m.input("cfg_wdata", UInt(32)),
            req_ready: m.input("req_ready", Bool),
            w_valid: m.input("w_valid", Bool),
            w_data: m.input("w_data", UInt(g.cols * g.wbits)),
            s_valid: m.input("s_valid", Bool),
            s_data: m.input("s_data", UInt(g.cols)),
            r_ready: m.input("r_ready", Bool),
        }
    }

    /// True when the bus writes address `a` this cycle.
    pub fn writes(&self, a: u64) -> Expr {
        self.cfg_we & self.cfg_addr.is_eq(Expr::uint(a, 12))
    }
}

/// The global registers (§8) and the start pulse.
#[derive(Clone, Copy, Debug)]
pub struct Globals {
    /// NUM_STAGES: hidden layers + 1.
    pub num_stages: Signal,
    /// TIMESTEPS: T (`Geometry::tb` bits).
    pub timesteps: Signal,
    /// TICK_BATCH: B (`Geometry::wb` bits).
    pub tick_batch: Signal,
    /// THETA_Q: the entropy threshold, Q16.
    pub theta_q: Signal,
    /// RLNK: `2^16/ln K`.
    pub rlnk: Signal,
    /// FRAC_BITS: logit fraction bits.
    pub frac_bits: Signal,
    /// NUM_CLASSES: K.
    pub num_classes: Signal,
    /// MEM_WORDS: membrane words to clear at start (`Geometry::ma + 1` bits).
    pub mem_words: Signal,
    /// CTRL bit 0 written this cycle.
    pub start: Signal,
}

impl Globals {
    /// The global registers, written by the bus.
    pub fn declare(m: &mut ModuleBuilder, g: &Geometry, host: &HostInputs) -> Globals {
        let mut global = |name: &str, r: Register, w: u32| -> Signal {
            let reg = m.reg(name, UInt(w));
            m.next_when(reg, host.writes(r.address()), host.cfg_wdata.trunc(w));
            reg
        };
        let num_stages = global("num_stages_r", Register::NumStages, g.sb + 1);
        // T and B only as wide as the values the driver writes (T ≤ MAX_TIMESTEPS, B ≤ B_max).
        let timesteps = global("timesteps_r", Register::Timesteps, g.tb);
        let tick_batch = global("tick_batch_r", Register::TickBatch, g.wb);
        let theta_q = global("theta_q_r", Register::ThetaQ, 17);
        let rlnk = global("rlnk_r", Register::Rlnk, 17);
        let frac_bits = global("frac_bits_r", Register::FracBits, 5);
        let num_classes = global("num_classes_r", Register::NumClasses, g.kb);
        // At most the membrane buffer's words (≤ 2^ma; the driver refuses more).
        let mem_words = global("mem_words_r", Register::MemWords, g.ma + 1);
        // The registers keep only the bits their values need, so some of the bus's 32 data
        // bits may be read by none of them: they end in a wire Verilator's lint knows as
        // deliberately unused (synthesis removes it).
        m.wire_from("cfg_wdata_unused", host.cfg_wdata.is_ne(0u64));
        let start = m.wire_from(
            "start",
            host.writes(Register::Ctrl.address()) & host.cfg_wdata.bit(0),
        );
        Globals {
            num_stages,
            timesteps,
            tick_batch,
            theta_q,
            rlnk,
            frac_bits,
            num_classes,
            mem_words,
            start,
        }
    }
}

/// What the bus reads (§8), registered: `cfg_rdata` is the word at the `cfg_addr` of the
/// previous cycle. STATUS, EXIT_T and PREDICTION come from here; the counter words from the
/// counter file's RAM (`counters`); every other address reads 0.
pub fn read_port(
    m: &mut ModuleBuilder,
    host: &HostInputs,
    status: Expr,
    exit_t: Signal,
    prediction: Signal,
    counters: &CounterFile,
) {
    let words: Vec<(u64, Expr)> = vec![
        (Register::Status.address(), fit(status, 32)),
        (Register::ExitT.address(), fit(exit_t, 32)),
        (Register::Prediction.address(), fit(prediction, 32)),
    ];
    let mut rd: Expr = Expr::uint(0, 32);
    for (a, v) in words {
        rd = host.cfg_addr.is_eq(Expr::uint(a, 12)).select(v, rd);
    }
    let status_word = m.reg("cfg_status_word", UInt(32));
    m.next(status_word, rd);
    m.output_from(
        "cfg_rdata",
        counters
            .word_valid
            .select(counters.word.clone(), status_word.expr()),
    );
}
