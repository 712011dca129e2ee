//! The reader for text that kept the page's columns by character position
//! (`pdftotext -layout`, the most common converter output).
//!
//! A line is cut into runs: text separated by two or more spaces, and an
//! amount separated from its neighbours by one. Positions are only roughly
//! those of the page: every character counts one column although a CJK
//! character is two wide on the page, so header words centred over a column
//! drift away from it. Runs of the data rows are stable in one way each:
//! amounts are right-aligned (their right edges agree) and labels are
//! left-aligned. So the columns come from the data rows: amount runs are
//! grouped by right edge and text runs by left edge, and two groups are one
//! column when no line has a run in both. The header words then name those
//! columns by order and distance, and their own geometry (which words sit
//! above which) gives the spanning headers.
//!
//! What the rows of such text need undone:
//! - a tall cell puts its amount on the middle line, so a label may stand a
//!   line above or below the amounts of its row;
//! - a label that reached its column's width wraps onto the next line;
//! - page breaks print the title and header again.

use super::header::is_header_word;
use super::text::{self, clean_cell, is_space, squash};
use super::{Grid, Line};
use crate::model::Row;
use rust_decimal::Decimal;

/// What a run is, which decides how it aligns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Right-aligned: an amount, or a dash for zero.
    Amount,
    /// Left-aligned: a subject code, a label, any text.
    Text,
}

/// A stretch of one line between wide gaps, with its character columns.
#[derive(Debug, Clone)]
struct Run {
    start: usize,
    end: usize,
    text: String,
    kind: Kind,
}

fn is_number_word(w: &str) -> bool {
    text::is_amount(w) || matches!(w, "-" | "—" | "--" | "－")
}

/// Does the text keep columns by position? Most lines with several words
/// separate some of them by a wide gap; flattened text never does.
pub fn is_layout(lines: &[Line]) -> bool {
    let mut multi = 0usize;
    let mut wide = 0usize;
    for l in lines {
        let t = l.text.trim_matches(is_space);
        if !t.contains(is_space) {
            continue;
        }
        multi += 1;
        if t.contains("  ") || t.contains("\u{3000}\u{3000}") {
            wide += 1;
        }
    }
    multi >= 2 && wide * 2 >= multi
}

/// The runs of a line.
fn runs_of(line: &str) -> Vec<Run> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if is_space(chars[i]) {
            i += 1;
            continue;
        }
        // A stretch up to a gap of two spaces (or the end).
        let start = i;
        let mut end = i;
        while end < chars.len() {
            if is_space(chars[end]) {
                let gap = chars[end..].iter().take_while(|c| is_space(**c)).count();
                if gap >= 2 || end + gap == chars.len() {
                    break;
                }
                end += gap;
            } else {
                end += 1;
            }
        }
        split_stretch(&chars, start, end, &mut out);
        i = end;
    }
    codes_as_text(&mut out);
    join_spaced_letters(out)
}

