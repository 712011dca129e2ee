//! Rules on a rebuilt grid that hold whatever reader rebuilt it: what the
//! printed table means is the same in every converter style, only where a
//! converter put a cell's text differs.

use super::Grid;

/// A subtotal row: it opens a group of rows under one merged label cell.
fn is_subtotal(cell: Option<&str>) -> bool {
    cell.is_some_and(|c| c == "小计")
}

/// A label cell merged over a group of rows (一般公共预算资金 over 小计,
/// 公共财政拨款 …, 专项收入) is printed at the group's vertical middle, so
/// converters give it to a middle row. The table as printed has it on the
/// group's first row, the 小计 row that opens the group: it is moved there.
///
/// A group runs from a 小计 row to the row before the next 小计 or the next
/// row with a label of its own in the group column; the group column is
/// the one left of a column holding two or more 小计.
pub fn lift_merged_group_labels(grid: &mut Grid) {
    let width = grid.columns.len();
    for g in 0..width.saturating_sub(1) {
        let subtotals = grid
            .rows
            .iter()
            .filter(|r| is_subtotal(r.cells.get(g + 1).and_then(|c| c.as_deref())))
            .count();
        if subtotals < 2 {
            continue;
        }
        let opens: Vec<usize> = (0..grid.rows.len())
            .filter(|&k| is_subtotal(grid.rows[k].cells[g + 1].as_deref()))
            .collect();
        for (n, &start) in opens.iter().enumerate() {
            if grid.rows[start].cells[g].is_some() {
                continue;
            }
            let end = opens.get(n + 1).copied().unwrap_or(grid.rows.len());
            let labelled: Vec<usize> = (start + 1..end)
                .filter(|&k| grid.rows[k].cells[g].is_some())
                .collect();
            // One label in the group, on a row that has nothing else left of
            // the group column: that label is the merged cell's.
            if let [k] = labelled[..] {
                let alone = grid.rows[k].cells[..g].iter().all(Option::is_none);
                let rest_of_group_empty = (k + 1..end).all(|j| grid.rows[j].cells[g].is_none());
                if alone && rest_of_group_empty {
                    let label = grid.rows[k].cells[g].take();
                    grid.rows[start].cells[g] = label;
                }
            }
        }
    }
}

/// The warning of a rule that moved cells: the lines of the rows, how many
/// and what was done.
pub(super) fn warn_moved(grid: &mut Grid, lines: &[u32], noun: &str, what: &str) {
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return;
    };
    let count = match lines.len() {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    };
    grid.warnings
        .push(format!("lines {first}–{last}: {count} {what}"));
}

/// Which of 人员经费 / 公用经费 an economic class falls in, by the national
/// definition of basic spending: personnel spending is 工资福利支出 (301,
/// 501) and 对个人和家庭的补助 (303, 509); public spending is 商品和服务支出
/// (302, 502) and the other classes of basic spending.
fn personnel_class(class: &str) -> Option<bool> {
    match class {
        "301" | "303" | "501" | "509" => Some(true),
        "302" | "307" | "309" | "310" | "311" | "312" | "313" | "399" | "502" => Some(false),
        _ => None,
    }
}

/// A basic-spending table split into 人员经费 and 公用经费 prints most rows
/// with one of the two empty, and text that lost the cell positions
/// (flattened) or skewed them (layout text of wide CJK labels) puts the
/// amount under the wrong one. The row's economic class says which it is:
/// an amount standing alone under the other column is moved, with a
/// warning naming the rows.
pub fn place_by_economic_class(grid: &mut Grid) {
    let leaf = |c: &String| c.rsplit('/').next().unwrap_or(c).to_string();
    let find = |w: &str| grid.columns.iter().position(|c| leaf(c) == w);
    let (Some(personnel), Some(public)) = (find("人员经费"), find("公用经费")) else {
        return;
    };
    let code_cols: Vec<usize> = (0..grid.columns.len())
        // 科目编码 split into 类 / 款 under it counts too.
        .filter(|&c| grid.columns[c].split('/').any(crate::cell::is_code_column))
        .collect();
    let mut moved: Vec<u32> = Vec::new();
    for row in &mut grid.rows {
        let Some(code) = code_cols.iter().find_map(|&c| row.cells.get(c)?.as_deref()) else {
            continue;
        };
        let Some(is_personnel) = code.get(..3).and_then(personnel_class) else {
            continue;
        };
        let (from, to) = match is_personnel {
            true => (public, personnel),
            false => (personnel, public),
        };
        if row.cells[to].is_none() && row.cells[from].is_some() {
            row.cells[to] = row.cells[from].take();
            moved.push(row.line);
        }
    }
    warn_moved(
        grid,
        &moved,
        "amount",
        "moved between 人员经费 and 公用经费 by the economic class",
    );
}

