//! Markdown text (pymupdf4llm; docling and marker write the same shape),
//! rewritten line for line into the tab-separated cells the tabbed reader
//! reads, so that every grid rule after it is the tabbed one.
//!
//! What the markdown writers do to a printed table, and what is undone here:
//! - a pipe row per printed row, a `|---|` rule after the first row and
//!   again where a page break started a new pipe table: cells by pipe index,
//!   the rules kept as separator rows (the tabbed reader drops them);
//! - two printed columns merged into one cell with `<br>` between them
//!   (`一、财政拨款收入<br>96,282,213.44`): a column whose data cells are
//!   mostly a label, `<br>` and an amount is split back into two;
//! - a header cell printed on two lines (`功能<br>类`): its upper part goes
//!   on the rule line just above, which carries nothing, so the header keeps
//!   its two levels;
//! - any other `<br>` is a wrapped line inside one cell and becomes a space
//!   (which the cell cleaner drops between CJK characters);
//! - headings (`#`), list marks, bold and strike-through around prose: the
//!   marks are removed and the words kept.
//!
//! Line numbers do not move: line N of the rewrite is line N of the input.

mod continuation;
mod header;

use super::text::{is_amount, is_space};
use continuation::ColumnProfile;
use std::borrow::Cow;

const BREAK: &str = "<br>";
/// A pipe rule as a tabbed separator row (two cells, so the line reads as
/// part of the grid; the tabbed reader drops it).
const RULE: &str = "---\t---";

/// Is this markdown with pipe tables? A pipe rule (`|---|---|`) right
/// under a pipe row is the mark of a table a markdown converter wrote.
pub fn is_markdown(text: &str) -> bool {
    // Most texts hold no pipe at all.
    if memchr::memchr(b'|', text.as_bytes()).is_none() {
        return false;
    }
    let mut prev_pipe = false;
    for line in text.lines() {
        if prev_pipe && is_rule_row(line) {
            return true;
        }
        prev_pipe = is_pipe_row(line) && !is_rule_row(line);
    }
    false
}

/// The text with every pipe table rewritten to tab-separated cells and the
/// markdown marks around prose removed; one output line per input line.
pub fn to_tabbed(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    // The columns of the table the last block belonged to, while only
    // blank lines and page furniture follow it, and its header as rebuilt
    // (if it was): every page of a table gets the header of its first.
    let mut table: Option<OpenTable> = None;
    let mut i = 0;
    while i < lines.len() {
        if is_page_number_line(&lines, i) {
            out.push(String::new());
            i += 1;
        } else if is_pipe_row(lines[i]) {
            let end = (i..lines.len())
                .find(|&j| !is_pipe_row(lines[j]))
                .unwrap_or(lines.len());
            let (rewritten, open) = rewrite_block(&lines[i..end], table.as_ref());
            out.extend(rewritten);
            table = Some(open);
            i = end;
        } else {
            let line = strip_marks(lines[i]);
            let t = line.trim_matches(is_space);
            if !t.is_empty() && !super::text::is_furniture(t, &super::text::squash(t)) {
                table = None;
            }
            out.push(line.into_owned());
            i += 1;
        }
    }
    out.join("\n")
}

/// A page number printed alone between blank lines (pymupdf4llm keeps the
/// page footer as a paragraph): page furniture, which inside a table would
/// read as a row.
fn is_page_number_line(lines: &[&str], i: usize) -> bool {
    let t = lines[i].trim_matches(is_space);
    let blank = |k: Option<usize>| {
        k.and_then(|k| lines.get(k))
            .is_none_or(|l| l.trim_matches(is_space).is_empty())
    };
    (1..=4).contains(&t.len())
        && t.bytes().all(|b| b.is_ascii_digit())
        && blank(i.checked_sub(1))
        && blank(Some(i + 1))
}

fn is_pipe_row(line: &str) -> bool {
    let t = line.trim_matches(is_space);
    t.len() >= 2 && t.starts_with('|') && t.ends_with('|')
}

/// `|---|:---:|`: a pipe row of dashes and colons only.
fn is_rule_row(line: &str) -> bool {
    is_pipe_row(line)
        && line.contains('-')
        && line
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':') || is_space(c))
}

