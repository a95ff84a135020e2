//! spikeforge's hardware construction DSL: builders, the elaborated IR, checks, and the Verilog
//! back-end.
