//! Both schedules (every tick_batch B) give identical spikes, logits, exit and prediction
//! (issue point 3, DESIGN.md §5): a property test over random networks.

mod common;

use proptest::prelude::*;
use spikeforge_config::{AcceleratorConfig, Input};
use spikeforge_golden::{GoldenModel, RunOptions};

fn big_accel(b: u32) -> AcceleratorConfig {
    let mut a = AcceleratorConfig {
        rows: 4,
        cols: 3,
        ..Default::default()
    };
    a.schedule.tick_batch = b;
    a
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_tick_batch_gives_identical_spikes(
        seed in any::<u64>(), t in 1u32..7, density in 0.05f64..0.9, theta in prop_oneof![Just(0.0), 0.0f64..1.0]
    ) {
        let net = common::random_network(seed, t, theta);
        let input = Input::random(density, seed.rotate_left(17));
        let opts = RunOptions { trace: true, ..Default::default() };
        let base = GoldenModel::run_with(&net, &input, &big_accel(1), &opts).unwrap();
        for b in 2..=t {
            let o = GoldenModel::run_with(&net, &input, &big_accel(b), &opts).unwrap();
            prop_assert_eq!(&o.spikes, &base.spikes, "B = {}", b);
            prop_assert_eq!(&o.logits, &base.logits);
            prop_assert_eq!(o.exit_t, base.exit_t);
            prop_assert_eq!(o.prediction, base.prediction);
            prop_assert_eq!(&o.entropy_q16, &base.entropy_q16);
            // Only the traffic differs: weights are loaded once per window.
            let w = o.counts.windows as u64;
            prop_assert_eq!(o.counts.total.weight_buffer.reads,
                w * net.shapes().iter().map(|s| s.weight_count()).sum::<u64>());
            prop_assert!(o.counts.timesteps_computed >= base.counts.timesteps_computed);
            prop_assert!(o.counts.total.weight_buffer.reads <= base.counts.total.weight_buffer.reads);
        }
    }
}

#[test]
fn early_exit_inside_a_window_is_counted_but_not_reported() {
    // θ_H = 1.0 exits after the first timestep (H < 1 unless all logits are equal).
    for seed in 0..40u64 {
        let net = common::random_network(seed, 6, 1.0);
        let input = Input::random(0.5, seed);
        let o1 = GoldenModel::run(&net, &input, &big_accel(1)).unwrap();
        let o6 = GoldenModel::run(&net, &input, &big_accel(6)).unwrap();
        assert_eq!(o1.exit_t, o6.exit_t);
        assert_eq!(o1.logits, o6.logits);
        assert_eq!(o1.counts.entropy_evaluations, o6.counts.entropy_evaluations);
        if o1.exit_t < 6 {
            assert_eq!(o6.counts.timesteps_computed, 6);
            assert_eq!(o1.counts.timesteps_computed, o1.exit_t);
            assert!(o6.counts.total.lif_steps > o1.counts.total.lif_steps);
        }
    }
}
