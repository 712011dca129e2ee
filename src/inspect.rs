//! `fiscal-etl inspect`: what the tool made of one report, for a person
//! checking a number: the metadata, every table as an aligned grid with its
//! header paths, unit, kind, `verified` and warnings, and each failing
//! check with the cells it adds up marked in the grid.
//!
//! Pure: a processed record in, text out. The command reads the file and
//! processes it exactly as `run` does, and reads nothing from an output.

use crate::checks::{CheckStatus, Relation};
use crate::model::{ReportRecord, Table};
use comfy_table::{Cell, Color, ContentArrangement, Table as Grid};
use std::collections::BTreeSet;
use std::fmt::Write;

/// How a grid is drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Colour the cells of failing checks (a terminal).
    pub color: bool,
    /// Wrap cells to the terminal's width; else never wrap.
    pub wrap: bool,
}

/// The report as text: metadata, then each table (only `only`, if given).
pub fn render(r: &ReportRecord, relations: &[Relation], only: Option<u32>, style: Style) -> String {
    let mut out = metadata(r);
    for t in r
        .tables
        .iter()
        .filter(|t| only.is_none_or(|n| t.ordinal == n))
    {
        out.push('\n');
        out.push_str(&table(t, r, relations, style));
    }
    if only.is_some_and(|n| !r.tables.iter().any(|t| t.ordinal == n)) {
        let _ = writeln!(
            out,
            "\nno table {} (the report has {})",
            only.unwrap_or(0),
            r.tables.len()
        );
    }
    out
}

fn metadata(r: &ReportRecord) -> String {
    let m = &r.meta;
    let g = &m.government;
    let or = |v: Option<&str>| v.unwrap_or("—").to_string();
    let places: Vec<&str> = [&g.province, &g.city, &g.county, &g.township]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        let _ = writeln!(out, "{k:<12} {v}");
    };
    line("report", format!("{} ({})", r.source_path, r.report_id));
    line(
        "status",
        match &r.error {
            Some(e) => format!("{} — {e}", r.status.as_str()),
            None => r.status.as_str().to_string(),
        },
    );
    line("department", or(m.department.as_deref()));
    line(
        "government",
        format!(
            "{} · {} · {}",
            if places.is_empty() {
                "—".to_string()
            } else {
                places.join("/")
            },
            or(g.level.map(|l| l.as_str())),
            or(g.code.as_deref())
        ),
    );
    line("year", m.year.map_or("—".into(), |y| y.to_string()));
    line("type", or(m.report_type.map(|t| t.as_str())));
    line("scope", or(m.scope.map(|s| s.as_str())));
    line("partition", r.partition.rel_dir());
    line(
        "text",
        format!("{} · {}", or(r.encoding.as_deref()), r.converter),
    );
    let t = crate::verify::Tally::of(&r.tables);
    line(
        "tables",
        format!(
            "{} (verified {}, unverified {}, unchecked {})",
            r.tables.len(),
            t.verified,
            t.unverified,
            t.unchecked
        ),
    );
    for w in &r.warnings {
        line("warning", w.clone());
    }
    out
}

fn verified(t: &Table) -> &'static str {
    match t.verification.verified() {
        Some(true) => "verified",
        Some(false) => "UNVERIFIED (a check fails)",
        None => "unchecked",
    }
}

fn table(t: &Table, r: &ReportRecord, relations: &[Relation], style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "── table {} {}{} · {} · unit {} · lines {}–{} · {}",
        t.ordinal,
        t.number
            .as_deref()
            .map(|n| format!("{n} "))
            .unwrap_or_default(),
        t.title,
        t.kind.as_deref().unwrap_or("kind unknown"),
        t.unit.as_deref().unwrap_or("—"),
        t.line_start,
        t.line_end,
        verified(t)
    );
    let failing: Vec<&Relation> = relations
        .iter()
        .filter(|rel| rel.check.status == CheckStatus::Fail)
        .filter(|rel| rel.cells.iter().any(|&(o, _, _)| o == t.ordinal))
        .collect();
    let marked: BTreeSet<(usize, usize)> = failing
        .iter()
        .flat_map(|rel| rel.cells.iter())
        .filter(|&&(o, _, _)| o == t.ordinal)
        .map(|&(_, i, j)| (i, j))
        .collect();
    out.push_str(&grid(t, &marked, style).to_string());
    out.push('\n');
    for (j, c) in t.columns.iter().enumerate() {
        let measure = t.measures.get(j).cloned().flatten();
        let _ = writeln!(
            out,
            "  column {}: {c}{}",
            j + 1,
            measure.map(|m| format!(" ({m})")).unwrap_or_default()
        );
    }
    for n in &t.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    for w in &t.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    let checks = r.checks.iter().filter(|c| c.table_ordinal == t.ordinal);
    let (mut pass, mut rounding) = (0, 0);
    for c in checks {
        match c.status {
            CheckStatus::Pass => pass += 1,
            CheckStatus::Rounding => rounding += 1,
            CheckStatus::Fail => {}
        }
    }
    let _ = writeln!(
        out,
        "  checks: {pass} pass, {rounding} rounding, {} fail",
        failing.len()
    );
    for rel in failing {
        let c = &rel.check;
        let _ = writeln!(
            out,
            "  FAIL {} {}: printed {}, parts add up to {} (diff {}) — {}",
            c.check, c.target, c.actual, c.expected, c.diff, c.message
        );
    }
    out
}

