//! Spanning header words: which columns each word above the leaves
//! spans, and the column paths they give.

use super::header_cells::HeaderCell;
use super::Kind;
use crate::parse::header::{heads, outside_group};

/// Column spans of the spanning header cells. Line by line from the top,
/// the spanning cells of a line that stand under one parent share that
/// parent's columns out in order: each takes the contiguous range whose
/// centre is nearest its own, and columns whose names stand on one line
/// stay together.
pub(super) fn spans(
    cells: &[HeaderCell],
    kinds: &[Kind],
    leaf_of_col: &[Option<usize>],
    col_centre2: &[usize],
) -> Vec<Option<(usize, usize)>> {
    let n = leaf_of_col.len();
    let mut span: Vec<Option<(usize, usize)>> = vec![None; cells.len()];
    for (c, l) in leaf_of_col.iter().enumerate() {
        if let Some(l) = l {
            span[*l] = Some((c, c + 1));
        }
    }
    // Where each column's header text stands (its leaf, or the data).
    let leaf_lo: Vec<usize> = (0..n)
        .map(|c| leaf_of_col[c].map_or(col_centre2[c] / 2, |l| cells[l].lo))
        .collect();
    let leaf_hi: Vec<usize> = (0..n)
        .map(|c| leaf_of_col[c].map_or(col_centre2[c] / 2 + 1, |l| cells[l].hi))
        .collect();
    let leaf_top: Vec<usize> = (0..n)
        .map(|c| leaf_of_col[c].map_or(usize::MAX, |l| cells[l].top))
        .collect();
    let leaf_text: Vec<Option<&str>> = leaf_of_col
        .iter()
        .map(|l| l.map(|l| cells[l].text.as_str()))
        .collect();
    let max_line = cells.iter().map(|c| c.top).max().unwrap_or(0);
    let min_line = cells.iter().map(|c| c.top).min().unwrap_or(0);
    // A tall name from right under the top line that ends above every
    // other column's name stands beside the top words, not under them
    // (机关运行经费预算数 beside “三公”经费预算数 over 合计 … 运行费).
    let tall = |l: usize| cells[l].top == min_line + 1 && cells[l].bottom > cells[l].top;
    // So does a name standing above the middle of the header: a cell of
    // the header's full height is centred on it, while the names under a
    // spanning word stand in its lower part (合计 and 会议费 beside
    // “三公”经费 over 小计 … 公务接待费).
    let deepest_line = cells.iter().map(|c| c.bottom).max().unwrap_or(0);
    let upright = |l: usize| cells[l].top + cells[l].bottom < min_line + deepest_line;
    let beside: Vec<bool> = (0..n)
        .map(|c| {
            leaf_of_col[c].is_some_and(|l| {
                upright(l)
                    || tall(l)
                        && (0..n).filter(|&o| o != c).all(|o| {
                            leaf_of_col[o].is_none_or(|k| tall(k) || cells[k].top > cells[l].bottom)
                        })
            })
        })
        .collect();
    for line in 0..=max_line {
        let mut on_line: Vec<usize> = (0..cells.len())
            .filter(|&i| cells[i].top == line && span[i].is_none() && !cells[i].text.is_empty())
            .collect();
        on_line.sort_by_key(|&i| cells[i].lo);
        if on_line.is_empty() {
            continue;
        }
        // Group by parent: the spanning cell above whose range holds the
        // cell's centre.
        let parent_range = |i: usize| -> (usize, usize) {
            let mut best: (usize, usize) = (0, n);
            let mut best_top = None;
            for (k, s) in span.iter().enumerate() {
                let Some((a, b)) = *s else { continue };
                if cells[k].top >= line || b - a < 2 {
                    continue;
                }
                let lo = leaf_lo[a];
                let hi = leaf_hi[b - 1];
                let c2 = cells[i].centre2();
                if lo * 2 <= c2 + 4 && c2 <= hi * 2 + 4 && best_top.is_none_or(|t| cells[k].top > t)
                {
                    best = (a, b);
                    best_top = Some(cells[k].top);
                }
            }
            best
        };
        let mut groups: Vec<((usize, usize), Vec<usize>)> = Vec::new();
        for &i in &on_line {
            let p = parent_range(i);
            match groups.iter_mut().find(|(q, _)| *q == p) {
                Some((_, g)) => g.push(i),
                None => groups.push((p, vec![i])),
            }
        }
        for ((a, b), group) in groups {
            // Columns named below this line.
            let free: Vec<usize> = (a..b).filter(|&c| leaf_top[c] > line).collect();
            if free.is_empty() {
                continue;
            }
            for (i, range) in partition(
                cells,
                kinds,
                &group,
                line == min_line,
                &beside,
                &free,
                &leaf_lo,
                &leaf_hi,
                &leaf_top,
                &leaf_text,
            ) {
                span[i] = range;
            }
        }
    }
    span
}

