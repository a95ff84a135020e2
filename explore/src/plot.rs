//! SVG plots of a sweep (plotters, SVG back-end): the energy–latency Pareto front with the
//! front highlighted and its points labelled by id, and the energy breakdown by component
//! against one swept parameter (mean over the other parameters).

use crate::pareto;
use crate::point::PointResult;
use crate::table;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Plot size (pixels).
const SIZE: (u32, u32) = (900, 560);

/// Colours of the breakdown's components, in order.
const PALETTE: [RGBColor; 16] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
    RGBColor(255, 152, 150),
    RGBColor(197, 176, 213),
    RGBColor(0, 0, 0),
];

fn plot_err(e: impl std::fmt::Display) -> String {
    format!("plot: {e}")
}

/// One axis of a Pareto plot: its label and how a valid point maps onto it.
pub struct Axis {
    /// Axis label, with the unit.
    pub label: &'static str,
    /// The value of a point (`None`: the point is left out).
    pub value: fn(&PointResult) -> Option<f64>,
}

/// Latency in ms.
pub const LATENCY_MS: Axis = Axis {
    label: "latency (ms)",
    value: |r| r.figures().map(|f| f.latency_s * 1e3),
};
/// Energy in µJ.
pub const ENERGY_UJ: Axis = Axis {
    label: "energy (µJ)",
    value: |r| r.figures().map(|f| f.energy_pj * 1e-6),
};
/// Processing elements (rows × cols): the array's area, to first order.
pub const PES: Axis = Axis {
    label: "processing elements (rows × cols)",
    value: |r| r.figures().map(|f| f.pes as f64),
};
/// iCE40 LUT4 of the point's accelerator (sweeps with synthesis).
pub const LUTS: Axis = Axis {
    label: "iCE40 LUT4 (synth_ice40)",
    value: |r| r.figures().and_then(|f| f.ice40).map(|s| s.luts as f64),
};
/// The clock period after place and route on an iCE40 HX8K, in ns (1000 / fmax).
pub const PERIOD_NS: Axis = Axis {
    label: "iCE40 HX8K clock period after routing (ns)",
    value: |r| r.figures().and_then(|f| f.hx8k).map(|p| 1e3 / p.fmax_mhz),
};
/// The measured mean energy per image over the dataset, in µJ (sweeps with a dataset).
pub const MEASURED_ENERGY_UJ: Axis = Axis {
    label: "measured energy per image (µJ)",
    value: |r| {
        r.figures()
            .and_then(|f| f.dataset)
            .map(|d| d.energy_pj * 1e-6)
    },
};
/// The error rate over the dataset, 1 − accuracy (sweeps with a dataset).
pub const ERROR_RATE: Axis = Axis {
    label: "error rate (1 − accuracy)",
    value: |r| {
        r.figures()
            .and_then(|f| f.dataset)
            .map(|d| 1.0 - d.accuracy)
    },
};
/// Energy-delay product in µJ·ms.
pub const EDP_UJ_MS: Axis = Axis {
    label: "EDP (µJ·ms)",
    value: |r| r.figures().map(|f| f.edp_pj_s * 1e-3),
};

