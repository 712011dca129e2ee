//! Tables whose cells the converter flattened into space-separated words:
//! one printed row per line at best, with header cells and long labels
//! wrapped over several lines and the header printed again after each page
//! break. Column positions are lost, so cells are placed by the grammar of
//! the row: a subject code, a label, row numbers (行次), amounts, and text
//! columns such as 绩效目标 that follow the amounts.

use super::header::{
    begins_known_word, is_header_word, is_known_word, paths_from_words, refine_words,
    strip_paren_suffix,
};
use super::header_zones::zoned_paths;
use super::text::{self, clean_cell, is_space, squash};
use super::{Grid, Line};
use crate::model::Row;

/// What a word of a data row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Code,
    RowNo,
    Amount,
    Text,
}

/// What a column holds, from its header name (or the data when the header
/// could not be read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Code,
    RowNo,
    Label,
    Amount,
    Text,
}

fn classify_col(name: &str) -> Col {
    let leaf = name.rsplit('/').next().unwrap_or(name);
    let core = strip_paren_suffix(leaf);
    // The cell module decides which names are code columns, for every stage.
    let is_code_name = |s: &str| crate::cell::is_code_column(strip_paren_suffix(s));
    // 科目编码 split into 类 / 款 / 项 under one spanning cell.
    let code_part =
        matches!(core, "类" | "款" | "项") && name.split('/').rev().skip(1).any(is_code_name);
    if leaf.contains("行次") || leaf.contains("栏次") {
        Col::RowNo
    } else if is_code_name(core) || code_part {
        Col::Code
    } else if ["绩效目标", "项目内容", "指标", "实现值", "说明", "备注"]
        .iter()
        .any(|w| core.ends_with(w))
    {
        Col::Text
    } else if ["项目", "名称", "科目", "类别", "单位", "分类"]
        .iter()
        .any(|w| core.ends_with(w))
    {
        Col::Label
    } else {
        Col::Amount
    }
}

/// A word of a row with its kind.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    kind: Tok,
}

fn words_of(line: &str) -> Vec<&str> {
    line.split(is_space).filter(|w| !w.is_empty()).collect()
}

/// The words of a header line, letter-spaced cells ("收 入", "项 目") joined:
/// a run of one-character words is cut into the most pieces of two
/// characters or more that are each a header word (收 入 支 出 is 收入 and
/// 支出, 预 算 数 one word), so a spaced 项 目 is 项目 and not the code level
/// 项 followed by a stray 目. A run that no such cut covers stays as it is.
fn header_line_words(line: &str) -> Vec<String> {
    let ws = words_of(line);
    let single = |w: &str| {
        let mut cs = w.chars();
        cs.next().is_some_and(|c| !c.is_ascii()) && cs.next().is_none()
    };
    let mut out = Vec::with_capacity(ws.len());
    let mut i = 0;
    while i < ws.len() {
        let run = ws[i..].iter().take_while(|w| single(w)).count();
        match spaced_pieces(&ws[i..i + run]) {
            Some(pieces) if run >= 2 => {
                out.extend(pieces);
                i += run;
            }
            _ => {
                out.push(ws[i].to_string());
                i += 1;
            }
        }
    }
    out
}

/// The cut of a run of one-character words into the most header words.
fn spaced_pieces(run: &[&str]) -> Option<Vec<String>> {
    let n = run.len();
    // best[j]: the pieces of the cut of run[..j] with the most pieces.
    let mut best: Vec<Option<Vec<String>>> = vec![None; n + 1];
    best[0] = Some(Vec::new());
    for j in 2..=n {
        for k in 0..=j - 2 {
            let Some(before) = &best[k] else { continue };
            let s: String = run[k..j].concat();
            // 类 款 项 over a split code column are three cells.
            let levels = s.chars().all(|c| matches!(c, '类' | '款' | '项'));
            if levels || !(is_known_word(&s) || is_header_word(&s)) {
                continue;
            }
            if best[j].as_ref().is_none_or(|b| before.len() + 1 > b.len()) {
                let mut cut = before.clone();
                cut.push(s);
                best[j] = Some(cut);
            }
        }
    }
    best[n].take()
}

fn is_number_word(w: &str) -> bool {
    text::is_amount(w) || w == "-" || w == "—" || w == "--"
}

/// Does a line carry amounts (the line that closes a data row)? A lone
/// code on its line opens a wrapped row instead, where the table has a code
/// column.
fn has_amount(line: &str, code_col: bool) -> bool {
    let ws = words_of(line);
    if code_col && ws.len() == 1 && text::is_code(ws[0]) {
        return false;
    }
    ws.iter().any(|w| is_number_word(w))
}

/// Classifies the words of a row, joining adjacent text words (a label
/// wrapped over lines or split by a space) into one.
fn tokenize(parts: &[&str]) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let n = parts.len();
    for (i, w) in parts.iter().enumerate() {
        let kind = if text::is_decimal_amount(w) || *w == "-" || *w == "—" {
            Tok::Amount
        } else if text::is_code(w) && parts.get(i + 1).is_some_and(|x| !is_number_word(x)) {
            Tok::Code
        } else if text::is_row_number(w) {
            Tok::RowNo
        } else if text::is_amount(w) {
            // A long integer before amounts or at the end: an amount.
            if text::is_code(w) && i == 0 && n > 1 {
                Tok::Code
            } else {
                Tok::Amount
            }
        } else {
            Tok::Text
        };
        // A word opening a numbered item (二、外交支出) starts a cell of
        // its own: the other side of a two-sided row. So do 小计 and 合计,
        // a group's subtotal row beside the group's label.
        let own_cell =
            |w: &str| text::list_number(w).is_some() || matches!(w, "小计" | "合计" | "总计");
        let after_own = out.last().is_some_and(|l| {
            l.kind == Tok::Text && matches!(l.text.as_str(), "小计" | "合计" | "总计")
        });
        if kind == Tok::Text && !own_cell(w) && !after_own {
            if let Some(last) = out.last_mut() {
                if last.kind == Tok::Text {
                    last.text.push_str(w);
                    continue;
                }
            }
        }
        out.push(Word {
            text: w.to_string(),
            kind,
        });
    }
    out
}

