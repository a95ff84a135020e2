//! Mutated and truncated files never panic the golden model: whatever parses and passes the
//! cross-checks runs; everything else is one error naming the file (issue point 7).

use proptest::prelude::*;
use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
use spikeforge_golden::{model::check_run, GoldenModel};
use std::path::Path;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(name),
    )
    .unwrap()
}

fn integer_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i >= b.len() || !(b[i].is_ascii_alphabetic() || b[i] == b'_' || b[i] == b'.') {
                v.push((s, i));
            }
        } else {
            i += 1;
        }
    }
    v
}

fn mutate(text: &str, which: prop::sample::Index, value: i64) -> String {
    let spans = integer_spans(text);
    let (s, e) = spans[which.index(spans.len())];
    format!("{}{}{}", &text[..s], value, &text[e..])
}

fn run_all(net_text: &str, input_text: &str, accel_text: &str) {
    let Ok(net) = Network::parse(net_text, Format::Toml, "net.toml") else {
        return;
    };
    let Ok(input) = Input::parse(input_text, Format::Toml, "in.toml", &net) else {
        return;
    };
    let Ok(mut accel) = AcceleratorConfig::parse(accel_text, Format::Toml, "acc.toml") else {
        return;
    };
    accel.schedule.tick_batch = accel.schedule.tick_batch.min(net.timesteps);
    match check_run(&net, &accel, "acc.toml") {
        Ok(()) => {
            let o = GoldenModel::run(&net, &input, &accel).expect("checked configuration runs");
            assert!(o.exit_t >= 1 && o.exit_t <= net.timesteps);
            assert_eq!(o.logits.len(), o.exit_t as usize);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_files_never_panic(target in 0usize..3, which in any::<prop::sample::Index>(),
                                 value in prop_oneof![-3i64..300, any::<i64>(), Just(0i64)]) {
        let mut files = [example("network-small.toml"), example("input-small.toml"), example("accel-default.toml")];
        files[target] = mutate(&files[target], which, value);
        run_all(&files[0], &files[1], &files[2]);
    }

    #[test]
    fn truncated_network_never_panics(cut in 0.0f64..1.0) {
        let text = example("network-small.toml");
        let mut at = (text.len() as f64 * cut) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        run_all(&text[..at], &example("input-small.toml"), &example("accel-default.toml"));
    }
}
