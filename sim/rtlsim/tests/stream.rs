//! `Simulator::stream`: buffered valid/ready streams driven inside the shim give exactly what
//! a per-cycle driver in Rust (poke, peek, step) gives on the same design — the same beats
//! taken in the same cycles, the same stop before a watched output's cycle — and it stops
//! where it says (last beat, cycle budget, watch).

use num_bigint::BigUint;
use spikeforge_rtlsim::{
    build, BuildOptions, DesignSources, Feed, RtlSimError, Simulator, StreamChannel,
};

/// Two valid/ready sinks with pseudo-random ready patterns: a 70-bit channel `a` and an 8-bit
/// channel `b`. Each folds its beats into an order-sensitive checksum and counts them; `stop`
/// is high while the beats taken in all reach `stop_at`.
const SINK: &str = r#"
module sink (
    input  wire        clk,
    input  wire        rst,
    input  wire        a_valid,
    input  wire [69:0] a_data,
    output wire        a_ready,
    input  wire        b_valid,
    input  wire [7:0]  b_data,
    output wire        b_ready,
    input  wire [15:0] stop_at,
    output reg  [69:0] a_sum,
    output reg  [15:0] a_count,
    output reg  [15:0] b_sum,
    output reg  [15:0] b_count,
    output wire        stop
);
    reg [4:0] lfsr;
    always @(posedge clk) begin
        if (rst) lfsr <= 5'h1f;
        else lfsr <= {lfsr[3:0], lfsr[4] ^ lfsr[2]};
    end
    assign a_ready = lfsr[0];
    // Depends on b_valid combinationally: the shim must settle its pokes before sampling.
    assign b_ready = (lfsr[1] | lfsr[3]) && b_valid;
    always @(posedge clk) begin
        if (rst) begin
            a_sum <= 70'd0;
            a_count <= 16'd0;
        end else if (a_valid && a_ready) begin
            a_sum <= {a_sum[68:0], a_sum[69]} ^ a_data;
            a_count <= a_count + 16'd1;
        end
    end
    always @(posedge clk) begin
        if (rst) begin
            b_sum <= 16'd0;
            b_count <= 16'd0;
        end else if (b_valid && b_ready) begin
            b_sum <= {b_sum[14:0], b_sum[15]} ^ {8'd0, b_data};
            b_count <= b_count + 16'd1;
        end
    end
    assign stop = (a_count + b_count) == stop_at;
endmodule
"#;

fn sink() -> DesignSources {
    DesignSources::single("sink", SINK)
}

/// The observable state after a run: (a_sum, a_count, b_sum, b_count, cycle).
fn state(sim: &Simulator) -> (BigUint, u64, u64, u64, u64) {
    (
        sim.peek("a_sum").unwrap(),
        sim.peek_u64("a_count").unwrap(),
        sim.peek_u64("b_sum").unwrap(),
        sim.peek_u64("b_count").unwrap(),
        sim.cycle(),
    )
}

fn a_words(n: u64) -> Vec<BigUint> {
    (0..n)
        .map(|i| {
            (BigUint::from(0x2d_5a5a_5a5a_5a5a_5a5au128 + i as u128 * 0x1_0000_0001)) >> (i % 7)
        })
        .collect()
}

fn b_words(n: u64) -> Vec<BigUint> {
    (0..n).map(|i| BigUint::from((i * 37 + 11) % 256)).collect()
}

/// The per-cycle driver in Rust: until `stop` reads 1 at the start of a cycle (or `max`
/// cycles), offer the next beat of each channel, take it where ready, step.
fn reference(
    a: &[BigUint],
    b: &[BigUint],
    stop_at: u64,
    max: u64,
) -> (BigUint, u64, u64, u64, u64) {
    let mut sim = build(&sink(), &BuildOptions::default()).unwrap();
    sim.reset(2);
    sim.poke_u64("stop_at", stop_at).unwrap();
    let (mut ai, mut bi) = (0usize, 0usize);
    for _ in 0..max {
        sim.poke_u64("a_valid", (ai < a.len()) as u64).unwrap();
        if ai < a.len() {
            sim.poke("a_data", &a[ai]).unwrap();
        }
        sim.poke_u64("b_valid", (bi < b.len()) as u64).unwrap();
        if bi < b.len() {
            sim.poke("b_data", &b[bi]).unwrap();
        }
        if sim.peek_u64("stop").unwrap() == 1 {
            break;
        }
        let a_fire = ai < a.len() && sim.peek_u64("a_ready").unwrap() == 1;
        let b_fire = bi < b.len() && sim.peek_u64("b_ready").unwrap() == 1;
        sim.step();
        ai += a_fire as usize;
        bi += b_fire as usize;
    }
    state(&sim)
}

/// A fresh sink after two reset cycles with `stop_at` set, its two channels, and `a`, `b`
/// packed for them.
fn setup(
    a: &[BigUint],
    b: &[BigUint],
    stop_at: u64,
) -> (Simulator, StreamChannel, StreamChannel, Vec<u32>, Vec<u32>) {
    let mut sim = build(&sink(), &BuildOptions::default()).unwrap();
    let ca = StreamChannel::new(&sim, "a_valid", "a_data", "a_ready").unwrap();
    let cb = StreamChannel::new(&sim, "b_valid", "b_data", "b_ready").unwrap();
    let (pa, pb) = (pack(&ca, a), pack(&cb, b));
    sim.reset(2);
    sim.poke_u64("stop_at", stop_at).unwrap();
    (sim, ca, cb, pa, pb)
}

/// The two channels' work for one `Simulator::stream` call.
fn feeds<'a>(
    ca: &'a mut StreamChannel,
    pa: &'a [u32],
    na: u64,
    cb: &'a mut StreamChannel,
    pb: &'a [u32],
    nb: u64,
) -> [Feed<'a>; 2] {
    [
        Feed {
            channel: ca,
            beats: pa,
            next: na,
        },
        Feed {
            channel: cb,
            beats: pb,
            next: nb,
        },
    ]
}

