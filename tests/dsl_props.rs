//! Property tests of the DSL: random expression DAGs and random sequential designs are
//! elaborated, emitted as Verilog, linted with `verilator --lint-only -Wall`, simulated with
//! Verilator and Icarus Verilog, and compared bit for bit with the reference evaluator
//! (`spikeforge_dsl::eval::Evaluator`) on random input vectors.
//!
//! * `random_expression_dags_agree_with_verilator_and_icarus`: every case is one module with
//!   32–48 independent expression DAGs (each an output) over 4–8 shared inputs of 1..=130 bits,
//!   using every operator of the DSL, signed and unsigned; 96 input vectors per case (edge
//!   values included). 8 cases in CI (≥ 256 DAGs); `PROPTEST_CASES=n` runs `n` cases.
//! * `random_sequential_designs_agree_every_cycle`: registers (with/without enable, reset,
//!   random reset values) and memories (any depth, 1–2 write and read ports, optional
//!   initial contents, read-during-write on purpose), stepped for a random number of cycles
//!   with random inputs and resets; every output is compared after every cycle.
//!   6 cases in CI.
//!
//! Every case also runs under Icarus Verilog (`spikeforge_rtlsim::icarus`) when that is
//! meaningful (sequential designs need all memories initialised, since Icarus starts them at
//! X). Every design must be lint clean under `verilator --lint-only -Wall` (constant
//! comparisons that the random design itself contains excepted). Any Verilator mismatch or
//! verilation failure fails: the bridge verilates with `-fno-const-bit-op-tree -fno-subst`,
//! which avoid two Verilator 5.006 bugs this test found (docs/dsl-semantics.md; regressions in
//! `tests/verilator_bugs.rs`).
//!
//! A failure prints the seed (`PROPTEST_RNG_SEED=...` reproduces the run) and the shrunk case:
//! the output, both values, the inputs, and the failing DAG (or sequential design) as a
//! builder snippet that reproduces it. Semantics and figures: `docs/dsl-semantics.md`.

use num_bigint::{BigInt, BigUint};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use spikeforge_dsl::eval::Evaluator;
use spikeforge_dsl::prelude::*;
use spikeforge_rtlsim::{build, icarus, tools, BuildOptions, DesignSources, VectorCycle};
use std::fmt::Write as _;
use std::path::PathBuf;

mod common;
use common::SplitMix;

/// The widest node the generator builds (wider operands are truncated first).
const CAP: u32 = 300;

// ---------------------------------------------------------------------------------------------
// Small deterministic RNG for input vectors (the seed is part of each proptest case).

/// Wide and edge-biased input values on top of the shared generator.
trait WideStimulus {
    fn bits(&mut self, w: u32) -> BigUint;
    fn edge(&mut self, w: u32) -> BigUint;
}

impl WideStimulus for SplitMix {
    fn bits(&mut self, w: u32) -> BigUint {
        let mut v = BigUint::default();
        for _ in 0..w.div_ceil(64) {
            v = (v << 64u32) | BigUint::from(self.next());
        }
        v & ones(w)
    }

    /// A value of `w` bits, biased to edge values: 0, all ones, signed min and max, 1.
    fn edge(&mut self, w: u32) -> BigUint {
        match self.below(10) {
            0 => BigUint::default(),
            1 => ones(w),
            2 => BigUint::from(1u8) << (w - 1),
            3 => ones(w - 1),
            4 => BigUint::from(1u8),
            5 => {
                let k = 1 + self.below(u64::from(w)) as u32;
                self.bits(k)
            }
            _ => self.bits(w),
        }
    }
}

fn ones(w: u32) -> BigUint {
    (BigUint::from(1u8) << w) - 1u8
}

// ---------------------------------------------------------------------------------------------
// The spec: inputs plus nodes, each node an operator over earlier values (a DAG with sharing).

/// Every operator of the DSL (see `dsl/src/builder/value.rs`).
const OPS: &[&str] = &[
    "+",
    "-",
    "*",
    "&",
    "|",
    "^",
    "!",
    "neg",
    "<<",
    ">>",
    "shr_logical",
    "shl_by",
    "shr_by",
    "is_eq",
    "is_ne",
    "is_lt",
    "is_le",
    "is_gt",
    "is_ge",
    "wrapping_add",
    "wrapping_sub",
    "saturating_add",
    "saturating_sub",
    "select",
    "Expr::mux",
    "bits",
    "bit",
    "trunc",
    "zext",
    "sext",
    "as_uint",
    "as_sint",
    "to_signed",
    "Expr::cat",
    "any",
    "all",
    "parity",
    "const",
    "literal",
];

/// Extra weight of `const` nodes, so that constants meet every operator often (the back-end
/// folds constants into literals on paths of their own).
const CONST_WEIGHT: usize = 6;

fn op_name(op: usize) -> &'static str {
    OPS.get(op).copied().unwrap_or("const")
}

/// One node: operator `op` (index into [`OPS`], beyond it `const`) over up to three earlier values, with free
/// parameters `p` (amounts, widths, choices) and `v` (constant bits).
#[derive(Clone)]
struct Node {
    op: usize,
    args: [Index; 3],
    p: [u32; 3],
    v: u128,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c] = &self.args;
        write!(
            f,
            "Node({:?} {a:?} {b:?} {c:?} {:?} {:#x})",
            op_name(self.op),
            self.p,
            self.v
        )
    }
}

fn node() -> impl Strategy<Value = Node> {
    (
        0..OPS.len() + CONST_WEIGHT,
        any::<[Index; 3]>(),
        any::<[u32; 3]>(),
        any::<u128>(),
    )
        .prop_map(|(op, args, p, v)| Node { op, args, p, v })
}

/// Input widths: edge widths around the 32/64-bit word boundaries, or anything in 1..=130.
fn width() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![
            1u32, 2, 7, 8, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130
        ]),
        1u32..=130,
        1u32..=16,
    ]
}

#[derive(Clone, Debug)]
struct InputSpec {
    width: u32,
    signed: bool,
    boolean: bool,
}

fn input_spec() -> impl Strategy<Value = InputSpec> {
    (width(), any::<bool>(), any::<bool>()).prop_map(|(width, signed, boolean)| InputSpec {
        width,
        signed,
        boolean,
    })
}

