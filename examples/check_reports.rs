//! Development aid: run the arithmetic checks on report texts and print a
//! tally and every check that is not `pass`.
//! `cargo run --example check_reports -- data/raw/*.txt`

use fiscal_etl::catalog::Catalog;
use fiscal_etl::checks::{check_report, tally, CheckRules, CheckStatus};
use fiscal_etl::parse::parse_report;

fn main() -> anyhow::Result<()> {
    let catalog = Catalog::builtin();
    let rules = CheckRules::builtin();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let mut r = parse_report(&text);
        catalog.classify_tables(&mut r.tables, r.meta.report_type);
        let checks = check_report(&r.tables, &text, &rules);
        println!("== {path}: {:?}", tally(&checks));
        let mut by_kind = std::collections::BTreeMap::<String, usize>::new();
        for c in &checks {
            *by_kind.entry(c.check.clone()).or_default() += 1;
        }
        println!("   by check: {by_kind:?}");
        for c in checks.iter().filter(|c| c.status != CheckStatus::Pass) {
            println!(
                "   {} t{} {} | {} | {}",
                c.status.as_str(),
                c.table_ordinal,
                c.check,
                c.target,
                c.message
            );
        }
    }
    Ok(())
}
