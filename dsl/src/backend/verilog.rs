//! The Verilog-2005 back-end.
//!
//! One file per module (`<module>.v`) plus a filelist in dependency order. Builder names are
//! kept; temporaries are named `_t<N>` in a deterministic order, and a temporary of which some
//! bits are never read (after an explicit `trunc`/`bits`) is named `_t<N>_partly_unused`, which
//! Verilator's `-Wall` recognises through its default `--unused-regexp` (`*unused*`).
//!
//! Every operand is extended explicitly to the width of the operation that reads it, so each
//! Verilog expression has exactly the width of its IR node: no context-dependent widening,
//! no implicit truncation, and lint-clean width checks. All nets are declared unsigned;
//! signedness lives in explicit sign extensions, `$signed()` comparisons and `>>>` shifts
//! (wrapped in `{…}` so that an enclosing unsigned expression cannot turn them logical).
//!
//! Structurally identical modules (same ports and body after their own children were merged)
//! are emitted once, under the name of the first; instances of the others use that name.

use super::templates;
use crate::ir::{self, BinOp, ExprId, ExprKind, ModuleId, RedOp, SignalKind, UnOp};
use crate::types::Type;
use num_bigint::BigInt;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// spikeforge's version, written into every file header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One emitted file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerilogFile {
    /// File name (`<module>.v`).
    pub name: String,
    /// The module it holds.
    pub module: String,
    /// The file's text.
    pub contents: String,
}

/// The Verilog of a design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerilogOutput {
    /// Name of the top module.
    pub top: String,
    /// Files in dependency order (the top's file last).
    pub files: Vec<VerilogFile>,
    /// The filelist: one file name a line, in dependency order.
    pub filelist: String,
}

impl VerilogOutput {
    /// The text of the file called `name`.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.contents.as_str())
    }

    /// The file name of the filelist: `<top>.f`.
    pub fn filelist_name(&self) -> String {
        format!("{}.f", self.top)
    }

    /// The Verilog files alone, (name, contents), in dependency order: what a simulator or a
    /// synthesis tool reads.
    pub fn module_files(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .map(|f| (f.name.clone(), f.contents.clone()))
            .collect()
    }

    /// All files to write, (name, contents), the filelist last.
    pub fn all_files(&self) -> Vec<(String, String)> {
        let mut v = self.module_files();
        v.push((self.filelist_name(), self.filelist.clone()));
        v
    }

    /// Writes every file into `dir` (which must exist).
    pub fn write_files(&self, dir: &Path) -> std::io::Result<()> {
        for (name, contents) in self.all_files() {
            std::fs::write(dir.join(name), contents)?;
        }
        Ok(())
    }
}

/// Emits `design` as Verilog-2005. The output depends only on the design: the same design
/// gives byte-identical text.
pub fn emit_verilog(design: &ir::Design) -> VerilogOutput {
    let mut canonical: Vec<ModuleId> = Vec::with_capacity(design.modules.len());
    let mut seen: HashMap<(String, String), ModuleId> = HashMap::new();
    let mut bodies: Vec<Option<(Vec<String>, String)>> = Vec::new();
    let mut aliases: HashMap<ModuleId, Vec<String>> = HashMap::new();
    for (i, m) in design.modules.iter().enumerate() {
        let id = ModuleId(i as u32);
        let ports = port_decls(m);
        let body = ModuleEmitter::new(m, design, &canonical).body();
        let key = (ports.join("\n"), body.clone());
        match seen.get(&key) {
            Some(&first) => {
                canonical.push(first);
                aliases.entry(first).or_default().push(m.name.clone());
                bodies.push(None);
            }
            None => {
                seen.insert(key, id);
                canonical.push(id);
                bodies.push(Some((ports, body)));
            }
        }
    }
    let top_id = canonical[design.top_id().0 as usize];
    let top = design.module(top_id).name.clone();
    let mut files = Vec::new();
    for (i, entry) in bodies.into_iter().enumerate() {
        let Some((ports, body)) = entry else {
            continue;
        };
        let m = &design.modules[i];
        let file = format!("{}.v", m.name);
        let mut ctx = tera::Context::new();
        ctx.insert("file", &file);
        ctx.insert("version", VERSION);
        ctx.insert("module", &m.name);
        ctx.insert(
            "source",
            &format!("{}:{}", m.loc.file().replace('\\', "/"), m.loc.line()),
        );
        ctx.insert("params", &m.params);
        let mut alias_list = aliases.remove(&ModuleId(i as u32)).unwrap_or_default();
        alias_list.sort();
        alias_list.dedup();
        ctx.insert("aliases", &alias_list);
        ctx.insert("ports", &ports);
        ctx.insert("body", &body);
        let contents = templates::render("verilog_module.v", templates::VERILOG_MODULE, &ctx)
            .unwrap_or_else(|e| format!("// spikeforge internal error: {e}\n"));
        files.push(VerilogFile {
            name: file,
            module: m.name.clone(),
            contents,
        });
    }
    let mut ctx = tera::Context::new();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    ctx.insert("files", &names);
    let filelist = templates::render("filelist.f", templates::FILELIST, &ctx)
        .unwrap_or_else(|e| format!("// spikeforge internal error: {e}\n"));
    VerilogOutput {
        top,
        files,
        filelist,
    }
}

