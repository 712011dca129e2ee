//! The indicator part of a form: a header (一级指标 二级指标 三级指标
//! 指标值) and a row per third-level indicator. The first- and second-level
//! cells are tall: the text prints each once, at the middle of the rows it
//! spans (layout, pdfplumber, markdown) or at their top (pypdf), sometimes
//! cut in two (服务对象满意 … 度指标). The gold grid, like the PDF's merged
//! cell, has the word in the span's first row. So the words are taken off
//! the lines by vocabulary (`[[indicator]]` in `config/forms.toml`), the
//! remaining text makes the rows, and each word is put back at the start of
//! the span it was printed in the middle of.

use super::template::{key, Form, Indicator, Keyed};
use super::{row, start_cell, words, Grid, Line, Style, Word};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Label,
    First,
    Second,
}

/// A tall word, with the zone lines its pieces were printed on.
#[derive(Debug)]
struct TallWord {
    text: String,
    level: Level,
    lines: Vec<usize>,
}

/// What a line holds once its tall words are off.
#[derive(Debug)]
enum Item {
    Both(String, String),
    Name(String),
    Value(String),
    /// Flattened text: one word, name or value.
    Either(String),
}

struct Vocabulary<'a> {
    /// Every tall word, longest first.
    words: Vec<(Vec<char>, &'a str, Level)>,
    indicators: &'a [Indicator],
}

impl<'a> Vocabulary<'a> {
    fn new(form: &'a Form, indicators: &'a [Indicator]) -> Self {
        let mut words = vec![(
            key(form.indicator_label.text()),
            form.indicator_label.text(),
            Level::Label,
        )];
        for i in indicators {
            words.push((key(&i.name), i.name.as_str(), Level::First));
            for c in &i.children {
                words.push((key(c), c.as_str(), Level::Second));
            }
        }
        words.sort_by_key(|w| std::cmp::Reverse(w.0.len()));
        Vocabulary { words, indicators }
    }
    fn is_second(&self, w: &str) -> bool {
        self.indicators
            .iter()
            .any(|i| i.children.iter().any(|c| c == w))
    }
    fn is_first(&self, w: &str) -> bool {
        self.indicators.iter().any(|i| i.name == w)
    }
    fn parent_of(&self, first: &str, second: &str) -> bool {
        self.indicators
            .iter()
            .any(|i| i.name == first && i.children.iter().any(|c| c == second))
    }
}

/// Takes tall words off the start of a line's text, leaving the byte
/// offset where the rest begins. A piece (服务对象满意) waits in `pending`
/// for the rest of its word on a later line.
fn strip<'v>(
    text: &str,
    zone_line: usize,
    vocab: &Vocabulary<'v>,
    pending: &mut Option<(Vec<char>, Vec<usize>)>,
    found: &mut Vec<TallWord>,
) -> usize {
    let k = Keyed::new(text);
    let mut off = 0;
    let whole_word_end = |at: usize| at == k.chars.len() || k.spans[at].0 > k.spans[at - 1].1;
    loop {
        let rest = &k.chars[off..];
        if rest.is_empty() {
            return text.len();
        }
        if let Some((p, ls)) = pending.as_ref() {
            let hit = vocab.words.iter().find(|(w, _, _)| {
                w.len() > p.len() && w.starts_with(p) && rest.starts_with(&w[p.len()..]) && {
                    whole_word_end(off + w.len() - p.len())
                }
            });
            if let Some((w, name, level)) = hit {
                let mut lines = ls.clone();
                lines.push(zone_line);
                off += w.len() - p.len();
                found.push(TallWord {
                    text: name.to_string(),
                    level: *level,
                    lines,
                });
                *pending = None;
                continue;
            }
        }
        if let Some((w, name, level)) = vocab.words.iter().find(|(w, _, _)| rest.starts_with(w)) {
            off += w.len();
            found.push(TallWord {
                text: name.to_string(),
                level: *level,
                lines: vec![zone_line],
            });
            continue;
        }
        // A piece: the word up to its end is the start of a tall word.
        let end = (off + 1..=k.chars.len())
            .find(|&e| whole_word_end(e))
            .unwrap_or(k.chars.len());
        let piece = &k.chars[off..end];
        let is_piece = piece.len() >= 2
            && vocab
                .words
                .iter()
                .any(|(w, _, _)| w.len() > piece.len() && w.starts_with(piece));
        if is_piece {
            *pending = Some((piece.to_vec(), vec![zone_line]));
            off = end;
            continue;
        }
        return k.spans[off].0;
    }
}

