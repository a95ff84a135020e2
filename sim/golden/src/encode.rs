//! Input spikes: given spike trains, the deterministic rate encoder, and random inputs.
//!
//! # Rate encoder (normative)
//!
//! A 32-bit xorshift generator (Marsaglia 2003, shifts 13, 17, 5):
//! `x ^= x << 13; x ^= x >> 17; x ^= x << 5` (32-bit, logical shifts). The state starts at
//! `(seed ^ (seed >> 32)) as u32`, or `0x6D2B79F5` if that is 0. For t = 0..T−1 (outer) and
//! i = 0..C·H·W−1 (inner, C, H, W order) the generator steps once and the input spikes iff
//! `(x >> 24) < intensity[i]`: intensity 0 never spikes, 255 spikes with probability
//! 255/256, and the expected rate is `intensity / 256`.
//!
//! # Random input
//!
//! A [`SplitMix64`] stream seeded with `seed`; for t outer and i inner, one draw each, and the
//! input spikes iff `(draw >> 11) < floor(density · 2^53)`.

use spikeforge_config::{Encoding, Input, Network, SplitMix64};

/// One step of the 32-bit xorshift generator of the rate encoder.
#[inline]
pub fn xorshift32(mut x: u32) -> u32 {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    x
}

/// The initial rate-encoder state for `seed`.
pub fn rate_seed(seed: u64) -> u32 {
    let s = (seed ^ (seed >> 32)) as u32;
    if s == 0 {
        0x6D2B_79F5
    } else {
        s
    }
}

/// Largest number of input-spike indices [`InputSpikes::next_timestep_chunks`] hands over at
/// once (256 KiB of `u32`): the golden model's input-spike memory is this, whatever the
/// input size and T.
pub const CHUNK: usize = 1 << 16;

/// The generator state of one encoding.
#[derive(Debug, Clone)]
enum State<'a> {
    /// Given spike trains, one flat 0/1 array per timestep.
    Spikes(&'a [spikeforge_config::NestedInts]),
    /// Rate encoder: intensities and the xorshift32 state.
    Rate { intensities: &'a [i64], x: u32 },
    /// Random input: the spike limit on `draw >> 11` and the SplitMix64 stream.
    Random { limit: u64, rng: SplitMix64 },
}

/// Input spikes produced timestep by timestep, in the normative draw order (t outer, i
/// inner): timestep t is generated only when asked for, so memory does not grow with T. The
/// generator state simply continues from one timestep to the next, so the spikes are
/// identical to generating every timestep up front ([`input_spikes`]).
#[derive(Debug, Clone)]
pub struct InputSpikes<'a> {
    /// C·H·W.
    inputs: usize,
    /// T.
    timesteps: u32,
    /// The next timestep to produce (0-based).
    t: u32,
    state: State<'a>,
}

impl<'a> InputSpikes<'a> {
    /// The generator at timestep 0. `input` must have been validated against `net`.
    pub fn new(net: &Network, input: &'a Input) -> Self {
        let inputs =
            net.input.channels as usize * net.input.height as usize * net.input.width as usize;
        let state = match input.encoding {
            Encoding::Spikes => State::Spikes(input.spikes.as_deref().expect("validated input")),
            Encoding::Rate => State::Rate {
                intensities: &input.intensities.as_ref().expect("validated input").data,
                x: rate_seed(input.seed()),
            },
            Encoding::Random => {
                let d = input.density.expect("validated input");
                State::Random {
                    limit: (d * (1u64 << 53) as f64).floor() as u64,
                    rng: SplitMix64::new(input.seed()),
                }
            }
        };
        InputSpikes {
            inputs,
            timesteps: net.timesteps,
            t: 0,
            state,
        }
    }

    /// The next timestep (0-based) to be produced.
    pub fn timestep(&self) -> u32 {
        self.t
    }

    /// Produces the next timestep's active inputs (flat C, H, W indices, ascending) in
    /// chunks of at most [`CHUNK`] indices, calling `f` on each chunk in order; `buf` is the
    /// chunk buffer (cleared here; its capacity is kept for the next call). Returns `false`
    /// (and calls nothing) after timestep T − 1.
    pub fn next_timestep_chunks(&mut self, buf: &mut Vec<u32>, mut f: impl FnMut(&[u32])) -> bool {
        if self.t >= self.timesteps {
            return false;
        }
        let t = self.t as usize;
        self.t += 1;
        buf.clear();
        let n = self.inputs;
        let mut emit = |buf: &mut Vec<u32>, i: usize| {
            buf.push(i as u32);
            if buf.len() == CHUNK {
                f(buf);
                buf.clear();
            }
        };
        match &mut self.state {
            State::Spikes(sp) => {
                for (i, &v) in sp[t].data.iter().enumerate().take(n) {
                    if v != 0 {
                        emit(buf, i);
                    }
                }
            }
            State::Rate { intensities, x } => {
                for (i, &intensity) in intensities.iter().enumerate().take(n) {
                    *x = xorshift32(*x);
                    if ((*x >> 24) as i64) < intensity {
                        emit(buf, i);
                    }
                }
            }
            State::Random { limit, rng } => {
                for i in 0..n {
                    if (rng.next_u64() >> 11) < *limit {
                        emit(buf, i);
                    }
                }
            }
        }
        if !buf.is_empty() {
            f(buf);
            buf.clear();
        }
        true
    }
}