// ---------------------------------------------------------------------------------------------
// Turning specs into builder calls and into a Rust snippet at the same time.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A `Signal` variable (`i3`, `r0`): `Copy`, used by value.
    Signal,
    /// An `Expr` variable (`n7`): used as `&n7`.
    Var,
    /// An `Expr`-valued Rust expression (`n7.as_uint()`).
    Owned,
}

#[derive(Clone)]
struct Val {
    e: Expr,
    code: String,
    form: Form,
}

impl Val {
    fn signal(s: Signal, name: &str) -> Val {
        Val {
            e: Expr::from(s),
            code: name.to_string(),
            form: Form::Signal,
        }
    }

    fn ty(&self) -> Type {
        self.e.ty()
    }

    fn width(&self) -> u32 {
        self.e.width()
    }

    fn signed(&self) -> bool {
        self.ty().is_signed()
    }

    /// As an operand or argument.
    fn arg(&self) -> String {
        match self.form {
            Form::Var => format!("&{}", self.code),
            _ => self.code.clone(),
        }
    }

    /// As an owned `Expr` (for `Expr::cat`).
    fn owned(&self) -> String {
        match self.form {
            Form::Signal => format!("Expr::from({})", self.code),
            Form::Var => format!("{}.clone()", self.code),
            Form::Owned => self.code.clone(),
        }
    }

    fn then(&self, e: Expr, method: String) -> Val {
        Val {
            e,
            code: format!("{}.{method}", self.code),
            form: Form::Owned,
        }
    }

    fn trunc(&self, w: u32) -> Val {
        self.then(self.e.trunc(w), format!("trunc({w})"))
    }

    /// Truncated to at most `w` bits.
    fn fit(self, w: u32) -> Val {
        if self.width() > w {
            self.trunc(w)
        } else {
            self
        }
    }

    fn as_uint(&self) -> Val {
        self.then(self.e.as_uint(), "as_uint()".into())
    }

    /// The same value with signedness `signed` (`to_signed()` or `as_sint()` by `choice`).
    fn sign_to(self, signed: bool, choice: u32) -> Val {
        if self.signed() == signed {
            self
        } else if !signed {
            self.as_uint()
        } else if choice.is_multiple_of(2) && self.width() < CAP {
            self.then(self.e.to_signed(), "to_signed()".into())
        } else {
            self.then(self.e.as_sint(), "as_sint()".into())
        }
    }

    /// Extended (by its signedness) or truncated to `w` bits.
    fn width_to(self, w: u32) -> Val {
        let vw = self.width();
        if vw < w {
            if self.signed() {
                self.then(self.e.sext(w), format!("sext({w})"))
            } else {
                self.then(self.e.zext(w), format!("zext({w})"))
            }
        } else if vw > w {
            self.trunc(w)
        } else {
            self
        }
    }

    fn into_type(self, ty: Type, choice: u32) -> Val {
        self.sign_to(ty.is_signed(), choice).width_to(ty.width())
    }

    /// A one-bit unsigned value derived from this one.
    fn into_bool(self, choice: u32) -> Val {
        let w = self.width();
        if w == 1 {
            return self.sign_to(false, 0);
        }
        match choice % 3 {
            0 => {
                let i = (choice / 3) % w;
                self.then(self.e.bit(i), format!("bit({i})"))
            }
            1 => self.then(self.e.any(), "any()".into()),
            _ => self.then(self.e.parity(), "parity()".into()),
        }
    }
}

/// A constant as Rust source (`123u64`, `-5i64`, or a `BigInt` parse for wide values).
fn big_code(v: &BigInt) -> String {
    if let Ok(x) = i64::try_from(v.clone()) {
        if x < 0 {
            return format!("{x}i64");
        }
        return format!("{x}u64");
    }
    if let Ok(x) = u64::try_from(v.clone()) {
        return format!("{x}u64");
    }
    let mag = v.magnitude().to_str_radix(16);
    let sign = if *v < BigInt::from(0) { "-" } else { "" };
    format!("{sign}BigInt::parse_bytes(b\"{mag}\", 16).unwrap()")
}

/// A value of type `ty` chosen by `pick` from 0, −1/all ones, min, max, 1 and the bits `v`.
fn const_value(ty: Type, pick: u32, v: u128) -> BigInt {
    let w = ty.width();
    let raw = match pick % 6 {
        0 => BigInt::from(0),
        1 => ty.min_value(),
        2 => ty.max_value(),
        3 => BigInt::from(1),
        4 => BigInt::from(-1),
        _ => BigInt::from(v) * (BigInt::from(1) << (w.saturating_sub(128))),
    };
    ty.from_bits(&ty.to_bits(&raw))
}

/// Builds values node by node and records the snippet.
struct Gen {
    lines: Vec<String>,
    next_node: usize,
}

impl Gen {
    fn new() -> Gen {
        Gen {
            lines: Vec::new(),
            next_node: 0,
        }
    }

    /// Builds `nodes` over `leaves`; returns the values of all nodes (the last is the root)
    /// and the snippet lines (`let nK = …;`).
    fn dag(&mut self, leaves: &[Val], nodes: &[Node]) -> (Vec<Val>, Vec<String>) {
        let mut built: Vec<Val> = Vec::new();
        let mut lines = Vec::new();
        for n in nodes {
            // Operands: mostly earlier nodes of this DAG (deep DAGs with sharing), else any
            // leaf or node; the second operand differs from the first except 1 time in 16
            // (`x ^ x` and `x.is_lt(x)` are rarely interesting).
            let all = leaves.len() + built.len();
            let mut ks = [0usize; 3];
            for (i, k) in ks.iter_mut().enumerate() {
                let from_nodes = !built.is_empty() && n.p[2] >> (8 + 2 * i) & 3 != 0;
                *k = if from_nodes {
                    leaves.len() + n.args[i].index(built.len())
                } else {
                    n.args[i].index(all)
                };
            }
            if ks[1] == ks[0] && all > 1 && n.p[2] >> 20 & 15 != 0 {
                ks[1] = (ks[1] + 1) % all;
            }
            let pick = |i: usize| -> Val {
                let k = ks[i];
                if k < leaves.len() {
                    leaves[k].clone()
                } else {
                    built[k - leaves.len()].clone()
                }
            };
            let (a, b, c) = (pick(0), pick(1), pick(2));
            let (e, code) = op(n, a, b, c);
            let name = format!("n{}", self.next_node);
            self.next_node += 1;
            let line = format!("let {name} = {code}; // {}", e.ty());
            lines.push(line.clone());
            self.lines.push(line);
            built.push(Val {
                e,
                code: name,
                form: Form::Var,
            });
        }
        (built, lines)
    }
}