/// The cells of a pipe row, without the outer pipes.
fn cells(line: &str) -> Vec<&str> {
    let t = line.trim_matches(is_space);
    let inner = &t[1..t.len() - 1];
    inner.split('|').map(|c| c.trim_matches(is_space)).collect()
}

/// A cell that holds two printed cells: a label, a line break, an amount.
fn label_and_amount(cell: &str) -> Option<(&str, &str)> {
    let (label, amount) = cell.rsplit_once(BREAK)?;
    let (label, amount) = (label.trim_matches(is_space), amount.trim_matches(is_space));
    (!label.is_empty() && !label.contains(BREAK) && is_amount(amount)).then_some((label, amount))
}

/// Header rows, cells by column.
type HeaderRows = Vec<Vec<String>>;

/// The table the last block of pipe rows belonged to.
struct OpenTable {
    columns: Vec<ColumnProfile>,
    /// Its header as rebuilt by the grammar, if it was.
    header: Option<HeaderRows>,
}

/// One block of consecutive pipe rows, and the table it belongs to.
/// `continued` is the table a block continues (one on the page before,
/// with nothing but furniture between): its columns, and its header, which
/// every page of the table gets as its first page had it rebuilt.
fn rewrite_block(rows: &[&str], continued: Option<&OpenTable>) -> (Vec<String>, OpenTable) {
    let mut grid = block_grid(rows);
    let first_data = grid
        .iter()
        .position(|r| r.as_deref().is_some_and(has_amount))
        .unwrap_or(grid.len());
    let table = continued.map(|t| t.columns.as_slice());
    let mut header = continued.and_then(|t| t.header.clone());
    if first_data > 0 {
        merge_split_columns(&mut grid, first_data);
        // Not where two printed columns share a cell (项目<br>预算数): the
        // header's merged cells are split with the data's below.
        let own = merged_columns(&grid[first_data..])
            .is_empty()
            .then(|| rebuilt_header(&grid[..first_data]))
            .flatten();
        // A page's header rows are replaced when they are the table's
        // header again; rows above a page's first amounts may be rows.
        let replace = match continued {
            None => {
                header = own;
                true
            }
            Some(_) => own.is_some() && own == header,
        };
        if let Some(h) = header
            .as_deref()
            .filter(|h| replace && h.len() <= first_data)
        {
            let mut rebuilt = h.iter().cloned();
            for slot in &mut grid[..first_data] {
                *slot = rebuilt.next();
            }
        }
    }
    let columns = match table {
        Some(table) if first_data == 0 => restore_dropped_columns(&mut grid, table),
        _ => None,
    }
    .unwrap_or_else(|| {
        let data: Vec<&Vec<String>> = grid[first_data..].iter().flatten().collect();
        let width = grid.iter().flatten().map(Vec::len).max().unwrap_or(0);
        continuation::profiles(&data, width)
    });
    let merged = merged_columns(&grid[first_data..]);
    // The header row right above the data: the one whose merged cells are
    // two column headings (项目<br>预算数) rather than one heading on two
    // lines.
    let leaf_header = grid[..first_data].iter().rposition(Option::is_some);

    let mut out: Vec<String> = Vec::with_capacity(rows.len());
    for (k, row) in grid.iter().enumerate() {
        let Some(row) = row else {
            out.push(RULE.to_string());
            continue;
        };
        let spaced = row.join(" ");
        if super::text::is_furniture(&spaced, &super::text::squash(&spaced)) {
            // 部门：…|单位：万元 set in the grid: a page-header line.
            out.push(spaced.split_whitespace().collect::<Vec<_>>().join(" "));
            continue;
        }
        let in_header = k < first_data;
        let mut upper: Vec<String> = Vec::new();
        let mut lower: Vec<String> = Vec::new();
        for (j, cell) in row.iter().enumerate() {
            if merged.contains(&j) {
                let (a, b) = if in_header && Some(k) != leaf_header {
                    (joined(cell), String::new())
                } else {
                    split_merged(cell)
                };
                upper.extend([String::new(), String::new()]);
                lower.extend([a, b]);
            } else if in_header && cell.contains(BREAK) {
                let (a, b) = cell.rsplit_once(BREAK).unwrap_or(("", cell));
                upper.push(joined(a));
                lower.push(joined(b));
            } else {
                upper.push(String::new());
                lower.push(joined(cell));
            }
        }
        // A header cell's upper line goes on the rule row just above it,
        // which printed nothing.
        let stacked = upper.iter().any(|c| !c.is_empty());
        match out.last_mut() {
            Some(prev) if stacked && prev == RULE => *prev = upper.join("\t"),
            _ if stacked => {
                for (l, u) in lower.iter_mut().zip(&upper) {
                    if !u.is_empty() {
                        *l = format!("{u}{l}");
                    }
                }
            }
            _ => {}
        }
        out.push(lower.join("\t"));
    }
    (out, OpenTable { columns, header })
}

