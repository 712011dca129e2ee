//! Row joining: tall cells, labels wrapped at their column's width,
//! amounts broken over lines, codes of tall rows.

use super::{Kind, Run};
use crate::parse::text;

/// A label that opens an item rather than continuing a wrapped one.
pub(super) fn opens_item(s: &str) -> bool {
    text::list_number(s).is_some()
        || s.starts_with(['（', '(', '[', '【'])
        || s.starts_with("其中")
        || s.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// One data line placed in columns.
pub(super) struct Placed {
    pub(super) line: u32,
    pub(super) cells: Vec<Option<String>>,
    pub(super) gap_before: bool,
    /// Per column, label lines joined from above and from below: a tall
    /// cell prints its amounts on its middle line, so a cell with as many
    /// lines below as above is whole.
    pub(super) above: Vec<u8>,
    pub(super) below: Vec<u8>,
}

impl Placed {
    pub(super) fn has_amount(&self, kinds: &[Kind]) -> bool {
        self.cells
            .iter()
            .zip(kinds)
            .any(|(c, k)| c.is_some() && *k == Kind::Amount)
    }
    pub(super) fn filled(&self) -> impl Iterator<Item = usize> + '_ {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| i)
    }
    /// Can `other`'s cells go into this line's empty cells?
    pub(super) fn fits(&self, other: &Placed) -> bool {
        other.filled().all(|i| self.cells[i].is_none())
    }
    pub(super) fn take(&mut self, other: Placed, above: bool) {
        let n = self.cells.len();
        self.above.resize(n, 0);
        self.below.resize(n, 0);
        for (i, c) in other.cells.into_iter().enumerate() {
            if let Some(c) = c {
                let count = if above {
                    &mut self.above
                } else {
                    &mut self.below
                };
                count[i] = count[i].saturating_add(1);
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
    /// Are the cells `fragment` fills whole here (tall cells with as many
    /// lines below their amounts as above)? A label line under them then
    /// opens the next row.
    fn is_whole_for(&self, fragment: &Placed) -> bool {
        let mut filled = fragment.filled().peekable();
        filled.peek().is_some()
            && filled.all(|i| {
                let a = self.above.get(i).copied().unwrap_or(0);
                a > 0 && self.below.get(i).copied().unwrap_or(0) >= a
            })
    }
}

/// Joins the lines of one printed row: labels of tall cells printed a line
/// above or below their amounts, amounts printed apart from their labels,
/// and labels wrapped at their column's width.
pub(super) fn join_rows(lines: Vec<Placed>, kinds: &[Kind]) -> Vec<Placed> {
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
            let prev_whole = out.last().is_some_and(|p| p.is_whole_for(&l));
            let next_takes = it.peek().is_some_and(|n| {
                !n.gap_before
                    && n.has_amount(kinds)
                    && ((n.fits(&l) && label_missing(n, &l, kinds))
                        || (prev_whole && heads_label(&l, n, kinds)))
            });
            if let Some(prev) = out.last_mut().filter(|_| !next_takes) {
                // A wrapped label: continues a cell that filled its column.
                let continues = !l.gap_before
                    && !prev.is_whole_for(&l)
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
                            above: Vec::new(),
                            below: Vec::new(),
                        },
                    );
                    let line = next.line;
                    next.take(amounts, false);
                    next.line = line;
                    continue;
                }
            }
        }
        while let Some(next) = it.next_if(|n| continues_after_code(&l, n, kinds)) {
            l.take(next, false);
        }
        out.push(l);
    }
    if let Some(p) = pending.take() {
        out.push(p);
    }
    out
}

/// Does `next` hold the label and amounts of the code that ends `row`? A
/// two-sided table's right side prints a code on the left side's line and
/// its label and amount on the line below ("225.12   30207" then "邮电费
/// 8.05"): `row` ends in a code with nothing right of it, and `next` fills
/// only cells right of that code, opening with a label.
fn continues_after_code(row: &Placed, next: &Placed, kinds: &[Kind]) -> bool {
    let Some(last) = row.filled().last() else {
        return false;
    };
    let ends_in_code = kinds[last] == Kind::Text
        && row.cells[last]
            .as_deref()
            .is_some_and(|c| text::is_code(c) && c.bytes().all(|b| b.is_ascii_digit()));
    let first = next.filled().next();
    ends_in_code
        && !next.gap_before
        && first.is_some_and(|f| f > last && kinds[f] == Kind::Text)
        && next.has_amount(kinds)
        && next.filled().all(|i| {
            next.cells[i]
                .as_deref()
                .is_some_and(|c| !(kinds[i] == Kind::Text && text::is_code(c)))
        })
}

/// A subject code alone before the amounts of a tall row, its label
/// wrapped onto the lines above and below ("2080505   553.54   553.54"),
/// is the code, not an amount: it stands where the codes and labels of
/// the other rows start.
pub(super) fn codes_of_tall_rows(data: &mut [(u32, Vec<Run>, bool)]) {
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
pub(super) fn decimal_places(t: &str) -> Option<usize> {
    t.rfind('.').map(|p| t.len() - p - 1)
}

/// An amount too wide for its cell wraps its last digits onto a line
/// below, under its end ("576,171.1" … "1"): the digits are put back.
pub(super) fn join_wrapped_digits(data: &mut Vec<(u32, Vec<Run>, bool)>, block: &mut Vec<usize>) {
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

/// Is `fragment` the first line of `next`'s labels (a tall cell of three
/// lines or more)? Its cells are text, over label cells `next` fills.
fn heads_label(fragment: &Placed, next: &Placed, kinds: &[Kind]) -> bool {
    let mut filled = fragment.filled().peekable();
    filled.peek().is_some() && filled.all(|i| kinds[i] == Kind::Text && next.cells[i].is_some())
}

/// Does `row` lack the labels that `other` holds, for amounts that `row`
/// or `other` has? True when some text column filled in `other` is empty
/// in `row` and `row`'s amounts to its right have no label of their own.
pub(super) fn label_missing(row: &Placed, other: &Placed, kinds: &[Kind]) -> bool {
    other
        .filled()
        .any(|i| kinds[i] == Kind::Text && row.cells[i].is_none())
        && other.filled().all(|i| row.cells[i].is_none())
}
