//! The LIF unit (DESIGN.md §2–3): one LIF datapath serving `share_factor` channel groups in turn.
