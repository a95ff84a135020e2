//! The resource bounds of a run (`resources::run_footprint`), exactly on a small network, and
//! their enforcement by `GoldenModel::run_with` before anything is allocated.

use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
use spikeforge_golden::resources::{run_footprint, Budget, SYNAPTIC};
use spikeforge_golden::{GoldenError, GoldenModel, RunOptions};
use std::path::Path;

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// examples/network-small.toml: 1×6×6 input, T = 4; conv1 (K = 2, 3×3, pad 1, pool 2:
/// 72 outputs, 18 pooled, 18 weights, C#1); fc1 (18 → 4, C#2, 72 weights); classifier
/// (4 → 3, 12 weights). Default accelerator, B = 4.
#[test]
fn footprint_of_the_small_network_follows_the_documented_formulas() {
    let net = Network::load(example("network-small.toml")).unwrap();
    let accel = AcceleratorConfig::default();
    assert_eq!(accel.schedule.tick_batch, 4);
    let f = run_footprint(&net, &accel, false);
    // weights: tables 2·(18 + 72 + 12) + layout copy 4·max(18, 72, 12).
    assert_eq!(f.memory_of("weights"), 2 * (18 + 72 + 12) + 4 * 72);
    // membranes: 4·36·2 (conv1) + 4·1·(4/2) (fc1) + 8·3 logits.
    assert_eq!(f.memory_of("membranes"), 4 * 36 * 2 + 4 * 2 + 8 * 3);
    // window: accumulators 4·B·72, two sets of B spike lists 2·B·(24 + 4·18), conv1's
    // timestep before pooling 4·72, pooling marks 18, the input chunk 4·65536.
    assert_eq!(
        f.memory_of("window spikes and partial sums"),
        4 * 4 * 72 + 2 * 4 * (24 + 4 * 18) + 4 * 72 + 18 + 4 * 65536
    );
    // results: logits T·(24 + 8·3), entropies 12·T, spike counts 8·2·T, entropy
    // temporaries 32·3, counts 1024·3.
    assert_eq!(
        f.memory_of("per-timestep results"),
        4 * (24 + 24) + 12 * 4 + 8 * 2 * 4 + 32 * 3 + 1024 * 3
    );
    assert_eq!(f.memory_of("spike trace"), 0);
    let with_trace = run_footprint(&net, &accel, true);
    // trace: T·(24 + 4·18) (conv1, pooled) + T·(24 + 4·4) (fc1).
    assert_eq!(
        with_trace.memory_of("spike trace"),
        4 * (24 + 72) + 4 * (24 + 16)
    );
    assert_eq!(with_trace.bytes(), f.bytes() + 544);

    // Work: input encoding T·36; weight tables 102; synaptic events T·M·V per stage with
    // V = 16·16 (conv1: 6 positions per axis, 2 + 3·4 + 2 in-bounds kernel rows), 18 (fc1),
    // 4 (classifier); neuron updates T·(72 + 4 + 3).
    let work = |what: &str| {
        f.work
            .iter()
            .find(|p| p.what == what)
            .map(|p| p.amount)
            .unwrap()
    };
    assert_eq!(work("input encoding"), 4 * 36);
    assert_eq!(work("weight tables"), 102);
    assert_eq!(work(SYNAPTIC), 4 * 2 * 256 + 4 * 4 * 18 + 4 * 3 * 4);
    assert_eq!(f.synaptic_ops(), 2384);
    assert_eq!(work("neuron updates"), 4 * (72 + 4 + 3));
    assert_eq!(f.ops(), 144 + 102 + 2384 + 316);

    // The bound on synaptic events holds for a real run with every input at 1.
    let all_on = Input::parse(
        r#"{"encoding": "random", "density": 1.0}"#,
        Format::Json,
        "in.json",
        &net,
    )
    .unwrap();
    let o = GoldenModel::run(&net, &all_on, &accel).unwrap();
    assert!(o.counts.total.performed_acc <= f.synaptic_ops());
    // Stage 0 sees every input at 1 and B = T computes all 4 timesteps: it reaches its bound.
    assert_eq!(o.counts.timesteps_computed, 4);
    assert_eq!(o.counts.stages[0].performed_acc, 4 * 2 * 256);
}

