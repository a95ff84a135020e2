//! `report.html`: one self-contained page (no external files or scripts) with the plots inline
//! and every point in a table that sorts by any column when its header is clicked.

use crate::point::PointResult;
use crate::spec::KEYS;
use crate::table;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page: `name`, the `(title, svg)` plots, and the results (sorted by id).
pub fn report(name: &str, plots: &[(String, String)], results: &[PointResult]) -> String {
    let valid = results.iter().filter(|r| r.figures().is_some()).count();
    let keys: Vec<&str> = KEYS
        .iter()
        .copied()
        .filter(|k| results.iter().any(|r| !table::param(r, k).is_empty()))
        .collect();
    let synthesized = results
        .iter()
        .any(|r| r.figures().is_some_and(|f| f.ice40.is_some()));
    let mut figures = vec![
        ("energy_pj", "energy (pJ)"),
        ("latency_cycles", "latency (cycles)"),
        ("edp_pj_s", "EDP (pJ·s)"),
        ("memory_pj", "memory (pJ)"),
        ("lif_pj", "LIF (pJ)"),
    ];
    if synthesized {
        figures.extend([
            ("ice40_luts", "iCE40 LUT4"),
            ("ice40_ffs", "iCE40 FF"),
            ("ice40_brams", "iCE40 BRAM"),
        ]);
    }
    if results
        .iter()
        .any(|r| r.figures().is_some_and(|f| f.hx8k.is_some()))
    {
        figures.extend([
            ("hx8k_logic_cells", "HX8K logic cells"),
            ("hx8k_fmax_mhz", "HX8K fmax (MHz)"),
        ]);
    }
    if results
        .iter()
        .any(|r| r.figures().is_some_and(|f| f.dataset.is_some()))
    {
        figures.extend([
            ("accuracy", "accuracy"),
            ("mean_exit", "mean exit t"),
            ("measured_energy_pj", "measured energy (pJ)"),
        ]);
    }
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!("<title>spikeforge sweep {}</title>\n", esc(name)));
    h.push_str(
        "<style>\nbody{font-family:sans-serif;margin:24px;color:#222}\n\
         figure{display:inline-block;margin:8px}\n\
         table{border-collapse:collapse;font-size:13px}\n\
         th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}\n\
         th{background:#eee;cursor:pointer;user-select:none}\n\
         td.err{text-align:left;color:#a00}\n</style>\n</head>\n<body>\n",
    );
    h.push_str(&format!(
        "<h1>spikeforge sweep <code>{}</code></h1>\n<p>{} points, {} valid, {} invalid (their error in the last column). Figures from the golden model's analytic estimate. Click a column header to sort.</p>\n",
        esc(name),
        results.len(),
        valid,
        results.len() - valid
    ));
    for (title, svg) in plots {
        h.push_str(&format!(
            "<figure class=\"plot\">\n<figcaption>{}</figcaption>\n{}\n</figure>\n",
            esc(title),
            svg.trim()
        ));
    }
    h.push_str("<table id=\"points\">\n<thead><tr><th>id</th><th>network</th>");
    for k in &keys {
        h.push_str(&format!("<th>{}</th>", esc(k)));
    }
    for (_, label) in &figures {
        h.push_str(&format!("<th>{}</th>", esc(label)));
    }
    h.push_str("<th>error</th></tr></thead>\n<tbody>\n");
    for r in results {
        h.push_str(&format!(
            "<tr data-id=\"{}\"><td>{}</td><td>{}</td>",
            r.id,
            r.id,
            esc(&r.network)
        ));
        for k in &keys {
            h.push_str(&format!("<td>{}</td>", esc(&table::param(r, k))));
        }
        for (k, _) in &figures {
            let v = table::figure(r, k);
            // Counts as they are, fractions to 4 places, measures in scientific notation.
            let shown = if matches!(*k, "accuracy" | "mean_exit") {
                v.parse::<f64>()
                    .map(|x| format!("{x:.4}"))
                    .unwrap_or_default()
            } else if v.contains(['.', 'e']) {
                v.parse::<f64>()
                    .map(|x| format!("{x:.6e}"))
                    .unwrap_or_default()
            } else {
                v.clone()
            };
            h.push_str(&format!("<td data-v=\"{}\">{}</td>", esc(&v), shown));
        }
        h.push_str(&format!(
            "<td class=\"err\">{}</td></tr>\n",
            esc(&table::error(r))
        ));
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str(SORT_SCRIPT);
    h.push_str("</body>\n</html>\n");
    h
}

/// Sorts the table by the clicked column (numbers numerically, text as text; again reverses),
/// and records on `<body>` what the browser laid out — `data-rows` (table rows) and
/// `data-plots-rendered` (plots with a non-empty box and drawn marks) — for a headless check.
const SORT_SCRIPT: &str = r#"<script>
(function () {
  var drawn = 0;
  var svgs = document.querySelectorAll('figure.plot svg');
  for (var i = 0; i < svgs.length; i++) {
    var box = svgs[i].getBoundingClientRect();
    var marks = svgs[i].querySelectorAll('circle, rect, polyline, path').length;
    if (box.width > 0 && box.height > 0 && marks > 2) drawn++;
  }
  document.body.setAttribute('data-plots', String(svgs.length));
  document.body.setAttribute('data-plots-rendered', String(drawn));
  document.body.setAttribute('data-rows', String(document.getElementById('points').tBodies[0].rows.length));
})();
(function () {
  var table = document.getElementById('points');
  var heads = table.tHead.rows[0].cells;
  for (var c = 0; c < heads.length; c++) {
    (function (col) {
      heads[col].addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var dir = heads[col].getAttribute('data-dir') === 'asc' ? -1 : 1;
        function key(row) {
          var cell = row.cells[col];
          var t = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent;
          var n = parseFloat(t);
          return isNaN(n) ? t : n;
        }
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (typeof x === 'number' && typeof y === 'number') return dir * (x - y);
          return dir * String(x).localeCompare(String(y));
        });
        rows.forEach(function (r) { body.appendChild(r); });
        heads[col].setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');
      });
    })(c);
  }
})();
</script>
"#;
