//! The closed-form counts of `counts.rs` equal an explicit walk over the mapping: every tile,
//! every PE operation, every buffer access, cycle by cycle as the module docs describe it.
//! The walk uses the spikes the golden model produced (trace), so performed/gated
//! accumulates are checked against real data, not only formulas.
#![allow(clippy::needless_range_loop)] // index loops mirror the documented loop nest

mod common;

use proptest::prelude::*;
use spikeforge_config::{AcceleratorConfig, EntropyUnitKind, Input, LayerKind, Network};
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
    col_reads: u64,
    col_writes: u64,
    mem_reads: u64,
    mem_writes: u64,
    lif_steps: u64,
    cls_updates: u64,
    array_cycles: u64,
    lif_cycles: u64,
    classify_cycles: u64,
    entropy_cycles: u64,
    ext_read_bits: u64,
    ext_write_bits: u64,
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

fn walk(
    net: &Network,
    a: &AcceleratorConfig,
    stage_inputs: &[Vec<Vec<bool>>],
    exit_t: usize,
) -> Walk {
    let mut w = Walk::default();
    let shapes = net.shapes();
    let t_all = net.timesteps as usize;
    let b = a.schedule.tick_batch as usize;
    let (rows, cols) = (a.rows as usize, a.cols as usize);
    let depth = if a.double_buffer {
        (a.weight_spad_depth as usize / 2).max(1)
    } else {
        a.weight_spad_depth as usize
    };
    let drain = (rows + cols + a.pipeline_regs as usize + 1) as u64;
    let mut start = 0;
    while start < exit_t {
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
            let n_rt = nn.div_ceil(rows);
            // (load, stream + drain) cycles of every (column tile, group) pair, in order.
            let mut pairs: Vec<(u64, u64)> = Vec::new();
            for ct in (0..m).step_by(cols) {
                let cu = cols.min(m - ct);
                for g0 in (0..n_rt).step_by(depth) {
                    let g_tiles: Vec<usize> = (g0..(g0 + depth).min(n_rt)).collect();
                    for &rt in &g_tiles {
                        let ru = rows.min(nn - rt * rows);
                        w.weight_reads += (ru * cu) as u64;
                        w.spad_writes += (ru * cu) as u64;
                    }
                    let mut stream = 0u64;
                    for p in 0..pp {
                        for t in start..start + tw {
                            for (gi, &rt) in g_tiles.iter().enumerate() {
                                stream += 1;
                                let ru = rows.min(nn - rt * rows);
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
                                        w.col_reads += 1;
                                    }
                                    w.col_writes += 1;
                                }
                            }
                            // The group's sum goes to the psum buffer.
                            for _k in 0..cu {
                                if g0 > 0 {
                                    w.psum_reads += 1;
                                }
                                w.psum_writes += 1;
                            }
                        }
                    }
                    pairs.push(((g_tiles.len() * rows) as u64, stream + drain));
                }
            }
            if a.double_buffer {
                w.array_cycles += pairs[0].0;
                for pi in 0..pairs.len() {
                    let next = pairs.get(pi + 1).map(|g| g.0).unwrap_or(0);
                    w.array_cycles += pairs[pi].1.max(next);
                }
            } else {
                w.array_cycles += pairs.iter().map(|g| g.0 + g.1).sum::<u64>();
            }
            if hidden {
                let n = net.layers[i].share_factor as usize;
                let kg = m / n;
                let n_ctb = kg.div_ceil(a.lif_units as usize);
                for _t in 0..tw {
                    for _p in 0..pp {
                        for cb in 0..n_ctb {
                            for g in 0..n {
                                w.lif_cycles += 1;
                                for j in 0..a.lif_units as usize {
                                    if cb * a.lif_units as usize + j >= kg {
                                        continue;
                                    }
                                    w.psum_reads += 1;
                                    w.lif_steps += 1;
                                    if g == 0 {
                                        w.mem_reads += 1;
                                    }
                                    if g == n - 1 {
                                        w.mem_writes += 1;
                                    }
                                }
                            }
                        }
                    }
                }
                w.lif_cycles += 2;
                w.out_writes += s.pooled_outputs() * tw as u64;
            } else {
                let n_ct = m.div_ceil(cols) as u64;
                for t in start..start + tw {
                    if t >= exit_t {
                        break;
                    }
                    w.classify_cycles += n_ct + 2;
                    w.psum_reads += m as u64;
                    w.cls_updates += m as u64;
                    w.entropy_cycles += match a.rtl.entropy_unit {
                        EntropyUnitKind::Parallel => 2 * net.classifier.classes as u64 + 23,
                        EntropyUnitKind::Serial => 32 * net.classifier.classes as u64 + 41,
                        EntropyUnitKind::SerialPipelined => 33 * net.classifier.classes as u64 + 41,
                    };
                }
            }
        }
        start += tw;
    }
    w.ext_write_bits += 32; // the final {prediction, exit_t} beat
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn closed_form_counts_equal_the_explicit_walk(
        seed in any::<u64>(), t in 1u32..5, rows in 1u32..7, cols in 1u32..7, db in any::<bool>(),
        preg in 0u32..3, density in 0.1f64..0.8, b_sel in 0u32..4, wdepth in 1u32..6,
        theta in prop_oneof![Just(0.0), 0.0f64..1.0], serial in any::<bool>()
    ) {
        let b = 1 + b_sel % t;
        let mut a = AcceleratorConfig {
            rows,
            cols,
            double_buffer: db,
            pipeline_regs: preg,
            weight_spad_depth: if db { wdepth + 1 } else { wdepth },
            ..Default::default()
        };
        a.schedule.tick_batch = b;
        if serial {
            a.rtl.entropy_unit = EntropyUnitKind::Serial;
        }
        let input = Input::random(density, seed ^ 7);
        // Spikes of every timestep come from a run without early exit (the exit does not
        // change what is computed); the counts under test from a run with θ_H = theta.
        let net0 = common::random_network(seed, t, 0.0);
        let net = Network { entropy_threshold: theta, ..net0.clone() };
        let full = GoldenModel::run_with(&net0, &input, &a, &RunOptions { trace: true, ..Default::default() }).unwrap();
        let o = GoldenModel::run(&net, &input, &a).unwrap();
        let shapes = net.shapes();
        let to_bits = |n: u64, v: &Vec<Vec<u32>>| -> Vec<Vec<bool>> {
            v.iter().map(|sp| { let mut b = vec![false; n as usize]; for &i in sp { b[i as usize] = true; } b }).collect()
        };
        let mut stage_inputs = vec![to_bits(shapes[0].inputs(), &encode::input_spikes(&net, &input))];
        for (l, tr) in full.spikes.as_ref().unwrap().iter().enumerate() {
            stage_inputs.push(to_bits(shapes[l + 1].inputs(), tr));
        }
        let w = walk(&net, &a, &stage_inputs, o.exit_t as usize);
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
            col_reads: c.psum_spad.reads,
            col_writes: c.psum_spad.writes,
            mem_reads: c.membrane_buffer.reads,
            mem_writes: c.membrane_buffer.writes,
            lif_steps: c.lif_steps,
            cls_updates: c.classifier_updates,
            array_cycles: c.array_cycles,
            lif_cycles: o.counts.stages[..net.layers.len()].iter().map(|s| s.lif_cycles).sum(),
            classify_cycles: o.counts.stages[net.layers.len()].lif_cycles,
            entropy_cycles: o.counts.entropy_cycles,
            ext_read_bits: c.ext_read_bits,
            ext_write_bits: c.ext_write_bits,
        };
        prop_assert_eq!(&got, &w);
        let total = w.array_cycles + w.lif_cycles + w.classify_cycles + w.entropy_cycles;
        prop_assert_eq!(o.counts.cycles, total);
        let r = o.counts.rtl_counters();
        prop_assert_eq!(r[0], total);
        prop_assert_eq!(r[14], w.col_reads);
        prop_assert_eq!((r[2], r[3]), (w.lif_cycles, w.classify_cycles));
        prop_assert_eq!(r[22], o.exit_t as u64);
    }
}