/// One node's expression and code.
fn op(n: &Node, a: Val, b: Val, c: Val) -> (Expr, String) {
    let [p0, p1, p2] = n.p;
    let name = op_name(n.op);
    match name {
        "+" | "-" | "*" | "wrapping_add" | "wrapping_sub" | "saturating_add" | "saturating_sub"
        | "is_eq" | "is_ne" | "is_lt" | "is_le" | "is_gt" | "is_ge" => {
            let limit = if name == "*" { CAP / 2 } else { CAP - 1 };
            let b = b.sign_to(a.signed(), p0).fit(limit);
            let a = a.fit(limit);
            let (x, y) = (&a.e, &b.e);
            let e = match name {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "wrapping_add" => x.wrapping_add(y),
                "wrapping_sub" => x.wrapping_sub(y),
                "saturating_add" => x.saturating_add(y),
                "saturating_sub" => x.saturating_sub(y),
                "is_eq" => x.is_eq(y),
                "is_ne" => x.is_ne(y),
                "is_lt" => x.is_lt(y),
                "is_le" => x.is_le(y),
                "is_gt" => x.is_gt(y),
                _ => x.is_ge(y),
            };
            let code = if matches!(name, "+" | "-" | "*") {
                format!("{} {name} {}", a.arg(), b.arg())
            } else {
                format!("{}.{name}({})", a.code, b.arg())
            };
            (e, code)
        }
        "&" | "|" | "^" => {
            let b = b.into_type(a.ty(), p0);
            let e = match name {
                "&" => &a.e & &b.e,
                "|" => &a.e | &b.e,
                _ => &a.e ^ &b.e,
            };
            (e, format!("{} {name} {}", a.arg(), b.arg()))
        }
        "!" => (!&a.e, format!("!{}", a.arg())),
        "neg" => {
            let a = a.sign_to(true, p0).fit(CAP - 1);
            (-&a.e, format!("-{}", a.arg()))
        }
        "<<" => {
            let k = p0 % 9;
            let a = a.fit(CAP - k);
            (&a.e << k, format!("{} << {k}", a.arg()))
        }
        ">>" => {
            let k = p0 % (a.width() + 3);
            (&a.e >> k, format!("{} >> {k}", a.arg()))
        }
        "shr_logical" => {
            let k = p0 % (a.width() + 3);
            (a.e.shr_logical(k), format!("{}.shr_logical({k})", a.code))
        }
        "shl_by" => {
            let s = b.sign_to(false, 0).fit(1 + p0 % 4);
            let a = a.fit(CAP - 15);
            (a.e.shl_by(&s.e), format!("{}.shl_by({})", a.code, s.arg()))
        }
        "shr_by" => {
            let s = b.sign_to(false, 0);
            let s = if p1 % 4 == 0 { s } else { s.fit(1 + p0 % 8) };
            (a.e.shr_by(&s.e), format!("{}.shr_by({})", a.code, s.arg()))
        }
        "select" | "Expr::mux" => {
            let sel = c.into_bool(p2);
            let b = b.into_type(a.ty(), p0);
            if name == "select" {
                let code = format!("{}.select({}, {})", sel.code, a.arg(), b.arg());
                (sel.e.select(&a.e, &b.e), code)
            } else {
                let code = format!("Expr::mux({}, {}, {})", sel.arg(), a.arg(), b.arg());
                (Expr::mux(&sel.e, &a.e, &b.e), code)
            }
        }
        "bits" => {
            let w = a.width();
            let lo = p0 % w;
            let hi = lo + p1 % (w - lo);
            (a.e.bits(hi, lo), format!("{}.bits({hi}, {lo})", a.code))
        }
        "bit" => {
            let i = p0 % a.width();
            (a.e.bit(i), format!("{}.bit({i})", a.code))
        }
        "trunc" => {
            let w = 1 + p0 % a.width();
            (a.e.trunc(w), format!("{}.trunc({w})", a.code))
        }
        "zext" | "sext" => {
            let w = (a.width() + p0 % 9).min(CAP).max(a.width());
            let e = if name == "zext" {
                a.e.zext(w)
            } else {
                a.e.sext(w)
            };
            (e, format!("{}.{name}({w})", a.code))
        }
        "as_uint" => (a.e.as_uint(), format!("{}.as_uint()", a.code)),
        "as_sint" => (a.e.as_sint(), format!("{}.as_sint()", a.code)),
        "to_signed" => {
            let a = a.fit(CAP - 1);
            (a.e.to_signed(), format!("{}.to_signed()", a.code))
        }
        "Expr::cat" => {
            let parts: Vec<Val> = [a, b, c]
                .into_iter()
                .take(1 + (p0 % 3) as usize)
                .map(|v| v.fit(CAP / 3))
                .collect();
            let code: Vec<String> = parts.iter().map(Val::owned).collect();
            let e = Expr::cat(parts.iter().map(|v| v.e.clone()));
            (e, format!("Expr::cat([{}])", code.join(", ")))
        }
        "any" => (a.e.any(), format!("{}.any()", a.code)),
        "all" => (a.e.all(), format!("{}.all()", a.code)),
        "parity" => (a.e.parity(), format!("{}.parity()", a.code)),
        "const" => {
            let w = match p0 % 4 {
                0 => 1 + p1 % 8,
                1 => [63, 64, 65, 127, 128, 129, 130][(p1 % 7) as usize],
                _ => 1 + p1 % 130,
            };
            let ty = if p2 % 2 == 0 { UInt(w) } else { SInt(w) };
            let v = const_value(ty, p2 / 2, n.v);
            let ctor = if ty.is_signed() { "sint" } else { "uint" };
            let code = format!("Expr::{ctor}({}, {w})", big_code(&v));
            (Expr::constant(v, ty), code)
        }
        _ => {
            // An integer literal meeting a typed operand.
            let ty = a.ty();
            let w = ty.width();
            let raw = (n.v as u64 as i64) >> (p1 % 64);
            let k: i64 = match p0 % 4 {
                2 => {
                    // Bitwise: the literal takes the operand's exact type.
                    let bits = w.min(63);
                    let raw = i128::from(raw);
                    let k = if ty.is_signed() {
                        let half = 1i128 << (bits - 1);
                        raw.rem_euclid(2 * half) - half
                    } else {
                        raw.rem_euclid(1i128 << bits)
                    };
                    k as i64
                }
                _ if ty.is_signed() => raw,
                _ => raw.unsigned_abs().min(i64::MAX as u64) as i64,
            };
            let lit = if k < 0 {
                format!("{k}i64")
            } else {
                format!("{k}u64")
            };
            match p0 % 4 {
                0 => {
                    let a = a.fit(CAP - 1);
                    let e = if k < 0 { &a.e + k } else { &a.e + k as u64 };
                    (e, format!("{} + {lit}", a.arg()))
                }
                1 => {
                    let e = if k < 0 {
                        a.e.is_lt(k)
                    } else {
                        a.e.is_lt(k as u64)
                    };
                    (e, format!("{}.is_lt({lit})", a.code))
                }
                2 => {
                    let e = if k < 0 { &a.e & k } else { &a.e & k as u64 };
                    (e, format!("{} & {lit}", a.arg()))
                }
                _ => {
                    let e = if k < 0 {
                        a.e.wrapping_sub(k)
                    } else {
                        a.e.wrapping_sub(k as u64)
                    };
                    (e, format!("{}.wrapping_sub({lit})", a.code))
                }
            }
        }
    }
}

