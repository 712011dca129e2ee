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

/// The two tests [`trailing_at`] makes of a line, each made once per line
/// however many titles look at it.
struct Tests<'l, 'a> {
    lines: &'l [Line<'a>],
    /// Per line: 0 not made yet, 1 false, 2 true.
    page_header: Vec<u8>,
    amount: Vec<u8>,
}

impl<'l, 'a> Tests<'l, 'a> {
    fn new(lines: &'l [Line<'a>]) -> Self {
        Tests {
            lines,
            page_header: vec![0; lines.len()],
            amount: vec![0; lines.len()],
        }
    }

    fn page_header(&mut self, k: usize) -> bool {
        let l = &self.lines[k];
        memo(&mut self.page_header[k], || {
            !l.is_blank() && l.is_furniture()
        })
    }

    fn amount(&mut self, k: usize) -> bool {
        let l = &self.lines[k];
        memo(&mut self.amount[k], || l.has_decimal_amount())
    }
}

fn memo(slot: &mut u8, test: impl FnOnce() -> bool) -> bool {
    if *slot == 0 {
        *slot = 1 + u8::from(test());
    }
    *slot == 2
}

fn trailing_at(tests: &mut Tests, t: usize, after: usize) -> Option<Trailing> {
    let lines = tests.lines;
    let header_end = (t + 1..lines.len()).find(|&k| tests.amount(k) || tests.page_header(k))?;
    let header = &lines[t + 1..header_end];
    if !tests.page_header(header_end)
        || header.iter().all(Line::is_blank)
        || header.iter().any(|l| is_title_line(*l))
    {
        return None;
    }
    let page_start = (after..t).rev().find(|&k| tests.page_header(k))?;
    (page_start..t)
        .any(|k| tests.amount(k))
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
    let mut tests = Tests::new(lines);
    let mut after = 0;
    for (t, &line) in lines.iter().enumerate() {
        if t < after || !is_title_line(line) || text::table_number(line.text).is_some() {
            continue;
        }
        if let Some(tr) = trailing_at(&mut tests, t, after) {
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

    /// The search as first written: each title's tests made afresh.
    fn reading_order_reference(lines: &[Line]) -> Option<Vec<u32>> {
        fn trailing(lines: &[Line], t: usize, after: usize) -> Option<Trailing> {
            let page_header = |l: &Line| !l.is_blank() && l.is_furniture();
            let header_end = (t + 1..lines.len())
                .find(|&k| page_header(&lines[k]) || lines[k].has_decimal_amount())?;
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
        let mut found: Vec<Trailing> = Vec::new();
        let mut after = 0;
        for t in 0..lines.len() {
            if t < after || !is_title_line(lines[t]) || text::table_number(lines[t].text).is_some()
            {
                continue;
            }
            if let Some(tr) = trailing(lines, t, after) {
                after = tr.header_end;
                found.push(tr);
            }
        }
        if found.len() < 2 {
            return None;
        }
        let mut out = Vec::new();
        let mut at = 0;
        for tr in &found {
            out.extend_from_slice(&lines[at..=tr.page_start]);
            out.extend_from_slice(&lines[tr.title..tr.header_end]);
            out.extend_from_slice(&lines[tr.page_start + 1..tr.title]);
            at = tr.header_end;
        }
        out.extend_from_slice(&lines[at..]);
        Some(out.iter().map(|l| l.no).collect())
    }

    /// The same order as the search as first written, on every text of
    /// the spec fixtures and the samples (every style), and on each of
    /// them cut at every 7th line.
    #[test]
    fn the_order_of_the_search_as_first_written() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/fixtures/spec/text", "data/raw"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "txt") {
                        files.push(p);
                    }
                }
            }
        }
        assert!(files.len() > 20, "{}", files.len());
        let mut reordered = 0;
        for f in files {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            let source = crate::parse::SourceLines::new(&text);
            let lines = source.lines();
            for cut in (0..lines.len()).step_by(7).chain([lines.len()]) {
                let got = reading_order(&lines[cut / 2..cut])
                    .map(|v| v.iter().map(|l| l.no).collect::<Vec<_>>());
                reordered += usize::from(got.is_some());
                assert_eq!(
                    got,
                    reading_order_reference(&lines[cut / 2..cut]),
                    "{f:?} {cut}"
                );
            }
        }
        assert!(reordered > 0);
    }

    #[test]
    fn titles_above_their_grid_stay_where_they_are() {
        let text = "表1\n收入总表\n单位：万元\n项目 金额\n合计 1.00\n表2\n支出总表\n单位：万元\n项目 金额\n合计 1.00\n";
        let source = crate::parse::SourceLines::new(text);
        assert!(reading_order(&source.lines()).is_none());
    }
}