fn pack(c: &StreamChannel, words: &[BigUint]) -> Vec<u32> {
    let mut out = Vec::new();
    for w in words {
        c.pack(w, &mut out).unwrap();
    }
    out
}

#[test]
fn streamed_beats_equal_a_per_cycle_driver() {
    let (a, b) = (a_words(40), b_words(25));
    let (mut sim, mut ca, mut cb, pa, pb) = setup(&a, &b, 0xffff);
    assert_eq!((ca.words_per_beat(), cb.words_per_beat()), (3, 1));
    let stop = sim.port("stop").unwrap();
    let (mut na, mut nb) = (0u64, 0u64);
    let mut calls = 0;
    // Run until both streams are spent; each call returns when one of them takes its last beat.
    while na < 40 || nb < 25 {
        let mut feeds = feeds(&mut ca, &pa, na, &mut cb, &pb, nb);
        let ran = sim.stream(&mut feeds, &[stop], 10_000);
        assert!(ran > 0);
        (na, nb) = (feeds[0].next, feeds[1].next);
        calls += 1;
    }
    assert_eq!(calls, 2, "one return per drained channel");
    sim.check().unwrap();
    let got = state(&sim);
    assert_eq!((got.1, got.3), (40, 25));
    // The per-cycle driver, run for exactly as many cycles, took the same beats at the same times.
    let want = reference(&a, &b, 0xffff, got.4 - 2);
    assert_eq!(got, want);
}

#[test]
fn stream_stops_before_the_edge_of_a_watched_cycle() {
    let (a, b) = (a_words(30), b_words(30));
    let (mut sim, mut ca, mut cb, pa, pb) = setup(&a, &b, 23);
    let stop = sim.port("stop").unwrap();
    let mut feeds = feeds(&mut ca, &pa, 0, &mut cb, &pb, 0);
    let ran = sim.stream(&mut feeds, &[stop], 10_000);
    assert_eq!(
        feeds[0].next + feeds[1].next,
        23,
        "stopped at the watched cycle"
    );
    assert_eq!(sim.peek_u64("stop").unwrap(), 1);
    assert_eq!(ran, sim.cycle() - 2);
    // Called again while the watched port is high: no cycle runs.
    assert_eq!(sim.stream(&mut feeds, &[stop], 10_000), 0);
    assert_eq!(state(&sim), reference(&a, &b, 23, 10_000));
}