/// True when the bit ranges `(lo, hi)` together cover bits `0..width`.
fn covers(ranges: &mut [(u32, u32)], width: u32) -> bool {
    ranges.sort_unstable();
    let mut next = 0u32;
    for &(lo, hi) in ranges.iter() {
        if lo > next {
            return false;
        }
        next = next.max(hi + 1);
    }
    next >= width
}

/// `[w-1:0] ` for vectors, nothing for one bit.
fn range(w: u32) -> String {
    if w == 1 {
        String::new()
    } else {
        format!("[{}:0] ", w - 1)
    }
}

fn type_comment(ty: Type) -> String {
    if ty.is_signed() {
        format!(" // {ty}")
    } else {
        String::new()
    }
}

/// The comment of a named declaration: its signedness when signed, and the builder call that
/// declared it (`// SInt(8), generators/src/accel/pe.rs:93`).
fn decl_comment(ty: Type, loc: crate::ir::SourceLoc) -> String {
    let at = format!("{}:{}", loc.file(), loc.line());
    if ty.is_signed() {
        format!(" // {ty}, {at}")
    } else {
        format!(" // {at}")
    }
}

fn port_decls(m: &ir::Module) -> Vec<String> {
    let mut ports = Vec::new();
    if m.uses_clock {
        ports.push("input  wire clk".to_string());
    }
    if m.uses_reset {
        ports.push("input  wire rst".to_string());
    }
    for &p in &m.ports {
        let s = m.signal(p);
        let dir = if s.kind == SignalKind::Input {
            "input "
        } else {
            "output"
        };
        let signed = if s.ty.is_signed() {
            format!(" /* {} */", s.ty)
        } else {
            String::new()
        };
        ports.push(format!(
            "{dir} wire {}{}{signed}",
            range(s.ty.width()),
            s.name
        ));
    }
    ports
}

/// A constant as a sized Verilog literal.
fn literal(ty: Type, value: &BigInt) -> String {
    let w = ty.width();
    let bits = ty.to_bits(value);
    if w == 1 {
        format!("1'b{}", bits)
    } else if w <= 64 {
        format!("{w}'d{bits}")
    } else {
        format!("{w}'h{}", bits.to_str_radix(16))
    }
}

struct ModuleEmitter<'a> {
    m: &'a ir::Module,
    design: &'a ir::Design,
    /// For each module id of the design seen so far, the module emitted in its place.
    canonical: &'a [ModuleId],
    /// Name of each expression that is emitted as a named temporary (or is a signal).
    names: Vec<Option<String>>,
    /// The Verilog name of each signal: the builder's, except that an instance output nothing
    /// reads is named `<name>_unused` (Verilator's `-Wall` convention for intentionally
    /// unread signals; leaving the pin empty would be a PINCONNECTEMPTY warning instead).
    signal_names: Vec<String>,
}

