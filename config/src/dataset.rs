//! A labelled dataset of images, rate-encoded per image (what `spikeforge evaluate` reads; the
//! digits test split in examples/digits/test.json is one).

use crate::error::{Ctx, Result};
use crate::input::{Encoding, Input};
use crate::load;
use crate::nested::NestedInts;
use crate::network::Network;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Largest number of images accepted.
pub const MAX_IMAGES: usize = 1 << 20;

/// Images with labels; image `i` is rate-encoded (the golden model's encoder) with `seeds[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// What the data is (reports quote it).
    pub name: String,
    /// `[C, H, W]` of every image; must equal the network's input.
    pub shape: [u32; 3],
    /// Only `rate` (8-bit intensities).
    pub encoding: Encoding,
    /// The rate encoder's seed of each image.
    pub seeds: Vec<u64>,
    /// The class of each image.
    pub labels: Vec<u32>,
    /// Each image's C·H·W intensities, 0..=255, in C, H, W order.
    pub intensities: Vec<Vec<i64>>,
}

impl Dataset {
    /// Reads, parses and validates a dataset file (`.json` or `.toml`).
    pub fn load(path: impl AsRef<Path>) -> Result<Dataset> {
        let (text, format, file) = load::read(path.as_ref())?;
        let d: Dataset = load::parse(&text, format, &file)?;
        d.validate(&file)?;
        Ok(d)
    }

    /// Checks the lengths, the encoding and every intensity.
    pub fn validate(&self, file: &str) -> Result<()> {
        let cx = Ctx { file };
        if self.encoding != Encoding::Rate {
            return Err(cx.err(
                "encoding",
                format!("{:?}", self.encoding).to_lowercase(),
                "a dataset holds intensities: only \"rate\" is supported",
            ));
        }
        let n = self.labels.len();
        if n == 0 || n > MAX_IMAGES {
            return Err(cx.err("labels", n, format!("needs 1..={MAX_IMAGES} images")));
        }
        for (field, len) in [
            ("seeds", self.seeds.len()),
            ("intensities", self.intensities.len()),
        ] {
            if len != n {
                return Err(cx.err(field, len, format!("holds {len} entries for {n} labels")));
            }
        }
        let [c, h, w] = self.shape;
        let size = u64::from(c) * u64::from(h) * u64::from(w);
        if size == 0 || size > crate::network::MAX_NEURONS {
            return Err(cx.err(
                "shape",
                format!("{:?}", self.shape),
                "needs 1 to 2^28 values per image",
            ));
        }
        for (i, img) in self.intensities.iter().enumerate() {
            if img.len() as u64 != size {
                return Err(cx.err(
                    format!("intensities[{i}]"),
                    format!("{} values", img.len()),
                    format!("an image of shape {:?} has {size}", self.shape),
                ));
            }
            if let Some((j, v)) = img
                .iter()
                .enumerate()
                .find(|(_, v)| !(0..=255).contains(*v))
            {
                return Err(cx.err(format!("intensities[{i}][{j}]"), v, "must be in 0..=255"));
            }
        }
        Ok(())
    }

    /// Checks that the images fit `net`'s input and the labels its classes.
    pub fn check_network(&self, net: &Network, file: &str) -> Result<()> {
        let cx = Ctx { file };
        let want = [net.input.channels, net.input.height, net.input.width];
        if self.shape != want {
            return Err(cx.err(
                "shape",
                format!("{:?}", self.shape),
                format!("the network's input is {want:?}"),
            ));
        }
        if let Some((i, l)) = self
            .labels
            .iter()
            .enumerate()
            .find(|(_, l)| **l >= net.classifier.classes)
        {
            return Err(cx.err(
                format!("labels[{i}]"),
                l,
                format!("the network has {} classes", net.classifier.classes),
            ));
        }
        Ok(())
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images (a validated dataset has at least one).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i` as an input description.
    pub fn input(&self, i: usize) -> Input {
        Input {
            encoding: Encoding::Rate,
            spikes: None,
            intensities: Some(NestedInts::flat(self.intensities[i].clone())),
            density: None,
            seed: Some(self.seeds[i]),
        }
    }
}
