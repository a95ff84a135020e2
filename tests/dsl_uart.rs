//! The DSL library's UART (`spikeforge_dsl::library::{uart_tx, uart_rx}`) on the reference
//! evaluator and Verilator in lockstep, against the 8N1 line format decoded and encoded here
//! in Rust: random bytes with random gaps at several bit times; the receiver also gets frames
//! with a low stop bit (a frame error, byte dropped) and short low glitches (ignored).

mod common;

use common::{verilated, Emitted, SplitMix};
use num_bigint::BigUint;
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::library::{uart_rx, uart_tx, UartSpec};
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::Simulator;

/// One module on both simulators, stepped together; every output compared after each edge.
struct Both {
    ev: Evaluator,
    sim: Simulator,
    outputs: Vec<&'static str>,
}

impl Both {
    fn new(module: &Module, outputs: Vec<&'static str>) -> (Both, Emitted) {
        let design = elaborate(module).unwrap_or_else(|e| panic!("{e}"));
        let (sim, emitted) = verilated(module, "sf-uart-");
        let mut both = Both {
            ev: Evaluator::new(&design),
            sim,
            outputs,
        };
        both.ev.reset(1);
        both.sim.reset(1);
        (both, emitted)
    }

    fn poke(&mut self, port: &str, v: u64) {
        self.ev.poke(port, &BigUint::from(v)).unwrap();
        self.sim.poke_u64(port, v).unwrap();
    }

    fn peek(&mut self, port: &str) -> u64 {
        let e = self.ev.peek(port).unwrap();
        let e = e.to_u64_digits().first().copied().unwrap_or(0);
        assert_eq!(e, self.sim.peek_u64(port).unwrap(), "{port}");
        e
    }

    /// One clock edge; the outputs after it, in `outputs` order.
    fn step(&mut self) -> Vec<u64> {
        self.ev.step();
        self.sim.step();
        let outputs = self.outputs.clone();
        outputs.iter().map(|o| self.peek(o)).collect()
    }
}

/// The line levels of one 8N1 frame of `byte`, `cpb` cycles per bit, with stop bit `stop`.
fn frame(byte: u8, cpb: u32, stop: bool) -> Vec<bool> {
    let mut bits = vec![false];
    bits.extend((0..8).map(|i| byte >> i & 1 == 1));
    bits.push(stop);
    bits.iter()
        .flat_map(|&b| std::iter::repeat_n(b, cpb as usize))
        .collect()
}

#[test]
fn the_transmitter_sends_8n1_frames_of_every_byte() {
    for (n, cpb) in [4u32, 7, 16].into_iter().enumerate() {
        let spec = UartSpec {
            name: format!("t{cpb}"),
            clocks_per_bit: cpb,
        };
        let (mut both, _e) = Both::new(&uart_tx(&spec), vec!["tx", "s_ready"]);
        let mut rng = SplitMix(0x0a27_7000 + n as u64);
        let bytes: Vec<u8> = (0..40).map(|_| rng.below(256) as u8).collect();
        // The line as sampled after each edge, after one idle (high) sample for reset.
        let mut line = vec![both.peek("tx") == 1];
        assert!(line[0], "cpb {cpb}: the line idles high");
        let mut next = 0;
        let mut ready = both.peek("s_ready") == 1;
        while next < bytes.len() || line.len() < 11 * cpb as usize * bytes.len() + 40 {
            let offer = next < bytes.len() && !rng.chance(5);
            both.poke("s_valid", u64::from(offer));
            both.poke("s_data", u64::from(bytes.get(next).copied().unwrap_or(0)));
            if offer && ready {
                next += 1;
            }
            let out = both.step();
            line.push(out[0] == 1);
            ready = out[1] == 1;
            if line.len() > 20 * cpb as usize * bytes.len() {
                panic!("cpb {cpb}: the transmitter stalled after {next} bytes");
            }
        }
        // Decode: a falling edge starts a frame; sample every bit in its middle.
        let mut got = Vec::new();
        let mut i = 1;
        while i < line.len() {
            if line[i - 1] && !line[i] {
                let at = |k: usize| line[i + k * cpb as usize + cpb as usize / 2];
                assert!(!at(0), "cpb {cpb}: start bit at {i}");
                let byte = (0..8).fold(0u8, |b, k| b | (u8::from(at(k + 1)) << k));
                assert!(at(9), "cpb {cpb}: stop bit of frame {}", got.len());
                got.push(byte);
                i += 10 * cpb as usize;
            } else {
                i += 1;
            }
        }
        assert_eq!(got, bytes, "cpb {cpb}");
    }
}

#[test]
fn the_receiver_delivers_good_frames_and_flags_bad_stop_bits() {
    for (n, cpb) in [4u32, 7, 16].into_iter().enumerate() {
        let spec = UartSpec {
            name: format!("r{cpb}"),
            clocks_per_bit: cpb,
        };
        let (mut both, _e) = Both::new(&uart_rx(&spec), vec!["valid", "data", "frame_error"]);
        let mut rng = SplitMix(0x0a27_8000 + n as u64);
        let mut line: Vec<bool> = vec![true; 3 * cpb as usize];
        let (mut want, mut bad) = (Vec::new(), 0);
        for _ in 0..40 {
            let byte = rng.below(256) as u8;
            let stop = !rng.chance(6);
            line.extend(frame(byte, cpb, stop));
            if stop {
                want.push(byte);
            } else {
                bad += 1;
                // The line returns high for two bit times after a bad frame.
                line.extend(std::iter::repeat_n(true, 2 * cpb as usize));
            }
            // Idle: at least one bit time, sometimes with a glitch shorter than half a bit.
            let idle =
                cpb as usize * (1 + rng.below(3) as usize) + rng.below(u64::from(cpb)) as usize;
            line.extend(std::iter::repeat_n(true, idle));
            if rng.chance(4) {
                let glitch = 1 + rng.below(u64::from(cpb / 2 - 1)) as usize;
                line.extend(std::iter::repeat_n(false, glitch));
                line.extend(std::iter::repeat_n(true, 2 * cpb as usize));
            }
        }
        line.extend(std::iter::repeat_n(true, 4 * cpb as usize));
        let (mut got, mut errors) = (Vec::new(), 0);
        for &level in &line {
            both.poke("rx", u64::from(level));
            let out = both.step();
            if out[0] == 1 {
                got.push(out[1] as u8);
            }
            errors += out[2];
        }
        assert_eq!(got, want, "cpb {cpb}");
        assert_eq!(errors, bad, "cpb {cpb}: frame errors");
        assert!(bad > 0, "cpb {cpb}: the stimulus had no bad frame");
    }
}
