//! The data of `--heatmap`: the ranking statistic over a two-parameter grid. A grid of any size
//! fits: an axis with more values than [`MAX_CELLS`] is drawn in at most that many cells, each
//! holding the best value among its points and labelled with its range of values, so the
//! memory and the picture stay the same size whether the grid has a thousand points or 10^10.

use super::grid::Grid;

/// At most this many cells along an axis (a cell is then 2 pixels wide, the drawing's least).
pub const MAX_CELLS: u64 = 320;

/// Cells of one axis: each holds a run of consecutive values.
#[derive(Debug, Clone)]
struct Cells {
    /// Values on the axis.
    len: u64,
    /// Cells (at most [`MAX_CELLS`]).
    count: u64,
}

impl Cells {
    fn new(len: u64) -> Self {
        Self {
            len,
            count: len.min(MAX_CELLS),
        }
    }

    /// The cell of the value at position `k`.
    fn of(&self, k: u64) -> usize {
        (u128::from(k) * u128::from(self.count) / u128::from(self.len)) as usize
    }

    /// The first position in cell `c`.
    fn start(&self, c: u64) -> u64 {
        (u128::from(c) * u128::from(self.len)).div_ceil(u128::from(self.count)) as u64
    }
}

/// The statistic over the grid's first two axes, `values[y][x]` (x the first axis).
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub x_name: &'static str,
    pub y_name: &'static str,
    /// Each column's and row's value, or range of values (`5..9`).
    pub x_labels: Vec<String>,
    pub y_labels: Vec<String>,
    /// NaN where no point of the cell ran, or its statistic is undefined.
    pub values: Vec<Vec<f64>>,
    pub higher_is_better: bool,
    x: Cells,
    y: Cells,
}

impl Heatmap {
    /// An empty heatmap of a two-axis grid (`None` for any other).
    pub fn new(grid: &Grid, higher_is_better: bool) -> Option<Self> {
        let [xa, ya] = grid.axes.as_slice() else {
            return None;
        };
        let (x, y) = (Cells::new(xa.len()), Cells::new(ya.len()));
        let labels = |c: &Cells, a: &super::grid::Axis| -> Vec<String> {
            (0..c.count)
                .map(|i| a.label(c.start(i), c.start(i + 1) - 1))
                .collect()
        };
        Some(Self {
            x_name: xa.name,
            y_name: ya.name,
            x_labels: labels(&x, xa),
            y_labels: labels(&y, ya),
            values: vec![vec![f64::NAN; x.count as usize]; y.count as usize],
            higher_is_better,
            x,
            y,
        })
    }

    /// Records the statistic of the point at grid `index` (its position before constraints);
    /// a cell keeps the best of its points.
    pub fn add(&mut self, index: u64, value: Option<f64>) {
        let Some(v) = value.filter(|v| !v.is_nan()) else {
            return;
        };
        let (xi, yi) = (self.x.of(index / self.y.len), self.y.of(index % self.y.len));
        let cell = &mut self.values[yi][xi];
        let better = if self.higher_is_better {
            v > *cell
        } else {
            v < *cell
        };
        if cell.is_nan() || better {
            *cell = v;
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the stored values are the ones given
mod tests {
    use super::*;
    use crate::backtest::grid::Axis;
    use crate::backtest::strategy::{find, Params};

    fn grid(x: &str, y: &str) -> Grid {
        let base = Params::defaults(find("sma-cross").expect("sma-cross"));
        let axes = vec![
            Axis::parse(&base, x).unwrap(),
            Axis::parse(&base, y).unwrap(),
        ];
        Grid::new(base, axes, Vec::new()).unwrap()
    }

    #[test]
    fn a_small_grid_has_a_cell_per_point() {
        let g = grid("fast=5..20:5", "slow=10..40:10");
        let mut h = Heatmap::new(&g, true).unwrap();
        assert_eq!((h.x_labels.len(), h.y_labels.len()), (4, 4));
        assert_eq!(h.x_labels[1], "10");
        // fast=10 (x 1), slow=30 (y 2): index 1·4 + 2.
        h.add(6, Some(1.5));
        assert_eq!(h.values[2][1], 1.5);
        h.add(6, None);
        assert_eq!(h.values[2][1], 1.5);
    }

    #[test]
    fn a_huge_grid_is_drawn_in_bounded_cells_holding_the_best() {
        let g = grid("fast=1..100000", "slow=1..100000");
        let mut h = Heatmap::new(&g, false).unwrap();
        assert_eq!(h.values.len() as u64, MAX_CELLS);
        assert_eq!(h.x_labels[0], "1..313");
        assert_eq!(h.x_labels.last().map(String::as_str), Some("99689..100000"));
        h.add(0, Some(3.0));
        h.add(1, Some(2.0));
        h.add(2, Some(5.0));
        assert_eq!(h.values[0][0], 2.0, "lower is better here");
        let last = g.size() - 1;
        h.add(last, Some(1.0));
        assert_eq!(h.values[319][319], 1.0);
    }
}
