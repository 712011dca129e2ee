//! Arithmetic checks: does the report add up? Each check compares a
//! printed total with the sum of its parts (or the same quantity printed
//! elsewhere) and says `pass`, `rounding` (within 0.01 per summand: every
//! printed figure is rounded to 0.01) or `fail`.
//!
//! Checks within one table are rules of the table grammar: subject codes
//! ([`tree`]), header trees ([`columns`]), two-sided 收入 | 支出 tables
//! ([`two_sided`]). Checks across tables and against the explanatory prose
//! are data: `[[cross_check]]` and `[[prose_check]]` in
//! `config/checks.toml` ([`template`]).
//!
//! Each check is a [`Relation`] among printed figures: [`relations`] also
//! says which cells enter it, so [`crate::verify`] can tell a table all of
//! whose figures are tied by passing relations from one checked in part.

use crate::catalog::normalize;
use crate::model::Table;
use crate::parse::text;
use anyhow::{Context, Result};
use regex::Regex;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::cell::OnceCell;
use std::collections::BTreeMap;

mod columns;
mod form;
mod template;
mod tree;
mod two_sided;

pub const BUILTIN: &str = include_str!("../../config/checks.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckStatus {
    Pass,
    Rounding,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Rounding => "rounding",
            CheckStatus::Fail => "fail",
        }
    }
}

/// One relation checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The table holding the total (for cross-table and prose checks, the
    /// table of the left side / the table the prose figure is compared to).
    pub table_ordinal: u32,
    /// `subject_tree`, `total_row`, `column_sum`, `two_sided`, `cross_table`, `prose`.
    pub check: String,
    /// Which row and column, readable.
    pub target: String,
    /// The sum of the parts (or the other printed figure).
    pub expected: Decimal,
    /// The printed total.
    pub actual: Decimal,
    /// actual − expected.
    pub diff: Decimal,
    pub status: CheckStatus,
    pub message: String,
}

