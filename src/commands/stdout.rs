//! Printing a command's result on standard output the way Unix tools do: a reader that went
//! away (`spikeforge … | head`) ends the command quietly, any other failure (`> /dev/full`) is
//! an error that says it was standard output.

use std::io::Write;

/// What a failed write to standard output becomes: nothing for a closed pipe, otherwise an
/// error naming standard output.
fn outcome(result: std::io::Result<()>) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::anyhow!("writing to standard output: {e}")),
        Ok(()) => Ok(()),
    }
}

/// Writes `text` and a newline to standard output and flushes it. A closed pipe is not an
/// error; any other write error is one that names standard output.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    outcome(writeln!(out, "{text}").and_then(|_| out.flush()))
}

/// Writes `value` as JSON (pretty or on one line) and a newline to standard output, streamed
/// (no copy of the document in memory); errors as for [`print`].
pub fn print_json(value: &impl serde::Serialize, pretty: bool) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, value)
    } else {
        serde_json::to_writer(&mut out, value)
    };
    outcome(
        written
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
            .and_then(|_| out.flush()),
    )
}
