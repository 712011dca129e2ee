//! The parser survives any input: arbitrary text, mutated reports, a long
//! single line, a very long table. No panic, no unbounded recursion.

use fiscal_etl::parse::parse_report;
use proptest::prelude::*;

fn sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/raw/000_7e5bca9fcb7b40a5.txt"
    ))
    .unwrap()
}

fn tab_sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/raw/002_c902f1b07777cdfc.txt"
    ))
    .unwrap()
}

/// Words the grammar cares about, so random text reaches deep rules.
fn grammar_word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("表1".to_string()),
        Just("收支总体情况表".to_string()),
        Just("单位：万元".to_string()),
        Just("注：本表".to_string()),
        Just("合计".to_string()),
        Just("\t".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("　".to_string()),
        Just("- 8 -".to_string()),
        Just("收入 支出".to_string()),
        Just("项目 行次 金额".to_string()),
        Just("一、".to_string()),
        Just("[301]".to_string()),
        "[0-9]{1,7}".prop_map(|s| s),
        "[0-9]{1,3}\\.[0-9]{2}".prop_map(|s| s),
        "\\PC{0,12}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,2000}") {
        let _ = parse_report(&s);
    }

    #[test]
    fn grammar_soup_never_panics(words in prop::collection::vec(grammar_word(), 0..400)) {
        let text = words.join(" ");
        let r = parse_report(&text);
        for t in &r.tables {
            for row in &t.rows {
                prop_assert_eq!(row.cells.len(), t.columns.len());
            }
        }
    }

    #[test]
    fn mutated_reports_never_panic(
        cuts in prop::collection::vec((0usize..40_000, 0usize..400), 0..8),
        which in 0usize..2,
    ) {
        let mut text = if which == 0 { sample() } else { tab_sample() };
        for (at, len) in cuts {
            let mut start = at.min(text.len());
            while !text.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(start..end, "");
        }
        let r = parse_report(&text);
        for t in &r.tables {
            for row in &t.rows {
                prop_assert_eq!(row.cells.len(), t.columns.len());
            }
        }
    }
}

#[test]
fn a_long_single_line_is_parsed_without_recursion_blowup() {
    let mut line = String::from("表1\n\n收支总体情况表\n\n项目 预算\n");
    for i in 0..200_000 {
        line.push_str(&format!("{}.{:02} ", i, i % 100));
    }
    let r = parse_report(&line);
    assert_eq!(r.tables.len(), 1);
    // Nothing printed is dropped: the row keeps every amount.
    assert_eq!(r.tables[0].rows[0].cells.iter().flatten().count(), 200_000);
}

#[test]
fn a_long_table_is_one_table() {
    // The same page 400 times: one table, every row kept.
    let mut text = String::from("表1\n\n支出总体情况表\n\n科目编码 科目名称 合计\n");
    for i in 0..400 {
        text.push_str(&format!(
            " 科目编码 科目名称 合计\n2010{i:03} 行政运行 1.00\n- {i} -\n"
        ));
    }
    let r = parse_report(&text);
    assert_eq!(r.tables.len(), 1);
    assert_eq!(r.tables[0].rows.len(), 400);
}

#[test]
fn a_row_of_many_amounts_under_a_coded_header_is_kept_whole() {
    // The subject-tree rule must not search placements of a row this wide.
    let mut text = String::from("表1\n\n支出总体情况表\n\n科目编码 科目名称 合计\n");
    text.push_str("201 一般公共服务支出 ");
    for i in 0..5_000 {
        text.push_str(&format!("{}.{:02} ", i, i % 100));
    }
    text.push_str("\n20101 人大事务 1.00\n");
    let r = parse_report(&text);
    assert_eq!(r.tables.len(), 1);
    assert_eq!(r.tables[0].rows[0].cells.iter().flatten().count(), 5_002);
}