/// Cost of putting a word of kind `t` in a column of kind `c`; `None` when
/// it cannot stand there.
fn fit(t: Tok, c: Col) -> Option<f64> {
    // Every word may stand anywhere at a price, so a row always places;
    // the prices rank the readings of an ambiguous row.
    Some(match (t, c) {
        (Tok::Code, Col::Code) => 0.0,
        (Tok::Code, Col::Label) => 1.5,
        (Tok::Code, Col::Amount) => 2.0,
        (Tok::Code, _) => 3.0,
        (Tok::RowNo, Col::RowNo) => 0.0,
        (Tok::RowNo, Col::Amount) => 0.5,
        (Tok::RowNo, Col::Code) => 1.0,
        (Tok::RowNo, _) => 3.0,
        (Tok::Amount, Col::Amount) => 0.0,
        (Tok::Amount, _) => 4.0,
        (Tok::Text, Col::Label) => 0.0,
        (Tok::Text, Col::Text) => 0.0,
        (Tok::Text, Col::Amount) => 3.0,
        (Tok::Text, _) => 5.0,
    })
}

const MAX_SEARCH_WORDS: usize = 64;

/// Places the words of a row into columns: the monotone placement with the
/// lowest cost; ties go to the placement that continues what the rows above
/// did (the same side of a two-sided table, a code series) and then to the
/// left.
struct Placer<'a> {
    cols: &'a [Col],
    names: &'a [String],
    prev_used: Vec<usize>,
    last_code_at: Vec<Option<String>>,
    /// Last Chinese list number (一、二、…) seen in each column.
    last_number_at: Vec<Option<u32>>,
}

impl<'a> Placer<'a> {
    fn new(cols: &'a [Col], names: &'a [String]) -> Self {
        Placer {
            cols,
            names,
            prev_used: Vec::new(),
            last_code_at: vec![None; cols.len()],
            last_number_at: vec![None; cols.len()],
        }
    }

    fn place(&mut self, words: &[Word]) -> Option<Vec<usize>> {
        // Rows of these templates have a few dozen cells at most; anything
        // longer is damage, placed left to right without a search.
        if words.len() > MAX_SEARCH_WORDS
            || self.cols.len() > MAX_SEARCH_WORDS
            || words.len() > self.cols.len()
        {
            return None;
        }
        let mut best: Option<(f64, Vec<usize>)> = None;
        let mut cur = Vec::with_capacity(words.len());
        let mut budget = 200_000usize;
        self.search(words, 0, 0, 0.0, &mut cur, &mut best, &mut budget);
        let (_, at) = best?;
        self.prev_used = at.clone();
        for (w, &c) in words.iter().zip(&at) {
            if w.kind == Tok::Code {
                self.last_code_at[c] = Some(w.text.clone());
            }
            if let Some(n) = text::list_number(&w.text) {
                self.last_number_at[c] = Some(n);
            }
        }
        Some(at)
    }

    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        words: &[Word],
        wi: usize,
        ci: usize,
        cost: f64,
        cur: &mut Vec<usize>,
        best: &mut Option<(f64, Vec<usize>)>,
        budget: &mut usize,
    ) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if wi == words.len() {
            let total = cost + self.tie_break(words, cur);
            if best.as_ref().is_none_or(|(b, _)| total < *b - 1e-9) {
                *best = Some((total, cur.clone()));
            }
            return;
        }
        let left = words.len() - wi;
        for c in ci..self.cols.len() {
            if self.cols.len() - c < left {
                break;
            }
            if let Some(f) = fit(words[wi].kind, self.cols[c]) {
                if best.as_ref().is_some_and(|(b, _)| cost + f > *b + 0.5) {
                    continue;
                }
                cur.push(c);
                self.search(words, wi + 1, c + 1, cost + f, cur, best, budget);
                cur.pop();
            }
        }
    }

    fn tie_break(&self, words: &[Word], at: &[usize]) -> f64 {
        let mut s = 0.0;
        for (w, &c) in words.iter().zip(at) {
            let name = &self.names[c];
            if w.kind == Tok::Text && self.cols[c] == Col::Label {
                // Two-sided tables: an expenditure item goes under 支出.
                if w.text.contains("支出") && name.contains("支出") {
                    s -= 0.3;
                }
                if w.text.contains("收入") && name.contains("收入") {
                    s -= 0.3;
                }
                // A numbered list goes on in the column it started in.
                if let (Some(n), Some(prev)) = (text::list_number(&w.text), self.last_number_at[c])
                {
                    if n == prev + 1 {
                        s -= 0.4;
                    }
                }
            }
            if w.kind == Tok::Code {
                if let Some(prev) = &self.last_code_at[c] {
                    let common = prev
                        .bytes()
                        .zip(w.text.bytes())
                        .take_while(|(a, b)| a == b)
                        .count();
                    s -= 0.05 * common as f64;
                }
            }
            s += 0.001 * c as f64;
        }
        if !self.prev_used.is_empty() && at == self.prev_used.as_slice() {
            s -= 0.1;
        }
        s
    }
}

/// Where a row's label belongs when a code stands right before an amount
/// (the label cell printed above and below the line): after that code.
/// With `part_codes` (a code split into 类 / 款 / 项 columns) a 款 or 项
/// code is two digits.
fn unlabelled_code(ws: &[&str], part_codes: bool) -> Option<usize> {
    let code = |w: &str| {
        text::is_code(w) || (part_codes && w.len() == 2 && w.bytes().all(|b| b.is_ascii_digit()))
    };
    (0..ws.len().saturating_sub(1))
        // The last code of the run (208 05 05): the label goes before the
        // first amount.
        .find(|&i| code(ws[i]) && is_number_word(ws[i + 1]) && !code(ws[i + 1]))
        .map(|i| i + 1)
}

/// The columns the rows show, one per word by its kind: the widest row's,
/// or with `shared_first` the longest shape that two rows or more share
/// (one row may be two printed rows run together).
fn data_columns(rows: &[&[Word]], widest: usize, shared_first: bool) -> Option<Vec<Col>> {
    let kinds = |r: &[Word]| -> Vec<Col> {
        r.iter()
            .map(|w| match w.kind {
                Tok::Code => Col::Code,
                Tok::RowNo => Col::RowNo,
                Tok::Amount => Col::Amount,
                Tok::Text => Col::Label,
            })
            .collect()
    };
    let mut shapes: Vec<(Vec<Col>, usize)> = Vec::new();
    for r in rows {
        let k = kinds(r);
        match shapes.iter_mut().find(|(s, _)| *s == k) {
            Some((_, n)) => *n += 1,
            None => shapes.push((k, 1)),
        }
    }
    let shared = shapes
        .iter()
        .filter(|(_, n)| shared_first && *n >= 2)
        .max_by_key(|(s, _)| s.len())
        .map(|(s, _)| s.clone());
    shared.or_else(|| rows.iter().find(|r| r.len() == widest).map(|r| kinds(r)))
}

