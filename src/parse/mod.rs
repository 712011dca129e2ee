//! Pure parser: report text in, typed tables out. No I/O happens here, so
//! every rule is tested on strings (see the tests below and `tests/`).
//!
//! The document grammar, top down:
//! - a report is prose and furniture (page numbers, unit lines, department
//!   lines) with tables in between;
//! - a table starts at a title: a `表N` line followed by its title, a line
//!   shaped like a table title (`…表`, `…表（按…）`), a prose heading of a
//!   performance-target part followed by a grid, or a tab-separated grid
//!   with no title at all (its first header cell names it);
//! - a table continues over page breaks, where its title and header may be
//!   printed again, and ends at the next title, a part heading or prose;
//! - notes (`注：…`) under a table belong to it.
//!
//! The body of a table is rebuilt by [`tabbed`] when its cells are
//! tab-separated and by [`flat`] when the converter flattened them to
//! space-separated words.

mod drawing_order;
mod flat;
mod form;
mod grid_rules;
mod header;
mod header_zones;
mod layout;
mod list_table;
pub mod lost_layout;
mod markdown;
mod meta;
mod subject_tree;
mod tabbed;
pub mod text;

use crate::model::{ParsedReport, Table};
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;
use text::is_space;

pub use meta::read_meta;

/// One source line with its 1-based number.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub no: u32,
    pub text: &'a str,
    /// `text::squash(text)`. Many rules look at a line's squashed form, so
    /// it is made once per line (see [`SourceLines`]).
    pub squashed: &'a str,
}

impl Line<'_> {
    pub fn is_blank(&self) -> bool {
        self.text.trim_matches(is_space).is_empty()
    }
    pub fn is_tabbed(&self) -> bool {
        self.text.contains('\t')
    }
    pub fn is_furniture(&self) -> bool {
        text::is_furniture(self.text, self.squashed)
    }
    /// Does the line carry an amount that cannot be a code or a row number
    /// (decimals or thousands separators)?
    pub fn has_decimal_amount(&self) -> bool {
        text::has_decimal_amount(self.text)
    }
}

/// The lines of a report and their squashed forms, which the [`Line`]s
/// borrow.
pub struct SourceLines<'t> {
    texts: Vec<&'t str>,
    squashed: Vec<Cow<'t, str>>,
}

impl<'t> SourceLines<'t> {
    pub fn new(text: &'t str) -> Self {
        let texts = line_texts(text);
        let squashed = texts.iter().map(|t| text::squash_cow(t)).collect();
        SourceLines { texts, squashed }
    }

    pub fn lines(&self) -> Vec<Line<'_>> {
        self.texts
            .iter()
            .zip(&self.squashed)
            .enumerate()
            .map(|(i, (text, squashed))| Line {
                no: (i + 1) as u32,
                text,
                squashed,
            })
            .collect()
    }
}

/// A table title line: a short line ending in 表 (optionally followed by a
/// parenthesised qualifier such as （按功能分类科目）).
static TABLE_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^，。；;：:！？!?]{2,60}?(表|清单)([（(][^）)]{1,20}[）)])?$").unwrap()
});
/// Part headings that end the tables part: 第二部分 …, 第四部分 名词解释.
static PART_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^第[一二三四五六七八九十]+部分").unwrap());
/// Prose headings that title a narrative table when a grid follows.
static NARRATIVE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)?([^，。；;：:]{2,40}(绩效目标情况|绩效目标表))$").unwrap()
});
/// A numbered prose heading that explains (说明) rather than tabulates.
static PROSE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)[^\d]{2,40}(说明|情况|解释)$",
    )
    .unwrap()
});

/// What starts a table.
#[derive(Debug, Clone)]
struct Anchor {
    number: Option<String>,
    title: String,
    narrative: bool,
    /// First line of the table (the 表N line or the title).
    start: usize,
    /// First line after the title lines.
    body_start: usize,
}