/// Shares `free` columns (sorted) out among `group` cells (in page order)
/// as contiguous ranges, by the cost described at [`spans`].
#[allow(clippy::too_many_arguments)]
pub(super) fn partition(
    cells: &[HeaderCell],
    kinds: &[Kind],
    group: &[usize],
    top_line: bool,
    beside: &[bool],
    free: &[usize],
    leaf_lo: &[usize],
    leaf_hi: &[usize],
    leaf_top: &[usize],
    leaf_text: &[Option<&str>],
) -> Vec<(usize, Option<(usize, usize)>)> {
    let k = group.len();
    let m = free.len();
    let sides = top_line
        && k >= 2
        && free.iter().filter(|&&f| kinds[f] == Kind::Text).count() == k
        && kinds[free[0]] == Kind::Text;
    // Cost of cell g taking free[s..e]: how far the range's centre is from
    // the cell's.
    // What the vocabulary says of each cell over each free column, asked
    // once here rather than for every range the search below prices.
    let says = |ask: fn(&str, &str) -> bool| -> Vec<Vec<bool>> {
        group
            .iter()
            .map(|&i| {
                free.iter()
                    .map(|&f| leaf_text[f].is_some_and(|t| ask(&cells[i].text, t)))
                    .collect()
            })
            .collect()
    };
    let (outside, member) = (says(outside_group), says(heads));
    let range_cost = |g: usize, s: usize, e: usize| -> usize {
        let c = &cells[group[g]];
        let lo = leaf_lo[free[s]];
        let hi = leaf_hi[free[e - 1]];
        let mut cost = (lo + hi).abs_diff(c.centre2());
        // A word naming labels (项目, 科目) spans label columns only.
        if names_labels(&c.text) && free[s..e].iter().any(|&f| kinds[f] == Kind::Amount) {
            cost += 40;
        }
        // Nor does a word of the vocabulary span a name it never heads.
        let foreign = outside[g][s..e].iter().filter(|&&o| o).count();
        cost += 40 * foreign;
        // And one does span the names of its group printed beside its range.
        let beside_range = [s.checked_sub(1), (e < free.len()).then_some(e)];
        let members_left = beside_range
            .into_iter()
            .flatten()
            .filter(|&x| member[g][x])
            .count();
        cost += 40 * members_left;
        // The top words of a two-sided table (收入 | 支出) each head a side,
        // and a side starts at its label column: positions alone drift,
        // as a line of CJK text is printed wider than it counts.
        if sides && kinds[free[s]] != Kind::Text {
            cost += 20;
        }
        cost
    };
    // dp[g][j]: first g cells placed, using free[..j]; unassigned columns
    // between ranges are allowed.
    // A column left out of every range spans the rows up to here: natural
    // for a name printed a line or two below, not for one of the words on
    // the lowest header line, which hang under some spanning word.
    const LEFT_OUT: usize = 10;
    let deepest = free.iter().map(|&f| leaf_top[f]).max().unwrap_or(0);
    let out_cost: Vec<usize> = free
        .iter()
        .map(|&f| {
            if (top_line || leaf_top[f] == deepest) && !(top_line && beside[f]) {
                LEFT_OUT
            } else {
                0
            }
        })
        .collect();
    let left_out = |a: usize, b: usize| -> usize { out_cost[a..b].iter().sum() };
    let inf = usize::MAX / 4;
    let mut dp = vec![vec![inf; m + 1]; k + 1];
    let mut back = vec![vec![(0usize, 0usize); m + 1]; k + 1];
    for (j, d) in dp[0].iter_mut().enumerate() {
        *d = left_out(0, j);
    }
    for g in 0..k {
        for j in 0..=m {
            if dp[g][j] >= inf {
                continue;
            }
            for s in j..m {
                for e in s + 1..=m {
                    let c = dp[g][j] + left_out(j, s) + range_cost(g, s, e);
                    if c < dp[g + 1][e] {
                        dp[g + 1][e] = c;
                        back[g + 1][e] = (j, s);
                    }
                }
            }
        }
    }
    let Some(mut j) = (0..=m).min_by_key(|&j| (dp[k][j] + left_out(j, m), std::cmp::Reverse(j)))
    else {
        return Vec::new();
    };
    if dp[k][j] >= inf {
        return group.iter().map(|&i| (i, None)).collect();
    }
    let mut out = Vec::new();
    for g in (1..=k).rev() {
        let (pj, s) = back[g][j];
        out.push((group[g - 1], Some((free[s], free[j - 1] + 1))));
        j = pj;
    }
    out
}

/// A word spanning one column only, with that column's name right under
/// it, is the first part of that name wrapped over lines in between
/// (事业单位 … 经营收入).
pub(super) fn merge_wrapped(
    mut cells: Vec<HeaderCell>,
    mut span: Vec<Option<(usize, usize)>>,
    leaf_of_col: &[Option<usize>],
) -> (Vec<HeaderCell>, Vec<Option<(usize, usize)>>) {
    for i in 0..cells.len() {
        let Some((a, b)) = span[i] else { continue };
        let Some(leaf) = leaf_of_col[a] else { continue };
        if b != a + 1 || leaf == i || cells[leaf].top <= cells[i].bottom {
            continue;
        }
        // Nothing else between them names this column.
        let between = (0..cells.len()).any(|k| {
            k != i
                && k != leaf
                && span[k].is_some_and(|(x, y)| x <= a && a < y)
                && cells[k].top > cells[i].bottom
                && cells[k].top < cells[leaf].top
        });
        if between {
            continue;
        }
        let upper = std::mem::take(&mut cells[i].text);
        cells[leaf].text.insert_str(0, &upper);
        span[i] = None;
    }
    (cells, span)
}

/// A header word naming label columns rather than amounts.
pub(super) fn names_labels(s: &str) -> bool {
    ["项目", "科目", "名称", "编码", "代码"]
        .iter()
        .any(|w| s.ends_with(w))
}

/// Column paths from the header cells and their spans.
pub(super) fn column_paths(
    cells: &[HeaderCell],
    span: &[Option<(usize, usize)>],
    n: usize,
) -> Vec<String> {
    (0..n)
        .map(|c| {
            let mut parts: Vec<(usize, &str)> = cells
                .iter()
                .zip(span)
                .filter(|(_, s)| s.is_some_and(|(a, b)| a <= c && c < b))
                .map(|(h, _)| (h.top, h.text.as_str()))
                .collect();
            parts.sort_by_key(|p| p.0);
            parts.iter().map(|p| p.1).collect::<Vec<_>>().join("/")
        })
        .collect()
}