/// The scatter of the valid points over `x` and `y` (both minimised) with their Pareto front
/// highlighted and its points labelled `#id`, as SVG text. `title` heads the plot.
pub fn pareto_svg(
    results: &[PointResult],
    title: &str,
    x: &Axis,
    y: &Axis,
) -> Result<String, String> {
    let pts: Vec<(usize, f64, f64)> = results
        .iter()
        .filter_map(|r| Some((r.id, (x.value)(r)?, (y.value)(r)?)))
        .collect();
    let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.1, p.2)).collect();
    let front = pareto::front(&xy);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (x0, x1) = span(xy.iter().map(|p| p.0));
        let (y0, y1) = span(xy.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc(x.label)
            .y_desc(y.label)
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(
                xy.iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, RGBColor(150, 150, 150).filled())),
            )
            .map_err(plot_err)?
            .label("design point")
            .legend(|(x, y)| Circle::new((x, y), 3, RGBColor(150, 150, 150).filled()));
        let line: Vec<(f64, f64)> = front.iter().map(|&i| xy[i]).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), RED.stroke_width(2)))
            .map_err(plot_err)?
            .label("Pareto front")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
        chart
            .draw_series(
                line.iter()
                    .map(|&(x, y)| Circle::new((x, y), 5, RED.filled())),
            )
            .map_err(plot_err)?;
        chart
            .draw_series(front.iter().map(|&i| {
                Text::new(
                    format!("#{}", pts[i].0),
                    (xy[i].0, xy[i].1),
                    ("sans-serif", 13).into_font(),
                )
            }))
            .map_err(plot_err)?;
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The mean energy (µJ) per component of the valid points, grouped by the value of the swept
/// parameter `key`, as stacked bars in SVG text.
pub fn breakdown_svg(results: &[PointResult], key: &str) -> Result<String, String> {
    // value → (points, component → sum of pJ); values in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut sums: BTreeMap<String, (usize, BTreeMap<String, f64>)> = BTreeMap::new();
    for r in results {
        let Some(f) = r.figures() else { continue };
        let v = table::param(r, key);
        if !sums.contains_key(&v) {
            order.push(v.clone());
        }
        let e = sums.entry(v).or_default();
        e.0 += 1;
        for (c, pj) in &f.components {
            *e.1.entry(c.clone()).or_default() += pj;
        }
    }
    let components: Vec<String> = sums
        .values()
        .flat_map(|(_, m)| m.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let means: Vec<Vec<f64>> = order
        .iter()
        .map(|v| {
            let (n, m) = &sums[v];
            components
                .iter()
                .map(|c| m.get(c).copied().unwrap_or(0.0) / *n as f64 * 1e-6)
                .collect()
        })
        .collect();
    let top = means
        .iter()
        .map(|m| m.iter().sum::<f64>())
        .fold(0.0f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let n = order.len() as u32;
        // One segment per value and, as `into_segmented` adds one past the end, an empty one
        // on the right for the legend.
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("energy by component vs {key} (mean over the other parameters)"),
                ("sans-serif", 20),
            )
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((0u32..n).into_segmented(), 0f64..(top * 1.1).max(1e-12))
            .map_err(plot_err)?;
        let labels = order.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(order.len() + 1)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc(key)
            .y_desc("energy (µJ)")
            .draw()
            .map_err(plot_err)?;
        for (ci, c) in components.iter().enumerate() {
            let colour = PALETTE[ci % PALETTE.len()];
            let bars: Vec<Rectangle<(SegmentValue<u32>, f64)>> = means
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let below: f64 = m[..ci].iter().sum();
                    let i = i as u32;
                    let mut r = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), below),
                            (SegmentValue::Exact(i + 1), below + m[ci]),
                        ],
                        colour.filled(),
                    );
                    r.set_margin(0, 0, 14, 14);
                    r
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(plot_err)?
                .label(c.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A padded range over `values` (a unit range when there are none).
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.02).max(1e-12);
    ((lo - pad).max(0.0), hi + pad)
}

/// One run's energy by component (µJ) as horizontal bars, largest first, as SVG text (what
/// `spikeforge estimate --svg` draws). `components` are (name, pJ).
pub fn components_svg(title: &str, components: &[(String, f64)]) -> Result<String, String> {
    let mut rows: Vec<(String, f64)> = components
        .iter()
        .map(|(n, pj)| (n.clone(), pj * 1e-6))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = rows.iter().map(|r| r.1).fold(0.0f64, f64::max);
    let n = rows.len() as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(150)
            // `into_segmented` adds one segment past the end.
            .build_cartesian_2d(
                0f64..(top * 1.1).max(1e-12),
                (0u32..n.saturating_sub(1)).into_segmented(),
            )
            .map_err(plot_err)?;
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc("energy (µJ)")
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let i = i as u32;
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (r.1, SegmentValue::Exact(i + 1)),
                    ],
                    PALETTE[i as usize % PALETTE.len()].filled(),
                );
                bar.set_margin(3, 3, 0, 0);
                bar
            }))
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
