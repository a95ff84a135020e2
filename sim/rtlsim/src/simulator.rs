//! A loaded Verilated model.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::time::Instant;

use num_bigint::BigUint;
use num_traits::ToPrimitive;

use crate::error::RtlSimError;
use crate::{DesignSources, PortSpec};

/// One cycle's input values (port name, value) for [`Simulator::run_vectors`] and
/// [`crate::icarus::run_vectors`]; inputs not listed keep their previous value (initially 0).
pub type VectorCycle = Vec<(String, BigUint)>;

/// How a simulator was obtained, with timings (seconds).
#[derive(Debug, Clone, Default)]
pub struct BuildInfo {
    /// `true` when the library came from the cache (nothing was verilated or compiled).
    pub cached: bool,
    /// Cache key (blake3 hex).
    pub key: String,
    /// The shared library.
    pub library: PathBuf,
    /// `verilator --cc` time (0 when cached).
    pub verilate_s: f64,
    /// Verilator runtime compile time, when it had to be compiled in this build.
    pub runtime_compile_s: Option<f64>,
    /// Design C++ compile time (0 when cached).
    pub compile_s: f64,
    /// Link + publish time (0 when cached).
    pub link_s: f64,
    /// `dlopen` + symbol lookup + model construction.
    pub load_s: f64,
    /// Everything [`crate::build`] did.
    pub total_s: f64,
    /// Whether the library is a profile-guided build ([`crate::build_profiled`]).
    pub profile_guided: bool,
    /// The instrumented build and the training run of a profile-guided build, when this build
    /// recorded the profile (`None` when cached or not profile-guided).
    pub profile_s: Option<f64>,
}

/// Where the simulation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimStatus {
    /// Running normally.
    Running,
    /// The design executed `$finish`.
    Finished { file: String, line: i32, cycle: u64 },
    /// `$stop`/`$fatal`, a Verilator runtime fatal error, or a C++ exception in the model.
    Fatal {
        file: String,
        line: i32,
        cycle: u64,
        message: String,
    },
}

type FnNew = unsafe extern "C" fn() -> *mut c_void;
type FnPtr = unsafe extern "C" fn(*mut c_void);
type FnInt = unsafe extern "C" fn(*mut c_void) -> c_int;
type FnStr = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type FnU64 = unsafe extern "C" fn(*mut c_void) -> u64;
type FnStep = unsafe extern "C" fn(*mut c_void, u64) -> c_int;
type FnTraceOpen = unsafe extern "C" fn(*mut c_void, *const c_char, u64, u64) -> c_int;
type FnSetU64 = unsafe extern "C" fn(*mut c_void, u32, u64);
type FnGetU64 = unsafe extern "C" fn(*mut c_void, u32) -> u64;
type FnSetW = unsafe extern "C" fn(*mut c_void, u32, *const u32);
type FnGetW = unsafe extern "C" fn(*mut c_void, u32, *mut u32);
type FnStream = unsafe extern "C" fn(
    *mut c_void,
    *mut crate::stream::RawChannel,
    u32,
    *const u32,
    u32,
    u64,
    *mut u64,
) -> c_int;

struct Fns {
    free: FnPtr,
    status: FnInt,
    status_file: FnStr,
    status_line: FnInt,
    status_msg: FnStr,
    cycle: FnU64,
    eval: FnInt,
    step: FnStep,
    trace_open: FnTraceOpen,
    trace_close: FnInt,
    profile_dump: FnInt,
    set_u64: FnSetU64,
    get_u64: FnGetU64,
    set_words: FnSetW,
    get_words: FnGetW,
    stream: FnStream,
}

/// A Verilated design loaded into this process. Drive it with `poke*`, `step`, `run`, `reset`;
/// observe it with `peek*`. See the crate documentation for the exact cycle semantics.
///
/// `$finish`/`$stop`/`$fatal` never end the host process: they set [`Simulator::status`], after
/// which `step`/`run`/`reset` do nothing; [`Simulator::try_step`], [`Simulator::try_run`] and
/// [`Simulator::check`] turn the status into an error.
pub struct Simulator {
    handle: *mut c_void,
    f: Fns,
    ports: Vec<PortSpec>,
    index: HashMap<String, usize>,
    top: String,
    reset_idx: Option<usize>,
    /// The design's assertion lines by (file name, line): what a failure there means.
    properties: HashMap<(String, i32), String>,
    trace_enabled: bool,
    dirty: Cell<bool>,
    info: BuildInfo,
    // Dropped last: the code of every function pointer above lives in it.
    _lib: libloading::Library,
}

