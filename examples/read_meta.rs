//! Development aid: print the metadata the parser reads from each report's
//! content (department, year, type, scope, consolidated, title, places).
//! One tab-separated line per file:
//! `file department year report_type scope consolidated title places`
//! (`-` where a field was not found; places joined by `|`).
//! `cargo run --release --example read_meta -- ../shared/wild/text/layout/*.txt`

use fiscal_etl::decode::decode_report;
use fiscal_etl::parse::read_report_meta;

fn main() -> anyhow::Result<()> {
    let none = || "-".to_string();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let text = decode_report(&bytes)?.text;
        let m = read_report_meta(&text);
        let name = std::path::Path::new(&path)
            .file_name()
            .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
        println!(
            "{name}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            m.department.unwrap_or_else(none),
            m.year.map_or_else(none, |y| y.to_string()),
            m.report_type.map_or_else(none, |t| t.as_str().to_string()),
            m.scope.map_or_else(none, |s| s.as_str().to_string()),
            m.consolidated,
            m.title.unwrap_or_else(none),
            m.places.join("|"),
        );
    }
    Ok(())
}