/// The grid as printed, with a row marker `!` (and colour) on the cells a
/// failing check adds up.
fn grid(t: &Table, marked: &BTreeSet<(usize, usize)>, style: Style) -> Grid {
    let mut g = Grid::new();
    g.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    g.set_content_arrangement(match style.wrap {
        true => ContentArrangement::Dynamic,
        false => ContentArrangement::Disabled,
    });
    if style.color {
        g.enforce_styling();
    } else {
        g.force_no_tty();
    }
    let mut header = vec![Cell::new("#"), Cell::new("line")];
    header.extend(t.columns.iter().map(|c| Cell::new(c.replace('/', "\n"))));
    g.set_header(header);
    for (i, row) in t.rows.iter().enumerate() {
        let flagged = (0..row.cells.len()).any(|j| marked.contains(&(i, j)));
        let mut cells = vec![
            Cell::new(format!("{}{}", i + 1, if flagged { " !" } else { "" })),
            Cell::new(row.line),
        ];
        for (j, c) in row.cells.iter().enumerate() {
            let mut cell = Cell::new(c.as_deref().unwrap_or(""));
            if marked.contains(&(i, j)) && style.color {
                cell = cell.fg(Color::Red);
            }
            cells.push(cell);
        }
        g.add_row(cells);
    }
    g
}

/// One table as CSV: a header row of its column paths, then its rows as
/// printed.
pub fn table_csv(t: &Table) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&t.columns)?;
    for row in &t.rows {
        w.write_record(row.cells.iter().map(|c| c.as_deref().unwrap_or("")))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The report as JSON: metadata and tables (only `only`, if given), with
/// their checks.
pub fn report_json(r: &ReportRecord, only: Option<u32>) -> serde_json::Value {
    let m = &r.meta;
    let g = &m.government;
    let tables: Vec<serde_json::Value> = r
        .tables
        .iter()
        .filter(|t| only.is_none_or(|n| t.ordinal == n))
        .map(|t| {
            let checks: Vec<serde_json::Value> = r
                .checks
                .iter()
                .filter(|c| c.table_ordinal == t.ordinal)
                .map(|c| {
                    serde_json::json!({
                        "check": c.check, "target": c.target, "status": c.status.as_str(),
                        "expected": c.expected.to_string(), "actual": c.actual.to_string(),
                        "diff": c.diff.to_string(), "message": c.message,
                    })
                })
                .collect();
            serde_json::json!({
                "ordinal": t.ordinal, "number": t.number, "title": t.title, "unit": t.unit,
                "kind": t.kind, "columns": t.columns, "measures": t.measures,
                "rows": t.rows.iter().map(|r| &r.cells).collect::<Vec<_>>(),
                "lines": [t.line_start, t.line_end], "notes": t.notes,
                "verified": t.verification.verified(), "warnings": t.warnings, "checks": checks,
            })
        })
        .collect();
    serde_json::json!({
        "report_id": r.report_id, "source_path": r.source_path, "status": r.status.as_str(),
        "error": r.error, "encoding": r.encoding, "converter": r.converter,
        "department": m.department, "year": m.year,
        "report_type": m.report_type.map(|t| t.as_str()), "scope": m.scope.map(|s| s.as_str()),
        "government": {
            "province": g.province, "city": g.city, "county": g.county, "township": g.township,
            "level": g.level.map(|l| l.as_str()), "code": g.code,
        },
        "partition": r.partition.rel_dir(), "warnings": r.warnings, "tables": tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{process_bytes, Knowledge, ReportContext};

    const PLANTED: &str = include_str!("../tests/fixtures/inspect/planted.txt");

    fn shown(style: Style, only: Option<u32>) -> String {
        let (config, know) = (crate::config::Config::default(), Knowledge::default());
        let r = process_bytes(
            "planted.txt",
            PLANTED.as_bytes(),
            &ReportContext::new(&config, &know),
        );
        let relations = crate::checks::relations(&r.tables, &know.rules);
        render(&r, &relations, only, style)
    }

    #[test]
    fn failing_cells_are_coloured_only_for_a_terminal() {
        let plain = shown(Style::default(), None);
        assert!(!plain.contains('\u{1b}'));
        let coloured = shown(
            Style {
                color: true,
                wrap: false,
            },
            None,
        );
        // Red (SGR 31 or 38;5;9) around the cells of the failing checks only.
        let red: Vec<&str> = coloured.lines().filter(|l| l.contains('\u{1b}')).collect();
        assert_eq!(red.len(), 3, "{coloured}");
        assert!(red
            .iter()
            .all(|l| l.contains("人大") || l.contains("行政运行")));
    }

    #[test]
    fn a_table_that_is_not_there_is_said_so() {
        let text = shown(Style::default(), Some(7));
        assert!(text.contains("no table 7 (the report has 1)"), "{text}");
        assert!(!text.contains("──"));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let t = Table {
            columns: vec!["项目".into(), "金额".into()],
            rows: vec![crate::model::Row {
                cells: vec![Some("合计".into()), Some("1,000.00".into())],
                line: 3,
            }],
            ..Default::default()
        };
        assert_eq!(table_csv(&t).unwrap(), "项目,金额\n合计,\"1,000.00\"\n");
    }
}