/// A port resolved by [`Simulator::port`]: its index and width (valid for that simulator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port {
    index: u32,
    width: u32,
    input: bool,
}

impl Port {
    /// The port's index in the simulator's port list.
    pub(crate) fn index(self) -> u32 {
        self.index
    }
}

// The model is plain C++ state owned by this value; the shim keeps no thread affinity.
unsafe impl Send for Simulator {}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("top", &self.top)
            .field("cycle", &self.cycle())
            .field("library", &self.info.library)
            .finish()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if !self.handle.is_null() {
            unsafe { (self.f.free)(self.handle) };
            self.handle = std::ptr::null_mut();
        }
    }
}

fn sym<T: Copy>(lib: &libloading::Library, path: &Path, name: &str) -> Result<T, RtlSimError> {
    unsafe {
        lib.get::<T>(name.as_bytes())
            .map(|s| *s)
            .map_err(|e| RtlSimError::Load {
                path: path.to_path_buf(),
                message: format!("symbol `{name}`: {e}"),
            })
    }
}

impl Simulator {
    pub(crate) fn load(
        so: &Path,
        ports: Vec<PortSpec>,
        sources: &DesignSources,
        trace_enabled: bool,
        mut info: BuildInfo,
        load_start: Instant,
        build_start: Instant,
    ) -> Result<Simulator, RtlSimError> {
        let lib = unsafe { libloading::Library::new(so) }.map_err(|e| RtlSimError::Load {
            path: so.to_path_buf(),
            message: e.to_string(),
        })?;
        let abi: unsafe extern "C" fn() -> u32 = sym(&lib, so, "sf_abi_version")?;
        let count: unsafe extern "C" fn() -> u32 = sym(&lib, so, "sf_port_count")?;
        if unsafe { abi() } != 2 || unsafe { count() } as usize != ports.len() {
            return Err(RtlSimError::Load {
                path: so.to_path_buf(),
                message: "ABI version or port count does not match this spikeforge-rtlsim".into(),
            });
        }
        let f = Fns {
            free: sym(&lib, so, "sf_free")?,
            status: sym(&lib, so, "sf_status")?,
            status_file: sym(&lib, so, "sf_status_file")?,
            status_line: sym(&lib, so, "sf_status_line")?,
            status_msg: sym(&lib, so, "sf_status_msg")?,
            cycle: sym(&lib, so, "sf_cycle")?,
            eval: sym(&lib, so, "sf_eval")?,
            step: sym(&lib, so, "sf_step")?,
            trace_open: sym(&lib, so, "sf_trace_open")?,
            trace_close: sym(&lib, so, "sf_trace_close")?,
            profile_dump: sym(&lib, so, "sf_profile_dump")?,
            set_u64: sym(&lib, so, "sf_set_u64")?,
            get_u64: sym(&lib, so, "sf_get_u64")?,
            set_words: sym(&lib, so, "sf_set_words")?,
            get_words: sym(&lib, so, "sf_get_words")?,
            stream: sym(&lib, so, "sf_stream")?,
        };
        let new: FnNew = sym(&lib, so, "sf_new")?;
        let handle = unsafe { new() };
        if handle.is_null() {
            return Err(RtlSimError::Load {
                path: so.to_path_buf(),
                message: "constructing the Verilated model failed (C++ exception)".into(),
            });
        }
        let index = ports
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect::<HashMap<_, _>>();
        let reset_idx = sources.reset.as_ref().and_then(|r| index.get(r).copied());
        info.load_s = load_start.elapsed().as_secs_f64();
        info.total_s = build_start.elapsed().as_secs_f64();
        Ok(Simulator {
            handle,
            f,
            ports,
            index,
            top: sources.top.clone(),
            reset_idx,
            properties: property_lines(sources),
            trace_enabled,
            dirty: Cell::new(false),
            info,
            _lib: lib,
        })
    }

