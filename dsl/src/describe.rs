//! Renders builder expressions as short Verilog-like text for error messages.

use crate::builder::{Expr, Kind};
use crate::ir::{BinOp, RedOp, UnOp};

/// The longest description kept, in characters.
const MAX_LEN: usize = 80;

/// Renders `e` using `name` to name signals.
pub(crate) fn describe(e: &Expr, name: &dyn Fn(u64, u32) -> String) -> String {
    let mut s = String::new();
    render(e, name, &mut s, 0);
    if s.chars().count() > MAX_LEN {
        let cut: String = s.chars().take(MAX_LEN - 1).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn render(e: &Expr, name: &dyn Fn(u64, u32) -> String, out: &mut String, depth: usize) {
    if out.len() > MAX_LEN * 2 {
        return;
    }
    if depth > 6 {
        out.push('…');
        return;
    }
    let d = depth + 1;
    match &e.0.kind {
        Kind::Const(v) => out.push_str(&v.to_string()),
        Kind::Signal(s) => out.push_str(&name(s.module, s.index)),
        Kind::Unary(op, a) => {
            out.push_str(match op {
                UnOp::Not => "~",
                UnOp::Neg => "-",
            });
            render(a, name, out, d);
        }
        Kind::Binary(op, a, b) => {
            if matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::And | BinOp::Or | BinOp::Xor
            ) {
                out.push('(');
                render(a, name, out, d);
                out.push_str(&format!(" {} ", op.symbol()));
                render(b, name, out, d);
                out.push(')');
            } else {
                render(a, name, out, d);
                out.push_str(&format!(".{}(", op.symbol()));
                render(b, name, out, d);
                out.push(')');
            }
        }
        Kind::ShlConst(a, k) => {
            out.push('(');
            render(a, name, out, d);
            out.push_str(&format!(" << {k})"));
        }
        Kind::ShrConst(a, k, _) => {
            out.push('(');
            render(a, name, out, d);
            out.push_str(&format!(" >> {k})"));
        }
        Kind::Mux(s, a, b) => {
            out.push('(');
            render(s, name, out, d);
            out.push_str(" ? ");
            render(a, name, out, d);
            out.push_str(" : ");
            render(b, name, out, d);
            out.push(')');
        }
        Kind::Concat(parts) => {
            out.push('{');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(p, name, out, d);
            }
            out.push('}');
        }
        Kind::Slice(a, hi, lo) => {
            render(a, name, out, d);
            out.push_str(&format!("[{hi}:{lo}]"));
        }
        Kind::Zext(a) => {
            render(a, name, out, d);
            out.push_str(&format!(".zext({})", e.width()));
        }
        Kind::Sext(a) => {
            render(a, name, out, d);
            out.push_str(&format!(".sext({})", e.width()));
        }
        Kind::Reinterpret(a) => {
            render(a, name, out, d);
            out.push_str(if e.ty().is_signed() {
                ".as_sint()"
            } else {
                ".as_uint()"
            });
        }
        Kind::Reduce(op, a) => {
            render(a, name, out, d);
            out.push_str(match op {
                RedOp::And => ".all()",
                RedOp::Or => ".any()",
                RedOp::Xor => ".parity()",
            });
        }
    }
}
