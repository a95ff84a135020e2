//! The driver's compiler: checks that a network runs on a generated accelerator
//! (docs/accelerator.md §1, §3), turns every stage into a convolution (§2), computes every
//! register value of §8 (including the derived fields), and lays out the weight-buffer words
//! (§3) and the input-spike words of a window. It also decodes the spike-trace words the
//! accelerator sends back (the inverse of the spike-buffer layout).

use crate::error::CosimError;
use crate::regmap;
use num_bigint::BigUint;
use serde::Serialize;
use spikeforge_config::catalog::{FieldWidth, StageField};
use spikeforge_config::{ceil_log2, FireCompare, LayerKind, Network, Reset};
use spikeforge_generators::accel::params::AccelParams;
use spikeforge_golden::entropy;

/// Largest number of timesteps: the final result beat carries `exit_t` in 16 bits.
pub const MAX_TIMESTEPS: u32 = 0xFFFF;

/// One stage (hidden layer or classifier) as the accelerator runs it: a convolution
/// `C×H×W → M×E×F` with kernel `R×S` (docs/accelerator.md §2) and every derived register field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageProgram {
    /// Layer name (`layers[i].name`, `layer<i>`, or `classifier`).
    pub name: String,
    /// Whether this is the classifier (the last stage).
    pub is_classifier: bool,
    /// Input channels C (for a linear layer: the previous stage's channels, not flattened).
    pub c: u32,
    /// Input height H.
    pub h: u32,
    /// Input width W.
    pub w: u32,
    /// Output channels M (= K).
    pub m: u32,
    /// Kernel height R (linear: H).
    pub r: u32,
    /// Kernel width S (linear: W).
    pub s: u32,
    /// Stride (linear: 1).
    pub stride: u32,
    /// Padding (linear: 0).
    pub pad: u32,
    /// Output height E (linear: 1).
    pub e: u32,
    /// Output width F (linear: 1).
    pub f: u32,
    /// Fan-in N = C·R·S.
    pub n: u32,
    /// Row tiles ⌈N/rows⌉.
    pub n_rt: u32,
    /// Column tiles ⌈M/cols⌉.
    pub n_ct: u32,
    /// Output positions P = E·F.
    pub p: u32,
    /// Spike pooling window and stride k (hidden; 1 = none, and 1 for the classifier).
    pub pool: u32,
    /// Pooled output height E' = ⌊E/k⌋.
    pub pooled_e: u32,
    /// Pooled output width F' = ⌊F/k⌋.
    pub pooled_f: u32,
    /// Threshold θ (hidden; 0 for the classifier).
    pub theta: i64,
    /// C#n share factor n (hidden; 1 for the classifier).
    pub share_factor: u32,
    /// Membrane words per position `⌈(M/n)/cols⌉` (hidden; 0 for the classifier).
    pub n_ctb: u32,
    /// First membrane-buffer word of this layer (hidden; 0 for the classifier).
    pub membrane_base: u32,
    /// Spike words per input position `⌈C/cols⌉`.
    pub cg_count: u32,
    /// Row-tile groups `G = ⌈n_rt/D⌉`.
    pub groups: u32,
    /// Row tiles in the last group, `n_rt − (G−1)·D`.
    pub last_group: u32,
    /// Weight-buffer words in address order `(ct·n_rt + rt)·rows + i`; lane j (bits
    /// `j·weight_bits ..`) holds `w[n = rt·rows + i][k = ct·cols + j]` in two's complement,
    /// 0 where `n ≥ N` or `k ≥ M`.
    #[serde(skip)]
    pub weight_words: Vec<BigUint>,
}

impl StageProgram {
    /// Pooled output positions `P' = E'·F'` (P without pooling).
    pub fn pooled_p(&self) -> u32 {
        self.pooled_e * self.pooled_f
    }

