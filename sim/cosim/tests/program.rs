//! The driver's compiler without RTL: derived register fields, weight and spike word layouts,
//! the trace decoder, and every validation error naming its field.

use num_bigint::BigUint;
use spikeforge_config::catalog::StageField;
use spikeforge_config::{FireCompare, Format, Leak, Network, Reset};
use spikeforge_cosim::program::{lane, pack_lanes};
use spikeforge_cosim::{regmap, CosimError, Program};
use spikeforge_generators::accel::params::AccelParams;

fn hw() -> AccelParams {
    AccelParams {
        name: "t".into(),
        rows: 4,
        cols: 4,
        weight_spad_depth: 4,
        psum_bits: 16,
        pipeline_regs: 0,
        double_buffer: false,
        weight_bits: 4,
        membrane_bits: 8,
        leak: Leak::None,
        reset: Reset::Hard,
        fire_compare: FireCompare::Ge,
        share_factor: 1,
        max_stages: 4,
        max_classes: 8,
        logit_bits: 16,
        counter_bits: 64,
        entropy_unit: spikeforge_config::EntropyUnitKind::Parallel,
        counters: true,
        ram_output_regs: false,
        max_tick_batch: 4,
        weight_words: 1024,
        spike_words: 1024,
        psum_words: 1024,
        membrane_words: 1024,
    }
}

