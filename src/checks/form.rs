//! Sums inside a form (`[[form_check]]` in `config/checks.toml`): a form
//! has no columns of amounts, only figures printed after their labels, so
//! a relation names labels. The total and its parts stand in one column of
//! labels (the form prints 其他资金 twice, once under each total).

use super::{amount, make, CheckRules, Relation};
use crate::catalog::normalize;
use crate::model::Table;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct FormCheck {
    pub name: String,
    /// Table kind (config/tables.toml) of the form.
    pub kind: String,
    pub total: String,
    pub parts: Vec<String>,
}

/// A label's figure: the first cell right of it in its row, when that is
/// an amount.
fn figure(t: &Table, i: usize, j: usize) -> Option<(Decimal, usize)> {
    let cells = &t.rows[i].cells;
    let k = (j + 1..cells.len()).find(|&k| cells[k].is_some())?;
    amount(cells[k].as_deref()).map(|v| (v, k))
}

/// Where the label stands: the first cell equal to it, in `col` when given.
fn find(t: &Table, label: &str, col: Option<usize>) -> Option<(usize, usize)> {
    let want = normalize(label);
    t.rows.iter().enumerate().find_map(|(i, r)| {
        r.cells.iter().enumerate().find_map(|(j, c)| {
            let here = col.is_none_or(|col| col == j);
            (here && c.as_deref().is_some_and(|c| normalize(c) == want)).then_some((i, j))
        })
    })
}

pub(super) fn form_checks_of(tables: &[Table], rules: &CheckRules) -> Vec<Relation> {
    let mut out = Vec::new();
    for t in tables {
        for c in rules
            .form_check
            .iter()
            .filter(|c| t.kind.as_deref() == Some(c.kind.as_str()))
        {
            let Some((ti, tj)) = find(t, &c.total, None) else {
                continue;
            };
            let Some((total, tk)) = figure(t, ti, tj) else {
                continue;
            };
            let parts: Option<Vec<(usize, usize, Decimal)>> = c
                .parts
                .iter()
                .map(|p| {
                    let (i, j) = find(t, p, Some(tj))?;
                    figure(t, i, j).map(|(v, k)| (i, k, v))
                })
                .collect();
            let Some(parts) = parts else {
                continue;
            };
            let expected: Decimal = parts.iter().map(|p| p.2).sum();
            let mut cells = vec![(t.ordinal, ti, tk)];
            cells.extend(parts.iter().map(|&(i, k, _)| (t.ordinal, i, k)));
            out.push(Relation {
                check: make(
                    t.ordinal,
                    "form_sum",
                    format!("{} [{} = {}]", t.title, c.total, c.parts.join(" + ")),
                    total,
                    expected,
                    parts.len(),
                    &c.name,
                ),
                cells,
                vertical: false,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckStatus;
    use crate::model::Row;

    fn form(annual: &str) -> Table {
        let s = |x: &str| Some(x.to_string());
        let row = |cells: Vec<Option<String>>| Row { cells, line: 1 };
        Table {
            ordinal: 3,
            title: "财政项目支出绩效目标填报表".into(),
            kind: Some("performance.project_target_form".into()),
            columns: vec![String::new(); 8],
            rows: vec![
                row(vec![
                    s("项目资金（元）"),
                    None,
                    s("项目资金总额"),
                    None,
                    s("500.00"),
                    s("年度资金申请总额"),
                    None,
                    s(annual),
                ]),
                row(vec![
                    None,
                    None,
                    s("其中：财政资金"),
                    None,
                    s("400.00"),
                    s("其中：当年财政拨款"),
                    None,
                    s("300.00"),
                ]),
                row(vec![
                    None,
                    None,
                    None,
                    None,
                    None,
                    s("上年结转资金"),
                    None,
                    s("100.00"),
                ]),
                row(vec![
                    None,
                    None,
                    s("其他资金"),
                    None,
                    s("100.00"),
                    s("其他资金"),
                    None,
                    s("100.00"),
                ]),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn form_totals_are_checked_by_label() {
        let rules = CheckRules::builtin();
        let rel = form_checks_of(&[form("500.00")], &rules);
        assert_eq!(rel.len(), 2);
        assert!(rel.iter().all(|r| r.check.status == CheckStatus::Pass));
        // The annual total's parts are the right-hand 其他资金, not the left.
        assert!(rel[1].cells.contains(&(3, 3, 7)));
        let rel = form_checks_of(&[form("510.00")], &rules);
        let annual = rel
            .iter()
            .find(|r| r.check.target.contains("年度资金申请总额"))
            .unwrap();
        assert_eq!(annual.check.status, CheckStatus::Fail);
        assert_eq!(annual.check.diff, Decimal::new(1000, 2));
    }
}