    /// The value the host writes to stage field `f` (docs/accelerator.md §8; θ in 32-bit
    /// two's complement).
    pub fn field(&self, f: StageField) -> u32 {
        match f {
            StageField::C => self.c,
            StageField::H => self.h,
            StageField::W => self.w,
            StageField::M => self.m,
            StageField::R => self.r,
            StageField::S => self.s,
            StageField::Stride => self.stride,
            StageField::Pad => self.pad,
            StageField::E => self.e,
            StageField::F => self.f,
            StageField::N => self.n,
            StageField::NRt => self.n_rt,
            StageField::NCt => self.n_ct,
            StageField::P => self.p,
            StageField::Theta => self.theta as i32 as u32,
            StageField::NCtb => self.n_ctb,
            StageField::MembraneBase => self.membrane_base,
            StageField::CgCount => self.cg_count,
            StageField::Groups => self.groups,
            StageField::LastGroup => self.last_group,
            StageField::IsClassifier => self.is_classifier as u32,
            StageField::NCtbP => self.n_ctb * self.p,
            StageField::Pool => self.pool,
            StageField::PooledE => self.pooled_e,
            StageField::PooledF => self.pooled_f,
            StageField::PooledP => self.pooled_p(),
            StageField::NCtbPp => self.n_ctb * self.pooled_p(),
        }
    }

    /// Every stage field's value, by field number ([`StageField::ALL`]'s order).
    pub fn fields(&self) -> [u32; regmap::NUM_STAGE_FIELDS] {
        StageField::ALL.map(|f| self.field(f))
    }

    /// Spike words of this stage's output per window timestep: `n_ct · P'` (the trace sends
    /// them in `(ct, p, t)` order).
    pub fn output_words_per_t(&self) -> u64 {
        self.n_ct as u64 * self.pooled_p() as u64
    }
}

/// Everything the host needs to run one network on one generated accelerator.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The accelerator's generation parameters.
    pub hw: AccelParams,
    /// T.
    pub timesteps: u32,
    /// Window length B (1 ≤ B ≤ min(T, B_max)); [`Program::compile`] picks `min(T, B_max)`.
    pub tick_batch: u32,
    /// `round(θ_H·2^16)`.
    pub theta_q: u32,
    /// `round(2^16/ln K)`.
    pub rlnk: u32,
    /// Logit fraction bits.
    pub frac_bits: u32,
    /// Classes K.
    pub classes: u32,
    /// Membrane words of all hidden layers, `Σ P·n_ctb` (the MEM_WORDS register).
    pub membrane_words: u32,
    /// Hidden stages, then the classifier.
    pub stages: Vec<StageProgram>,
}

fn unsupported(field: impl Into<String>, value: impl ToString, reason: String) -> CosimError {
    CosimError::Unsupported {
        field: field.into(),
        value: value.to_string(),
        reason,
    }
}

fn reset_name(r: Reset) -> &'static str {
    match r {
        Reset::Hard => "hard",
        Reset::Soft => "soft",
    }
}

fn compare_name(c: FireCompare) -> &'static str {
    match c {
        FireCompare::Ge => "ge",
        FireCompare::Gt => "gt",
    }
}

/// Packs `lanes` values of `bits` bits each (lane 0 in the low bits) into one word.
pub fn pack_lanes(values: impl IntoIterator<Item = u64>, bits: u32) -> BigUint {
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut limbs: Vec<u32> = Vec::new();
    let mut pos = 0u64;
    for v in values {
        let v = v & mask;
        let mut done = 0u32;
        while done < bits {
            let limb = (pos / 32) as usize;
            let off = (pos % 32) as u32;
            let take = (32 - off).min(bits - done);
            if limbs.len() <= limb {
                limbs.resize(limb + 1, 0);
            }
            let part = ((v >> done) & ((1u64 << take) - 1)) as u32;
            limbs[limb] |= part << off;
            done += take;
            pos += take as u64;
        }
    }
    BigUint::new(limbs)
}

/// Lane `j` of a word of `bits`-bit lanes (unsigned).
pub fn lane(word: &BigUint, j: u32, bits: u32) -> u64 {
    let digits = word.to_u64_digits();
    let start = j as u64 * bits as u64;
    let mut v = 0u64;
    for b in 0..bits as u64 {
        let pos = start + b;
        let d = digits.get((pos / 64) as usize).copied().unwrap_or(0);
        v |= ((d >> (pos % 64)) & 1) << b;
    }
    v
}

