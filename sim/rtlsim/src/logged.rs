//! Running a tool with its output logged: everything it prints (standard output and error, line
//! by line as it comes) goes to a log file headed by the command line and is returned for the
//! caller to read; a caller that shows progress hears every line as it is printed. The one way
//! spikeforge runs Yosys, nextpnr, the bitstream packers, Verilator lint, Icarus and ABC.
//!
//! A run given an [`Interrupt`] puts the tool in a process group of its own and can be stopped
//! from another thread (a signal handler's): [`Interrupt::interrupt`] kills the whole group, so
//! no tool or helper it started outlives the run, and the run returns
//! [`RtlSimError::Interrupted`].

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::RtlSimError;

/// How [`run_logged`] watches the tool while it runs.
#[derive(Default)]
pub struct Watch<'a> {
    /// Hears each line the tool prints (without its newline), in the order the lines arrive,
    /// while the tool runs: for progress displays.
    pub on_line: Option<&'a mut dyn FnMut(&str)>,
    /// Stops the tool when interrupted (the tool then runs in a process group of its own; a
    /// terminal's Ctrl-C no longer reaches it, the caller's signal handler does, through
    /// [`Interrupt::interrupt`]).
    pub interrupt: Option<&'a Interrupt>,
}

/// A stop shared between the runs of a job and whoever stops it (a signal handler's thread):
/// once interrupted, it kills the process group of every tool running under it and keeps
/// new ones from starting. Cloning shares it.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    inner: Arc<InterruptInner>,
}

#[derive(Debug, Default)]
struct InterruptInner {
    interrupted: AtomicBool,
    /// The process groups (their leaders' ids) of the tools running now.
    groups: Mutex<Vec<u32>>,
}

impl Interrupt {
    /// One that is not interrupted.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Interrupts: every tool running under it is killed with its whole process group
    /// (`SIGKILL`), and [`run_logged`] refuses to start another.
    pub fn interrupt(&self) {
        self.inner.interrupted.store(true, Ordering::SeqCst);
        for &pid in self.groups().iter() {
            kill_group(pid);
        }
    }

    /// Whether [`Interrupt::interrupt`] was called.
    pub fn is_interrupted(&self) -> bool {
        self.inner.interrupted.load(Ordering::SeqCst)
    }

    /// `Err(RtlSimError::Interrupted)` once interrupted: for the steps of a job between tools.
    pub fn check(&self, what: &str) -> Result<(), RtlSimError> {
        if self.is_interrupted() {
            return Err(RtlSimError::Interrupted { what: what.into() });
        }
        Ok(())
    }

    fn groups(&self) -> std::sync::MutexGuard<'_, Vec<u32>> {
        self.inner.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a running tool's group; kills it at once if the interrupt came first (under
    /// the lock, so an interrupt either sees the group or is seen here).
    fn enter(&self, pid: u32) {
        let mut groups = self.groups();
        groups.push(pid);
        if self.is_interrupted() {
            kill_group(pid);
        }
    }

    fn leave(&self, pid: u32) {
        self.groups().retain(|&p| p != pid);
    }
}

/// `kill(-pid, SIGKILL)`; a group that is gone already is no error.
fn kill_group(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// What a logged run gave.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Whether the tool exited with status 0.
    pub success: bool,
    /// Everything it printed (standard output and error interleaved as the lines arrived; not
    /// valid UTF-8 replaced), one `\n` after each line.
    pub text: String,
    /// The log file: `$ <command>` on its first line, then [`Ran::text`].
    pub log: PathBuf,
}