pub fn read(
    form: &Form,
    indicators: &[Indicator],
    lines: &[Line],
    header: usize,
    style: Style,
    grid: &mut Grid,
) {
    let hl = &lines[header];
    let hk = Keyed::new(hl.text);
    let cells: Vec<(usize, String)> = form
        .indicator_header
        .iter()
        .filter(|h| hk.contains(h.text()))
        .map(|h| (h.col, h.text().to_string()))
        .collect();
    grid.rows.push(row(form.width, hl.no, &cells));
    let [_, _, name_h, value_h] = &form.indicator_header[..] else {
        return;
    };
    let column_of = |label: &str| -> f64 {
        let lk = key(label);
        match style {
            Style::Tabbed => start_cell(hl.text, label).map_or(f64::MAX, |c| c as f64),
            _ => hk.find_all(&lk).first().map_or(f64::MAX, |&at| {
                let byte = hk.spans[at].0;
                hl.text[..byte].chars().count() as f64 + lk.len() as f64 / 2.0
            }),
        }
    };
    let (name_at, value_at) = (column_of(name_h.text()), column_of(value_h.text()));
    let vocab = Vocabulary::new(form, indicators);
    let mut pending = None;
    let mut tall: Vec<TallWord> = Vec::new();
    let mut items: Vec<(usize, u32, Item)> = Vec::new();
    let mut in_quote = false;
    for (z, l) in lines[header + 1..].iter().enumerate() {
        if hk.chars == Keyed::new(l.text).chars {
            continue; // the header again, after a page break
        }
        let item = match style {
            Style::Tabbed => {
                let cells: Vec<&str> = l.text.split('\t').collect();
                let v_from = (value_at as usize).min(cells.len());
                let label = cells[..v_from].concat();
                let from = strip(&label, z, &vocab, &mut pending, &mut tall);
                let name = super::clean_cell(&label[from..]);
                let value = super::clean_cell(&cells[v_from..].concat());
                match (name.is_empty(), value.is_empty()) {
                    (false, false) => Some(Item::Both(name, value)),
                    (false, true) => Some(Item::Name(name)),
                    (true, false) => Some(Item::Value(value)),
                    (true, true) => None,
                }
            }
            _ => {
                let from = strip(l.text, z, &vocab, &mut pending, &mut tall);
                let gap = if style == Style::Layout { 2 } else { 1 };
                let mut rest = &l.text[from..];
                // Flattened text cannot tell a quoted name's words from
                // a value by position: a quote open at the line's end
                // holds the line, and its closing quote ends the name.
                let mut quoted = None;
                if style == Style::Flat {
                    if in_quote {
                        match closing_quote(rest) {
                            Some(end) => {
                                quoted = Some(&rest[..end]);
                                rest = &rest[end..];
                                in_quote = false;
                            }
                            None => {
                                // A lone word inside the quote may be the
                                // value printed at the name's middle line.
                                let item =
                                    if rest.trim_matches(super::is_space).contains(super::is_space)
                                    {
                                        Item::Name(rest.to_string())
                                    } else {
                                        Item::Either(rest.trim_matches(super::is_space).to_string())
                                    };
                                items.push((z, l.no, item));
                                continue;
                            }
                        }
                    } else if opens_quote(rest) {
                        in_quote = true;
                        items.push((z, l.no, Item::Name(rest.to_string())));
                        continue;
                    }
                }
                let lead = l.text.len() - rest.len();
                let lead = l.text[..lead].chars().count();
                let ws: Vec<Word> = words(rest, style, gap)
                    .into_iter()
                    .map(|mut w| {
                        w.at += lead;
                        w
                    })
                    .collect();
                if style == Style::Flat && ws.len() >= 3 {
                    grid.warnings.push(format!(
                        "line {}: {} words after the indicator names; the last taken as the value",
                        l.no,
                        ws.len()
                    ));
                }
                match (quoted, split_line(&ws, style, name_at, value_at)) {
                    (Some(q), Some(Item::Both(n, v))) => Some(Item::Both(format!("{q} {n}"), v)),
                    (Some(q), Some(Item::Either(v) | Item::Value(v))) => {
                        Some(Item::Both(q.to_string(), v))
                    }
                    (Some(q), Some(Item::Name(n))) => Some(Item::Name(format!("{q} {n}"))),
                    (Some(q), None) => Some(Item::Name(q.to_string())),
                    (None, item) => item,
                }
            }
        };
        if let Some(item) = item {
            items.push((z, l.no, item));
        }
    }
    if let Some((piece, at)) = &pending {
        grid.warnings.push(format!(
            "line {}: {} is the start of no indicator name printed after it; left out",
            lines[header + 1 + at[0]].no,
            piece.iter().collect::<String>()
        ));
    }
    let rows = group_rows(resolve_either(items, &mut grid.warnings));
    place(form, &vocab, &rows, &tall, grid);
}

