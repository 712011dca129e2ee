//! Text written in drawing order (pypdf): on each page the grid comes first
//! and the title with the upper header rows after it, then the page header
//! (编制单位, 单位：元) of the next page's table. Read as it stands, every
//! title would take the next table's rows. The lines are put back in
//! reading order — title, its header rows, its grid — before tables are
//! found; each line keeps its number.

use super::{is_title_line, text, Line};

/// A title printed after its grid: amounts stand between the page header
/// above and the title, and the lines after the title (its header rows)
/// carry no amounts and end at a page-header line.
struct Trailing {
    /// The page-header line that opens the title's page.
    page_start: usize,
    title: usize,
    /// First line after the title's header rows (a page-header line).
    header_end: usize,
}

fn trailing_at(lines: &[Line], t: usize, after: usize) -> Option<Trailing> {
    let page_header = |l: &Line| !l.is_blank() && l.is_furniture();
    let header_end =
        (t + 1..lines.len()).find(|&k| page_header(&lines[k]) || lines[k].has_decimal_amount())?;
    let header = &lines[t + 1..header_end];
    if !page_header(&lines[header_end])
        || header.iter().all(Line::is_blank)
        || header.iter().any(|l| is_title_line(*l))
    {
        return None;
    }
    let page_start = (after..t).rev().find(|&k| page_header(&lines[k]))?;
    lines[page_start..t]
        .iter()
        .any(Line::has_decimal_amount)
        .then_some(Trailing {
            page_start,
            title: t,
            header_end,
        })
}

/// The lines in reading order: where at least two titles trail their grids,
/// each such title and its header rows are moved above the grid.
pub fn reading_order<'a>(lines: &[Line<'a>]) -> Option<Vec<Line<'a>>> {
    let mut found: Vec<Trailing> = Vec::new();
    let mut after = 0;
    for t in 0..lines.len() {
        if t < after || !is_title_line(lines[t]) || text::table_number(lines[t].text).is_some() {
            continue;
        }
        if let Some(tr) = trailing_at(lines, t, after) {
            after = tr.header_end;
            found.push(tr);
        }
    }
    if found.len() < 2 {
        return None;
    }
    let mut out = Vec::with_capacity(lines.len());
    let mut at = 0;
    for tr in &found {
        // Page header, then title and header rows, then the grid.
        out.extend_from_slice(&lines[at..=tr.page_start]);
        out.extend_from_slice(&lines[tr.title..tr.header_end]);
        out.extend_from_slice(&lines[tr.page_start + 1..tr.title]);
        at = tr.header_end;
    }
    out.extend_from_slice(&lines[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_report;

    /// Two pages of a Shanghai unit budget as pypdf writes them (grid,
    /// then title and upper header rows, then the next page's header).
    const PYPDF: &str = "单位：元\n\
一、财政拨款收入 171,915,169 一、一般公共服务支出 127,886,849\n\
二、事业收入 二、社会保障和就业支出 17,560,320\n\
收入总计 171,915,169 支出总计 171,915,169\n\
2025年预算单位财务收支预算总表\n\
本年收入 本年支出\n\
项目 预算数 项目 预算数\n\
编制单位：上海市财政局\n\
单位：元\n\
201 一般公共服务支出 127,886,849 127,886,849\n\
208 社会保障和就业支出 17,560,320 17,560,320\n\
2025年预算单位收入预算总表\n\
功能分类科目编码 功能分类科目名称 合计 财政拨款收入\n\
编制单位：上海市财政局\n";

    #[test]
    fn titles_printed_after_their_grid_are_read_first() {
        let source = crate::parse::SourceLines::new(PYPDF);
        let lines = source.lines();
        let ordered = reading_order(&lines).expect("two trailing titles");
        let nos: Vec<u32> = ordered.iter().map(|l| l.no).collect();
        assert_eq!(nos, [1, 5, 6, 7, 2, 3, 4, 8, 9, 12, 13, 10, 11, 14, 15]);
        let parsed = parse_report(PYPDF);
        let titles: Vec<&str> = parsed.tables.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "2025年预算单位财务收支预算总表",
                "2025年预算单位收入预算总表"
            ]
        );
        let first = &parsed.tables[0];
        assert_eq!(first.rows.len(), 3);
        assert_eq!(first.rows[0].cells[0].as_deref(), Some("一、财政拨款收入"));
        assert_eq!((first.line_start, first.line_end), (2, 9));
        assert!(
            first
                .warnings
                .iter()
                .any(|w| w.starts_with("line 5: title printed after its grid")),
            "{:?}",
            first.warnings
        );
        assert_eq!(parsed.tables[1].rows.len(), 2);
    }

    #[test]
    fn titles_above_their_grid_stay_where_they_are() {
        let text = "表1\n收入总表\n单位：万元\n项目 金额\n合计 1.00\n表2\n支出总表\n单位：万元\n项目 金额\n合计 1.00\n";
        let source = crate::parse::SourceLines::new(text);
        assert!(reading_order(&source.lines()).is_none());
    }
}