/// "合   计", "总   计": a word printed with its characters spread over
/// the cell is one run.
fn join_spaced_letters(runs: Vec<Run>) -> Vec<Run> {
    let single =
        |r: &Run| r.kind == Kind::Text && r.text.chars().count() == 1 && !r.text.is_ascii();
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    for r in runs {
        if let Some(last) = out.last_mut() {
            let spread = last.text.chars().all(|c| !c.is_ascii()) && last.kind == Kind::Text;
            if single(&r) && spread && r.start <= last.end + 3 && last.text.chars().count() <= 3 {
                last.text.push_str(&r.text);
                last.end = r.end;
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// Cuts a stretch at the single spaces that part an amount from its
/// neighbours ("13,297.11 一、一般公共服务支出"): text words stay together.
fn split_stretch(chars: &[char], start: usize, end: usize, out: &mut Vec<Run>) {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = start;
    while i < end {
        if is_space(chars[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < end && !is_space(chars[i]) {
            i += 1;
        }
        words.push((s, i));
    }
    let text_of = |(s, e): (usize, usize)| chars[s..e].iter().collect::<String>();
    let mut group: Option<(usize, usize, bool)> = None;
    for w in words {
        let t = text_of(w);
        let num = is_number_word(&t);
        group = match group {
            Some((gs, _, gnum)) if !num && !gnum => Some((gs, w.1, false)),
            Some(g) => {
                push_run(chars, g, out);
                Some((w.0, w.1, num))
            }
            None => Some((w.0, w.1, num)),
        };
    }
    if let Some(g) = group {
        push_run(chars, g, out);
    }
}

/// Subject codes printed before the label (`204   06   01   行政运行`) are
/// left-aligned like text, not amounts.
fn codes_as_text(runs: &mut [Run]) {
    let Some(first_text) = runs.iter().position(|r| r.kind == Kind::Text) else {
        return;
    };
    for r in &mut runs[..first_text] {
        if r.text.bytes().all(|b| b.is_ascii_digit()) {
            r.kind = Kind::Text;
        }
    }
}

fn push_run(chars: &[char], (s, e, num): (usize, usize, bool), out: &mut Vec<Run>) {
    out.push(Run {
        start: s,
        end: e,
        text: chars[s..e].iter().collect(),
        kind: if num { Kind::Amount } else { Kind::Text },
    });
}

/// Header words of neighbouring columns that a narrow page leaves one
/// space apart ("一般公共预 政府性基金 国有资本经") are separate cells: a
/// header run is cut at every single space between two CJK words of two
/// characters or more (a word spread over its cell, "合 计", is not cut).
fn split_header_words(runs: &[Run]) -> Vec<Run> {
    let mut out = Vec::with_capacity(runs.len());
    for r in runs {
        if is_caption(&r.text) {
            continue;
        }
        if r.kind != Kind::Text {
            out.push(r.clone());
            continue;
        }
        let chars: Vec<char> = r.text.chars().collect();
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let mut s = 0;
        for i in 1..chars.len().saturating_sub(1) {
            let cut = is_space(chars[i])
                && !chars[i - 1].is_ascii()
                && !chars[i + 1].is_ascii()
                && !is_space(chars[i - 1])
                && !is_space(chars[i + 1]);
            if cut {
                pieces.push((s, i));
                s = i + 1;
            }
        }
        pieces.push((s, chars.len()));
        let long = pieces.iter().all(|&(a, b)| b - a >= 2);
        if pieces.len() == 1 || !long {
            out.push(r.clone());
            continue;
        }
        for (a, b) in pieces {
            out.push(Run {
                start: r.start + a,
                end: r.start + b,
                text: chars[a..b].iter().collect(),
                kind: Kind::Text,
            });
        }
    }
    out
}

/// A table's number alone on a line at the top of each page ("公开表11",
/// "附表3", "表 3"): page furniture.
fn is_table_mark(squashed: &str) -> bool {
    let Some(p) = squashed.rfind('表') else {
        return false;
    };
    let (head, num) = (&squashed[..p], &squashed[p + '表'.len_utf8()..]);
    head.chars().count() <= 4
        && head.chars().all(|c| !c.is_ascii())
        && (1..=2).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// A caption beside the header, not a column name: a key and its value
/// ("单位：万元", "部门（单位）：烟台市教育局").
fn is_caption(t: &str) -> bool {
    let t = t.trim_matches(is_space);
    !t.starts_with("其中") && t.find(['：', ':']).is_some_and(|p| p + 3 < t.len())
}

/// A line of the data part: an amount, or a code opening a labelled row.
fn is_data_line(runs: &[Run]) -> bool {
    runs.iter().any(|r| r.kind == Kind::Amount) || (runs.len() >= 2 && text::is_code(&runs[0].text))
}

/// A run that reads as header text (no amount, a header noun at its end).
fn is_header_line(runs: &[Run]) -> bool {
    !runs.is_empty()
        && runs.iter().all(|r| r.kind == Kind::Text)
        && runs.iter().any(|r| is_header_word(&r.text))
}

/// A data column: the runs that stand in it and where they stand.
#[derive(Debug, Clone)]
struct Column {
    kind: Kind,
    /// Leftmost start and rightmost end of its runs.
    lo: usize,
    hi: usize,
    /// Lines (indices into the data lines) with a run here.
    lines: Vec<usize>,
}

impl Column {
    fn centre2(&self) -> usize {
        self.lo + self.hi
    }
    fn co_occurs(&self, other: &Column) -> bool {
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
    fn absorb(&mut self, other: Column) {
        self.lo = self.lo.min(other.lo);
        self.hi = self.hi.max(other.hi);
        self.lines.extend(other.lines);
        self.lines.sort_unstable();
        self.lines.dedup();
    }
}

/// How far apart two anchors of one column may be: converters round
/// positions, and a CJK-heavy line drifts by a character or two.
const ALIGN_TOLERANCE: usize = 2;

/// Groups the runs of the data lines into columns; returns the columns in
/// page order and, per line, the column of each run.
///
/// Text runs are grouped by left edge. Amount columns are those of the
/// lines printing the most amounts (the reference): a converter may shift
/// all amounts of some lines by several characters (a block of rows laid
/// out apart), so each line's amounts are matched to the reference as a
/// whole, allowing one shift per line at a price.
fn find_columns(data: &[Vec<Run>], block: &[usize]) -> (Vec<Column>, Vec<Vec<usize>>) {
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

type Members = Vec<(usize, usize)>;

fn column_of(kind: Kind, runs: &[(&Run, usize, usize)]) -> (Column, Members) {
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
fn text_columns(data: &[Vec<Run>]) -> Vec<(Column, Members)> {
    let mut items: Vec<(usize, usize, usize)> = Vec::new();
    for (li, runs) in data.iter().enumerate() {
        for (ri, r) in runs.iter().enumerate() {
            if r.kind == Kind::Text {
                items.push((r.start, li, ri));
            }
        }
    }
    items.sort_unstable();
    let mut clusters: Vec<Vec<(&Run, usize, usize)>> = Vec::new();
    let mut last = 0usize;
    for &(anchor, li, ri) in &items {
        let r = &data[li][ri];
        match clusters.last_mut() {
            Some(c) if anchor <= last + ALIGN_TOLERANCE && !c.iter().any(|m| m.1 == li) => {
                c.push((r, li, ri))
            }
            _ => clusters.push(vec![(r, li, ri)]),
        }
        last = anchor;
    }
    let mut merged: Vec<(Column, Members)> = Vec::new();
    for c in clusters {
        let (col, members) = column_of(Kind::Text, &c);
        if let Some((prev, pm)) = merged.last_mut() {
            if col.lo <= prev.lo + 8 && !prev.co_occurs(&col) {
                prev.absorb(col);
                pm.extend(members);
                continue;
            }
        }
        merged.push((col, members));
    }
    merged
}

/// Amount columns, matched line by line to the reference (see
/// [`find_columns`]).
fn amount_columns(data: &[Vec<Run>], block: &[usize]) -> Vec<(Column, Members)> {
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

/// How a page's positions map onto the reference page's: a converter lays
/// out every page on its own, so the columns of one page may stand
/// further apart or closer together than those of another, all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageFit {
    /// Per mille.
    scale: i64,
    shift: i64,
}

impl PageFit {
    const SAME: PageFit = PageFit {
        scale: 1000,
        shift: 0,
    };
    fn apply(self, x: usize) -> usize {
        let y = (x as i64 * self.scale + 500).div_euclid(1000) + self.shift;
        y.max(0) as usize
    }
}

/// Least total distance of a monotone matching of `edges` into
/// `reference` (no shift).
fn match_cost(edges: &[usize], reference: &[usize]) -> usize {
    let (k, m) = (edges.len(), reference.len());
    if k > m {
        return 0;
    }
    let inf = usize::MAX / 4;
    let mut dp = vec![vec![inf; m + 1]; k + 1];
    dp[0].fill(0);
    for i in 1..=k {
        for j in i..=m {
            let here = dp[i - 1][j - 1].saturating_add(edges[i - 1].abs_diff(reference[j - 1]));
            dp[i][j] = here.min(dp[i][j - 1]);
        }
    }
    dp[k][m]
}

/// Per page (block of lines under one printing of the header), the
/// scale and shift that bring its amounts' right edges nearest the
/// reference columns, when that beats leaving them as they are by a clear
/// margin.
fn page_fits(
    amounts: &[Vec<(usize, usize)>],
    block: &[usize],
    reference: &[usize],
) -> std::collections::HashMap<usize, PageFit> {
    let mut out = std::collections::HashMap::new();
    let mut blocks: Vec<usize> = block.to_vec();
    blocks.sort_unstable();
    blocks.dedup();
    if blocks.len() < 2 {
        return out;
    }
    for b in blocks {
        let lines: Vec<Vec<usize>> = amounts
            .iter()
            .zip(block)
            .filter(|(a, bl)| **bl == b && !a.is_empty() && a.len() <= reference.len())
            .map(|(a, _)| a.iter().map(|x| x.1).collect())
            .collect();
        if lines.is_empty() {
            continue;
        }
        let cost = |f: PageFit| -> usize {
            lines
                .iter()
                .map(|l| {
                    let e: Vec<usize> = l.iter().map(|&x| f.apply(x)).collect();
                    match_cost(&e, reference)
                })
                .sum()
        };
        let same = cost(PageFit::SAME);
        let mut best = (same, PageFit::SAME);
        if same == 0 {
            continue;
        }
        for scale in (850..=1150).step_by(10) {
            for shift in -30..=30 {
                let f = PageFit { scale, shift };
                let c = cost(f);
                if c < best.0 {
                    best = (c, f);
                }
            }
        }
        // A fit must explain the page clearly better than the identity.
        let lines_n = lines.len();
        if best.1 != PageFit::SAME && best.0 + lines_n <= same {
            out.insert(b, best.1);
        }
    }
    out
}

/// Matches a line's amount right edges (in order) to reference columns:
/// a monotone matching plus one shift for the whole line, at the least
/// total distance (a shift costs a little, so a lone amount goes to the
/// nearest column).
fn match_to_reference(edges: &[usize], reference: &[usize]) -> Vec<usize> {
    let (k, m) = (edges.len(), reference.len());
    if k >= m {
        return (0..k).map(|i| i.min(m - 1)).collect();
    }
    let mut shifts: Vec<i64> = vec![0];
    for &e in edges {
        for &r in reference {
            shifts.push(r as i64 - e as i64);
        }
    }
    shifts.sort_unstable();
    shifts.dedup();
    let mut best: Option<(i64, Vec<usize>)> = None;
    for s in shifts {
        let inf = i64::MAX / 4;
        // dp[i][j]: first i edges matched within the first j columns.
        let mut dp = vec![vec![inf; m + 1]; k + 1];
        let mut take = vec![vec![false; m + 1]; k + 1];
        dp[0].fill(0);
        for i in 1..=k {
            for j in i..=m {
                let skip = dp[i][j - 1];
                let d = (edges[i - 1] as i64 + s - reference[j - 1] as i64).abs();
                let here = dp[i - 1][j - 1].saturating_add(d);
                if here <= skip {
                    dp[i][j] = here;
                    take[i][j] = true;
                } else {
                    dp[i][j] = skip;
                }
            }
        }
        let total = dp[k][m] + 2 * s.abs();
        if best.as_ref().is_none_or(|(b, _)| total < *b) {
            let mut out = vec![0; k];
            let (mut i, mut j) = (k, m);
            while i > 0 {
                if take[i][j] {
                    out[i - 1] = j - 1;
                    i -= 1;
                }
                j -= 1;
            }
            best = Some((total, out));
        }
    }
    best.map(|b| b.1).unwrap_or_default()
}

/// A header cell: one header word with the lines it was wrapped over
/// joined, where it stands and which columns it spans.
#[derive(Debug, Clone)]
struct HeaderCell {
    text: String,
    top: usize,
    bottom: usize,
    lo: usize,
    hi: usize,
    /// Where its lowest line stands.
    last: (usize, usize),
}

impl HeaderCell {
    fn centre2(&self) -> usize {
        self.lo + self.hi
    }
    fn overlaps(&self, lo: usize, hi: usize) -> bool {
        self.lo < hi && lo < self.hi
    }
}

/// Joins header words wrapped over lines: a word continues the one just
/// above it when each is the only word overlapping the other and their
/// centres agree (a wrapped cell is centred as a whole).
fn header_cells(lines: &[Vec<Run>]) -> Vec<HeaderCell> {
    let mut cells: Vec<HeaderCell> = Vec::new();
    for (li, runs) in lines.iter().enumerate() {
        for r in runs {
            let cell = HeaderCell {
                text: squash(&r.text),
                top: li,
                bottom: li,
                lo: r.start,
                hi: r.end,
                last: (r.start, r.end),
            };
            // The word above: on the line right above, or a few lines up
            // with nothing printed in between (the cells beside it took
            // more lines: 一般公共预 … 算收入).
            let clear = |c: &HeaderCell| {
                lines[c.bottom + 1..li].iter().all(|l| {
                    l.iter().all(|o| {
                        !c.overlaps(o.start, o.end) && (o.end <= r.start || r.end <= o.start)
                    })
                })
            };
            let above: Vec<usize> = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    c.bottom < li
                        && li - c.bottom <= 4
                        && c.overlaps(r.start, r.end)
                        && (c.bottom + 1 == li || clear(c))
                })
                .map(|(i, _)| i)
                .collect();
            let join = match above.as_slice() {
                [k] => {
                    let c = &cells[*k];
                    let alone = runs.iter().filter(|o| c.overlaps(o.start, o.end)).count() == 1;
                    let centred = c.centre2().abs_diff(cell.centre2()) <= 6;
                    // Lines apart, only a word cut short continues: its
                    // first line is its widest and ends in no header noun.
                    // A whole word on top does not go on with a fragment
                    // (本年收入 over 财政专 / 户管理 / 资金).
                    let lower = squash(&r.text);
                    let whole_over_fragment = is_header_word(&c.text)
                        && !is_header_word(&lower)
                        && !lower.starts_with(['（', '(']);
                    let wraps = (c.bottom + 1 == li && !whole_over_fragment)
                        || (!is_header_word(&c.text)
                            && width(&squash(&r.text)) <= width(&c.text) + 2);
                    alone && centred && wraps
                }
                _ => false,
            };
            if join {
                let c = &mut cells[above[0]];
                c.text.push_str(&cell.text);
                c.bottom = li;
                c.lo = c.lo.min(cell.lo);
                c.hi = c.hi.max(cell.hi);
                c.last = cell.last;
            } else {
                cells.push(cell);
            }
        }
    }
    cells.retain(|c| !c.text.is_empty());
    cells
}

/// Printed width of a word: a CJK character is two wide.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// How close (in characters) a word below must come to a header word to
/// stand under it.
const NEAR: usize = 4;

/// The header cells that name a column (nothing stands below them).
fn leaves(cells: &[HeaderCell]) -> Vec<usize> {
    let mut out: Vec<usize> = (0..cells.len())
        .filter(|&i| {
            let c = &cells[i];
            // A spanning word may be narrower than what it spans, but
            // some word below stands under it or right next to it.
            let (lo, hi) = c.last;
            !cells
                .iter()
                .any(|o| o.top > c.bottom && o.overlaps(lo.saturating_sub(NEAR), hi + NEAR))
        })
        .collect();
    out.sort_by_key(|&i| (cells[i].centre2(), cells[i].top));
    out
}

/// Pairs header leaves with data columns in order, by distance; a leaf
/// without a column is a column left empty by every row, a column without
/// a leaf has no printed name. Returns, per final column, the leaf and the
/// data column.
fn align(
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
type Pairs = Vec<(Option<usize>, Option<usize>)>;

/// [`align`] with the header words' centres (doubled) moved by `fit`.
fn align_fitted(
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

/// Column spans of the spanning header cells. Line by line from the top,
/// the spanning cells of a line that stand under one parent share that
/// parent's columns out in order: each takes the contiguous range whose
/// centre is nearest its own, and columns whose names stand on one line
/// stay together.
fn spans(
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
    let max_line = cells.iter().map(|c| c.top).max().unwrap_or(0);
    let min_line = cells.iter().map(|c| c.top).min().unwrap_or(0);
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
                &free,
                &leaf_lo,
                &leaf_hi,
                &leaf_top,
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
fn partition(
    cells: &[HeaderCell],
    kinds: &[Kind],
    group: &[usize],
    top_line: bool,
    free: &[usize],
    leaf_lo: &[usize],
    leaf_hi: &[usize],
    leaf_top: &[usize],
) -> Vec<(usize, Option<(usize, usize)>)> {
    let k = group.len();
    let m = free.len();
    // Cost of cell g taking free[s..e]: how far the range's centre is from
    // the cell's.
    let range_cost = |g: usize, s: usize, e: usize| -> usize {
        let c = &cells[group[g]];
        let lo = leaf_lo[free[s]];
        let hi = leaf_hi[free[e - 1]];
        let mut cost = (lo + hi).abs_diff(c.centre2());
        // A word naming labels (项目, 科目) spans label columns only.
        if names_labels(&c.text) && free[s..e].iter().any(|&f| kinds[f] == Kind::Amount) {
            cost += 40;
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
            if top_line || leaf_top[f] == deepest {
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
fn merge_wrapped(
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
fn names_labels(s: &str) -> bool {
    ["项目", "科目", "名称", "编码", "代码"]
        .iter()
        .any(|w| s.ends_with(w))
}

/// Column paths from the header cells and their spans.
fn column_paths(cells: &[HeaderCell], span: &[Option<(usize, usize)>], n: usize) -> Vec<String> {
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

/// A label that opens an item rather than continuing a wrapped one.
fn opens_item(s: &str) -> bool {
    text::list_number(s).is_some()
        || s.starts_with(['（', '(', '[', '【'])
        || s.starts_with("其中")
        || s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// One data line placed in columns.
struct Placed {
    line: u32,
    cells: Vec<Option<String>>,
    gap_before: bool,
}

impl Placed {
    fn has_amount(&self, kinds: &[Kind]) -> bool {
        self.cells
            .iter()
            .zip(kinds)
            .any(|(c, k)| c.is_some() && *k == Kind::Amount)
    }
    fn filled(&self) -> impl Iterator<Item = usize> + '_ {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| i)
    }
    /// Can `other`'s cells go into this line's empty cells?
    fn fits(&self, other: &Placed) -> bool {
        other.filled().all(|i| self.cells[i].is_none())
    }
    fn take(&mut self, other: Placed, above: bool) {
        for (i, c) in other.cells.into_iter().enumerate() {
            if let Some(c) = c {
                self.cells[i] = Some(match self.cells[i].take() {
                    Some(mine) if above => format!("{c}{mine}"),
                    Some(mine) => format!("{mine}{c}"),
                    None => c,
                });
            }
        }
        if above {
            self.line = other.line;
        }
    }
}

/// Joins the lines of one printed row: labels of tall cells printed a line
/// above or below their amounts, amounts printed apart from their labels,
/// and labels wrapped at their column's width.
fn join_rows(lines: Vec<Placed>, kinds: &[Kind]) -> Vec<Placed> {
    let n = kinds.len();
    // Widest label of each text column, to know a label that wrapped.
    let mut width = vec![0usize; n];
    for l in &lines {
        for (i, c) in l.cells.iter().enumerate() {
            if let Some(c) = c {
                width[i] = width[i].max(c.chars().count());
            }
        }
    }
    let is_fragment = |p: &Placed| !p.has_amount(kinds);
    let mut out: Vec<Placed> = Vec::new();
    let mut pending: Option<Placed> = None;
    let mut it = lines.into_iter().peekable();
    while let Some(mut l) = it.next() {
        if is_fragment(&l) {
            // A label waiting for the amounts of its tall cell below.
            let next_takes = it.peek().is_some_and(|n| {
                !n.gap_before && n.has_amount(kinds) && n.fits(&l) && label_missing(n, &l, kinds)
            });
            if let Some(prev) = out.last_mut().filter(|_| !next_takes) {
                // A wrapped label: continues a cell that filled its column.
                let continues = !l.gap_before
                    && l.filled().all(|i| {
                        prev.cells[i].as_ref().is_some_and(|p| {
                            p.chars().count() + 1 >= width[i]
                                && !opens_item(l.cells[i].as_deref().unwrap_or(""))
                        })
                    });
                if continues && pending.is_none() {
                    prev.take(l, false);
                    continue;
                }
            }
            if next_takes {
                if let Some(p) = pending.take() {
                    out.push(p);
                }
                pending = Some(l);
                continue;
            }
            if let Some(p) = pending.take() {
                out.push(p);
            }
            // Amounts printed above their labels: a line of amounts only.
            out.push(l);
            continue;
        }
        if let Some(p) = pending.take() {
            l.take(p, true);
        }
        // A line of amounts alone belongs to the labels right below it
        // when they have no amounts there.
        let text_cells = l.filled().filter(|&i| kinds[i] == Kind::Text).count();
        if text_cells == 0 {
            if let Some(next) = it.peek_mut() {
                if !next.gap_before && next.fits(&l) && label_missing(&l, next, kinds) {
                    let amounts = std::mem::replace(
                        &mut l,
                        Placed {
                            line: 0,
                            cells: Vec::new(),
                            gap_before: false,
                        },
                    );
                    let line = next.line;
                    next.take(amounts, false);
                    next.line = line;
                    continue;
                }
            }
        }
        out.push(l);
    }
    if let Some(p) = pending.take() {
        out.push(p);
    }
    out
}

/// A subject code alone before the amounts of a tall row, its label
/// wrapped onto the lines above and below ("2080505   553.54   553.54"),
/// is the code, not an amount: it stands where the codes and labels of
/// the other rows start.
fn codes_of_tall_rows(data: &mut [(u32, Vec<Run>, bool)]) {
    let Some(left) = data
        .iter()
        .filter_map(|d| d.1.iter().find(|r| r.kind == Kind::Text).map(|r| r.start))
        .min()
    else {
        return;
    };
    for d in data.iter_mut() {
        let runs = &mut d.1;
        if runs.len() < 2 || runs.iter().any(|r| r.kind == Kind::Text) {
            continue;
        }
        let first = &mut runs[0];
        if first.start <= left + 2
            && text::is_code(&first.text)
            && first.text.bytes().all(|b| b.is_ascii_digit())
        {
            first.kind = Kind::Text;
        }
    }
}

/// Digits after the decimal point of an amount.
fn decimal_places(t: &str) -> Option<usize> {
    t.rfind('.').map(|p| t.len() - p - 1)
}

/// An amount too wide for its cell wraps its last digits onto a line
/// below, under its end ("576,171.1" … "1"): the digits are put back.
fn join_wrapped_digits(data: &mut Vec<(u32, Vec<Run>, bool)>, block: &mut Vec<usize>) {
    // The decimals most amounts print.
    let mut count = [0usize; 7];
    for r in data.iter().flat_map(|d| &d.1) {
        if r.kind == Kind::Amount {
            if let Some(d) = decimal_places(&r.text).filter(|&d| d < count.len()) {
                count[d] += 1;
            }
        }
    }
    let Some(want) = (1..count.len())
        .max_by_key(|&d| count[d])
        .filter(|&d| count[d] > 0)
    else {
        return;
    };
    for li in 0..data.len() {
        for ri in 0..data[li].1.len() {
            let r = &data[li].1[ri];
            let Some(have) = decimal_places(&r.text) else {
                continue;
            };
            if r.kind != Kind::Amount || have >= want {
                continue;
            }
            let (end, missing) = (r.end, want - have);
            let found = (li + 1..data.len().min(li + 3)).find_map(|lj| {
                data[lj]
                    .1
                    .iter()
                    .position(|d| {
                        d.text.len() == missing
                            && d.text.bytes().all(|b| b.is_ascii_digit())
                            && d.end + 1 >= end
                            && d.end <= end + 3
                    })
                    .map(|k| (lj, k))
            });
            if let Some((lj, k)) = found {
                let d = data[lj].1.remove(k);
                let r = &mut data[li].1[ri];
                r.text.push_str(&d.text);
                r.end = r.end.max(d.end);
            }
        }
    }
    let mut i = 0;
    while i < data.len() {
        if data[i].1.is_empty() {
            data.remove(i);
            block.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Does `row` lack the labels that `other` holds, for amounts that `row`
/// or `other` has? True when some text column filled in `other` is empty
/// in `row` and `row`'s amounts to its right have no label of their own.
fn label_missing(row: &Placed, other: &Placed, kinds: &[Kind]) -> bool {
    other
        .filled()
        .any(|i| kinds[i] == Kind::Text && row.cells[i].is_none())
        && other.filled().all(|i| row.cells[i].is_none())
}

/// Rebuilds the grid of a table printed in layout text from its body lines
/// (notes already removed).
pub fn rebuild(lines: &[Line], title: &str) -> Option<Grid> {
    let title_key = squash(title);
    // (line, runs, gap before)
    let mut content: Vec<(u32, Vec<Run>, bool, &str)> = Vec::new();
    let mut starred: Vec<usize> = Vec::new();
    let mut gap = false;
    for l in lines {
        if l.is_blank() {
            gap = true;
            continue;
        }
        let s = l.squashed;
        if l.is_furniture()
            || s == title_key
            || text::table_number(l.text).is_some()
            || is_table_mark(s)
            || text::is_page_number(l.text)
        {
            gap = true;
            continue;
        }
        let runs = runs_of(l.text);
        let words: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        // The row numbering the columns (1 2 3 …), its label cell
        // starred out ("**") or not.
        let numbers: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !w.chars().all(|c| c == '*'))
            .collect();
        if text::is_column_number_row(&words) {
            continue;
        }
        if numbers.len() < words.len() && text::is_column_number_row(&numbers) {
            starred.push(content.len());
        }
        content.push((l.no, runs, gap, s));
        gap = false;
    }
    // Dropped unless it is all the table prints (a table left empty).
    let rows_after = starred
        .first()
        .is_some_and(|&f| content[f + 1..].iter().any(|c| is_data_line(&c.1)));
    if rows_after {
        for &i in starred.iter().rev() {
            let g = content[i].2;
            content.remove(i);
            if let Some(next) = content.get_mut(i) {
                next.2 |= g;
            }
        }
    }
    let first_data = content.iter().position(|(_, r, _, _)| is_data_line(r))?;
    // The header: lines above the first data line, minus sentences that
    // introduce the table.
    let header_lines: Vec<Vec<Run>> = content[..first_data]
        .iter()
        .filter(|(_, r, _, s)| r.len() > 1 || !s.ends_with(['：', ':', '。']))
        .map(|(_, r, _, _)| split_header_words(r))
        .collect();
    let header_keys: Vec<&str> = content[..first_data].iter().map(|c| c.3).collect();
    // Amounts of the table: a lone small integer between pages is a page
    // number when the table's amounts have decimals.
    let decimals = content[first_data..]
        .iter()
        .flat_map(|(_, r, _, _)| r)
        .filter(|r| r.kind == Kind::Amount)
        .any(|r| r.text.contains('.'));
    let mut data: Vec<(u32, Vec<Run>, bool)> = Vec::new();
    // Per data line, the printing of the header it stands under.
    let mut block: Vec<usize> = Vec::new();
    let mut page = 0usize;
    let mut skipping = false;
    let mut gap = false;
    for (no, runs, g, key) in content.into_iter().skip(first_data) {
        gap |= g;
        if header_keys.contains(&key) {
            if !skipping {
                page += 1;
            }
            skipping = true;
            gap = true;
            continue;
        }
        if skipping && !is_data_line(&runs) && is_header_line(&runs) {
            continue;
        }
        skipping = false;
        let page_number = decimals
            && runs.len() == 1
            && text::is_row_number(&runs[0].text)
            && !runs[0].text.contains('.');
        // Unless it ends an amount wrapped from just above.
        let wrapped_end = page_number
            && data.iter().rev().take(2).any(|d| {
                d.1.iter().any(|r| {
                    r.kind == Kind::Amount
                        && decimal_places(&r.text) == Some(1)
                        && runs[0].end + 1 >= r.end
                        && runs[0].end <= r.end + 3
                })
            });
        if page_number && !wrapped_end {
            gap = true;
            continue;
        }
        data.push((no, runs, gap));
        block.push(page);
        gap = false;
    }
    join_wrapped_digits(&mut data, &mut block);
    codes_of_tall_rows(&mut data);
    let runs: Vec<Vec<Run>> = data.iter().map(|d| d.1.clone()).collect();
    let (mut cols, mut at) = find_columns(&runs, &block);
    let hcells = header_cells(&header_lines);
    let leaf_ids = leaves(&hcells);
    let mut pairs = align(&hcells, &leaf_ids, &cols);
    // A text column without a name beside a named one it never shares a
    // line with is that column's runs standing apart (a total label
    // centred across the cell).
    let mut k = 0;
    while k < pairs.len() {
        let (leaf, col) = pairs[k];
        if let (None, Some(c)) = (leaf, col) {
            if cols[c].kind == Kind::Text {
                let target = k
                    .checked_sub(1)
                    .filter(|&p| {
                        pairs[p].1.is_some_and(|pc| {
                            cols[pc].kind == Kind::Text && !cols[pc].co_occurs(&cols[c])
                        })
                    })
                    .or_else(|| {
                        (k + 1 < pairs.len()).then_some(k + 1).filter(|&q| {
                            pairs[q].1.is_some_and(|qc| {
                                cols[qc].kind == Kind::Text && !cols[qc].co_occurs(&cols[c])
                            })
                        })
                    });
                if let Some(t) = target {
                    let into = pairs[t].1.unwrap();
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
                    continue;
                }
            }
        }
        k += 1;
    }
    // A word left without a column right above or below a column's name
    // is the rest of that name, wrapped over lines in between (机关运行经费
    // 预算 … 数).
    let mut hcells = hcells;
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
    // A word left without a column that stands above other words spans
    // them (收入 over 项目名称 | 金额); on the lowest header line it names a
    // column that no row fills.
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
        hcells.iter().any(|o| o.top > c.bottom && near(o))
            || named
                .iter()
                .any(|&m| hcells[m].bottom < c.top && near(&hcells[m]))
    };
    pairs.retain(|&(l, c)| {
        !(c.is_none() && l.is_some_and(|l| hcells[l].bottom < lowest && over_words(l)))
    });
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let col_index: Vec<Option<usize>> = {
        let mut v = vec![None; cols.len()];
        for (i, (_, c)) in pairs.iter().enumerate() {
            if let Some(c) = c {
                v[*c] = Some(i);
            }
        }
        v
    };
    let kinds: Vec<Kind> = pairs
        .iter()
        .map(|(_, c)| match c {
            Some(c) => cols[*c].kind,
            // A column no row fills: its cells are empty either way.
            None => Kind::Amount,
        })
        .collect();
    let leaf_of_col: Vec<Option<usize>> = pairs.iter().map(|p| p.0).collect();
    let col_centre2: Vec<usize> = pairs
        .iter()
        .map(|(l, c)| match (l, c) {
            (_, Some(c)) => cols[*c].centre2(),
            (Some(l), None) => hcells[*l].centre2(),
            _ => 0,
        })
        .collect();
    let span = spans(&hcells, &kinds, &leaf_of_col, &col_centre2);
    if std::env::var_os("LAYOUT_DEBUG").is_some() {
        eprintln!(
            "cols {:?}",
            cols.iter()
                .map(|c| (c.kind, c.lo, c.hi))
                .collect::<Vec<_>>()
        );
        for (i, h) in hcells.iter().enumerate() {
            eprintln!(
                "h{i} {} top{} bot{} [{},{}) span {:?}",
                h.text, h.top, h.bottom, h.lo, h.hi, span[i]
            );
        }
        eprintln!("pairs {pairs:?}");
    }
    let (hcells, mut span) = merge_wrapped(hcells, span, &leaf_of_col);

    let placed: Vec<Placed> = data
        .into_iter()
        .zip(&at)
        .map(|((no, runs, gap), at)| {
            let mut cells: Vec<Option<String>> = vec![None; n];
            for (r, &c) in runs.iter().zip(at) {
                let Some(i) = col_index[c] else { continue };
                let t = clean_cell(&r.text);
                cells[i] = Some(match cells[i].take() {
                    Some(prev) => format!("{prev}{t}"),
                    None => t,
                });
            }
            Placed {
                line: no,
                cells,
                gap_before: gap,
            }
        })
        .collect();
    let rows: Vec<Row> = join_rows(placed, &kinds)
        .into_iter()
        .filter(|p| p.cells.iter().any(Option::is_some))
        .map(|p| Row {
            cells: p.cells,
            line: p.line,
        })
        .collect();
    open_groups_at_subtotals(&hcells, &mut span, &leaf_of_col, &kinds, &rows);
    let columns = column_paths(&hcells, &span, n);
    Some(Grid {
        columns,
        rows,
        warnings: Vec::new(),
    })
}

fn is_total_word(s: &str) -> bool {
    s == "小计" || s.ends_with("合计") || s.ends_with("总计")
}

fn amount_value(cell: Option<&String>) -> Option<Decimal> {
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
fn open_groups_at_subtotals(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceLines;

    fn rebuild(text: &str, title: &str) -> Grid {
        let text = text.strip_prefix('\n').unwrap_or(text);
        super::rebuild(&SourceLines::new(text).lines(), title).unwrap()
    }

    fn cells(r: &Row) -> Vec<Option<&str>> {
        r.cells.iter().map(|c| c.as_deref()).collect()
    }

    #[test]
    fn runs_split_amounts_from_labels() {
        let r = runs_of("一、财政拨款              13,297.11 一、一般公共服务支出   1. 一般 预算");
        let t: Vec<&str> = r.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            t,
            [
                "一、财政拨款",
                "13,297.11",
                "一、一般公共服务支出",
                "1. 一般 预算"
            ]
        );
        assert_eq!(r[1].kind, Kind::Amount);
        assert_eq!((r[1].start, r[1].end), (20, 29));
    }

    #[test]
    fn split_code_columns_and_spanning_header() {
        let text = r"
                     项目                                           收入预算
功能分类科目编码                                                                        事业单位
                       功能分类科目名称       合计           财政拨款收入          事业收入                   其他收入
类     款    项                                                                    经营收入
204             公共安全支出               87267272.44    87267272.44          0.00      0.00      0.00
204   06        司法                   87267272.44    87267272.44          0.00      0.00      0.00
204   06   01   行政运行                 16726725.44    16726725.44          0.00      0.00      0.00
                     合计              96282213.44    96282213.44          0.00      0.00      0.00";
        let g = rebuild(text, "2026年部门收入预算总表");
        assert_eq!(
            g.columns,
            [
                "项目/功能分类科目编码/类",
                "项目/功能分类科目编码/款",
                "项目/功能分类科目编码/项",
                "项目/功能分类科目名称",
                "收入预算/合计",
                "收入预算/财政拨款收入",
                "收入预算/事业收入",
                "收入预算/事业单位经营收入",
                "收入预算/其他收入"
            ]
        );
        assert_eq!(g.rows.len(), 4);
        assert_eq!(
            cells(&g.rows[1]),
            [
                Some("204"),
                Some("06"),
                None,
                Some("司法"),
                Some("87267272.44"),
                Some("87267272.44"),
                Some("0.00"),
                Some("0.00"),
                Some("0.00")
            ]
        );
        assert_eq!(cells(&g.rows[3])[3], Some("合计"));
    }

    #[test]
    fn two_sided_table_with_tall_cells() {
        // pdftotext -layout of a Jiangsu 公开01表, as printed.
        let text = r"

           收入                                   支出

                                     功能分类                    支出用途
    项目名称          金额
                                 功能科目名称       金额         项目名称         金额

一、财政拨款          21,940.96   一、一般公共服务支出                  一、基本支出      13,994.31

    1.一般公共预
                21,940.96   二、外交支出                      二、项目支出       5,573.00
算
    2.政府性基金                                             三、单位预留机动
                            三、国防支出                                   2,388.04
预算                                                      经费
二、财政专户管理
                            四、公共安全支出        16,458.75
资金

三、其他资金             14.39    五、教育支出

                            六、科学技术支出

                            七、文化体育与传媒支出

                            八、社会保障和就业支出      1,836.22

                            九、医疗卫生与计划生育
                            支出

                            十、节能环保支出";
        let g = rebuild(text, "收支预算总表");
        assert_eq!(
            g.columns,
            [
                "收入/项目名称",
                "收入/金额",
                "支出/功能分类/功能科目名称",
                "支出/功能分类/金额",
                "支出/支出用途/项目名称",
                "支出/支出用途/金额"
            ]
        );
        let rows: Vec<Vec<Option<&str>>> = g.rows.iter().map(cells).collect();
        let row = |a: &'static str, b, c, d, e, f| -> Vec<Option<&'static str>> {
            [a, b, c, d, e, f]
                .into_iter()
                .map(|x| (!x.is_empty()).then_some(x))
                .collect()
        };
        assert_eq!(
            rows,
            [
                row(
                    "一、财政拨款",
                    "21,940.96",
                    "一、一般公共服务支出",
                    "",
                    "一、基本支出",
                    "13,994.31"
                ),
                row(
                    "1.一般公共预算",
                    "21,940.96",
                    "二、外交支出",
                    "",
                    "二、项目支出",
                    "5,573.00"
                ),
                row(
                    "2.政府性基金预算",
                    "",
                    "三、国防支出",
                    "",
                    "三、单位预留机动经费",
                    "2,388.04"
                ),
                row(
                    "二、财政专户管理资金",
                    "",
                    "四、公共安全支出",
                    "16,458.75",
                    "",
                    ""
                ),
                row("三、其他资金", "14.39", "五、教育支出", "", "", ""),
                row("", "", "六、科学技术支出", "", "", ""),
                row("", "", "七、文化体育与传媒支出", "", "", ""),
                row("", "", "八、社会保障和就业支出", "1,836.22", "", ""),
                row("", "", "九、医疗卫生与计划生育支出", "", "", ""),
                row("", "", "十、节能环保支出", "", "", ""),
            ]
        );
    }

    #[test]
    fn subtotal_opens_the_group_of_the_word_above() {
        // pdftotext -layout of a Yantai 项目支出预算情况表: header words one
        // space apart, wrapped over lines, 小计 under 财政拨款 after 合计.
        let text = r#"

                                                                    财政拨款
                                                                                       财政专户管                     使用非财政
                项目名称           项目类别    合计                      一般公共预 政府性基金 国有资本经        理资金         单位资金         拨款结余    上年结转
                                                   小计            算    预算    营预算
合   计                                 133,705.19   51,908.37    49,549.69   2,358.68    62,466.06    19,330.76

实施公车统管                        其他运转类        45.00       45.00        45.00

公办学生应配未配教职工工资经费（青华中学）         其他运转类     1,000.00    1,000.00     1,000.00

农校人员工资福利经费                    其他运转类     4,100.00    4,100.00     4,100.00

校地融合发展专项资金                    特定目标类     5,000.00    5,000.00     5,000.00

教育发展专项资金（市本级海员职专免学费）          特定目标类       225.25      225.25       225.25

教育发展专项资金（市本级海员职专助学金）          特定目标类        12.42       12.42        12.42

教育发展专项资金（市本级一般公共预算)           特定目标类       962.35      962.35       962.35

教育发展专项资金（市本级政府性基金)            特定目标类       120.00      120.00                  120.00

新建学校建设等资金                     特定目标类       250.00      250.00       250.00

支持中农大发展项目资金                   特定目标类     5,000.00    5,000.00     5,000.00

运转补助经费（非三保）                   其他运转类       180.00      180.00       180.00

生均公用经费（非三保）                   其他运转类       129.60      129.60       129.60

安保经费                          其他运转类        41.58       41.58        41.58

外聘人员经费                        其他运转类       658.85      658.85       658.85

学生资助补助资金-学前教育幼儿资助             特定目标类        11.52       11.52        11.52

学生资助补助资金（非三保）                 特定目标类         1.71        1.71         1.71

设备购置和维修改造资金                   特定目标类        82.00       82.00        82.00

生均公用经费及运转补助-城乡义务教育生均公用经费-初中   其他运转类       440.20      440.20       440.20
"#;
        let g = rebuild(text, "项目支出预算情况表");
        assert_eq!(
            g.columns,
            [
                "项目名称",
                "项目类别",
                "合计",
                "财政拨款/小计",
                "财政拨款/一般公共预算",
                "财政拨款/政府性基金预算",
                "财政拨款/国有资本经营预算",
                "财政专户管理资金",
                "单位资金",
                "使用非财政拨款结余",
                "上年结转"
            ]
        );
        assert_eq!(cells(&g.rows[0])[2], Some("133,705.19"));
        assert_eq!(cells(&g.rows[0])[3], Some("51,908.37"));
        assert_eq!(
            cells(&g.rows[2])[0],
            Some("公办学生应配未配教职工工资经费（青华中学）")
        );
    }

    #[test]
    fn amount_wrapped_in_its_cell_gets_its_digits_back() {
        // pdftotext -layout of a Hangzhou 支出预算总表: 576,171.11 too wide
        // for its cell, its last digit on the line below.
        let text = r#"
部门名称：杭州市交通运输局单位:万元
                                                           基本支出                                          对附属单
                                                                                            事业单位   上缴上
                  功能分类科目名称          总计                           日常公用支        项目支出                       位补助支
                                                     人员支出                                   经营支出   级支出
                                                                   出                                       出
                     **              1                 2           3             4           5      6     7
                                                                              576,171.1
合计                                  665,964.37       73,924.43   15868.83
                                                                                        1
一般公共服务支出                             6,701.98                                  6,701.98
 社会工作事务                                       1.98                                   1.98"#;
        let g = rebuild(text, "2026年市级部门支出预算总表");
        let total = g
            .rows
            .iter()
            .find(|r| r.cells.iter().any(|c| c.as_deref() == Some("合计")))
            .unwrap();
        assert!(cells(total).contains(&Some("576,171.11")));
        assert!(cells(total).contains(&Some("665,964.37")));
        assert!(g
            .rows
            .iter()
            .all(|r| r.cells.iter().all(|c| c.as_deref() != Some("1"))));
    }

    #[test]
    fn code_of_a_tall_row_with_its_label_above_and_below() {
        // pdftotext -layout of a Fuzhou 一般公共预算拨款支出预算表.
        let text = r#"
                                                    单位：万元

                                               其中：
科目编码           科目名称          小计
                                         基本支出       项目支出
               合计            351904.90    7841.26    344063.64
  208         社会保障和就业支出        1073.21    1073.21
 20805       行政事业单位养老支出        1073.21    1073.21
2080501         行政单位离退休         178.51     178.51
2080502         事业单位离退休          64.40      64.40
          机关事业单位基本养老保险缴费支
2080505                         553.54     553.54
                    出
2080506   机关事业单位职业年金缴费支出        276.76     276.76
  210            卫生健康支出      349680.44    5616.80    344063.64
 21012    财政对基本医疗保险基金的补助     333412.14               333412.14"#;
        let g = rebuild(text, "2026 年度一般公共预算拨款支出预算表");
        let row = g
            .rows
            .iter()
            .find(|r| r.cells[0].as_deref() == Some("2080505"))
            .unwrap();
        assert_eq!(
            cells(row)[..3],
            [
                Some("2080505"),
                Some("机关事业单位基本养老保险缴费支出"),
                Some("553.54")
            ]
        );
    }
}