/// In every template a subject's code stands left of its name (科目编码 |
/// 科目名称). Flattened text may give the name first: the code cell sat
/// lower on the page (it spans rows, or its words wrapped).
fn code_before_name(names: &mut [String]) {
    for i in 1..names.len() {
        let leaf = |n: &str| strip_paren_suffix(n.rsplit('/').next().unwrap_or(n)).to_string();
        let (name, code) = (leaf(&names[i - 1]), leaf(&names[i]));
        if name.ends_with("名称")
            && crate::cell::is_code_column(&code)
            && !crate::cell::is_code_column(&name)
        {
            names.swap(i - 1, i);
        }
    }
}

/// Do the header's columns misplace the rows? True when more than a fifth
/// of the rows can only be placed with some word in a column of another
/// kind (an amount under a label, a code under an amount).
fn misfits(cols: &[Col], rows: &[&[Word]], placed: &[Option<Vec<usize>>]) -> bool {
    if rows.is_empty() {
        return false;
    }
    let bad = rows
        .iter()
        .zip(placed)
        .filter(|(words, at)| match at {
            Some(at) => words
                .iter()
                .zip(at)
                // A short number in a code column is a 款 or 项 part.
                .any(|(w, &c)| {
                    !(w.kind == Tok::RowNo && cols[c] == Col::Code)
                        && fit(w.kind, cols[c]).is_none_or(|f| f > 0.0)
                }),
            None => true,
        })
        .count();
    bad * 5 > rows.len()
}

/// Every row placed in order (a placement's ties follow the rows above).
fn place_all(cols: &[Col], names: &[String], rows: &[&[Word]]) -> Vec<Option<Vec<usize>>> {
    let mut placer = Placer::new(cols, names);
    rows.iter().map(|words| placer.place(words)).collect()
}

/// Header names given to columns found from the data: names of label and
/// code columns to the text columns in order, amount names to the amount
/// columns in order; a column left without a name gets an empty one.
fn names_by_kind(names: &[String], cols: &[Col]) -> Vec<String> {
    let is_amount = |c: Col| c == Col::Amount;
    let mut amount_names = names.iter().filter(|n| is_amount(classify_col(n)));
    let mut text_names = names.iter().filter(|n| !is_amount(classify_col(n)));
    cols.iter()
        .map(|&c| {
            let next = if is_amount(c) {
                amount_names.next()
            } else {
                text_names.next()
            };
            next.cloned().unwrap_or_default()
        })
        .collect()
}

/// Header words: wrapped fragments joined until they read as a whole
/// header word.
fn header_words(lines: &[&str]) -> Vec<Vec<String>> {
    wrapped_cells_joined(lines).unwrap_or_else(|| header_words_in_order(lines))
}

/// Header cells wrapped side by side: a line holds the first parts of
/// several cells ("财政专户管 使用非财政") and a later line their ends
/// ("理资金 拨款结余"), in the same order. A part that is no header word
/// stays open until a part on a later line completes it: the earliest open
/// part that the vocabulary knows joined with it, or, for a part that is
/// no header word itself ("算"), the earliest that then ends in a header
/// noun. None when a part is left open, or none was open (the words in
/// order then).
fn wrapped_cells_joined(lines: &[&str]) -> Option<Vec<Vec<String>>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    // (line, index in line) of the open parts, in order.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut soft: Vec<(usize, usize)> = Vec::new();
    let mut opened = false;
    for line in lines {
        let r = out.len();
        let mut row = Vec::new();
        for w in header_line_words(line) {
            let w = w.as_str();
            // Open parts are on lines above: parts on one line are cells.
            let joined = |o: &(usize, usize)| format!("{}{w}", out[o.0][o.1]);
            let known = open
                .iter()
                .position(|o| o.0 < r && is_known_word(&joined(o)));
            let noun = || {
                open.iter()
                    .position(|o| o.0 < r && is_header_word(&joined(o)))
            };
            let part = !is_header_word(w);
            if let Some(k) = known.or_else(|| part.then(noun).flatten()) {
                let o = open.remove(k);
                let cell = joined(&o);
                // A cell wrapped over three lines or more is centred on
                // the line of the cells beside it: it is theirs, after them.
                let middle = o.0 + (r - o.0) / 2;
                if middle > o.0 {
                    out[o.0][o.1] = String::new();
                    out[middle].push(cell);
                } else {
                    out[o.0][o.1] = cell;
                }
                continue;
            }
            if part && !matches!(w, "类" | "款" | "项") {
                open.push((r, row.len()));
                opened = true;
            } else if begins_known_word(w) {
                // A header word that may be the first part of a longer one
                // (附属单位 … 上缴收入): open, but whole if nothing ends it.
                open.push((r, row.len()));
                soft.push((r, row.len()));
            }
            row.push(w.to_string());
        }
        out.push(row);
    }
    open.retain(|o| !soft.contains(o));
    for r in &mut out {
        r.retain(|c| !c.is_empty());
    }
    out.retain(|r| !r.is_empty());
    (opened && open.is_empty()).then_some(out)
}

fn header_words_in_order(lines: &[&str]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut pending = String::new();
    let all: Vec<Vec<String>> = lines.iter().map(|l| header_line_words(l)).collect();
    for (li, words) in all.iter().enumerate() {
        let mut row = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let w = w.as_str();
            // The code levels over split code columns are words of their own.
            if pending.is_empty() && matches!(w, "类" | "款" | "项") {
                row.push(w.to_string());
                continue;
            }
            pending.push_str(w);
            // A word of the vocabulary that ends no header noun (支出用途)
            // is whole unless the next word, on this line or the next, goes
            // on with it (功能分类 科目编码).
            // On the next line, only into a word of the vocabulary: a
            // group's name stands alone over its leaves (支出用途 over
            // 项目名称).
            let goes_on = match words.get(i + 1) {
                Some(next) => {
                    let longer = format!("{pending}{next}");
                    is_header_word(&longer) || is_known_word(&longer)
                }
                None => all
                    .get(li + 1)
                    .and_then(|l| l.first())
                    .is_some_and(|next| is_known_word(&format!("{pending}{next}"))),
            };
            let known = is_known_word(&pending) && !goes_on;
            if is_header_word(&pending) || known || pending.chars().count() > 24 {
                row.push(std::mem::take(&mut pending));
            }
        }
        if !row.is_empty() {
            out.push(row);
        }
    }
    if !pending.is_empty() {
        match out.last_mut() {
            Some(r) => r.push(pending),
            None => out.push(vec![pending]),
        }
    }
    out
}

