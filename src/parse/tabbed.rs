//! Tables whose cells arrive tab-separated. Positions are exact, so the
//! header tree comes from where cells stand; the work left is telling header
//! rows from data rows, dropping headers repeated after page breaks, and
//! joining text cells that a page break cut in two.

use super::header::{is_header_word, paths_from_grid, strip_paren_suffix};
use super::text::{self, clean_cell, is_space, squash, squash_cow, squashes_to_empty};
use super::{Grid, Line};
use crate::model::Row;

fn split(line: &str) -> Vec<&str> {
    line.split('\t').collect()
}

/// A markdown-style rule row ("---- ⇥ ---").
pub fn is_separator_row(line: &str) -> bool {
    let mut marks = line.chars().filter(|c| !is_space(*c)).peekable();
    marks.peek().is_some() && marks.all(|c| c == '-' || c == '|' || c == ':' || c == '—')
}

/// The name of an untitled grid: its first non-empty header cell without a
/// parenthesised qualifier.
pub fn title_from_header(line: &str) -> String {
    split(line)
        .iter()
        .map(|c| squash_cow(c))
        .find(|c| !c.is_empty())
        .map(|c| strip_paren_suffix(&c).to_string())
        .unwrap_or_default()
}

/// Does some cell hold an amount? (An amount is never empty, so the trimmed
/// cell being an amount says it all.)
fn has_number<'c>(mut cells: impl Iterator<Item = &'c str>) -> bool {
    cells.any(|c| text::is_amount(c.trim_matches(is_space)))
}

/// A header row: no amounts, every non-empty cell a header word.
fn is_header_row(cells: &[&str]) -> bool {
    let nonempty: Vec<&&str> = cells.iter().filter(|c| !squashes_to_empty(c)).collect();
    !nonempty.is_empty()
        && !has_number(cells.iter().copied())
        && nonempty.iter().all(|c| is_header_word(c))
}

/// A row that may continue a header under spanning cells: no amounts, only
/// short cells without sentence punctuation.
fn is_header_like(cells: &[&str]) -> bool {
    !has_number(cells.iter().copied())
        && cells.iter().all(|c| {
            let s = squash_cow(c);
            s.chars().count() <= 24 && !s.contains('。') && !s.contains('；')
        })
}

/// A data row: amounts, or a long text cell.
pub fn is_data_row(line: &str) -> bool {
    // Removing tags and spaces only shortens a cell, and a character takes
    // at least one byte: a cell of at most 24 bytes is never long text.
    has_number(line.split('\t'))
        || line
            .split('\t')
            .any(|c| c.len() > 24 && text::squashed_char_count(c) > 24)
}

/// Does this tabbed line start another table although no title stands
/// before it? True for a full header row after data rows that is not a
/// repetition of a row already seen (a header repeated after a page break).
pub fn starts_new_table(
    rows_seen: &std::collections::HashSet<&str>,
    data_seen: bool,
    line: Line,
) -> bool {
    // Most rows after data rows are data rows too: the amount test, which
    // stops at the first amount (often the first cell, a subject code),
    // rules them out before the cells are split and examined one by one.
    if !data_seen || has_number(line.text.split('\t')) {
        return false;
    }
    let cells = split(line.text);
    let nonempty = cells.iter().filter(|c| !squashes_to_empty(c)).count();
    nonempty >= 3 && is_header_row(&cells) && !rows_seen.contains(line.squashed)
}

