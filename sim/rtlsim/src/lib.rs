//! RTL simulators and tools driven from Rust: the Verilator bridge (emitted Verilog → C++ shim →
//! cc-built shared library → Rust), Icarus Verilog test-bench runs, and the lint/synthesis tool
//! runners (Verilator lint, Yosys).
