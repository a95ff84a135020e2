//! The host bridge (`spikeforge_generators::board::host_bridge`, docs/host-link.md) in
//! Verilator, UART bits included: a host written here in Rust sends register writes and reads,
//! weight and spike words, an unknown opcode and an overrun, bit by bit on `rx`; a model of the
//! accelerator's side answers the register bus (its read registered, as the accelerator's is),
//! takes stream words with random `ready`, and raises request and result beats. Every message
//! decoded from `tx` and every bus and stream transfer must be what the protocol says, in order.
//! Then the board core (`board::core`: the bridge joined to a real 1×2 accelerator): a run
//! configured and started over the UART, its STATUS read back idle, then busy.

mod common;

use common::{verilated, SplitMix};
use spikeforge_cosim::board::{UartDecoder, UartEncoder};
use spikeforge_generators::board::host_bridge::{host_bridge, op, HostBridgeSpec};
use spikeforge_rtlsim::Simulator;
use std::collections::{HashMap, VecDeque};

const CPB: u32 = 4;

fn spec() -> HostBridgeSpec {
    HostBridgeSpec {
        name: "hb".into(),
        clocks_per_bit: CPB,
        w_bits: 64,
        s_bits: 16,
        stage_bits: 8,
    }
}

/// The line levels of the bytes `msg`, 8N1 (the library's software UART), then `idle` bits
/// high.
fn line_of(msg: &[u8], idle: usize) -> Vec<bool> {
    let mut uart = UartEncoder::new(CPB);
    uart.push(msg);
    let mut line = Vec::new();
    while !uart.idle() {
        line.push(uart.next_level());
    }
    line.extend(std::iter::repeat_n(true, idle * CPB as usize));
    line
}

/// Bytes decoded from line samples (one per cycle), sampling each bit in its middle.
fn bytes_of(line: &[bool]) -> Vec<u8> {
    let mut uart = UartDecoder::new(CPB);
    line.iter()
        .enumerate()
        .filter_map(|(i, &level)| {
            uart.sample(level)
                .unwrap_or_else(|e| panic!("{e} at sample {i}"))
        })
        .collect()
}

fn le(v: u64, n: usize) -> Vec<u8> {
    (0..n).map(|i| (v >> (8 * i)) as u8).collect()
}

/// One beat the accelerator's side raises at `at` (cycles) and holds until taken.
struct Beat {
    at: usize,
    request: bool,
    kind: u64,
    stage: u64,
    a: u64,
    b: u64,
}

