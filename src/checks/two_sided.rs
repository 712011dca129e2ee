//! Two-sided tables (收入 | 支出, side by side, each side a label column and
//! its amounts): per side, a numbered item (一、) = Σ the items of the next
//! level under it (（一）, 1., （1）);
//! 本年收入合计 = Σ the numbered items above it; 总计 = 本年合计 + the rows
//! between them; with a single total, total = Σ numbered items; and every
//! side's 总计 is the same figure (收入总计 = 支出总计).

use super::{make, Grid, Relation};
use crate::catalog::normalize;
use crate::parse::text;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A numbered item, with the level of its numbering (一、 is 1,
    /// （一） 2, 1. or 1、 3, （1） 4). An item is the sum of the items of
    /// the next level printed under it.
    Item(u8),
    /// 其中… : a breakdown of the row above, in no sum.
    Breakdown,
    /// …合计 / …小计 / …总计.
    Total,
    /// Anything else (上年结转, 年初结转和结余).
    Other,
}

const NUMERALS: &str = "一二三四五六七八九十";

fn kind_of(label: &str) -> Kind {
    let l = label.trim();
    if text::list_number(l).is_some() {
        return Kind::Item(1);
    }
    let mut ch = l.chars();
    let first = ch.next();
    if first.is_some_and(|c| c.is_ascii_digit()) {
        let rest: String = l
            .chars()
            .skip_while(|c| c.is_ascii_digit())
            .take(1)
            .collect();
        if matches!(rest.as_str(), "." | "．" | "、") {
            return Kind::Item(3);
        }
    }
    if matches!(first, Some('（') | Some('(')) {
        match ch.next() {
            Some(c) if NUMERALS.contains(c) => return Kind::Item(2),
            Some(c) if c.is_ascii_digit() => return Kind::Item(4),
            _ => {}
        }
    }
    let n = normalize(l);
    if n.starts_with("其中") {
        return Kind::Breakdown;
    }
    if n.ends_with("合计") || n.ends_with("小计") || n.ends_with("总计") {
        return Kind::Total;
    }
    Kind::Other
}

fn level(k: Kind) -> Option<u8> {
    match k {
        Kind::Item(l) => Some(l),
        _ => None,
    }
}

/// A side: its label column and its amount columns.
struct Side {
    label: usize,
    cols: Vec<usize>,
}

/// One row of a side: its index, label and kind.
struct Line {
    i: usize,
    label: String,
    kind: Kind,
}

pub(super) fn two_sided_of(g: &Grid) -> Vec<Relation> {
    let (relations, strays) = analyse(g);
    // Verification asks for the strays of the same grid next.
    let _ = g.facts.strays.set(strays);
    relations
}

/// Rows of a two-sided table that no grammar of it allows: an unnumbered
/// label without an amount among numbered items (a piece of a wrapped
/// label: 十七、国土海洋气象等支 | 出).
pub(super) fn stray_rows(g: &Grid) -> Vec<usize> {
    g.facts.strays.get_or_init(|| analyse(g).1).clone()
}