/// A reference to one printed figure: the first row of a table of `kind`
/// whose label is one of `row`, in the first amount column whose header
/// path starts with `column`.
#[derive(Debug, Clone, Deserialize)]
pub struct CellRef {
    pub kind: String,
    pub row: Vec<String>,
    pub column: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CrossCheck {
    pub name: String,
    pub left: CellRef,
    /// Summed when several.
    pub right: Vec<CellRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProseCheck {
    pub name: String,
    /// A regex whose first group is the amount (in 万元 unless `unit`).
    pub pattern: String,
    #[serde(default = "default_unit")]
    pub unit: String,
    pub target: CellRef,
}

fn default_unit() -> String {
    "万元".into()
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct CheckRules {
    #[serde(default)]
    pub cross_check: Vec<CrossCheck>,
    #[serde(default)]
    pub prose_check: Vec<ProseCheck>,
    #[serde(default)]
    pub form_check: Vec<form::FormCheck>,
    /// `prose_check` patterns, compiled once when the rules are read.
    #[serde(skip)]
    prose_patterns: Vec<Regex>,
}

impl CheckRules {
    pub fn parse(text: &str) -> Result<Self> {
        let mut rules: CheckRules = toml::from_str(text)?;
        rules.prose_patterns = rules
            .prose_check
            .iter()
            .map(|p| {
                Regex::new(&p.pattern)
                    .with_context(|| format!("prose_check {}: bad pattern", p.name))
            })
            .collect::<Result<_>>()?;
        Ok(rules)
    }
    pub fn builtin() -> Self {
        Self::parse(BUILTIN).expect("config/checks.toml is valid (checked by a unit test)")
    }
}

/// The value of a printed amount ([`crate::cell::decimal`]).
pub fn amount(cell: Option<&str>) -> Option<Decimal> {
    crate::cell::decimal(cell?)
}

fn judge(actual: Decimal, expected: Decimal, summands: usize) -> (Decimal, CheckStatus) {
    let diff = actual - expected;
    let tolerance = Decimal::new(1, 2) * Decimal::from(summands.max(1) as u64);
    let status = if diff.is_zero() {
        CheckStatus::Pass
    } else if diff.abs() <= tolerance {
        CheckStatus::Rounding
    } else {
        CheckStatus::Fail
    };
    (diff, status)
}

fn make(
    table: u32,
    check: &str,
    target: String,
    actual: Decimal,
    expected: Decimal,
    n: usize,
    what: &str,
) -> Check {
    let (diff, status) = judge(actual, expected, n);
    let message = match status {
        CheckStatus::Pass => format!("{what}: {actual} = {expected}"),
        CheckStatus::Rounding => {
            format!("{what}: {actual} vs {expected}, off by {diff} within rounding of {n} figures")
        }
        CheckStatus::Fail => {
            format!("{what}: printed {actual}, parts add up to {expected} (diff {diff})")
        }
    };
    Check {
        table_ordinal: table,
        check: check.into(),
        target,
        expected,
        actual,
        diff,
        status,
        message,
    }
}

/// Columns holding amounts: most of their cells are decimal amounts (a
/// bare 0 counts for neither).
pub fn amount_columns(t: &Table) -> Vec<usize> {
    (0..t.columns.len())
        .filter(|&j| {
            let (mut filled, mut n) = (0, 0);
            for c in t.rows.iter().filter_map(|r| r.cells.get(j)?.as_deref()) {
                // A bare 0 (元 tables print no decimals) says nothing.
                if c.trim() == "0" {
                    continue;
                }
                filled += 1;
                n += usize::from(text::is_decimal_amount(c));
            }
            n > 0 && n * 5 >= filled * 4
        })
        .collect()
}

pub(crate) fn is_total_label(s: &str) -> bool {
    // Normalising only removes characters: without 计 there is no 合计/总计.
    if !s.contains('计') {
        return false;
    }
    let s = normalize(s);
    s == "合计" || s == "总计" || (s.ends_with("合计") && s.chars().count() <= 8)
}

/// The value of each cell of a table ([`amount`]), row by row. The checks
/// read the same cells many times (a total in every sum it closes, each
/// row's label search), so each table's cells are parsed once.
type Values = Vec<Vec<Option<Decimal>>>;

fn values_of(t: &Table) -> Values {
    t.rows
        .iter()
        .map(|r| r.cells.iter().map(|c| amount(c.as_deref())).collect())
        .collect()
}

/// The first filled cell among `cells` that is not an amount (a row's
/// label); `values` are the cells' values.
fn first_text(cells: &[Option<String>], values: &[Option<Decimal>]) -> String {
    cells
        .iter()
        .zip(values)
        .find_map(|(c, v)| c.as_ref().filter(|_| v.is_none()))
        .cloned()
        .unwrap_or_default()
}

/// A check together with the printed figures it ties: (table ordinal, row
/// index, column index) of the total and of each part that is printed.
#[derive(Debug, Clone)]
pub struct Relation {
    pub check: Check,
    pub cells: Vec<(u32, usize, usize)>,
    /// A relation down the rows (subject tree, total row, two-sided
    /// sums); false for one across the columns of a row or between tables.
    pub vertical: bool,
}

/// What the checks read of one table, worked out once per report and
/// shared by its relations, the prose figures and verification: the
/// amount columns, every cell's value, and (when first asked) the code
/// columns and the two-sided grammar's stray rows.
pub struct TableFacts {
    amounts: Vec<usize>,
    values: Values,
    sides: OnceCell<Vec<tree::CodeSide>>,
    strays: OnceCell<Vec<usize>>,
}

impl TableFacts {
    pub fn of(t: &Table) -> Self {
        TableFacts {
            amounts: amount_columns(t),
            values: values_of(t),
            sides: OnceCell::new(),
            strays: OnceCell::new(),
        }
    }

    fn grid<'a>(&'a self, t: &'a Table) -> Grid<'a> {
        Grid {
            t,
            amounts: &self.amounts,
            values: &self.values,
            facts: self,
        }
    }
}

/// The [`TableFacts`] of each table of a report, in order. They hold no
/// borrow: the tables may be changed (verification, warnings) as long as
/// their cells and columns are not.
pub struct Facts(Vec<TableFacts>);

impl Facts {
    pub fn of(tables: &[Table]) -> Self {
        Facts(tables.iter().map(TableFacts::of).collect())
    }

    pub fn table(&self, k: usize) -> &TableFacts {
        &self.0[k]
    }

    fn amounts(&self) -> Vec<&[usize]> {
        self.0.iter().map(|f| f.amounts.as_slice()).collect()
    }
}

/// One table as the checks read it: its amount columns and cell values.
pub(crate) struct Grid<'a> {
    pub t: &'a Table,
    pub amounts: &'a [usize],
    pub values: &'a Values,
    facts: &'a TableFacts,
}

impl<'a> Grid<'a> {
    /// The code columns ([`tree::code_sides`]), found once per table.
    fn sides(&self) -> &'a [tree::CodeSide] {
        self.facts.sides.get_or_init(|| tree::code_sides(self))
    }
}

impl Grid<'_> {
    /// Columns of row labels: not amounts, and at least two cells of text
    /// that is not a number (a code column is numbers).
    pub fn label_columns(&self) -> Vec<usize> {
        (0..self.t.columns.len())
            .filter(|j| !self.amounts.contains(j))
            .filter(|&j| {
                self.t
                    .rows
                    .iter()
                    .zip(self.values)
                    .filter(|(r, v)| {
                        r.cells.get(j).is_some_and(|c| c.is_some())
                            && v.get(j).is_some_and(|v| v.is_none())
                    })
                    .count()
                    >= 2
            })
            .collect()
    }

