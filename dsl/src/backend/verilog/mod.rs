//! The Verilog-2005 back-end.
//!
//! One file per module (`<module>.v`) plus a filelist in dependency order. Builder names are
//! kept. An expression node read more than once (or whose bits a parent selects) becomes a
//! temporary named after the signal it feeds: `<signal>_t<k>`, where `<signal>` is the first
//! signal (in declaration order; then memories, instance inputs `<instance>_<port>` and
//! property labels) whose driver reads it, and `k` counts that signal's temporaries, skipping
//! any name already used in the module, so a temporary never takes a user's name. A temporary
//! of which some bits are never read (after an explicit `trunc`/`bits`) ends in
//! `_partly_unused`, which Verilator's `-Wall` recognises through its default
//! `--unused-regexp` (`*unused*`).
//!
//! A mux chain over one selector, `sel == k0 ? v0 : sel == k1 ? v1 : … : default` (as
//! `Update`, `when` scopes and register decodes build it), with at least [`MIN_CASE_ARMS`]
//! arms that can match, is emitted as `case (sel)` with a `default:` arm: in the `always @*`
//! block of the wire or output it drives (declared `reg`), inside the register's clocked block
//! when it is a register's next value, or as a `reg` temporary with its own `always @*` block
//! elsewhere. Arms keep their priority order; an arm whose constant repeats an earlier one, or
//! lies outside the selector's type, can never be chosen by the ternary and is left out, so the
//! `case` computes exactly what the ternary did.
//!
//! Every operand is extended explicitly to the width of the operation that reads it, so each
//! Verilog expression has exactly the width of its IR node: no context-dependent widening,
//! no implicit truncation, and lint-clean width checks. All nets are declared unsigned;
//! signedness lives in explicit sign extensions, `$signed()` comparisons and `>>>` shifts
//! (wrapped in `{…}` so that an enclosing unsigned expression cannot turn them logical).
//!
//! Structurally identical modules (same ports and body after their own children were merged)
//! are emitted once, under the name of the first; instances of the others use that name.
//!
//! A combinational child instantiated with `ModuleBuilder::function_instance` is emitted as
//! functions declared in its parent, one per output read, called where the output is read
//! ([`function`]); a register whose next value selects between arms that call one is loaded in
//! an `if`/`else`, so that a simulator computes the call only in the cycles that need it. A
//! module instantiated only that way gets no file.

mod function;

