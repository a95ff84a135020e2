//! The integrate-only output layer (DESIGN.md §4): `z_t[k] = Σ_{i≤t} I_i[k]`, a running sum
//! with no leak, no fire and no reset. The logit registers are `logit_bits` wide; the network
//! validation guarantees the sum cannot overflow them.

/// The logit registers of the classifier.
#[derive(Debug, Clone)]
pub struct Classifier {
    z: Vec<i64>,
}

impl Classifier {
    /// Zeroed logits for `classes` outputs.
    pub fn new(classes: usize) -> Self {
        Classifier {
            z: vec![0; classes],
        }
    }

    /// Adds one timestep's currents; returns the number of register updates (= classes).
    pub fn integrate(&mut self, currents: &[i32]) -> u64 {
        for (z, &i) in self.z.iter_mut().zip(currents) {
            *z += i as i64;
        }
        self.z.len() as u64
    }

    /// The current logits z_t.
    pub fn logits(&self) -> &[i64] {
        &self.z
    }
}

/// `argmax z`, the lowest index winning ties.
pub fn argmax(z: &[i64]) -> usize {
    let mut best = 0;
    for (k, &v) in z.iter().enumerate() {
        if v > z[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_sum_and_ties() {
        let mut c = Classifier::new(3);
        c.integrate(&[1, 5, 5]);
        c.integrate(&[2, -1, 0]);
        assert_eq!(c.logits(), &[3, 4, 5]);
        assert_eq!(argmax(&[1, 7, 7, 2]), 1);
        assert_eq!(argmax(&[-3, -3]), 0);
    }
}