    /// No label column stands between columns `a` and `b`.
    pub fn same_block(&self, a: usize, b: usize) -> bool {
        let (lo, hi) = (a.min(b), a.max(b));
        !self.label_columns().iter().any(|&l| l > lo && l < hi)
    }
}

/// Every relation among the cells of one table (subject tree, total row,
/// column sums, two-sided balance).
pub fn table_relations(t: &Table) -> Vec<Relation> {
    grid_relations(&TableFacts::of(t).grid(t))
}

fn grid_relations(g: &Grid) -> Vec<Relation> {
    let mut out = tree::subject_tree_of(g);
    out.extend(columns::column_sums_of(g));
    out.extend(two_sided::two_sided_of(g));
    out
}

/// Every relation of a report but the prose figures: each table's own
/// relations, then the equalities between tables.
pub fn relations(tables: &[Table], rules: &CheckRules) -> Vec<Relation> {
    relations_with(tables, &Facts::of(tables), rules)
}

/// [`relations`] on the facts of the tables, worked out before.
fn relations_with(tables: &[Table], facts: &Facts, rules: &CheckRules) -> Vec<Relation> {
    let mut out = Vec::new();
    for (t, f) in tables.iter().zip(&facts.0) {
        out.extend(grid_relations(&f.grid(t)));
    }
    out.extend(template::cross_table_of(tables, &facts.amounts(), rules));
    out.extend(form::form_checks_of(tables, rules));
    out
}

/// Runs every check of one report.
pub fn check_report(tables: &[Table], prose: &str, rules: &CheckRules) -> Vec<Check> {
    check_report_related(tables, prose, rules).0
}

/// [`check_report`], and the relations of the tables' cells behind its
/// checks (all but the prose figures), which verification reads: computed
/// once for both.
pub fn check_report_related(
    tables: &[Table],
    prose: &str,
    rules: &CheckRules,
) -> (Vec<Check>, Vec<Relation>) {
    check_report_with(tables, &Facts::of(tables), prose, rules)
}

/// [`check_report_related`] on the facts of the tables ([`Facts::of`]),
/// which [`crate::verify::verify_tables_with`] reads again.
pub fn check_report_with(
    tables: &[Table],
    facts: &Facts,
    prose: &str,
    rules: &CheckRules,
) -> (Vec<Check>, Vec<Relation>) {
    let related = relations_with(tables, facts, rules);
    let mut out: Vec<Check> = related.iter().map(|r| r.check.clone()).collect();
    out.extend(template::prose_checks_of(
        tables,
        &facts.amounts(),
        prose,
        rules,
    ));
    (out, related)
}

fn checks_of(rel: Vec<Relation>) -> Vec<Check> {
    rel.into_iter().map(|r| r.check).collect()
}

/// 类 = Σ 款, 款 = Σ 项 (functional 3/5/7 digits, economic 3/5 digits),
/// and the 合计 row = Σ 类 rows. Side-by-side tables are checked per side:
/// a side runs from its code column to the next one.
pub fn subject_tree(t: &Table) -> Vec<Check> {
    checks_of(tree::subject_tree_of(&TableFacts::of(t).grid(t)))
}

/// A 合计 / 小计 / 总计 column equals the sum of its siblings under the same
/// parent (each sibling subtree by its own total, or its leaves). A
/// sibling named 其中… is a breakdown: it counts only if the sum holds with
/// it.
pub fn column_sums(t: &Table) -> Vec<Check> {
    checks_of(columns::column_sums_of(&TableFacts::of(t).grid(t)))
}

/// Two-sided tables (收入 | 支出): see [`two_sided`].
pub fn two_sided(t: &Table) -> Vec<Check> {
    checks_of(two_sided::two_sided_of(&TableFacts::of(t).grid(t)))
}

