//! Forms: tables printed as a ruled grid of labels and values
//! (财政项目支出绩效目标填报表), rebuilt by a template (`config/forms.toml`)
//! into the grid as printed.
//!
//! No column reader can do this: the form has no header, its columns are
//! not those of its text (a label and the value after it are words on a
//! line, whichever style), and its merged cells are printed in pieces
//! around their middle. What the text does keep, in every style, is the
//! order of labels and the vocabulary, so a form is read in three parts:
//! - [`fields`]: label / value pairs, placed by the template's rows;
//! - [`goals`]: the two goal texts under their headings;
//! - [`indicators`]: the indicator rows, whose first- and second-level
//!   cells are tall and printed at the middle (or the top) of their span.

mod fields;
mod goals;
mod indicators;
mod template;

use super::text::{clean_cell, is_space};
use super::{Grid, Line};
use crate::model::Row;
use template::{Form, Keyed, Placed, TEMPLATES};

/// How a style keeps the words of a line apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    /// By character position (`pdftotext -layout`).
    Layout,
    /// By cell (the tab-separated rewrite of markdown pipe tables).
    Tabbed,
    /// By one space, in reading order (pdfplumber, pypdf).
    Flat,
}

/// A word of a line and where it starts: the character column (layout,
/// where pdftotext counts every character one column wide), the cell index
/// (tabbed) or the word index (flat).
#[derive(Debug, Clone, Copy)]
pub(super) struct Word<'a> {
    pub text: &'a str,
    pub at: usize,
    /// Characters in the text.
    pub width: usize,
}

fn display_width(s: &str) -> usize {
    s.chars().count()
}

/// The words of a line. `gap` is how many spaces part two words in layout
/// text (1 for prose, where one space can part two columns; 2 for cells
/// that hold spaced text).
pub(super) fn words(text: &str, style: Style, gap: usize) -> Vec<Word<'_>> {
    match style {
        Style::Tabbed => text
            .split('\t')
            .enumerate()
            .map(|(i, t)| {
                let t = t.trim_matches(is_space);
                Word {
                    text: t,
                    at: i,
                    width: display_width(t),
                }
            })
            .collect(),
        Style::Flat => {
            let mut out: Vec<Word> = Vec::new();
            let mut at = 0;
            for t in text.split(is_space).filter(|w| !w.is_empty()) {
                // pypdf and pdftotext put a space before full-width
                // punctuation inside one cell's text.
                if let Some(prev) = out.last_mut().filter(|_| joins_previous(t)) {
                    let start = prev.text.as_ptr() as usize - text.as_ptr() as usize;
                    let end = t.as_ptr() as usize - text.as_ptr() as usize + t.len();
                    prev.text = &text[start..end];
                    prev.width = display_width(prev.text);
                    continue;
                }
                out.push(Word {
                    text: t,
                    at,
                    width: display_width(t),
                });
                at += 1;
            }
            out
        }
        Style::Layout => {
            let mut out = Vec::new();
            let mut start: Option<(usize, usize)> = None; // byte, column
            let mut spaces = 0usize;
            let mut last_end = 0usize;
            for (col, (i, c)) in text.char_indices().enumerate() {
                if is_space(c) {
                    spaces += 1;
                } else {
                    if let Some((b, at)) = start {
                        if spaces >= gap {
                            let t = &text[b..last_end];
                            out.push(Word {
                                text: t,
                                at,
                                width: display_width(t),
                            });
                            start = Some((i, col));
                        }
                    } else {
                        start = Some((i, col));
                    }
                    spaces = 0;
                    last_end = i + c.len_utf8();
                }
            }
            if let Some((b, at)) = start {
                let t = &text[b..last_end];
                out.push(Word {
                    text: t,
                    at,
                    width: display_width(t),
                });
            }
            out
        }
    }
}

/// Does a word begin with punctuation that closes the word before it?
fn joins_previous(w: &str) -> bool {
    w.starts_with(['，', '。', '、', '；', '：', '）', '”', '！', '？'])
}

/// A row of the form's grid under construction.
pub(super) fn row(width: usize, line: u32, cells: &[(usize, String)]) -> Row {
    let mut r = Row {
        cells: vec![None; width],
        line,
    };
    for (c, t) in cells {
        let t = clean_cell(t);
        if !t.is_empty() {
            r.cells[*c] = Some(t);
        }
    }
    r
}

/// The cell where `label` starts in a tab-separated line: a label may be
/// cut across cells (年度总体目|标).
pub(super) fn start_cell(line: &str, label: &str) -> Option<usize> {
    let cells: Vec<&str> = line.split('\t').collect();
    let lk = template::key(label);
    (0..cells.len()).find(|&i| {
        let rest: Vec<char> = cells[i..].iter().flat_map(|c| template::key(c)).collect();
        rest.starts_with(&lk) && !template::key(cells[i]).is_empty()
    })
}

fn has_label(line: &Line, p: &Placed) -> bool {
    Keyed::new(line.text).contains(p.text())
}

/// Rebuilds a form, or `None` when the table is none of the templates'.
pub fn rebuild(lines: &[Line], title: &str, style: Style) -> Option<Grid> {
    let lines: Vec<Line> = lines
        .iter()
        .filter(|l| !l.is_blank() && !l.is_furniture())
        .copied()
        .collect();
    TEMPLATES
        .forms
        .iter()
        .filter(|f| f.title_contains.iter().any(|t| title.contains(t.as_str())))
        .find_map(|f| rebuild_form(f, &lines, style))
}

fn rebuild_form(form: &Form, lines: &[Line], style: Style) -> Option<Grid> {
    let header_at = lines.iter().position(|l| {
        form.indicator_header.len() >= 2
            && has_label(l, &form.indicator_header[0])
            && has_label(l, &form.indicator_header[1])
    });
    let heading_at = lines[..header_at.unwrap_or(lines.len())]
        .iter()
        .position(|l| form.goal_headings.iter().any(|h| has_label(l, h)));
    let fields_end = heading_at.or(header_at).unwrap_or(lines.len());
    let found = fields::read(form, &lines[..fields_end]);
    if found.slots < form.min_labels {
        return None;
    }
    let mut grid = Grid {
        columns: vec![String::new(); form.width],
        rows: found.rows,
        warnings: Vec::new(),
    };
    if let Some(h) = heading_at {
        let end = header_at.unwrap_or(lines.len());
        goals::read(form, lines, h, end, style, &found.tall_seen, &mut grid);
    }
    if let Some(x) = header_at {
        indicators::read(form, &TEMPLATES.indicators, lines, x, style, &mut grid);
    }
    Some(grid)
}

#[cfg(test)]
mod tests;
