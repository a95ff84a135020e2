//! The closed-form counts of `counts.rs` equal an explicit walk over the mapping: every tile,
//! every PE operation, every buffer access, cycle by cycle as the module docs describe it.
//! The walk uses the spikes the golden model produced (trace), so performed/gated
//! accumulates are checked against real data, not only formulas.
#![allow(clippy::needless_range_loop)] // index loops mirror the documented loop nest

mod common;

use proptest::prelude::*;
use spikeforge_config::{AcceleratorConfig, Input, LayerKind, Network};
use spikeforge_golden::{encode, GoldenModel, RunOptions};

#[derive(Default, Debug, PartialEq, Eq)]
struct Walk {
    performed: u64,
    gated: u64,
    weight_reads: u64,
    spad_reads: u64,
    spad_writes: u64,
    in_reads: u64,
    in_writes: u64,
    out_writes: u64,
    psum_reads: u64,
    psum_writes: u64,
    psum_spad_reads: u64,
    psum_spad_writes: u64,
    mem_reads: u64,
    mem_writes: u64,
    lif_steps: u64,
    cls_updates: u64,
    cycles: u64,
    ext_read_bits: u64,
}

/// im2col value for stage input spikes `inp` (a set of flat indices): `Some(spike)` for an
/// in-bounds tap, `None` for padding.
fn im2col(net: &Network, stage: usize, inp: &[bool], p: usize, n: usize) -> Option<bool> {
    let s = net.shapes()[stage];
    match s.kind {
        LayerKind::Linear => Some(inp[n]),
        LayerKind::Conv2d => {
            let r_n = s.kernel as usize;
            let (c, r, sx) = (n / (r_n * r_n), (n / r_n) % r_n, n % r_n);
            let (e, f) = (p / s.out_width as usize, p % s.out_width as usize);
            let y = (e * s.stride as usize + r) as i64 - s.padding as i64;
            let x = (f * s.stride as usize + sx) as i64 - s.padding as i64;
            if y < 0 || x < 0 || y >= s.in_height as i64 || x >= s.in_width as i64 {
                return None;
            }
            Some(inp[(c * s.in_height as usize + y as usize) * s.in_width as usize + x as usize])
        }
    }
}

