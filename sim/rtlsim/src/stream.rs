//! Valid/ready input streams driven inside the shim: [`Simulator::stream`] offers buffered beats
//! on up to eight channels and clocks the design in one call into C until a watched output goes
//! high, a channel has sent its last beat, or a cycle budget runs out, so a per-cycle handshake
//! costs no FFI call (docs/rtlsim.md, "Streaming").

use num_bigint::BigUint;

use crate::error::RtlSimError;
use crate::simulator::{Port, Simulator};

/// The shim's view of one channel (`SfStreamChan` in templates/verilator_shim.cpp.tera; the
/// field order and types are the C layout).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawChannel {
    valid: u32,
    data: u32,
    ready: u32,
    words_per: u32,
    beats: *const u32,
    count: u64,
    next: u64,
    valid_now: u64,
    data_now: *mut u32,
    data_known: u64,
}

/// A valid/ready input channel of the design: a one-bit `valid` input, a `data` input of any
/// width and a `ready` output. Remembers what it last drove, so `valid` and the data are
/// written to the model only when they change (a beat waiting for `ready` costs nothing).
#[derive(Debug, Clone)]
pub struct StreamChannel {
    valid: u32,
    data: u32,
    ready: u32,
    data_name: String,
    data_width: u32,
    valid_now: u64,
    data_now: Vec<u32>,
    data_known: bool,
}

impl StreamChannel {
    /// Resolves the channel's ports. Errors: an unknown port, `valid` not a one-bit input,
    /// `data` not an input, `ready` not a one-bit output.
    pub fn new(sim: &Simulator, valid: &str, data: &str, ready: &str) -> Result<Self, RtlSimError> {
        let (vi, vp) = sim.port_spec(valid)?;
        let (di, dp) = sim.port_spec(data)?;
        let (ri, rp) = sim.port_spec(ready)?;
        let bad = |name: &str, why: &str| {
            RtlSimError::Invalid(format!("stream channel port `{name}`: {why}"))
        };
        if !vp.is_input() || vp.width != 1 {
            return Err(bad(valid, "valid must be a one-bit input"));
        }
        if !dp.is_input() {
            return Err(bad(data, "data must be an input"));
        }
        if rp.is_input() || rp.width != 1 {
            return Err(bad(ready, "ready must be a one-bit output"));
        }
        Ok(StreamChannel {
            valid: vi,
            data: di,
            ready: ri,
            data_name: data.to_string(),
            data_width: dp.width,
            valid_now: u64::MAX,
            data_now: vec![0; dp.width.div_ceil(32) as usize],
            data_known: false,
        })
    }

    /// 32-bit words per beat (the data port's width rounded up to words).
    pub fn words_per_beat(&self) -> usize {
        self.data_width.div_ceil(32) as usize
    }

    /// Appends `value` to a beat buffer as [`Self::words_per_beat`] words, least significant
    /// first. Errors: `value` needs more bits than the data port has.
    pub fn pack(&self, value: &BigUint, out: &mut Vec<u32>) -> Result<(), RtlSimError> {
        let bits = value.bits();
        if bits > self.data_width as u64 {
            return Err(RtlSimError::ValueTooWide {
                port: self.data_name.clone(),
                width: self.data_width,
                value: value.to_string(),
                value_bits: bits,
            });
        }
        let start = out.len();
        out.extend(value.iter_u32_digits());
        out.resize(start + self.words_per_beat(), 0);
        Ok(())
    }

    /// Forgets what the channel last drove: the next [`Simulator::stream`] writes `valid` and
    /// the data again. Call it after poking the channel's ports by other means.
    pub fn forget(&mut self) {
        self.valid_now = u64::MAX;
        self.data_known = false;
    }
}

/// One channel's work in a [`Simulator::stream`] call: the packed beats of the stream being
/// sent ([`StreamChannel::pack`]) and the next one to offer, which the call advances.
#[derive(Debug)]
pub struct Feed<'a> {
    /// The channel.
    pub channel: &'a mut StreamChannel,
    /// Beats, [`StreamChannel::words_per_beat`] words each; empty when the channel is idle
    /// (`valid` low).
    pub beats: &'a [u32],
    /// The next beat to offer (index into `beats`); beats before it were taken.
    pub next: u64,
}

impl Simulator {
    /// Streams beats and clocks the design in one call into the shim: each cycle every channel
    /// offers its next beat (`valid` high while beats remain, low when its buffer is spent),
    /// the inputs settle, and the call returns *before that cycle's clock edge* when any
    /// `watch` port reads non-zero; otherwise every channel whose `valid` and `ready` are both
    /// high takes its beat and the cycle runs as [`Simulator::step`]. It also returns after a
    /// cycle in which a channel took its last beat, after `max_cycles` cycles, or when the
    /// design stops (see [`Simulator::status`]). Returns the cycles stepped; the feeds'
    /// `next` tell the beats taken. Panics with more than eight feeds.
    pub fn stream(&mut self, feeds: &mut [Feed<'_>], watch: &[Port], max_cycles: u64) -> u64 {
        assert!(
            feeds.len() <= 8,
            "Simulator::stream drives at most 8 channels"
        );
        let mut raw: Vec<RawChannel> = feeds
            .iter_mut()
            .map(|f| {
                let c = &mut f.channel;
                let count = (f.beats.len() / c.words_per_beat().max(1)) as u64;
                RawChannel {
                    valid: c.valid,
                    data: c.data,
                    ready: c.ready,
                    words_per: c.words_per_beat() as u32,
                    beats: f.beats.as_ptr(),
                    count,
                    next: f.next.min(count),
                    valid_now: c.valid_now,
                    data_now: c.data_now.as_mut_ptr(),
                    data_known: c.data_known as u64,
                }
            })
            .collect();
        let watch: Vec<u32> = watch.iter().map(|p| p.index()).collect();
        let ran = self.raw_stream(&mut raw, &watch, max_cycles);
        for (f, r) in feeds.iter_mut().zip(&raw) {
            f.next = r.next;
            f.channel.valid_now = r.valid_now;
            f.channel.data_known = r.data_known != 0;
        }
        ran
    }
}
