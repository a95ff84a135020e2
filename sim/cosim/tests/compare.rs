//! The comparison without RTL: an outcome built from the golden model's own results matches;
//! each kind of difference is reported first-in-time with its coordinates and both values.

use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
use spikeforge_cosim::compare::{compare, golden_counters, Mismatch};
use spikeforge_cosim::{golden, Counters, RtlOutcome};

fn setup() -> (Network, spikeforge_golden::Outcome, RtlOutcome) {
    let text = r#"
name = "c"
timesteps = 4
entropy_threshold = 0.0
weight_seed = 2
[input]
channels = 1
height = 4
width = 4
[[layers]]
kind = "conv2d"
out_channels = 3
kernel = 3
padding = 1
weight_bits = 4
threshold = 3
membrane_bits = 8
[[layers]]
kind = "linear"
out_channels = 5
weight_bits = 4
threshold = 3
membrane_bits = 8
[classifier]
classes = 3
weight_bits = 4
"#;
    let net = Network::parse(text, Format::Toml, "c.toml").unwrap();
    let mut accel = AcceleratorConfig::default();
    accel.schedule.tick_batch = 2;
    let g = golden(&accel, &net, &Input::random(0.5, 3)).unwrap();
    let rtl = RtlOutcome {
        spikes: g.spikes.clone().unwrap(),
        logits: g.logits.clone(),
        exit_t: g.exit_t,
        prediction: g.prediction,
        reg_exit_t: g.exit_t,
        reg_prediction: g.prediction,
        counters: Counters {
            values: golden_counters(&g.counts, net.layers.len()),
        },
        ..Default::default()
    };
    (net, g, rtl)
}

fn toggle(v: &mut Vec<u32>, i: u32) {
    match v.binary_search(&i) {
        Ok(p) => {
            v.remove(p);
        }
        Err(p) => v.insert(p, i),
    }
}

#[test]
fn identical_results_match() {
    let (net, g, rtl) = setup();
    assert_eq!(compare(&rtl, &g, &net), Ok(()));
}

#[test]
fn the_earliest_timestep_is_reported_with_channel_y_x() {
    let (net, g, mut rtl) = setup();
    // Layer 0 is 3×4×4: index 2·16 + 1·4 + 3 = 39 is (channel 2, y 1, x 3).
    toggle(&mut rtl.spikes[0][2], 39);
    toggle(&mut rtl.spikes[1][1], 4);
    let m = compare(&rtl, &g, &net).unwrap_err();
    let golden_has = g.spikes.as_ref().unwrap()[1][1].contains(&4);
    assert_eq!(
        m,
        Mismatch::Spike {
            t: 2,
            layer: 1,
            name: "layer1".into(),
            channel: 4,
            y: 0,
            x: 0,
            rtl: !golden_has,
            golden: golden_has,
            cycles: None,
        }
    );
    toggle(&mut rtl.spikes[1][1], 4);
    let m = compare(&rtl, &g, &net).unwrap_err();
    assert!(
        m.to_string()
            .starts_with("t = 3, layer 0 (layer0), neuron (channel 2, y 1, x 3): RTL spike"),
        "{m}"
    );
}

#[test]
fn missing_trace_logits_exit_prediction_and_counters() {
    let (net, g, rtl) = setup();
    let mut r = rtl.clone();
    r.spikes[1].truncate(1);
    assert_eq!(
        compare(&r, &g, &net).unwrap_err().to_string(),
        "t = 2, layer 1 (layer1): the RTL sent no spike trace for this timestep"
    );
    let mut r = rtl.clone();
    r.logits[1][2] += 1;
    let m = compare(&r, &g, &net).unwrap_err();
    assert_eq!(
        m.to_string(),
        format!(
            "t = 2, logit of class 2: RTL {} but golden {}",
            g.logits[1][2] + 1,
            g.logits[1][2]
        )
    );
    let mut r = rtl.clone();
    r.logits.pop();
    assert!(matches!(
        compare(&r, &g, &net),
        Err(Mismatch::Logit { rtl: None, .. })
    ));
    let mut r = rtl.clone();
    r.reg_prediction ^= 1;
    assert!(matches!(
        compare(&r, &g, &net),
        Err(Mismatch::Prediction {
            source: "EXIT_T/PREDICTION registers",
            ..
        })
    ));
    let mut r = rtl.clone();
    r.exit_t = 1;
    assert!(matches!(
        compare(&r, &g, &net),
        Err(Mismatch::ExitT {
            source: "final beat",
            rtl: 1,
            ..
        })
    ));
    let mut r = rtl.clone();
    r.counters.values[18] += 2;
    let m = compare(&r, &g, &net).unwrap_err();
    assert_eq!(
        m.to_string(),
        format!(
            "counter 18 `membrane_reads`: RTL {} but golden {} (counts.total.membrane_buffer.reads)",
            rtl.counters.values[18] + 2,
            rtl.counters.values[18]
        )
    );
    assert_eq!(
        r.counters.get("membrane_reads"),
        Some(r.counters.values[18])
    );
}

/// The golden model keeps its own list of the RTL's counters (it must not depend on the
/// generators); the two lists must name the same counters in the same register order.
#[test]
fn golden_and_generator_name_the_same_counters_in_order() {
    assert_eq!(
        spikeforge_golden::counts::RTL_COUNTER_NAMES,
        spikeforge_cosim::regmap::COUNTER_NAMES
    );
}