/// Leaf paths from the header words of a flattened table.
fn header_paths(rows: &[Vec<String>], width: usize) -> Vec<String> {
    let mut paths = zoned_paths(rows).unwrap_or_else(|| {
        let first_line: Vec<String> = rows.first().cloned().unwrap_or_default();
        paths_from_words(&first_line, &refine_words(rows.concat()))
    });
    if width > 0 {
        paths.resize(width, String::new());
    }
    paths
}

/// The grid of a table printed empty: its header words name the columns,
/// and a 合计 standing in the header lines is its one row, under the first
/// label column.
pub fn empty_table(lines: &[Line], title: &str) -> Grid {
    let title_key = squash(title);
    let header: Vec<&str> = lines
        .iter()
        .filter(|l| {
            !l.is_blank()
                && !l.is_furniture()
                && l.squashed != title_key
                && text::table_number(l.text).is_none()
                && !l.squashed.contains('。')
        })
        .map(|l| l.text)
        .collect();
    let mut names = header_paths(&header_words(&header), 0);
    code_before_name(&mut names);
    let total = header.iter().any(|l| {
        words_of(l)
            .first()
            .is_some_and(|w| text::is_empty_table_row(w))
    });
    let rows = match names.iter().position(|n| classify_col(n) == Col::Label) {
        Some(j) if total => {
            let mut cells = vec![None; names.len()];
            cells[j] = Some("合计".to_string());
            let line = lines
                .iter()
                .find(|l| l.squashed.starts_with("合计"))
                .map_or(0, |l| l.no);
            vec![Row { cells, line }]
        }
        _ => Vec::new(),
    };
    Grid {
        columns: names,
        rows,
        warnings: vec!["printed empty (本表为空表/无数据): header and 合计 only".to_string()],
    }
}

/// Is the body a header and nothing else: two lines or more, every word a
/// header word (a code level, 合计 and 无 too), page furniture aside?
pub fn is_header_only(lines: &[Line], title: &str) -> bool {
    let title_key = squash(title);
    let content: Vec<&Line> = lines
        .iter()
        .filter(|l| !l.is_blank() && !l.is_furniture() && l.squashed != title_key)
        .collect();
    let header_word = |w: &str| {
        is_header_word(w) || matches!(w, "类" | "款" | "项") || text::is_empty_table_row(w)
    };
    content.len() >= 2
        && content.iter().any(|l| words_of(l.text).len() >= 2)
        && content
            .iter()
            .all(|l| words_of(l.text).into_iter().all(header_word))
}

