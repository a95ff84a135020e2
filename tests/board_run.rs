//! One driver, three transports (issue 12): a network runs end to end through the simulated
//! board — the board core (the small 1×2 accelerator behind its UART host bridge) in Verilator,
//! every host byte sent as UART bits on `rx` and every board byte decoded from `tx` — and its
//! spikes (the trace beats), logits, exit timestep, prediction and all 25 counters must equal
//! the golden model's, and the port-level transport's. The same driver then runs over a serial
//! port: a pseudo-terminal with the simulated board behind it. A board that does not answer
//! (held in reset; a pseudo-terminal with nobody behind it) is an error naming the last
//! command, within the limit. And `spikeforge run --sim` on files.

use spikeforge_config::{Format, Input, Network};
use spikeforge_cosim::board::{SimBoard, SimBoardTransport};
use spikeforge_cosim::link::{ByteLink, LinkTransport};
use spikeforge_cosim::serial::serial_transport;
use spikeforge_cosim::{compare, drive, golden, host, params_for, CosimError, Design, Program};
use spikeforge_generators::accel::params::{small_config, AccelParams};
use spikeforge_rtlsim::BuildOptions;
use std::time::{Duration, Instant};

/// Clock cycles per UART bit of the simulated board.
const CPB: u32 = 4;

/// examples/network-board.toml: a conv layer (2×4×4 input, 3×3 kernel, padding 1, 4 channels:
/// two column tiles on the 1×2 array) and a 3-class classifier — two stages, with the small
/// board's LIF options.
const NET: &str = include_str!("../examples/network-board.toml");

