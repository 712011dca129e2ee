//! Numbered lists printed as tables inside the prose (部门决算单位构成: 序号 |
//! 单位名称 | 备注): no title of the table kind names them, so the table
//! finder passes them by. The header row, opening with 序号, marks one; the
//! heading above it (二、部门决算单位构成) is its title.
//!
//! A row is its number and the text of its cells. Converters place a
//! number printed at the middle of a tall cell differently: on the line
//! between the cell's lines (layout, pdfplumber) or before them (pypdf).
//! A number alone on its line therefore takes as many text lines below it
//! as stand unclaimed above it, or, with none above, the lines below it up
//! to a gap or the next number.

use super::text::{self, clean_cell, is_space};
use super::Line;
use crate::model::{Row, Table};

/// Lines looked back from the header for the heading that titles it.
const TITLE_REACH: usize = 12;

/// The list tables of the report outside the tables already found.
pub fn find(lines: &[Line], tables: &[Table]) -> Vec<Table> {
    let inside = |no: u32| {
        tables
            .iter()
            .any(|t| (t.line_start..=t.line_end).contains(&no))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let at = i;
        i += 1;
        if inside(lines[at].no) {
            continue;
        }
        let Some(columns) = list_header(lines[at].text) else {
            continue;
        };
        let Some(title) = heading_above(lines, at) else {
            continue;
        };
        let (rows, end) = list_rows(lines, at + 1, columns.len());
        if rows.is_empty() {
            continue;
        }
        out.push(Table {
            title,
            narrative: true,
            columns,
            rows,
            line_start: lines[at].no,
            line_end: lines[end.saturating_sub(1).max(at)].no,
            ..Table::default()
        });
        i = end.max(at + 1);
    }
    out
}

