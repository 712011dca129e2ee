//! The goal part of a form: two headings side by side and a long text under
//! each. The texts wrap over many lines, and how the two columns come out
//! depends on the style: layout text puts both on one line (parted by as
//! little as one space), pdfplumber interleaves their lines, pypdf prints
//! one after the other, markdown cuts them across cells.
//!
//! Most forms print the same text twice (the project's goal is its goal for
//! the year), so the first question is whether the words split into two
//! equal texts, keeping each column's order; that needs no geometry. Only
//! when they do not are the columns told apart by position or line width.

use super::template::{key, Form, Keyed};
use super::{row, words, Grid, Line, Style, Word};

pub fn read(
    form: &Form,
    lines: &[Line],
    heading: usize,
    end: usize,
    style: Style,
    tall_seen: &[String],
    grid: &mut Grid,
) {
    let label = &form.goal_label;
    let mut tall = Tall::new(label.text());
    let gap = 1;
    let mut text_lines: Vec<(u32, Vec<Word>)> = Vec::new();
    for l in &lines[heading + 1..end] {
        let mut ws = words(l.text, style, gap);
        if let Some(first) = ws.iter().position(|w| !w.text.is_empty()) {
            if tall.take(ws[first].text) {
                if style == Style::Tabbed {
                    ws[first].text = "";
                } else {
                    ws.remove(first);
                }
            }
        }
        if ws.iter().any(|w| !w.text.is_empty()) {
            text_lines.push((l.no, ws));
        }
    }
    let hl = &lines[heading];
    let hk = Keyed::new(hl.text);
    let mut cells = Vec::new();
    if tall.done() || tall_seen.iter().any(|t| t == label.text()) {
        cells.push((label.col, label.text().to_string()));
    }
    for h in &form.goal_headings {
        if hk.contains(h.text()) {
            cells.push((h.col, h.text().to_string()));
        }
    }
    grid.rows.push(row(form.width, hl.no, &cells));
    if text_lines.is_empty() || form.goal_headings.len() != 2 {
        return;
    }
    let (left_col, right_col) = (form.goal_headings[0].col, form.goal_headings[1].col);
    let split = match style {
        Style::Tabbed => Some(by_cells(form, hl, &text_lines)),
        _ => equal_halves(&text_lines),
    };
    let (left, right) = split.unwrap_or_else(|| {
        grid.warnings.push(format!(
            "line {}: the two goal texts differ; told apart by {}",
            text_lines[0].0,
            if style == Style::Layout {
                "position"
            } else {
                "line width"
            }
        ));
        if style == Style::Layout {
            by_position(&text_lines)
        } else {
            by_width(&text_lines)
        }
    });
    grid.rows.push(row(
        form.width,
        text_lines[0].0,
        &[(left_col, left), (right_col, right)],
    ));
}

/// A tall label printed in pieces (项目 / 绩效 / 目标) at the start of lines.
struct Tall {
    key: Vec<char>,
    matched: usize,
}

impl Tall {
    fn new(label: &str) -> Tall {
        Tall {
            key: key(label),
            matched: 0,
        }
    }
    fn done(&self) -> bool {
        !self.key.is_empty() && self.matched == self.key.len()
    }
    /// Is `word` the next piece? Then it is taken.
    fn take(&mut self, word: &str) -> bool {
        let k = key(word);
        let rest = &self.key[self.matched..];
        if k.len() >= 2.min(rest.len()) && !k.is_empty() && rest.starts_with(&k) {
            self.matched += k.len();
            return true;
        }
        false
    }
}

fn joined<'a>(ws: impl Iterator<Item = &'a str>) -> String {
    ws.collect::<Vec<_>>().join(" ")
}

/// Splits the lines into two columns of the same text, if they can be:
/// each line is some text of the left column followed by some of the
/// right (either may be empty; pdfplumber may print the two with no space
/// between). A search over (line, which column is ahead, by what text),
/// trying every cut of each line that keeps the columns consistent.
fn equal_halves(lines: &[(u32, Vec<Word>)]) -> Option<(String, String)> {
    // Cuts between words first: cutting anywhere lets a text that repeats
    // itself match in many ways, and the search would outgrow its bound.
    cut_equal(lines, false).or_else(|| cut_equal(lines, true))
}