#[test]
fn stream_keeps_to_its_cycle_budget_and_idles_without_beats() {
    let a = a_words(50);
    let (mut sim, mut ca, mut cb, pa, _) = setup(&a, &[], 0xffff);
    let mut feeds = feeds(&mut ca, &pa, 0, &mut cb, &[], 0);
    assert_eq!(sim.stream(&mut feeds, &[], 17), 17);
    assert_eq!(sim.cycle(), 19);
    assert!(feeds[0].next > 0 && feeds[0].next < 17);
    assert_eq!(
        sim.peek_u64("b_valid").unwrap(),
        0,
        "an empty buffer keeps valid low"
    );
    assert_eq!(sim.peek_u64("b_count").unwrap(), 0);
    assert_eq!(sim.peek_u64("a_count").unwrap(), feeds[0].next);
}

#[test]
fn stream_channel_errors_name_the_port() {
    let sim = build(&sink(), &BuildOptions::default()).unwrap();
    let err = StreamChannel::new(&sim, "a_data", "a_data", "a_ready").unwrap_err();
    assert!(err.to_string().contains("`a_data`") && err.to_string().contains("one-bit input"));
    let err = StreamChannel::new(&sim, "a_valid", "a_sum", "a_ready").unwrap_err();
    assert!(err.to_string().contains("`a_sum`") && err.to_string().contains("must be an input"));
    let err = StreamChannel::new(&sim, "a_valid", "a_data", "b_valid").unwrap_err();
    assert!(err.to_string().contains("`b_valid`") && err.to_string().contains("one-bit output"));
    assert!(matches!(
        StreamChannel::new(&sim, "a_valid", "nope", "a_ready"),
        Err(RtlSimError::UnknownPort { .. })
    ));
    let c = StreamChannel::new(&sim, "b_valid", "b_data", "b_ready").unwrap();
    let mut out = Vec::new();
    let err = c.pack(&BigUint::from(256u32), &mut out).unwrap_err();
    assert!(
        matches!(err, RtlSimError::ValueTooWide { ref port, width: 8, .. } if port == "b_data")
    );
    assert!(out.is_empty(), "nothing appended on error");
}

#[test]
fn a_new_buffer_and_a_forgotten_poke_are_written_again() {
    // Two buffers sent one after the other on the same channel, the second starting at beat 0
    // again with other data, except that its first beat repeats the last beat of the first;
    // in between, a hand-made poke of the data port followed by `forget`. The sink must see
    // exactly the beats of both buffers, as a per-cycle driver sending their concatenation
    // does (without `forget`, the repeated beat would not be written over the poked value).
    let a = a_words(12);
    let first = &a[..5];
    let second: Vec<BigUint> = std::iter::once(a[4].clone())
        .chain(a[5..].iter().cloned())
        .collect();
    let (mut sim, mut ca, mut cb, p1, _) = setup(first, &[], 0xffff);
    let p2 = pack(&ca, &second);
    let mut send = |sim: &mut Simulator, ca: &mut StreamChannel, beats: &[u32]| {
        let mut next = 0;
        while next < (beats.len() / 3) as u64 {
            let mut feeds = feeds(&mut *ca, beats, next, &mut cb, &[], 0);
            sim.stream(&mut feeds, &[], 10_000);
            next = feeds[0].next;
        }
    };
    send(&mut sim, &mut ca, &p1);
    sim.poke("a_data", &BigUint::from(0x3f_ffff_ffffu64))
        .unwrap();
    ca.forget();
    send(&mut sim, &mut ca, &p2);
    assert_eq!(sim.peek_u64("a_count").unwrap(), 13);
    let all: Vec<BigUint> = first.iter().chain(&second).cloned().collect();
    let want = reference(&all, &[], 0xffff, sim.cycle() - 2);
    assert_eq!(want.1, 13);
    assert_eq!(
        state(&sim).0,
        want.0,
        "the checksum of all thirteen beats in order"
    );
}