/// The cells of a line: tab-separated, or words between spaces.
fn cells_of(line: &str) -> Vec<String> {
    let line = line.replace("<br>", "");
    if line.contains('\t') {
        line.split('\t').map(clean_cell).collect()
    } else {
        line.split(is_space)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Is the line a numbered list's header row?
pub fn is_list_header(line: &str) -> bool {
    list_header(line).is_some()
}

/// A list's header row: 序号 and header words after it (单位名称, 备注).
fn list_header(line: &str) -> Option<Vec<String>> {
    let cells = cells_of(line);
    let words: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
    let named = words.len() >= 2
        && words[0] == "序号"
        && words[1..]
            .iter()
            .all(|w| crate::parse::header::is_header_word(w) || w.as_str() == "备注");
    named.then(|| words.into_iter().cloned().collect())
}

/// The heading the list stands under (二、部门决算单位构成), its number
/// dropped; the sentences between them introduce the list.
fn heading_above(lines: &[Line], at: usize) -> Option<String> {
    lines[at.saturating_sub(TITLE_REACH)..at]
        .iter()
        .rev()
        .filter(|l| !l.is_blank())
        .find_map(|l| {
            let s = l.squashed;
            let rest = strip_list_number(s)?;
            (!rest.is_empty() && rest.chars().count() <= 30 && !rest.contains(['。', '，', '：']))
                .then(|| rest.to_string())
        })
}

/// "二、部门决算单位构成" → "部门决算单位构成"; "（二）…" likewise.
fn strip_list_number(s: &str) -> Option<&str> {
    if text::list_number(s).is_some() {
        return s.split_once('、').map(|(_, r)| r);
    }
    let rest = s.strip_prefix(['（', '('])?;
    let close = rest.find(['）', ')'])?;
    let num = &rest[..close];
    (!num.is_empty() && num.chars().all(|c| "一二三四五六七八九十".contains(c)))
        .then(|| rest[close..].trim_start_matches(['）', ')']))
}

enum Item {
    /// A row's number, the line index and the text on its line.
    Number(usize, String),
    Text(usize, String),
    Gap,
}

/// The rows of the list from `from`, and the index of the line after it.
fn list_rows(lines: &[Line], from: usize, width: usize) -> (Vec<Row>, usize) {
    let mut items: Vec<Item> = Vec::new();
    let mut next = 1u32;
    let mut end = from;
    for (i, l) in lines.iter().enumerate().skip(from) {
        if l.is_blank() {
            items.push(Item::Gap);
            continue;
        }
        if super::tabbed::is_separator_row(l.text) {
            continue;
        }
        if ends_list(l) {
            break;
        }
        let cells = cells_of(l.text);
        let first = cells.first().map(String::as_str).unwrap_or("");
        if first.parse::<u32>().ok() == Some(next) {
            next += 1;
            let rest: Vec<&str> = cells[1..]
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect();
            items.push(Item::Number(i, rest.concat()));
        } else if first.bytes().all(|b| b.is_ascii_digit()) && !first.is_empty() {
            break;
        } else {
            items.push(Item::Text(i, cells.concat()));
        }
        end = i + 1;
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut claimed = vec![false; items.len()];
    let numbers: Vec<usize> = (0..items.len())
        .filter(|&k| matches!(items[k], Item::Number(..)))
        .collect();
    let mut last_claim = 0usize;
    for (n, &k) in numbers.iter().enumerate() {
        let Item::Number(line, inline) = &items[k] else {
            continue;
        };
        let next_number = numbers.get(n + 1).copied().unwrap_or(items.len());
        let above: Vec<usize> = (last_claim..k)
            .filter(|&j| matches!(items[j], Item::Text(..)) && !claimed[j])
            .collect();
        let below_all: Vec<usize> = (k + 1..next_number)
            .filter(|&j| matches!(items[j], Item::Text(..)))
            .collect();
        let below: Vec<usize> = if !above.is_empty() {
            below_all.into_iter().take(above.len()).collect()
        } else if inline.is_empty() {
            // Number first, its lines after it up to a gap.
            (k + 1..next_number)
                .take_while(|&j| !matches!(items[j], Item::Gap | Item::Number(..)))
                .filter(|&j| matches!(items[j], Item::Text(..)))
                .collect()
        } else {
            Vec::new()
        };
        let mut text = String::new();
        for &j in &above {
            if let Item::Text(_, t) = &items[j] {
                text.push_str(t);
            }
            claimed[j] = true;
        }
        text.push_str(inline);
        for &j in &below {
            if let Item::Text(_, t) = &items[j] {
                text.push_str(t);
            }
            claimed[j] = true;
        }
        last_claim = below.last().map_or(k + 1, |&j| j + 1);
        let mut cells = vec![None; width];
        cells[0] = Some((n + 1).to_string());
        if width > 1 && !text.is_empty() {
            cells[1] = Some(text);
        }
        rows.push(Row {
            cells,
            line: lines[*line].no,
        });
    }
    // The list ends with its last row's lines.
    let end = match numbers.last() {
        Some(_) => (0..items.len())
            .rev()
            .find(|&j| claimed[j] || matches!(items[j], Item::Number(..)))
            .and_then(|j| match &items[j] {
                Item::Number(l, _) | Item::Text(l, _) => Some(l + 1),
                Item::Gap => None,
            })
            .unwrap_or(end),
        None => from,
    };
    (rows, end)
}

/// A line the list cannot run into: a heading, a title, a sentence.
fn ends_list(l: &Line) -> bool {
    let s = l.squashed;
    strip_list_number(s).is_some()
        || s.starts_with('第')
        || s.contains('。')
        || s.contains('表') && !s.contains('（') && s.chars().count() > 6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceLines;

    fn rows_of(text: &str) -> Vec<Vec<Option<String>>> {
        let src = SourceLines::new(text);
        let lines = src.lines();
        let t = find(&lines, &[]);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].title, "部门决算单位构成");
        assert_eq!(t[0].columns, ["序号", "单位名称", "备注"]);
        t[0].rows.iter().map(|r| r.cells.clone()).collect()
    }

    fn want() -> Vec<Vec<Option<String>>> {
        [
            "上海市规划局（本级）",
            "上海市规划局执法大队（下属参公事业单位）",
            "上海市土地发展中心（下属事业单位）",
        ]
        .iter()
        .enumerate()
        .map(|(k, n)| vec![Some((k + 1).to_string()), Some(n.to_string()), None])
        .collect()
    }

    #[test]
    fn numbers_between_the_lines_of_their_cells() {
        let text = "二、部门决算单位构成\n\n纳入编制范围的单位包括：\n\n序号            单位名称            备注\n\n 1    上海市规划局（本级）\n\n      上海市规划局执法大队\n 2\n      （下属参公事业单位）\n\n      上海市土地发展中心\n 3\n      （下属事业单位）\n          上海市规划局 2024 年度部门决算表\n";
        assert_eq!(rows_of(text), want());
    }

    #[test]
    fn numbers_before_the_lines_of_their_cells() {
        let text = "二、部门决算单位构成\n纳入编制范围的单位包括：\n序号 单位名称 备注\n1 上海市规划局（本级）\n2\n上海市规划局执法大队\n（下属参公事业单位）\n \n3\n上海市土地发展中心\n（下属事业单位）\n \n第三部分 情况说明\n";
        assert_eq!(rows_of(text), want());
    }

    #[test]
    fn cells_of_a_pipe_table() {
        let text = "二、部门决算单位构成\n序号\t单位名称\t备注\n---\t---\t---\n1\t上海市规划局（本级）\t\n2\t上海市规划局执法大队<br>（下属参公事业单位）\t\n3\t上海市土地发展中心<br>（下属事业单位）\t\n";
        assert_eq!(rows_of(text), want());
    }
}
