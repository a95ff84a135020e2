//! Random and truncated files never panic: they parse, or they fail with one error naming
//! the file (issue point 7).

use proptest::prelude::*;
use spikeforge_config::{AcceleratorConfig, Format, Input, Network};
use std::path::Path;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples")
            .join(name),
    )
    .unwrap()
}

fn small_net() -> Network {
    Network::parse(&example("network-small.toml"), Format::Toml, "n.toml").unwrap()
}

/// Parses `text` as every kind of file in both formats; errors must name the file.
fn parse_all(text: &str) {
    let net = small_net();
    for format in [Format::Toml, Format::Json] {
        if let Err(e) = Network::parse(text, format, "f.x") {
            assert_eq!(e.file, "f.x");
            assert!(!e.message.is_empty());
        }
        if let Err(e) = Input::parse(text, format, "f.x", &net) {
            assert_eq!(e.file, "f.x");
        }
        if let Err(e) = AcceleratorConfig::parse(text, format, "f.x") {
            assert_eq!(e.file, "f.x");
        }
    }
}

const FILES: [&str; 8] = [
    "network-small.toml",
    "input-small.toml",
    "input-small-spikes.json",
    "accel-default.toml",
    "accel-large.toml",
    "vgg5-sata.toml",
    "vgg9-cifar10.toml",
    "vgg16-imagenet.toml",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        parse_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn truncated_files_never_panic(file in 0usize..FILES.len(), cut in 0.0f64..1.0) {
        let text = example(FILES[file]);
        let mut at = (text.len() as f64 * cut) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        parse_all(&text[..at]);
    }

    #[test]
    fn mutated_numbers_never_panic(file in 0usize..FILES.len(), which in any::<prop::sample::Index>(),
                                   value in prop_oneof![any::<i64>(), -3i64..70000, Just(0i64), Just(i64::MAX)]) {
        // Replace one integer literal of a valid file with another value.
        let text = example(FILES[file]);
        let spans: Vec<(usize, usize)> = {
            let b = text.as_bytes();
            let mut v = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
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
        };
        prop_assume!(!spans.is_empty());
        let (s, e) = spans[which.index(spans.len())];
        let mutated = format!("{}{}{}", &text[..s], value, &text[e..]);
        parse_all(&mutated);
    }
}