/// The header rows above the data rebuilt by the templates' grammar
/// ([`header::rebuild_header`]), when they read by it and hold no page
/// furniture.
fn rebuilt_header(rows: &[Option<Vec<String>>]) -> Option<HeaderRows> {
    let width = rows.iter().flatten().map(Vec::len).max().unwrap_or(0);
    let rows: Vec<Vec<String>> = rows.iter().flatten().cloned().collect();
    let furniture = rows.iter().any(|r| {
        let spaced = r.join(" ");
        super::text::is_furniture(&spaced, &super::text::squash(&spaced))
    });
    if furniture {
        return None;
    }
    let padded: Vec<Vec<String>> = rows
        .into_iter()
        .map(|mut r| {
            r.resize(width, String::new());
            r
        })
        .collect();
    header::rebuild_header(&padded, width)
}

/// A block narrower than the table it continues: its cells are moved under
/// the table's columns (the converter dropped the ones empty on this page).
/// Returns the table's columns when it did so.
fn restore_dropped_columns(
    grid: &mut [Option<Vec<String>>],
    table: &[ColumnProfile],
) -> Option<Vec<ColumnProfile>> {
    let width = grid.iter().flatten().map(Vec::len).max().unwrap_or(0);
    let rows: Vec<&Vec<String>> = grid.iter().flatten().collect();
    let at = continuation::placement(&continuation::profiles(&rows, width), table)?;
    for row in grid.iter_mut().flatten() {
        let mut placed = vec![String::new(); table.len()];
        for (cell, &j) in row.drain(..).zip(&at) {
            placed[j] = cell;
        }
        *row = placed;
    }
    Some(table.to_vec())
}

/// The cells of each row of a block (`None` for a rule row), with the
/// converter's cuts through cells undone: amounts cut by a column rule made
/// whole (and the column the cut made dropped), two amounts put into one
/// cell of a short row split again.
fn block_grid(rows: &[&str]) -> Vec<Option<Vec<String>>> {
    let width = rows
        .iter()
        .filter(|r| !is_rule_row(r))
        .map(|r| cells(r).len())
        .max()
        .unwrap_or(0);
    let mut cut_columns: Vec<usize> = Vec::new();
    let mut grid: Vec<Option<Vec<String>>> = rows
        .iter()
        .map(|r| {
            (!is_rule_row(r)).then(|| {
                let (row, cut) = repair_split_amounts(&cells(r));
                cut_columns.extend(cut);
                split_short_row(row, width)
            })
        })
        .collect();
    cut_columns.sort_unstable();
    cut_columns.dedup();
    for &j in cut_columns.iter().rev() {
        let empty = grid
            .iter()
            .flatten()
            .all(|r| r.get(j).is_none_or(|c| c.is_empty()));
        if empty {
            for r in grid.iter_mut().flatten() {
                if j < r.len() {
                    r.remove(j);
                }
            }
        }
    }
    grid
}