#[test]
fn footprint_does_not_grow_with_t_except_results() {
    let text = |t: u32| {
        format!(
            "timesteps = {t}\nentropy_threshold = 0.0\nweight_seed = 3\ninput = {{ channels = 64, height = 64, width = 64 }}\n\
             [[layers]]\nkind = \"conv2d\"\nout_channels = 8\nkernel = 3\npadding = 1\nweight_bits = 4\nthreshold = 4\n\
             [classifier]\nclasses = 10\nweight_bits = 4\n"
        )
    };
    let mut accel = AcceleratorConfig::default();
    accel.schedule.tick_batch = 2;
    let a = Network::parse(&text(8), Format::Toml, "a.toml").unwrap();
    let b = Network::parse(&text(1024), Format::Toml, "b.toml").unwrap();
    let (fa, fb) = (
        run_footprint(&a, &accel, false),
        run_footprint(&b, &accel, false),
    );
    for part in ["weights", "membranes", "window spikes and partial sums"] {
        assert_eq!(fa.memory_of(part), fb.memory_of(part), "{part}");
    }
    // Only the per-timestep results grow: T·(24 + 8·K + 12 + 8·h) bytes.
    assert_eq!(
        fb.memory_of("per-timestep results") - fa.memory_of("per-timestep results"),
        (1024 - 8) * (24 + 80 + 12 + 8)
    );
    // Work is linear in T (all but the weight tables).
    let per_t = |f: &spikeforge_golden::RunFootprint| f.ops() - f.work[1].amount;
    assert_eq!(per_t(&fb), per_t(&fa) / 8 * 1024);
}

#[test]
fn run_with_refuses_over_budget_before_running() {
    let net = Network::load(example("network-small.toml")).unwrap();
    let input = Input::load(example("input-small.toml"), &net).unwrap();
    let accel = AcceleratorConfig::default();
    let need = run_footprint(&net, &accel, true);
    // Exactly the footprint fits.
    let exact = Budget {
        memory_bytes: need.bytes(),
        ops: need.ops(),
    };
    let opts = |budget| RunOptions {
        trace: true,
        budget,
        ..Default::default()
    };
    GoldenModel::run_with(&net, &input, &accel, &opts(exact)).unwrap();
    // One byte less: refused, naming the figure and the limit.
    let tight = Budget {
        memory_bytes: need.bytes() - 1,
        ..exact
    };
    match GoldenModel::run_with(&net, &input, &accel, &opts(tight)) {
        Err(GoldenError::OverBudget {
            needed,
            limit,
            message,
        }) => {
            assert_eq!((needed, limit), (need.bytes(), need.bytes() - 1));
            assert!(message.starts_with("this run needs ~"), "{message}");
            assert!(message.contains("memory budget"), "{message}");
            assert!(message.contains("--memory-budget-mib"), "{message}");
            assert!(message.contains("spike trace"), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
        other => panic!("expected OverBudget, got {other:?}"),
    }
    // One operation less: refused by the work budget.
    let slow = Budget {
        ops: need.ops() - 1,
        ..exact
    };
    match GoldenModel::run_with(&net, &input, &accel, &opts(slow)) {
        Err(GoldenError::OverBudget {
            needed, message, ..
        }) => {
            assert_eq!(needed, need.ops());
            assert!(message.contains("--work-budget-gops"), "{message}");
            assert!(message.contains("synaptic events"), "{message}");
        }
        other => panic!("expected OverBudget, got {other:?}"),
    }
}

/// Twelve linear layers of 2^28 weights (16384 × 16384): 7 GiB of weights by the formula,
/// refused by the default budget at once (the check reads shapes only).
#[test]
fn twelve_layers_of_2_pow_28_weights_are_refused_up_front() {
    let mut text = String::from(
        "timesteps = 1\nentropy_threshold = 0.0\nweight_seed = 1\ninput = { channels = 16384 }\n",
    );
    for _ in 0..12 {
        text.push_str(
            "[[layers]]\nkind = \"linear\"\nout_features = 16384\nweight_bits = 2\nthreshold = 1\n",
        );
    }
    text.push_str("[classifier]\nclasses = 2\nweight_bits = 2\n");
    let net = Network::parse(&text, Format::Toml, "deep.toml").unwrap();
    let mut accel = AcceleratorConfig::default();
    accel.schedule.tick_batch = 1;
    for b in [
        &mut accel.buffers.weight,
        &mut accel.buffers.input_spike,
        &mut accel.buffers.output_spike,
        &mut accel.buffers.psum,
        &mut accel.buffers.membrane,
    ] {
        b.size_bits = 1 << 30;
    }
    let f = run_footprint(&net, &accel, false);
    assert_eq!(
        f.memory_of("weights"),
        12 * 2 * (1u64 << 28) + 2 * 2 * 16384 + 4 * (1u64 << 28)
    );
    let input = Input::random(0.1, 1);
    let e = GoldenModel::run(&net, &input, &accel).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("~7.0 GiB of memory")
            && msg.contains("weights 7.0 GiB")
            && msg.contains("4.0 GiB memory budget"),
        "{msg}"
    );
}