/// Rebuilds the grid of a flattened table from its body lines (notes
/// already removed).
pub fn rebuild(lines: &[Line], title: &str) -> Option<Grid> {
    let title_key = squash(title);
    let content: Vec<&Line> = lines
        .iter()
        .filter(|l| {
            !l.is_blank()
                && !l.is_furniture()
                && text::table_number(l.text).is_none()
                && l.squashed != title_key
                && !text::is_column_number_row(&words_of(l.text))
                && star_number_row(l.text).is_none()
                // Sentences introducing the table ("…情况如下：").
                && !l.text.trim_end_matches(is_space).ends_with(['：', ':'])
        })
        .collect();
    // The printed column numbers, where the label columns print stars: the
    // table's columns, one per number and star.
    let numbered = lines
        .iter()
        .filter(|l| !l.is_blank())
        .find_map(|l| star_number_row(l.text));
    let first_data = content
        .iter()
        .position(|l| is_data_start(l.text))
        .or_else(|| {
            content
                .iter()
                .position(|l| text::is_empty_table_row(l.squashed))
        });
    let Some(mut first_data) = first_data else {
        // Header and column numbers with no row under them: a table
        // printed empty.
        let shape = numbered?;
        let header: Vec<&str> = content.iter().map(|l| l.text).collect();
        let names = header_paths(&header_words(&header), 0);
        let header_cols: Vec<Col> = names.iter().map(|n| classify_col(n)).collect();
        let cols = star_columns(&shape, &header_cols);
        return Some(Grid {
            columns: names_by_kind(&names, &cols),
            rows: Vec::new(),
            warnings: vec!["header and column numbers only: printed empty".to_string()],
        });
    };
    // The first row's label may be a tall cell whose upper half stands
    // above the line of its code and amounts: that half is data.
    if first_data > 0 && unlabelled_code(&words_of(content[first_data].text), false).is_some() {
        let above = words_of(content[first_data - 1].text);
        if let [w] = above.as_slice() {
            if !is_header_word(w) && !is_number_word(w) {
                first_data -= 1;
            }
        }
    }
    // A bare 合计 over a line of amounts only: the total row's label,
    // printed above its amounts, not a header word.
    if first_data > 0
        && text::is_empty_table_row(content[first_data - 1].squashed)
        && content[first_data - 1].squashed != "无"
        && words_of(content[first_data].text)
            .iter()
            .all(|w| is_number_word(w))
    {
        first_data -= 1;
    }
    let header_lines: Vec<&str> = content[..first_data].iter().map(|l| l.text).collect();
    let header_keys: Vec<&str> = content[..first_data].iter().map(|l| l.squashed).collect();
    let hw = header_words(&header_lines);
    let code_col = hw.iter().flatten().any(|w| classify_col(w) == Col::Code);
    let part_codes = code_col && header_lines.iter().any(|l| words_of(l).contains(&"款"));

    // Data lines, with header blocks repeated after page breaks dropped.
    let mut data: Vec<&Line> = Vec::new();
    let mut skipping = false;
    for l in &content[first_data..] {
        let key = l.squashed;
        if !header_keys.is_empty() && key == header_keys[0] {
            skipping = true;
            continue;
        }
        if skipping && header_keys.contains(&key) && !has_amount(l.text, code_col) {
            continue;
        }
        skipping = false;
        data.push(l);
    }

    // Amounts too long for their cells, wrapped around the row's line.
    let (joined, dropped) = join_wrapped_digits(&data);
    let data: Vec<Line> = data
        .iter()
        .enumerate()
        .filter(|(k, _)| !dropped.contains(k))
        .map(|(k, l)| match joined.iter().find(|(at, _, _)| *at == k) {
            Some((_, text, squashed)) => Line {
                no: l.no,
                text,
                squashed,
            },
            None => **l,
        })
        .collect();

    // Rows: words gathered until a line with amounts closes the row; text
    // that follows the amounts belongs to a trailing text column.
    struct RawRow {
        line: u32,
        words: Vec<Word>,
        tail: String,
        tail_open: bool,
    }
    let mut rows: Vec<RawRow> = Vec::new();
    let mut pre: Vec<&str> = Vec::new();
    let mut pre_line = 0u32;
    let text_tail = hw.is_empty()
        || hw
            .iter()
            .any(|r| r.last().is_some_and(|w| classify_col(w) == Col::Text));
    let mut consumed = None;
    for (k, l) in data.iter().enumerate() {
        if consumed == Some(k) {
            continue;
        }
        let ws = words_of(l.text);
        if has_amount(l.text, code_col) {
            // A tall label cell: its text printed half above and half below
            // the line of its code and amounts, where the label is missing.
            if let (Some(at), Some(next)) = (unlabelled_code(&ws, part_codes), data.get(k + 1)) {
                let below = words_of(next.text);
                let fragment = |w: &[&str]| {
                    w.len() == 1
                        && !is_number_word(w[0])
                        && !text::is_code(w[0])
                        && text::list_number(w[0]).is_none()
                };
                if !pre.is_empty() && pre.iter().all(|w| !is_number_word(w)) && fragment(&below) {
                    let label: String = pre.iter().copied().chain(below).collect();
                    let mut words = ws.clone();
                    words.insert(at, &label);
                    rows.push(RawRow {
                        line: pre_line,
                        words: tokenize(&words),
                        tail: String::new(),
                        tail_open: text_tail,
                    });
                    pre.clear();
                    consumed = Some(k + 1);
                    continue;
                }
            }
            // Text between two coded rows that each print their label: the
            // rest of the label above, wrapped under it.
            let opens_labelled = ws.len() >= 2 && text::is_code(ws[0]) && !is_number_word(ws[1]);
            if opens_labelled
                && !pre.is_empty()
                && pre.iter().all(|w| !is_number_word(w) && !text::is_code(w))
            {
                if let Some(label) = rows
                    .last_mut()
                    .and_then(|r| r.words.iter_mut().rev().find(|w| w.kind == Tok::Text))
                {
                    label.text.extend(pre.drain(..));
                }
            }
            if pre.is_empty() {
                pre_line = l.no;
            }
            pre.extend(ws);
            rows.push(RawRow {
                line: pre_line,
                words: tokenize(&pre),
                tail: String::new(),
                tail_open: text_tail,
            });
            pre.clear();
            continue;
        }
        // 无, a bare 合计 over nothing but amounts: the label of those.
        let over_amounts = data.get(k + 1).is_some_and(|n| {
            let ws = words_of(n.text);
            !ws.is_empty() && ws.iter().all(|w| is_number_word(w))
        });
        if text::is_empty_table_row(l.squashed) && !(over_amounts && l.squashed != "无") {
            // 无, a bare 合计: a row of an empty table, never a wrapped label.
            for (words, line) in [(std::mem::take(&mut pre), pre_line), (ws, l.no)] {
                if !words.is_empty() {
                    rows.push(RawRow {
                        line,
                        words: tokenize(&words),
                        tail: String::new(),
                        tail_open: false,
                    });
                }
            }
            continue;
        }
        let indented = l.text.starts_with('\u{3000}');
        let lone_code = ws.len() == 1 && text::is_code(ws[0]);
        if let Some(last) = rows.last_mut() {
            if last.tail_open && pre.is_empty() && !indented && !lone_code {
                last.tail.push_str(l.squashed);
                if last.tail.ends_with('。') {
                    last.tail_open = false;
                }
                continue;
            }
            last.tail_open = false;
        }
        if pre.is_empty() {
            pre_line = l.no;
        }
        let n_words = ws.len();
        pre.extend(ws);
        // A row of numbered items with no amounts (二、政府性基金 二、外交支出,
        // its amounts blank) is a row of its own when the next line opens
        // another item: it wraps into nothing.
        let opens = |t: &str| {
            words_of(t)
                .first()
                .is_some_and(|w| text::list_number(w).is_some())
        };
        // So is one whose next line is a total row (本年收入合计 …): a
        // label does not wrap into a total.
        let opens_total = |t: &str| {
            words_of(t)
                .first()
                .is_some_and(|w| w.ends_with("合计") || w.ends_with("总计"))
        };
        let next_opens = data
            .get(k + 1)
            .is_some_and(|n| opens(n.text) || opens_total(n.text));
        // And a line of two side labels with no amounts (使用非财政拨款结余
        // 结余分配) over a line opening with a whole word of the vocabulary
        // (年初结转和结余 …): the labels are whole, their amounts blank.
        let labels_over_word = n_words >= 2
            && pre.iter().all(|w| !is_number_word(w) && !text::is_code(w))
            && data
                .get(k + 1)
                .is_some_and(|n| words_of(n.text).first().is_some_and(|w| is_known_word(w)));
        if pre.len() == n_words && ((opens(l.text) && next_opens) || labels_over_word) {
            let words = match labels_over_word {
                // One cell per side, not one label wrapped.
                true => pre
                    .iter()
                    .map(|w| Word {
                        text: w.to_string(),
                        kind: Tok::Text,
                    })
                    .collect(),
                false => tokenize(&pre),
            };
            rows.push(RawRow {
                line: pre_line,
                words,
                tail: String::new(),
                tail_open: false,
            });
            pre.clear();
        }
    }
    if !pre.is_empty() {
        rows.push(RawRow {
            line: pre_line,
            words: tokenize(&pre),
            tail: String::new(),
            tail_open: false,
        });
    }

    // Columns: the header when it accounts for every word of the widest
    // row, else the shape of the widest row.
    let widest = rows
        .iter()
        .map(|r| r.words.len() + usize::from(!r.tail.is_empty()))
        .max()
        .unwrap_or(0);
    let n_header = header_paths(&hw, 0).len();
    let mut width = n_header.max(widest);
    let mut names = header_paths(&hw, width);
    code_before_name(&mut names);
    let mut cols: Vec<Col> = names.iter().map(|n| classify_col(n)).collect();
    let words: Vec<&[Word]> = rows.iter().map(|r| r.words.as_slice()).collect();
    let mut warnings = Vec::new();
    // The rows placed under the header's columns, when they were to see
    // whether the header fits: kept if the columns stay.
    let mut placed: Option<Vec<Option<Vec<usize>>>> = None;
    if n_header < widest {
        if let Some(data_cols) = data_columns(&words, widest, !cols.contains(&Col::Text)) {
            cols = data_cols;
            cols.resize(width, Col::Text);
        }
    } else if !cols.contains(&Col::Text) {
        placed = Some(place_all(&cols, &names, &words));
    }
    // The header read from flattened lines does not account for the rows
    // (words of several header cells run together, spanning and wrapped
    // cells out of order): the rows' own shape gives the columns, and the
    // header words name them by kind. Not for tables with a long-text
    // column, whose text runs on after the amounts.
    if placed.as_deref().is_some_and(|p| misfits(&cols, &words, p)) {
        if let Some(data_cols) = data_columns(&words, widest, true) {
            placed = None;
            let (first, last) = (
                rows.first().map_or(0, |r| r.line),
                rows.last().map_or(0, |r| r.line),
            );
            let at = if first == last {
                format!("line {first}")
            } else {
                format!("lines {first}–{last}")
            };
            warnings.push(format!(
                "{at}: the header read from the flattened text does not place the rows; \
                 columns taken from the rows' shape, named by kind"
            ));
            width = data_cols.len();
            names = names_by_kind(&names, &data_cols);
            cols = data_cols;
        }
    }
    // The printed column numbers count the columns, where the header words
    // (wrapped, run together) name more or fewer amount columns.
    if let Some(shape) = &numbered {
        let star_cols = star_columns(shape, &cols);
        let amounts = |c: &[Col]| -> Vec<bool> { c.iter().map(|&c| c == Col::Amount).collect() };
        if amounts(&cols) != amounts(&star_cols) && widest <= star_cols.len() {
            placed = None;
            warnings.push(format!(
                "the printed column numbers give {} columns: the header words named by kind",
                star_cols.len()
            ));
            width = star_cols.len();
            names = names_by_kind(&names, &star_cols);
            cols = star_cols;
        }
    }
    let mut placer = Placer::new(&cols, &names);
    let mut placed = placed.map(Vec::into_iter);
    let text_col = cols.iter().rposition(|c| *c == Col::Text);
    let mut out = Vec::new();
    for r in rows {
        let mut cells: Vec<Option<String>> = vec![None; width];
        let at = match placed.as_mut() {
            Some(p) => p.next().flatten(),
            None => placer.place(&r.words),
        };
        match at {
            Some(at) => {
                for (w, c) in r.words.iter().zip(at) {
                    cells[c] = Some(clean_cell(&w.text));
                }
            }
            None => {
                for (i, w) in r.words.iter().enumerate().take(width) {
                    cells[i] = Some(clean_cell(&w.text));
                }
            }
        }
        if !r.tail.is_empty() {
            let c = text_col.unwrap_or(width - 1);
            match &mut cells[c] {
                Some(existing) => existing.push_str(&r.tail),
                slot => *slot = Some(r.tail.clone()),
            }
        }
        out.push(Row {
            cells,
            line: r.line,
        });
    }
    Some(Grid {
        columns: names,
        rows: out,
        warnings,
    })
}