/// The text of each line, line `i + 1` at index `i`.
fn line_texts(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|t| t.trim_end_matches(['\r', ' ']))
        .collect()
}

/// The report's metadata alone (cheaper than a full parse).
pub fn read_report_meta(text: &str) -> crate::model::ReportMeta {
    read_meta(&line_texts(&normalized_style(text)))
}

/// The text in a style the readers know: markdown pipe tables become
/// tab-separated cells ([`markdown`]); every other style is read as it is.
fn normalized_style(text: &str) -> Cow<'_, str> {
    if markdown::is_markdown(text) {
        Cow::Owned(markdown::to_tabbed(text))
    } else {
        Cow::Borrowed(text)
    }
}

/// Parses a whole report: its metadata and every table.
pub fn parse_report(text: &str) -> ParsedReport {
    parse_report_with(text, None)
}

/// Parses a report whose metadata may already be known (read by
/// [`read_report_meta`] from the same text): only its tables are read then.
pub fn parse_report_with(text: &str, meta: Option<crate::model::ReportMeta>) -> ParsedReport {
    let text = normalized_style(text);
    let source = SourceLines::new(&text);
    let lines = source.lines();
    let meta = meta.unwrap_or_else(|| read_meta(&source.texts));
    let reordered = drawing_order::reading_order(&lines);
    let read = reordered.as_deref().unwrap_or(&lines);
    let mut tables = find_tables(read);
    let lists = list_table::find(read, &tables);
    if !lists.is_empty() {
        // A list's rows read as an untitled grid of cells are the list's.
        tables.retain(|t| {
            !lists
                .iter()
                .any(|l| l.line_start < t.line_start && t.line_end <= l.line_end)
        });
        tables.extend(lists);
        tables.sort_by_key(|t| t.line_start);
        for (k, t) in tables.iter_mut().enumerate() {
            t.ordinal = (k + 1) as u32;
        }
    }
    let damage = truncation(&lines, &tables).into_iter().collect();
    ParsedReport {
        meta,
        tables,
        damage,
    }
}

/// A table cut off at the end of the file: the last table runs to the last
/// line of the text, and its last row has fewer cells than every other row
/// of the table (the rest of the row, and of the report, is missing).
fn truncation(lines: &[Line], tables: &[Table]) -> Option<String> {
    let t = tables.last()?;
    let last_line = lines.iter().rev().find(|l| !l.is_blank())?.no;
    if t.line_end != last_line || t.rows.len() < 2 || !t.notes.is_empty() {
        return None;
    }
    // Only rows of amounts have a length to fall short of: the rows of a
    // form or a text table differ in length as printed.
    let amounts = |r: &crate::model::Row| {
        r.cells
            .iter()
            .flatten()
            .filter(|c| text::is_amount(c))
            .count()
    };
    if t.narrative || t.rows.iter().any(|r| amounts(r) == 0) {
        return None;
    }
    // A row cut by the end of the text kept its label and lost amounts; a
    // last "row" that is one bare number is a page number.
    let has_label = |r: &crate::model::Row| r.cells.iter().flatten().any(|c| !text::is_amount(c));
    if !t.rows.last().is_some_and(has_label) {
        return None;
    }
    let filled = |r: &crate::model::Row| r.cells.iter().flatten().count();
    let (last, rest) = t.rows.split_last()?;
    let fewest = rest.iter().map(filled).min()?;
    (filled(last) < fewest).then(|| {
        format!(
            "table {} {} cut off at line {}: the last row has {} of {} cells and the text ends there",
            t.ordinal,
            t.title,
            last.line,
            filled(last),
            fewest
        )
    })
}

fn is_title_line(line: Line) -> bool {
    let raw = line.text.trim_matches(is_space);
    if !(raw.contains('表') || raw.contains("清单")) || raw.len() > 240 {
        return false;
    }
    if raw.contains('\t') || raw.starts_with('-') || raw.starts_with('·') {
        return false;
    }
    let s = line.squashed;
    if is_part_heading(s) || text::unit_of(s).is_some() {
        return false;
    }
    // A title never carries amounts.
    if text::has_decimal_amount(raw) {
        return false;
    }
    TABLE_TITLE.is_match(s)
}

