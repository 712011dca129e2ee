//! Subtotal groups: a 小计 after the table's 合计 opens the group of the
//! word above it, and the figures that add up to it close it.

use super::header_cells::HeaderCell;
use super::{is_number_word, Kind};
use crate::model::Row;
use rust_decimal::Decimal;

pub(super) fn is_total_word(s: &str) -> bool {
    s == "小计" || s.ends_with("合计") || s.ends_with("总计")
}

pub(super) fn amount_value(cell: Option<&String>) -> Option<Decimal> {
    let t = cell?.replace([',', '，'], "");
    if t.is_empty() || is_number_word(&t) && !t.chars().any(|c| c.is_ascii_digit()) {
        return Some(Decimal::ZERO);
    }
    t.parse::<Decimal>().ok()
}

/// A subtotal column (小计) after a total (合计) under one spanning word
/// opens that word's group: the columns before it (the table's 合计)
/// stand beside the word, not under it. The group ends where the columns
/// after the subtotal add up to it on the most rows (the printed figures
/// add up), at the widest such end.
pub(super) fn open_groups_at_subtotals(
    cells: &[HeaderCell],
    span: &mut [Option<(usize, usize)>],
    leaf_of_col: &[Option<usize>],
    kinds: &[Kind],
    rows: &[Row],
) {
    let is_leaf = |i: usize| leaf_of_col.contains(&Some(i));
    let mut order: Vec<usize> = (0..cells.len())
        .filter(|&i| !is_leaf(i) && span[i].is_some_and(|(a, b)| b - a >= 3))
        .collect();
    // Deeper words first: a word's own children decide before its parent.
    order.sort_by_key(|&i| std::cmp::Reverse(cells[i].top));
    for h in order {
        let Some((a, b)) = span[h] else { continue };
        // Columns right under `h`: not under a deeper spanning word.
        let covered = |c: usize| {
            (0..cells.len()).any(|k| {
                k != h
                    && !is_leaf(k)
                    && cells[k].top > cells[h].top
                    && span[k].is_some_and(|(x, y)| a <= x && y <= b && x <= c && c < y)
            })
        };
        let Some(p) = (a..b).rev().find(|&c| {
            !covered(c)
                && kinds[c] == Kind::Amount
                && leaf_of_col[c].is_some_and(|l| is_total_word(&cells[l].text))
        }) else {
            continue;
        };
        // A subtotal after the table's total: 合计 … 小计 ….
        let total_before = (a..p).any(|c| {
            !covered(c)
                && kinds[c] == Kind::Amount
                && leaf_of_col[c].is_some_and(|l| is_total_word(&cells[l].text))
        });
        if !total_before || p + 2 > b {
            continue;
        }
        // Rows whose subtotal the columns after `p` up to `e` add up to.
        let adding = |e: usize| {
            let mut n = 0usize;
            for r in rows {
                let Some(total) = amount_value(r.cells[p].as_ref()) else {
                    continue;
                };
                if total.is_zero() {
                    continue;
                }
                let mut sum = Some(Decimal::ZERO);
                for c in p + 1..e {
                    if r.cells[c].is_some() {
                        sum = sum
                            .zip(amount_value(r.cells[c].as_ref()))
                            .map(|(s, v)| s + v);
                    }
                }
                let tolerance = Decimal::new(1, 2) * Decimal::from(e - p);
                if sum.is_some_and(|s| (total - s).abs() <= tolerance) {
                    n += 1;
                }
            }
            n
        };
        let with_total = rows
            .iter()
            .filter(|r| amount_value(r.cells[p].as_ref()).is_some_and(|v| !v.is_zero()))
            .count();
        let ends: Vec<(usize, usize)> = (p + 2..=b)
            .filter(|&e| (p + 1..e).all(|c| kinds[c] == Kind::Amount))
            .map(|e| (e, adding(e)))
            .collect();
        let best = ends.iter().map(|x| x.1).max().unwrap_or(0);
        // The widest of the ends the most rows agree on: columns left empty
        // at the end of the group belong to it, and a figure placed in the
        // wrong column now and then does not move the end.
        let end = if best * 2 > with_total {
            ends.iter().rev().find(|x| x.1 == best).map_or(b, |x| x.0)
        } else {
            b
        };
        span[h] = Some((p, end));
    }
}
