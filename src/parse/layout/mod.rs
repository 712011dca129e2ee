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

mod align;
mod body;
mod columns;
mod empty;
mod header_cells;
mod page_fit;
mod pairs;
mod rows;
mod runs;
mod spans;
mod subtotals;

use super::text::{self, clean_cell, is_space};
use super::{Grid, Line};
use crate::model::Row;
use align::{align, Pairs};
use body::DataLine;
use columns::{find_columns, Column};
use header_cells::{header_cells, leaves, HeaderCell};
use rows::{codes_of_tall_rows, join_rows, join_wrapped_digits, Placed};
use runs::is_data_line;
use spans::{column_paths, merge_wrapped, spans};
use subtotals::open_groups_at_subtotals;

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
    multi >= 2 && wide * 2 >= multi && amounts_apart(lines)
}

/// Do the amounts stand in columns of their own? In layout text an
/// amount is parted from its neighbours by its column's gap; flattened
/// text that happens to hold double spaces ("30101   基本工资 537.64
/// 30201   办公费 84.62") parts them by one space.
fn amounts_apart(lines: &[Line]) -> bool {
    let (mut wide, mut single) = (0usize, 0usize);
    for l in lines {
        let chars: Vec<char> = l.text.trim_matches(is_space).chars().collect();
        let mut words: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if is_space(chars[i]) {
                i += 1;
                continue;
            }
            let s = i;
            while i < chars.len() && !is_space(chars[i]) {
                i += 1;
            }
            words.push((s, i));
        }
        for (k, w) in words.iter().enumerate() {
            let t: String = chars[w.0..w.1].iter().collect();
            if !(text::is_amount(&t) && t.contains('.')) {
                continue;
            }
            let before = k.checked_sub(1).map(|j| w.0 - words[j].1);
            let after = words.get(k + 1).map(|n| n.0 - w.1);
            for g in before.into_iter().chain(after) {
                if g >= 2 {
                    wide += 1;
                } else {
                    single += 1;
                }
            }
        }
    }
    // Tightly set layout tables part some amounts by one space; a quarter
    // of wide gaps is still far from flattened text's none.
    wide * 3 >= single
}

/// Rebuilds the grid of a table printed in layout text from its body lines
/// (notes already removed).
pub fn rebuild(lines: &[Line], title: &str) -> Option<Grid> {
    let mut content = body::content_lines(lines, title);
    body::drop_trailing_page_numbers(&mut content);
    let Some(first_data) = content.iter().position(|c| is_data_line(&c.1)) else {
        empty::split_total_beside_header(&mut content);
        let first = empty::first_empty_row(&content)?;
        let (header_lines, _) = body::header_of(&content[..first]);
        return empty::rebuild_empty(&header_lines, &content[first..]);
    };
    let first_data = body::tall_label_above(&content, first_data);
    let (header_lines, header_keys) = body::header_of(&content[..first_data]);
    let (mut data, mut block) = body::data_lines(content, first_data, &header_keys);
    body::drop_text_after_amounts_only(&mut data, &mut block);
    join_wrapped_digits(&mut data, &mut block);
    codes_of_tall_rows(&mut data);
    let mut runs: Vec<Vec<Run>> = data.iter().map(|d| d.1.clone()).collect();
    let (mut cols, mut at) = find_columns(&runs, &block);
    let codes = columns::code_runs_read_as_amounts(&cols, &at, &runs);
    if !codes.is_empty() {
        for (li, ri) in codes {
            data[li].1[ri].kind = Kind::Text;
        }
        runs = data.iter().map(|d| d.1.clone()).collect();
        (cols, at) = find_columns(&runs, &block);
    }
    let mut hcells = header_cells(&header_lines);
    let leaf_ids = leaves(&hcells);
    let mut pairs = align(&hcells, &leaf_ids, &cols);
    pairs::fold_unnamed_text_columns(&mut pairs, &mut cols, &mut at);
    pairs::join_stacked_names(&mut hcells, &mut pairs);
    pairs::drop_spanning_words(&hcells, &leaf_ids, &mut pairs);
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let kinds = column_kinds(&pairs, &cols);
    let leaf_of_col: Vec<Option<usize>> = pairs.iter().map(|p| p.0).collect();
    let span = spans(
        &hcells,
        &kinds,
        &leaf_of_col,
        &column_centres(&pairs, &cols, &hcells),
    );
    debug(&cols, &hcells, &span, &pairs);
    let (hcells, mut span) = merge_wrapped(hcells, span, &leaf_of_col);
    let placed = place(data, &at, &column_index(&pairs, cols.len()), n);
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

/// Per data column, the final column it is placed in.
fn column_index(pairs: &Pairs, n_cols: usize) -> Vec<Option<usize>> {
    let mut v = vec![None; n_cols];
    for (i, (_, c)) in pairs.iter().enumerate() {
        if let Some(c) = c {
            v[*c] = Some(i);
        }
    }
    v
}

/// The kind of each final column.
fn column_kinds(pairs: &Pairs, cols: &[Column]) -> Vec<Kind> {
    pairs
        .iter()
        .map(|(_, c)| match c {
            Some(c) => cols[*c].kind,
            // A column no row fills: its cells are empty either way.
            None => Kind::Amount,
        })
        .collect()
}

/// Where each final column stands (doubled centre): its data, or the
/// header word naming it when no row fills it.
fn column_centres(pairs: &Pairs, cols: &[Column], hcells: &[HeaderCell]) -> Vec<usize> {
    pairs
        .iter()
        .map(|(l, c)| match (l, c) {
            (_, Some(c)) => cols[*c].centre2(),
            (Some(l), None) => hcells[*l].centre2(),
            _ => 0,
        })
        .collect()
}

/// With LAYOUT_DEBUG set, prints the columns, the header cells with their
/// spans and the pairing.
fn debug(cols: &[Column], hcells: &[HeaderCell], span: &[Option<(usize, usize)>], pairs: &Pairs) {
    if std::env::var_os("LAYOUT_DEBUG").is_none() {
        return;
    }
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

/// Puts each data line's runs in their final columns (runs of one column
/// on one line are joined).
fn place(
    data: Vec<DataLine>,
    at: &[Vec<usize>],
    col_index: &[Option<usize>],
    n: usize,
) -> Vec<Placed> {
    data.into_iter()
        .zip(at)
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
                above: Vec::new(),
                below: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