#[test]
fn the_bridge_carries_the_bus_and_the_streams_over_the_uart() {
    let s = spec();
    let module = host_bridge(&s);
    let (mut sim, _emitted) = verilated(&module, "sf-host-bridge-");
    sim.reset(2);

    // The host's messages, each followed by enough idle time for its answer.
    let mut rx: Vec<bool> = line_of(&[], 4);
    let write = |addr: u64, data: u64| [vec![op::WRITE], le(addr, 2), le(data, 4)].concat();
    let read = |addr: u64| [vec![op::READ], le(addr, 2)].concat();
    let words: Vec<u64> = vec![
        0x0123_4567_89ab_cdef,
        0xfedc_ba98_7654_3210,
        0x0f0f_f0f0_1234_5678,
    ];
    let spikes: Vec<u64> = vec![0xa5c3, 0x0001, 0x8000];
    for msg in [
        write(0x004, 0xdead_beef),
        write(0x1a0, 0x1234_5678),
        read(0x004),
        read(0x1a0),
        read(0x055),
    ] {
        rx.extend(line_of(&msg, 70));
    }
    for (&w, &sp) in words.iter().zip(&spikes) {
        rx.extend(line_of(&[vec![op::WEIGHTS], le(w, 8)].concat(), 2));
        rx.extend(line_of(&[vec![op::SPIKES], le(sp, 2)].concat(), 2));
    }
    rx.extend(line_of(&[0x99], 40));
    // While `w_ready` is held low (from here on), two words: the second overruns.
    let hold_from = rx.len();
    rx.extend(line_of(&[vec![op::WEIGHTS], le(0x1111, 8)].concat(), 0));
    rx.extend(line_of(&[vec![op::WEIGHTS], le(0x2222, 8)].concat(), 80));
    let hold_until = rx.len();
    rx.extend(line_of(&[], 200));

    let beats = [
        Beat {
            at: 300,
            request: true,
            kind: 0,
            stage: 3,
            a: 0,
            b: 0,
        },
        Beat {
            at: 310,
            request: false,
            kind: 1,
            stage: 7,
            a: 0xcafe_f00d,
            b: 0,
        },
        Beat {
            at: 2000,
            request: true,
            kind: 1,
            stage: 0,
            a: 0x0102,
            b: 0x0003,
        },
        Beat {
            at: 2005,
            request: false,
            kind: 2,
            stage: 255,
            a: 0x0004_0007,
            b: 0,
        },
    ];
    let mut pending: VecDeque<&Beat> = VecDeque::new();
    let mut next_beat = 0;

    let mut rng = SplitMix(0xb41d_9e00);
    let mut regs: HashMap<u64, u64> = HashMap::new();
    let mut prev_addr = 0u64;
    let (mut got_w, mut got_s, mut tx_line) = (Vec::new(), Vec::new(), vec![true]);
    for (cycle, &level) in rx.iter().enumerate() {
        while next_beat < beats.len() && beats[next_beat].at <= cycle {
            pending.push_back(&beats[next_beat]);
            next_beat += 1;
        }
        let req = pending.iter().find(|b| b.request).copied();
        let res = pending.iter().find(|b| !b.request).copied();
        let held = (hold_from..hold_until).contains(&cycle);
        let (w_ready, s_ready) = (!held && rng.chance(2), rng.chance(2));
        let ins = [
            ("rx", u64::from(level)),
            ("cfg_rdata", regs.get(&prev_addr).copied().unwrap_or(0)),
            ("w_ready", u64::from(w_ready)),
            ("s_ready", u64::from(s_ready)),
            ("req_valid", u64::from(req.is_some())),
            ("req_kind", req.map_or(0, |b| b.kind)),
            ("req_stage", req.map_or(0, |b| b.stage)),
            ("req_t0", req.map_or(0, |b| b.a)),
            ("req_len", req.map_or(0, |b| b.b)),
            ("r_valid", u64::from(res.is_some())),
            ("r_kind", res.map_or(0, |b| b.kind)),
            ("r_stage", res.map_or(0, |b| b.stage)),
            ("r_data", res.map_or(0, |b| b.a)),
        ];
        for (port, value) in ins {
            sim.poke_u64(port, value).unwrap();
        }
        sim.eval();
        let o = |sim: &Simulator, p: &str| sim.peek_u64(p).unwrap();
        let addr = o(&sim, "cfg_addr");
        if o(&sim, "cfg_we") == 1 {
            regs.insert(addr, o(&sim, "cfg_wdata"));
        }
        prev_addr = addr;
        if o(&sim, "w_valid") == 1 && w_ready {
            got_w.push(o(&sim, "w_data"));
        }
        if o(&sim, "s_valid") == 1 && s_ready {
            got_s.push(o(&sim, "s_data"));
        }
        if o(&sim, "req_ready") == 1 {
            assert!(req.is_some(), "cycle {cycle}: req_ready without a request");
            let k = pending.iter().position(|b| b.request).unwrap();
            pending.remove(k);
        }
        if o(&sim, "r_ready") == 1 {
            assert!(res.is_some(), "cycle {cycle}: r_ready without a result");
            let k = pending.iter().position(|b| !b.request).unwrap();
            pending.remove(k);
        }
        sim.step();
        tx_line.push(o(&sim, "tx") == 1);
    }
    assert!(pending.is_empty(), "beats never taken");

    // The register bus and the streams.
    assert_eq!(regs.get(&0x004), Some(&0xdead_beef));
    assert_eq!(regs.get(&0x1a0), Some(&0x1234_5678));
    let mut want_w = words.clone();
    want_w.push(0x1111);
    assert_eq!(got_w, want_w, "weight words (the overrun one dropped)");
    assert_eq!(got_s, spikes, "spike words");

    // The messages on `tx`, by kind and in order.
    let bytes = bytes_of(&tx_line);
    let (mut replies, mut requests, mut results, mut errors) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let n = match bytes[i] {
            op::READ_DATA => 4,
            op::REQUEST | op::RESULT => 6,
            op::ERROR => 2,
            other => panic!("unknown message {other:#04x} at byte {i} of {bytes:02x?}"),
        };
        let body = &bytes[i + 1..i + 1 + n];
        let val = |a: usize, b: usize| {
            body[a..b]
                .iter()
                .rev()
                .fold(0u64, |v, &x| v << 8 | u64::from(x))
        };
        match bytes[i] {
            op::READ_DATA => replies.push(val(0, 4)),
            op::REQUEST => requests.push((val(0, 1), val(1, 2), val(2, 4), val(4, 6))),
            op::RESULT => results.push((val(0, 1), val(1, 2), val(2, 6))),
            _ => errors.push((body[0], body[1])),
        }
        i += 1 + n;
    }
    assert_eq!(replies, vec![0xdead_beef, 0x1234_5678, 0]);
    assert_eq!(requests, vec![(0, 3, 0, 0), (1, 0, 0x0102, 0x0003)]);
    assert_eq!(results, vec![(1, 7, 0xcafe_f00d), (2, 255, 0x0004_0007)]);
    assert_eq!(
        errors,
        vec![(op::UNKNOWN_OPCODE, 0x99), (op::OVERRUN, op::WEIGHTS)]
    );
}

