//! Pareto fronts of two figures to minimise (energy and latency, for instance).

/// Indices of the points not dominated by any other (no other is ≤ in both and < in one),
/// sorted by `x` then `y`. Points with a non-finite coordinate are never on the front.
pub fn front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
    });
    let mut out = Vec::new();
    let mut best_y = f64::INFINITY;
    let mut last: Option<(f64, f64)> = None;
    for i in order {
        let p = points[i];
        if p.1 < best_y {
            best_y = p.1;
            out.push(i);
            last = Some(p);
        } else if last == Some(p) {
            // An exact duplicate of a front point is on the front too.
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::front;

    #[test]
    fn front_of_a_small_set() {
        let p = [
            (1.0, 5.0),
            (2.0, 3.0),
            (3.0, 4.0),
            (4.0, 1.0),
            (2.0, 3.0),
            (5.0, 1.0),
            (f64::NAN, 0.0),
        ];
        assert_eq!(front(&p), vec![0, 1, 4, 3]);
        // Brute force agrees on every point.
        for (i, a) in p.iter().enumerate() {
            let dominated = p
                .iter()
                .any(|b| b.0 <= a.0 && b.1 <= a.1 && (b.0 < a.0 || b.1 < a.1));
            let on = front(&p).contains(&i);
            assert_eq!(on, !dominated && a.0.is_finite(), "point {i}");
        }
    }
}