impl Iterator for InputSpikes<'_> {
    type Item = Vec<u32>;

    /// The next timestep's active inputs as one list.
    fn next(&mut self) -> Option<Vec<u32>> {
        let mut all = Vec::new();
        let mut buf = Vec::new();
        self.next_timestep_chunks(&mut buf, |c| all.extend_from_slice(c))
            .then_some(all)
    }
}

/// The active input spikes of every timestep 0..T as flat indices (C, H, W order), ascending,
/// all at once (T lists: memory grows with T; the golden model itself uses [`InputSpikes`]).
/// `input` must have been validated against `net`.
pub fn input_spikes(net: &Network, input: &Input) -> Vec<Vec<u32>> {
    InputSpikes::new(net, input).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_reference_values() {
        // Marsaglia's xorshift32 from state 1.
        assert_eq!(xorshift32(1), 270369);
        assert_eq!(xorshift32(270369), 67634689);
    }

    /// The reference: every timestep generated up front, in one loop (t outer, i inner).
    fn up_front(n: usize, t_all: usize, input: &Input) -> Vec<Vec<u32>> {
        match input.encoding {
            Encoding::Spikes => input.spikes.as_ref().unwrap()[..t_all]
                .iter()
                .map(|s| (0..n as u32).filter(|&i| s.data[i as usize] != 0).collect())
                .collect(),
            Encoding::Rate => {
                let x = &input.intensities.as_ref().unwrap().data;
                let mut state = rate_seed(input.seed());
                (0..t_all)
                    .map(|_| {
                        (0..n as u32)
                            .filter(|&i| {
                                state = xorshift32(state);
                                ((state >> 24) as i64) < x[i as usize]
                            })
                            .collect()
                    })
                    .collect()
            }
            Encoding::Random => {
                let limit = (input.density.unwrap() * (1u64 << 53) as f64).floor() as u64;
                let mut rng = SplitMix64::new(input.seed());
                (0..t_all)
                    .map(|_| {
                        (0..n as u32)
                            .filter(|_| (rng.next_u64() >> 11) < limit)
                            .collect()
                    })
                    .collect()
            }
        }
    }

    fn net(c: u32, h: u32, w: u32, t: u32) -> Network {
        let text = format!(
            "timesteps = {t}\nentropy_threshold = 0.0\nweight_seed = 1\ninput = {{ channels = {c}, height = {h}, width = {w} }}\n[classifier]\nclasses = 2\nweight_bits = 4\n"
        );
        Network::parse(&text, spikeforge_config::Format::Toml, "n.toml").unwrap()
    }

    #[test]
    fn per_timestep_generation_equals_up_front_in_chunks() {
        // 3·100·300 = 90000 inputs > CHUNK: a dense timestep spans two chunks.
        let n = net(3, 100, 300, 5);
        let count = 90_000usize;
        let mut rng = SplitMix64::new(9);
        let intens: Vec<i64> = (0..count).map(|_| (rng.next_u64() % 256) as i64).collect();
        let rate = Input {
            encoding: Encoding::Rate,
            spikes: None,
            intensities: Some(spikeforge_config::NestedInts::flat(intens)),
            density: None,
            seed: Some(77),
        };
        let spikes = Input {
            encoding: Encoding::Spikes,
            spikes: Some(
                (0..6)
                    .map(|_| {
                        spikeforge_config::NestedInts::flat(
                            (0..count)
                                .map(|_| !rng.next_u64().is_multiple_of(5) as i64)
                                .collect(),
                        )
                    })
                    .collect(),
            ),
            intensities: None,
            density: None,
            seed: None,
        };
        for input in [rate, spikes, Input::random(0.9, 3), Input::random(0.05, 4)] {
            input.validate("in", &n).unwrap();
            let want = up_front(count, 5, &input);
            assert_eq!(input_spikes(&n, &input), want);
            let mut gen = InputSpikes::new(&n, &input);
            let mut buf = Vec::new();
            for want_t in &want {
                let mut got = Vec::new();
                let mut chunks = 0;
                assert!(gen.next_timestep_chunks(&mut buf, |c| {
                    assert!(!c.is_empty() && c.len() <= CHUNK);
                    chunks += 1;
                    got.extend_from_slice(c);
                }));
                assert_eq!(&got, want_t);
                assert_eq!(chunks, want_t.len().div_ceil(CHUNK));
            }
            assert!(!gen.next_timestep_chunks(&mut buf, |_| panic!("past T")));
            assert!(buf.capacity() <= CHUNK.next_power_of_two());
        }
    }

    #[test]
    fn rate_is_proportional_to_intensity() {
        let mut s = rate_seed(7);
        let mut hits = [0u32; 3];
        let lv = [0i64, 64, 255];
        for _ in 0..20000 {
            for (h, &l) in hits.iter_mut().zip(&lv) {
                s = xorshift32(s);
                if ((s >> 24) as i64) < l {
                    *h += 1;
                }
            }
        }
        assert_eq!(hits[0], 0);
        assert!((hits[1] as f64 / 20000.0 - 0.25).abs() < 0.02);
        assert!(hits[2] > 19700);
    }
}
