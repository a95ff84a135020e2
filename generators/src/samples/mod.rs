//! Sample modules that prove the DSL on real tools: a counter with enable, a synchronous FIFO,
//! a dual-port RAM, a signed multiply-accumulate and a three-level hierarchy. Each is an
//! ordinary generator function over the DSL's public API.

mod counter;
mod dual_port_ram;
mod fifo;
mod hierarchy;
mod mac;

pub use counter::counter;
pub use dual_port_ram::dual_port_ram;
pub use fifo::sync_fifo;
pub use hierarchy::{hierarchy_leaf, hierarchy_mid, hierarchy_top};
pub use mac::signed_mac;

use spikeforge_dsl::Module;

/// Every sample with its default parameters, as (name, module).
pub fn all_samples() -> Vec<(&'static str, Module)> {
    vec![
        ("counter", counter(8)),
        ("sync_fifo", sync_fifo(16, 4)),
        ("dual_port_ram", dual_port_ram(32, 64)),
        ("signed_mac", signed_mac(8, 8, 24)),
        ("hierarchy", hierarchy_top(8)),
    ]
}