/// A line's words as name and value: by position in layout text, by the
/// last word in flattened text (a value is one word there).
fn split_line(ws: &[Word], style: Style, name_at: f64, value_at: f64) -> Option<Item> {
    let join =
        |ws: &mut dyn Iterator<Item = &Word>| ws.map(|w| w.text).collect::<Vec<_>>().join(" ");
    match (style, ws.len()) {
        (_, 0) => None,
        (Style::Layout, _) => {
            let is_value = |w: &Word| {
                let c = w.at as f64 + w.width as f64 / 2.0;
                (c - value_at).abs() < (c - name_at).abs()
            };
            let name = join(&mut ws.iter().filter(|w| !is_value(w)));
            let value = join(&mut ws.iter().filter(|w| is_value(w)));
            match (name.is_empty(), value.is_empty()) {
                (false, false) => Some(Item::Both(name, value)),
                (false, true) => Some(Item::Name(name)),
                _ => Some(Item::Value(value)),
            }
        }
        (_, 1) => Some(Item::Either(ws[0].text.to_string())),
        _ => Some(Item::Both(
            join(&mut ws[..ws.len() - 1].iter()),
            ws[ws.len() - 1].text.to_string(),
        )),
    }
}

/// Does the text open a quote it does not close?
fn opens_quote(text: &str) -> bool {
    let straight = text.matches('"').count();
    straight % 2 == 1 || text.matches('“').count() > text.matches('”').count()
}

/// The byte offset just past the quote that closes one opened before.
fn closing_quote(text: &str) -> Option<usize> {
    text.find(['"', '”'])
        .map(|i| i + text[i..].chars().next().map_or(1, char::len_utf8))
}

