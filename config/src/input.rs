//! The input description: binary spikes per timestep, 8-bit intensities to be rate-encoded,
//! or random spikes of a given density.

use crate::error::{Ctx, Result};
use crate::load::{self, Format};
use crate::nested::NestedInts;
use crate::network::Network;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How the input file describes the input spikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// `spikes`: one array of 0/1 per timestep, C·H·W values (any nesting, C, H, W order).
    Spikes,
    /// `intensities`: C·H·W values 0..=255, rate-encoded by the golden model's documented
    /// deterministic encoder with `seed`.
    Rate,
    /// Every input spike independently 1 with probability `density`, from `seed`.
    Random,
}

/// An input description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// `spikes`, `rate` or `random`.
    pub encoding: Encoding,
    /// `spikes` encoding: at least T arrays (extra timesteps are ignored) of 0/1 values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spikes: Option<Vec<NestedInts>>,
    /// `rate` encoding: C·H·W intensities 0..=255 (any nesting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensities: Option<NestedInts>,
    /// `random` encoding: spike probability in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<f64>,
    /// Seed of the `rate` and `random` encoders (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl Input {
    /// Reads, parses and validates an input file against `net`.
    pub fn load(path: impl AsRef<Path>, net: &Network) -> Result<Input> {
        let (text, format, file) = load::read(path.as_ref())?;
        Input::parse(&text, format, &file, net)
    }

    /// Parses and validates an input from text; `file` names it in errors.
    pub fn parse(text: &str, format: Format, file: &str, net: &Network) -> Result<Input> {
        let input: Input = load::parse(text, format, file)?;
        input.validate(file, net)?;
        Ok(input)
    }

    /// Random input of the given density.
    pub fn random(density: f64, seed: u64) -> Input {
        Input {
            encoding: Encoding::Random,
            spikes: None,
            intensities: None,
            density: Some(density),
            seed: Some(seed),
        }
    }

    /// The seed in use (default 1).
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(1)
    }

    /// Checks the input against the network's input shape and timesteps.
    pub fn validate(&self, file: &str, net: &Network) -> Result<()> {
        let cx = Ctx { file };
        let n = net.input.channels as usize * net.input.height as usize * net.input.width as usize;
        let present = [
            ("spikes", self.spikes.is_some(), Encoding::Spikes),
            ("intensities", self.intensities.is_some(), Encoding::Rate),
            ("density", self.density.is_some(), Encoding::Random),
        ];
        for (name, is, enc) in present {
            if is && enc != self.encoding {
                return Err(cx.err(
                    name,
                    "(given)",
                    format!("not used by encoding = {:?}", self.encoding).to_lowercase(),
                ));
            }
            if !is && enc == self.encoding {
                return Err(cx.err(
                    name,
                    "(missing)",
                    format!("required by encoding = \"{}\"", name_of(enc)),
                ));
            }
        }
        match self.encoding {
            Encoding::Spikes => {
                let sp = self.spikes.as_ref().expect("checked");
                if sp.len() < net.timesteps as usize {
                    return Err(cx.err(
                        "spikes",
                        format!("{} timesteps", sp.len()),
                        format!(
                            "shape mismatch: the network runs T = {} timesteps",
                            net.timesteps
                        ),
                    ));
                }
                for (t, s) in sp.iter().enumerate() {
                    if s.len() != n {
                        return Err(cx.err(
                            format!("spikes[{t}]"),
                            format!("{} values", s.len()),
                            format!("shape mismatch: the input has C·H·W = {n} values"),
                        ));
                    }
                    if let Some(p) = s.data.iter().position(|&v| v != 0 && v != 1) {
                        return Err(cx.err(
                            format!("spikes[{t}]{}", s.index_path(p)),
                            s.data[p],
                            "spikes must be 0 or 1",
                        ));
                    }
                }
            }
            Encoding::Rate => {
                let x = self.intensities.as_ref().expect("checked");
                if x.len() != n {
                    return Err(cx.err(
                        "intensities",
                        format!("{} values", x.len()),
                        format!("shape mismatch: the input has C·H·W = {n} values"),
                    ));
                }
                if let Some(p) = x.data.iter().position(|&v| !(0..=255).contains(&v)) {
                    return Err(cx.err(
                        format!("intensities{}", x.index_path(p)),
                        x.data[p],
                        "intensities must be in 0..=255",
                    ));
                }
            }
            Encoding::Random => {
                let d = self.density.expect("checked");
                if !(0.0..=1.0).contains(&d) {
                    return Err(cx.err(
                        "density",
                        crate::error::short_float(d),
                        "must be in [0, 1]",
                    ));
                }
            }
        }
        Ok(())
    }
}

fn name_of(e: Encoding) -> &'static str {
    match e {
        Encoding::Spikes => "spikes",
        Encoding::Rate => "rate",
        Encoding::Random => "random",
    }
}