    /// Writes the profile of an instrumented library (the first build of
    /// [`crate::build_profiled`]) now; `false` for any other library, which records none.
    pub(crate) fn dump_profile(&self) -> bool {
        unsafe { (self.f.profile_dump)(self.handle) == 1 }
    }

    /// How this simulator was built (cache hit or not, timings, library path).
    pub fn build_info(&self) -> &BuildInfo {
        &self.info
    }

    /// Whether the library came from the cache.
    pub fn cached(&self) -> bool {
        self.info.cached
    }

    /// The top module's ports, in the order given (or as Verilator declared them).
    pub fn ports(&self) -> &[PortSpec] {
        &self.ports
    }

    /// The top module name.
    pub fn top(&self) -> &str {
        &self.top
    }

    /// Number of completed `step`s (including those done by `reset` and `run`).
    pub fn cycle(&self) -> u64 {
        unsafe { (self.f.cycle)(self.handle) }
    }

    fn lookup(&self, port: &str) -> Result<(usize, &PortSpec), RtlSimError> {
        match self.index.get(port) {
            Some(&i) => Ok((i, &self.ports[i])),
            None => Err(RtlSimError::UnknownPort {
                port: port.to_string(),
                top: self.top.clone(),
                available: self
                    .ports
                    .iter()
                    .map(|p| format!("{} [{}]", p.name, p.width))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    fn input(&self, port: &str) -> Result<(usize, u32), RtlSimError> {
        let (i, p) = self.lookup(port)?;
        if !p.is_input() {
            return Err(RtlSimError::NotAnInput {
                port: port.to_string(),
                width: p.width,
            });
        }
        Ok((i, p.width))
    }

    /// A port of at most 64 bits resolved once by name, for peeks and pokes in a per-cycle
    /// loop without a name lookup ([`Simulator::peek_port`], [`Simulator::poke_port`]).
    /// Errors: unknown port, wider than 64 bits.
    pub fn port(&self, name: &str) -> Result<Port, RtlSimError> {
        let (i, p) = self.lookup(name)?;
        if p.width > 64 {
            return Err(RtlSimError::PortTooWide {
                port: name.to_string(),
                width: p.width,
            });
        }
        Ok(Port {
            index: i as u32,
            width: p.width,
            input: p.is_input(),
        })
    }

    /// [`Simulator::peek_u64`] of a resolved port.
    pub fn peek_port(&self, port: Port) -> u64 {
        self.settle_if_dirty();
        unsafe { (self.f.get_u64)(self.handle, port.index) }
    }

    /// [`Simulator::poke_u64`] of a resolved port. Errors: not an input, value needs more bits
    /// than the port.
    pub fn poke_port(&mut self, port: Port, value: u64) -> Result<(), RtlSimError> {
        let name = || self.ports[port.index as usize].name.clone();
        if !port.input {
            return Err(RtlSimError::NotAnInput {
                port: name(),
                width: port.width,
            });
        }
        if port.width < 64 && value >> port.width != 0 {
            return Err(RtlSimError::ValueTooWide {
                port: name(),
                width: port.width,
                value: value.to_string(),
                value_bits: 64 - value.leading_zeros() as u64,
            });
        }
        unsafe { (self.f.set_u64)(self.handle, port.index, value) };
        self.dirty.set(true);
        Ok(())
    }

    /// Sets an input. Errors: unknown port, not an input, value needs more bits than the port.
    /// Takes effect at the next `eval`/`step`/`peek`.
    pub fn poke(&mut self, port: &str, value: &BigUint) -> Result<(), RtlSimError> {
        let (i, width) = self.input(port)?;
        let bits = value.bits();
        if bits > width as u64 {
            return Err(RtlSimError::ValueTooWide {
                port: port.to_string(),
                width,
                value: value.to_string(),
                value_bits: bits,
            });
        }
        if width <= 64 {
            let v = value.to_u64().unwrap_or(0);
            unsafe { (self.f.set_u64)(self.handle, i as u32, v) };
        } else {
            let mut words = value.to_u32_digits();
            words.resize(width.div_ceil(32) as usize, 0);
            unsafe { (self.f.set_words)(self.handle, i as u32, words.as_ptr()) };
        }
        self.dirty.set(true);
        Ok(())
    }

    /// [`Simulator::poke`] for values that fit in a `u64`.
    pub fn poke_u64(&mut self, port: &str, value: u64) -> Result<(), RtlSimError> {
        let (i, width) = self.input(port)?;
        if width < 64 && value >> width != 0 {
            return Err(RtlSimError::ValueTooWide {
                port: port.to_string(),
                width,
                value: value.to_string(),
                value_bits: 64 - value.leading_zeros() as u64,
            });
        }
        if width <= 64 {
            unsafe { (self.f.set_u64)(self.handle, i as u32, value) };
            self.dirty.set(true);
            Ok(())
        } else {
            self.poke(port, &BigUint::from(value))
        }
    }

    /// Pokes `value` as two's complement in the port's width. A signed port accepts
    /// `-2^(w-1) ..= 2^(w-1)-1`; an unsigned port accepts `-2^(w-1) ..= 2^w-1` (negative values
    /// are written as their two's-complement bit pattern). Anything else is
    /// [`RtlSimError::ValueTooWide`].
    pub fn poke_i64(&mut self, port: &str, value: i64) -> Result<(), RtlSimError> {
        let (_, p) = self.lookup(port)?;
        let (width, signed) = (p.width, p.signed);
        let w = width as i128;
        let v = value as i128;
        let lo = -(1i128 << (w.min(127) - 1));
        let hi = if signed {
            (1i128 << (w.min(127) - 1)) - 1
        } else {
            (1i128 << w.min(126)) - 1
        };
        if v < lo || v > hi {
            let bits = if v < 0 {
                129 - (!v).leading_zeros() as u64
            } else {
                128 - v.leading_zeros() as u64 + u64::from(signed)
            };
            return Err(RtlSimError::ValueTooWide {
                port: port.to_string(),
                width,
                value: value.to_string(),
                value_bits: bits,
            });
        }
        let pattern = if v < 0 {
            (BigUint::from(1u8) << width) - BigUint::from((-v) as u128)
        } else {
            BigUint::from(v as u128)
        };
        self.poke(port, &pattern)
    }

    fn settle_if_dirty(&self) {
        if self.dirty.get() {
            unsafe { (self.f.eval)(self.handle) };
            self.dirty.set(false);
        }
    }

    /// Reads a port (input or output) after settling pending pokes.
    pub fn peek(&self, port: &str) -> Result<BigUint, RtlSimError> {
        let (i, p) = self.lookup(port)?;
        self.settle_if_dirty();
        if p.width <= 64 {
            Ok(BigUint::from(unsafe {
                (self.f.get_u64)(self.handle, i as u32)
            }))
        } else {
            let mut words = vec![0u32; p.width.div_ceil(32) as usize];
            unsafe { (self.f.get_words)(self.handle, i as u32, words.as_mut_ptr()) };
            Ok(BigUint::from_slice(&words))
        }
    }

    /// [`Simulator::peek`] for ports of at most 64 bits.
    pub fn peek_u64(&self, port: &str) -> Result<u64, RtlSimError> {
        let (i, p) = self.lookup(port)?;
        if p.width > 64 {
            return Err(RtlSimError::PortTooWide {
                port: port.to_string(),
                width: p.width,
            });
        }
        self.settle_if_dirty();
        Ok(unsafe { (self.f.get_u64)(self.handle, i as u32) })
    }

    /// Reads a port of at most 64 bits as a signed number: sign-extended from the port width when
    /// the port is signed, zero-extended otherwise (error if that exceeds `i64::MAX`).
    pub fn peek_i64(&self, port: &str) -> Result<i64, RtlSimError> {
        let (_, p) = self.lookup(port)?;
        let (width, signed) = (p.width, p.signed);
        let raw = self.peek_u64(port)?;
        if signed {
            let shift = 64 - width;
            Ok(((raw << shift) as i64) >> shift)
        } else {
            i64::try_from(raw).map_err(|_| RtlSimError::PortTooWide {
                port: port.to_string(),
                width,
            })
        }
    }

    /// Settles combinational logic with the current inputs (no clock edge, no cycle counted).
    pub fn eval(&mut self) {
        unsafe { (self.f.eval)(self.handle) };
        self.dirty.set(false);
    }

    /// One clock cycle: `clk=1`, eval (inputs settle, then the rising edge), `clk=0`, eval.
    /// Afterwards registers hold their new state and combinational outputs reflect it and the
    /// current inputs. For a design without a clock it is one settle. Does nothing once the
    /// design has finished (see [`Simulator::status`]).
    pub fn step(&mut self) {
        // Pending pokes settle inside the first eval of sf_step, before the rising edge.
        unsafe { (self.f.step)(self.handle, 1) };
        self.dirty.set(false);
    }

    /// `cycles` × [`Simulator::step`] in one call into C (stops early at `$finish`/`$fatal`).
    pub fn run(&mut self, cycles: u64) {
        if cycles > 0 {
            unsafe { (self.f.step)(self.handle, cycles) };
            self.dirty.set(false);
        }
    }

    /// The shim's `sf_stream` over `channels` (at most 8) watching `watch` (port indices), at
    /// most `max` cycles; returns the cycles stepped. Pending pokes settle first.
    pub(crate) fn raw_stream(
        &mut self,
        channels: &mut [crate::stream::RawChannel],
        watch: &[u32],
        max: u64,
    ) -> u64 {
        self.settle_if_dirty();
        let mut ran = 0u64;
        unsafe {
            (self.f.stream)(
                self.handle,
                channels.as_mut_ptr(),
                channels.len() as u32,
                watch.as_ptr(),
                watch.len() as u32,
                max,
                &mut ran,
            )
        };
        ran
    }

    /// The index and spec of port `name` (crate-internal, for [`crate::stream`]).
    pub(crate) fn port_spec(&self, name: &str) -> Result<(u32, &PortSpec), RtlSimError> {
        self.lookup(name).map(|(i, p)| (i as u32, p))
    }

    /// Drives the reset high for `cycles` steps, then low (the low value takes effect from the
    /// next step). Does nothing if the design has no reset port configured.
    pub fn reset(&mut self, cycles: u32) {
        if let Some(r) = self.reset_idx {
            unsafe { (self.f.set_u64)(self.handle, r as u32, 1) };
            self.run(cycles as u64);
            unsafe { (self.f.set_u64)(self.handle, r as u32, 0) };
            self.dirty.set(true);
        }
    }

    /// Current status.
    pub fn status(&self) -> SimStatus {
        let code = unsafe { (self.f.status)(self.handle) };
        if code == 0 {
            return SimStatus::Running;
        }
        let cstr = |p: *const c_char| {
            if p.is_null() {
                String::new()
            } else {
                unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        };
        let file = cstr(unsafe { (self.f.status_file)(self.handle) });
        let line = unsafe { (self.f.status_line)(self.handle) };
        let cycle = self.cycle();
        let base = Path::new(&file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(what) = self.properties.get(&(base, line)) {
            return SimStatus::Fatal {
                file,
                line,
                cycle,
                message: what.clone(),
            };
        }
        if code == 1 {
            SimStatus::Finished { file, line, cycle }
        } else {
            SimStatus::Fatal {
                file,
                line,
                cycle,
                message: cstr(unsafe { (self.f.status_msg)(self.handle) }),
            }
        }
    }

    /// `Ok` while running; [`RtlSimError::Finished`] / [`RtlSimError::Fatal`] otherwise.
    pub fn check(&self) -> Result<(), RtlSimError> {
        match self.status() {
            SimStatus::Running => Ok(()),
            SimStatus::Finished { file, line, cycle } => {
                Err(RtlSimError::Finished { file, line, cycle })
            }
            SimStatus::Fatal {
                file,
                line,
                cycle,
                message,
            } => Err(RtlSimError::Fatal {
                file,
                line,
                cycle,
                message,
            }),
        }
    }

    /// [`Simulator::step`], then [`Simulator::check`].
    pub fn try_step(&mut self) -> Result<(), RtlSimError> {
        self.check()?;
        self.step();
        self.check()
    }

    /// [`Simulator::run`], then [`Simulator::check`].
    pub fn try_run(&mut self, cycles: u64) -> Result<(), RtlSimError> {
        self.check()?;
        self.run(cycles);
        self.check()
    }

    /// Records a VCD of the cycles `cycles` (absolute cycle numbers, as [`Simulator::cycle`]) to
    /// `path`. The file is opened now and closed when the window ends (or at the next
    /// `trace_window`, [`Simulator::trace_close`] or drop). VCD time of cycle `c`: inputs
    /// applied at `10c`, rising edge at `10c+5`, falling edge at `10c+10`.
    /// Requires [`crate::BuildOptions::trace`].
    pub fn trace_window(
        &mut self,
        path: &Path,
        cycles: std::ops::Range<u64>,
    ) -> Result<(), RtlSimError> {
        if !self.trace_enabled {
            return Err(RtlSimError::Trace(format!(
                "`{}` was built without tracing; build it with BuildOptions {{ trace: true, .. }}",
                self.top
            )));
        }
        if cycles.start >= cycles.end || cycles.start < self.cycle() {
            return Err(RtlSimError::Trace(format!(
                "window {}..{} is empty or already past (current cycle {})",
                cycles.start,
                cycles.end,
                self.cycle()
            )));
        }
        // Surface an unwritable path as an I/O error rather than a runtime fatal.
        std::fs::File::create(path).map_err(|e| RtlSimError::io(path, e))?;
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| RtlSimError::Trace("path contains a NUL byte".into()))?;
        let r = unsafe { (self.f.trace_open)(self.handle, c.as_ptr(), cycles.start, cycles.end) };
        match r {
            0 => Ok(()),
            -2 => Err(RtlSimError::Trace(format!(
                "Verilator could not open {}",
                path.display()
            ))),
            _ => Err(RtlSimError::Trace(format!(
                "opening the VCD failed (code {r}); {}",
                self.check()
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default()
            ))),
        }
    }

    /// Closes an open VCD early.
    pub fn trace_close(&mut self) {
        if self.trace_enabled {
            unsafe { (self.f.trace_close)(self.handle) };
        }
    }

    /// Applies `vectors` one cycle each: poke the listed inputs, [`Simulator::step`], then record
    /// every output port (in port order). Stops with an error at `$finish`/`$fatal`.
    /// Continues from the simulator's current state: inputs not listed keep their current
    /// value. [`crate::icarus::run_vectors`] starts from all-zero inputs, so compare it with a
    /// fresh simulator (a second `build` of the same design is a cache hit).
    pub fn run_vectors(
        &mut self,
        vectors: &[VectorCycle],
    ) -> Result<Vec<VectorCycle>, RtlSimError> {
        let outputs: Vec<String> = self
            .ports
            .iter()
            .filter(|p| !p.is_input())
            .map(|p| p.name.clone())
            .collect();
        let mut out = Vec::with_capacity(vectors.len());
        for cyc in vectors {
            for (name, v) in cyc {
                self.poke(name, v)?;
            }
            self.try_step()?;
            let mut row = Vec::with_capacity(outputs.len());
            for o in &outputs {
                row.push((o.clone(), self.peek(o)?));
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// The assertion and assumption statements of the design's sources (as the DSL emits them:
/// `label: assert (cond); // message (file.rs:line)`), by (file name, line number), with what a
/// failure there means.
fn property_lines(sources: &DesignSources) -> HashMap<(String, i32), String> {
    let mut out = HashMap::new();
    for (name, text) in &sources.files {
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            for (kind, noun) in [("assert", "assertion"), ("assume", "assumption")] {
                let Some(at) = t.find(&format!(": {kind} (")) else {
                    continue;
                };
                let label = &t[..at];
                let note = t.split_once("// ").map(|(_, c)| c).unwrap_or("");
                out.insert(
                    (name.clone(), i as i32 + 1),
                    format!("{noun} `{label}` failed: {note}"),
                );
            }
        }
    }
    out
}