fn type_code(ty: Type) -> String {
    ty.to_string()
}

fn hex(v: &BigUint) -> String {
    format!("0x{}", v.to_str_radix(16))
}

// ---------------------------------------------------------------------------------------------
// Running a design under Verilator (with lint) and Icarus.

/// Emits, lints (`-Wall`, must be clean) and builds `design`; returns the sources and simulator.
fn emit_lint_build(
    design: &spikeforge_dsl::ir::Design,
    clocked: bool,
    uses_reset: bool,
) -> Result<(DesignSources, spikeforge_rtlsim::Simulator), String> {
    let v = emit_verilog(design);
    let dir = tempfile::Builder::new()
        .prefix("sf-props-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    v.write_files(dir.path()).map_err(|e| e.to_string())?;
    let files: Vec<PathBuf> = v.files.iter().map(|f| dir.path().join(&f.name)).collect();
    let mut report = tools::verilator_lint(&files, &v.top).map_err(|e| e.to_string())?;
    // Comparisons that are constant by construction (`x.is_lt(x)`, `u.is_ge(0)` on a `UInt`,
    // a one-bit value against 2) are the generated design's, not the back-end's: the DSL
    // emits what was written. Every other warning is a back-end bug.
    report
        .warnings
        .retain(|w| !w.starts_with("%Warning-CMPCONST") && !w.starts_with("%Warning-UNSIGNED"));
    if !report.is_clean() {
        let text: Vec<String> = v.files.iter().map(|f| f.contents.clone()).collect();
        return Err(format!(
            "emitted Verilog is not lint clean under -Wall:\n{report}\n{}",
            text.join("\n")
        ));
    }
    let sources = DesignSources {
        clock: clocked.then(|| "clk".to_string()),
        reset: uses_reset.then(|| "rst".to_string()),
        ..DesignSources::from_texts(&v.top, v.module_files())
    };
    let sim = build(&sources, &BuildOptions::default()).map_err(|e| e.to_string())?;
    let sources = sources.with_ports(sim.ports().to_vec());
    Ok((sources, sim))
}

/// Seed for proptest: `PROPTEST_RNG_SEED` or a fresh one, printed so a failure can be rerun.
fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_cases);
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            SplitMix(t ^ u64::from(std::process::id())).next()
        });
    eprintln!("proptest seed {seed} ({cases} cases): rerun with PROPTEST_RNG_SEED={seed}");
    Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        // Every shrink step recompiles a design (seconds): bound the shrinking.
        max_shrink_time: 120_000,
        max_shrink_iters: 64,
        ..Config::default()
    }
}

/// A top module `<name>_top` with two instances, `u0` of `a` and `u1` of `b` (built from the
/// same spec, so structurally identical: the back-end emits the child once), fed the same
/// inputs. The outputs of `u0` keep their names; those of `u1` named in `checked` are added
/// as `<name>_b`, returned in the order of `checked`. This exercises instances, the
/// evaluator's flattening and the back-end's merging of identical modules.
fn wrap(a: &Module, b: &Module, checked: &[String]) -> (Module, Vec<String>) {
    let mut top = ModuleBuilder::new(format!("{}_top", a.name()));
    let u0 = top.instance("u0", a);
    let u1 = top.instance("u1", b);
    for (name, ty, is_input) in a.ports() {
        if is_input {
            let s = top.input(&name, ty);
            top.connect(&u0, &name, s);
            top.connect(&u1, &name, s);
        } else {
            top.output_from(&name, u0.out(&name));
            top.output_from(format!("{name}_b"), u1.out(&name));
        }
    }
    let extra = checked.iter().map(|o| format!("{o}_b")).collect();
    (top.finish(), extra)
}

const HIER_NOTE: &str =
    "(checked as two instances u0, u1 of this module under a top module, outputs of u1 as <name>_b)";

// ---------------------------------------------------------------------------------------------
// The combinational property.

#[derive(Clone, Debug)]
struct CombCase {
    inputs: Vec<InputSpec>,
    dags: Vec<Vec<Node>>,
    seed: u64,
    /// Check the module as two instances under a top (see [`wrap`]).
    hier: bool,
}

fn comb_case() -> impl Strategy<Value = CombCase> {
    (
        prop::collection::vec(input_spec(), 4..=8),
        prop::collection::vec(prop::collection::vec(node(), 1..=8), 32..=48),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(inputs, dags, seed, hier)| CombCase {
            inputs,
            dags,
            seed,
            hier,
        })
}

fn input_decl_lines(inputs: &[InputSpec]) -> Vec<String> {
    inputs
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let ty = spec_type(i);
            format!("let i{k} = m.input(\"i{k}\", {});", type_code(ty))
        })
        .collect()
}