fn cut_equal(lines: &[(u32, Vec<Word>)], anywhere: bool) -> Option<(String, String)> {
    let texts: Vec<String> = lines
        .iter()
        .map(|(_, ws)| joined(ws.iter().map(|w| w.text)))
        .collect();
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct State {
        left_ahead: bool,
        surplus: Vec<char>,
    }
    const MAX_STATES: usize = 256;
    // Per line: (state, the state it came from, the byte cut of the line).
    let mut layers: Vec<Vec<(State, usize, usize)>> = vec![vec![(
        State {
            left_ahead: true,
            surplus: Vec::new(),
        },
        0,
        0,
    )]];
    for text in &texts {
        let cuts: Vec<usize> = text
            .char_indices()
            .filter(|&(i, c)| anywhere || i == 0 || c == ' ')
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let mut next: Vec<(State, usize, usize)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (si, (s, _, _)) in layers.last()?.iter().enumerate() {
            for &cut in &cuts {
                let (a, b) = (key(&text[..cut]), key(&text[cut..]));
                // left = common + L, right = common + R: one of L, R is
                // empty and the other is the surplus.
                let (mut l, mut r) = if s.left_ahead {
                    (s.surplus.clone(), Vec::new())
                } else {
                    (Vec::new(), s.surplus.clone())
                };
                l.extend_from_slice(&a);
                r.extend_from_slice(&b);
                let n = if l.starts_with(&r) {
                    State {
                        left_ahead: true,
                        surplus: l[r.len()..].to_vec(),
                    }
                } else if r.starts_with(&l) {
                    State {
                        left_ahead: false,
                        surplus: r[l.len()..].to_vec(),
                    }
                } else {
                    continue;
                };
                if seen.insert(n.clone()) {
                    next.push((n, si, cut));
                }
            }
        }
        if next.is_empty() || next.len() > MAX_STATES {
            return None;
        }
        layers.push(next);
    }
    let mut at = layers
        .last()?
        .iter()
        .position(|(s, _, _)| s.surplus.is_empty())?;
    let mut cuts = vec![0; texts.len()];
    for i in (1..layers.len()).rev() {
        let (_, parent, cut) = layers[i][at];
        cuts[i - 1] = cut;
        at = parent;
    }
    let left = joined(texts.iter().zip(&cuts).map(|(t, &c)| &t[..c]));
    let right = joined(texts.iter().zip(&cuts).map(|(t, &c)| &t[c..]));
    (!key(&left).is_empty()).then_some((left, right))
}