#[test]
fn the_board_core_starts_the_accelerator_and_reads_its_status_over_the_uart() {
    use spikeforge_generators::accel::params::small_params;
    use spikeforge_generators::board::core::board_core;
    let module = board_core(&small_params("sf_board_1x2"), CPB);
    let (mut sim, _emitted) = verilated(&module, "sf-board-core-");
    sim.reset(2);
    // STATUS (0x001) read while idle; a one-stage run configured (NUM_STAGES 0x004,
    // TIMESTEPS 0x005, TICK_BATCH 0x006, NUM_CLASSES 0x00A) and started (CTRL 0x000 bit 0):
    // STATUS then reads busy (its stage descriptor is left empty, so the run stays in its
    // STAGE phase: no request comes); an unknown opcode is reported.
    let mut rx = line_of(&[], 4);
    let write = |addr: u64, data: u64| [vec![op::WRITE], le(addr, 2), le(data, 4)].concat();
    for msg in [
        [vec![op::READ], le(0x001, 2)].concat(),
        write(0x004, 1),
        write(0x005, 1),
        write(0x006, 1),
        write(0x00a, 2),
        write(0x000, 1),
        [vec![op::READ], le(0x001, 2)].concat(),
        vec![0x42],
    ] {
        rx.extend(line_of(&msg, 70));
    }
    let mut tx = vec![true];
    for &level in &rx {
        sim.poke_u64("rx", u64::from(level)).unwrap();
        sim.step();
        tx.push(sim.peek_u64("tx").unwrap() == 1);
    }
    let bytes = bytes_of(&tx);
    let want: Vec<u8> = [[op::READ_DATA, 0, 0, 0, 0], [op::READ_DATA, 1, 0, 0, 0]].concat();
    assert_eq!(
        &bytes[..10],
        &want[..],
        "STATUS idle, then busy: {bytes:02x?}"
    );
    assert_eq!(
        &bytes[10..],
        &[op::ERROR, op::UNKNOWN_OPCODE, 0x42],
        "{bytes:02x?}"
    );
}