impl Program {
    /// Checks that `net` runs on the accelerator `hw` and compiles it (docs/accelerator.md
    /// §1–3, §8). The window length is `min(T, B_max)`; see [`Program::with_tick_batch`].
    /// Every error names the network field, its value and why it does not fit.
    pub fn compile(net: &Network, hw: &AccelParams) -> Result<Program, CosimError> {
        let hidden = net.layers.len();
        // 1. Per-layer options the hardware is generated for.
        for (i, l) in net.layers.iter().enumerate() {
            let f = |name: &str| format!("layers[{i}].{name}");
            if l.weight_bits != hw.weight_bits {
                return Err(unsupported(
                    f("weight_bits"),
                    l.weight_bits,
                    format!(
                        "but the accelerator's PE array is generated for weight_bits = {}",
                        hw.weight_bits
                    ),
                ));
            }
            let lif = "but the accelerator's LIF unit is generated for";
            if l.membrane_bits != hw.membrane_bits {
                return Err(unsupported(
                    f("membrane_bits"),
                    l.membrane_bits,
                    format!("{lif} membrane_bits = {}", hw.membrane_bits),
                ));
            }
            if l.leak != hw.leak {
                return Err(unsupported(
                    f("leak"),
                    l.leak,
                    format!("{lif} leak = {}", hw.leak),
                ));
            }
            if l.reset != hw.reset {
                return Err(unsupported(
                    f("reset"),
                    reset_name(l.reset),
                    format!("{lif} reset = {}", reset_name(hw.reset)),
                ));
            }
            if l.fire_compare != hw.fire_compare {
                return Err(unsupported(
                    f("fire_compare"),
                    compare_name(l.fire_compare),
                    format!("{lif} fire_compare = {}", compare_name(hw.fire_compare)),
                ));
            }
            if l.share_factor != hw.share_factor {
                return Err(unsupported(
                    f("share_factor"),
                    l.share_factor,
                    format!("{lif} share_factor = {}", hw.share_factor),
                ));
            }
            let n = l.share_factor;
            if n > 1 && (l.out_channels / n) % hw.cols != 0 {
                return Err(unsupported(
                    f("out_channels"),
                    l.out_channels,
                    format!(
                        "but with share_factor = {n} the group size K/n = {} must be a multiple of the array's cols = {}",
                        l.out_channels / n,
                        hw.cols
                    ),
                ));
            }
        }
        let cls = &net.classifier;
        if cls.weight_bits != hw.weight_bits {
            return Err(unsupported(
                "classifier.weight_bits",
                cls.weight_bits,
                format!(
                    "but the accelerator's PE array is generated for weight_bits = {}",
                    hw.weight_bits
                ),
            ));
        }
        // 2. Sizes of the register file and the result stream.
        let num_stages = hidden as u64 + 1;
        if num_stages > hw.max_stages as u64 {
            return Err(unsupported(
                "layers",
                format!("{hidden} hidden layers"),
                format!(
                    "but the accelerator runs at most max_stages = {} stages (hidden layers + classifier), and this network has {num_stages}",
                    hw.max_stages
                ),
            ));
        }
        if cls.classes > hw.max_classes {
            return Err(unsupported(
                "classifier.classes",
                cls.classes,
                format!(
                    "but the accelerator's classifier holds at most max_classes = {} logits",
                    hw.max_classes
                ),
            ));
        }
        let logit_bits = net.logit_bits();
        if logit_bits > hw.logit_bits {
            return Err(unsupported(
                "classifier.logit_bits",
                logit_bits,
                format!(
                    "but the accelerator's logit registers are logit_bits = {} wide (the network's logits need {} bits: 1 + ceil(log2(T · fan_in · 2^(weight_bits−1))))",
                    hw.logit_bits,
                    net.min_logit_bits()
                ),
            ));
        }
        if net.timesteps > MAX_TIMESTEPS {
            return Err(unsupported(
                "timesteps",
                net.timesteps,
                format!(
                    "but the final result beat carries exit_t in 16 bits (T ≤ {MAX_TIMESTEPS})"
                ),
            ));
        }
        if hw.max_tick_batch == 0 || !hw.max_tick_batch.is_power_of_two() {
            return Err(CosimError::Config {
                field: "max_tick_batch".into(),
                value: hw.max_tick_batch.to_string(),
                reason: "B_max must be a power of two".into(),
            });
        }
        // 3. Stages as convolutions, derived fields, buffer needs.
        let shapes = net.shapes();
        let rows = hw.rows;
        let cols = hw.cols;
        let b_max = hw.max_tick_batch as u64;
        let depth = hw.group_depth().max(1);
        let (mut c, mut h, mut w) = (net.input.channels, net.input.height, net.input.width);
        let mut stages = Vec::with_capacity(shapes.len());
        let mut membrane_words = 0u64;
        for (i, shape) in shapes.iter().enumerate() {
            let is_cls = i == hidden;
            let prefix = if is_cls {
                "classifier".to_string()
            } else {
                format!("layers[{i}]")
            };
            let (r, s, stride, pad, e, f) = match shape.kind {
                LayerKind::Conv2d => (
                    shape.kernel,
                    shape.kernel,
                    shape.stride,
                    shape.padding,
                    shape.out_height,
                    shape.out_width,
                ),
                LayerKind::Linear => (h, w, 1, 0, 1, 1),
            };
            // The im2col's tap digits and window coordinates hold kernel sizes and padding up
            // to 2^k − 1 (k = kernel_digit_bits); a linear layer's kernel is its input plane,
            // which fits the spike buffer, so only a convolution can exceed it, and a valid
            // network's padding is below its kernel.
            let kernel_max = (1u64 << hw.kernel_digit_bits()) - 1;
            let why = |what: &str| {
                format!(
                    "but the im2col fetch holds {what} up to {kernel_max} (⌈log2 spike_words⌉ + 1 = {} bits)",
                    hw.kernel_digit_bits()
                )
            };
            if u64::from(r.max(s)) > kernel_max {
                return Err(unsupported(
                    format!("{prefix}.kernel"),
                    r.max(s),
                    why("kernel sizes"),
                ));
            }
            let m = shape.out_channels;
            let n = c as u64 * r as u64 * s as u64;
            debug_assert_eq!(n, shape.fan_in());
            let wb = hw.weight_bits;
            let need_psum = wb + ceil_log2(n);
            if need_psum > hw.psum_bits {
                return Err(unsupported(
                    prefix.clone(),
                    format!("fan-in N = {n}"),
                    format!(
                        "but it needs {need_psum}-bit partial sums (weight_bits {wb} + ceil(log2 N)) and the accelerator's psum_bits = {}",
                        hw.psum_bits
                    ),
                ));
            }
            let n_rt = n.div_ceil(rows as u64);
            let n_ct = (m as u64).div_ceil(cols as u64);
            let p = e as u64 * f as u64;
            let cg_count = (c as u64).div_ceil(cols as u64);
            let groups = n_rt.div_ceil(depth as u64);
            let last_group = n_rt - (groups - 1) * depth as u64;
            let check = |buffer: &str, need: u64, have: u64, how: String| {
                if need > have {
                    Err(unsupported(
                        prefix.clone(),
                        format!("{need} {buffer} words"),
                        format!("but the {buffer} buffer holds {have} words ({how})"),
                    ))
                } else {
                    Ok(())
                }
            };
            check(
                "weight",
                n_ct * n_rt * rows as u64,
                hw.weight_words,
                format!("n_ct·n_rt·rows = {n_ct}·{n_rt}·{rows}"),
            )?;
            check(
                "spike",
                cg_count * h as u64 * w as u64 * b_max,
                hw.spike_words,
                format!("input ⌈C/cols⌉·H·W·B_max = {cg_count}·{h}·{w}·{b_max}"),
            )?;
            check(
                "psum",
                n_ct * p * b_max,
                hw.psum_words,
                format!("n_ct·P·B_max = {n_ct}·{p}·{b_max}"),
            )?;
            let pool = if is_cls { 1 } else { shape.pool };
            let (pooled_e, pooled_f) = (e / pool, f / pool);
            let pooled_p = pooled_e as u64 * pooled_f as u64;
            let (theta, share, n_ctb, base) = if is_cls {
                (0, 1, 0, 0)
            } else {
                check(
                    "spike",
                    n_ct * pooled_p * b_max,
                    hw.spike_words,
                    format!("output n_ct·P'·B_max = {n_ct}·{pooled_p}·{b_max}"),
                )?;
                if pool > 1 && n_ct * pooled_f as u64 > hw.pool_row_words() {
                    return Err(unsupported(
                        format!("layers[{i}].pool"),
                        pool,
                        format!(
                            "but pooling needs n_ct·F' = {n_ct}·{pooled_f} words of partial ORs and the accelerator's pooling row buffer holds {} (pool_row_words)",
                            hw.pool_row_words()
                        ),
                    ));
                }
                let l = &net.layers[i];
                let n_ctb = ((m / l.share_factor) as u64).div_ceil(cols as u64);
                let base = membrane_words;
                membrane_words += p * n_ctb;
                if membrane_words > hw.membrane_words {
                    return Err(unsupported(
                        prefix.clone(),
                        format!("{membrane_words} membrane words"),
                        format!(
                            "but the membrane buffer holds {} words (Σ over hidden layers up to this one of P·⌈(K/n)/cols⌉)",
                            hw.membrane_words
                        ),
                    ));
                }
                (l.threshold, l.share_factor, n_ctb, base)
            };
            let rr = rows as u64;
            let weights = net.layer_weights(i);
            let mut weight_words = Vec::with_capacity((n_ct * n_rt * rr) as usize);
            for ct in 0..n_ct {
                for rt in 0..n_rt {
                    for row in 0..rr {
                        let nn = rt * rr + row;
                        let lanes = (0..cols as u64).map(|j| {
                            let k = ct * cols as u64 + j;
                            if nn < n && k < m as u64 {
                                weights[(k * n + nn) as usize] as i64 as u64
                            } else {
                                0
                            }
                        });
                        weight_words.push(pack_lanes(lanes, wb));
                    }
                }
            }
            let name = if is_cls {
                "classifier".to_string()
            } else {
                net.layer_name(i)
            };
            stages.push(StageProgram {
                name,
                is_classifier: is_cls,
                c,
                h,
                w,
                m,
                r,
                s,
                stride,
                pad,
                e,
                f,
                n: n as u32,
                n_rt: n_rt as u32,
                n_ct: n_ct as u32,
                p: p as u32,
                pool,
                pooled_e,
                pooled_f,
                theta,
                share_factor: share,
                n_ctb: n_ctb as u32,
                membrane_base: base as u32,
                cg_count: cg_count as u32,
                groups: groups as u32,
                last_group: last_group as u32,
                weight_words,
            });
            let st = stages.last().expect("just pushed");
            let max_count = hw.max_count();
            for (field, v) in StageField::ALL.iter().zip(st.fields()) {
                if field.width() == FieldWidth::Count && u64::from(v) > max_count {
                    return Err(unsupported(
                        prefix.clone(),
                        format!("{} = {v}", field.name()),
                        format!(
                            "but the accelerator's counts hold at most {max_count} (count_bits = {}, from its buffer sizes)",
                            hw.count_bits()
                        ),
                    ));
                }
            }
            (c, h, w) = (m, pooled_e, pooled_f);
        }
        let classes = cls.classes;
        Ok(Program {
            hw: hw.clone(),
            timesteps: net.timesteps,
            tick_batch: net.timesteps.min(hw.max_tick_batch),
            theta_q: entropy::threshold_q16(net.entropy_threshold),
            rlnk: entropy::rlnk(classes as usize) as u32,
            frac_bits: cls.logit_frac_bits,
            classes,
            membrane_words: membrane_words as u32,
            stages,
        })
    }

