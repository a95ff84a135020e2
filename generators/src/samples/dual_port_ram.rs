//! A simple dual-port RAM: one write port, one registered read port.

use spikeforge_dsl::prelude::*;

/// A RAM of `depth` words of `width` bits with one synchronous write port (`we`, `waddr`,
/// `wdata`) and one synchronous read port (`re`, `raddr` → `rdata` one cycle later,
/// read-first). Emitted in the shape synthesis tools map to block RAM.
pub fn dual_port_ram(width: u32, depth: u64) -> Module {
    let mut m = ModuleBuilder::new(format!("dual_port_ram_w{width}_d{depth}"));
    m.param("width", width).param("depth", depth);
    let ram = m.mem("ram", depth, UInt(width));
    let abits = ram.address_bits();
    let we = m.input("we", Bool);
    let waddr = m.input("waddr", UInt(abits));
    let wdata = m.input("wdata", UInt(width));
    let re = m.input("re", Bool);
    let raddr = m.input("raddr", UInt(abits));
    m.mem_write(ram, we, waddr, wdata);
    let q = m.mem_read(ram, "rdata_r", re, raddr);
    m.output_from("rdata", q);
    m.finish()
}
