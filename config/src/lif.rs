//! The LIF options of DESIGN.md §2 as configuration values.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Membrane leak applied at the start of each LIF step (DESIGN.md §2 step 1).
///
/// Written in files as `"none"`, `"shift(k)"`, `"subtract(d)"`, or as a table
/// `{ shift = k }` / `{ subtract = d }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Leak {
    /// No leak: an integrate-and-fire (IF) neuron.
    #[default]
    None,
    /// `v = v − (v >>> k)` (arithmetic shift), i.e. τ = 1 − 2⁻ᵏ; `k` in 1..membrane_bits.
    Shift(u32),
    /// ODIN-style linear leak toward 0 by `d` membrane units: `v > 0 → max(v − d, 0)`,
    /// `v < 0 → min(v + d, 0)`; `d` in 1..=max membrane value.
    Subtract(i64),
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leak::None => f.write_str("none"),
            Leak::Shift(k) => write!(f, "shift({k})"),
            Leak::Subtract(d) => write!(f, "subtract({d})"),
        }
    }
}

impl std::str::FromStr for Leak {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s == "none" {
            return Ok(Leak::None);
        }
        let arg = |prefix: &str| -> Option<Result<i64, String>> {
            let rest = s.strip_prefix(prefix)?.trim();
            let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
            Some(
                inner
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| format!("`{s}`: the argument must be an integer")),
            )
        };
        if let Some(k) = arg("shift") {
            let k = k?;
            return u32::try_from(k)
                .map(Leak::Shift)
                .map_err(|_| format!("`{s}`: shift amount must be a small positive integer"));
        }
        if let Some(d) = arg("subtract") {
            return Ok(Leak::Subtract(d?));
        }
        Err(format!(
            "`{s}` is not a leak; expected \"none\", \"shift(k)\" or \"subtract(d)\""
        ))
    }
}

impl Serialize for Leak {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Leak {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Leak;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "\"none\", \"shift(k)\", \"subtract(d)\", { shift = k } or { subtract = d }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Leak, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Leak, A::Error> {
                let key: String = map
                    .next_key()?
                    .ok_or_else(|| de::Error::custom("empty leak table"))?;
                let value: i64 = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "leak table must have exactly one key; found also `{extra}`"
                    )));
                }
                match key.as_str() {
                    "shift" => u32::try_from(value).map(Leak::Shift).map_err(|_| {
                        de::Error::custom(format!("shift amount `{value}` out of range"))
                    }),
                    "subtract" => Ok(Leak::Subtract(value)),
                    other => Err(de::Error::unknown_field(other, &["shift", "subtract"])),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// What happens to the membrane after a spike (DESIGN.md §2 step 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    /// `v = s ? 0 : v`.
    #[default]
    Hard,
    /// Reset by subtraction: `v = s ? v − θ : v`.
    Soft,
}

/// The fire comparison (DESIGN.md §2 step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FireCompare {
    /// `s = v ≥ θ` (default).
    #[default]
    Ge,
    /// `s = v > θ` (snnTorch, Spiker+).
    Gt,
}

/// All parameters of one layer's LIF units (the `LifUnit` of the generators).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LifParams {
    /// Width of the signed, saturating membrane register (bits, 2..=24).
    pub membrane_bits: u32,
    /// Firing threshold θ (membrane units), 1 ≤ θ ≤ 2^(membrane_bits−1) − 1.
    pub threshold: i64,
    /// Leak applied before integration.
    pub leak: Leak,
    /// Reset after a spike.
    pub reset: Reset,
    /// Fire comparison.
    pub fire_compare: FireCompare,
    /// C#n: number of contiguous channel groups sharing one membrane state (1, 2, 4, 8).
    pub share_factor: u32,
}

impl LifParams {
    /// Largest membrane value, 2^(membrane_bits−1) − 1.
    pub fn v_max(&self) -> i64 {
        (1i64 << (self.membrane_bits - 1)) - 1
    }
    /// Smallest membrane value, −2^(membrane_bits−1).
    pub fn v_min(&self) -> i64 {
        -(1i64 << (self.membrane_bits - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leak_parses_both_spellings() {
        assert_eq!("shift(3)".parse::<Leak>().unwrap(), Leak::Shift(3));
        assert_eq!("subtract(2)".parse::<Leak>().unwrap(), Leak::Subtract(2));
        assert_eq!("none".parse::<Leak>().unwrap(), Leak::None);
        assert!("shift".parse::<Leak>().is_err());
        let l: Leak = serde_json::from_str(r#"{"shift": 4}"#).unwrap();
        assert_eq!(l, Leak::Shift(4));
        assert_eq!(
            serde_json::to_string(&Leak::Shift(4)).unwrap(),
            "\"shift(4)\""
        );
    }
}