/// Rebuilds the grid of a tab-separated table from its body lines (notes
/// already removed).
pub fn rebuild(lines: &[Line], title: &str) -> Option<Grid> {
    let title_key = squash(title);
    let mut header: Vec<Vec<String>> = Vec::new();
    let mut header_keys: Vec<&str> = Vec::new();
    let mut rows: Vec<(u32, Vec<String>, bool)> = Vec::new();
    let mut gap = false;
    let mut width = 0usize;
    // Rows above the first row with amounts, all short text, are header
    // rows even where they do not fill a span of the row above (a header
    // cell printed on two lines under an empty corner).
    let first_amounts = lines
        .iter()
        .position(|l| l.is_tabbed() && has_number(l.text.split('\t')))
        .or_else(|| {
            // An empty table (本表为空表): its rows are 无 and a bare 合计.
            lines
                .iter()
                .position(|l| l.is_tabbed() && text::is_empty_table_row(l.squashed))
        });
    for (k, l) in lines.iter().enumerate() {
        if l.is_blank() {
            gap = true;
            continue;
        }
        if !l.is_tabbed() {
            // Titles repeated on a new page, department and unit lines, and
            // sentences introducing the table ("…情况如下：").
            let s = l.squashed;
            if (header.is_empty() && (s.ends_with('：') || s.ends_with(':')))
                || s == title_key
                || l.is_furniture()
                || text::table_number(l.text).is_some()
            {
                gap = true;
                continue;
            }
        }
        if is_separator_row(l.text) {
            continue;
        }
        let cells = split(l.text);
        if text::is_column_number_row(&cells) {
            continue;
        }
        let key = l.squashed;
        if header_keys.contains(&key) {
            gap = true;
            continue;
        }
        let in_header = rows.is_empty()
            && (header.is_empty()
                || (is_header_like(&cells)
                    && (fills_spans(&header, &cells) || first_amounts.is_some_and(|f| k < f))));
        if in_header {
            header.push(cells.iter().map(|c| squash(c)).collect());
            header_keys.push(key);
            width = width.max(cells.len());
            continue;
        }
        let cleaned: Vec<String> = cells.iter().map(|c| clean_cell(c)).collect();
        if cleaned.iter().all(|c| c.is_empty()) {
            continue;
        }
        width = width.max(cleaned.len());
        rows.push((l.no, cleaned, gap));
        gap = false;
    }
    if header.is_empty() && rows.is_empty() {
        return None;
    }
    // Trailing columns empty everywhere are tab noise, not columns.
    while width > 0
        && header
            .iter()
            .all(|h| h.get(width - 1).is_none_or(|c| c.is_empty()))
        && rows
            .iter()
            .all(|(_, r, _)| r.get(width - 1).is_none_or(|c| c.is_empty()))
    {
        width -= 1;
    }
    let columns = paths_from_grid(&header, width);
    let rows = merge_continuations(rows, width);
    Some(Grid {
        columns,
        rows,
        warnings: Vec::new(),
    })
}

/// Does a candidate header row put cells under spans the row above left
/// open (children of a spanning cell), rather than repeat a full row? The
/// empty corner left of the first header cell is no span.
fn fills_spans(header: &[Vec<String>], cells: &[&str]) -> bool {
    let last = &header[header.len() - 1];
    let Some(first) = last.iter().position(|h| !h.is_empty()) else {
        return false;
    };
    cells.iter().enumerate().any(|(i, c)| {
        i > first && !squashes_to_empty(c) && last.get(i).is_none_or(|h| h.is_empty())
    })
}

/// After a page break a long text cell may continue as a row whose leading
/// cells are empty. A fragment joins the cell it continues when
/// - the row above holds unfinished text in that column (no sentence end,
///   and the fragment does not open a new numbered item), or
/// - the column was left empty since its last value (a cell spanning rows,
///   cut by the page).
///
/// The other cells of the row stay a row of their own.
fn merge_continuations(rows: Vec<(u32, Vec<String>, bool)>, width: usize) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    // Index of the last row with a value in each column.
    let mut last_in_col: Vec<Option<usize>> = vec![None; width];
    for (no, mut cells, after_gap) in rows {
        cells.resize(width, String::new());
        cells.truncate(width);
        let continues = after_gap
            && !out.is_empty()
            && cells.first().is_some_and(|c| c.is_empty())
            && !cells.iter().any(|c| text::is_amount(c));
        if continues {
            let prev = &out[out.len() - 1];
            // Text cut from a full data row (one with amounts) by the page:
            // every fragment stands under text of that row.
            let prev_is_data = prev.cells.iter().flatten().any(|c| text::is_amount(c));
            let under_prev_text = cells.iter().enumerate().all(|(c, v)| {
                v.is_empty()
                    || prev.cells[c]
                        .as_deref()
                        .is_some_and(|p| !text::is_amount(p))
            });
            if prev_is_data && under_prev_text {
                let last = out.len() - 1;
                for (c, v) in cells.iter().enumerate() {
                    if !v.is_empty() {
                        out[last].cells[c].as_mut().unwrap().push_str(v);
                    }
                }
                continue;
            }
            // Cells from the first one that opens a new item on form a new row.
            let new_item_from = (1..width).find(|&c| opens_item(&cells[c])).unwrap_or(width);
            for c in 1..width {
                if cells[c].is_empty() {
                    continue;
                }
                let prev = out.len() - 1;
                let target = match &out[prev].cells[c] {
                    Some(above)
                        if c < new_item_from
                            && !ends_sentence(above)
                            && !text::is_amount(above) =>
                    {
                        Some(prev)
                    }
                    Some(_) => None,
                    None => last_in_col[c].filter(|&k| k + 1 < out.len() || only_cell(&cells, c)),
                };
                if let Some(k) = target {
                    out[k].cells[c].as_mut().unwrap().push_str(&cells[c]);
                    cells[c].clear();
                }
            }
            if cells.iter().all(|c| c.is_empty()) {
                continue;
            }
        }
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                last_in_col[c] = Some(out.len());
            }
        }
        out.push(Row {
            cells: cells
                .into_iter()
                .map(|c| if c.is_empty() { None } else { Some(c) })
                .collect(),
            line: no,
        });
    }
    out
}