impl<'a> ModuleEmitter<'a> {
    fn new(m: &'a ir::Module, design: &'a ir::Design, canonical: &'a [ModuleId]) -> Self {
        let mut read = vec![false; m.signals.len()];
        for x in &m.exprs {
            if let ExprKind::Signal(s) = x.kind {
                read[s.0 as usize] = true;
            }
        }
        let signal_names = m
            .signals
            .iter()
            .zip(&read)
            .map(|(s, &r)| match s.kind {
                SignalKind::InstanceOutput { .. } if !r => format!("{}_unused", s.name),
                _ => s.name.clone(),
            })
            .collect();
        let mut e = ModuleEmitter {
            m,
            design,
            canonical,
            names: vec![None; m.exprs.len()],
            signal_names,
        };
        e.plan();
        e
    }

    /// Decides which expression nodes become named temporaries: nodes read more than once,
    /// and nodes whose bits are selected or sign-extended by a parent.
    fn plan(&mut self) {
        let m = self.m;
        let n = m.exprs.len();
        let mut uses = vec![0u32; n];
        let mut must_name = vec![false; n];
        let mut bits_read: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        let mut full_read = vec![false; n];
        let mut note = |id: ExprId, part: Option<(u32, u32)>, uses: &mut Vec<u32>| {
            let i = id.0 as usize;
            uses[i] += 1;
            match part {
                Some((hi, lo)) => bits_read[i].push((lo, hi)),
                None => full_read[i] = true,
            }
        };
        for a in &m.assigns {
            note(a.value, None, &mut uses);
        }
        for r in &m.regs {
            note(r.next, None, &mut uses);
            if let Some(e) = r.enable {
                note(e, None, &mut uses);
            }
        }
        for mem in &m.mems {
            for w in &mem.writes {
                for e in [w.enable, w.addr, w.data] {
                    note(e, None, &mut uses);
                }
            }
            for r in &mem.reads {
                for e in [r.enable, r.addr] {
                    note(e, None, &mut uses);
                }
            }
        }
        for inst in &m.instances {
            for (_, e) in &inst.inputs {
                note(*e, None, &mut uses);
            }
        }
        for (i, x) in m.exprs.iter().enumerate() {
            let _ = i;
            let width_of = |id: ExprId| m.expr(id).ty.width();
            let signed = |id: ExprId| m.expr(id).ty.is_signed();
            let r = x.ty.width();
            let sext_to = |id: ExprId, w: u32, must: &mut Vec<bool>| {
                if signed(id) && width_of(id) < w {
                    must[id.0 as usize] = true;
                }
            };
            match &x.kind {
                ExprKind::Const(_) | ExprKind::Signal(_) => {}
                ExprKind::Unary(op, a) => {
                    if *op == UnOp::Neg {
                        sext_to(*a, r, &mut must_name);
                    }
                    note(*a, None, &mut uses);
                }
                ExprKind::Binary(op, a, b) => {
                    let target = if op.is_comparison() {
                        width_of(*a).max(width_of(*b))
                    } else {
                        r
                    };
                    if *op == BinOp::ShrDyn && width_of(*b) > 32 {
                        // A wide amount is emitted as bit ranges of it (see `shift_amount`).
                        must_name[b.0 as usize] = true;
                    }
                    if !matches!(op, BinOp::ShrDyn) {
                        sext_to(*a, target, &mut must_name);
                        if *op != BinOp::ShlDyn {
                            sext_to(*b, target, &mut must_name);
                        }
                    }
                    note(*a, None, &mut uses);
                    note(*b, None, &mut uses);
                }
                ExprKind::ShlConst(a, _)
                | ExprKind::ShrConst { arg: a, .. }
                | ExprKind::Zext(a)
                | ExprKind::Reinterpret(a)
                | ExprKind::Reduce(_, a) => note(*a, None, &mut uses),
                ExprKind::Sext(a) => {
                    // `sext` replicates the top bit whatever the operand's signedness, so an
                    // unsigned operand needs a name too (`(x | y)[7]` is not Verilog).
                    if width_of(*a) < r {
                        must_name[a.0 as usize] = true;
                    }
                    note(*a, None, &mut uses);
                }
                ExprKind::Mux(s, a, b) => {
                    for e in [*s, *a, *b] {
                        note(e, None, &mut uses);
                    }
                }
                ExprKind::Concat(parts) => {
                    for p in parts {
                        note(*p, None, &mut uses);
                    }
                }
                ExprKind::Slice(a, hi, lo) => {
                    let full = *lo == 0 && *hi + 1 == width_of(*a);
                    if full {
                        note(*a, None, &mut uses);
                    } else {
                        must_name[a.0 as usize] = true;
                        note(*a, Some((*hi, *lo)), &mut uses);
                    }
                }
            }
        }
        let mut next_temp = 0u32;
        for (i, x) in m.exprs.iter().enumerate() {
            match &x.kind {
                ExprKind::Signal(s) => {
                    self.names[i] = Some(self.signal_names[s.0 as usize].clone());
                }
                ExprKind::Const(_) => {}
                _ if must_name[i] || uses[i] > 1 => {
                    let partly_unused = !full_read[i] && !covers(&mut bits_read[i], x.ty.width());
                    let name = if partly_unused {
                        format!("_t{next_temp}_partly_unused")
                    } else {
                        format!("_t{next_temp}")
                    };
                    next_temp += 1;
                    self.names[i] = Some(name);
                }
                _ => {}
            }
        }
    }

