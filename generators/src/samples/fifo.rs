//! A synchronous FIFO over an inferred RAM.

use spikeforge_dsl::prelude::*;

/// A FIFO of `2^depth_log2` words of `width` bits.
///
/// Ports: `push`, `push_data` (written when `push` and not `full`); `pop` (a word is read
/// when `pop` and not `empty`; it appears on `pop_data` with `pop_valid` high one cycle
/// later); `full`, `empty`, `count` (words held, `depth_log2 + 1` bits).
pub fn sync_fifo(width: u32, depth_log2: u32) -> Module {
    let depth = 1u64 << depth_log2;
    let mut m = ModuleBuilder::new(format!("sync_fifo_w{width}_d{depth}"));
    m.param("width", width).param("depth", depth);
    let push = m.input("push", Bool);
    let push_data = m.input("push_data", UInt(width));
    let pop = m.input("pop", Bool);

    let ram = m.mem("storage", depth, UInt(width));
    let wr_ptr = m.reg("wr_ptr", UInt(depth_log2));
    let rd_ptr = m.reg("rd_ptr", UInt(depth_log2));
    let count = m.reg("count_r", UInt(depth_log2 + 1));

    let full = m.wire_from("full_w", count.is_eq(depth));
    let empty = m.wire_from("empty_w", count.is_eq(0));
    let do_push = m.wire_from("do_push", push & !full);
    let do_pop = m.wire_from("do_pop", pop & !empty);

    m.mem_write(ram, do_push, wr_ptr, push_data);
    let data = m.mem_read(ram, "pop_data_r", do_pop, rd_ptr);
    m.next_when(wr_ptr, do_push, wr_ptr.wrapping_add(1));
    m.next_when(rd_ptr, do_pop, rd_ptr.wrapping_add(1));
    // count + push - pop, as one wrapping update.
    let up = m.wire_from("count_up", count.wrapping_add(1));
    let down = m.wire_from("count_down", count.wrapping_sub(1));
    let next_count = Expr::mux(
        do_push & !do_pop,
        up,
        Expr::mux(do_pop & !do_push, down, count),
    );
    m.next(count, next_count);
    let valid = m.reg("pop_valid_r", Bool);
    m.next(valid, do_pop);

    m.output_from("pop_data", data);
    m.output_from("pop_valid", valid);
    m.output_from("full", full);
    m.output_from("empty", empty);
    m.output_from("count", count);
    m.finish()
}