/// Runs `cmd` (standard input empty) and waits for it, writing what it prints to `log` as it
/// comes and passing each line to `watch`'s callback. A tool that fails is not an error here:
/// [`Ran::success`] says so and the caller builds its message from [`Ran::text`] (an excerpt)
/// and [`Ran::log`] (where the whole log is).
///
/// Errors: the tool cannot be started, or the log cannot be written ([`RtlSimError::Io`], naming
/// the program or the log); `watch`'s interrupt came before or while the tool ran
/// ([`RtlSimError::Interrupted`]: the tool was killed with its process group, or never
/// started).
pub fn run_logged(mut cmd: Command, log: PathBuf, watch: Watch<'_>) -> Result<Ran, RtlSimError> {
    let Watch {
        mut on_line,
        interrupt,
    } = watch;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let name = std::path::Path::new(&program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.clone());
    if let Some(i) = interrupt {
        i.check(&name)?;
        cmd.process_group(0);
    }
    let mut file = BufWriter::new(File::create(&log).map_err(|e| RtlSimError::io(&log, e))?);
    let mut write_error = file.write_all(format!("$ {cmd:?}\n").as_bytes()).err();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RtlSimError::io(&program, e))?;
    if let Some(i) = interrupt {
        i.enter(child.id());
    }
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let streams: [Option<Box<dyn Read + Send>>; 2] = [
        child.stdout.take().map(|s| Box::new(s) as _),
        child.stderr.take().map(|s| Box::new(s) as _),
    ];
    let readers: Vec<_> = streams
        .into_iter()
        .flatten()
        .map(|stream| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if buf.last() == Some(&b'\n') {
                                buf.pop();
                            }
                            let line = String::from_utf8_lossy(&buf).into_owned();
                            if tx.send(line).is_err() {
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let mut text = String::new();
    // Every line is read to the end even when the log cannot be written, so the tool never
    // blocks on a full pipe.
    for line in rx {
        if let Some(f) = on_line.as_mut() {
            f(&line);
        }
        text.push_str(&line);
        text.push('\n');
        if write_error.is_none() {
            write_error = writeln!(file, "{line}").err();
        }
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait();
    if let Some(i) = interrupt {
        i.leave(child.id());
    }
    let status = status.map_err(|e| RtlSimError::io(&program, e))?;
    let _ = file.flush();
    if let Some(i) = interrupt {
        i.check(&name)?;
    }
    if let Some(e) = write_error.or_else(|| file.flush().err()) {
        return Err(RtlSimError::io(&log, e));
    }
    Ok(Ran {
        success: status.success(),
        text,
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_logged_streamed_and_returned() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("t.log");
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo one; echo two >&2; printf 'bad \\377 byte\\nlast without newline'; exit 3",
        ]);
        let mut heard = Vec::new();
        let mut on_line = |l: &str| heard.push(l.to_string());
        let ran = run_logged(
            cmd,
            log.clone(),
            Watch {
                on_line: Some(&mut on_line),
                interrupt: None,
            },
        )
        .unwrap();
        assert!(!ran.success);
        let mut lines: Vec<&str> = ran.text.lines().collect();
        lines.sort();
        assert_eq!(
            lines,
            ["bad \u{fffd} byte", "last without newline", "one", "two"]
        );
        heard.sort();
        assert_eq!(heard, lines);
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(logged.starts_with("$ \"sh\" \"-c\""), "{logged}");
        assert_eq!(&logged[logged.find('\n').unwrap() + 1..], ran.text);
        assert_eq!(ran.log, log);
    }

    #[test]
    fn an_interrupt_kills_the_tool_and_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let interrupt = Interrupt::new();
        // A tool that starts a helper of its own, says so, and waits for it.
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(format!(
            "sleep 60 & echo $! > '{}'; echo started; wait",
            pid_file.display()
        ));
        let stopper = interrupt.clone();
        let mut on_line = move |l: &str| {
            if l == "started" {
                stopper.interrupt();
            }
        };
        let t = std::time::Instant::now();
        let e = run_logged(
            cmd,
            dir.path().join("t.log"),
            Watch {
                on_line: Some(&mut on_line),
                interrupt: Some(&interrupt),
            },
        )
        .unwrap_err();
        assert!(matches!(e, RtlSimError::Interrupted { .. }), "{e}");
        assert_eq!(e.to_string(), "interrupted during sh");
        assert!(t.elapsed() < std::time::Duration::from_secs(30));
        // The helper went with the tool's process group (give the kernel a moment to reap).
        let helper = std::fs::read_to_string(&pid_file).unwrap();
        let proc = std::path::PathBuf::from(format!("/proc/{}", helper.trim()));
        let gone = (0..100).any(|_| {
            let alive = std::fs::read_to_string(proc.join("stat"))
                .map(|s| !s.contains(") Z "))
                .unwrap_or(false);
            if alive {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            !alive
        });
        assert!(gone, "the helper {} survived", helper.trim());
        // Once interrupted, no tool starts.
        let e = run_logged(
            Command::new("true"),
            dir.path().join("u.log"),
            Watch {
                on_line: None,
                interrupt: Some(&interrupt),
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "interrupted during true");
        assert!(!dir.path().join("u.log").exists());
    }

    #[test]
    fn a_program_that_cannot_start_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = run_logged(
            Command::new("/nonexistent/tool"),
            dir.path().join("t.log"),
            Watch::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("/nonexistent/tool"), "{e}");
    }
}