    /// The same program with window length `b`: `1 ≤ b ≤ min(T, B_max)`, or an error naming
    /// `schedule.tick_batch`.
    pub fn with_tick_batch(mut self, b: u32) -> Result<Program, CosimError> {
        let hi = self.timesteps.min(self.hw.max_tick_batch);
        if b == 0 || b > hi {
            return Err(unsupported(
                "schedule.tick_batch",
                b,
                format!(
                    "but B must be in 1..=min(T, B_max) = 1..={hi} (T = {}, the accelerator's max_tick_batch = {})",
                    self.timesteps, self.hw.max_tick_batch
                ),
            ));
        }
        self.tick_batch = b;
        Ok(self)
    }

    /// Number of hidden stages.
    pub fn hidden(&self) -> usize {
        self.stages.len() - 1
    }

    /// The windows `(t0, Tw)` of the schedule, in order (docs/accelerator.md §4).
    pub fn windows(&self) -> Vec<(u32, u32)> {
        (0..self.timesteps)
            .step_by(self.tick_batch as usize)
            .map(|t0| (t0, self.tick_batch.min(self.timesteps - t0)))
            .collect()
    }

    /// Every register write before the start pulse, `(address, data)`, in the order the host
    /// makes them: the global registers (0x004–0x00B), then stage 0's fields 0..28, stage
    /// 1's, ...
    pub fn register_writes(&self) -> Vec<(u32, u32)> {
        let mut v = vec![
            (regmap::NUM_STAGES, self.stages.len() as u32),
            (regmap::TIMESTEPS, self.timesteps),
            (regmap::TICK_BATCH, self.tick_batch),
            (regmap::THETA_Q, self.theta_q),
            (regmap::RLNK, self.rlnk),
            (regmap::FRAC_BITS, self.frac_bits),
            (regmap::NUM_CLASSES, self.classes),
            (regmap::MEM_WORDS, self.membrane_words),
        ];
        for (s, st) in self.stages.iter().enumerate() {
            for (f, val) in st.fields().into_iter().enumerate() {
                v.push((regmap::stage_field(s, f), val));
            }
        }
        v
    }

