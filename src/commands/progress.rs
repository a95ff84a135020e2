//! Progress of a run on standard error, shared by `spikeforge run` and `cosim`.

use spikeforge_cosim::Progress;
use std::io::Write as _;
use std::time::{Duration, Instant};

/// Progress on standard error, as `spikeforge fpga` and `evaluate` show theirs: on a terminal a
/// bar of the stream words sent with what the host is doing; otherwise plain `run: …` lines —
/// one for each step before and after the stream, and in the stream at most one a second when
/// the request changes, and one every ten seconds while a long one goes out.
pub struct ProgressDisplay {
    /// The command's name, first on every line (`run`, `cosim`).
    label: &'static str,
    /// Standard error is a terminal: a bar; otherwise plain lines.
    pub terminal: bool,
    bar: indicatif::ProgressBar,
    started: Instant,
    /// The last line written (plain lines), and when.
    last: Option<(String, bool, Instant)>,
    /// Bytes sent so far, when the transport sends bytes.
    pub bytes: Option<u64>,
}

impl ProgressDisplay {
    /// A display for command `label` on a terminal (a bar) or not (lines).
    pub fn new(label: &'static str, terminal: bool) -> Self {
        let bar = if terminal {
            indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{label} [{{bar:40}}] {{pos}}/{{len}} words, {{msg}} ({{elapsed}})"
                ))
                .expect("a valid template")
                .progress_chars("=> "),
            )
        } else {
            indicatif::ProgressBar::hidden()
        };
        // The bar's clock moves while the board computes and no word goes out.
        bar.enable_steady_tick(Duration::from_millis(200));
        ProgressDisplay {
            label,
            terminal,
            bar,
            started: Instant::now(),
            last: None,
            bytes: None,
        }
    }

    /// Shows `p`: a step before or after the stream (no words planned) or the stream's state.
    pub fn show(&mut self, p: &Progress) {
        self.bytes = p.bytes;
        let bytes = p
            .bytes
            .map(|b| format!(", {b} bytes sent"))
            .unwrap_or_default();
        let what = p.describe();
        if self.terminal {
            self.bar.set_length(p.words_planned.max(p.words));
            self.bar.set_position(p.words);
            self.bar.set_message(format!("{what}{bytes}"));
            self.bar.tick();
            return;
        }
        let streaming = p.timesteps.is_some();
        let due = match &self.last {
            None => true,
            Some((last, was_streaming, at)) => {
                let quiet = at.elapsed();
                (*last != what && (!streaming || !was_streaming || quiet >= Duration::from_secs(1)))
                    || quiet >= Duration::from_secs(10)
            }
        };
        if due {
            let words = if p.words_planned == 0 {
                String::new()
            } else {
                format!(": {} of {} words{bytes}", p.words, p.words_planned)
            };
            let _ = writeln!(
                std::io::stderr(),
                "{}: {what}{words} ({:.0} s)",
                self.label,
                self.started.elapsed().as_secs_f64()
            );
            self.last = Some((what, streaming, Instant::now()));
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