/// The `[[cross_check]]` equalities of a report.
pub fn cross_table(tables: &[Table], rules: &CheckRules) -> Vec<Check> {
    let amounts: Vec<Vec<usize>> = tables.iter().map(amount_columns).collect();
    let amounts: Vec<&[usize]> = amounts.iter().map(Vec::as_slice).collect();
    checks_of(template::cross_table_of(tables, &amounts, rules))
}

/// The `[[prose_check]]` figures of a report's text.
pub fn prose_checks(tables: &[Table], prose: &str, rules: &CheckRules) -> Vec<Check> {
    let amounts: Vec<Vec<usize>> = tables.iter().map(amount_columns).collect();
    let amounts: Vec<&[usize]> = amounts.iter().map(Vec::as_slice).collect();
    template::prose_checks_of(tables, &amounts, prose, rules)
}

/// A row's label as the checks name it: its first cell of text, else its
/// position.
pub fn row_label(t: &Table, i: usize) -> String {
    let cells = &t.rows[i].cells;
    let values: Vec<Option<Decimal>> = cells.iter().map(|c| amount(c.as_deref())).collect();
    label_of_row(cells, &values, i)
}

/// [`row_label`] with the table's facts.
pub fn row_label_with(t: &Table, f: &TableFacts, i: usize) -> String {
    label_of_row(&t.rows[i].cells, &f.values[i], i)
}

fn label_of_row(cells: &[Option<String>], values: &[Option<Decimal>], i: usize) -> String {
    let l = first_text(cells, values);
    if l.is_empty() {
        format!("#{}", i + 1)
    } else {
        l
    }
}

/// The printed amounts of a table, (row, column): every filled cell of an
/// amount column, and any decimal amount elsewhere (a figure that strayed
/// into a label column).
pub fn amount_cells(t: &Table) -> Vec<(usize, usize)> {
    amount_cells_with(t, &TableFacts::of(t))
}

/// [`amount_cells`] with the table's facts.
pub fn amount_cells_with(t: &Table, f: &TableFacts) -> Vec<(usize, usize)> {
    let amounts = &f.amounts;
    let mut out = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        for (j, c) in r.cells.iter().enumerate() {
            let Some(c) = c.as_deref() else { continue };
            let is_amount = if amounts.contains(&j) {
                f.values[i][j].is_some()
            } else {
                text::is_decimal_amount(c.trim())
            };
            if is_amount {
                out.push((i, j));
            }
        }
    }
    out
}

/// A row of a coded table, as the template allows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodedRow {
    /// A coded row with amounts, or the total row: must stand in a
    /// subject tree or the total relation.
    Amounts,
    /// A coded row printing no amount.
    Blank,
    /// A row with a code and amounts but no name.
    Unnamed,
    /// No code and no total label (a piece of a wrapped label, a page
    /// number), or text in a code column that is no code (a total label
    /// split over the code and name cells).
    Stray,
}

/// Each row of a coded table (one with a subject-code column, whole or
/// split into 类 | 款 | 项), or None for a table without codes.
pub fn coded_rows(t: &Table) -> Option<Vec<CodedRow>> {
    coded_rows_with(t, &TableFacts::of(t))
}

/// [`coded_rows`] with the table's facts.
pub fn coded_rows_with(t: &Table, f: &TableFacts) -> Option<Vec<CodedRow>> {
    let g = f.grid(t);
    let (amounts, values) = (g.amounts, g.values);
    let sides = g.sides();
    if sides.is_empty() {
        return None;
    }
    let width = t.columns.len();
    Some(
        (0..t.rows.len())
            .map(|i| {
                let cells = &t.rows[i].cells;
                let has_amount = amounts.iter().any(|&j| values[i][j].is_some());
                let mut coded = false;
                let mut named = false;
                for (si, s) in sides.iter().enumerate() {
                    if s.codes[i].is_none() {
                        // Text in a code column: a label split over the
                        // code and name cells (人 | 员经费合计).
                        if (s.start..s.start + s.width).any(|j| cells[j].is_some()) {
                            return CodedRow::Stray;
                        }
                        continue;
                    }
                    coded = true;
                    let end = sides.get(si + 1).map(|n| n.start).unwrap_or(width);
                    let from = (s.start + s.width).min(end);
                    named |= !first_text(&cells[from..end], &values[i][from..end]).is_empty()
                        || crate::cell::subject_code(cells[s.start].as_deref().unwrap_or(""))
                            .is_some_and(|c| cells[s.start].as_deref() != Some(c));
                }
                let total = cells.iter().flatten().any(|c| is_total_label(c));
                match (coded, total, has_amount) {
                    (true, _, false) => CodedRow::Blank,
                    (true, _, true) if !named => CodedRow::Unnamed,
                    (true, _, true) | (false, true, true) => CodedRow::Amounts,
                    (false, true, false) => CodedRow::Blank,
                    (false, false, _) => CodedRow::Stray,
                }
            })
            .collect(),
    )
}