/// Lone words of flattened text: three in a row are a name wrapped around
/// its value (the value printed at the middle line); otherwise names.
fn resolve_either(
    items: Vec<(usize, u32, Item)>,
    warnings: &mut Vec<String>,
) -> Vec<(usize, u32, Item)> {
    let mut items = items;
    // A lone word between two name lines is the value a wrapped name was
    // printed around.
    for i in 1..items.len().saturating_sub(1) {
        let named = |it: &Item| matches!(it, Item::Name(_));
        if matches!(items[i].2, Item::Either(_)) && named(&items[i - 1].2) && named(&items[i + 1].2)
        {
            if let Item::Either(t) = std::mem::replace(&mut items[i].2, Item::Name(String::new())) {
                items[i].2 = Item::Value(t);
            }
        }
    }
    let mut out = Vec::with_capacity(items.len());
    let mut run: Vec<(usize, u32, String)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, u32, String)>, out: &mut Vec<(usize, u32, Item)>| {
        let k = run.len();
        if k >= 2 && k.is_multiple_of(2) {
            warnings.push(format!(
                "line {}: {k} lines of one word each; read as one name",
                run[0].1
            ));
        }
        for (i, (z, no, t)) in run.drain(..).enumerate() {
            let item = if k >= 3 && k % 2 == 1 && i == k / 2 {
                Item::Value(t)
            } else {
                Item::Name(t)
            };
            out.push((z, no, item));
        }
    };
    for (z, no, item) in items {
        match item {
            Item::Either(t) => run.push((z, no, t)),
            other => {
                flush(&mut run, &mut out);
                out.push((z, no, other));
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

struct IndicatorRow {
    names: Vec<String>,
    value: Option<String>,
    first: usize,
    last: usize,
    line: u32,
}

/// Rows from the lines: a value alone on its line takes as many name lines
/// below it as it has above (a name wrapped around its value); name lines
/// before a line with both are the start of its name (pypdf wraps so).
fn group_rows(items: Vec<(usize, u32, Item)>) -> Vec<IndicatorRow> {
    let mut rows: Vec<IndicatorRow> = Vec::new();
    let mut pending: Vec<(usize, u32, String)> = Vec::new();
    let mut it = items.into_iter().peekable();
    while let Some((z, no, item)) = it.next() {
        let start = |pending: &[(usize, u32, String)]| {
            pending.first().map_or((z, no), |&(pz, pno, _)| (pz, pno))
        };
        match item {
            Item::Name(t) | Item::Either(t) => pending.push((z, no, t)),
            Item::Both(name, value) => {
                let (first, line) = start(&pending);
                let mut names: Vec<String> = pending.drain(..).map(|p| p.2).collect();
                names.push(name);
                rows.push(IndicatorRow {
                    names,
                    value: Some(value),
                    first,
                    last: z,
                    line,
                });
            }
            Item::Value(value) => {
                let (first, line) = start(&pending);
                let above = pending.len();
                let mut names: Vec<String> = pending.drain(..).map(|p| p.2).collect();
                let mut last = z;
                for _ in 0..above {
                    match it.peek() {
                        Some((bz, _, Item::Name(_))) => {
                            last = *bz;
                            if let Some((_, _, Item::Name(t))) = it.next() {
                                names.push(t);
                            }
                        }
                        _ => break,
                    }
                }
                rows.push(IndicatorRow {
                    names,
                    value: Some(value),
                    first,
                    last,
                    line,
                });
            }
        }
    }
    if !pending.is_empty() {
        match rows.last_mut() {
            Some(r) => {
                r.last = pending.last().map_or(r.last, |p| p.0);
                r.names.extend(pending.into_iter().map(|p| p.2));
            }
            None => rows.push(IndicatorRow {
                first: pending[0].0,
                last: pending[pending.len() - 1].0,
                line: pending[0].1,
                names: pending.into_iter().map(|p| p.2).collect(),
                value: None,
            }),
        }
    }
    rows
}

/// The line a tall word was printed on (its pieces' average), in zone lines.
fn line_of(w: &TallWord) -> f64 {
    w.lines.iter().sum::<usize>() as f64 / w.lines.len().max(1) as f64
}

/// Where a word printed on line `z` stands in rows: a row's index when on
/// one of its lines, half-way when between two.
fn row_position(rows: &[IndicatorRow], z: f64) -> f64 {
    rows.iter()
        .position(|r| r.first as f64 <= z && z <= r.last as f64)
        .map_or_else(
            || rows.iter().filter(|r| (r.last as f64) < z).count() as f64 - 0.5,
            |i| i as f64,
        )
}

/// The row a word printed on line `z` stands for: the row at or after it
/// when words are printed at the top of their span, else the nearest.
fn row_at(rows: &[IndicatorRow], z: f64, top: bool) -> usize {
    if top {
        return rows
            .iter()
            .position(|r| r.last as f64 >= z)
            .unwrap_or(rows.len() - 1);
    }
    let dist = |r: &IndicatorRow| (r.first as f64 - z).max(z - r.last as f64).max(0.0);
    (0..rows.len())
        .min_by(|&a, &b| dist(&rows[a]).total_cmp(&dist(&rows[b])))
        .unwrap_or(0)
}

/// The first row of each second-level span: words printed at the middle of
/// their spans, the spans cut so that the words stand as near their middles
/// as can be. A middle is measured both in lines and in rows: a wrapped
/// name makes its row taller than one line, but less than its lines' worth
/// (every row has the same padding), and the converters print the word at
/// the middle of the printed height.
fn spans_by_middle(rows: &[IndicatorRow], positions: &[(f64, f64)]) -> Option<Vec<usize>> {
    let (m, n) = (positions.len(), rows.len());
    if m == 0 || m > n {
        return None;
    }
    let cost = |(line, row): (f64, f64), s: usize, e: usize| {
        let mid_line = (rows[s].first + rows[e - 1].last) as f64 / 2.0;
        let mid_row = (s + e - 1) as f64 / 2.0;
        (mid_line - line).abs() + (mid_row - row).abs()
    };
    // best[j][e]: the least cost of the first j spans covering rows 0..e.
    let mut best = vec![vec![f64::INFINITY; n + 1]; m + 1];
    let mut from = vec![vec![0usize; n + 1]; m + 1];
    best[0][0] = 0.0;
    for j in 1..=m {
        for e in j..=n {
            for s in (j - 1)..e {
                let c = best[j - 1][s] + cost(positions[j - 1], s, e);
                if c < best[j][e] {
                    best[j][e] = c;
                    from[j][e] = s;
                }
            }
        }
    }
    let mut starts = vec![0; m];
    let mut e = n;
    for j in (1..=m).rev() {
        starts[j - 1] = from[j][e];
        e = from[j][e];
    }
    Some(starts)
}

fn place(
    form: &Form,
    vocab: &Vocabulary,
    rows: &[IndicatorRow],
    tall: &[TallWord],
    grid: &mut Grid,
) {
    if rows.is_empty() {
        return;
    }
    let cols: Vec<usize> = form.indicator_header.iter().map(|h| h.col).collect();
    let mut cells: Vec<Vec<(usize, String)>> = rows
        .iter()
        .map(|r| {
            let mut c = vec![(cols[2], r.names.join(" "))];
            if let Some(v) = &r.value {
                c.push((cols[3], v.clone()));
            }
            c
        })
        .collect();
    // 成本指标 is a first-level word in one framework and a second-level one
    // in another: first-level when a second-level word follows on its line.
    let level = |i: usize| {
        let w = &tall[i];
        if w.level == Level::First && vocab.is_second(&w.text) {
            let next_second = tall.get(i + 1).is_some_and(|x| {
                x.lines[0] == w.lines[0] && vocab.is_second(&x.text) && !vocab.is_first(&x.text)
            });
            if next_second {
                Level::First
            } else {
                Level::Second
            }
        } else {
            w.level
        }
    };
    let positioned: Vec<(Level, &str, f64)> = (0..tall.len())
        .map(|i| (level(i), tall[i].text.as_str(), line_of(&tall[i])))
        .collect();
    // pypdf prints a tall word at the top of its span, so the first ones
    // come before the first row; a middle never does.
    let top_aligned = positioned.iter().any(|w| w.2 < rows[0].first as f64);
    let at_row = |p: f64| row_at(rows, p, top_aligned);
    let seconds: Vec<(&str, f64)> = positioned
        .iter()
        .filter(|w| w.0 == Level::Second)
        .map(|w| (w.1, w.2))
        .collect();
    let second_starts: Vec<usize> = if top_aligned {
        seconds.iter().map(|w| at_row(w.1)).collect()
    } else {
        let ps: Vec<(f64, f64)> = tall
            .iter()
            .zip(&positioned)
            .filter(|(_, w)| w.0 == Level::Second)
            .map(|(t, w)| {
                let rows_at = t.lines.iter().map(|&z| row_position(rows, z as f64));
                (w.2, rows_at.sum::<f64>() / t.lines.len().max(1) as f64)
            })
            .collect();
        spans_by_middle(rows, &ps).unwrap_or_else(|| ps.iter().map(|&p| at_row(p.0)).collect())
    };
    for (w, &s) in seconds.iter().zip(&second_starts) {
        cells[s].push((cols[1], w.0.to_string()));
    }
    // A first-level word heads the first span of its children not yet taken.
    let mut next_span = 0;
    for w in positioned.iter().filter(|w| w.0 == Level::First) {
        let child = (next_span..seconds.len()).find(|&j| vocab.parent_of(w.1, seconds[j].0));
        let r = match child {
            Some(j) => {
                next_span = j + 1;
                second_starts[j]
            }
            None => at_row(w.2),
        };
        cells[r].push((cols[0], w.1.to_string()));
    }
    if positioned.iter().any(|w| w.0 == Level::Label) {
        cells[0].push((
            form.indicator_label.col,
            form.indicator_label.text().to_string(),
        ));
    }
    for (r, c) in rows.iter().zip(cells) {
        grid.rows.push(row(form.width, r.line, &c));
    }
}