fn ends_sentence(s: &str) -> bool {
    s.ends_with(['。', '；', ';', '！', '？', '!', '?'])
}

/// A fragment that starts a new numbered item (指标 3…, 2. …, （一）…).
fn opens_item(s: &str) -> bool {
    static ITEM: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(指标\s*\d|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)")
            .unwrap()
    });
    ITEM.is_match(s)
}

/// Is `c` the only non-empty cell of the row (a lone fragment)?
fn only_cell(cells: &[String], c: usize) -> bool {
    cells
        .iter()
        .enumerate()
        .all(|(i, v)| i == c || v.is_empty())
        && !text::is_amount(&cells[c])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::SourceLines;

    fn rebuild(text: &str, title: &str) -> Option<Grid> {
        super::rebuild(&SourceLines::new(text).lines(), title)
    }

    #[test]
    fn multi_row_header_and_column_numbers() {
        let text = "科目编码\t科目名称\t合计\t财政拨款\t\n\t\t\t一般公共预算\t政府性基金预算\n1\t2\t3\t4\t5\n201\t一般公共服务支出\t3.00\t3.00\t0.00\n\t合计\t3.00\t3.00\t0.00";
        let g = rebuild(text, "收入总体情况表").unwrap();
        assert_eq!(
            g.columns,
            [
                "科目编码",
                "科目名称",
                "合计",
                "财政拨款/一般公共预算",
                "财政拨款/政府性基金预算"
            ]
        );
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[0].cells[0].as_deref(), Some("201"));
        assert_eq!(g.rows[1].cells[0], None);
        assert_eq!(g.rows[1].cells[1].as_deref(), Some("合计"));
    }

    #[test]
    fn text_cell_continued_after_page_break() {
        let text = "\t目标\t关键指标\t预期实现值\n年度目标\t做好工作，进一步简化经\t指标1\t100%\n\t\t指标2\t持续增加\n\n\t办服务流程。\t指标3\t普遍知晓";
        let g = rebuild(text, "目标").unwrap();
        assert_eq!(g.rows.len(), 3);
        assert_eq!(
            g.rows[0].cells[1].as_deref(),
            Some("做好工作，进一步简化经办服务流程。")
        );
        assert_eq!(
            g.rows[2].cells,
            [None, None, Some("指标3".into()), Some("普遍知晓".into())]
        );
    }

    #[test]
    fn text_of_a_data_row_continued_after_page_break() {
        let text = "编码\t项目\t总计\t绩效目标\n310001\t运行经费\t5.70\t1.目标一。\n\n编码\t项目\t总计\t绩效目标\n\t\t\t2.目标二。\n310002\t购置经费\t1.00\t购置。";
        let g = rebuild(text, "项目支出预算表").unwrap();
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[0].cells[3].as_deref(), Some("1.目标一。2.目标二。"));
        assert_eq!(g.rows[1].cells[0].as_deref(), Some("310002"));
    }

    #[test]
    fn repeated_header_is_dropped() {
        let text = "项目\t预算\n合计\t1.00\n\n项目\t预算\n其他\t2.00";
        let g = rebuild(text, "表").unwrap();
        assert_eq!(g.columns, ["项目", "预算"]);
        assert_eq!(g.rows.len(), 2);
    }
}