/// 1×4×4 input → conv 4ch 3×3 pad 1 → linear 6 → classifier 3; `extra` is appended to
/// layer 0 (after its fields), `extra1` to layer 1.
fn net_with(extra0: &str, extra1: &str, cls_extra: &str) -> Network {
    let text = format!(
        r#"
name = "t"
timesteps = 4
entropy_threshold = 0.25
weight_seed = 11
[input]
channels = 1
height = 4
width = 4
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 3
padding = 1
weight_bits = 4
threshold = 5
membrane_bits = 8
{extra0}
[[layers]]
kind = "linear"
out_channels = 6
weight_bits = 4
threshold = 7
membrane_bits = 8
{extra1}
[classifier]
classes = 3
weight_bits = 4
{cls_extra}
"#
    );
    Network::parse(&text, Format::Toml, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn net() -> Network {
    net_with("", "", "")
}

#[test]
fn conv_stage_derived_fields() {
    let p = Program::compile(&net(), &hw()).unwrap();
    assert_eq!(p.stages.len(), 3);
    assert_eq!(p.tick_batch, 4);
    let s = &p.stages[0];
    let f = s.fields();
    // C H W M R S stride pad E F N n_rt n_ct P θ n_ctb base cg G last
    assert_eq!(
        &f[..20],
        &[1, 4, 4, 4, 3, 3, 1, 1, 4, 4, 9, 3, 1, 16, 5, 1, 0, 1, 1, 3]
    );
    // Not the classifier; n_ctb·P = 16; no pooling: k = 1, E' = F' = 4, P' = n_ctb·P' = 16.
    assert_eq!(&f[20..], &[0, 16, 1, 4, 4, 16, 16]);
    assert_eq!(s.name, "layer0");
}

#[test]
fn a_pooled_stage_gives_the_next_stage_its_pooled_plane() {
    let p = Program::compile(&net_with("pool = 2", "", ""), &hw()).unwrap();
    let f = p.stages[0].fields();
    // k = 2, E' = F' = 2, P' = 4, n_ctb·P' = 4; the output words are n_ct·P' per timestep.
    assert_eq!(&f[22..], &[2, 2, 2, 4, 4]);
    assert_eq!(p.stages[0].output_words_per_t(), 4);
    // The linear layer reads the pooled 4×2×2 plane.
    let l = &p.stages[1];
    assert_eq!((l.c, l.h, l.w, l.r, l.s, l.n), (4, 2, 2, 2, 2, 16));
}

#[test]
fn a_pooled_row_beyond_the_row_buffer_names_the_field() {
    let mut h = hw();
    h.spike_words = 1 << 20;
    h.psum_words = 1 << 20;
    h.membrane_words = 1 << 20;
    h.weight_words = 1 << 20;
    h.logit_bits = 32;
    assert_eq!(h.pool_row_words(), 512);
    let text = r#"
name = "wide"
timesteps = 2
entropy_threshold = 0.0
weight_seed = 1
[input]
channels = 1
height = 2
width = 1100
[[layers]]
kind = "conv2d"
out_channels = 4
kernel = 1
pool = 2
weight_bits = 4
threshold = 5
membrane_bits = 8
[classifier]
classes = 3
weight_bits = 4
"#;
    let n = Network::parse(text, Format::Toml, "wide.toml").unwrap();
    let msg = err(&n, &h);
    assert_names(&msg, "layers[0].pool = 2");
    assert!(
        msg.contains("n_ct·F' = 1·550 words of partial ORs") && msg.contains("holds 512"),
        "{msg}"
    );
}

#[test]
fn linear_layer_is_a_convolution_over_the_whole_input() {
    let p = Program::compile(&net(), &hw()).unwrap();
    let s = &p.stages[1];
    // Over the 4×4×4 output of layer 0: R = H = 4, S = W = 4, E = F = 1, N = 64.
    assert_eq!((s.c, s.h, s.w, s.m), (4, 4, 4, 6));
    assert_eq!((s.r, s.s, s.stride, s.pad, s.e, s.f), (4, 4, 1, 0, 1, 1));
    assert_eq!((s.n, s.n_rt, s.n_ct, s.p), (64, 16, 2, 1));
    assert_eq!((s.n_ctb, s.membrane_base, s.cg_count), (2, 16, 1));
    assert_eq!((s.groups, s.last_group), (4, 4));
    let c = &p.stages[2];
    assert!(c.is_classifier);
    assert_eq!((c.c, c.h, c.w, c.m, c.r, c.s, c.n), (6, 1, 1, 3, 1, 1, 6));
    assert_eq!((c.theta, c.n_ctb, c.membrane_base), (0, 0, 0));
    assert_eq!(c.field(StageField::IsClassifier), 1);
    assert_eq!(s.field(StageField::NCtbP), s.n_ctb * s.p);
    assert_eq!(p.membrane_words, 16 + 2);
}

#[test]
fn weight_words_follow_the_buffer_layout() {
    let n = net();
    let h = hw();
    let p = Program::compile(&n, &h).unwrap();
    for (si, st) in p.stages.iter().enumerate() {
        let w = n.layer_weights(si);
        let (rows, cols) = (h.rows as usize, h.cols as usize);
        let (nn, m) = (st.n as usize, st.m as usize);
        assert_eq!(
            st.weight_words.len(),
            st.n_ct as usize * st.n_rt as usize * rows
        );
        for ct in 0..st.n_ct as usize {
            for rt in 0..st.n_rt as usize {
                for i in 0..rows {
                    let word = &st.weight_words[(ct * st.n_rt as usize + rt) * rows + i];
                    assert!(word.bits() <= (cols as u64) * h.weight_bits as u64);
                    for j in 0..cols {
                        let (tap, k) = (rt * rows + i, ct * cols + j);
                        let v = lane(word, j as u32, h.weight_bits) as i64;
                        let v = if v >= 8 { v - 16 } else { v };
                        let expect = if tap < nn && k < m {
                            w[k * nn + tap] as i64
                        } else {
                            0
                        };
                        assert_eq!(v, expect, "stage {si} ct {ct} rt {rt} i {i} j {j}");
                    }
                }
            }
        }
    }
}

#[test]
fn signed_weights_pack_as_twos_complement() {
    let w = pack_lanes([(-1i64) as u64, 3, (-8i64) as u64, 0], 4);
    assert_eq!(w, BigUint::from(0x083Fu32));
    // Lanes straddling 32-bit limbs.
    let w = pack_lanes((0..10).map(|i| i as u64 * 0x11 + 1), 8);
    for j in 0..10 {
        assert_eq!(lane(&w, j, 8), j as u64 * 0x11 + 1);
    }
}

#[test]
fn register_writes_cover_globals_and_every_field() {
    let n = net_with("", "", "logit_frac_bits = 2");
    let p = Program::compile(&n, &hw())
        .unwrap()
        .with_tick_batch(2)
        .unwrap();
    let w = p.register_writes();
    let get = |a: u32| w.iter().find(|(x, _)| *x == a).map(|(_, d)| *d);
    assert_eq!(get(regmap::NUM_STAGES), Some(3));
    assert_eq!(get(regmap::TIMESTEPS), Some(4));
    assert_eq!(get(regmap::TICK_BATCH), Some(2));
    assert_eq!(get(regmap::THETA_Q), Some(16384));
    assert_eq!(
        get(regmap::RLNK),
        Some((65536.0 / 3f64.ln()).round() as u32)
    );
    assert_eq!(get(regmap::FRAC_BITS), Some(2));
    assert_eq!(get(regmap::NUM_CLASSES), Some(3));
    assert_eq!(get(regmap::MEM_WORDS), Some(18));
    assert_eq!(get(0x100 + 32 + 10), Some(64)); // stage 1 N
    assert_eq!(get(0x100 + 14), Some(5)); // stage 0 θ
    let flag = StageField::IsClassifier.index();
    assert_eq!(get(0x100 + 64 + flag), Some(1)); // classifier flag
    assert_eq!(w.len(), 8 + 3 * regmap::NUM_STAGE_FIELDS);
    assert_eq!(p.windows(), vec![(0, 2), (2, 2)]);
}

#[test]
fn input_words_are_in_cg_y_x_t_order() {
    // 5 channels on 4 columns: two channel groups.
    let text = r#"
timesteps = 3
entropy_threshold = 0.0
weight_seed = 1
[input]
channels = 5
height = 2
width = 1
[[layers]]
kind = "linear"
out_channels = 4
weight_bits = 4
threshold = 3
membrane_bits = 8
[classifier]
classes = 2
weight_bits = 4
"#;
    let n = Network::parse(text, Format::Toml, "x.toml").unwrap();
    let p = Program::compile(&n, &hw()).unwrap();
    // Flat CHW index = c·2 + y.
    let spikes = vec![vec![0, 9], vec![3], vec![8, 1]];
    let words = p.input_words(&spikes, 1, 2);
    // (cg, y, x, t) with t in 0..2 (timesteps 1, 2): 2·2·1·2 = 8 words.
    assert_eq!(words.len(), 8);
    let v: Vec<u64> = words
        .iter()
        .map(|w| w.to_u64_digits().first().copied().unwrap_or(0))
        .collect();
    // cg 0, y 0: t1 none; t2 none. cg 0, y 1: t1 channel 1 (idx 3) → lane 1; t2 channel 0 (idx 1) → lane 0.
    // cg 1, y 0: t1 none; t2 channel 4 (idx 8) → lane 0. cg 1, y 1: none.
    assert_eq!(v, vec![0, 0, 0b10, 0b01, 0, 0b01, 0, 0]);
    // The whole run at once: timestep 0 has channel 0 at y 0 and channel 4 at y 1.
    let all = p.input_words(&spikes, 0, 3);
    assert_eq!(all[0], BigUint::from(1u32));
    assert_eq!(all[3 * 3], BigUint::from(1u32));
}

#[test]
fn trace_words_decode_to_chw_indices() {
    let n = net();
    let p = Program::compile(&n, &hw()).unwrap();
    // Stage 1: M = 6 on 4 columns (n_ct = 2), P = 1. Stage 0: M = 4, P = 16.
    for (stage, tw) in [(0usize, 3u32), (1, 2)] {
        let st = &p.stages[stage];
        let per_t = (st.m * st.p) as usize;
        let expect: Vec<Vec<u32>> = (0..tw as usize)
            .map(|t| {
                (0..per_t as u32)
                    .filter(|i| (i * 7 + t as u32 * 3) % 5 < 2)
                    .collect()
            })
            .collect();
        let mut words = Vec::new();
        for ct in 0..st.n_ct {
            for pos in 0..st.p {
                for at_t in &expect {
                    let lanes = (0..4u32).map(|j| {
                        let k = ct * 4 + j;
                        (k < st.m && at_t.contains(&(k * st.p + pos))) as u64
                    });
                    words.push(pack_lanes(lanes, 1));
                }
            }
        }
        assert_eq!(p.decode_spike_words(stage, &words, tw), expect);
    }
}

fn err(n: &Network, h: &AccelParams) -> String {
    match Program::compile(n, h) {
        Err(e @ CosimError::Unsupported { .. }) => e.to_string(),
        Err(e) => panic!("unexpected error kind: {e}"),
        Ok(_) => panic!("compiled"),
    }
}

fn assert_names(msg: &str, field_value: &str) {
    assert!(
        msg.starts_with(field_value),
        "`{msg}` should start with `{field_value}`"
    );
    assert!(msg.contains(" but "), "`{msg}` should say why");
}

#[test]
fn every_lif_option_mismatch_names_its_field() {
    let h = hw();
    let cases = [
        ("weight_bits = 8", "", "layers[0].weight_bits = 8"),
        ("", "membrane_bits = 12", "layers[1].membrane_bits = 12"),
        ("leak = \"shift(2)\"", "", "layers[0].leak = shift(2)"),
        ("reset = \"soft\"", "", "layers[0].reset = soft"),
        ("fire_compare = \"gt\"", "", "layers[0].fire_compare = gt"),
        ("share_factor = 2", "", "layers[0].share_factor = 2"),
    ];
    for (e0, e1, expect) in cases {
        // membrane_bits / weight_bits are already written once: replace rather than append.
        let n = if e0.starts_with("weight_bits") {
            let mut n = net();
            n.layers[0].weight_bits = 8;
            n
        } else if e1.starts_with("membrane_bits") {
            let mut n = net();
            n.layers[1].membrane_bits = 12;
            n
        } else {
            net_with(e0, e1, "")
        };
        let msg = err(&n, &h);
        assert_names(&msg, expect);
    }
    let mut h4 = hw();
    h4.share_factor = 4;
    let msg = err(&net(), &h4);
    assert_eq!(
        msg,
        "layers[0].share_factor = 1 but the accelerator's LIF unit is generated for share_factor = 4"
    );
}

#[test]
fn shared_membrane_groups_must_fill_columns() {
    let mut h = hw();
    h.share_factor = 2;
    let mut n = net_with("share_factor = 2", "share_factor = 2", "");
    // Layer 0: K/n = 2 is not a multiple of cols = 4.
    let msg = err(&n, &h);
    assert_names(&msg, "layers[0].out_channels = 4");
    assert!(msg.contains("K/n = 2"), "{msg}");
    // Both layers at K = 8: K/n = 4 fits; n_ctb = 1, n_ct = 2.
    n.layers[0].out_channels = 8;
    n.layers[0].weights = None;
    n.layers[1].out_channels = 8;
    n.layers[1].weights = None;
    let p = Program::compile(&n, &h).unwrap();
    assert_eq!((p.stages[0].n_ct, p.stages[0].n_ctb), (2, 1));
    assert_eq!(p.stages[1].membrane_base, 16);
}

#[test]
fn classifier_and_size_limits_name_their_field() {
    let mut n = net();
    n.classifier.weight_bits = 2;
    n.classifier.weights = None;
    assert_names(&err(&n, &hw()), "classifier.weight_bits = 2");

    let mut h = hw();
    h.max_stages = 2;
    assert_names(&err(&net(), &h), "layers = 2 hidden layers");

    let mut h = hw();
    h.max_classes = 2;
    assert_names(&err(&net(), &h), "classifier.classes = 3");

    let mut h = hw();
    h.logit_bits = 8;
    let n = net();
    let msg = err(&n, &h);
    assert_names(&msg, &format!("classifier.logit_bits = {}", n.logit_bits()));

    let mut h = hw();
    h.psum_bits = 8;
    assert_names(&err(&net(), &h), "layers[1] = fan-in N = 64");
}

#[test]
fn buffer_needs_name_buffer_need_and_size() {
    // Weight: layer 1 needs n_ct·n_rt·rows = 2·16·4 = 128 words.
    let mut h = hw();
    h.weight_words = 100;
    let msg = err(&net(), &h);
    assert_names(&msg, "layers[1] = 128 weight words");
    assert!(msg.contains("holds 100 words"), "{msg}");
    // Spike: layer 0 output / layer 1 input need 1·16·4 = 64 words.
    let mut h = hw();
    h.spike_words = 63;
    assert_names(&err(&net(), &h), "layers[0] = 64 spike words");
    // Psum: layer 0 needs n_ct·P·B_max = 1·16·4 = 64 words.
    let mut h = hw();
    h.psum_words = 32;
    assert_names(&err(&net(), &h), "layers[0] = 64 psum words");
    // Membrane: 16 + 2 = 18 words.
    let mut h = hw();
    h.membrane_words = 17;
    assert_names(&err(&net(), &h), "layers[1] = 18 membrane words");
    h.membrane_words = 18;
    assert!(Program::compile(&net(), &h).is_ok());
}

#[test]
fn tick_batch_must_fit_t_and_b_max() {
    let p = Program::compile(&net(), &hw()).unwrap();
    assert!(p.clone().with_tick_batch(3).is_ok());
    let msg = p.clone().with_tick_batch(5).unwrap_err().to_string();
    assert_names(&msg, "schedule.tick_batch = 5");
    let msg = p.with_tick_batch(0).unwrap_err().to_string();
    assert_names(&msg, "schedule.tick_batch = 0");
}

#[test]
fn a_kernel_beyond_the_fetch_digits_names_the_layer_field() {
    // 2 spike words: tap digits of ⌈log2 2⌉ + 1 = 2 bits hold kernels and padding up to 3.
    let mut h = hw();
    h.spike_words = 2;
    let mut n = net();
    n.layers[0].kernel = Some(5);
    let msg = err(&n, &h);
    assert_names(&msg, "layers[0].kernel = 5");
    assert!(msg.contains("up to 3"), "{msg}");
    // A kernel of 3 fits (and so does its padding, which a valid network keeps below it).
    assert!(Program::compile(&net(), &h).is_err_and(|e| !e.to_string().contains("kernel")));
}