/// pymupdf4llm cuts an amount where a column rule crossed it: `754.|75`
/// (the decimals alone in the next cell) or `13,297.1|1 一、基本支出` (the
/// last digit glued to the next cell's text). The amount is made whole and
/// the next cell keeps what is left; also returned are the columns the cut
/// left empty, which the converter made up.
fn repair_split_amounts(row: &[&str]) -> (Vec<String>, Vec<usize>) {
    let mut out: Vec<String> = Vec::with_capacity(row.len());
    let mut emptied = Vec::new();
    let mut j = 0;
    while j < row.len() {
        let cell = row[j];
        let decimals = cell.rfind('.').map(|p| cell.len() - p - 1);
        if let (Some(d @ 0..=1), Some(next)) = (decimals, row.get(j + 1)) {
            let need = 2 - d;
            let digits = next.bytes().take_while(u8::is_ascii_digit).count();
            let whole = format!("{cell}{}", &next[..digits.min(need)]);
            let rest = next[digits.min(need)..].trim_start_matches(is_space);
            if digits == need
                && is_amount(&whole)
                && !rest.starts_with(|c: char| c.is_ascii_digit())
            {
                out.push(whole);
                if rest.is_empty() {
                    emptied.push(j + 1);
                }
                out.push(rest.to_string());
                j += 2;
                continue;
            }
        }
        out.push(cell.to_string());
        j += 1;
    }
    (out, emptied)
}

