//! Development aid: parse report texts and print their tables as JSON in the
//! gold annotation's shape, to diff a parser change against the gold quickly.
//! `cargo run --example dump_tables -- data/raw/*.txt > /tmp/out.json`

use fiscal_etl::parse::parse_report;

fn main() -> anyhow::Result<()> {
    let mut reports = Vec::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let mut r = parse_report(&text);
        fiscal_etl::catalog::Catalog::builtin().classify_tables(&mut r.tables, r.meta.report_type);
        let tables: Vec<serde_json::Value> = r
            .tables
            .iter()
            .map(|t| {
                serde_json::json!({
                    "ordinal": t.ordinal, "number": t.number, "title": t.title,
                    "unit": t.unit, "kind": t.kind, "narrative": t.narrative, "columns": t.columns,
                    "rows": t.rows.iter().map(|r| &r.cells).collect::<Vec<_>>(),
                    "notes": t.notes, "lines": [t.line_start, t.line_end],
                })
            })
            .collect();
        reports.push(serde_json::json!({
            "source": std::path::Path::new(&path).file_name().unwrap().to_string_lossy(),
            "city": r.meta.government.city, "department": r.meta.department, "year": r.meta.year,
            "report_type": r.meta.report_type.map(|t| t.as_str()), "tables": tables,
        }));
    }
    println!("{}", serde_json::to_string_pretty(&reports)?);
    Ok(())
}
