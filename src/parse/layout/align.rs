//! Header fitting: header leaves paired with data columns by order and
//! distance, the words' positions fitted by a scale and a shift.

use super::columns::Column;
use super::header_cells::HeaderCell;

/// Skipping a leaf or a column, in half characters.
const SKIP: usize = 24;
/// Of two words competing for a column, the lower names it: a word higher
/// up with nothing right under it more often spans the words beside its
/// column (功能分类科目 over 科目编码 | 科目名称). Per line above the lowest.
const HIGHER: usize = 4;

/// Pairs header leaves with data columns in order, by distance; a leaf
/// without a column is a column left empty by every row, a column without
/// a leaf has no printed name. Returns, per final column, the leaf and the
/// data column.
///
/// Header words drift from their columns the further right they stand (a
/// CJK character is one column of text but two of the page), in either
/// direction: their positions are fitted to the data columns' by a scale
/// and a shift, at a price, before they are paired. The pairing of the
/// first fit (scale-major, shift-minor) of the least cost plus price is
/// kept; a fit's pairing is only traced when it is the best so far, and a
/// fit is given up as soon as a whole row of its matrix costs at least the
/// best so far (every pairing passes through each row, and no step costs
/// less than nothing).
pub(super) fn align(
    cells: &[HeaderCell],
    leaves: &[usize],
    cols: &[Column],
) -> Vec<(Option<usize>, Option<usize>)> {
    let lowest = leaves.iter().map(|&l| cells[l].bottom).max().unwrap_or(0);
    let centres: Vec<usize> = leaves.iter().map(|&l| cells[l].centre2()).collect();
    let higher: Vec<usize> = leaves
        .iter()
        .map(|&l| HIGHER * (lowest - cells[l].bottom))
        .collect();
    let col_centres: Vec<usize> = cols.iter().map(Column::centre2).collect();
    let mut dp = Matrix::new(leaves.len(), cols.len());
    let mut fitted = vec![0; leaves.len()];
    let mut best: Option<(usize, Pairs)> = None;
    for scale in (950i64..=1050).step_by(10) {
        for shift in (-12i64..=12).step_by(2) {
            let price = (scale - 1000).unsigned_abs() as usize / 5 + shift.unsigned_abs() as usize;
            // The cost this fit must stay below to be taken.
            let below = match &best {
                None => None,
                Some((b, _)) if *b <= price => continue,
                Some((b, _)) => Some(b - price),
            };
            for (f, &c) in fitted.iter_mut().zip(&centres) {
                *f = ((c as i64 * scale + 500).div_euclid(1000) + shift).max(0) as usize;
            }
            if let Some(cost) = dp.fill(&fitted, &higher, &col_centres, below) {
                best = Some((cost + price, dp.trace(leaves)));
            }
        }
    }
    best.map(|b| b.1).unwrap_or_default()
}

/// Per final column, the header leaf naming it and the data column.
pub(super) type Pairs = Vec<(Option<usize>, Option<usize>)>;

/// The pairing's dp, (n + 1) × (m + 1) row-major, reused between fits.
struct Matrix {
    n: usize,
    m: usize,
    cost: Vec<usize>,
    /// 1 a leaf skipped, 2 a column skipped, 3 paired.
    step: Vec<u8>,
}

impl Matrix {
    fn new(n: usize, m: usize) -> Self {
        Matrix {
            n,
            m,
            cost: vec![0; (n + 1) * (m + 1)],
            step: vec![0; (n + 1) * (m + 1)],
        }
    }

    /// The least cost of pairing the leaves at `fitted` (doubled centres,
    /// fitted; `higher` their price for standing above the lowest) with
    /// the columns at `cols` (doubled centres); None as soon as it cannot
    /// be below `below`.
    // j runs to m inclusive (the last column of the matrix) and indexes
    // `cols` only below it.
    #[allow(clippy::needless_range_loop)]
    fn fill(
        &mut self,
        fitted: &[usize],
        higher: &[usize],
        cols: &[usize],
        below: Option<usize>,
    ) -> Option<usize> {
        let (n, m) = (self.n, self.m);
        let w = m + 1;
        let (cost, step) = (&mut self.cost, &mut self.step);
        cost.fill(usize::MAX / 4);
        step.fill(0);
        cost[0] = 0;
        for i in 0..=n {
            let mut least = usize::MAX;
            for j in 0..=m {
                let at = i * w + j;
                let here = cost[at];
                least = least.min(here);
                if i < n && here + SKIP < cost[at + w] {
                    cost[at + w] = here + SKIP;
                    step[at + w] = 1;
                }
                if j < m && here + SKIP < cost[at + 1] {
                    cost[at + 1] = here + SKIP;
                    step[at + 1] = 2;
                }
                if i < n && j < m {
                    let d = fitted[i].abs_diff(cols[j]) + higher[i];
                    if here + d < cost[at + w + 1] {
                        cost[at + w + 1] = here + d;
                        step[at + w + 1] = 3;
                    }
                }
            }
            if below.is_some_and(|b| least >= b) {
                return None;
            }
        }
        let total = cost[n * w + m];
        below.is_none_or(|b| total < b).then_some(total)
    }

