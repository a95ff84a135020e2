//! Throughput and memory benchmark (issue point 8). Not a timed test: it prints figures.
//!
//! 1. Synaptic events per second on ONE core: the event-driven inner loop
//!    (`SynapseTable::accumulate`) on each VGG9 conv shape (DESIGN.md §6) with random input
//!    spikes at 15% density, T = 5. An event = one active input spike reaching one synapse.
//! 2. A whole VGG16 (ImageNet 224×224 shapes) inference at T = 8 with `GoldenModel::run`,
//!    single-threaded, reporting time, events/s and peak memory (VmHWM of /proc/self/status).
//!
//! Run: `cargo bench -p spikeforge-golden --bench throughput` (add `-- --quick` to skip VGG16).

use spikeforge_config::{AcceleratorConfig, Input, LayerKind, LayerShape, Network, SplitMix64};
use spikeforge_golden::synapse::SynapseTable;
use spikeforge_golden::GoldenModel;
use std::path::Path;
use std::time::Instant;

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn conv(c: u32, k: u32, hw: u32) -> LayerShape {
    LayerShape {
        kind: LayerKind::Conv2d,
        in_channels: c,
        in_height: hw,
        in_width: hw,
        out_channels: k,
        out_height: hw,
        out_width: hw,
        kernel: 3,
        stride: 1,
        padding: 1,
        pool: 1,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // VGG9 conv shapes: in-channels, out-channels, input size (conv runs at the input size,
    // pooling follows where the output size halves).
    let shapes = [
        (3, 64, 32),
        (64, 64, 32),
        (64, 128, 16),
        (128, 128, 16),
        (128, 256, 8),
        (256, 256, 8),
        (256, 256, 8),
    ];
    let timesteps = 5;
    let density = 0.15;
    let mut rng = SplitMix64::new(42);
    let mut total_events = 0u64;
    let mut total_time = 0.0f64;
    println!("VGG9 conv shapes, input density {density}, T = {timesteps}, one core:");
    for (c, k, hw) in shapes {
        let s = conv(c, k, hw);
        let weights: Vec<i32> = (0..s.weight_count())
            .map(|_| (rng.next_u64() % 15) as i32 - 7)
            .collect();
        let table = SynapseTable::new(s, &weights);
        let limit = (density * (1u64 << 53) as f64) as u64;
        let spikes: Vec<Vec<u32>> = (0..timesteps)
            .map(|_| {
                (0..s.inputs() as u32)
                    .filter(|_| (rng.next_u64() >> 11) < limit)
                    .collect()
            })
            .collect();
        let mut acc = vec![0i32; s.outputs() as usize];
        // Warm up, then repeat until at least 0.3 s has passed.
        table.accumulate(&spikes[0], &mut acc);
        let start = Instant::now();
        let mut events = 0u64;
        let mut reps = 0;
        while start.elapsed().as_secs_f64() < 0.3 || reps == 0 {
            for sp in &spikes {
                acc.iter_mut().for_each(|a| *a = 0);
                events += table.accumulate(sp, &mut acc);
            }
            reps += 1;
        }
        let dt = start.elapsed().as_secs_f64();
        std::hint::black_box(&acc);
        total_events += events;
        total_time += dt;
        println!(
            "  conv {c:>3}->{k:>3} @{hw:>2}x{hw:<2}: {:>8.3} G events/s ({events} events in {dt:.3} s)",
            events as f64 / dt / 1e9
        );
    }
    println!(
        "  all VGG9 conv shapes: {:.3} G synaptic events/s per core",
        total_events as f64 / total_time / 1e9
    );

    if quick {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let net =
        Network::load(root.join("vgg16-imagenet.toml")).expect("examples/vgg16-imagenet.toml");
    let accel =
        AcceleratorConfig::load(root.join("accel-large.toml")).expect("examples/accel-large.toml");
    let input = Input::random(density, 7);
    let start = Instant::now();
    let o = GoldenModel::run(&net, &input, &accel).expect("VGG16 run");
    let dt = start.elapsed().as_secs_f64();
    let events = o.counts.total.performed_acc;
    println!(
        "VGG16 ImageNet shapes, T = {}, B = {}, input density {density}: {:.2} s, {events} synaptic events, \
         {:.3} G events/s (one core, whole model incl. LIF, pooling, counts)",
        net.timesteps,
        accel.schedule.tick_batch,
        dt,
        events as f64 / dt / 1e9
    );
    for (i, sc) in o.spike_counts.iter().enumerate() {
        let s = net.shapes()[i];
        let mean = sc.iter().sum::<u64>() as f64 / (sc.len() as f64 * s.pooled_outputs() as f64);
        print!(
            "{}{:.3}",
            if i == 0 {
                "  output spike density per layer: "
            } else {
                ", "
            },
            mean
        );
    }
    println!();
    match vm_hwm_kib() {
        Some(kib) => println!("  peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("  peak memory: /proc/self/status not available"),
    }
}
