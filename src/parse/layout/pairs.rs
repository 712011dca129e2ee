//! Corrections to the pairing of header leaves with data columns: runs of
//! a column standing apart, names wrapped over lines, words spanning
//! others.

use super::align::Pairs;
use super::columns::Column;
use super::header_cells::{lower_half_beside, HeaderCell};
use super::Kind;

/// A text column without a name beside a named one it never shares a line
/// with is that column's runs standing apart (a total label centred across
/// the cell): it is folded into that column.
pub(super) fn fold_unnamed_text_columns(
    pairs: &mut Pairs,
    cols: &mut [Column],
    at: &mut [Vec<usize>],
) {
    let mut k = 0;
    while k < pairs.len() {
        let (leaf, col) = pairs[k];
        let target = match (leaf, col) {
            (None, Some(c)) if cols[c].kind == Kind::Text => apart_of(pairs, cols, k, c),
            _ => None,
        };
        let Some(t) = target else {
            k += 1;
            continue;
        };
        let (Some(c), Some(into)) = (col, pairs[t].1) else {
            k += 1;
            continue;
        };
        let moved = cols[c].clone();
        cols[into].absorb(moved);
        for line in at.iter_mut() {
            for x in line.iter_mut() {
                if *x == c {
                    *x = into;
                }
            }
        }
        pairs.remove(k);
    }
}

/// The pair before `k` (else after) whose text column never shares a line
/// with column `c`.
fn apart_of(pairs: &Pairs, cols: &[Column], k: usize, c: usize) -> Option<usize> {
    let apart = |p: usize| {
        pairs[p]
            .1
            .is_some_and(|pc| cols[pc].kind == Kind::Text && !cols[pc].co_occurs(&cols[c]))
    };
    k.checked_sub(1)
        .filter(|&p| apart(p))
        .or_else(|| (k + 1 < pairs.len()).then_some(k + 1).filter(|&q| apart(q)))
}

/// A word left without a column right above or below a column's name is
/// the rest of that name, wrapped over lines in between (机关运行经费 预算
/// … 数).
pub(super) fn join_stacked_names(hcells: &mut [HeaderCell], pairs: &mut Pairs) {
    let mut k = 0;
    while k < pairs.len() {
        let (Some(l), None) = pairs[k] else {
            k += 1;
            continue;
        };
        let stacked = pairs
            .iter()
            .filter_map(|p| p.0.zip(p.1))
            .map(|(m, _)| m)
            .find(|&m| {
                let (a, b) = (&hcells[m], &hcells[l]);
                a.centre2().abs_diff(b.centre2()) <= 12 && a.bottom < b.top
            });
        match stacked {
            Some(m) => {
                let frag = std::mem::take(&mut hcells[l].text);
                hcells[m].text.push_str(&frag);
                pairs.remove(k);
            }
            None => k += 1,
        }
    }
}

/// A word left without a column that stands above other words spans them
/// (收入 over 项目名称 | 金额): it names no column. On the lowest header line
/// it names a column that no row fills.
pub(super) fn drop_spanning_words(hcells: &[HeaderCell], leaf_ids: &[usize], pairs: &mut Pairs) {
    let lowest = leaf_ids
        .iter()
        .map(|&l| hcells[l].bottom)
        .max()
        .unwrap_or(0);
    // A word with nothing printed under it near its centre, nor a column's
    // name right above it that took its column, names a column whatever
    // line it stands on (使用非财政拨款结余 wrapped over the upper lines).
    let named: Vec<usize> = pairs
        .iter()
        .filter_map(|p| p.0.filter(|_| p.1.is_some()))
        .collect();
    let over_words = |l: usize| {
        let c = &hcells[l];
        let reach = 2 * (c.hi - c.lo) + 20;
        let near = |o: &HeaderCell| o.centre2().abs_diff(c.centre2()) <= reach;
        hcells
            .iter()
            .any(|o| o.top > c.bottom && near(o) && !lower_half_beside(hcells, c, o))
            || named
                .iter()
                .any(|&m| hcells[m].bottom < c.top && near(&hcells[m]))
    };
    pairs.retain(|&(l, c)| {
        !(c.is_none() && l.is_some_and(|l| hcells[l].bottom < lowest && over_words(l)))
    });
}
