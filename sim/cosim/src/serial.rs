//! A real board on a serial port (a USB-UART such as `/dev/ttyUSB0`): the tty in raw mode, 8N1,
//! no flow control, at a given baud rate, through termios (`rustix`, no C library needed), read
//! and written without blocking and waited on with `poll` so that every wait has a limit.

use crate::error::CosimError;
use crate::link::{ByteLink, LinkTransport};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::termios::{self, ControlModes, OptionalActions, QueueSelector, SpecialCodeIndex};
use std::collections::VecDeque;
use std::path::Path;
use std::time::{Duration, Instant};

/// A serial port as a [`ByteLink`]: [`ByteLink::recv`] waits at most the timeout for a byte;
/// a write that makes no progress for the timeout is an error.
pub struct SerialLink {
    fd: OwnedFd,
    path: String,
    timeout: Duration,
    buf: VecDeque<u8>,
}

impl SerialLink {
    /// Opens `path` at `baud` bits/s (raw, 8N1, no flow control, modem lines ignored) with
    /// `timeout` for every wait. Errors name the port and what failed (missing device, not a
    /// terminal, a rate the port does not take).
    pub fn open(path: &Path, baud: u32, timeout: Duration) -> Result<Self, CosimError> {
        let name = path.display().to_string();
        let err = |what: &str, e: Errno| CosimError::Serial {
            port: name.clone(),
            message: format!("{what}: {e}"),
        };
        let fd = rustix::fs::open(
            path,
            OFlags::RDWR | OFlags::NOCTTY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| err("cannot open it", e))?;
        let mut t = termios::tcgetattr(&fd).map_err(|e| {
            if e == Errno::NOTTY {
                CosimError::Serial {
                    port: name.clone(),
                    message: "is not a terminal (a serial device such as /dev/ttyUSB0)".into(),
                }
            } else {
                err("cannot read its settings", e)
            }
        })?;
        t.make_raw();
        t.control_modes |= ControlModes::CLOCAL | ControlModes::CREAD;
        t.control_modes -= ControlModes::CSTOPB | ControlModes::PARENB | ControlModes::CRTSCTS;
        t.special_codes[SpecialCodeIndex::VMIN] = 0;
        t.special_codes[SpecialCodeIndex::VTIME] = 0;
        t.set_speed(baud).map_err(|e| CosimError::Serial {
            port: name.clone(),
            message: format!("--baud {baud} is not a rate the port takes: {e}"),
        })?;
        termios::tcsetattr(&fd, OptionalActions::Now, &t)
            .map_err(|e| err(&format!("cannot set {baud} baud, raw 8N1"), e))?;
        Ok(SerialLink {
            fd,
            path: name,
            timeout,
            buf: VecDeque::new(),
        })
    }

    /// The device path.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn io_err(&self, what: &str, e: Errno) -> CosimError {
        CosimError::Serial {
            port: self.path.clone(),
            message: format!("{what}: {e}"),
        }
    }

    /// Reads what is available into the buffer; returns the number of bytes read.
    fn read_available(&mut self) -> Result<usize, CosimError> {
        let mut chunk = [0u8; 4096];
        let mut total = 0;
        loop {
            match rustix::io::read(&self.fd, &mut chunk) {
                Ok(0) => return Ok(total),
                Ok(n) => {
                    self.buf.extend(&chunk[..n]);
                    total += n;
                }
                Err(Errno::AGAIN) => return Ok(total),
                Err(Errno::INTR) => {}
                Err(e) => return Err(self.io_err("reading failed", e)),
            }
        }
    }

    /// Waits until the port is readable (and writable, with `write`) or `until` passes.
    fn wait(&self, write: bool, until: Instant) -> Result<PollFlags, CosimError> {
        let left = until.saturating_duration_since(Instant::now());
        let ts = rustix::event::Timespec {
            tv_sec: left.as_secs() as _,
            tv_nsec: left.subsec_nanos() as _,
        };
        let flags = if write {
            PollFlags::IN | PollFlags::OUT
        } else {
            PollFlags::IN
        };
        let mut fds = [PollFd::new(&self.fd, flags)];
        match poll(&mut fds, Some(&ts)) {
            Ok(_) | Err(Errno::INTR) => Ok(fds[0].revents()),
            Err(e) => Err(self.io_err("waiting for it failed", e)),
        }
    }
}

/// `2 s`, `0.5 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

impl ByteLink for SerialLink {
    /// Writes `bytes`, reading whatever the board sends meanwhile (so the port's receive
    /// buffer never overflows during a long stream).
    fn send(&mut self, bytes: &[u8]) -> Result<(), CosimError> {
        let mut rest = bytes;
        let mut until = Instant::now() + self.timeout;
        while !rest.is_empty() {
            self.read_available()?;
            match rustix::io::write(&self.fd, rest) {
                Ok(n) if n > 0 => {
                    rest = &rest[n..];
                    until = Instant::now() + self.timeout;
                    continue;
                }
                Ok(_) | Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                Err(e) => return Err(self.io_err("writing failed", e)),
            }
            if Instant::now() >= until {
                return Err(CosimError::Serial {
                    port: self.path.clone(),
                    message: format!(
                        "{} bytes could not be written within {} (the port's output is stuck)",
                        rest.len(),
                        seconds(self.timeout)
                    ),
                });
            }
            self.wait(true, until)?;
        }
        Ok(())
    }

    fn recv(&mut self) -> Result<Option<u8>, CosimError> {
        let until = Instant::now() + self.timeout;
        loop {
            if let Some(b) = self.buf.pop_front() {
                return Ok(Some(b));
            }
            if self.read_available()? > 0 {
                continue;
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            self.wait(false, until)?;
        }
    }

    fn limit(&self) -> String {
        seconds(self.timeout)
    }

    fn discard_input(&mut self) -> Result<(), CosimError> {
        termios::tcflush(&self.fd, QueueSelector::IFlush)
            .map_err(|e| self.io_err("cannot flush its input", e))?;
        self.buf.clear();
        self.read_available()?;
        self.buf.clear();
        Ok(())
    }

    fn pause(&mut self) {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The driver's transport over a serial port: [`LinkTransport`] over [`SerialLink`].
pub type SerialTransport = LinkTransport<SerialLink>;

/// A transport to the board on `path` at `baud` bits/s whose accelerator has `cols` columns of
/// `weight_bits`-bit weights; every wait is limited to `timeout`.
pub fn serial_transport(
    path: &Path,
    baud: u32,
    timeout: Duration,
    cols: u32,
    weight_bits: u32,
) -> Result<SerialTransport, CosimError> {
    Ok(LinkTransport::new(
        SerialLink::open(path, baud, timeout)?,
        cols,
        weight_bits,
    ))
}
