//! The DT-SNN entropy unit (DESIGN.md §4): the golden model's fixed-point algorithm, bit-exact.
