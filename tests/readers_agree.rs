//! One printed table, as each converter style writes it, read by each
//! reader: every reader must give the same grid (columns and rows), so the
//! grid rules after the readers are one set for all styles.

use fiscal_etl::parse::parse_report;

const TITLE: &str = "一般公共预算支出表";

/// The table as printed: header paths, then rows (empty string = blank).
fn printed() -> (Vec<&'static str>, Vec<Vec<&'static str>>) {
    (
        vec!["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        vec![
            vec!["", "合计", "1,250.50", "1,000.00", "250.50"],
            vec!["201", "一般公共服务支出", "1,250.50", "1,000.00", "250.50"],
            vec!["20101", "人大事务", "1,250.50", "1,000.00", "250.50"],
            vec!["2010101", "行政运行", "1,000.00", "1,000.00", "0.00"],
            vec!["2010104", "人大会议", "250.50", "0.00", "250.50"],
        ],
    )
}

fn document(table: &str) -> String {
    format!("某某局2025年部门预算\n\n表1\n{TITLE}\n单位：万元\n{table}\n")
}

fn tabbed() -> String {
    let (head, rows) = printed();
    let mut lines = vec![head.join("\t")];
    lines.extend(rows.iter().map(|r| r.join("\t")));
    document(&lines.join("\n"))
}

fn markdown() -> String {
    let (head, rows) = printed();
    let pipe = |cells: &[&str]| format!("|{}|", cells.join("|"));
    let mut lines = vec![pipe(&head), pipe(&vec!["---"; head.len()])];
    lines.extend(rows.iter().map(|r| pipe(r)));
    document(&lines.join("\n"))
}

/// `pdftotext -layout`: columns by character position, labels left-aligned,
/// amounts right-aligned.
fn layout() -> String {
    let (head, rows) = printed();
    let widths = [10usize, 20, 14, 14, 14];
    let cell = |j: usize, s: &str| {
        let pad = widths[j].saturating_sub(s.chars().count() * if s.is_ascii() { 1 } else { 2 });
        if j >= 2 {
            format!("{}{s}", " ".repeat(pad))
        } else {
            format!("{s}{}", " ".repeat(pad))
        }
    };
    let line = |cells: &[&str]| {
        cells
            .iter()
            .enumerate()
            .map(|(j, s)| cell(j, s))
            .collect::<String>()
            .trim_end()
            .to_string()
    };
    let mut lines = vec![line(&head)];
    lines.extend(rows.iter().map(|r| line(r)));
    document(&lines.join("\n"))
}

/// pdfplumber / pypdf: one printed row per line, cells joined by a space.
fn flattened() -> String {
    let (head, rows) = printed();
    let mut lines = vec![head.join(" ")];
    lines.extend(rows.iter().map(|r| {
        r.iter()
            .filter(|c| !c.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }));
    document(&lines.join("\n"))
}

fn grid_of(text: &str) -> (Vec<String>, Vec<Vec<Option<String>>>) {
    let parsed = parse_report(text);
    let t = parsed
        .tables
        .iter()
        .find(|t| t.title == TITLE)
        .unwrap_or_else(|| panic!("no table {TITLE} in\n{text}"));
    (
        t.columns.clone(),
        t.rows.iter().map(|r| r.cells.clone()).collect(),
    )
}

#[test]
fn every_reader_gives_the_printed_grid() {
    let (head, rows) = printed();
    let expected_columns: Vec<String> = head.iter().map(|s| s.to_string()).collect();
    let expected_rows: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| (!c.is_empty()).then(|| c.to_string()))
                .collect()
        })
        .collect();
    for (style, text) in [
        ("tabbed", tabbed()),
        ("markdown", markdown()),
        ("layout", layout()),
        ("flattened", flattened()),
    ] {
        let (columns, rows) = grid_of(&text);
        assert_eq!(columns, expected_columns, "{style} columns\n{text}");
        assert_eq!(rows, expected_rows, "{style} rows\n{text}");
    }
}