    /// The input-spike words of the window `[t0, t0 + len)` in stream order `(cg, y, x, t)`:
    /// lane j of word (cg, y, x, t) is input channel `cg·cols + j` at (y, x), timestep `t0 + t`.
    /// `spikes[t]` are the active inputs of timestep t as flat CHW indices (as
    /// `spikeforge_golden::encode::input_spikes` returns them).
    pub fn input_words(&self, spikes: &[Vec<u32>], t0: u32, len: u32) -> Vec<BigUint> {
        let st = &self.stages[0];
        let (c, h, w) = (st.c as usize, st.h as usize, st.w as usize);
        let cols = self.hw.cols as usize;
        let hw_ = h * w;
        let dense: Vec<Vec<bool>> = (t0..t0 + len)
            .map(|t| {
                let mut d = vec![false; c * hw_];
                if let Some(sp) = spikes.get(t as usize) {
                    for &i in sp {
                        if let Some(x) = d.get_mut(i as usize) {
                            *x = true;
                        }
                    }
                }
                d
            })
            .collect();
        let mut out = Vec::with_capacity(st.cg_count as usize * hw_ * len as usize);
        for cg in 0..st.cg_count as usize {
            for pos in 0..hw_ {
                for d in &dense {
                    let lanes = (0..cols).map(|j| {
                        let ch = cg * cols + j;
                        (ch < c && d[ch * hw_ + pos]) as u64
                    });
                    out.push(pack_lanes(lanes, 1));
                }
            }
        }
        out
    }