    fn is_temp(&self, id: ExprId) -> bool {
        !matches!(self.m.expr(id).kind, ExprKind::Signal(_)) && self.names[id.0 as usize].is_some()
    }

    /// The expression as Verilog text of exactly its own width.
    fn emit(&self, id: ExprId) -> String {
        if let Some(n) = &self.names[id.0 as usize] {
            return n.clone();
        }
        self.emit_inline(id)
    }

    /// The expression's defining text, ignoring its temporary name.
    fn emit_inline(&self, id: ExprId) -> String {
        let m = self.m;
        let x = m.expr(id);
        let r = x.ty.width();
        match &x.kind {
            ExprKind::Const(v) => literal(x.ty, v),
            ExprKind::Signal(s) => self.signal_names[s.0 as usize].clone(),
            ExprKind::Unary(UnOp::Not, a) => format!("(~{})", self.emit(*a)),
            ExprKind::Unary(UnOp::Neg, a) => format!("(-{})", self.ext(*a, r)),
            ExprKind::Binary(op, a, b) => self.binary(*op, *a, *b, r),
            ExprKind::ShlConst(a, 0) => self.emit(*a),
            ExprKind::ShlConst(a, k) => format!("{{{}, {k}'d0}}", self.emit(*a)),
            ExprKind::ShrConst { arg, amount: 0, .. } => self.emit(*arg),
            ExprKind::ShrConst {
                arg,
                amount,
                arithmetic,
            } => {
                if *arithmetic {
                    format!("{{($signed({}) >>> {amount})}}", self.emit(*arg))
                } else {
                    format!("({} >> {amount})", self.emit(*arg))
                }
            }
            ExprKind::Mux(s, a, b) => format!(
                "({} ? {} : {})",
                self.emit(*s),
                self.emit(*a),
                self.emit(*b)
            ),
            ExprKind::Concat(parts) => {
                let parts: Vec<String> = parts.iter().map(|p| self.emit(*p)).collect();
                format!("{{{}}}", parts.join(", "))
            }
            ExprKind::Slice(a, hi, lo) => self.slice(*a, *hi, *lo),
            ExprKind::Zext(a) => self.ext_unsigned(*a, r),
            ExprKind::Sext(a) => self.ext_signed(*a, r),
            ExprKind::Reinterpret(a) => self.emit(*a),
            ExprKind::Reduce(op, a) => {
                let sym = match op {
                    RedOp::And => "&",
                    RedOp::Or => "|",
                    RedOp::Xor => "^",
                };
                format!("({sym}{})", self.emit(*a))
            }
        }
    }

