//! `fiscal-etl inspect`: a report as a person reads it, in a terminal
//! (snapshot of the rendered text), as CSV and as JSON.

mod common;

use common::bin;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inspect")
        .join(name)
}

/// `inspect` run from the fixtures folder, so paths in the output are short.
fn inspect(args: &[&str]) -> (Option<i32>, String) {
    let out = bin()
        .current_dir(fixture(""))
        .arg("inspect")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_planted_error_is_shown_with_its_rows_marked() {
    let (code, text) = inspect(&["planted.txt"]);
    assert_eq!(code, Some(0));
    let expected = fixture("planted.expected");
    if std::env::var_os("INSPECT_UPDATE").is_some() {
        std::fs::write(&expected, &text).unwrap();
    }
    assert_eq!(text, std::fs::read_to_string(&expected).unwrap());
    assert!(text.contains("department   清远市医疗保障局"));
    assert!(text.contains("UNVERIFIED (a check fails)"));
    assert!(text.contains(
        "FAIL subject_tree row 人大事务 × column 基本支出: printed 1000, parts add up to 990"
    ));
    // The rows the failing checks add up carry the marker; the others not.
    let row = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap()
            .to_string()
    };
    assert!(row("行政运行").starts_with("│ 4 !"), "{}", row("行政运行"));
    assert!(row("一般公共服务支出").starts_with("│ 2  "));
    // Aligned as a terminal shows it: every line of the grid is as wide as
    // its border, CJK characters counting two columns.
    let grid: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
        .collect();
    assert!(grid.len() > 7);
    let width = grid[0].width();
    assert!(grid.iter().all(|l| l.width() == width), "{grid:#?}");
}

#[test]
fn one_table_as_csv_and_the_report_as_json() {
    let (code, csv) = inspect(&["planted.txt", "--table", "1", "--format", "csv"]);
    assert_eq!(code, Some(0));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("科目编码,科目名称,合计,基本支出,项目支出")
    );
    assert_eq!(
        lines.nth(3),
        Some("2010101,行政运行,\"1,000.00\",990.00,0.00")
    );

    let (_, json) = inspect(&["planted.txt", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["department"], "清远市医疗保障局");
    assert_eq!(v["converter"], "text");
    let t = &v["tables"][0];
    assert_eq!(t["verified"], false);
    assert_eq!(t["rows"][3][1], "行政运行");
    let fails: Vec<&serde_json::Value> = t["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert_eq!(fails.len(), 2);
    assert_eq!(fails[0]["diff"], "10");

    let (code, _) = inspect(&["planted.txt", "--format", "csv"]);
    assert_eq!(code, Some(2), "csv needs --table");
    let (code, _) = inspect(&["missing.txt"]);
    assert_eq!(code, Some(2));
}