    /// The pairing of the last [`Matrix::fill`], leaves by their ids.
    fn trace(&self, leaves: &[usize]) -> Pairs {
        let w = self.m + 1;
        let mut out = Vec::new();
        let (mut i, mut j) = (self.n, self.m);
        while i > 0 || j > 0 {
            match self.step[i * w + j] {
                1 => {
                    i -= 1;
                    out.push((Some(leaves[i]), None));
                }
                2 => {
                    j -= 1;
                    out.push((None, Some(j)));
                }
                _ => {
                    i -= 1;
                    j -= 1;
                    out.push((Some(leaves[i]), Some(j)));
                }
            }
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::Kind;
    use super::*;
    use proptest::prelude::*;

    /// The search as first written: every fit's matrix filled and traced.
    fn align_reference(cells: &[HeaderCell], leaves: &[usize], cols: &[Column]) -> Pairs {
        let mut best: Option<(usize, Pairs)> = None;
        for scale in (950i64..=1050).step_by(10) {
            for shift in (-12i64..=12).step_by(2) {
                let price =
                    (scale - 1000).unsigned_abs() as usize / 5 + shift.unsigned_abs() as usize;
                let (cost, out) = align_fitted(cells, leaves, cols, |x| {
                    ((x as i64 * scale + 500).div_euclid(1000) + shift).max(0) as usize
                });
                if best.as_ref().is_none_or(|(b, _)| cost + price < *b) {
                    best = Some((cost + price, out));
                }
            }
        }
        best.map(|b| b.1).unwrap_or_default()
    }

    fn align_fitted(
        cells: &[HeaderCell],
        leaves: &[usize],
        cols: &[Column],
        fit: impl Fn(usize) -> usize,
    ) -> (usize, Pairs) {
        let lowest = leaves.iter().map(|&l| cells[l].bottom).max().unwrap_or(0);
        let (n, m) = (leaves.len(), cols.len());
        let mut cost = vec![vec![usize::MAX / 4; m + 1]; n + 1];
        let mut step = vec![vec![0u8; m + 1]; n + 1];
        cost[0][0] = 0;
        for i in 0..=n {
            for j in 0..=m {
                let here = cost[i][j];
                if i < n && here + SKIP < cost[i + 1][j] {
                    cost[i + 1][j] = here + SKIP;
                    step[i + 1][j] = 1;
                }
                if j < m && here + SKIP < cost[i][j + 1] {
                    cost[i][j + 1] = here + SKIP;
                    step[i][j + 1] = 2;
                }
                if i < n && j < m {
                    let c = &cells[leaves[i]];
                    let d =
                        fit(c.centre2()).abs_diff(cols[j].centre2()) + HIGHER * (lowest - c.bottom);
                    if here + d < cost[i + 1][j + 1] {
                        cost[i + 1][j + 1] = here + d;
                        step[i + 1][j + 1] = 3;
                    }
                }
            }
        }
        let total = cost[n][m];
        let mut out = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 || j > 0 {
            match step[i][j] {
                1 => {
                    i -= 1;
                    out.push((Some(leaves[i]), None));
                }
                2 => {
                    j -= 1;
                    out.push((None, Some(j)));
                }
                _ => {
                    i -= 1;
                    j -= 1;
                    out.push((Some(leaves[i]), Some(j)));
                }
            }
        }
        out.reverse();
        (total, out)
    }

    fn cell(lo: usize, width: usize, bottom: usize) -> HeaderCell {
        HeaderCell {
            text: String::new(),
            top: bottom.saturating_sub(1),
            bottom,
            lo,
            hi: lo + width,
            last: (bottom, 0),
        }
    }

    fn column(lo: usize, width: usize) -> Column {
        Column {
            kind: Kind::Amount,
            lo,
            hi: lo + width,
            lines: Vec::new(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// Header words near the columns (drifting, some missing, some
        /// extra), or anywhere: the same pairing as the full search.
        #[test]
        fn align_as_the_full_search(
            cols in prop::collection::vec((0usize..200, 1usize..16), 0..10),
            words in prop::collection::vec((0usize..12, -9i64..=9, 1usize..12, 0usize..4, any::<bool>()), 0..12),
            drift in 940i64..=1060,
        ) {
            let mut cols: Vec<Column> = cols.into_iter().map(|(lo, w)| column(lo, w)).collect();
            cols.sort_by_key(|c| (c.centre2(), c.lo));
            let cells: Vec<HeaderCell> = words
                .iter()
                .map(|&(k, off, w, bottom, near)| {
                    let lo = match cols.get(k) {
                        Some(c) if near => ((c.lo as i64 * drift / 1000) + off).max(0) as usize,
                        _ => (k * 17 + off.unsigned_abs() as usize * 3) % 210,
                    };
                    cell(lo, w, bottom)
                })
                .collect();
            let mut leaves: Vec<usize> = (0..cells.len()).collect();
            leaves.sort_by_key(|&i| (cells[i].centre2(), cells[i].top));
            prop_assert_eq!(align(&cells, &leaves, &cols), align_reference(&cells, &leaves, &cols));
        }
    }
}