fn analyse(g: &Grid) -> (Vec<Relation>, Vec<usize>) {
    let (t, values) = (g.t, g.values);
    if !g.sides().is_empty() {
        return (Vec::new(), Vec::new());
    }
    let labels = g.label_columns();
    let sides: Vec<Side> = labels
        .iter()
        .enumerate()
        .map(|(n, &l)| {
            let end = labels.get(n + 1).copied().unwrap_or(t.columns.len());
            Side {
                label: l,
                cols: g
                    .amounts
                    .iter()
                    .copied()
                    .filter(|&a| a > l && a < end)
                    .collect(),
            }
        })
        .filter(|s| !s.cols.is_empty())
        .collect();
    if sides.len() < 2 {
        return (Vec::new(), Vec::new());
    }
    let cell = |i: usize, j: usize| t.rows[i].cells.get(j).and_then(|c| c.as_deref());
    // Sides under one spanning header (支出 / 功能分类 | 支出 / 支出用途).
    let group = |s: usize| t.columns[sides[s].label].split('/').next().unwrap_or("");
    let kin = |a: usize, b: usize| t.columns[sides[a].label].contains('/') && group(a) == group(b);
    // A label printed across the next side's (empty) label cell closes that
    // side too (当年支出小计 over 功能分类 | 支出用途); an amount printed
    // across empty cells to its right stands for them.
    let label_of = |i: usize, s: usize| -> Option<String> {
        if let Some(l) = cell(i, sides[s].label) {
            return Some(l.to_string());
        }
        (0..s)
            .rev()
            .take_while(|&p| kin(p, s))
            .map(|p| cell(i, sides[p].label))
            .find(|l| l.is_some())
            .flatten()
            .filter(|l| kind_of(l) == Kind::Total)
            .map(str::to_string)
    };
    let value_of = |i: usize, s: usize, j: usize| -> Option<(usize, Decimal)> {
        if let Some(v) = values[i][j] {
            return Some((j, v));
        }
        let later = sides.get(s + 1)?;
        if !kin(s, s + 1) || cell(i, later.label).is_some() || j != sides[s].cols[0] {
            return None;
        }
        later
            .cols
            .first()
            .and_then(|&k| values[i][k].map(|v| (k, v)))
    };
    let mut out = Vec::new();
    let mut strays = Vec::new();
    let mut grands: Vec<(usize, usize, Decimal, String)> = Vec::new();
    for (s, side) in sides.iter().enumerate() {
        let lines: Vec<Line> = (0..t.rows.len())
            .filter_map(|i| {
                let label = label_of(i, s)?;
                Some(Line {
                    i,
                    kind: kind_of(&label),
                    label: normalize(&label),
                })
            })
            .collect();
        let totals: Vec<usize> = (0..lines.len())
            .filter(|&n| lines[n].kind == Kind::Total)
            .collect();
        let Some(&grand) = totals.last() else {
            continue;
        };
        let sub = totals.first().copied().filter(|&f| f != grand);
        for (ci, &j) in side.cols.iter().enumerate() {
            let val = |n: usize| value_of(lines[n].i, s, j);
            let push = |out: &mut Vec<Relation>, n: usize, parts: &[usize], what: String| {
                let Some((tj, actual)) = val(n) else {
                    return;
                };
                let mut cells = vec![(t.ordinal, lines[n].i, tj)];
                let mut expected = Decimal::ZERO;
                for &p in parts {
                    if let Some((pj, v)) = val(p) {
                        expected += v;
                        cells.push((t.ordinal, lines[p].i, pj));
                    }
                }
                out.push(Relation {
                    check: make(
                        t.ordinal,
                        "two_sided",
                        format!("row {} × column {}", lines[n].label, t.columns[j]),
                        actual,
                        expected,
                        parts.len(),
                        &what,
                    ),
                    cells,
                    vertical: true,
                });
            };
            // Numbered items and the items of the next level under them.
            for n in 0..lines.len() {
                // An unnumbered row heads the numbered rows under it only
                // below 本年合计 (上年结转 | 一、一般公共预算拨款 …); above it
                // an unnumbered row is a label of its own.
                let l = match lines[n].kind {
                    Kind::Item(l) => l,
                    Kind::Other if sub.is_some_and(|s| n > s) => 0,
                    _ => continue,
                };
                let under: Vec<usize> = (n + 1..lines.len())
                    .take_while(|&m| match lines[m].kind {
                        Kind::Item(k) => k > l,
                        Kind::Breakdown => true,
                        _ => false,
                    })
                    .filter(|&m| level(lines[m].kind).is_some())
                    .collect();
                let Some(next) = under.iter().filter_map(|&m| level(lines[m].kind)).min() else {
                    continue;
                };
                let kids: Vec<usize> = under
                    .into_iter()
                    .filter(|&m| level(lines[m].kind) == Some(next))
                    .collect();
                push(
                    &mut out,
                    n,
                    &kids,
                    format!("{} = sum of its sub-items", lines[n].label),
                );
            }
            let head = sub.unwrap_or(grand);
            if ci == 0 && (0..head).any(|n| level(lines[n].kind).is_some()) {
                strays.extend(
                    (0..head)
                        .filter(|&n| lines[n].kind == Kind::Other && val(n).is_none())
                        .map(|n| lines[n].i),
                );
            }
            let top = (0..head).filter_map(|n| level(lines[n].kind)).min();
            let items: Vec<usize> = (0..head)
                .filter(|&n| top.is_some() && level(lines[n].kind) == top)
                .collect();
            if !items.is_empty() {
                push(
                    &mut out,
                    head,
                    &items,
                    format!("{} = sum of the numbered items above it", lines[head].label),
                );
            }
            if let Some(sub) = sub {
                // Rows between 本年合计 and 总计; a row followed by rows that
                // add up to it is a breakdown, counted once.
                // Numbered rows under an unnumbered one (上年结转 | 一、一般公共
                // 预算拨款 …) are its breakdown: only the outermost level counts.
                let rank = |n: usize| match lines[n].kind {
                    Kind::Item(l) => Some(l),
                    Kind::Other => Some(0),
                    _ => None,
                };
                let outer = (sub + 1..grand).filter_map(rank).min();
                let between: Vec<usize> = (sub + 1..grand)
                    .filter(|&n| rank(n).is_some() && rank(n) == outer && val(n).is_some())
                    .collect();
                let v = |n: usize| val(n).map(|(_, v)| v).unwrap_or_default();
                let mut parts = vec![sub];
                let mut b = 0;
                while b < between.len() {
                    parts.push(between[b]);
                    let mut k = b + 1;
                    let mut acc = Decimal::ZERO;
                    let mut skip = 0;
                    while k < between.len() {
                        acc += v(between[k]);
                        k += 1;
                        if k - b > 2 && acc == v(between[b]) {
                            skip = k - b - 1;
                        }
                    }
                    b += 1 + skip;
                }
                push(
                    &mut out,
                    grand,
                    &parts,
                    format!(
                        "{} = {} + the rows below it",
                        lines[grand].label, lines[sub].label
                    ),
                );
            }
            if ci == 0 {
                if let Some((gj, gv)) = val(grand) {
                    grands.push((lines[grand].i, gj, gv, lines[grand].label.clone()));
                }
            }
        }
    }
    // Every side closes on the same figure.
    if let Some((first, rest)) = grands.split_first() {
        for other in rest {
            if other.0 == first.0 && other.1 == first.1 {
                continue;
            }
            out.push(Relation {
                check: make(
                    t.ordinal,
                    "two_sided",
                    format!("{} vs {}", first.3, other.3),
                    first.2,
                    other.2,
                    1,
                    "income total = expenditure total",
                ),
                cells: vec![(t.ordinal, first.0, first.1), (t.ordinal, other.0, other.1)],
                vertical: true,
            });
        }
    }
    strays.sort_unstable();
    strays.dedup();
    (out, strays)
}