struct BuiltComb {
    module: Module,
    /// Per DAG: the snippet lines of its nodes.
    dag_lines: Vec<Vec<String>>,
    inputs: Vec<(String, u32)>,
    outputs: Vec<String>,
}

fn build_comb(case: &CombCase) -> BuiltComb {
    let mut m = ModuleBuilder::new("props_comb");
    let mut leaves = Vec::new();
    let mut inputs = Vec::new();
    for (k, i) in case.inputs.iter().enumerate() {
        let ty = spec_type(i);
        let name = format!("i{k}");
        let s = m.input(&name, ty);
        leaves.push(Val::signal(s, &name));
        inputs.push((name, i.width));
    }
    let mut g = Gen::new();
    let mut dag_lines = Vec::new();
    let mut outputs = Vec::new();
    for (d, nodes) in case.dags.iter().enumerate() {
        let (built, lines) = g.dag(&leaves, nodes);
        let root = built.last().expect("a DAG has at least one node");
        let name = format!("o{d}");
        m.output_from(&name, &root.e);
        dag_lines.push(lines);
        outputs.push(name);
    }
    // Every input is read in full (Verilator -Wall warns about unused input bits otherwise).
    m.output_from("inputs", Expr::cat(leaves.iter().map(|v| v.e.clone())));
    BuiltComb {
        module: m.finish(),
        dag_lines,
        inputs,
        outputs,
    }
}

fn comb_snippet(case: &CombCase, built: &BuiltComb, dag: usize) -> String {
    let mut s = String::from(
        "use num_bigint::BigInt;\nuse spikeforge_dsl::prelude::*;\nlet mut m = ModuleBuilder::new(\"repro\");\n",
    );
    for l in input_decl_lines(&case.inputs) {
        let _ = writeln!(s, "{l}");
    }
    for l in &built.dag_lines[dag] {
        let _ = writeln!(s, "{l}");
    }
    let last =
        built.dag_lines[dag].len() + built.dag_lines[..dag].iter().map(Vec::len).sum::<usize>() - 1;
    let _ = writeln!(s, "m.output_from(\"o{dag}\", &n{last});");
    s
}

fn check_comb(case: &CombCase) -> Result<(), TestCaseError> {
    let mut built = build_comb(case);
    if case.hier {
        let (top, extra) = wrap(&built.module, &build_comb(case).module, &built.outputs);
        built.module = top;
        built.outputs.extend(extra);
    }
    let design = match elaborate(&built.module) {
        Ok(d) => d,
        Err(e) => {
            let all: Vec<String> = (0..case.dags.len())
                .map(|d| comb_snippet(case, &built, d))
                .collect();
            return Err(TestCaseError::fail(format!(
                "elaboration failed: {e}\n{}",
                all.join("\n")
            )));
        }
    };
    let (sources, mut sim) = emit_lint_build(&design, false, false).map_err(TestCaseError::fail)?;
    // The evaluator's outputs for 96 vectors, then Verilator and Icarus on the same vectors.
    let mut ev = Evaluator::new(&design);
    let mut rng = SplitMix(case.seed);
    let mut vectors: Vec<VectorCycle> = Vec::new();
    let mut expected: Vec<Vec<BigUint>> = Vec::new();
    let err = |e: &dyn std::fmt::Display| TestCaseError::fail(e.to_string());
    for _ in 0..96 {
        let vec: VectorCycle = built
            .inputs
            .iter()
            .map(|(name, w)| (name.clone(), rng.edge(*w)))
            .collect();
        for (name, v) in &vec {
            ev.poke(name, v).map_err(|e| err(&e))?;
        }
        ev.eval();
        let row = built
            .outputs
            .iter()
            .map(|o| ev.peek(o))
            .collect::<Result<Vec<_>, _>>();
        expected.push(row.map_err(|e| err(&e))?);
        vectors.push(vec);
    }
    let mut mismatch = None;
    'vectors: for (k, vec) in vectors.iter().enumerate() {
        for (name, v) in vec {
            sim.poke(name, v).map_err(|e| err(&e))?;
        }
        for (d, o) in built.outputs.iter().enumerate() {
            let got = sim.peek(o).map_err(|e| err(&e))?;
            if got != expected[k][d] {
                mismatch = Some(comb_mismatch(
                    case,
                    &built,
                    d,
                    vec,
                    "Verilator",
                    &got,
                    &expected[k][d],
                ));
                break 'vectors;
            }
        }
    }
    if let Some(message) = mismatch {
        return Err(TestCaseError::fail(message));
    }
    let rows = icarus::run_vectors(&sources, &vectors).map_err(|e| err(&e))?;
    for (k, row) in rows.iter().enumerate() {
        for (name, got) in row {
            if let Some(d) = built.outputs.iter().position(|o| o == name) {
                if &expected[k][d] != got {
                    return Err(TestCaseError::fail(comb_mismatch(
                        case,
                        &built,
                        d,
                        &vectors[k],
                        "Icarus",
                        got,
                        &expected[k][d],
                    )));
                }
            }
        }
    }
    Ok(())
}

fn comb_mismatch(
    case: &CombCase,
    built: &BuiltComb,
    dag: usize,
    inputs: &VectorCycle,
    sim: &str,
    got: &BigUint,
    want: &BigUint,
) -> String {
    let ins: Vec<String> = inputs
        .iter()
        .map(|(n, v)| format!("{n} = {}", hex(v)))
        .collect();
    let output = &built.outputs[dag];
    let dag = dag % case.dags.len();
    let note = if case.hier { HIER_NOTE } else { "" };
    format!(
        "output {output}: {sim} gives {}, the evaluator {}\ninputs: {}\nreproduce with {note}:\n{}",
        hex(got),
        hex(want),
        ins.join(", "),
        comb_snippet(case, built, dag)
    )
}