/// A column-number row whose label columns print stars (`** ** 1 2 3`):
/// one word per column, a star word for each label or code column and the
/// numbers 1, 2, … for the amount columns. Its shape: `true` for an amount
/// column.
fn star_number_row(line: &str) -> Option<Vec<bool>> {
    let ws = words_of(line);
    let star = |w: &str| !w.is_empty() && w.chars().all(|c| c == '*' || c == '＊');
    let mut next = 1u32;
    let mut shape = Vec::with_capacity(ws.len());
    for w in &ws {
        if star(w) {
            // Stars stand left of the numbers.
            if next > 1 {
                return None;
            }
            shape.push(false);
        } else if w.parse::<u32>().ok() == Some(next) {
            next += 1;
            shape.push(true);
        } else {
            return None;
        }
    }
    (shape.first() == Some(&false) && next > 1).then_some(shape)
}

/// The columns a star number row shows: its amount columns, and for its
/// star columns the header's label and code columns in order (a label when
/// the header names fewer).
fn star_columns(shape: &[bool], header: &[Col]) -> Vec<Col> {
    let mut text_cols = header.iter().filter(|c| !matches!(c, Col::Amount));
    shape
        .iter()
        .map(|&amount| {
            if amount {
                Col::Amount
            } else {
                match text_cols.next() {
                    Some(Col::Code) => Col::Code,
                    _ => Col::Label,
                }
            }
        })
        .collect()
}

