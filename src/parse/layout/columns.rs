//! Data columns: runs grouped by left edge (text) or right edge
//! (amounts), the amounts of each line matched to the fullest lines'.

use super::page_fit::{match_to_reference, page_fits};
use super::{Kind, Run};

/// A data column: the runs that stand in it and where they stand.
#[derive(Debug, Clone)]
pub(super) struct Column {
    pub(super) kind: Kind,
    /// Leftmost start and rightmost end of its runs.
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// Lines (indices into the data lines) with a run here.
    pub(super) lines: Vec<usize>,
}

impl Column {
    pub(super) fn centre2(&self) -> usize {
        self.lo + self.hi
    }
    pub(super) fn co_occurs(&self, other: &Column) -> bool {
        // Both lists are sorted.
        let (mut i, mut j) = (0, 0);
        while i < self.lines.len() && j < other.lines.len() {
            match self.lines[i].cmp(&other.lines[j]) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        false
    }
    pub(super) fn absorb(&mut self, other: Column) {
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
        self.lines.extend(other.lines);
        self.lines.sort_unstable();
        self.lines.dedup();
    }
}

/// How far apart two anchors of one column may be: converters round
/// positions, and a CJK-heavy line drifts by a character or two.
pub(super) const ALIGN_TOLERANCE: usize = 2;

/// Groups the runs of the data lines into columns; returns the columns in
/// page order and, per line, the column of each run.
///
/// Text runs are grouped by left edge. Amount columns are those of the
/// lines printing the most amounts (the reference): a converter may shift
/// all amounts of some lines by several characters (a block of rows laid
/// out apart), so each line's amounts are matched to the reference as a
/// whole, allowing one shift per line at a price.
pub(super) fn find_columns(data: &[Vec<Run>], block: &[usize]) -> (Vec<Column>, Vec<Vec<usize>>) {
    let mut cols: Vec<(Column, Vec<(usize, usize)>)> = text_columns(data);
    cols.extend(amount_columns(data, block));
    cols.sort_by_key(|(c, _)| (c.centre2(), c.lo));
    // A few labels standing apart right of a label column, never on a line
    // with it, are that column's totals centred across the cell (收入总计,
    // 当年支出小计).
    let mut merged: Vec<(Column, Members)> = Vec::new();
    for (c, m) in cols {
        if let Some((prev, pm)) = merged.last_mut() {
            let sparse = c.lines.len() <= 3 || c.lines.len() * 4 <= prev.lines.len();
            if c.kind == Kind::Text && prev.kind == Kind::Text && sparse && !prev.co_occurs(&c) {
                prev.absorb(c);
                pm.extend(m);
                continue;
            }
        }
        merged.push((c, m));
    }
    let cols = merged;
    let mut at: Vec<Vec<usize>> = data.iter().map(|r| vec![0; r.len()]).collect();
    for (ci, (_, members)) in cols.iter().enumerate() {
        for &(li, ri) in members {
            at[li][ri] = ci;
        }
    }
    (cols.into_iter().map(|(c, _)| c).collect(), at)
}

pub(super) type Members = Vec<(usize, usize)>;

pub(super) fn column_of(kind: Kind, runs: &[(&Run, usize, usize)]) -> (Column, Members) {
    let lo = runs.iter().map(|r| r.0.start).min().unwrap_or(0);
    let hi = runs.iter().map(|r| r.0.end).max().unwrap_or(0);
    (
        Column {
            kind,
            lo,
            hi,
            lines: {
                // Sorted, as `Column::co_occurs` needs.
                let mut lines: Vec<usize> = runs.iter().map(|r| r.1).collect();
                lines.sort_unstable();
                lines.dedup();
                lines
            },
        },
        runs.iter().map(|r| (r.1, r.2)).collect(),
    )
}

/// Text columns: runs grouped by left edge; neighbouring groups that
/// never share a line are one column whose labels are indented.
pub(super) fn text_columns(data: &[Vec<Run>]) -> Vec<(Column, Members)> {
    let mut items: Vec<(usize, usize, usize)> = Vec::new();
    for (li, runs) in data.iter().enumerate() {
        for (ri, r) in runs.iter().enumerate() {
            if r.kind == Kind::Text {
                items.push((r.start, li, ri));
            }
        }
    }
    items.sort_unstable();
    // Codes and labels are clustered apart: the label of a row whose code
    // stands a line above it starts where the codes start.
    let mut clusters: Vec<Vec<(&Run, usize, usize)>> = Vec::new();
    for codes in [true, false] {
        let mut last = 0usize;
        let first = clusters.len();
        for &(anchor, li, ri) in &items {
            let r = &data[li][ri];
            if is_code_run(r) != codes {
                continue;
            }
            match clusters[first..].last_mut() {
                Some(c) if anchor <= last + ALIGN_TOLERANCE && !c.iter().any(|m| m.1 == li) => {
                    c.push((r, li, ri))
                }
                _ => clusters.push(vec![(r, li, ri)]),
            }
            last = anchor;
        }
    }
    clusters.sort_by_key(|c| c.iter().map(|m| m.0.start).min());
    // A column of subject codes (201 | 40 | 01) is never the indent of the
    // labels beside it, though they never share a line: the labels of rows
    // without a lower code start where that code would stand.
    let mut merged: Vec<(Column, Members, bool)> = Vec::new();
    for c in clusters {
        let codes = c.iter().all(|m| is_code_run(m.0));
        let (col, members) = column_of(Kind::Text, &c);
        if let Some((prev, pm, prev_codes)) = merged.last_mut() {
            if col.lo <= prev.lo + 8 && !prev.co_occurs(&col) && codes == *prev_codes {
                prev.absorb(col);
                pm.extend(members);
                continue;
            }
        }
        merged.push((col, members, codes));
    }
    merged.into_iter().map(|(c, m, _)| (c, m)).collect()
}

/// Runs read as amounts that are subject codes: the code printed at the
/// end of a line, after the left side's amounts ("225.12   30207"), with its
/// label and amount on the line below. Such a column holds digits only, 3
/// to 7 of them, in ascending order down the table as a subject list
/// prints them (302, 30201, 30299, 310, 31001); integer amounts are not
/// sorted so, nor all of a code's length.
pub(super) fn code_runs_read_as_amounts(
    cols: &[Column],
    at: &[Vec<usize>],
    data: &[Vec<Run>],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (ci, c) in cols.iter().enumerate() {
        if c.kind != Kind::Amount || c.lines.len() < 4 {
            continue;
        }
        let members: Vec<(usize, usize)> = c
            .lines
            .iter()
            .flat_map(|&li| {
                at[li]
                    .iter()
                    .enumerate()
                    .filter(move |&(_, &a)| a == ci)
                    .map(move |(ri, _)| (li, ri))
            })
            .collect();
        let texts: Vec<&str> = members
            .iter()
            .map(|&(li, ri)| data[li][ri].text.as_str())
            .collect();
        let code_shaped = texts
            .iter()
            .all(|t| matches!(t.len(), 3 | 5 | 7) && is_code_run_text(t));
        if code_shaped && texts.windows(2).all(|w| w[0] < w[1]) {
            out.extend(members);
        }
    }
    // A code of the same column matched to a column of amounts (alone on
    // its line, its label below): it stands within the codes' span.
    let Some(lo) = out.iter().map(|&(li, ri)| data[li][ri].start).min() else {
        return out;
    };
    let hi = out
        .iter()
        .map(|&(li, ri)| data[li][ri].end)
        .max()
        .unwrap_or(lo);
    for (li, runs) in data.iter().enumerate() {
        for (ri, r) in runs.iter().enumerate() {
            let inside = r.start + ALIGN_TOLERANCE >= lo && r.end <= hi + ALIGN_TOLERANCE;
            let shaped = matches!(r.text.len(), 3 | 5 | 7) && is_code_run_text(&r.text);
            if r.kind == Kind::Amount && inside && shaped && !out.contains(&(li, ri)) {
                out.push((li, ri));
            }
        }
    }
    out
}

fn is_code_run_text(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// A run that is a subject code (digits only).
fn is_code_run(r: &Run) -> bool {
    is_code_run_text(&r.text)
}

/// Amount columns, matched line by line to the reference (see
/// [`find_columns`]).
pub(super) fn amount_columns(data: &[Vec<Run>], block: &[usize]) -> Vec<(Column, Members)> {
    let amounts: Vec<Vec<(usize, usize)>> = data
        .iter()
        .map(|runs| {
            runs.iter()
                .enumerate()
                .filter(|(_, r)| r.kind == Kind::Amount)
                .map(|(ri, r)| (ri, r.end))
                .collect()
        })
        .collect();
    let most = amounts.iter().map(Vec::len).max().unwrap_or(0);
    if most == 0 {
        return Vec::new();
    }
    // The reference: the right edges most lines printing `most` amounts
    // agree on.
    let full: Vec<Vec<usize>> = amounts
        .iter()
        .filter(|a| a.len() == most)
        .map(|a| a.iter().map(|x| x.1).collect())
        .collect();
    let agree = |a: &[usize], b: &[usize]| {
        a.iter()
            .zip(b)
            .all(|(x, y)| x.abs_diff(*y) <= ALIGN_TOLERANCE)
    };
    let mut reference = full[0].clone();
    let mut best = 0;
    for f in &full {
        let n = full.iter().filter(|g| agree(f, g)).count();
        if n > best {
            best = n;
            reference = f.clone();
        }
    }
    // Amount columns that no full line fills: right edges of other lines
    // far from every reference column (a side of a two-sided table).
    let mut extra: Vec<usize> = Vec::new();
    for a in &amounts {
        for &(_, e) in a {
            let far = reference.iter().chain(&extra).all(|r| r.abs_diff(e) > 15);
            let alone = a.len() == 1;
            if far && alone {
                extra.push(e);
            }
        }
    }
    reference.extend(extra);
    reference.sort_unstable();
    let fits = page_fits(&amounts, block, &reference);
    let mut groups: Vec<Vec<(&Run, usize, usize)>> = vec![Vec::new(); reference.len()];
    for (li, a) in amounts.iter().enumerate() {
        if a.is_empty() {
            continue;
        }
        let fit = block.get(li).and_then(|b| fits.get(b)).copied();
        let edges: Vec<usize> = a
            .iter()
            .map(|x| fit.map_or(x.1, |f| f.apply(x.1)))
            .collect();
        for (k, c) in match_to_reference(&edges, &reference)
            .into_iter()
            .enumerate()
        {
            let ri = a[k].0;
            groups[c].push((&data[li][ri], li, ri));
        }
    }
    groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| column_of(Kind::Amount, &g))
        .collect()
}