/// A row short of the block's width with cells holding two amounts
/// (`0.00<br>0.00`): the converter put two printed cells into one.
fn split_short_row(row: Vec<String>, width: usize) -> Vec<String> {
    let all_amounts =
        |c: &str| c.contains(BREAK) && c.split(BREAK).all(|p| is_amount(p.trim_matches(is_space)));
    let extra: usize = row
        .iter()
        .filter(|c| all_amounts(c))
        .map(|c| c.matches(BREAK).count())
        .sum();
    if extra == 0 || row.len() + extra != width {
        return row;
    }
    row.into_iter()
        .flat_map(|c| {
            if all_amounts(&c) {
                c.split(BREAK)
                    .map(|p| p.trim_matches(is_space).to_string())
                    .collect()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn has_amount(row: &[String]) -> bool {
    row.iter().any(|c| {
        c.split(BREAK)
            .any(|part| is_amount(part.trim_matches(is_space)))
    })
}

/// pymupdf4llm may set a column's heading and its values one cell apart:
/// a column with text only in the header rows next to one with values only
/// in the data rows is one printed column.
fn merge_split_columns(grid: &mut [Option<Vec<String>>], first_data: usize) {
    let width = grid.iter().flatten().map(Vec::len).max().unwrap_or(0);
    let filled = |rows: &[Option<Vec<String>>], j: usize| {
        rows.iter()
            .flatten()
            .any(|r| r.get(j).is_some_and(|c| !c.is_empty()))
    };
    let mut j = width;
    while j >= 2 {
        j -= 1;
        let (head, data) = grid.split_at(first_data);
        let heading_only = filled(head, j - 1) && !filled(data, j - 1);
        let values_only = !filled(head, j) && filled(data, j);
        if heading_only && values_only && !data.is_empty() {
            for r in grid.iter_mut().flatten() {
                if j < r.len() {
                    let v = r.remove(j);
                    if !v.is_empty() {
                        r[j - 1] = v;
                    }
                }
            }
        }
    }
}

/// Columns whose data cells are mostly `label<br>amount`: two printed
/// columns the converter put into one.
fn merged_columns(data: &[Option<Vec<String>>]) -> Vec<usize> {
    let width = data.iter().flatten().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .filter(|&j| {
            let filled: Vec<&str> = data
                .iter()
                .flatten()
                .filter_map(|r| r.get(j).map(String::as_str))
                .filter(|c| !c.is_empty())
                .collect();
            let pairs = filled
                .iter()
                .filter(|c| label_and_amount(c).is_some())
                .count();
            // Labels whose amount cell was empty stand alone; lone amounts
            // say the column is an amount column.
            let lone_amounts = filled.iter().filter(|c| is_amount(c)).count();
            pairs >= 1 && pairs > lone_amounts
        })
        .collect()
}

/// The two printed cells of a cell in a merged column: a lone amount is the
/// right one, lone text the left one.
fn split_merged(cell: &str) -> (String, String) {
    if let Some((label, amount)) = label_and_amount(cell) {
        return (joined(label), amount.to_string());
    }
    if let Some((a, b)) = cell.rsplit_once(BREAK) {
        return (joined(a), joined(b));
    }
    if is_amount(cell) {
        (String::new(), cell.to_string())
    } else {
        (joined(cell), String::new())
    }
}

/// A cell's text with its wrapped lines joined and markdown marks removed.
fn joined(cell: &str) -> String {
    strip_marks(&cell.replace(BREAK, " "))
        .trim_matches(is_space)
        .to_string()
}

/// Prose with its markdown marks removed: heading and list marks at the
/// start, bold and strike-through anywhere, HTML comments.
fn strip_marks(line: &str) -> Cow<'_, str> {
    let t = line.trim_start_matches(is_space);
    let t = t.trim_start_matches('#');
    let t = match t.strip_prefix("- ") {
        Some(rest) => rest,
        None => t,
    };
    if !(t.contains("**") || t.contains("~~") || t.contains("<!--")) {
        return if t.len() == line.len() {
            Cow::Borrowed(line)
        } else {
            Cow::Owned(t.trim_start_matches(is_space).to_string())
        };
    }
    let mut s = t.replace("**", "").replace("~~", "");
    while let Some(a) = s.find("<!--") {
        let b = s[a..].find("-->").map_or(s.len(), |b| a + b + 3);
        s.replace_range(a..b, "");
    }
    Cow::Owned(s.trim_start_matches(is_space).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_label_and_amount_columns_are_split_back() {
        let md = "|本年收入|本年支出|\n|---|---|\n|项目<br>预算数|项目<br>预算数|\n\
                  |一、财政拨款收入<br>96,282,213.44|一、公共安全支出<br>87,267,272.44|\n\
                  |二、事业收入<br>0.00||\n|收入总计<br>96,282,213.44|支出总计<br>96,282,213.44|";
        let out = to_tabbed(md);
        let lines: Vec<&str> = out.split('\n').collect();
        assert_eq!(lines.len(), 6, "one line out per line in");
        assert_eq!(lines[0], "本年收入\t\t本年支出\t");
        assert_eq!(lines[2], "项目\t预算数\t项目\t预算数");
        assert_eq!(
            lines[3],
            "一、财政拨款收入\t96,282,213.44\t一、公共安全支出\t87,267,272.44"
        );
        assert_eq!(lines[4], "二、事业收入\t0.00\t\t");
    }

    #[test]
    fn stacked_header_cells_are_unstacked_and_wraps_are_joined() {
        let md = "||||项目||一般公共预算支出||\n|---|---|---|---|---|---|---|\n\
                  |功能<br>类|分类科<br>款|目编码<br>项|功能分类科目名称|合计|基本支出|项目支出|\n\
                  |208|05|05|机关事业单位基本养老<br>保险缴费支出|1839485.00|1839485.00|0.00|";
        let out = to_tabbed(md);
        let lines: Vec<&str> = out.split('\n').collect();
        // The header rebuilt by the grammar, a level per row, each word
        // over the first column it heads.
        assert_eq!(lines[0], "项目\t\t\t\t一般公共预算支出\t\t");
        assert_eq!(
            lines[1],
            "功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出"
        );
        assert_eq!(lines[2], "类\t款\t项\t\t\t\t");
        assert_eq!(
            lines[3],
            "208\t05\t05\t机关事业单位基本养老 保险缴费支出\t1839485.00\t1839485.00\t0.00"
        );
    }

    #[test]
    fn prose_marks_are_removed_and_lines_kept() {
        let md = "### 2026年部门财务收支预算总表 \n##### 编制部门：某局\n- 一、收支预算总表\n**注：**本表~~无~~数据<!-- x -->";
        let out = to_tabbed(md);
        assert_eq!(
            out,
            "2026年部门财务收支预算总表 \n编制部门：某局\n一、收支预算总表\n注：本表无数据"
        );
        assert!(!is_markdown(md));
        assert!(is_markdown("|a|b|\n|---|---|\n|c|d|"));
        assert!(!is_markdown("|---|---|\n收入 | 支出"));
    }
}
