//! Header fitting: header leaves paired with data columns by order and
//! distance, the words' positions fitted by a scale and a shift.

use super::columns::Column;
use super::header_cells::HeaderCell;

/// Pairs header leaves with data columns in order, by distance; a leaf
/// without a column is a column left empty by every row, a column without
/// a leaf has no printed name. Returns, per final column, the leaf and the
/// data column.
pub(super) fn align(
    cells: &[HeaderCell],
    leaves: &[usize],
    cols: &[Column],
) -> Vec<(Option<usize>, Option<usize>)> {
    // Header words drift from their columns the further right they stand
    // (a CJK character is one column of text but two of the page), in
    // either direction: their positions are fitted to the data columns'
    // by a scale and a shift, at a price, before they are paired.
    let mut best: Option<(usize, Pairs)> = None;
    for scale in (950i64..=1050).step_by(10) {
        for shift in (-12i64..=12).step_by(2) {
            let price = (scale - 1000).unsigned_abs() as usize / 5 + shift.unsigned_abs() as usize;
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

/// Per final column, the header leaf naming it and the data column.
pub(super) type Pairs = Vec<(Option<usize>, Option<usize>)>;

/// [`align`] with the header words' centres (doubled) moved by `fit`.
pub(super) fn align_fitted(
    cells: &[HeaderCell],
    leaves: &[usize],
    cols: &[Column],
    fit: impl Fn(usize) -> usize,
) -> (usize, Pairs) {
    const SKIP: usize = 24; // in half characters
                            // Of two words competing for a column, the lower names it: a word
                            // higher up with nothing right under it more often spans the words
                            // beside its column (功能分类科目 over 科目编码 | 科目名称).
    const HIGHER: usize = 4;
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
                let d = fit(c.centre2()).abs_diff(cols[j].centre2()) + HIGHER * (lowest - c.bottom);
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