#[test]
fn random_expression_dags_agree_with_verilator_and_icarus() {
    let mut runner = TestRunner::new(config(8));
    let result = runner.run(&comb_case(), |case| check_comb(&case));
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// The sequential property.

/// A register: type, reset kind (0 none, 1 `reg` (zero), 2 `reg_with_reset`), optional enable
/// DAG, next-value DAG. `prime_v` is the value it loads while the `prime` input is high.
#[derive(Clone, Debug)]
struct RegSpec {
    ty: InputSpec,
    reset: u8,
    reset_v: u128,
    prime_v: u128,
    enable: Option<Vec<Node>>,
    next: Vec<Node>,
    pick: u32,
}

/// A memory port: enable DAG, address source (0/1: the memory's address inputs, 2: a DAG),
/// and for write ports the data DAG.
#[derive(Clone, Debug)]
struct MemPortSpec {
    en: Vec<Node>,
    addr: u8,
    addr_nodes: Vec<Node>,
    data: Vec<Node>,
    pick: u32,
}

#[derive(Clone, Debug)]
struct MemSpec {
    depth: u64,
    word: InputSpec,
    init: Option<Vec<u128>>,
    writes: Vec<MemPortSpec>,
    reads: Vec<MemPortSpec>,
}

#[derive(Clone, Debug)]
struct SeqCase {
    inputs: Vec<InputSpec>,
    regs: Vec<RegSpec>,
    mems: Vec<MemSpec>,
    outs: Vec<Vec<Node>>,
    cycles: u32,
    seed: u64,
    /// Check the module as two instances under a top (see [`wrap`]).
    hier: bool,
}

fn small_dag() -> impl Strategy<Value = Vec<Node>> {
    prop::collection::vec(node(), 1..=4)
}

fn reg_spec() -> impl Strategy<Value = RegSpec> {
    (
        input_spec(),
        0u8..3,
        any::<u128>(),
        any::<u128>(),
        prop::option::of(small_dag()),
        small_dag(),
        any::<u32>(),
    )
        .prop_map(
            |(ty, reset, reset_v, prime_v, enable, next, pick)| RegSpec {
                ty,
                reset,
                reset_v,
                prime_v,
                enable,
                next,
                pick,
            },
        )
}

fn port_spec() -> impl Strategy<Value = MemPortSpec> {
    (small_dag(), 0u8..3, small_dag(), small_dag(), any::<u32>()).prop_map(
        |(en, addr, addr_nodes, data, pick)| MemPortSpec {
            en,
            addr,
            addr_nodes,
            data,
            pick,
        },
    )
}

fn mem_spec() -> impl Strategy<Value = MemSpec> {
    (
        prop_oneof![
            1u64..=4,
            prop::sample::select(vec![5u64, 6, 7, 8, 12, 16, 17, 31, 32])
        ],
        (
            prop_oneof![1u32..=16, width()],
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(width, signed, boolean)| InputSpec {
                width,
                signed,
                boolean,
            }),
        prop::option::of(prop::collection::vec(any::<u128>(), 0..=32)),
        prop::collection::vec(port_spec(), 1..=2),
        prop::collection::vec(port_spec(), 1..=2),
    )
        .prop_map(|(depth, word, init, writes, reads)| MemSpec {
            depth,
            word,
            init: init.map(|mut v| {
                v.truncate(depth as usize);
                v
            }),
            writes,
            reads,
        })
}

fn seq_case() -> impl Strategy<Value = SeqCase> {
    (
        prop::collection::vec(input_spec(), 2..=5),
        prop::collection::vec(reg_spec(), 1..=4),
        prop::collection::vec(mem_spec(), 0..=2),
        prop::collection::vec(small_dag(), 0..=3),
        16u32..=100,
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(inputs, regs, mems, outs, cycles, seed, hier)| SeqCase {
            inputs,
            regs,
            mems,
            outs,
            cycles,
            seed,
            hier,
        })
}

/// `SInt(w)` or `UInt(w)`; an unsigned one-bit value is `Bool` half the time, so that `Bool`
/// and `UInt(1)` meet every operator.
fn spec_type(s: &InputSpec) -> Type {
    if s.width == 1 && !s.signed && s.boolean {
        Bool
    } else if s.signed {
        SInt(s.width)
    } else {
        UInt(s.width)
    }
}

/// The bits `v` as a value of `ty`.
fn value_of(ty: Type, v: u128) -> BigInt {
    let w = ty.width();
    let raw = BigInt::from(v) * (BigInt::from(1) << w.saturating_sub(128));
    ty.from_bits(&ty.to_bits(&raw))
}

struct BuiltSeq {
    module: Module,
    snippet: String,
    /// Input ports other than `rst`: (name, width, is an address input of a memory of this
    /// depth).
    inputs: Vec<(String, u32, Option<u64>)>,
    outputs: Vec<String>,
    /// Every memory has initial contents (so Icarus, which starts memories at X, can run it).
    all_init: bool,
}

impl Gen {
    /// `let nK = code;` for a value built outside [`op`].
    fn bind(&mut self, e: Expr, code: String) -> Val {
        let name = format!("n{}", self.next_node);
        self.next_node += 1;
        self.lines
            .push(format!("let {name} = {code}; // {}", e.ty()));
        Val {
            e,
            code: name,
            form: Form::Var,
        }
    }

    /// The root of a DAG built over `leaves`.
    fn root(&mut self, leaves: &[Val], nodes: &[Node]) -> Val {
        let (built, _) = self.dag(leaves, nodes);
        built.last().expect("a DAG has at least one node").clone()
    }
}

fn build_seq(case: &SeqCase) -> BuiltSeq {
    let mut m = ModuleBuilder::new("props_seq");
    let mut g = Gen::new();
    let mut leaves = Vec::new();
    let mut inputs = Vec::new();
    let mut sink = Vec::new();
    for (k, i) in case.inputs.iter().enumerate() {
        let ty = spec_type(i);
        let name = format!("i{k}");
        let s = m.input(&name, ty);
        g.lines.push(format!(
            "let {name} = m.input(\"{name}\", {});",
            type_code(ty)
        ));
        leaves.push(Val::signal(s, &name));
        inputs.push((name, i.width, None));
    }
    let prime = m.input("prime", Bool);
    g.lines.push("let prime = m.input(\"prime\", Bool);".into());
    sink.push(Val::signal(prime, "prime"));
    inputs.push(("prime".to_string(), 1, None));
    let mut addr_inputs = Vec::new();
    for (k, mem) in case.mems.iter().enumerate() {
        let ab = address_bits(mem.depth);
        let mut pair = Vec::new();
        for j in 0..2 {
            let name = format!("m{k}_a{j}");
            let s = m.input(&name, UInt(ab));
            g.lines
                .push(format!("let {name} = m.input(\"{name}\", UInt({ab}));"));
            let v = Val::signal(s, &name);
            leaves.push(v.clone());
            pair.push(v);
            inputs.push((name, ab, Some(mem.depth)));
        }
        addr_inputs.push(pair);
    }
    sink.extend(leaves.iter().cloned());
    // Registers.
    let mut regs = Vec::new();
    for (k, r) in case.regs.iter().enumerate() {
        let ty = spec_type(&r.ty);
        let name = format!("r{k}");
        let s = match r.reset {
            0 => {
                g.lines.push(format!(
                    "let {name} = m.reg_no_reset(\"{name}\", {});",
                    type_code(ty)
                ));
                m.reg_no_reset(&name, ty)
            }
            1 => {
                g.lines.push(format!(
                    "let {name} = m.reg(\"{name}\", {});",
                    type_code(ty)
                ));
                m.reg(&name, ty)
            }
            _ => {
                let v = value_of(ty, r.reset_v);
                g.lines.push(format!(
                    "let {name} = m.reg_with_reset(\"{name}\", {}, {});",
                    type_code(ty),
                    big_code(&v)
                ));
                m.reg_with_reset(&name, ty, v)
            }
        };
        regs.push(s);
        leaves.push(Val::signal(s, &name));
    }
    let mut outputs = Vec::new();
    // Memories and their read ports.
    let mut mems = Vec::new();
    for (k, spec) in case.mems.iter().enumerate() {
        let ty = spec_type(&spec.word);
        let name = format!("mem{k}");
        let mem = m.mem(&name, spec.depth, ty);
        g.lines.push(format!(
            "let {name} = m.mem(\"{name}\", {}, {});",
            spec.depth,
            type_code(ty)
        ));
        if let Some(init) = &spec.init {
            let words: Vec<BigInt> = init.iter().map(|&v| value_of(ty, v)).collect();
            let code: Vec<String> = words
                .iter()
                .map(|w| format!("BigInt::from({})", big_code(w)))
                .collect();
            g.lines
                .push(format!("m.mem_init({name}, [{}]);", code.join(", ")));
            m.mem_init(mem, words);
        }
        for (j, port) in spec.reads.iter().enumerate() {
            let en = g.root(&leaves, &port.en).into_bool(port.pick);
            let en = g.bind(Expr::from(prime) | &en.e, format!("prime | {}", en.arg()));
            let addr = address(&mut g, &leaves, &addr_inputs[k], spec.depth, port);
            let ab = address_bits(spec.depth);
            let addr = g.bind(
                prime.select(Expr::uint(0u32, ab), &addr.e),
                format!("prime.select(Expr::uint(0u64, {ab}), {})", addr.arg()),
            );
            let q = format!("m{k}_q{j}");
            let s = m.mem_read(mem, &q, &en.e, &addr.e);
            g.lines.push(format!(
                "let {q} = m.mem_read({name}, \"{q}\", {}, {});",
                en.arg(),
                addr.arg()
            ));
            leaves.push(Val::signal(s, &q));
            let out = format!("o_{q}");
            m.output_from(&out, s);
            g.lines.push(format!("m.output_from(\"{out}\", {q});"));
            outputs.push(out);
        }
        mems.push((mem, name));
    }
    // Write ports (after every read port, so they may use all read data).
    for (k, spec) in case.mems.iter().enumerate() {
        let (mem, name) = mems[k].clone();
        let ty = spec_type(&spec.word);
        for port in &spec.writes {
            let en = g.root(&leaves, &port.en).into_bool(port.pick);
            let en = g.bind(!prime & &en.e, format!("!prime & {}", en.arg()));
            let addr = address(&mut g, &leaves, &addr_inputs[k], spec.depth, port);
            let data = g.root(&leaves, &port.data).into_type(ty, port.pick >> 8);
            m.mem_write(mem, &en.e, &addr.e, &data.e);
            g.lines.push(format!(
                "m.mem_write({name}, {}, {}, {});",
                en.arg(),
                addr.arg(),
                data.arg()
            ));
        }
    }
    // Register updates.
    for (k, spec) in case.regs.iter().enumerate() {
        let r = regs[k];
        let ty = r.ty();
        let next = g.root(&leaves, &spec.next).into_type(ty, spec.pick);
        let c = value_of(ty, spec.prime_v);
        let ctor = if ty.is_signed() { "sint" } else { "uint" };
        let next = g.bind(
            prime.select(Expr::constant(c.clone(), ty), &next.e),
            format!(
                "prime.select(Expr::{ctor}({}, {}), {})",
                big_code(&c),
                ty.width(),
                next.arg()
            ),
        );
        match &spec.enable {
            Some(nodes) => {
                let en = g.root(&leaves, nodes).into_bool(spec.pick >> 4);
                let en = g.bind(Expr::from(prime) | &en.e, format!("prime | {}", en.arg()));
                m.next_when(r, &en.e, &next.e);
                g.lines
                    .push(format!("m.next_when(r{k}, {}, {});", en.arg(), next.arg()));
            }
            None => {
                m.next(r, &next.e);
                g.lines.push(format!("m.next(r{k}, {});", next.arg()));
            }
        }
        let out = format!("o_r{k}");
        m.output_from(&out, r);
        g.lines.push(format!("m.output_from(\"{out}\", r{k});"));
        outputs.push(out);
    }
    // Combinational outputs of state and inputs.
    for (d, nodes) in case.outs.iter().enumerate() {
        let root = g.root(&leaves, nodes);
        let out = format!("o{d}");
        m.output_from(&out, &root.e);
        g.lines
            .push(format!("m.output_from(\"{out}\", {});", root.arg()));
        outputs.push(out);
    }
    // Every input is read in full (Verilator -Wall warns about unused input bits otherwise).
    let code: Vec<String> = sink.iter().map(Val::owned).collect();
    m.output_from("inputs", Expr::cat(sink.iter().map(|v| v.e.clone())));
    g.lines.push(format!(
        "m.output_from(\"inputs\", Expr::cat([{}]));",
        code.join(", ")
    ));
    let mut snippet = String::from(
        "use num_bigint::BigInt;\nuse spikeforge_dsl::prelude::*;\nlet mut m = ModuleBuilder::new(\"repro\");\n",
    );
    for l in &g.lines {
        let _ = writeln!(snippet, "{l}");
    }
    BuiltSeq {
        module: m.finish(),
        snippet,
        inputs,
        outputs,
        all_init: case.mems.iter().all(|m| m.init.is_some()),
    }
}

/// `max(1, ceil(log2(depth)))`, as `Mem::address_bits`.
fn address_bits(depth: u64) -> u32 {
    (64 - (depth - 1).leading_zeros()).max(1)
}

/// A port's address: one of the memory's two address inputs (so that ports often hit the
/// same word) or a DAG, truncated or extended to the address width and kept below the depth.
fn address(g: &mut Gen, leaves: &[Val], pair: &[Val], depth: u64, port: &MemPortSpec) -> Val {
    let ab = address_bits(depth);
    let raw = match port.addr {
        0 => pair[0].clone(),
        1 => pair[1].clone(),
        _ => g
            .root(leaves, &port.addr_nodes)
            .sign_to(false, 0)
            .width_to(ab),
    };
    if depth == 1u64 << ab {
        return raw;
    }
    let fallback = u64::from(port.pick) % depth;
    g.bind(
        raw.e.is_lt(depth).select(&raw.e, Expr::uint(fallback, ab)),
        format!(
            "{}.is_lt({depth}u64).select({}, Expr::uint({fallback}u64, {ab}))",
            raw.code,
            raw.arg()
        ),
    )
}

fn check_seq(case: &SeqCase) -> Result<(), TestCaseError> {
    let mut built = build_seq(case);
    if case.hier {
        let (top, extra) = wrap(&built.module, &build_seq(case).module, &built.outputs);
        built.module = top;
        built.outputs.extend(extra);
        built.snippet = format!("// {HIER_NOTE}\n{}", built.snippet);
    }
    let design = elaborate(&built.module)
        .map_err(|e| TestCaseError::fail(format!("elaboration failed: {e}\n{}", built.snippet)))?;
    let uses_reset = design.top().uses_reset;
    let (sources, mut sim) = emit_lint_build(&design, true, uses_reset)
        .map_err(|e| TestCaseError::fail(format!("{e}\n{}", built.snippet)))?;
    let mut ev = Evaluator::new(&design);
    let mut rng = SplitMix(case.seed);
    let mut vectors: Vec<VectorCycle> = Vec::new();
    let mut expected: Vec<Vec<BigUint>> = Vec::new();
    let err = |e: &dyn std::fmt::Display| TestCaseError::fail(e.to_string());
    let fail = |vectors: &[VectorCycle], what: String| {
        let mut s = String::new();
        for (c, v) in vectors.iter().enumerate() {
            let ins: Vec<String> = v.iter().map(|(n, x)| format!("{n}={}", hex(x))).collect();
            let _ = writeln!(s, "  cycle {c}: {}", ins.join(" "));
        }
        TestCaseError::fail(format!(
            "{what}\ninputs per cycle (poke, then one clock edge, then compare):\n{s}reproduce with:\n{}",
            built.snippet
        ))
    };
    // The evaluator first: inputs per cycle and every output after every cycle.
    for cycle in 0..case.cycles {
        let mut vec: VectorCycle = Vec::new();
        if uses_reset {
            let rst = if cycle == 0 {
                rng.below(2)
            } else {
                u64::from(rng.below(8) == 0)
            };
            vec.push(("rst".to_string(), BigUint::from(rst)));
        }
        let mut a0: Option<BigUint> = None;
        for (name, w, depth) in &built.inputs {
            let v = match (name.as_str(), depth) {
                ("prime", _) => BigUint::from(u8::from(cycle == 0 || rng.below(16) == 0)),
                (_, Some(depth)) => {
                    // Address inputs: in range; the second often equals the first.
                    let v = BigUint::from(rng.below(*depth));
                    if name.ends_with("_a1") && rng.below(2) == 0 {
                        a0.clone().unwrap_or(v)
                    } else {
                        if name.ends_with("_a0") {
                            a0 = Some(v.clone());
                        }
                        v
                    }
                }
                _ => rng.edge(*w),
            };
            vec.push((name.clone(), v));
        }
        for (name, v) in &vec {
            ev.poke(name, v).map_err(|e| err(&e))?;
        }
        ev.step();
        let row = built
            .outputs
            .iter()
            .map(|o| ev.peek(o))
            .collect::<Result<Vec<_>, _>>();
        expected.push(row.map_err(|e| err(&e))?);
        vectors.push(vec);
    }
    // Verilator, compared after every cycle.
    let mut mismatch = None;
    'cycles: for (c, vec) in vectors.iter().enumerate() {
        for (name, v) in vec {
            sim.poke(name, v).map_err(|e| err(&e))?;
        }
        sim.step();
        for (k, o) in built.outputs.iter().enumerate() {
            let got = sim.peek(o).map_err(|e| err(&e))?;
            if got != expected[c][k] {
                mismatch = Some(fail(
                    &vectors[..=c],
                    format!(
                        "cycle {c}, output {o}: Verilator gives {}, the evaluator {}",
                        hex(&got),
                        hex(&expected[c][k])
                    ),
                ));
                break 'cycles;
            }
        }
    }
    if let Some(failure) = mismatch {
        return Err(failure);
    }
    // Icarus starts memories at X: only designs whose memories all have initial contents.
    if built.all_init {
        let rows = icarus::run_vectors(&sources, &vectors)
            .map_err(|e| fail(&vectors, format!("Icarus: {e}")))?;
        for (c, row) in rows.iter().enumerate() {
            for (name, got) in row {
                if let Some(k) = built.outputs.iter().position(|o| o == name) {
                    let want = &expected[c][k];
                    if want != got {
                        return Err(fail(
                            &vectors[..=c],
                            format!(
                                "cycle {c}, output {name}: Icarus gives {}, the evaluator {}",
                                hex(got),
                                hex(want)
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

#[test]
fn random_sequential_designs_agree_every_cycle() {
    let mut runner = TestRunner::new(config(6));
    let result = runner.run(&seq_case(), |case| check_seq(&case));
    if let Err(e) = result {
        panic!("{e}");
    }
}
