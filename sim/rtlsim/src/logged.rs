//! Running a tool with its output logged: everything it prints (standard output and error, line
//! by line as it comes) goes to a log file headed by the command line and is returned for the
//! caller to read; a caller that shows progress hears every line as it is printed. The one way
//! spikeforge runs Yosys, nextpnr, the bitstream packers, Verilator lint, Icarus and ABC.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::error::RtlSimError;

/// How [`run_logged`] watches the tool while it runs.
#[derive(Default)]
pub struct Watch<'a> {
    /// Hears each line the tool prints (without its newline), in the order the lines arrive,
    /// while the tool runs: for progress displays.
    pub on_line: Option<&'a mut dyn FnMut(&str)>,
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
/// the program or the log).
pub fn run_logged(mut cmd: Command, log: PathBuf, watch: Watch<'_>) -> Result<Ran, RtlSimError> {
    let Watch { mut on_line } = watch;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut file = BufWriter::new(File::create(&log).map_err(|e| RtlSimError::io(&log, e))?);
    let mut write_error = file.write_all(format!("$ {cmd:?}\n").as_bytes()).err();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RtlSimError::io(&program, e))?;
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
    let status = child.wait().map_err(|e| RtlSimError::io(&program, e))?;
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