/// A row whose amounts stand one column right of where they were printed:
/// the total column (合计 over its siblings) empty, the last sibling
/// filled, and moved one column left the first amount is the sum of the
/// rest. Converters that skew positions (layout text beside wide CJK
/// labels, markdown cells of a merged label) leave such rows; the sum
/// proves the reading, and the rows moved are named in a warning.
pub fn shift_into_empty_totals(grid: &mut Grid) {
    let width = grid.columns.len();
    let parent = |c: usize| grid.columns[c].rsplit_once('/').map(|(p, _)| p.to_string());
    let leaf = |c: usize| grid.columns[c].rsplit('/').next().unwrap_or("").to_string();
    let mut moved: Vec<u32> = Vec::new();
    for t in 0..width {
        let Some(group) = parent(t) else { continue };
        if !matches!(leaf(t).as_str(), "合计" | "小计" | "总计") {
            continue;
        }
        let end = (t + 1..width)
            .find(|&c| parent(c).as_deref() != Some(group.as_str()))
            .unwrap_or(width);
        if end - t < 3 {
            continue;
        }
        for row in &mut grid.rows {
            let block = &row.cells[t..end];
            let amounts: Option<Vec<i128>> = block[1..]
                .iter()
                .map(|c| c.as_deref().map_or(Some(0), crate::cell::parse_amount))
                .collect();
            let Some(amounts) = amounts else { continue };
            let total_holds = amounts[1..].iter().sum::<i128>() == amounts[0];
            if block[0].is_none()
                && block[1].is_some()
                && block[end - t - 1].is_some()
                && total_holds
            {
                row.cells[t..end].rotate_left(1);
                moved.push(row.line);
            }
        }
    }
    warn_moved(
        grid,
        &moved,
        "row",
        "read one column right of the total moved back (the total is the sum of the rest)",
    );
}

/// A row saying only 无 (a table with nothing to show) is one cell merged
/// across the table, printed from its left edge: it stands in the first
/// column, wherever a reader without positions placed the word.
pub fn none_row_in_first_column(grid: &mut Grid) {
    for row in &mut grid.rows {
        let mut filled = row.cells.iter().enumerate().filter(|(_, c)| c.is_some());
        let (Some((j, c)), None) = (filled.next(), filled.next()) else {
            continue;
        };
        if j > 0 && c.as_deref().map(str::trim) == Some("无") {
            row.cells.swap(0, j);
        }
    }
}

