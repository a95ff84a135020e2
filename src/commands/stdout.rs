//! Printing a command's result on standard output the way Unix tools do: a reader that went
//! away (`spikeforge … | head`) ends the command quietly, any other failure (`> /dev/full`) is
//! an error that says it was standard output.

use std::io::Write;

/// Writes `text` and a newline to standard output and flushes it. A closed pipe is not an
/// error; any other write error is one that names standard output.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::anyhow!("writing to standard output: {e}")),
        Ok(()) => Ok(()),
    }
}
