//! spikeforge's Verilator bridge: emitted Verilog → C++ shim → cc-built shared library → Rust.