    /// Decodes the spike-trace words of hidden stage `stage` for one window of `tw`
    /// timesteps, given in address order `(ct, p, t)` over the pooled positions: lane j of
    /// word (ct, p, t) is channel `ct·cols + j` (if `< M`) at pooled position p. Returns, per
    /// window timestep, the active outputs as ascending flat CHW indices `k·P' + p`.
    pub fn decode_spike_words(&self, stage: usize, words: &[BigUint], tw: u32) -> Vec<Vec<u32>> {
        let st = &self.stages[stage];
        let cols = self.hw.cols as u64;
        let (p_all, tw) = (st.pooled_p() as u64, tw as u64);
        let mut out = vec![Vec::new(); tw as usize];
        for (idx, word) in words.iter().enumerate() {
            let idx = idx as u64;
            let t = idx % tw;
            let p = (idx / tw) % p_all;
            let ct = idx / (tw * p_all);
            for d in word.iter_u64_digits().enumerate().flat_map(|(di, d)| {
                (0..64u64)
                    .filter(move |b| (d >> b) & 1 == 1)
                    .map(move |b| di as u64 * 64 + b)
            }) {
                if d >= cols {
                    continue;
                }
                let k = ct * cols + d;
                if k < st.m as u64 {
                    out[t as usize].push((k * p_all + p) as u32);
                }
            }
        }
        for v in &mut out {
            v.sort_unstable();
        }
        out
    }
}