/// Columns with neither a header nor a cell: the grid has a column the
/// printed table does not (a rule or a gap read as a column), so every
/// cell beside it may stand one column off.
pub fn phantom_columns(t: &Table) -> Vec<usize> {
    (0..t.columns.len())
        .filter(|&j| t.columns[j].trim().is_empty())
        .filter(|&j| {
            t.rows
                .iter()
                .all(|r| r.cells.get(j).is_none_or(|c| c.is_none()))
        })
        .collect()
}

/// Rows of a two-sided table its grammar does not allow (see
/// [`two_sided`]), by index.
pub fn two_sided_strays(t: &Table) -> Vec<usize> {
    two_sided_strays_with(t, &TableFacts::of(t))
}

/// [`two_sided_strays`] with the table's facts: found by the relations
/// already when they were computed on the same facts.
pub fn two_sided_strays_with(t: &Table, f: &TableFacts) -> Vec<usize> {
    two_sided::stray_rows(&f.grid(t))
}

/// Counts per status, for the run summary.
pub fn tally(checks: &[Check]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for c in checks {
        *m.entry(c.status.as_str()).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Row;

    fn table(columns: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            ordinal: 1,
            number: None,
            title: "t".into(),
            unit: Some("万元".into()),
            narrative: false,
            columns: columns.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| Row {
                    cells: r
                        .iter()
                        .map(|c| {
                            if c.is_empty() {
                                None
                            } else {
                                Some(c.to_string())
                            }
                        })
                        .collect(),
                    line: i as u32 + 1,
                })
                .collect(),
            line_start: 1,
            line_end: 1,
            ..Default::default()
        }
    }

    #[test]
    fn subject_tree_and_total_row() {
        let t = table(
            &["科目编码", "科目名称", "合计"],
            &[
                &["", "合计", "3.00"],
                &["201", "一般公共服务支出", "3.00"],
                &["20103", "政府办公厅", "3.00"],
                &["2010301", "行政运行", "1.00"],
                &["2010302", "一般行政管理事务", "2.00"],
            ],
        );
        let checks = subject_tree(&t);
        assert_eq!(checks.len(), 3);
        assert!(
            checks.iter().all(|c| c.status == CheckStatus::Pass),
            "{checks:#?}"
        );
        let mut bad = t.clone();
        bad.rows[3].cells[2] = Some("1.50".into());
        let checks = subject_tree(&bad);
        let failed: Vec<&str> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .map(|c| c.target.as_str())
            .collect();
        assert_eq!(failed, ["row 政府办公厅 × column 合计"]);
    }

    #[test]
    fn column_sums_with_spanning_headers() {
        let t = table(
            &[
                "项目",
                "总计",
                "财政拨款/合计",
                "财政拨款/一般公共预算",
                "财政拨款/政府性基金预算",
                "其他资金",
            ],
            &[&["合计", "10.00", "9.00", "8.99", "0.00", "1.00"]],
        );
        let checks = column_sums(&t);
        let by: BTreeMap<String, CheckStatus> = checks
            .iter()
            .map(|c| (c.target.clone(), c.status))
            .collect();
        assert_eq!(by["row 合计 × column 总计"], CheckStatus::Pass);
        assert_eq!(by["row 合计 × column 财政拨款/合计"], CheckStatus::Rounding);
    }

    #[test]
    fn two_sided_balance() {
        let t = table(
            &["收入/项目", "收入/预算", "支出/项目", "支出/预算"],
            &[
                &["一、财政拨款", "10.00", "一、卫生健康支出", "8.00"],
                &["", "", "二、住房保障支出", "2.00"],
                &["本年收入合计", "10.00", "本年支出合计", "10.00"],
                &["四、上级补助收入", "1.00", "五、结转下年", "1.00"],
                &["收入总计", "11.00", "支出总计", "11.00"],
            ],
        );
        let checks = two_sided(&t);
        assert_eq!(checks.len(), 5);
        assert!(
            checks.iter().all(|c| c.status == CheckStatus::Pass),
            "{checks:#?}"
        );
    }

    #[test]
    fn builtin_rules_parse() {
        let r = CheckRules::builtin();
        assert!(!r.cross_check.is_empty() && !r.prose_check.is_empty());
    }
}
