#![allow(dead_code)]
//! Small hand-written Verilog-2005 designs shared by the tests.

use spikeforge_rtlsim::{DesignSources, PortSpec};

pub const COUNTER: &str = r#"
module counter (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    output reg  [7:0] count,
    output wire       wrap
);
    always @(posedge clk) begin
        if (rst) count <= 8'd0;
        else if (en) count <= count + 8'd1;
    end
    assign wrap = en && (count == 8'hff);
endmodule
"#;

pub fn counter() -> DesignSources {
    DesignSources::single("counter", COUNTER)
}

pub const WIDE_ADDER: &str = r#"
module wide_adder (
    input  wire [99:0] a,
    input  wire [99:0] b,
    output wire [100:0] sum,
    output wire [63:0] low,
    output wire [39:0] mid
);
    assign sum = a + b;
    assign low = a[63:0];
    assign mid = b[39:0];
endmodule
"#;

pub fn wide_adder() -> DesignSources {
    DesignSources::single("wide_adder", WIDE_ADDER)
        .with_clock(None)
        .with_reset(None)
}

pub const SIGNED_OP: &str = r#"
module signed_op (
    input  wire signed [7:0] a,
    input  wire signed [7:0] b,
    output wire signed [8:0] sum,
    output wire signed [15:0] prod,
    output wire lt
);
    assign sum = a + b;
    assign prod = a * b;
    assign lt = a < b;
endmodule
"#;

pub fn signed_op() -> DesignSources {
    DesignSources::single("signed_op", SIGNED_OP)
        .with_clock(None)
        .with_reset(None)
        .with_ports(vec![
            PortSpec::input("a", 8).signed(),
            PortSpec::input("b", 8).signed(),
            PortSpec::output("sum", 9).signed(),
            PortSpec::output("prod", 16).signed(),
            PortSpec::output("lt", 1),
        ])
}

/// A registered ALU: op selects add/sub/and/xor; the result register updates every cycle;
/// `zero` is combinational from the register; `acc` accumulates when `acc_en`.
pub const ALU: &str = r#"
module alu (
    input  wire        clk,
    input  wire        rst,
    input  wire [1:0]  op,
    input  wire [15:0] a,
    input  wire [15:0] b,
    input  wire        acc_en,
    output reg  [15:0] y,
    output reg  [31:0] acc,
    output wire        zero,
    output wire [15:0] comb
);
    reg [15:0] r;
    always @(*) begin
        case (op)
            2'd0: r = a + b;
            2'd1: r = a - b;
            2'd2: r = a & b;
            default: r = a ^ b;
        endcase
    end
    always @(posedge clk) begin
        if (rst) begin
            y <= 16'd0;
            acc <= 32'd0;
        end else begin
            y <= r;
            if (acc_en) acc <= acc + {16'd0, r};
        end
    end
    assign zero = (y == 16'd0);
    assign comb = r ^ y;
endmodule
"#;

pub fn alu() -> DesignSources {
    DesignSources::single("alu", ALU)
}

pub const FINISHER: &str = r#"
module finisher (
    input  wire       clk,
    input  wire       rst,
    output reg  [7:0] count
);
    always @(posedge clk) begin
        if (rst) count <= 8'd0;
        else count <= count + 8'd1;
        if (!rst && count == 8'd9) $finish;
    end
endmodule
"#;

pub const FATALER: &str = r#"
module fataler (
    input  wire       clk,
    input  wire       rst,
    output reg  [7:0] count
);
    always @(posedge clk) begin
        if (rst) count <= 8'd0;
        else count <= count + 8'd1;
        if (!rst && count == 8'd4) $fatal(1, "count reached %0d", count);
    end
endmodule
"#;

/// Tiny deterministic PRNG (xorshift64*), so tests need no extra crates.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn nonce() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{t}-{}", std::process::id())
}
