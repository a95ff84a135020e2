//! spikeforge's golden model: bit-accurate SNN inference, schedules, event counts and energy.
//!
//! Depends only on `spikeforge-config`: it shares no code with the generators.