    fn binary(&self, op: BinOp, a: ExprId, b: ExprId, r: u32) -> String {
        let m = self.m;
        let (ta, tb) = (m.expr(a).ty, m.expr(b).ty);
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let sym = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    _ => "*",
                };
                let (x, y) = (self.ext(a, r), self.ext(b, r));
                if ta.is_signed() && tb.is_signed() {
                    // Signed operands (already extended to the result's width, so the text's
                    // width and value are unchanged) make a signed cell for synthesis, which
                    // Yosys then sizes by its operands' true widths: an 8×8 signed product
                    // otherwise becomes a 16×16 multiplier (tests/signed_synthesis.rs).
                    format!("($signed({x}) {sym} $signed({y}))")
                } else {
                    format!("({x} {sym} {y})")
                }
            }
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let sym = match op {
                    BinOp::And => "&",
                    BinOp::Or => "|",
                    _ => "^",
                };
                format!("({} {sym} {})", self.emit(a), self.emit(b))
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let sym = match op {
                    BinOp::Eq => "==",
                    BinOp::Ne => "!=",
                    BinOp::Lt => "<",
                    BinOp::Le => "<=",
                    BinOp::Gt => ">",
                    _ => ">=",
                };
                let w = ta.width().max(tb.width());
                let (x, y) = (self.ext(a, w), self.ext(b, w));
                if ta.is_signed() && !matches!(op, BinOp::Eq | BinOp::Ne) {
                    format!("($signed({x}) {sym} $signed({y}))")
                } else {
                    format!("({x} {sym} {y})")
                }
            }
            BinOp::ShlDyn => format!("({} << {})", self.ext(a, r), self.emit(b)),
            BinOp::ShrDyn => {
                let amount = self.shift_amount(b);
                if ta.is_signed() {
                    format!("{{($signed({}) >>> {amount})}}", self.emit(a))
                } else {
                    format!("({} >> {amount})", self.emit(a))
                }
            }
        }
    }

    /// A right-shift amount. Verilator rejects a shift whose amount folds to a constant that
    /// needs more than 32 bits ("Value too wide for 32-bits expected in this context"), so an
    /// amount wider than 32 bits is clamped to 32 bits first: `2^32 − 1` when any higher bit
    /// is set (every operand is narrower than that, so the result is the same: all bits
    /// shifted out).
    fn shift_amount(&self, b: ExprId) -> String {
        let x = self.m.expr(b);
        let w = x.ty.width();
        if w <= 32 {
            return self.emit(b);
        }
        if let ExprKind::Const(v) = &x.kind {
            let amount = x.ty.to_bits(v).min(BigInt::from(u32::MAX));
            return format!("32'd{amount}");
        }
        let s = self.emit(b);
        format!("(|{s}[{}:32] ? 32'hffffffff : {s}[31:0])", w - 1)
    }

    /// Bit `i` of a named expression of width `w`.
    fn bit_of(&self, id: ExprId, i: u32) -> String {
        let w = self.m.expr(id).ty.width();
        let name = self.emit(id);
        if w == 1 {
            name
        } else {
            format!("{name}[{i}]")
        }
    }

    fn slice(&self, a: ExprId, hi: u32, lo: u32) -> String {
        let x = self.m.expr(a);
        if let ExprKind::Const(v) = &x.kind {
            let bits = x.ty.to_bits(v) >> lo;
            let ty = crate::types::UInt(hi - lo + 1);
            return literal(ty, &ty.to_bits(&bits));
        }
        if lo == 0 && hi + 1 == x.ty.width() {
            return self.emit(a);
        }
        if hi == lo {
            return self.bit_of(a, lo);
        }
        format!("{}[{hi}:{lo}]", self.emit(a))
    }

    /// `id` extended to `w` bits according to its signedness.
    fn ext(&self, id: ExprId, w: u32) -> String {
        if self.m.expr(id).ty.is_signed() {
            self.ext_signed(id, w)
        } else {
            self.ext_unsigned(id, w)
        }
    }

    fn ext_unsigned(&self, id: ExprId, w: u32) -> String {
        let x = self.m.expr(id);
        let k = w - x.ty.width();
        if k == 0 {
            return self.emit(id);
        }
        if let ExprKind::Const(v) = &x.kind {
            return literal(crate::types::UInt(w), &x.ty.to_bits(v));
        }
        format!("{{{k}'d0, {}}}", self.emit(id))
    }

    fn ext_signed(&self, id: ExprId, w: u32) -> String {
        let x = self.m.expr(id);
        let k = w - x.ty.width();
        if k == 0 {
            return self.emit(id);
        }
        if let ExprKind::Const(v) = &x.kind {
            // The top bit is replicated whatever the constant's signedness (as for signals).
            let value = crate::types::SInt(x.ty.width()).from_bits(&x.ty.to_bits(v));
            return literal(crate::types::SInt(w), &value);
        }
        let sign = self.bit_of(id, x.ty.width() - 1);
        format!("{{{{{k}{{{sign}}}}}, {}}}", self.emit(id))
    }

    /// Splits the module into its logic and what exists only for its properties: returns
    /// (expression nodes the logic reads, signals only properties read). A wire or register
    /// belongs to the properties when nothing reaching an output, a memory or an instance
    /// reads it but a property does (the past-value registers of a protocol check); it is then
    /// declared and driven inside `ifdef FORMAL`, so that without FORMAL nothing is unused.
    fn logic_and_formal(&self) -> (Vec<bool>, Vec<bool>) {
        let m = self.m;
        let n_sig = m.signals.len();
        let mut roots: Vec<Vec<ExprId>> = vec![Vec::new(); n_sig];
        for a in &m.assigns {
            roots[a.target.0 as usize].push(a.value);
        }
        for r in &m.regs {
            roots[r.signal.0 as usize].push(r.next);
            roots[r.signal.0 as usize].extend(r.enable);
        }
        let mut fixed: Vec<ExprId> = Vec::new();
        for mem in &m.mems {
            for w in &mem.writes {
                fixed.extend([w.enable, w.addr, w.data]);
            }
            for r in &mem.reads {
                fixed.extend([r.enable, r.addr]);
            }
        }
        for inst in &m.instances {
            fixed.extend(inst.inputs.iter().map(|(_, e)| *e));
        }
        // Signals reached from `start`, following expressions and the drivers of the signals
        // they read.
        let reach = |start: Vec<ExprId>, seed: &[bool]| -> Vec<bool> {
            let mut sig = seed.to_vec();
            let mut seen = vec![false; m.exprs.len()];
            let mut stack = start;
            for (i, &live) in seed.iter().enumerate() {
                if live {
                    stack.extend(roots[i].iter().copied());
                }
            }
            while let Some(id) = stack.pop() {
                if std::mem::replace(&mut seen[id.0 as usize], true) {
                    continue;
                }
                if let ExprKind::Signal(s) = &m.expr(id).kind {
                    let i = s.0 as usize;
                    if !std::mem::replace(&mut sig[i], true) {
                        stack.extend(roots[i].iter().copied());
                    }
                }
                stack.extend(m.expr(id).kind.operands());
            }
            sig
        };
        let mut formal = vec![false; n_sig];
        if !m.properties.is_empty() {
            let outputs: Vec<bool> = m
                .signals
                .iter()
                .map(|s| !matches!(s.kind, SignalKind::Wire | SignalKind::Reg))
                .collect();
            let live = reach(fixed.clone(), &outputs);
            let by_properties = reach(
                m.properties.iter().map(|p| p.cond).collect(),
                &vec![false; n_sig],
            );
            for i in 0..n_sig {
                formal[i] = !live[i]
                    && by_properties[i]
                    && matches!(m.signals[i].kind, SignalKind::Wire | SignalKind::Reg);
            }
        }
        // The logic: every driver of a signal that is not the properties', and the fixed roots.
        let mut logic = vec![false; m.exprs.len()];
        let mut stack = fixed;
        for i in 0..n_sig {
            if !formal[i] {
                stack.extend(roots[i].iter().copied());
            }
        }
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut logic[id.0 as usize], true) {
                continue;
            }
            stack.extend(m.expr(id).kind.operands());
        }
        (logic, formal)
    }

    /// The `ifdef FORMAL` block of the module's properties (empty when it has none): SystemVerilog
    /// immediate assertions sampled on the clock edge out of reset, for formal tools and for
    /// Verilator with `--assert`; synthesis, Icarus and plain lint never define FORMAL.
    fn properties(&self, formal_temps: &[usize], formal: &[bool]) -> String {
        let m = self.m;
        if m.properties.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "`ifdef FORMAL\n    // Properties: proved by formal tools, checked by simulation; ignored by synthesis."
        );
        for (i, s) in m.signals.iter().enumerate().filter(|(i, _)| formal[*i]) {
            let kw = if s.kind == SignalKind::Reg {
                "reg "
            } else {
                "wire"
            };
            let _ = writeln!(
                out,
                "    {kw} {}{};{}",
                range(s.ty.width()),
                self.signal_names[i],
                decl_comment(s.ty, s.loc)
            );
        }
        for &i in formal_temps {
            let x = &m.exprs[i];
            let name = self.names[i].as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "    wire {}{};{}",
                range(x.ty.width()),
                name,
                type_comment(x.ty)
            );
        }
        for &i in formal_temps {
            let name = self.names[i].as_deref().unwrap_or_default();
            let _ = writeln!(
                out,
                "    assign {name} = {};",
                self.emit_inline(ExprId(i as u32))
            );
        }
        for a in m.assigns.iter().filter(|a| formal[a.target.0 as usize]) {
            let _ = writeln!(
                out,
                "    assign {} = {};",
                m.signal(a.target).name,
                self.emit(a.value)
            );
        }
        for r in m.regs.iter().filter(|r| formal[r.signal.0 as usize]) {
            out.push_str(&self.reg_block(r));
        }
        let (open, indent) = if m.uses_clock {
            ("always @(posedge clk) begin", "        ")
        } else {
            ("always @* begin", "        ")
        };
        let _ = writeln!(out, "    {open}");
        let inner = if m.uses_reset {
            let _ = writeln!(out, "{indent}if (!rst) begin");
            format!("{indent}    ")
        } else {
            indent.to_string()
        };
        for p in &m.properties {
            let _ = writeln!(
                out,
                "{inner}{}: {} ({}); // {} ({}:{})",
                p.label,
                p.kind.keyword(),
                self.emit(p.cond),
                p.message.replace(['\n', '\r'], " "),
                p.loc.file(),
                p.loc.line()
            );
        }
        if m.uses_reset {
            let _ = writeln!(out, "{indent}end");
        }
        let _ = writeln!(out, "    end\n`endif\n");
        out
    }

    /// The `always` block of one register.
    fn reg_block(&self, r: &ir::Reg) -> String {
        let m = self.m;
        let s = m.signal(r.signal);
        let next = self.emit(r.next);
        let load = match r.enable {
            Some(en) => format!("if ({}) {} <= {next};", self.emit(en), s.name),
            None => format!("{} <= {next};", s.name),
        };
        let mut out = String::new();
        let _ = writeln!(out, "    always @(posedge clk) begin");
        match &r.reset {
            Some(v) => {
                let _ = writeln!(out, "        if (rst) {} <= {};", s.name, literal(s.ty, v));
                let _ = writeln!(out, "        else {load}");
            }
            None => {
                let _ = writeln!(out, "        {load}");
            }
        }
        let _ = writeln!(out, "    end\n");
        out
    }

    fn body(&self) -> String {
        let m = self.m;
        let mut out = String::new();
        let mut decls = String::new();
        // What exists only for the properties goes inside `ifdef FORMAL` (see
        // `logic_and_formal`).
        let (logic, formal) = self.logic_and_formal();
        // Declarations: wires, registers, memory read data, instance outputs, memories.
        for (i, (s, name)) in m.signals.iter().zip(&self.signal_names).enumerate() {
            if formal[i] {
                continue;
            }
            let kw = match s.kind {
                SignalKind::Input | SignalKind::Output => continue,
                SignalKind::Wire | SignalKind::InstanceOutput { .. } => "wire",
                SignalKind::Reg | SignalKind::MemReadData { .. } => "reg ",
            };
            let _ = writeln!(
                decls,
                "    {kw} {}{};{}",
                range(s.ty.width()),
                name,
                decl_comment(s.ty, s.loc)
            );
        }
        for mem in &m.mems {
            let _ = writeln!(
                decls,
                "    reg  {}{} [0:{}];{}",
                range(mem.word.width()),
                mem.name,
                mem.depth.saturating_sub(1),
                decl_comment(mem.word, mem.loc)
            );
        }
        let (temps, formal_temps): (Vec<usize>, Vec<usize>) = (0..m.exprs.len())
            .filter(|&i| self.is_temp(ExprId(i as u32)))
            .partition(|&i| logic[i]);
        for &i in &temps {
            let x = &m.exprs[i];
            let name = self.names[i].as_deref().unwrap_or_default();
            let _ = writeln!(
                decls,
                "    wire {}{};{}",
                range(x.ty.width()),
                name,
                type_comment(x.ty)
            );
        }
        if !decls.is_empty() {
            out.push_str(&decls);
            out.push('\n');
        }
        // Continuous assignments: temporaries, then the builder's.
        let mut assigns = String::new();
        for &i in &temps {
            let name = self.names[i].as_deref().unwrap_or_default();
            let _ = writeln!(
                assigns,
                "    assign {name} = {};",
                self.emit_inline(ExprId(i as u32))
            );
        }
        for a in m.assigns.iter().filter(|a| !formal[a.target.0 as usize]) {
            let _ = writeln!(
                assigns,
                "    assign {} = {};",
                m.signal(a.target).name,
                self.emit(a.value)
            );
        }
        if !assigns.is_empty() {
            out.push_str(&assigns);
            out.push('\n');
        }
        // Registers.
        for r in m.regs.iter().filter(|r| !formal[r.signal.0 as usize]) {
            out.push_str(&self.reg_block(r));
        }
        // Memories: one block per port, in the shape block-RAM inference expects.
        for mem in &m.mems {
            if let Some(init) = &mem.init {
                let _ = writeln!(out, "    initial begin");
                for k in 0..mem.depth {
                    let v = init.get(k as usize).cloned().unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "        {}[{k}] = {};",
                        mem.name,
                        literal(mem.word, &v)
                    );
                }
                let _ = writeln!(out, "    end\n");
            }
            if !mem.writes.is_empty() {
                let _ = writeln!(out, "    always @(posedge clk) begin");
                for w in &mem.writes {
                    let _ = writeln!(
                        out,
                        "        if ({}) {}[{}] <= {};",
                        self.emit(w.enable),
                        mem.name,
                        self.emit(w.addr),
                        self.emit(w.data)
                    );
                }
                let _ = writeln!(out, "    end\n");
            }
            for r in &mem.reads {
                let _ = writeln!(out, "    always @(posedge clk) begin");
                let _ = writeln!(
                    out,
                    "        if ({}) {} <= {}[{}];",
                    self.emit(r.enable),
                    m.signal(r.data).name,
                    mem.name,
                    self.emit(r.addr)
                );
                let _ = writeln!(out, "    end\n");
            }
        }
        // Instances.
        for inst in &m.instances {
            let child = self.design.module(inst.module);
            let mut conns = Vec::new();
            if child.uses_clock {
                conns.push(".clk(clk)".to_string());
            }
            if child.uses_reset {
                conns.push(".rst(rst)".to_string());
            }
            for (port, e) in &inst.inputs {
                conns.push(format!(".{port}({})", self.emit(*e)));
            }
            for (port, s) in &inst.outputs {
                conns.push(format!(".{port}({})", self.signal_names[s.0 as usize]));
            }
            let header = &self
                .design
                .module(self.canonical[inst.module.0 as usize])
                .name;
            let all = conns;
            let _ = writeln!(out, "    {header} {} (", inst.name);
            for (k, c) in all.iter().enumerate() {
                let sep = if k + 1 < all.len() { "," } else { "" };
                let _ = writeln!(out, "        {c}{sep}");
            }
            let _ = writeln!(out, "    );\n");
        }
        out.push_str(&self.properties(&formal_temps, &formal));
        // Drop the last blank line.
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}
