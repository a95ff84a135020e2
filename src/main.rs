//! `spikeforge`: the command-line front end. It parses arguments, calls the libraries and
//! prints; every piece of logic a library user would need lives in the library crates.

mod commands;

use clap::{Parser, Subcommand};

/// spikeforge: describe SNN accelerator hardware in Rust, get synthesizable Verilog plus the
/// evidence that it is right and what it costs.
#[derive(Debug, Parser)]
#[command(name = "spikeforge", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate Verilog for a design into rtl_out/<name>/ (built-in default design when no
    /// configuration is given).
    Generate(commands::generate::GenerateArgs),
    /// Run the golden model on a network and an input; print JSON.
    Golden(commands::golden::GoldenArgs),
    /// Estimate energy and latency of a network on an accelerator configuration.
    Estimate(commands::estimate::EstimateArgs),
    /// Evaluate a network (or a NIR model at several precisions) over a labelled dataset:
    /// accuracy vs timesteps, fixed-T costs and DT-SNN, as JSON and Markdown.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// Build the accelerator for an FPGA board: board top, pins, synthesis, place and route,
    /// bitstream and timing, with report.json and report.md.
    Fpga(commands::fpga::FpgaArgs),
    /// Co-simulate the generated accelerator RTL (Verilator) against the golden model.
    Cosim(commands::cosim::CosimArgs),
    /// Run one inference on a board — simulated in Verilator with its UART (`--sim`, compared
    /// with the golden model) or on a serial port (`--port`) — and print the result as JSON.
    Run(commands::run::RunArgs),
    /// Import a trained SNN from a NIR file (snnTorch, Norse, …) as a network description.
    Import(commands::import::ImportArgs),
    /// Regenerate the reproduction document (spikeforge beside the papers' figures).
    Reproduce(commands::reproduce::ReproduceArgs),
    /// Sweep accelerator and network parameters: analytic figures per point, resumable, in
    /// shards or a Slurm job array; CSV, SVG plots (Pareto front, breakdowns), report.html.
    Sweep(commands::sweep::SweepArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => commands::generate::run(args),
        Command::Golden(args) => commands::golden::run(args),
        Command::Estimate(args) => commands::estimate::run(args),
        Command::Evaluate(args) => commands::evaluate::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::Reproduce(args) => commands::reproduce::run(args),
        Command::Cosim(args) => commands::cosim::run(args),
        Command::Fpga(args) => commands::fpga::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Sweep(args) => commands::sweep::run(args),
    };
    if let Err(err) = result {
        // Never `eprintln!`: it panics when standard error is closed.
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "error: {err:#}");
        std::process::exit(1);
    }
}