/// An amount whose cell was too narrow for it prints its leading digits on
/// the line above its row and its last digits on the line below
/// (`370,219.2` / `合计 246,458.22 …` / `5`). Each such triple is one row:
/// the rejoined amounts stand first among the row's amounts (the wrapped
/// cells are the widest figures, the totals at the left). Returns the row
/// lines rewritten (index, text, squashed) and the lines used up.
fn join_wrapped_digits(data: &[&Line]) -> (Vec<(usize, String, String)>, Vec<usize>) {
    let cents = |w: &str| {
        text::is_decimal_amount(w)
            && w.split_once('.')
                .is_some_and(|(_, f)| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut joined = Vec::new();
    let mut dropped = Vec::new();
    let mut k = 0;
    while k + 2 < data.len() {
        let (a, b, c) = (
            words_of(data[k].text),
            words_of(data[k + 1].text),
            words_of(data[k + 2].text),
        );
        let heads = !a.is_empty()
            && a.iter().all(|w| {
                w.bytes()
                    .all(|x| x.is_ascii_digit() || x == b'.' || x == b',')
            })
            && a.iter().all(|w| !cents(w));
        let tails = c.len() == a.len()
            && c.iter()
                .all(|w| (1..=2).contains(&w.len()) && w.bytes().all(|x| x.is_ascii_digit()));
        let merged: Vec<String> = a.iter().zip(&c).map(|(h, t)| format!("{h}{t}")).collect();
        let labelled = b.iter().any(|w| !is_number_word(w));
        if heads && tails && labelled && merged.iter().all(|w| cents(w)) {
            let at = b
                .iter()
                .position(|w| is_number_word(w) && !text::is_code(w))
                .unwrap_or(b.len());
            let mut words: Vec<&str> = b[..at].to_vec();
            words.extend(merged.iter().map(String::as_str));
            words.extend(&b[at..]);
            let line = words.join(" ");
            let squashed = squash(&line).to_string();
            joined.push((k + 1, line, squashed));
            dropped.extend([k, k + 2]);
            k += 3;
        } else {
            k += 1;
        }
    }
    (joined, dropped)
}

/// The first line of the data part: amounts, or a subject code opening a
/// wrapped row.
fn is_data_start(line: &str) -> bool {
    let ws = words_of(line);
    if ws.iter().any(|w| is_number_word(w)) {
        return true;
    }
    ws.first().is_some_and(|w| text::is_code(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceLines;

    fn rebuild(text: &str, title: &str) -> Option<Grid> {
        super::rebuild(&SourceLines::new(text).lines(), title)
    }

    #[test]
    fn tables_printed_empty_are_found() {
        // 无 and a bare 合计 under the header: rows of their own.
        let text = "项目 政府性基金预算支出\n功能分类科目编码 功能分类科目名称 合计 基本支出 项目支出\n类 款 项\n无\n合计\n";
        let g = rebuild(text, "政府性基金预算支出功能分类预算表").expect("a grid");
        let rows: Vec<Vec<&str>> = g
            .rows
            .iter()
            .map(|r| r.cells.iter().flatten().map(String::as_str).collect())
            .collect();
        assert_eq!(rows, [vec!["无"], vec!["合计"]]);
        // 合计 glued to the header's leaf line: the header and the 合计 row.
        let parsed = crate::parse::parse_report(
            "政府性基金预算财政拨款收入支出决算表\n单位：万元\n项目 本年收入 本年支出\n科目编码 科目名称\n合计 合计 基本支出 项目支出\n说明：本单位没有政府性基金收入，故本表无数据。\n",
        );
        let t = &parsed.tables[0];
        assert_eq!(t.title, "政府性基金预算财政拨款收入支出决算表");
        assert_eq!(t.rows.len(), 1);
        assert!(t.rows[0].cells.iter().flatten().eq(["合计"]));
    }

    fn cells(r: &Row) -> Vec<Option<&str>> {
        r.cells.iter().map(|c| c.as_deref()).collect()
    }

    #[test]
    fn two_sided_table_with_one_sided_rows() {
        let text = "收入 支出\n\n项目 预算 项目 预算\n\n一、预算拨款 28,023.69 一、一般公共服务支出 1.65\n\n四、公共安全支出 0.00\n\n收入总计 28,023.69 支出总计 28,023.69\n 收入 支出\n\n项目 预算 项目 预算\n\n五、教育支出 0.00";
        let g = rebuild(text, "收支总体情况表").unwrap();
        assert_eq!(
            g.columns,
            ["收入/项目", "收入/预算", "支出/项目", "支出/预算"]
        );
        assert_eq!(g.rows.len(), 4);
        assert_eq!(
            cells(&g.rows[1]),
            [None, None, Some("四、公共安全支出"), Some("0.00")]
        );
        assert_eq!(
            cells(&g.rows[3]),
            [None, None, Some("五、教育支出"), Some("0.00")]
        );
    }

    #[test]
    fn wrapped_labels_and_codes() {
        let text = "科目编码 科目名称 合计 基本支出\n201 一般公共服务支出 1.65 1.65\n\n20131\n　党委办公厅（室）及相关\n\n机构事务\n1.65 1.65\n合计 1.65 1.65";
        let g = rebuild(text, "支出总体情况表").unwrap();
        assert_eq!(g.columns, ["科目编码", "科目名称", "合计", "基本支出"]);
        assert_eq!(
            cells(&g.rows[1]),
            [
                Some("20131"),
                Some("党委办公厅（室）及相关机构事务"),
                Some("1.65"),
                Some("1.65")
            ]
        );
        assert_eq!(
            cells(&g.rows[2]),
            [None, Some("合计"), Some("1.65"), Some("1.65")]
        );
    }

    #[test]
    fn row_numbers_place_one_sided_rows() {
        let text = "收入 支出\n项目 行次 决算数 项目 行次 决算数\n栏次 1 栏次 2\n一、财政拨款收入 1 814.59 一、一般公共服务支出 31 0.00\n9 九、卫生健康支出 39 670.88";
        let g = rebuild(text, "收入支出决算总表").unwrap();
        assert_eq!(g.columns.len(), 6);
        assert_eq!(
            cells(&g.rows[1]),
            [
                None,
                Some("9"),
                None,
                Some("九、卫生健康支出"),
                Some("39"),
                Some("670.88")
            ]
        );
    }

    #[test]
    fn side_by_side_code_series() {
        let text = "人员经费 公用经费\n经济分类科目编码 科目名称 金额 经济分类科目编码 科目名称 金额\n30399 其他补助 0.02 30240 税金及附加费用 0.00\n30299 其他商品和服务支出 0.49";
        let g = rebuild(text, "基本支出决算明细表").unwrap();
        assert_eq!(
            cells(&g.rows[1]),
            [
                None,
                None,
                None,
                Some("30299"),
                Some("其他商品和服务支出"),
                Some("0.49")
            ]
        );
    }

    #[test]
    fn text_column_after_amounts() {
        let text = "项目 预算数（单位：万元） 绩效目标\n城乡居民基本医疗保险 9457\n通过开展市级补助\n项目，实现平衡。\n提前下达医疗救助省\n级补助资金\n21714\n科学确定对象。";
        let g = rebuild(text, "重点项目预算绩效目标情况").unwrap();
        assert_eq!(g.columns, ["项目", "预算数（单位：万元）", "绩效目标"]);
        assert_eq!(
            cells(&g.rows[0]),
            [
                Some("城乡居民基本医疗保险"),
                Some("9457"),
                Some("通过开展市级补助项目，实现平衡。")
            ]
        );
        assert_eq!(
            cells(&g.rows[1]),
            [
                Some("提前下达医疗救助省级补助资金"),
                Some("21714"),
                Some("科学确定对象。")
            ]
        );
    }

    #[test]
    fn star_column_numbers_count_the_columns() {
        // The header words wrapped and ran together; the numbered row says
        // two label columns and three amount columns, and is no data row.
        let text = "功能科目 总 计 基本支出\n项目支出 类 款\n** ** 1 2 3\n201 一般公共服务支出 9.00 4.00 5.00\n合计 9.00 4.00 5.00";
        let g = rebuild(text, "支出总体情况表").unwrap();
        assert_eq!(g.columns.len(), 5);
        assert_eq!(g.rows.len(), 2);
        assert_eq!(
            cells(&g.rows[0]),
            [
                Some("201"),
                Some("一般公共服务支出"),
                Some("9.00"),
                Some("4.00"),
                Some("5.00")
            ]
        );
        assert_eq!(
            star_number_row("** 1 2 3"),
            Some(vec![false, true, true, true])
        );
        assert_eq!(star_number_row("** 1 3"), None);
        assert_eq!(star_number_row("1 2 3"), None);
        // Printed empty: the header and its numbers, no rows.
        let g = rebuild("科目编码 功能科目 总计 基本支出\n** ** 1 2", "表").unwrap();
        assert!(g.rows.is_empty());
        assert_eq!(g.columns.len(), 4);
    }

    #[test]
    fn amounts_wrapped_around_their_row() {
        // The two widest amounts print their last digit on the line below
        // and the rest on the line above the row.
        let text = "科目名称 合计 小计 人员经费 项目支出\n370,219.2 293,191.8\n合计 246,458.22 77,027.38\n5 6\n行政运行 5.00 5.00 5.00 0.00";
        let g = rebuild(text, "支出预算表").unwrap();
        assert_eq!(g.rows.len(), 2);
        assert_eq!(
            cells(&g.rows[0]),
            [
                Some("合计"),
                Some("370,219.25"),
                Some("293,191.86"),
                Some("246,458.22"),
                Some("77,027.38")
            ]
        );
        // Complete amounts above a row are a row of their own.
        let text = "科目名称 合计 小计\n1.25 2.50\n合计 3.75 3.75\n5 6";
        let g = rebuild(text, "支出预算表").unwrap();
        assert_eq!(
            cells(&g.rows[1]),
            [Some("合计"), Some("3.75"), Some("3.75")]
        );
    }

    #[test]
    fn tall_label_beside_a_part_code() {
        // 类 / 款 / 项 columns: a two-digit 项 code before the amounts, its
        // label printed half above and half below the line.
        let text = "科目编码 科目名称 合计\n类 款 项\n212 城乡社区支出 9.00\n国有土地使用权出让收入安\n08 9.00\n排的支出\n合计 9.00";
        let g = rebuild(text, "收入总体情况表").unwrap();
        let labels: Vec<String> = g
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        assert_eq!(
            labels,
            [
                "212|城乡社区支出|9.00",
                "08|国有土地使用权出让收入安排的支出|9.00",
                "合计|9.00"
            ]
        );
    }

    #[test]
    fn header_cells_wrapped_side_by_side_are_joined() {
        let lines = [
            "事业单位经营 对附属单位补",
            "科目编码 科目名称 合计 基本支出 项目支出 上缴上级支出",
            "支出 助支出",
        ];
        let words = header_words(&lines);
        assert_eq!(
            words,
            [vec![
                "科目编码",
                "科目名称",
                "合计",
                "基本支出",
                "项目支出",
                "上缴上级支出",
                "事业单位经营支出",
                "对附属单位补助支出"
            ]]
        );
        // Parts ended on the next line stay on the line they start.
        let lines = ["财政专户管 使用非财政", "理资金 拨款结余"];
        assert_eq!(
            header_words(&lines),
            [vec!["财政专户管理资金", "使用非财政拨款结余"]]
        );
    }
}

#[cfg(test)]
mod grammar_tests {
    use super::*;
    use crate::parse::SourceLines;

    #[test]
    fn letter_spaced_header_words_are_joined() {
        assert_eq!(header_line_words("收 入 支 出"), ["收入", "支出"]);
        assert_eq!(
            header_line_words("项 目 预算数 项 目 预算数"),
            ["项目", "预算数", "项目", "预算数"]
        );
        // The code levels over a split code column stay three cells.
        assert_eq!(
            header_line_words("类 款 项 合计"),
            ["类", "款", "项", "合计"]
        );
    }

    #[test]
    fn side_labels_without_amounts_over_a_vocabulary_word_are_a_row() {
        let text = "收入 支出
项目 决算数 项目 决算数
本年收入合计 9746.50 本年支出合计 9759.38
使用非财政拨款结余 结余分配
年初结转和结余 112.88 年末结转和结余 100.00";
        let src = SourceLines::new(text);
        let g = rebuild(&src.lines(), "收入支出决算总表").unwrap();
        assert_eq!(g.rows.len(), 3);
        let row: Vec<Option<&str>> = g.rows[1].cells.iter().map(|c| c.as_deref()).collect();
        assert_eq!(
            row,
            [Some("使用非财政拨款结余"), None, Some("结余分配"), None]
        );
    }

    #[test]
    fn bare_total_over_its_amounts_is_a_row() {
        let text = "功能科目编码 功能科目名称 金额
合计
13,297.11
201 一般公共服务支出 10,191.56
20102 政协事务 10,191.56";
        let src = SourceLines::new(text);
        let g = rebuild(&src.lines(), "财政拨款支出预算表").unwrap();
        assert_eq!(g.columns, ["功能科目编码", "功能科目名称", "金额"]);
        assert_eq!(g.rows.len(), 3);
        let first: Vec<Option<&str>> = g.rows[0].cells.iter().map(|c| c.as_deref()).collect();
        assert_eq!(first, [None, Some("合计"), Some("13,297.11")]);
    }

    #[test]
    fn letter_spaced_two_sided_header_places_one_sided_rows() {
        let text = "收 入 支 出
项 目 预算数 项 目 预算数
一、一般公共预算拨款收入 32,365.09 一、一般公共服务支出 26,661.06
二、其他收入 15.00 二、教育支出 122.80
三、节能环保支出
四、抗疫特别国债安排的支出
本年收入合计 32,380.09 本年支出合计 32,852.05";
        let src = SourceLines::new(text);
        let g = rebuild(&src.lines(), "收支总表").unwrap();
        assert_eq!(
            g.columns,
            ["收入/项目", "收入/预算数", "支出/项目", "支出/预算数"]
        );
        assert_eq!(g.rows.len(), 5);
        let c = |r: usize| -> Vec<Option<&str>> {
            g.rows[r].cells.iter().map(|c| c.as_deref()).collect()
        };
        assert_eq!(c(2), [None, None, Some("三、节能环保支出"), None]);
        // A numbered item right before a total row does not wrap into it.
        assert_eq!(c(3), [None, None, Some("四、抗疫特别国债安排的支出"), None]);
        assert_eq!(c(4)[0], Some("本年收入合计"));
    }
}
