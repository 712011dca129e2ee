//! Arithmetic checks on the sample corpus: a clean report adds up; an amount
//! changed in one table fails exactly the checks that involve it.

use fiscal_etl::catalog::Catalog;
use fiscal_etl::checks::{check_report, CheckRules, CheckStatus};
use fiscal_etl::parse::parse_report;

fn checks_of(text: &str) -> Vec<fiscal_etl::checks::Check> {
    let mut r = parse_report(text);
    Catalog::builtin().classify_tables(&mut r.tables, r.meta.report_type);
    check_report(&r.tables, text, &CheckRules::builtin())
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{}/data/raw/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn sample_reports_add_up() {
    for name in [
        "000_7e5bca9fcb7b40a5.txt",
        "002_c902f1b07777cdfc.txt",
        "003_e2aa0d4e68ff0396.txt",
        "004_54921d8d96e87ec6.txt",
    ] {
        let checks = checks_of(&sample(name));
        assert!(checks.len() > 250, "{name}: only {} checks", checks.len());
        let failed: Vec<_> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .collect();
        assert!(failed.is_empty(), "{name}: {failed:#?}");
    }
}

#[test]
fn a_planted_error_fails_exactly_the_checks_involving_it() {
    let text = sample("000_7e5bca9fcb7b40a5.txt");
    // 表2 收入总体情况表, row 2101101 行政单位医疗, column 合计: 31.03 → 32.03.
    let line = "2101101 　　行政单位医疗 31.03 31.03";
    assert!(text.contains(line));
    let planted = text.replacen(line, "2101101 　　行政单位医疗 32.03 31.03", 1);
    let mut failed: Vec<(u32, String, String)> = checks_of(&planted)
        .into_iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .map(|c| (c.table_ordinal, c.check, c.target))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            (
                2,
                "column_sum".to_string(),
                "row 行政单位医疗 × column 合计".to_string()
            ),
            (
                2,
                "subject_tree".to_string(),
                "row 行政事业单位医疗 × column 合计".to_string()
            ),
        ]
    );
}