fn net() -> Network {
    Network::parse(NET, Format::Toml, "board_tiny.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn hardware(net: &Network) -> (spikeforge_config::AcceleratorConfig, AccelParams) {
    let accel = small_config("sf_board_run");
    let hw = params_for(&accel, net);
    (accel, hw)
}

fn sim_board(hw: &AccelParams, limit_cycles: u64) -> SimBoardTransport {
    let sim = SimBoard::build(hw, CPB, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let board = SimBoard::new(sim, CPB, limit_cycles).unwrap_or_else(|e| panic!("{e}"));
    LinkTransport::new(board, hw.cols, hw.weight_bits)
}

#[test]
fn a_network_runs_through_the_simulated_board_as_the_golden_model_says() {
    let t_all = Instant::now();
    let n = net();
    let (accel, hw) = hardware(&n);
    let mut board = sim_board(&hw, 200_000);
    let t_built = t_all.elapsed();
    // The port-level transport on the accelerator top of the same parameters.
    let design = Design::generate(&hw).unwrap_or_else(|e| panic!("{e}"));
    let mut top = design
        .build(&BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut exits = Vec::new();
    // Inputs on the same board, one after the other (the board is not reset between runs):
    // all T = 4 timesteps in two windows (predictions 2 and 1), then DT-SNN exits after the
    // first window (t = 2) and inside the second (t = 3).
    let mut predictions = Vec::new();
    for (weight_seed, threshold, seed) in [(11, 0.0, 1), (11, 0.0, 2), (11, 0.01, 2), (8, 0.01, 1)]
    {
        let text = NET
            .replace("weight_seed = 11", &format!("weight_seed = {weight_seed}"))
            .replace(
                "entropy_threshold = 0.0",
                &format!("entropy_threshold = {threshold}"),
            );
        let n = Network::parse(&text, Format::Toml, "board_tiny.toml").unwrap();
        let input = Input::random(0.4, seed);
        let prog = Program::compile(&n, &hw)
            .unwrap()
            .with_tick_batch(accel.schedule.tick_batch)
            .unwrap();
        let gold = golden(&accel, &n, &input).unwrap();
        let spikes = spikeforge_golden::encode::input_spikes(&n, &input);
        let t0 = Instant::now();
        let cycles0 = board.link().cycles();
        let rtl = drive(&mut board, &prog, &spikes).unwrap_or_else(|e| panic!("{e}"));
        let board_s = t0.elapsed().as_secs_f64();
        let board_cycles = board.link().cycles() - cycles0;
        // Spikes of every traced timestep, logits, exit and prediction (final beat and
        // registers) and all counters, as `cosim` compares them.
        compare(&rtl, &gold, &n).unwrap_or_else(|m| panic!("seed {seed}: {m}"));
        assert!(!rtl.spikes[0].is_empty(), "no trace");
        assert_eq!(rtl.prediction, gold.prediction, "prediction");
        assert_eq!(rtl.exit_t, gold.exit_t, "exit timestep");
        assert_eq!(
            rtl.logits,
            gold.logits[..gold.exit_t as usize].to_vec(),
            "logits"
        );
        let g = spikeforge_cosim::compare::golden_counters(&gold.counts, n.layers.len());
        assert_eq!(rtl.counters.values, g, "counters");
        assert!(rtl.counters.values[0] > 0 && rtl.words_streamed > 0);
        assert_eq!(rtl.status & 1, 0, "STATUS busy after the run");
        // The same driver at the ports: the same results.
        let port = host::run(&mut top, &prog, &spikes, &Default::default()).unwrap();
        assert_eq!(port.spikes, rtl.spikes);
        assert_eq!(port.logits, rtl.logits);
        assert_eq!(port.counters, rtl.counters);
        assert_eq!(port.words_streamed, rtl.words_streamed);
        eprintln!(
            "weights {weight_seed}, θ {threshold}, seed {seed}: exit {} prediction {}, {} words streamed, {board_cycles} board cycles in {board_s:.2} s",
            rtl.exit_t, rtl.prediction, rtl.words_streamed
        );
        exits.push(rtl.exit_t);
        predictions.push(rtl.prediction);
    }
    assert_eq!(exits, [4, 4, 2, 3], "exit timesteps");
    assert_eq!(&predictions[..2], [2, 1], "predictions");
    eprintln!(
        "simulated board built (or loaded) in {:.1} s; test {:.1} s",
        t_built.as_secs_f64(),
        t_all.elapsed().as_secs_f64()
    );
}

#[test]
fn a_board_held_in_reset_is_an_error_naming_the_last_command() {
    let n = net();
    let (accel, hw) = hardware(&n);
    let prog = Program::compile(&n, &hw)
        .unwrap()
        .with_tick_batch(accel.schedule.tick_batch)
        .unwrap();
    let mut board = sim_board(&hw, 5_000);
    board.link_mut().sim_mut().poke_u64("rst", 1).unwrap();
    let spikes = spikeforge_golden::encode::input_spikes(&n, &Input::random(0.4, 1));
    let before = board.link().cycles();
    let e = drive(&mut board, &prog, &spikes).unwrap_err();
    let waited = board.link().cycles() - before;
    assert!(matches!(e, CosimError::NoAnswer { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "no answer to 'R' 0x001 within 5000 board clock cycles (4 clock cycles per bit)"
    );
    // The read's 3 bytes (30 bit times), then the limit.
    assert_eq!(waited, 30 * u64::from(CPB) + 5_000, "cycles waited");
}

/// A pseudo-terminal: the master side (kept open) and the path of the slave side.
fn pty() -> (rustix::fd::OwnedFd, std::path::PathBuf) {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("openpt");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    (master, std::path::PathBuf::from(name.to_str().unwrap()))
}

#[test]
fn a_serial_port_with_nobody_behind_it_is_an_error_within_the_timeout() {
    let n = net();
    let (accel, hw) = hardware(&n);
    let prog = Program::compile(&n, &hw)
        .unwrap()
        .with_tick_batch(accel.schedule.tick_batch)
        .unwrap();
    let (_master, path) = pty();
    let timeout = Duration::from_millis(300);
    let mut t = serial_transport(&path, 115_200, timeout, hw.cols, hw.weight_bits).unwrap();
    let spikes = spikeforge_golden::encode::input_spikes(&n, &Input::random(0.4, 1));
    let t0 = Instant::now();
    let e = drive(&mut t, &prog, &spikes).unwrap_err();
    let waited = t0.elapsed();
    assert_eq!(e.to_string(), "no answer to 'R' 0x001 within 0.3 s");
    assert!(
        waited >= timeout && waited < Duration::from_secs(3),
        "waited {waited:?}"
    );
    // A path that is not a terminal is refused by name.
    let e = serial_transport(
        std::path::Path::new("/dev/null"),
        115_200,
        timeout,
        hw.cols,
        hw.weight_bits,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.starts_with("serial port /dev/null: is not a terminal"),
        "{e}"
    );
}

/// The serial transport end to end: the simulated board behind a pseudo-terminal, its bytes
/// shuttled by a thread (host bytes from the master side onto the board's `rx`, bytes decoded
/// from its `tx` back to the master side).
#[test]
fn the_serial_transport_runs_a_network_on_the_simulated_board_behind_a_pty() {
    let n = net();
    let (accel, hw) = hardware(&n);
    let prog = Program::compile(&n, &hw)
        .unwrap()
        .with_tick_batch(accel.schedule.tick_batch)
        .unwrap();
    let (master, path) = pty();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let board_hw = hw.clone();
    let stop_board = stop.clone();
    let shuttle = std::thread::spawn(move || {
        use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
        let sim = SimBoard::build(&board_hw, CPB, &BuildOptions::default()).unwrap();
        let mut board = SimBoard::new(sim, CPB, 1).unwrap();
        let flags = fcntl_getfl(&master).unwrap();
        fcntl_setfl(&master, flags | OFlags::NONBLOCK).unwrap();
        let mut buf = [0u8; 4096];
        while !stop_board.load(std::sync::atomic::Ordering::Relaxed) {
            match rustix::io::read(&master, &mut buf) {
                Ok(k) if k > 0 => board.send(&buf[..k]).unwrap(),
                _ => {}
            }
            board.run_cycles(2_000).unwrap();
            let out = board.take_received();
            let mut rest = &out[..];
            while !rest.is_empty() {
                match rustix::io::write(&master, rest) {
                    Ok(k) => rest = &rest[k..],
                    Err(rustix::io::Errno::AGAIN) => std::thread::yield_now(),
                    Err(e) => panic!("pty write: {e}"),
                }
            }
        }
    });
    // Opening the slave side before the board is built is fine: the driver's first read
    // waits up to the timeout (building from the cache takes well under it).
    let mut t = serial_transport(
        &path,
        115_200,
        Duration::from_secs(60),
        hw.cols,
        hw.weight_bits,
    )
    .unwrap();
    let input = Input::random(0.4, 5);
    let gold = golden(&accel, &n, &input).unwrap();
    let spikes = spikeforge_golden::encode::input_spikes(&n, &input);
    let rtl = drive(&mut t, &prog, &spikes);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    shuttle.join().unwrap();
    let rtl = rtl.unwrap_or_else(|e| panic!("{e}"));
    compare(&rtl, &gold, &n).unwrap_or_else(|m| panic!("{m}"));
}

#[test]
fn spikeforge_run_sim_prints_the_result_and_agrees_with_the_golden_model() {
    // The example files: the boards' built-in configurations (the HX8K Breakout's with the
    // performance counters, the iCEBreaker's without), the network of this test and a
    // rate-encoded input.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let network = root.join("network-board.toml");
    let input = root.join("input-board.toml");
    let mut predictions = Vec::new();
    for (board, counters) in [("hx8k-breakout", true), ("icebreaker", false)] {
        let board = spikeforge_fpga::Board::by_name(board).unwrap();
        let config = root.join(format!(
            "accel-board-{}.toml",
            board.name.replace("-breakout", "")
        ));
        let example = spikeforge_config::AcceleratorConfig::load(&config).unwrap();
        assert_eq!(example, board.builtin_config(), "{}", config.display());
        assert_eq!(example.rtl.counters, counters);
        let t0 = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_spikeforge"))
            .arg("run")
            .args([&config, &network, &input])
            .arg("--sim")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        check_progress_lines(&stderr, &v);
        let g = &v["golden"];
        assert_eq!(g["matched"], true, "{v}");
        assert_eq!(v["prediction"], g["prediction"]);
        assert_eq!(v["exit_t"], g["exit_t"]);
        assert_eq!(v["reg_prediction"], g["prediction"]);
        assert!(!v["logits"].as_array().unwrap().is_empty());
        let rows = g["counters"].as_array().unwrap();
        if counters {
            assert_eq!(v["counters"].as_object().unwrap().len(), 25);
            assert_eq!(rows.len(), 25);
            for row in rows {
                assert_eq!(row["rtl"], row["golden"], "{row}");
                assert_eq!(v["counters"][row["name"].as_str().unwrap()], row["rtl"]);
            }
        } else {
            // Without counters in the hardware there are none to print or compare.
            assert!(v["counters"].is_null() && rows.is_empty(), "{v}");
        }
        if counters {
            // Progress changes nothing: the library's run without it gives the same result.
            let net = Network::load(&network).unwrap();
            let target = spikeforge_cosim::run::Target::Sim {
                clocks_per_bit: 4,
                max_cycles: None,
                build: BuildOptions::default(),
            };
            let r = spikeforge_cosim::run::run(
                &example,
                &params_for(&example, &net),
                &net,
                &Input::load(&input, &net).unwrap(),
                &target,
                &spikeforge_golden::resources::Budget::default(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            let mut quiet = serde_json::to_value(&r).unwrap();
            let mut shown = v.clone();
            for j in [&mut quiet, &mut shown] {
                j.as_object_mut().unwrap().remove("seconds");
            }
            assert_eq!(shown, quiet);
        }
        predictions.push((v["prediction"].clone(), v["logits"].clone()));
        eprintln!(
            "spikeforge run {} --sim: {:.1} s",
            config.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    assert_eq!(
        predictions[0], predictions[1],
        "the same network on both boards"
    );
    let config = root.join("accel-board-hx8k.toml");

    // A serial port with nobody behind it: the error names the last command and the limit.
    let (_master, pty_path) = pty();
    let t0 = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .arg("run")
        .args([&config, &network, &input])
        .arg("--port")
        .arg(&pty_path)
        .args(["--timeout", "0.3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: no answer to 'R' 0x001 within 0.3 s\n"
    );
    assert!(out.stdout.is_empty());
    assert!(t0.elapsed() < Duration::from_secs(10));

    // Neither --sim nor --port: refused by clap, naming the choice.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spikeforge"))
        .arg("run")
        .args([&config, &network, &input])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--sim") && stderr.contains("--port"),
        "{stderr}"
    );
}

/// `spikeforge run`'s progress when standard error is not a terminal: one plain line for each
/// step before and after the stream, the first request with its timesteps, the words and bytes
/// sent, and the total at the end; the words agree with the report's (and, no exit being
/// early here, with the words planned).
fn check_progress_lines(stderr: &str, report: &serde_json::Value) {
    let lines: Vec<&str> = stderr.lines().collect();
    let find = |prefix: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no progress line `{prefix}…`:\n{stderr}"))
            .to_string()
    };
    for prefix in [
        "run: golden model: 0 of ",
        "run: building the simulated board (Verilator): 0 of ",
        "run: programming the registers: 0 of ",
        // The accelerator asks for the first window's input spikes first.
        "run: input spikes, timesteps 1–2: 0 of ",
    ] {
        find(prefix);
    }
    let words = report["words_streamed"].as_u64().unwrap();
    assert!(words > 0);
    let end = find("run: reading the results: ");
    assert!(
        end.starts_with(&format!(
            "run: reading the results: {words} of {words} words, "
        )),
        "{end}"
    );
    let bytes: u64 = end
        .split(" words, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|b| b.parse().ok())
        .unwrap_or_else(|| panic!("no bytes in `{end}`"));
    // Every word is an opcode and at least one byte.
    assert!(bytes >= 2 * words, "{end}");
    let done = lines.last().copied().unwrap_or("");
    assert!(
        done.starts_with(&format!(
            "run: done: {words} words ({bytes} bytes) sent in "
        )),
        "{stderr}"
    );
    assert!(
        lines.iter().all(|l| l.starts_with("run: ")),
        "only progress lines:\n{stderr}"
    );
}
