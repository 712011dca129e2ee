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

fn verify(
    text: &str,
) -> (
    Vec<fiscal_etl::model::Table>,
    Vec<fiscal_etl::checks::Check>,
) {
    let mut r = parse_report(text);
    Catalog::builtin().classify_tables(&mut r.tables, r.meta.report_type);
    let (checks, relations) =
        fiscal_etl::checks::check_report_related(&r.tables, text, &CheckRules::builtin());
    fiscal_etl::verify::verify_tables(&mut r.tables, &checks, &relations);
    (r.tables, checks)
}

/// A 支出总表 with its codes split over 类 | 款 | 项 columns.
fn split_code_table(row_2080501: &str, extra: &str) -> String {
    format!(
        "表1\n支出预算总表\n单位：万元\n\
         类\t款\t项\t科目名称\t合计\t基本支出\t项目支出\n\
         208\t\t\t社会保障和就业支出\t1,500.00\t1,000.00\t500.00\n\
         208\t05\t\t行政事业单位养老支出\t1,500.00\t1,000.00\t500.00\n\
         {row_2080501}\
         208\t05\t05\t机关事业单位基本养老保险缴费支出\t700.00\t200.00\t500.00\n\
         {extra}\
         \t\t\t合计\t1,500.00\t1,000.00\t500.00\n"
    )
}

#[test]
fn split_codes_form_a_subject_tree_and_a_verified_table() {
    let good = split_code_table("208\t05\t01\t行政单位离退休\t800.00\t800.00\t0.00\n", "");
    let (tables, checks) = verify(&good);
    assert!(
        checks.iter().all(|c| c.status != CheckStatus::Fail),
        "{checks:#?}"
    );
    assert!(checks.iter().any(|c| c.check == "subject_tree"));
    assert!(checks.iter().any(|c| c.check == "total_row"));
    assert_eq!(tables[0].verification.verified(), Some(true));

    // One wrong amount: the table fails, and the check names the row.
    let bad = split_code_table("208\t05\t01\t行政单位离退休\t800.00\t810.00\t0.00\n", "");
    let (tables, checks) = verify(&bad);
    assert_eq!(tables[0].verification.verified(), Some(false));
    assert!(checks
        .iter()
        .filter(|c| c.status == CheckStatus::Fail)
        .all(|c| c.target.contains("row 行政单位离退休")
            || c.target.contains("row 行政事业单位养老支出")));
}

#[test]
fn a_row_no_relation_ties_leaves_the_table_unverified() {
    // A piece of a wrapped label (no code) in a coded table: its relations
    // all pass, but the grid is not the printed one.
    let text = split_code_table(
        "208\t05\t01\t行政单位离退休\t800.00\t800.00\t0.00\n",
        "\t\t\t支出\t\t\t\n",
    );
    let (tables, _) = verify(&text);
    assert_eq!(tables[0].verification.verified(), None);
    assert!(
        tables[0]
            .warnings
            .iter()
            .any(|w| w.starts_with("not verified")),
        "{:?}",
        tables[0].warnings
    );
}

#[test]
fn a_two_sided_summary_balances() {
    let text = "表1\n收支预算总表\n单位：万元\n\
                收入项目\t预算数\t支出项目\t预算数\n\
                一、财政拨款收入\t96.00\t一、公共安全支出\t90.00\n\
                1.一般公共预算\t96.00\t二、住房保障支出\t10.00\n\
                2.政府性基金预算\t0.00\t\t\n\
                二、事业收入\t4.00\t\t\n\
                收入总计\t100.00\t支出总计\t100.00\n";
    let (tables, checks) = verify(text);
    let two: Vec<_> = checks.iter().filter(|c| c.check == "two_sided").collect();
    assert!(two.len() >= 4, "{checks:#?}");
    assert!(
        two.iter().all(|c| c.status == CheckStatus::Pass),
        "{two:#?}"
    );
    assert_eq!(tables[0].verification.verified(), Some(true));
}