use super::templates;
use crate::checks::names::RESERVED;
use crate::ir::{self, BinOp, ExprId, ExprKind, ModuleId, RedOp, SignalKind, UnOp};
use crate::types::Type;
use num_bigint::BigInt;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    let function_only = function::function_only(design);
    for (i, m) in design.modules.iter().enumerate() {
        let id = ModuleId(i as u32);
        if function_only[i] {
            canonical.push(id);
            bodies.push(None);
            continue;
        }
        let emitter = ModuleEmitter::new(m, design, &canonical);
        let ports = emitter.port_decls();
        let body = emitter.body();
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

/// The fewest arms a mux chain over one selector needs to be emitted as a `case`.
const MIN_CASE_ARMS: usize = 3;

/// One arm of a [`Chain`]: `label: <target> = value;`.
struct ChainArm {
    /// The constant node compared with the selector.
    label: ExprId,
    /// Its value (within the selector's type).
    label_value: BigInt,
    /// The arm's value.
    value: ExprId,
}

/// A mux chain over one selector, `sel == k0 ? v0 : sel == k1 ? v1 : … : default`, emitted
/// as a `case (sel)`.
struct Chain {
    /// The selector.
    sel: ExprId,
    /// The arms in priority order, without the ones that can never be chosen.
    arms: Vec<ChainArm>,
    /// The value when no arm matches.
    default: ExprId,
}

/// How the live expression nodes of a module are read (see [`ModuleEmitter::count`]).
struct Counts {
    /// Reads of each node.
    uses: Vec<u32>,
    /// Nodes that need a name however often they are read.
    must_name: Vec<bool>,
    /// Bit ranges `(lo, hi)` read by part selects.
    bits_read: Vec<Vec<(u32, u32)>>,
    /// Nodes read whole somewhere.
    full_read: Vec<bool>,
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
    /// The mux chains emitted as a `case`, by head node.
    chains: BTreeMap<ExprId, Chain>,
    /// Chain heads emitted in the block of the one signal they drive (not as temporaries).
    direct: Vec<bool>,
    /// Wires and outputs driven by a `case` (declared `reg`, driven in an `always @*`).
    case_driven: Vec<bool>,
    /// For each named constant (`localparam`), where its name was written: bit 0 in the logic,
    /// bit 1 in the properties (see [`ModuleEmitter::localparams`]).
    param_used: RefCell<Vec<u8>>,
    /// True while the properties' block is being written.
    in_formal: Cell<bool>,
    /// Signals that are outputs of function instances (read as calls, never declared).
    fn_output: Vec<bool>,
    /// Reads of such outputs that must be named (a part select of a call is not Verilog):
    /// temporaries assigned the call.
    fn_temp: Vec<bool>,
    /// The functions this module declares, in the order of their first use.
    functions: Vec<function::FunctionUse>,
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
            chains: BTreeMap::new(),
            direct: vec![false; m.exprs.len()],
            case_driven: vec![false; m.signals.len()],
            param_used: RefCell::new(vec![0; m.localparams.len()]),
            in_formal: Cell::new(false),
            fn_output: vec![false; m.signals.len()],
            fn_temp: vec![false; m.exprs.len()],
            functions: Vec::new(),
        };
        for inst in m.instances.iter().filter(|i| i.as_function) {
            for (_, s) in &inst.outputs {
                e.fn_output[s.0 as usize] = true;
            }
        }
        e.plan();
        e.plan_functions();
        e
    }

    /// Decides how every expression node is emitted: which mux chains over one selector become
    /// a `case` ([`Chain`]), and which nodes become named temporaries (nodes read more than
    /// once, nodes whose bits are selected or sign-extended by a parent, and `case` results
    /// that are not a signal's whole driver).
    fn plan(&mut self) {
        let n = self.m.exprs.len();
        // First the plain structure, to find the chains; then again with the chains in place,
        // so that the comparisons a `case` replaces count no more.
        let live = self.live();
        let first = self.count(&live);
        let mut absorbed = vec![false; n];
        for h in (0..n).rev() {
            if absorbed[h] || !live[h] {
                continue;
            }
            if let Some((chain, inner)) = self.chain_at(ExprId(h as u32), &first) {
                for i in inner {
                    absorbed[i.0 as usize] = true;
                }
                self.chains.insert(ExprId(h as u32), chain);
            }
        }
        let live = self.live();
        let counts = self.count(&live);
        // A chain that is the whole driver of one signal, and read nowhere else, is emitted in
        // that signal's own block; any other becomes a `reg` temporary.
        let m = self.m;
        for a in &m.assigns {
            if self.chains.contains_key(&a.value) && counts.uses[a.value.0 as usize] == 1 {
                self.direct[a.value.0 as usize] = true;
                self.case_driven[a.target.0 as usize] = true;
            }
        }
        for r in &m.regs {
            if self.chains.contains_key(&r.next) && counts.uses[r.next.0 as usize] == 1 {
                self.direct[r.next.0 as usize] = true;
            }
        }
        let owners = self.owners(&live);
        let mut taken: HashSet<String> = self.signal_names.iter().cloned().collect();
        taken.extend(RESERVED.iter().map(|s| s.to_string()));
        taken.extend(m.signals.iter().map(|s| s.name.clone()));
        taken.extend(m.mems.iter().map(|x| x.name.clone()));
        taken.extend(m.instances.iter().map(|x| x.name.clone()));
        taken.extend(m.properties.iter().map(|p| p.label.clone()));
        taken.extend(m.localparams.iter().map(|p| p.name.clone()));
        for p in &m.localparams {
            self.names[p.value.0 as usize] = Some(p.name.clone());
        }
        let mut next_of: HashMap<&str, u32> = HashMap::new();
        for (i, x) in m.exprs.iter().enumerate() {
            if !live[i] {
                continue;
            }
            let fn_temp = matches!(x.kind, ExprKind::Signal(s) if self.fn_output[s.0 as usize])
                && counts.must_name[i];
            self.fn_temp[i] = fn_temp;
            match &x.kind {
                ExprKind::Signal(s) if !fn_temp => {
                    self.names[i] = Some(self.signal_names[s.0 as usize].clone());
                }
                ExprKind::Const(_) => {}
                _ if fn_temp
                    || counts.must_name[i]
                    || counts.uses[i] > 1
                    || (self.chains.contains_key(&ExprId(i as u32)) && !self.direct[i]) =>
                {
                    let partly_unused = !counts.full_read[i]
                        && !covers(&mut counts.bits_read[i].clone(), x.ty.width());
                    let owner = owners[i].as_deref().unwrap_or("");
                    let k = next_of.entry(owner).or_insert(0);
                    // `<owner>_t<k>`, the first `k` that names nothing else in the module.
                    let name = loop {
                        let base = if owner.is_empty() {
                            format!("t{k}")
                        } else {
                            format!("{owner}_t{k}")
                        };
                        *k += 1;
                        let name = if partly_unused {
                            format!("{base}_partly_unused")
                        } else {
                            base
                        };
                        if !taken.contains(&name) {
                            break name;
                        }
                    };
                    taken.insert(name.clone());
                    self.names[i] = Some(name);
                }
                _ => {}
            }
        }
    }

    /// The operands of `id` as emitted: a `case`'s selector, arm values and default, or the
    /// node's own operands.
    fn operands(&self, id: ExprId) -> Vec<ExprId> {
        match self.chains.get(&id) {
            Some(c) => std::iter::once(c.sel)
                .chain(c.arms.iter().map(|a| a.value))
                .chain([c.default])
                .collect(),
            None => self.m.expr(id).kind.operands(),
        }
    }

    /// The expression roots of the module in a fixed order, each with the name of what it
    /// drives: signals in declaration order (their assignment, or their register's next value
    /// and enable), then memory ports, instance inputs and properties.
    fn roots(&self) -> Vec<(String, ExprId)> {
        let m = self.m;
        let mut by_signal: Vec<Vec<ExprId>> = vec![Vec::new(); m.signals.len()];
        for a in &m.assigns {
            by_signal[a.target.0 as usize].push(a.value);
        }
        for r in &m.regs {
            by_signal[r.signal.0 as usize].push(r.next);
            by_signal[r.signal.0 as usize].extend(r.enable);
        }
        let mut roots = Vec::new();
        for (i, ids) in by_signal.into_iter().enumerate() {
            roots.extend(ids.into_iter().map(|e| (self.signal_names[i].clone(), e)));
        }
        for mem in &m.mems {
            for w in &mem.writes {
                roots.extend([w.enable, w.addr, w.data].map(|e| (mem.name.clone(), e)));
            }
            for r in &mem.reads {
                roots.extend([r.enable, r.addr].map(|e| (mem.name.clone(), e)));
            }
        }
        for inst in &m.instances {
            for (port, e) in &inst.inputs {
                roots.push((format!("{}_{port}", inst.name), *e));
            }
        }
        for p in &m.properties {
            roots.push((p.label.clone(), p.cond));
        }
        roots
    }

    /// The nodes reachable from the roots through the emitted operands.
    fn live(&self) -> Vec<bool> {
        let mut live = vec![false; self.m.exprs.len()];
        let mut stack: Vec<ExprId> = self.roots().into_iter().map(|(_, e)| e).collect();
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut live[id.0 as usize], true) {
                stack.extend(self.operands(id));
            }
        }
        live
    }

    /// For each node, the name of the first root (in [`ModuleEmitter::roots`] order) whose
    /// expression reaches it: the signal its temporary is named after.
    fn owners(&self, live: &[bool]) -> Vec<Option<String>> {
        let mut owner: Vec<Option<String>> = vec![None; self.m.exprs.len()];
        for (name, root) in self.roots() {
            let mut stack = vec![root];
            while let Some(id) = stack.pop() {
                let i = id.0 as usize;
                if owner[i].is_some() || !live[i] {
                    continue;
                }
                owner[i] = Some(name.clone());
                stack.extend(self.operands(id));
            }
        }
        owner
    }

    /// How the live nodes are read: reads per node, nodes that need a name whatever their
    /// reads, and which bits of each node are read.
    fn count(&self, live: &[bool]) -> Counts {
        let m = self.m;
        let n = m.exprs.len();
        let mut c = Counts {
            uses: vec![0u32; n],
            must_name: vec![false; n],
            bits_read: vec![Vec::new(); n],
            full_read: vec![false; n],
        };
        let note = |id: ExprId, part: Option<(u32, u32)>, c: &mut Counts| {
            let i = id.0 as usize;
            c.uses[i] += 1;
            match part {
                Some((hi, lo)) => c.bits_read[i].push((lo, hi)),
                None => c.full_read[i] = true,
            }
        };
        for a in &m.assigns {
            note(a.value, None, &mut c);
        }
        for r in &m.regs {
            note(r.next, None, &mut c);
            if let Some(e) = r.enable {
                note(e, None, &mut c);
            }
        }
        for mem in &m.mems {
            for w in &mem.writes {
                for e in [w.enable, w.addr, w.data] {
                    note(e, None, &mut c);
                }
            }
            for r in &mem.reads {
                for e in [r.enable, r.addr] {
                    note(e, None, &mut c);
                }
            }
        }
        for inst in &m.instances {
            for (_, e) in &inst.inputs {
                note(*e, None, &mut c);
            }
        }
        let width_of = |id: ExprId| m.expr(id).ty.width();
        let signed = |id: ExprId| m.expr(id).ty.is_signed();
        let sext_to = |id: ExprId, w: u32, c: &mut Counts| {
            if signed(id) && width_of(id) < w {
                c.must_name[id.0 as usize] = true;
            }
        };
        for (i, x) in m.exprs.iter().enumerate() {
            if !live[i] {
                continue;
            }
            if self.chains.contains_key(&ExprId(i as u32)) {
                for e in self.operands(ExprId(i as u32)) {
                    note(e, None, &mut c);
                }
                continue;
            }
            let r = x.ty.width();
            match &x.kind {
                ExprKind::Const(_) | ExprKind::Signal(_) => {}
                ExprKind::Unary(op, a) => {
                    if *op == UnOp::Neg {
                        sext_to(*a, r, &mut c);
                    }
                    note(*a, None, &mut c);
                }
                ExprKind::Binary(op, a, b) => {
                    let target = if op.is_comparison() {
                        width_of(*a).max(width_of(*b))
                    } else {
                        r
                    };
                    if *op == BinOp::ShrDyn && width_of(*b) > 32 {
                        // A wide amount is emitted as bit ranges of it (see `shift_amount`).
                        c.must_name[b.0 as usize] = true;
                    }
                    if !matches!(op, BinOp::ShrDyn) {
                        sext_to(*a, target, &mut c);
                        if *op != BinOp::ShlDyn {
                            sext_to(*b, target, &mut c);
                        }
                    }
                    note(*a, None, &mut c);
                    note(*b, None, &mut c);
                }
                ExprKind::ShlConst(a, _)
                | ExprKind::ShrConst { arg: a, .. }
                | ExprKind::Zext(a)
                | ExprKind::Reinterpret(a)
                | ExprKind::Reduce(_, a) => note(*a, None, &mut c),
                ExprKind::Sext(a) => {
                    // `sext` replicates the top bit whatever the operand's signedness, so an
                    // unsigned operand needs a name too (`(x | y)[7]` is not Verilog).
                    if width_of(*a) < r {
                        c.must_name[a.0 as usize] = true;
                    }
                    note(*a, None, &mut c);
                }
                ExprKind::Mux(s, a, b) => {
                    for e in [*s, *a, *b] {
                        note(e, None, &mut c);
                    }
                }
                ExprKind::Concat(parts) => {
                    for p in parts {
                        note(*p, None, &mut c);
                    }
                }
                ExprKind::Slice(a, hi, lo) => {
                    let full = *lo == 0 && *hi + 1 == width_of(*a);
                    if full {
                        note(*a, None, &mut c);
                    } else {
                        c.must_name[a.0 as usize] = true;
                        note(*a, Some((*hi, *lo)), &mut c);
                    }
                }
            }
        }
        c
    }

    /// `(selector, constant)` when `cond` compares a non-constant with a constant for equality.
    fn eq_const(&self, cond: ExprId) -> Option<(ExprId, ExprId)> {
        let is_const = |id: ExprId| matches!(self.m.expr(id).kind, ExprKind::Const(_));
        match self.m.expr(cond).kind {
            ExprKind::Binary(BinOp::Eq, a, b) if is_const(b) && !is_const(a) => Some((a, b)),
            ExprKind::Binary(BinOp::Eq, a, b) if is_const(a) && !is_const(b) => Some((b, a)),
            _ => None,
        }
    }

    /// The mux chain over one selector headed by `head`, and the inner mux nodes it absorbs,
    /// when it has at least [`MIN_CASE_ARMS`] arms that can match. An inner node must be read
    /// only by the chain (it has no name of its own). Arms are kept in priority order; a
    /// constant the selector cannot equal (out of its type's range) or already met is dropped,
    /// which leaves the first match winning, as in the ternary.
    fn chain_at(&self, head: ExprId, counts: &Counts) -> Option<(Chain, Vec<ExprId>)> {
        let m = self.m;
        let ExprKind::Mux(c0, _, _) = m.expr(head).kind else {
            return None;
        };
        let (sel, _) = self.eq_const(c0)?;
        let sel_ty = m.expr(sel).ty;
        let mut arms: Vec<ChainArm> = Vec::new();
        let mut inner = Vec::new();
        let mut node = head;
        while let ExprKind::Mux(c, v, rest) = m.expr(node).kind {
            let Some((s, k)) = self.eq_const(c) else {
                break;
            };
            let i = node.0 as usize;
            if s != sel || (node != head && (counts.uses[i] != 1 || counts.must_name[i])) {
                break;
            }
            if node != head {
                inner.push(node);
            }
            if let ExprKind::Const(value) = &m.expr(k).kind {
                if sel_ty.contains(value) && !arms.iter().any(|a| &a.label_value == value) {
                    arms.push(ChainArm {
                        label: k,
                        label_value: value.clone(),
                        value: v,
                    });
                }
            }
            node = rest;
        }
        (arms.len() >= MIN_CASE_ARMS).then_some((
            Chain {
                sel,
                arms,
                default: node,
            },
            inner,
        ))
    }

    /// The port declarations; an output driven by a `case` is an `output reg`.
    fn port_decls(&self) -> Vec<String> {
        let m = self.m;
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
                "input  wire"
            } else if self.case_driven[p.0 as usize] {
                "output reg "
            } else {
                "output wire"
            };
            let signed = if s.ty.is_signed() {
                format!(" /* {} */", s.ty)
            } else {
                String::new()
            };
            ports.push(format!("{dir} {}{}{signed}", range(s.ty.width()), s.name));
        }
        ports
    }

    /// The declaration keyword of temporary `i`: `reg ` for a `case` result, else `wire`.
    fn temp_keyword(&self, i: usize) -> &'static str {
        if self.chains.contains_key(&ExprId(i as u32)) {
            "reg "
        } else {
            "wire"
        }
    }

    /// The continuous driver of temporary `i`: an `assign`, or an `always @*` block holding
    /// the `case` of a chain.
    fn temp_driver(&self, i: usize) -> String {
        let id = ExprId(i as u32);
        let name = self.names[i].as_deref().unwrap_or_default();
        match self.chains.get(&id) {
            Some(chain) => self.comb_case(chain, name),
            None => format!("    assign {name} = {};\n", self.emit_inline(id)),
        }
    }

    /// The continuous driver of an assigned signal.
    fn assign_driver(&self, a: &ir::Assign) -> String {
        let name = &self.signal_names[a.target.0 as usize];
        match self.chains.get(&a.value) {
            Some(chain) if self.direct[a.value.0 as usize] => self.comb_case(chain, name),
            _ => format!("    assign {name} = {};\n", self.emit(a.value)),
        }
    }

    /// `always @*` with the `case` of `chain` assigning `target`.
    fn comb_case(&self, chain: &Chain, target: &str) -> String {
        format!(
            "    always @* begin\n{}    end\n",
            self.case_statement(chain, target, "=", "        ")
        )
    }

    /// `case (sel) … endcase` assigning `target` with `op` (`=` or `<=`), indented by `indent`.
    fn case_statement(&self, chain: &Chain, target: &str, op: &str, indent: &str) -> String {
        let sel_ty = self.m.expr(chain.sel).ty;
        let mut out = format!("{indent}case ({})\n", self.emit(chain.sel));
        for arm in &chain.arms {
            let label = match &self.names[arm.label.0 as usize] {
                Some(name) if self.m.expr(arm.label).ty == sel_ty => {
                    self.note_param(arm.label);
                    name.clone()
                }
                _ => literal(sel_ty, &arm.label_value),
            };
            let _ = writeln!(
                out,
                "{indent}    {label}: {target} {op} {};",
                self.emit(arm.value)
            );
        }
        let _ = writeln!(
            out,
            "{indent}    default: {target} {op} {};",
            self.emit(chain.default)
        );
        let _ = writeln!(out, "{indent}endcase");
        out
    }

    fn is_temp(&self, id: ExprId) -> bool {
        self.fn_temp[id.0 as usize]
            || !matches!(
                self.m.expr(id).kind,
                ExprKind::Signal(_) | ExprKind::Const(_)
            ) && self.names[id.0 as usize].is_some()
    }

    /// The expression as Verilog text of exactly its own width.
    fn emit(&self, id: ExprId) -> String {
        if let Some(n) = &self.names[id.0 as usize] {
            if matches!(self.m.expr(id).kind, ExprKind::Const(_)) {
                self.note_param(id);
            }
            return n.clone();
        }
        self.emit_inline(id)
    }

    /// Records that the name of the named constant `id` was written.
    fn note_param(&self, id: ExprId) {
        let bit = if self.in_formal.get() { 2 } else { 1 };
        let mut used = self.param_used.borrow_mut();
        for (k, p) in self.m.localparams.iter().enumerate() {
            if p.value == id {
                used[k] |= bit;
            }
        }
    }

    /// The `localparam` declarations of the named constants whose name was written in the
    /// logic (`formal` false) or only in the properties (`formal` true): a declared but unused
    /// one would be a `-Wall` warning.
    fn localparams(&self, formal: bool) -> String {
        let used = self.param_used.borrow();
        let mut out = String::new();
        for (k, p) in self.m.localparams.iter().enumerate() {
            let wanted = if formal {
                used[k] == 2
            } else {
                used[k] & 1 == 1
            };
            if !wanted {
                continue;
            }
            let x = self.m.expr(p.value);
            if let ExprKind::Const(v) = &x.kind {
                let _ = writeln!(
                    out,
                    "    localparam {}{} = {};{}",
                    range(x.ty.width()),
                    p.name,
                    literal(x.ty, v),
                    decl_comment(x.ty, p.loc)
                );
            }
        }
        out
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
                stack.extend(self.operands(id));
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
            stack.extend(self.operands(id));
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
        self.in_formal.set(true);
        let mut out = String::new();
        for (i, s) in m.signals.iter().enumerate().filter(|(i, _)| formal[*i]) {
            let kw = if s.kind == SignalKind::Reg || self.case_driven[i] {
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
                "    {} {}{};{}",
                self.temp_keyword(i),
                range(x.ty.width()),
                name,
                type_comment(x.ty)
            );
        }
        for &i in formal_temps {
            out.push_str(&self.temp_driver(i));
        }
        for a in m.assigns.iter().filter(|a| formal[a.target.0 as usize]) {
            out.push_str(&self.assign_driver(a));
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
        self.in_formal.set(false);
        format!(
            "`ifdef FORMAL\n    // Properties: proved by formal tools, checked by simulation; ignored by synthesis.\n{}{out}",
            self.localparams(true)
        )
    }

    /// The `always` block of one register.
    fn reg_block(&self, r: &ir::Reg) -> String {
        let m = self.m;
        let s = m.signal(r.signal);
        if let Some(chain) = self
            .chains
            .get(&r.next)
            .filter(|_| self.direct[r.next.0 as usize])
        {
            return self.reg_case_block(r, chain);
        }
        if let ExprKind::Mux(sel, a, b) = m.expr(r.next).kind {
            if !self.is_temp(r.next) && (self.calls_function(a) || self.calls_function(b)) {
                return self.reg_branch_block(r, sel, a, b);
            }
        }
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

    /// The `always` block of a register whose next value is `sel ? a : b` with a function call
    /// in an arm: `if (sel) r <= a; else r <= b;`, so the call is made only when its arm is
    /// taken.
    fn reg_branch_block(&self, r: &ir::Reg, sel: ExprId, a: ExprId, b: ExprId) -> String {
        let name = &self.m.signal(r.signal).name;
        self.guarded_reg_block(r, &|indent| {
            format!(
                "{indent}if ({}) {name} <= {};\n{indent}else {name} <= {};\n",
                self.emit(sel),
                self.emit(a),
                self.emit(b)
            )
        })
    }

    /// The `always` block of a register whose next value is a `case`.
    fn reg_case_block(&self, r: &ir::Reg, chain: &Chain) -> String {
        let name = &self.m.signal(r.signal).name;
        self.guarded_reg_block(r, &|indent| self.case_statement(chain, name, "<=", indent))
    }

    /// The `always` block of register `r` whose load is the statements `load` writes at the
    /// indent it is given, under the register's reset and enable (a `begin … end` when there
    /// is either).
    fn guarded_reg_block(&self, r: &ir::Reg, load: &dyn Fn(&str) -> String) -> String {
        let s = self.m.signal(r.signal);
        let mut out = String::from("    always @(posedge clk) begin\n");
        let mut guard = Vec::new();
        if let Some(v) = &r.reset {
            let _ = writeln!(out, "        if (rst) {} <= {};", s.name, literal(s.ty, v));
            guard.push("else".to_string());
        }
        if let Some(en) = r.enable {
            guard.push(format!("if ({})", self.emit(en)));
        }
        if guard.is_empty() {
            out.push_str(&load("        "));
        } else {
            let _ = writeln!(out, "        {} begin", guard.join(" "));
            out.push_str(&load("            "));
            let _ = writeln!(out, "        end");
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
            if formal[i] || self.fn_output[i] {
                continue;
            }
            let kw = match s.kind {
                SignalKind::Input | SignalKind::Output => continue,
                SignalKind::Wire if self.case_driven[i] => "reg ",
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
                "    {}reg  {}{} [0:{}];{}",
                if mem.no_read_during_write {
                    "(* no_rw_check *) "
                } else {
                    ""
                },
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
                "    {} {}{};{}",
                self.temp_keyword(i),
                range(x.ty.width()),
                name,
                type_comment(x.ty)
            );
        }
        if !decls.is_empty() {
            out.push_str(&decls);
            out.push('\n');
        }
        // The functions of the function instances.
        out.push_str(&self.functions_text());
        // Continuous assignments, temporaries then the builder's; then the `case` blocks, one
        // paragraph each.
        let mut assigns = String::new();
        let mut cases = Vec::new();
        for &i in &temps {
            if self.chains.contains_key(&ExprId(i as u32)) {
                cases.push(self.temp_driver(i));
            } else {
                assigns.push_str(&self.temp_driver(i));
            }
        }
        for a in m.assigns.iter().filter(|a| !formal[a.target.0 as usize]) {
            if self.case_driven[a.target.0 as usize] {
                cases.push(self.assign_driver(a));
            } else {
                assigns.push_str(&self.assign_driver(a));
            }
        }
        if !assigns.is_empty() {
            out.push_str(&assigns);
            out.push('\n');
        }
        for c in cases {
            out.push_str(&c);
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
        for inst in m.instances.iter().filter(|i| !i.as_function) {
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
        // The named constants the text above uses, first.
        let params = self.localparams(false);
        if !params.is_empty() {
            out = format!("{params}\n{out}");
        }
        // Drop the last blank line.
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}