/// Warns of what a grid shows its reader may have got wrong, whatever the
/// reader: a column with cells but no header. Some are printed so (a label
/// column under a merged corner), but it is also what a lost header line
/// or a cell split in two leaves, and the reader cannot tell which.
pub fn warn_unsure(grid: &mut Grid) {
    for (j, c) in grid.columns.iter().enumerate() {
        if !c.trim().is_empty() {
            continue;
        }
        let lines: Vec<String> = grid
            .rows
            .iter()
            .filter(|r| r.cells.get(j).is_some_and(|c| c.is_some()))
            .map(|r| r.line.to_string())
            .collect();
        if lines.is_empty() {
            continue;
        }
        let shown = lines.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        let more = if lines.len() > 3 { " …" } else { "" };
        grid.warnings.push(format!(
            "column {} has cells but no header (printed so, or a header line was lost or a \
             cell split in two): lines {shown}{more}",
            j + 1
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Row;

    fn grid(rows: &[[&str; 3]]) -> Grid {
        Grid {
            columns: vec!["项目名称".into(), String::new(), "金额".into()],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    cells: r
                        .iter()
                        .map(|c| (!c.is_empty()).then(|| c.to_string()))
                        .collect(),
                    line: i as u32 + 1,
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    fn cells(r: &Row) -> Vec<Option<&str>> {
        r.cells.iter().map(|c| c.as_deref()).collect()
    }

    #[test]
    fn amounts_go_under_personnel_or_public_spending_by_economic_class() {
        let mut g = grid(&[]);
        g.columns = [
            "项目/经济分类科目编码/类",
            "项目/经济分类科目编码/款",
            "项目/经济分类科目名称",
            "基本支出/合计",
            "基本支出/人员经费",
            "基本支出/公用经费",
        ]
        .map(String::from)
        .to_vec();
        let row = |cells: [&str; 6], line| Row {
            cells: cells
                .iter()
                .map(|c| (!c.is_empty()).then(|| c.to_string()))
                .collect(),
            line,
        };
        g.rows = vec![
            row(["301", "01", "基本工资", "5.00", "5.00", ""], 7),
            // Flattened text put the lone amount in the first free column.
            row(["302", "", "商品和服务支出", "9.00", "9.00", ""], 8),
            row(["302", "01", "办公费", "9.00", "9.00", ""], 9),
            row(["", "", "合计", "14.00", "5.00", "9.00"], 10),
        ];
        place_by_economic_class(&mut g);
        assert_eq!(
            cells(&g.rows[0]),
            [
                Some("301"),
                Some("01"),
                Some("基本工资"),
                Some("5.00"),
                Some("5.00"),
                None
            ]
        );
        assert_eq!(
            cells(&g.rows[1]),
            [
                Some("302"),
                None,
                Some("商品和服务支出"),
                Some("9.00"),
                None,
                Some("9.00")
            ]
        );
        assert_eq!(cells(&g.rows[2])[4..], [None, Some("9.00")]);
        assert_eq!(cells(&g.rows[3])[4..], [Some("5.00"), Some("9.00")]);
        assert_eq!(
            g.warnings,
            ["lines 8–9: 2 amounts moved between 人员经费 and 公用经费 by the economic class"]
        );
    }

    #[test]
    fn a_row_read_one_column_right_of_its_total_is_moved_back_when_it_adds_up() {
        let mut g = grid(&[]);
        g.columns = ["项目", "支出/合计", "支出/基本支出", "支出/项目支出"]
            .map(String::from)
            .to_vec();
        let row = |cells: [&str; 4], line| Row {
            cells: cells
                .iter()
                .map(|c| (!c.is_empty()).then(|| c.to_string()))
                .collect(),
            line,
        };
        g.rows = vec![
            row(["工资福利支出", "", "5.00", "5.00"], 3),
            // Does not add up moved: kept as read.
            row(["商品和服务支出", "", "5.00", "4.00"], 4),
            row(["合计", "10.00", "5.00", "5.00"], 5),
        ];
        shift_into_empty_totals(&mut g);
        assert_eq!(
            cells(&g.rows[0]),
            [Some("工资福利支出"), Some("5.00"), Some("5.00"), None]
        );
        assert_eq!(
            cells(&g.rows[1]),
            [Some("商品和服务支出"), None, Some("5.00"), Some("4.00")]
        );
        assert_eq!(
            cells(&g.rows[2])[1..],
            [Some("10.00"), Some("5.00"), Some("5.00")]
        );
        assert_eq!(g.warnings.len(), 1);
        assert!(
            g.warnings[0].starts_with("lines 3–3: 1 row read"),
            "{:?}",
            g.warnings
        );
    }

    #[test]
    fn a_column_with_cells_and_no_header_is_warned_of_with_its_lines() {
        let mut g = grid(&[["合计", "", "1.00"], ["其中", "拆开的", "2.00"]]);
        warn_unsure(&mut g);
        assert_eq!(g.warnings.len(), 1);
        assert!(
            g.warnings[0].starts_with("column 2 has cells but no header"),
            "{:?}",
            g.warnings
        );
        assert!(g.warnings[0].ends_with("lines 2"), "{:?}", g.warnings);
        let mut clean = grid(&[["合计", "", "1.00"]]);
        warn_unsure(&mut clean);
        assert!(clean.warnings.is_empty());
    }

    #[test]
    fn a_group_label_printed_mid_group_goes_to_its_subtotal_row() {
        let mut g = grid(&[
            ["收入总计", "", "21,955.35"],
            ["", "小计", "21,940.96"],
            ["一般公共预算资金", "公共财政拨款(补助)资金", "21,940.96"],
            ["", "专项收入", ""],
            ["政府性基金", "小计", ""],
            ["", "小计", "14.39"],
            ["", "事业收入", ""],
            ["其他资金", "其他收入", "14.39"],
            ["", "债务资金", ""],
        ]);
        lift_merged_group_labels(&mut g);
        let col0: Vec<Option<&str>> = g.rows.iter().map(|r| r.cells[0].as_deref()).collect();
        assert_eq!(
            col0,
            [
                Some("收入总计"),
                Some("一般公共预算资金"),
                None,
                None,
                Some("政府性基金"),
                Some("其他资金"),
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn a_row_of_none_stands_in_the_first_column() {
        let mut g = grid(&[["", "无", ""], ["合计", "", ""], ["", "其他", "1.00"]]);
        none_row_in_first_column(&mut g);
        assert_eq!(cells(&g.rows[0]), [Some("无"), None, None]);
        assert_eq!(cells(&g.rows[1]), [Some("合计"), None, None]);
        assert_eq!(cells(&g.rows[2]), [None, Some("其他"), Some("1.00")]);
    }
}
