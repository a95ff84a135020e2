//! Benchmark: build, check (elaborate) and emit an N×N grid of registered 16-bit adders, each
//! fed by its north and west neighbours, for N = 8, 16, 32, 64; flat and hierarchical (one
//! cell module instantiated N² times).
//!
//! Each size runs in its own child process so that the peak resident memory (`VmHWM`) is that
//! size's alone. Run: `cargo bench -p spikeforge-dsl --bench grid`. Targets (issue 2): 64×64
//! under 0.5 s and under 256 MB on a 2-core machine.

use spikeforge_dsl::prelude::*;
use std::process::Command;
use std::time::Instant;

const WIDTH: u32 = 16;
const REPEATS: usize = 5;

/// A flat grid: N² registers in one module.
fn flat_grid(n: usize) -> Module {
    let mut m = ModuleBuilder::new(format!("grid_flat_{n}x{n}"));
    m.param("n", n).param("width", WIDTH);
    let north: Vec<Signal> = (0..n)
        .map(|j| m.input(format!("north_{j}"), UInt(WIDTH)))
        .collect();
    let west: Vec<Signal> = (0..n)
        .map(|i| m.input(format!("west_{i}"), UInt(WIDTH)))
        .collect();
    let mut regs: Vec<Vec<Signal>> = Vec::with_capacity(n);
    for i in 0..n {
        let row: Vec<Signal> = (0..n)
            .map(|j| m.reg(format!("r_{i}_{j}"), UInt(WIDTH)))
            .collect();
        regs.push(row);
    }
    for i in 0..n {
        for j in 0..n {
            let up = if i == 0 { north[j] } else { regs[i - 1][j] };
            let left = if j == 0 { west[i] } else { regs[i][j - 1] };
            m.next(regs[i][j], up.wrapping_add(left));
        }
    }
    for (j, r) in regs[n - 1].iter().enumerate() {
        m.output_from(format!("south_{j}"), *r);
    }
    for (i, row) in regs.iter().take(n - 1).enumerate() {
        m.output_from(format!("east_{i}"), row[n - 1]);
    }
    m.finish()
}

/// A hierarchical grid: one `adder_cell` module, N² instances.
fn hier_grid(n: usize) -> Module {
    let mut c = ModuleBuilder::new("adder_cell");
    let up = c.input("up", UInt(WIDTH));
    let left = c.input("left", UInt(WIDTH));
    let r = c.reg("sum_r", UInt(WIDTH));
    c.next(r, up.wrapping_add(left));
    c.output_from("sum", r);
    let cell = c.finish();
    let mut m = ModuleBuilder::new(format!("grid_hier_{n}x{n}"));
    m.param("n", n).param("width", WIDTH);
    let north: Vec<Signal> = (0..n)
        .map(|j| m.input(format!("north_{j}"), UInt(WIDTH)))
        .collect();
    let west: Vec<Signal> = (0..n)
        .map(|i| m.input(format!("west_{i}"), UInt(WIDTH)))
        .collect();
    let mut outs: Vec<Vec<Expr>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut row: Vec<Expr> = Vec::with_capacity(n);
        for j in 0..n {
            let u = m.instance(format!("cell_{i}_{j}"), &cell);
            let up: Expr = if i == 0 {
                north[j].into()
            } else {
                outs[i - 1][j].clone()
            };
            let left: Expr = if j == 0 {
                west[i].into()
            } else {
                row[j - 1].clone()
            };
            m.connect(&u, "up", up);
            m.connect(&u, "left", left);
            row.push(u.out("sum"));
        }
        outs.push(row);
    }
    for (j, o) in outs[n - 1].iter().enumerate() {
        m.output_from(format!("south_{j}"), o.clone());
    }
    for (i, row) in outs.iter().take(n - 1).enumerate() {
        m.output_from(format!("east_{i}"), row[n - 1].clone());
    }
    m.finish()
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Runs one size in this process and prints one result line.
fn child(kind: &str, n: usize) {
    let mut best = f64::INFINITY;
    let mut bytes = 0;
    for _ in 0..REPEATS {
        let t = Instant::now();
        let top = if kind == "flat" {
            flat_grid(n)
        } else {
            hier_grid(n)
        };
        let design = elaborate(&top).expect("the grid elaborates");
        let v = emit_verilog(&design);
        let secs = t.elapsed().as_secs_f64();
        bytes = v.files.iter().map(|f| f.contents.len()).sum::<usize>();
        best = best.min(secs);
    }
    println!(
        "| {kind} | {n}×{n} | {:.1} | {:.1} | {} |",
        best * 1000.0,
        peak_rss_mib(),
        bytes
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(kind), Some(n)) = (
        std::env::var("SF_GRID_KIND").ok(),
        std::env::var("SF_GRID_N").ok(),
    ) {
        child(&kind, n.parse().expect("SF_GRID_N is a number"));
        return;
    }
    println!("Build + elaborate + emit, best of {REPEATS} runs; peak RSS of a process doing {REPEATS} runs.");
    println!();
    println!("| grid | size | time (ms) | peak RSS (MiB) | Verilog (bytes) |");
    println!("|---|---|---|---|---|");
    for kind in ["flat", "hier"] {
        for n in [8usize, 16, 32, 64] {
            let status = Command::new(&args[0])
                .env("SF_GRID_KIND", kind)
                .env("SF_GRID_N", n.to_string())
                .status()
                .expect("re-run the bench binary");
            assert!(status.success(), "child run for {kind} {n} failed");
        }
    }
}