/// Markdown: the cells left of the middle between the two headings' cells
/// are the left text. A cell holds several printed lines (its `<br>`s
/// became spaces), and a printed line runs across the cells of its column,
/// so the text is read line by line across the column's cells.
fn by_cells(form: &Form, heading: &Line, lines: &[(u32, Vec<Word>)]) -> (String, String) {
    let (a, b) = (
        super::start_cell(heading.text, form.goal_headings[0].text()).unwrap_or(1),
        super::start_cell(heading.text, form.goal_headings[1].text()).unwrap_or(usize::MAX / 2),
    );
    let mid = (a + b) as f64 / 2.0;
    let mut left = String::new();
    let mut right = String::new();
    for (_, ws) in lines {
        for (side, out) in [(true, &mut left), (false, &mut right)] {
            let column: Vec<Vec<&str>> = ws
                .iter()
                .filter(|w| ((w.at as f64) < mid) == side)
                .map(|w| {
                    w.text
                        .split(super::is_space)
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .collect();
            let depth = column.iter().map(Vec::len).max().unwrap_or(0);
            for k in 0..depth {
                for c in &column {
                    if let Some(p) = c.get(k) {
                        out.push_str(p);
                    }
                }
            }
        }
    }
    (left, right)
}

/// Layout: the right column starts at the same position on most lines
/// (its text is justified), which no space inside the left text shares.
fn by_position(lines: &[(u32, Vec<Word>)]) -> (String, String) {
    let mut starts: Vec<usize> = Vec::new();
    for (_, ws) in lines {
        for pair in ws.windows(2) {
            let gap = pair[1].at - (pair[0].at + pair[0].width);
            let punct = pair[1]
                .text
                .starts_with(['，', '。', '、', '；', '：', ',', '.', '）']);
            if gap >= 2 || !punct {
                starts.push(pair[1].at);
            }
        }
    }
    let near = |c: usize, s: usize| c.abs_diff(s) <= 1;
    let boundary = starts
        .iter()
        .map(|&c| {
            let lines_with = lines
                .iter()
                .filter(|(_, ws)| ws.iter().skip(1).any(|w| near(c, w.at)))
                .count();
            (lines_with, c)
        })
        .max()
        .map(|(_, c)| c);
    let Some(boundary) = boundary else {
        let all = joined(lines.iter().flat_map(|(_, ws)| ws.iter().map(|w| w.text)));
        return (all, String::new());
    };
    let side = |w: &Word| w.at + 1 < boundary;
    let pick = |left: bool| {
        joined(
            lines
                .iter()
                .flat_map(|(_, ws)| ws.iter().filter(move |w| side(w) == left).map(|w| w.text)),
        )
    };
    (pick(true), pick(false))
}

/// Flattened text: a line of two words holds one of each column; a line
/// of one goes with the column whose lines are as wide. With no line of
/// two (pypdf prints one text after the other), the cut is the sentence end
/// nearest the middle.
fn by_width(lines: &[(u32, Vec<Word>)]) -> (String, String) {
    let pairs: Vec<&Vec<Word>> = lines
        .iter()
        .map(|(_, ws)| ws)
        .filter(|ws| ws.len() >= 2)
        .collect();
    let mut left = Vec::new();
    let mut right = Vec::new();
    if pairs.is_empty() {
        let ws: Vec<&str> = lines
            .iter()
            .flat_map(|(_, ws)| ws.iter().map(|w| w.text))
            .collect();
        let total: usize = ws.iter().map(|w| w.chars().count()).sum();
        let mut run = 0;
        let mut best = (usize::MAX, ws.len());
        for (i, w) in ws.iter().enumerate().take(ws.len().saturating_sub(1)) {
            run += w.chars().count();
            if w.ends_with('。') || w.ends_with('.') {
                let d = (2 * run).abs_diff(total);
                if d < best.0 {
                    best = (d, i + 1);
                }
            }
        }
        return (
            joined(ws[..best.1].iter().copied()),
            joined(ws[best.1..].iter().copied()),
        );
    }
    let wl = pairs.iter().map(|ws| ws[0].width).max().unwrap_or(0);
    let wr = pairs
        .iter()
        .map(|ws| ws[1..].iter().map(|w| w.width).sum::<usize>())
        .max()
        .unwrap_or(0);
    for (_, ws) in lines {
        if ws.len() >= 2 {
            left.push(ws[0].text);
            right.extend(ws[1..].iter().map(|w| w.text));
        } else if let Some(w) = ws.first() {
            if w.width.abs_diff(wl) <= w.width.abs_diff(wr) {
                left.push(w.text);
            } else {
                right.push(w.text);
            }
        }
    }
    (joined(left.into_iter()), joined(right.into_iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&'static str]) -> Vec<(u32, Vec<Word<'static>>)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u32 + 1, words(t, Style::Flat, 1)))
            .collect()
    }

    #[test]
    fn equal_texts_split_even_with_no_space_between_columns() {
        // pdfplumber: the right column's line follows the left one's with
        // no space, and the lines of the two columns interleave.
        let ls = lines(&[
            "整治乱设摊，整治夜排档，整治乱设摊，整治",
            "开展防汛工作。夜排档，开展防汛",
            "工作。",
        ]);
        let (l, r) = equal_halves(&ls).unwrap();
        assert_eq!(key(&l), key("整治乱设摊，整治夜排档，开展防汛工作。"));
        assert_eq!(key(&l), key(&r));
    }

    #[test]
    fn different_texts_do_not_split_equal() {
        let ls = lines(&["完成修缮。 完成防水。"]);
        assert!(equal_halves(&ls).is_none());
        let (l, r) = by_width(&ls);
        assert_eq!((l.as_str(), r.as_str()), ("完成修缮。", "完成防水。"));
    }

    #[test]
    fn pypdf_prints_one_text_after_the_other() {
        let ls = lines(&["甲项目建设，", "按期完工。", "乙项目验收合格。"]);
        let (l, r) = by_width(&ls);
        assert_eq!(
            (key(&l), key(&r)),
            (key("甲项目建设，按期完工。"), key("乙项目验收合格。"))
        );
    }
}