fn walk(net: &Network, a: &AcceleratorConfig, stage_inputs: &[Vec<Vec<bool>>]) -> Walk {
    let mut w = Walk::default();
    let shapes = net.shapes();
    let t_all = net.timesteps as usize;
    let b = a.schedule.tick_batch as usize;
    let (rows, cols) = (a.rows as usize, a.cols as usize);
    let mut start = 0;
    while start < t_all {
        let tw = b.min(t_all - start);
        for (i, s) in shapes.iter().enumerate() {
            let hidden = i < net.layers.len();
            let (nn, m, pp) = (
                s.fan_in() as usize,
                s.out_channels as usize,
                s.positions() as usize,
            );
            let wb = if hidden {
                net.layers[i].weight_bits
            } else {
                net.classifier.weight_bits
            } as u64;
            w.ext_read_bits += (nn * m) as u64 * wb;
            if i == 0 {
                w.in_writes += s.inputs() * tw as u64;
                w.ext_read_bits += s.inputs() * tw as u64;
            }
            let depth = if a.double_buffer {
                (a.weight_spad_depth as usize / 2).max(1)
            } else {
                a.weight_spad_depth as usize
            };
            let pb = (a.psum_spad_depth as usize / tw).max(1);
            let fill = (rows + cols - 2 + a.pipeline_regs as usize) as u64;
            let n_rt = nn.div_ceil(rows);
            // (load, compute) cycles of every group, in order.
            let mut groups: Vec<(u64, u64)> = Vec::new();
            for ct in (0..m).step_by(cols) {
                let cu = cols.min(m - ct);
                for g0 in (0..n_rt).step_by(depth) {
                    let g_tiles: Vec<usize> = (g0..(g0 + depth).min(n_rt)).collect();
                    let mut load = 0u64;
                    for &rt in &g_tiles {
                        let ru = rows.min(nn - rt * rows);
                        w.weight_reads += (ru * cu) as u64;
                        w.spad_writes += (ru * cu) as u64;
                        load += rows as u64;
                    }
                    let mut compute = 0u64;
                    for b0 in (0..pp).step_by(pb) {
                        let blk = b0..(b0 + pb).min(pp);
                        compute += fill;
                        for (gi, &rt) in g_tiles.iter().enumerate() {
                            let ru = rows.min(nn - rt * rows);
                            for p in blk.clone() {
                                for t in start..start + tw {
                                    compute += 1;
                                    for n in rt * rows..rt * rows + ru {
                                        let v = im2col(net, i, &stage_inputs[i][t], p, n);
                                        if v.is_some() {
                                            w.in_reads += 1;
                                        }
                                        for _k in 0..cu {
                                            if v == Some(true) {
                                                w.performed += 1;
                                                w.spad_reads += 1;
                                            } else {
                                                w.gated += 1;
                                            }
                                        }
                                    }
                                    for _k in 0..cu {
                                        if gi > 0 {
                                            w.psum_spad_reads += 1;
                                        }
                                        w.psum_spad_writes += 1;
                                    }
                                }
                            }
                        }
                        // Move the block's sums out of the accumulators into the psum buffer.
                        for _ in 0..blk.len() * tw * cu {
                            w.psum_spad_reads += 1;
                            if g0 > 0 {
                                w.psum_reads += 1;
                            }
                            w.psum_writes += 1;
                        }
                    }
                    groups.push((load, compute));
                }
            }
            if a.double_buffer {
                w.cycles += groups[0].0;
                for gi in 0..groups.len() {
                    let next = groups.get(gi + 1).map(|g| g.0).unwrap_or(0);
                    w.cycles += groups[gi].1.max(next);
                }
            } else {
                w.cycles += groups.iter().map(|g| g.0 + g.1).sum::<u64>();
            }
            // LIF / classifier phase reads the final sums.
            w.psum_reads += (pp * m * tw) as u64;
            if hidden {
                let sh = net.layers[i].share_factor as usize;
                let states = pp * m / sh;
                w.mem_reads += (states * tw) as u64;
                w.mem_writes += (states * tw) as u64;
                w.lif_steps += (pp * m * tw) as u64;
                w.out_writes += s.pooled_outputs() * tw as u64;
                w.cycles += (tw * sh * states.div_ceil(a.lif_units as usize)) as u64;
            } else {
                w.cls_updates += (m * tw) as u64;
                w.cycles += (tw * m.div_ceil(a.lif_units as usize)) as u64;
            }
        }
        start += tw;
    }
    w.cycles += t_all as u64 * (2 * net.classifier.classes as u64 + 22);
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn closed_form_counts_equal_the_explicit_walk(
        seed in any::<u64>(), t in 1u32..5, rows in 1u32..7, cols in 1u32..7, db in any::<bool>(),
        preg in 0u32..3, units in 1u32..5, density in 0.1f64..0.8, b_sel in 0u32..4,
        wdepth in 1u32..6, pdepth_extra in 0u32..9
    ) {
        let net = common::random_network(seed, t, 0.0); // θ_H = 0: no early exit
        let b = 1 + b_sel % t;
        let mut a = AcceleratorConfig {
            rows,
            cols,
            double_buffer: db,
            pipeline_regs: preg,
            lif_units: units,
            weight_spad_depth: if db { wdepth + 1 } else { wdepth },
            psum_spad_depth: b + pdepth_extra,
            ..Default::default()
        };
        a.schedule.tick_batch = b;
        let input = Input::random(density, seed ^ 7);
        let o = GoldenModel::run_with(&net, &input, &a, &RunOptions { trace: true, table: None }).unwrap();
        // Each stage's input spikes as dense bitmaps per timestep.
        let shapes = net.shapes();
        let mut stage_inputs = Vec::new();
        let first = encode::input_spikes(&net, &input);
        let to_bits = |n: u64, v: &Vec<Vec<u32>>| -> Vec<Vec<bool>> {
            v.iter().map(|sp| { let mut b = vec![false; n as usize]; for &i in sp { b[i as usize] = true; } b }).collect()
        };
        stage_inputs.push(to_bits(shapes[0].inputs(), &first));
        let trace = o.spikes.as_ref().unwrap();
        for (l, tr) in trace.iter().enumerate() {
            stage_inputs.push(to_bits(shapes[l + 1].inputs(), tr));
        }
        let w = walk(&net, &a, &stage_inputs);
        let c = &o.counts.total;
        let got = Walk {
            performed: c.performed_acc,
            gated: c.gated_acc,
            weight_reads: c.weight_buffer.reads,
            spad_reads: c.weight_spad.reads,
            spad_writes: c.weight_spad.writes,
            in_reads: c.input_spike_buffer.reads,
            in_writes: c.input_spike_buffer.writes,
            out_writes: c.output_spike_buffer.writes,
            psum_reads: c.psum_buffer.reads,
            psum_writes: c.psum_buffer.writes,
            psum_spad_reads: c.psum_spad.reads,
            psum_spad_writes: c.psum_spad.writes,
            mem_reads: c.membrane_buffer.reads,
            mem_writes: c.membrane_buffer.writes,
            lif_steps: c.lif_steps,
            cls_updates: c.classifier_updates,
            cycles: o.counts.cycles,
            ext_read_bits: c.ext_read_bits,
        };
        prop_assert_eq!(got, w);
    }
}