/// A squashed title after its number: shaped like a table title.
fn is_title_text(s: &str) -> bool {
    !is_part_heading(s) && text::unit_of(s).is_none() && TABLE_TITLE.is_match(s)
}

fn is_part_heading(squashed: &str) -> bool {
    squashed.starts_with('第') && PART_HEADING.is_match(squashed)
}

/// Index of the next non-blank line at or after `i`.
fn next_nonblank(lines: &[Line], mut i: usize) -> Option<usize> {
    while i < lines.len() {
        if !lines[i].is_blank() {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Does a grid start within the next few lines (the header of a narrative
/// table)? Intro sentences ending in a colon may stand between.
fn grid_follows(lines: &[Line], from: usize) -> bool {
    let mut i = from;
    let mut seen = 0;
    while let Some(j) = next_nonblank(lines, i) {
        let l = lines[j];
        if l.is_tabbed() {
            return true;
        }
        let t = l.text.trim_matches(is_space);
        if t.ends_with('：') || t.ends_with(':') {
            i = j + 1;
            seen += 1;
            if seen > 2 {
                return false;
            }
            continue;
        }
        // Flattened header: several short words on one line.
        let words: Vec<&str> = t.split(is_space).filter(|w| !w.is_empty()).collect();
        return words.len() >= 2
            && words
                .iter()
                .all(|w| w.chars().count() <= 16 && !w.ends_with('。'));
    }
    false
}

/// The title of a numbered table printed after its grid: some converters
/// (pypdf) write a page's text in drawing order, where the title may come
/// last. It is the first title line after the number, before the next
/// table number, with amounts (or the bare 合计 of an empty table) between
/// the two (the grid).
fn late_title(lines: &[Line], number_at: usize) -> Option<String> {
    const LOOKAHEAD: usize = 150;
    let mut amounts = false;
    for l in lines.iter().skip(number_at + 1).take(LOOKAHEAD) {
        if text::numbered_title(l.text).is_some() || is_part_heading(l.squashed) {
            return None;
        }
        if is_title_line(*l) {
            return amounts.then(|| l.squashed.to_string());
        }
        // A bare 合计 is the one row of a table printed empty.
        amounts |= l.has_decimal_amount() || matches!(l.squashed, "合计" | "总计");
    }
    None
}

/// Finds the anchor starting at line `i`, if any.
fn anchor_at(lines: &[Line], i: usize) -> Option<Anchor> {
    let line = lines[i];
    if let Some((number, rest)) = text::numbered_title(line.text) {
        if rest.is_empty() {
            let t = next_nonblank(lines, i + 1)?;
            if !is_title_line(lines[t]) {
                return late_title(lines, i).map(|title| Anchor {
                    number: Some(number),
                    title,
                    narrative: false,
                    start: i,
                    body_start: i + 1,
                });
            }
            return Some(Anchor {
                number: Some(number),
                title: lines[t].squashed.to_string(),
                narrative: false,
                start: i,
                body_start: t + 1,
            });
        }
        // Number and title on one line; a long title may wrap onto the next.
        let title = text::squash(rest);
        if is_title_text(&title) {
            return Some(Anchor {
                number: Some(number),
                title,
                narrative: false,
                start: i,
                body_start: i + 1,
            });
        }
        if let Some(t) = next_nonblank(lines, i + 1).filter(|&t| t == i + 1) {
            let joined = format!("{title}{}", lines[t].squashed);
            if lines[t].squashed.chars().count() <= 20 && is_title_text(&joined) {
                return Some(Anchor {
                    number: Some(number),
                    title: joined,
                    narrative: false,
                    start: i,
                    body_start: t + 1,
                });
            }
        }
        return None;
    }
    if is_title_line(line) {
        return Some(Anchor {
            number: None,
            title: line.squashed.to_string(),
            narrative: false,
            start: i,
            body_start: i + 1,
        });
    }
    let s = line.squashed;
    let toc_entry = line.text.trim_start_matches(is_space).starts_with('-');
    if !line.is_tabbed() && !toc_entry && s.contains("绩效目标") {
        if let Some(c) = NARRATIVE_HEADING.captures(s) {
            if grid_follows(lines, i + 1) {
                return Some(Anchor {
                    number: None,
                    title: c.get(1).unwrap().as_str().to_string(),
                    narrative: true,
                    start: i,
                    body_start: i + 1,
                });
            }
        }
    }
    None
}

/// Where a table's body lines go while the document is scanned.
struct Pending<'a> {
    anchor: Anchor,
    /// Unit line seen just before the title (page header).
    unit_before: Option<&'static str>,
    body: Vec<usize>,
    /// What the lines so far say, kept as they come so that deciding where
    /// the table ends costs the same for every line, however long the table.
    state: BodyState<'a>,
}

#[derive(Default)]
struct BodyState<'a> {
    /// Some row had tab-separated cells.
    tabbed: bool,
    /// The last content line was a note or its continuation.
    in_notes: bool,
    /// Tab rows seen (whitespace removed), to know a repeated header.
    tab_rows: HashSet<&'a str>,
    /// A tab row with amounts or long text was seen.
    data_seen: bool,
}

impl<'a> BodyState<'a> {
    fn push(&mut self, lines: &[Line<'a>], i: usize) {
        let l = lines[i];
        if l.is_blank() {
            return;
        }
        let prev_blank = i > 0 && lines[i - 1].is_blank();
        if text::is_note_start(l.text) {
            self.in_notes = true;
        } else if self.in_notes && !prev_blank && !l.is_tabbed() {
            // A line glued under a note continues it (furniture included).
        } else if !l.is_furniture() {
            self.in_notes = false;
        }
        if l.is_tabbed() {
            self.tabbed = true;
            self.tab_rows.insert(l.squashed);
            // Once a data row is seen the answer is known: skip the test.
            if !self.data_seen {
                self.data_seen = tabbed::is_data_row(l.text);
            }
        }
    }
}

fn find_tables(lines: &[Line]) -> Vec<Table> {
    let mut tables = Vec::new();
    let mut current: Option<Pending> = None;
    // Unit printed in the page header above the next title.
    let mut recent_unit: Option<(&'static str, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(u) = text::unit_of(line.text) {
            recent_unit = Some((u, i));
        }
        if let Some(anchor) = anchor_at(lines, i) {
            let repeat = current.as_ref().is_some_and(|p| {
                p.anchor.title == anchor.title
                    && (anchor.number.is_none() || anchor.number == p.anchor.number)
                    && !starts_another_form(lines, &p.body, anchor.body_start)
            });
            if repeat {
                // The title printed again on the next page: same table.
                i = anchor.body_start;
                continue;
            }
            if let Some(p) = current.take() {
                tables.extend(finish(lines, p, tables.len()));
            }
            let unit_before = recent_unit
                .filter(|(_, at)| anchor.start.saturating_sub(*at) <= 8)
                .map(|(u, _)| u);
            i = anchor.body_start;
            current = Some(Pending {
                anchor,
                unit_before,
                body: Vec::new(),
                state: BodyState::default(),
            });
            continue;
        }
        if is_part_heading(line.squashed) {
            if let Some(p) = current.take() {
                tables.extend(finish(lines, p, tables.len()));
            }
            i += 1;
            continue;
        }
        match current.as_mut() {
            Some(p) => {
                if ends_table(lines, p, i) {
                    let p = current.take().unwrap();
                    tables.extend(finish(lines, p, tables.len()));
                    continue;
                }
                p.body.push(i);
                p.state.push(lines, i);
            }
            None => {
                // A grid with no title: its first header cell names it.
                // (A numbered list's header is left to [`list_table`],
                // which titles it by its heading.)
                if line.is_tabbed()
                    && !tabbed::is_separator_row(line.text)
                    && !list_table::is_list_header(line.text)
                {
                    let title = tabbed::title_from_header(line.text);
                    if !title.is_empty() {
                        let mut state = BodyState::default();
                        state.push(lines, i);
                        current = Some(Pending {
                            anchor: Anchor {
                                number: None,
                                title,
                                narrative: true,
                                start: i,
                                body_start: i,
                            },
                            unit_before: None,
                            body: vec![i],
                            state,
                        });
                    }
                }
            }
        }
        i += 1;
    }
    if let Some(p) = current.take() {
        tables.extend(finish(lines, p, tables.len()));
    }
    for (k, t) in tables.iter_mut().enumerate() {
        t.ordinal = (k + 1) as u32;
    }
    tables
}

/// A title printed again is the same table continued on a new page, unless
/// a form of the same name starts there: a series of forms (one
/// 绩效目标表 per project) shares one title, and each opens with rows of
/// text that name its project. A continued table goes on with amounts or
/// repeats its header rows.
fn starts_another_form(lines: &[Line], body: &[usize], from: usize) -> bool {
    const OPENING: usize = 3;
    // Blank lines are furniture too.
    let content = |l: &&Line| !l.is_furniture();
    let opened: Vec<&Line> = body
        .iter()
        .map(|&k| &lines[k])
        .filter(content)
        .take(OPENING)
        .collect();
    let next: Vec<&Line> = lines[from.min(lines.len())..]
        .iter()
        .filter(content)
        .take(OPENING)
        .collect();
    opened.len() == OPENING
        && next.len() == OPENING
        && !opened.iter().chain(&next).any(|l| l.has_decimal_amount())
        && next
            .iter()
            .zip(&opened)
            .any(|(n, o)| n.squashed != o.squashed)
}

/// Is line `i` the first line after the table being collected?
fn ends_table(lines: &[Line], p: &Pending, i: usize) -> bool {
    let line = lines[i];
    if line.is_blank() || line.is_furniture() {
        return false;
    }
    let t = line.text.trim_matches(is_space);
    if text::is_note_start(t) {
        return false;
    }
    if p.state.in_notes {
        // Lines glued under a note continue it; anything after a gap is prose.
        return lines[i - 1].is_blank() || line.is_tabbed();
    }
    if p.state.tabbed {
        if line.is_tabbed() {
            return tabbed::starts_new_table(&p.state.tab_rows, p.state.data_seen, line);
        }
        // Inside a tab-separated table every row has tabs.
        return true;
    }
    PROSE_HEADING.is_match(line.squashed) && !t.split(is_space).any(text::is_amount)
}

/// Builds the table from its collected lines.
fn finish(lines: &[Line], p: Pending, before: usize) -> Option<Table> {
    let body: Vec<Line> = p.body.iter().map(|&k| lines[k]).collect();
    let mut notes = Vec::new();
    let mut grid_lines = Vec::new();
    let mut in_note = false;
    let mut prev_blank = false;
    for l in &body {
        if l.is_blank() {
            // Blank lines mark page breaks, which the grid rules need.
            prev_blank = true;
            grid_lines.push(*l);
            continue;
        }
        if text::is_note_start(l.text) {
            in_note = true;
            notes.push(l.squashed.to_string());
        } else if in_note && !prev_blank && !l.is_tabbed() && !l.is_furniture() {
            notes.push(l.squashed.to_string());
        } else {
            in_note = false;
            grid_lines.push(*l);
        }
        prev_blank = false;
    }
    let unit_in_body = body.iter().find_map(|l| text::unit_of(l.text));
    let style = if grid_lines.iter().any(|l| l.is_tabbed()) {
        form::Style::Tabbed
    } else if layout::is_layout(&grid_lines) {
        form::Style::Layout
    } else {
        form::Style::Flat
    };
    if let Some(grid) = form::rebuild(&grid_lines, &p.anchor.title, style) {
        // A form states its unit in a label: 项目资金（元）.
        let unit = unit_in_body.or(p.unit_before).or_else(|| {
            grid.rows
                .iter()
                .flat_map(|r| r.cells.iter().flatten())
                .find_map(|c| unit_in_header(c))
        });
        return Some(table(lines, p, &body, grid, notes, unit));
    }
    let grid = if style == form::Style::Tabbed {
        tabbed::rebuild(&grid_lines, &p.anchor.title)
    } else if style == form::Style::Layout {
        layout::rebuild(&grid_lines, &p.anchor.title)
    } else {
        flat::rebuild(&grid_lines, &p.anchor.title)
    }
    .or_else(|| {
        // A table printed empty (本表为空表, 本表无数据): its header and a
        // bare 合计, nothing a reader can place, yet a table of the report.
        let says_empty = body.iter().chain(lines.get(p.anchor.start)).any(|l| {
            l.squashed.contains("空表")
                || l.squashed.contains("本表无数据")
                || l.squashed.contains("本表为空")
        });
        // So is one whose body is nothing but header words under its
        // title (text in drawing order may print its 合计 elsewhere).
        (says_empty || flat::is_header_only(&grid_lines, &p.anchor.title))
            .then(|| flat::empty_table(&grid_lines, &p.anchor.title))
    })?;
    let mut grid = grid;
    grid_rules::lift_merged_group_labels(&mut grid);
    grid_rules::none_row_in_first_column(&mut grid);
    grid_rules::shift_into_empty_totals(&mut grid);
    grid_rules::place_by_economic_class(&mut grid);
    subject_tree::place_by_subject_tree(&mut grid);
    grid_rules::warn_unsure(&mut grid);
    if body.windows(2).any(|w| w[1].no < w[0].no) {
        grid.warnings.push(format!(
            "line {}: title printed after its grid (text in drawing order); lines read in reading order",
            lines[p.anchor.start].no
        ));
    }
    let unit = unit_in_body
        .or(p.unit_before)
        .or_else(|| grid.columns.iter().find_map(|c| unit_in_header(c)));
    let _ = before;
    Some(table(lines, p, &body, grid, notes, unit))
}

/// The table of a finished grid: its span of lines and what its title said.
fn table(
    lines: &[Line],
    p: Pending,
    body: &[Line],
    grid: Grid,
    notes: Vec<String>,
    unit: Option<&str>,
) -> Table {
    // Lines put back in reading order ([`drawing_order`]) keep their
    // numbers: the span is the least and greatest of them.
    let start_no = lines[p.anchor.start].no;
    let line_end = body
        .iter()
        .filter(|l| !l.is_blank())
        .map(|l| l.no)
        .max()
        .unwrap_or(start_no)
        .max(start_no);
    let line_start = body
        .iter()
        .map(|l| l.no)
        .min()
        .unwrap_or(start_no)
        .min(start_no);
    Table {
        ordinal: 0,
        number: p.anchor.number,
        title: p.anchor.title,
        unit: unit.map(str::to_string),
        narrative: p.anchor.narrative,
        columns: grid.columns,
        rows: grid.rows,
        notes,
        line_start,
        line_end,
        kind: None,
        measures: Vec::new(),
        warnings: grid.warnings,
        verification: Default::default(),
    }
}

/// A unit stated inside a header cell: 预算数（单位：万元）, 2021年预算(万元).
fn unit_in_header(col: &str) -> Option<&'static str> {
    text::unit_of(col).or_else(|| {
        if col.contains("(万元)") || col.contains("（万元）") {
            Some("万元")
        } else if col.contains("(元)") || col.contains("（元）") {
            Some("元")
        } else {
            None
        }
    })
}

/// The rebuilt grid of one table.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub columns: Vec<String>,
    pub rows: Vec<crate::model::Row>,
    /// What the reader was unsure of, each with its source line.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tables_in_drawing_order_are_tables() {
        // pypdf: the number first, the title after the grid, the grid a
        // header and a bare 合计; and a header with no row at all.
        let text = "公开10表\n部门：某某厅 单位：万元\n功能科目编码 功能科目名称 金额\n合计\n注：本部门无该项目\n\
                    财政拨款政府性基金支出预算表\n\
                    国有资本经营预算支出功能分类预算表\n项目 国有资本经营预算支出\n功能分类科目编码\n\
                    功能分类科目名称 合计 基本支出 项目支出\n类 款 项\n";
        let tables = parse_report(text).tables;
        let titles: Vec<&str> = tables.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "财政拨款政府性基金支出预算表",
                "国有资本经营预算支出功能分类预算表"
            ]
        );
        assert_eq!(tables[0].number.as_deref(), Some("公开10表"));
        assert_eq!(tables[0].columns, ["功能科目编码", "功能科目名称", "金额"]);
        let total: Vec<Option<&str>> = tables[0].rows[0]
            .cells
            .iter()
            .map(|c| c.as_deref())
            .collect();
        assert_eq!(total, [None, Some("合计"), None]);
        assert_eq!(tables[1].columns.len(), 7, "{:?}", tables[1].columns);
        assert!(tables[1].rows.is_empty());
    }

    #[test]
    fn a_table_cut_off_at_the_end_is_damage() {
        let whole = "表1\n支出总体情况表\n科目编码 科目名称 合计 基本支出\n201 一般公共服务支出 1.65 1.65\n20131 机构事务 1.65 1.65\n";
        assert!(parse_report(whole).damage.is_empty());
        let cut = "表1\n支出总体情况表\n科目编码 科目名称 合计 基本支出\n201 一般公共服务支出 1.65 1.65\n20131 机构事务 1.65 1.65\n2013101 行政运行 1.";
        let d = parse_report(cut).damage;
        assert_eq!(d.len(), 1);
        assert!(d[0].contains("cut off at line 6"), "{d:?}");
    }

    #[test]
    fn title_lines() {
        let is_title = |s: &str| is_title_line(SourceLines::new(s).lines()[0]);
        assert!(is_title("收支总体情况表"));
        assert!(is_title("一般公共预算支出情况表（按功能分类科目）"));
        assert!(is_title("财政拨款“三公”经费支出决算表"));
        assert!(!is_title("- 一、收支总体情况表"));
        assert!(!is_title("第二部分 2025年部门预算表"));
        assert!(!is_title("本部门收支总体情况见下表，单位为万元。"));
    }

    #[test]
    fn tab_table_with_repeated_title_is_one_table() {
        let text = "表 1\n\n收支总体情况表\n\n部门名称：某局\n\n单位：万元\n\n收 入\t\t支 出\t\n收入项目\t预算\t支出项目\t预算\n一、财政拨款\t10.00\t一、科学技术支出\t4.00\n\n收支总体情况表\n\n部门名称：某局\n\n单位：万元\n\n收 入\t\t支 出\t\n收入项目\t预算\t支出项目\t预算\n\t\t二、卫生健康支出\t6.00\n收入总计\t10.00\t支出总计\t10.00\n\n注： 本表根据实际编列。\n\n第五部分 其他\n";
        let r = parse_report(text);
        assert_eq!(r.tables.len(), 1);
        let t = &r.tables[0];
        assert_eq!(t.number.as_deref(), Some("表1"));
        assert_eq!(t.title, "收支总体情况表");
        assert_eq!(t.unit.as_deref(), Some("万元"));
        assert_eq!(
            t.columns,
            ["收入/收入项目", "收入/预算", "支出/支出项目", "支出/预算"]
        );
        assert_eq!(t.rows.len(), 3);
        assert_eq!(
            t.rows[1].cells,
            [
                None,
                None,
                Some("二、卫生健康支出".into()),
                Some("6.00".into())
            ]
        );
        assert_eq!(t.notes, ["注：本表根据实际编列。"]);
    }
}
