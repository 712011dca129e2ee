//! The same printed form, as three converters write it, must come out as
//! the one grid the hand-checked gold has.

use crate::parse::parse_report;

fn expected() -> Vec<Vec<Option<String>>> {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/forms/expected.json")).unwrap();
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Cells compared as the gold compares them: without whitespace.
fn squashed(rows: &[Vec<Option<String>>]) -> Vec<Vec<Option<String>>> {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    c.as_ref()
                        .map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
                })
                .collect()
        })
        .collect()
}

fn form_of(text: &str) -> crate::model::Table {
    let mut tables = parse_report(text).tables;
    assert_eq!(
        tables.len(),
        1,
        "{:?}",
        tables.iter().map(|t| &t.title).collect::<Vec<_>>()
    );
    tables.remove(0)
}

fn assert_gold(text: &str) {
    let t = form_of(text);
    assert_eq!(t.columns, vec![String::new(); 8]);
    assert_eq!(t.unit.as_deref(), Some("元"));
    let got: Vec<Vec<Option<String>>> = t.rows.iter().map(|r| r.cells.clone()).collect();
    let want = expected();
    for (i, (g, w)) in squashed(&got).iter().zip(squashed(&want)).enumerate() {
        assert_eq!(*g, w, "row {}", i + 1);
    }
    assert_eq!(got.len(), want.len());
}

#[test]
fn layout_text_gives_the_printed_grid() {
    assert_gold(include_str!("../../../tests/fixtures/forms/layout.txt"));
}

#[test]
fn pdfplumber_text_gives_the_printed_grid() {
    assert_gold(include_str!("../../../tests/fixtures/forms/plumber.txt"));
}

#[test]
fn pypdf_text_gives_the_printed_grid() {
    assert_gold(include_str!("../../../tests/fixtures/forms/pypdf.txt"));
}

#[test]
fn fields_are_placed_by_the_template_not_by_line() {
    // Layout prints 当年财政拨款 a line above 财政资金 (a tall cell's middle);
    // the template puts both in one row, as printed.
    let text = "财政项目支出绩效目标填报表\n\
                项目名称      修缮工程        项目性质    一次性项目 项目类别   其他\n\
                主管部门      某某局          实施单位    某某中心\n\
                计划开始日期  2024-01-01      计划完成日期    2024-06-30\n\
                      项目资金总额          500.00 年度资金申请总额      500.00\n\
                                                  其中：当年财政拨款    400.00\n\
                项目资金     其中：财政资金       400.00\n\
                （元）                            上年结转资金          100.00\n\
                      其他资金                100.00 其他资金            0.00\n";
    let t = form_of(text);
    let cells = |r: usize| t.rows[r].cells.clone();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        cells(0),
        vec![
            s("项目名称"),
            None,
            s("修缮工程"),
            None,
            s("项目性质"),
            s("一次性项目"),
            s("项目类别"),
            s("其他")
        ]
    );
    assert_eq!(
        cells(3),
        vec![
            s("项目资金（元）"),
            None,
            s("项目资金总额"),
            None,
            s("500.00"),
            s("年度资金申请总额"),
            None,
            s("500.00")
        ]
    );
    assert_eq!(
        cells(4),
        vec![
            None,
            None,
            s("其中：财政资金"),
            None,
            s("400.00"),
            s("其中：当年财政拨款"),
            None,
            s("400.00")
        ]
    );
    assert_eq!(cells(5)[7], s("100.00"));
    assert_eq!(
        cells(6),
        vec![
            None,
            None,
            s("其他资金"),
            None,
            s("100.00"),
            s("其他资金"),
            None,
            s("0.00")
        ]
    );
}

#[test]
fn a_table_without_the_form_labels_is_no_form() {
    // A 绩效目标 table printed with a header row is read as a table.
    let text = "项目支出绩效目标表\n单位：万元\n项目名称 资金总额 绩效目标\n信息化运维 120.00 系统稳定运行\n";
    let t = form_of(text);
    assert_ne!(t.columns, vec![String::new(); t.columns.len()]);
}

#[test]
fn goal_texts_that_differ_are_split_by_position() {
    let text = "财政项目支出绩效目标填报表\n\
                项目名称      修缮工程        项目性质    一次性项目 项目类别   其他\n\
                主管部门      某某局          实施单位    某某中心\n\
                计划开始日期  2024-01-01      计划完成日期    2024-06-30\n\
                              项目总目标                    年度总体目标\n\
                 项目    完成办公楼屋面防水修缮，       完成屋面防水修缮。\n\
                 绩效    消除渗漏隐患。\n\
                 目标\n\
                      一级指标     二级指标         三级指标              年度(/项目)指标值\n\
                      产出指标     数量指标         修缮面积                 ≥800平方米\n";
    let t = form_of(text);
    let goal = t
        .rows
        .iter()
        .find(|r| r.cells[0].as_deref() == Some("项目绩效目标"))
        .unwrap();
    assert_eq!(goal.cells[1].as_deref(), Some("项目总目标"));
    let texts = t
        .rows
        .iter()
        .find(|r| {
            r.cells[1]
                .as_deref()
                .is_some_and(|c| c.starts_with("完成办公楼"))
        })
        .unwrap();
    assert_eq!(
        texts.cells[1].as_deref(),
        Some("完成办公楼屋面防水修缮，消除渗漏隐患。")
    );
    assert_eq!(texts.cells[5].as_deref(), Some("完成屋面防水修缮。"));
    assert!(t.warnings.iter().any(|w| w.contains("goal texts differ")));
    let last = t.rows.last().unwrap();
    assert_eq!(last.cells[3].as_deref(), Some("修缮面积"));
    assert_eq!(last.cells[6].as_deref(), Some("≥800平方米"));
    assert_eq!(last.cells[1].as_deref(), Some("产出指标"));
}
