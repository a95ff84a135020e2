//! Nested integer arrays (`[[1, -2], [3, 0]]`) as written in network and input files.

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};
use std::fmt;

/// A nested array of integers of any depth, e.g. a K×C×R×S weight tensor.
///
/// Stored as its shape (one length per nesting level, outermost first) and its elements in
/// row-major order. A scalar has an empty shape. Deserializing checks that the nesting is
/// rectangular (all sub-arrays at a level have the same length and depth).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NestedInts {
    /// Length of each nesting level, outermost first.
    pub shape: Vec<usize>,
    /// Elements in row-major order; `data.len()` is the product of `shape`.
    pub data: Vec<i64>,
}

impl NestedInts {
    /// A one-level array holding `data`.
    pub fn flat(data: Vec<i64>) -> Self {
        NestedInts {
            shape: vec![data.len()],
            data,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Renders the multi-index of flat element `i` as `[a][b][c]`.
    pub fn index_path(&self, mut i: usize) -> String {
        let mut idx = vec![0usize; self.shape.len()];
        for (slot, &n) in idx.iter_mut().zip(self.shape.iter()).rev() {
            if n > 0 {
                *slot = i % n;
                i /= n;
            }
        }
        idx.iter().map(|v| format!("[{v}]")).collect()
    }
}

enum Node {
    Leaf(i64),
    List(Vec<Node>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a (nested) array of integers")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Leaf(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                i64::try_from(v)
                    .map(Node::Leaf)
                    .map_err(|_| E::custom(format!("integer {v} is out of range")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(n) = seq.next_element::<Node>()? {
                    items.push(n);
                }
                Ok(Node::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

fn shape_of(n: &Node) -> Vec<usize> {
    let mut shape = Vec::new();
    let mut cur = n;
    while let Node::List(items) = cur {
        shape.push(items.len());
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    shape
}

fn flatten(n: &Node, shape: &[usize], out: &mut Vec<i64>) -> Result<(), String> {
    match (n, shape.split_first()) {
        (Node::Leaf(v), None) => {
            out.push(*v);
            Ok(())
        }
        (Node::List(items), Some((&len, rest))) => {
            if items.len() != len {
                return Err(format!(
                    "ragged array: a sub-array has {} elements where {} were expected",
                    items.len(),
                    len
                ));
            }
            items.iter().try_for_each(|i| flatten(i, rest, out))
        }
        (Node::Leaf(_), Some(_)) => {
            Err("ragged array: an integer where an array was expected".into())
        }
        (Node::List(_), None) => Err("ragged array: an array where an integer was expected".into()),
    }
}

impl<'de> Deserialize<'de> for NestedInts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(d)?;
        let shape = shape_of(&node);
        let mut data = Vec::new();
        flatten(&node, &shape, &mut data).map_err(de::Error::custom)?;
        Ok(NestedInts { shape, data })
    }
}

impl Serialize for NestedInts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Level<'a> {
            shape: &'a [usize],
            data: &'a [i64],
        }
        impl Serialize for Level<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.shape.split_first() {
                    None => s.serialize_i64(self.data[0]),
                    Some((&n, rest)) => {
                        let stride: usize = rest.iter().product();
                        let mut seq = s.serialize_seq(Some(n))?;
                        for i in 0..n {
                            seq.serialize_element(&Level {
                                shape: rest,
                                data: &self.data[i * stride..(i + 1) * stride],
                            })?;
                        }
                        seq.end()
                    }
                }
            }
        }
        if self.shape.is_empty() && self.data.is_empty() {
            return s.serialize_seq(Some(0))?.end();
        }
        Level {
            shape: &self.shape,
            data: &self.data,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rectangular_and_rejects_ragged() {
        let n: NestedInts = serde_json::from_str("[[1,-2,3],[4,5,6]]").unwrap();
        assert_eq!(n.shape, vec![2, 3]);
        assert_eq!(n.data, vec![1, -2, 3, 4, 5, 6]);
        assert_eq!(n.index_path(4), "[1][1]");
        assert!(serde_json::from_str::<NestedInts>("[[1,2],[3]]").is_err());
        assert!(serde_json::from_str::<NestedInts>("[[1,2],3]").is_err());
        let back = serde_json::to_string(&n).unwrap();
        assert_eq!(back, "[[1,-2,3],[4,5,6]]");
    }
}
