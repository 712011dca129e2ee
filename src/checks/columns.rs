//! Relations among the columns of one row: a 合计 / 小计 / 总计 column is
//! the sum of its siblings in the header tree (合计 = 基本支出 + 项目支出;
//! 合计 = 一般公共预算 + 政府性基金 + …).

use super::{first_text, judge, make, CheckStatus, Grid, Relation};
use crate::catalog::normalize;
use rust_decimal::Decimal;

/// A node of the header tree: a path prefix and the leaf columns under it.
fn children_of<'a>(cols: &'a [String], prefix: &[&str]) -> Vec<(&'a str, Vec<usize>)> {
    let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
    for (j, c) in cols.iter().enumerate() {
        let parts: Vec<&str> = c.split('/').collect();
        if parts.len() <= prefix.len() || parts[..prefix.len()] != *prefix {
            continue;
        }
        let head = parts[prefix.len()];
        match out.iter_mut().find(|(h, _)| *h == head) {
            Some((_, v)) => v.push(j),
            None => out.push((head, vec![j])),
        }
    }
    out
}

fn is_total_word(s: &str) -> bool {
    if !s.contains('计') {
        return false;
    }
    let s = normalize(s);
    s == "合计" || s == "小计" || s == "总计" || s.ends_with("合计")
}

/// The column standing for a subtree: its own total column, else the sum of
/// its leaves (each child's stand-in, recursively).
fn stand_in(cols: &[String], prefix: &[&str], leaves: &[usize], amounts: &[usize]) -> Vec<usize> {
    if leaves.len() == 1 {
        return leaves
            .iter()
            .copied()
            .filter(|j| amounts.contains(j))
            .collect();
    }
    let kids = children_of(cols, prefix);
    if let Some((_, v)) = kids.iter().find(|(h, v)| is_total_word(h) && v.len() == 1) {
        return v.iter().copied().filter(|j| amounts.contains(j)).collect();
    }
    kids.iter()
        .flat_map(|(h, v)| {
            let mut p = prefix.to_vec();
            p.push(h);
            stand_in(cols, &p, v, amounts)
        })
        .collect()
}

/// A 合计 / 小计 / 总计 column equals the sum of its siblings under the same
/// parent (each sibling subtree by its own total, or its leaves). A
/// sibling named 其中… is a breakdown: it counts only if the sum holds with
/// it.
///
/// The parts must stand in the same block of amount columns as the total:
/// a label column between them starts another side of the table (收入 |
/// 支出), whatever the header tree says.
pub(super) fn column_sums_of(g: &Grid) -> Vec<Relation> {
    let (t, amounts, values) = (g.t, g.amounts, g.values);
    let mut out = Vec::new();
    let mut stack: Vec<Vec<&str>> = vec![vec![]];
    while let Some(prefix) = stack.pop() {
        let kids = children_of(&t.columns, &prefix);
        for (h, v) in &kids {
            if v.len() > 1 {
                let mut p = prefix.clone();
                p.push(h);
                stack.push(p);
            }
        }
        let Some((total_name, total)) = kids.iter().find(|(h, v)| is_total_word(h) && v.len() == 1)
        else {
            continue;
        };
        let tj = total[0];
        if !amounts.contains(&tj) {
            continue;
        }
        let mut parts: Vec<(bool, Vec<usize>)> = Vec::new();
        for (h, v) in &kids {
            if v == total {
                continue;
            }
            let mut p = prefix.clone();
            p.push(h);
            let cols: Vec<usize> = stand_in(&t.columns, &p, v, amounts)
                .into_iter()
                .filter(|&j| g.same_block(j, tj))
                .collect();
            if !cols.is_empty() {
                parts.push((normalize(h).starts_with("其中"), cols));
            }
        }
        if parts.is_empty() {
            continue;
        }
        let what = format!("{} = sum of the columns beside it", total_name);
        for (i, (r, vals)) in t.rows.iter().zip(values).enumerate() {
            let Some(actual) = vals[tj] else {
                continue;
            };
            let sum_of = |with_breakdowns: bool| -> (Decimal, Vec<usize>) {
                let cols: Vec<usize> = parts
                    .iter()
                    .filter(|(breakdown, _)| with_breakdowns || !breakdown)
                    .flat_map(|(_, c)| c.iter().copied())
                    .collect();
                let s = cols.iter().filter_map(|&j| vals[j]).sum();
                (s, cols)
            };
            let (mut expected, mut cols) = sum_of(true);
            if judge(actual, expected, cols.len()).1 == CheckStatus::Fail
                && parts.iter().any(|(b, _)| *b)
            {
                (expected, cols) = sum_of(false);
            }
            let label = first_text(&r.cells, vals);
            let mut cells = vec![(t.ordinal, i, tj)];
            cells.extend(
                cols.iter()
                    .filter(|&&j| vals[j].is_some())
                    .map(|&j| (t.ordinal, i, j)),
            );
            out.push(Relation {
                check: make(
                    t.ordinal,
                    "column_sum",
                    format!("row {label} × column {}", t.columns[tj]),
                    actual,
                    expected,
                    cols.len(),
                    &what,
                ),
                cells,
                vertical: false,
            });
        }
    }
    out
}
