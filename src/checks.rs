//! Arithmetic checks: does the report add up? Each check compares a
//! printed total with the sum of its parts (or the same quantity printed
//! elsewhere) and says `pass`, `rounding` (within 0.01 per summand: every
//! printed figure is rounded to 0.01) or `fail`.
//!
//! Checks within one table are rules of the table grammar (subject codes,
//! header trees, two-sided 收入 | 支出 tables). Checks across tables and
//! against the explanatory prose are data: `[[cross_check]]` and
//! `[[prose_check]]` in `config/checks.toml`.

use crate::catalog::normalize;
use crate::model::Table;
use crate::parse::text;
use anyhow::{Context, Result};
use regex::Regex;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;

pub const BUILTIN: &str = include_str!("../config/checks.toml");

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

/// Columns holding amounts: most of their cells are decimal amounts.
fn amount_columns(t: &Table) -> Vec<usize> {
    (0..t.columns.len())
        .filter(|&j| {
            let (mut filled, mut n) = (0, 0);
            for c in t.rows.iter().filter_map(|r| r.cells.get(j)?.as_deref()) {
                filled += 1;
                n += usize::from(text::is_decimal_amount(c));
            }
            n > 0 && n * 5 >= filled * 4
        })
        .collect()
}

fn is_total_label(s: &str) -> bool {
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

/// Runs every check of one report.
pub fn check_report(tables: &[Table], prose: &str, rules: &CheckRules) -> Vec<Check> {
    // Every check starts from the amount columns: find them once per table.
    let amounts: Vec<Vec<usize>> = tables.iter().map(amount_columns).collect();
    let mut out = Vec::new();
    for (t, amounts) in tables.iter().zip(&amounts) {
        let values = values_of(t);
        out.extend(subject_tree_of(t, amounts, &values));
        out.extend(column_sums_of(t, amounts, &values));
        out.extend(two_sided_of(t, amounts, &values));
    }
    out.extend(cross_table_of(tables, &amounts, rules));
    out.extend(prose_checks_of(tables, &amounts, prose, rules));
    out
}

/// The subject code of a row in a segment: a code column, or a bracketed
/// code at the start of a label ("[30101]基本工资").
fn code_in(cell: Option<&str>) -> Option<&str> {
    crate::cell::subject_code(cell?)
}

/// 类 = Σ 款, 款 = Σ 项 (functional 3/5/7 digits, economic 3/5 digits),
/// and the 合计 row = Σ 类 rows. Side-by-side tables are checked per side:
/// a side runs from its code column to the next one.
pub fn subject_tree(t: &Table) -> Vec<Check> {
    subject_tree_of(t, &amount_columns(t), &values_of(t))
}

/// [`subject_tree`] given the table's amount columns and cell values.
fn subject_tree_of(t: &Table, amounts: &[usize], values: &Values) -> Vec<Check> {
    let width = t.columns.len();
    // Columns that carry codes (a code column or bracketed labels).
    let code_cols: Vec<usize> = (0..width)
        .filter(|&j| !amounts.contains(&j))
        .filter(|&j| {
            let n = t
                .rows
                .iter()
                .filter(|r| code_in(r.cells.get(j).and_then(|c| c.as_deref())).is_some())
                .count();
            n >= 2
        })
        .collect();
    let mut out = Vec::new();
    for (si, &k) in code_cols.iter().enumerate() {
        let end = code_cols.get(si + 1).copied().unwrap_or(width);
        // Amount columns of this side; where several code columns precede
        // the amounts (two classifications side by side), the one nearest
        // the amounts governs.
        let next_is_code_then_amounts = code_cols
            .get(si + 1)
            .is_some_and(|&n| !amounts.iter().any(|&a| a > k && a < n));
        if next_is_code_then_amounts {
            continue;
        }
        let cols: Vec<usize> = amounts
            .iter()
            .copied()
            .filter(|&a| a > k && a < end)
            .collect();
        if cols.is_empty() {
            continue;
        }
        let codes: Vec<(usize, &str)> = t
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| code_in(r.cells.get(k).and_then(|c| c.as_deref())).map(|c| (i, c)))
            .collect();
        let label = |i: usize| first_text(&t.rows[i].cells[k..end], &values[i][k..end]);
        // A parent's items are the rows printed after it, up to the next
        // code of its level or above (the same code may head several
        // blocks, e.g. [301] under [501] and again under [505]).
        for (ci, (pi, code)) in codes.iter().enumerate() {
            if code.len() != 3 && code.len() != 5 {
                continue;
            }
            let kids: Vec<usize> = codes[ci + 1..]
                .iter()
                .take_while(|(_, c)| c.len() > code.len())
                .filter(|(_, c)| c.len() == code.len() + 2 && c.starts_with(code))
                .map(|(i, _)| *i)
                .collect();
            if kids.is_empty() {
                continue;
            }
            let pi = *pi;
            let what = format!("{code} = sum of its {} sub-items", kids.len());
            for &j in &cols {
                let Some(actual) = values[pi][j] else {
                    continue;
                };
                let expected: Decimal = kids.iter().filter_map(|&i| values[i][j]).sum();
                out.push(make(
                    t.ordinal,
                    "subject_tree",
                    format!("row {} × column {}", label(pi), t.columns[j]),
                    actual,
                    expected,
                    kids.len(),
                    &what,
                ));
            }
        }
        // The total row of this side equals the sum of the top-level codes.
        let tops: Vec<usize> = codes
            .iter()
            .filter(|(_, c)| c.len() == 3)
            .map(|(i, _)| *i)
            .collect();
        let total_row = t.rows.iter().position(|r| {
            code_in(r.cells.get(k).and_then(|c| c.as_deref())).is_none()
                && r.cells[k..end]
                    .iter()
                    .flatten()
                    .any(|c| is_total_label(c) && !c.contains("其中"))
        });
        if let (Some(ti), false) = (total_row, tops.is_empty()) {
            for &j in &cols {
                let Some(actual) = values[ti][j] else {
                    continue;
                };
                let expected: Decimal = tops.iter().filter_map(|&i| values[i][j]).sum();
                out.push(make(
                    t.ordinal,
                    "total_row",
                    format!("row {} × column {}", label(ti), t.columns[j]),
                    actual,
                    expected,
                    tops.len(),
                    "total row = sum of top-level subjects",
                ));
            }
        }
    }
    out
}

/// A node of the header tree: a path prefix and the leaf columns under it.
fn children_of<'a>(cols: &'a [String], prefix: &[&str]) -> Vec<(&'a str, Vec<usize>)> {
    let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
    for (j, c) in cols.iter().enumerate() {
        let parts: Vec<&str> = c.split('/').collect();
        if parts.len() <= prefix.len() || parts[..prefix.len()] != *prefix {
            continue;
        }
        let head = parts[prefix.len()];
        match out.iter_mut().find(|(h, _)| *h == head) {
            Some((_, v)) => v.push(j),
            None => out.push((head, vec![j])),
        }
    }
    out
}

fn is_total_word(s: &str) -> bool {
    if !s.contains('计') {
        return false;
    }
    let s = normalize(s);
    s == "合计" || s == "小计" || s == "总计" || s.ends_with("合计")
}

/// The column standing for a subtree: its own total column, else the sum of
/// its leaves (each child's stand-in, recursively).
fn stand_in(cols: &[String], prefix: &[&str], leaves: &[usize], amounts: &[usize]) -> Vec<usize> {
    if leaves.len() == 1 {
        return leaves
            .iter()
            .copied()
            .filter(|j| amounts.contains(j))
            .collect();
    }
    let kids = children_of(cols, prefix);
    if let Some((_, v)) = kids.iter().find(|(h, v)| is_total_word(h) && v.len() == 1) {
        return v.iter().copied().filter(|j| amounts.contains(j)).collect();
    }
    kids.iter()
        .flat_map(|(h, v)| {
            let mut p = prefix.to_vec();
            p.push(h);
            stand_in(cols, &p, v, amounts)
        })
        .collect()
}

/// A 合计 / 小计 / 总计 column equals the sum of its siblings under the same
/// parent (each sibling subtree by its own total, or its leaves). A
/// sibling named 其中… is a breakdown: it counts only if the sum holds with
/// it.
pub fn column_sums(t: &Table) -> Vec<Check> {
    column_sums_of(t, &amount_columns(t), &values_of(t))
}

/// [`column_sums`] given the table's amount columns and cell values.
fn column_sums_of(t: &Table, amounts: &[usize], values: &Values) -> Vec<Check> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<&str>> = vec![vec![]];
    while let Some(prefix) = stack.pop() {
        let kids = children_of(&t.columns, &prefix);
        for (h, v) in &kids {
            if v.len() > 1 {
                let mut p = prefix.clone();
                p.push(h);
                stack.push(p);
            }
        }
        let Some((total_name, total)) = kids.iter().find(|(h, v)| is_total_word(h) && v.len() == 1)
        else {
            continue;
        };
        let tj = total[0];
        if !amounts.contains(&tj) {
            continue;
        }
        let mut parts: Vec<(bool, Vec<usize>)> = Vec::new();
        for (h, v) in &kids {
            if v == total {
                continue;
            }
            let mut p = prefix.clone();
            p.push(h);
            let cols = stand_in(&t.columns, &p, v, amounts);
            if !cols.is_empty() {
                parts.push((normalize(h).starts_with("其中"), cols));
            }
        }
        if parts.is_empty() {
            continue;
        }
        let what = format!("{} = sum of the columns beside it", total_name);
        for (r, vals) in t.rows.iter().zip(values) {
            let Some(actual) = vals[tj] else {
                continue;
            };
            let sum_of = |with_breakdowns: bool| -> (Decimal, usize) {
                let cols: Vec<usize> = parts
                    .iter()
                    .filter(|(breakdown, _)| with_breakdowns || !breakdown)
                    .flat_map(|(_, c)| c.iter().copied())
                    .collect();
                let s = cols.iter().filter_map(|&j| vals[j]).sum();
                (s, cols.len())
            };
            let (mut expected, mut n) = sum_of(true);
            if judge(actual, expected, n).1 == CheckStatus::Fail && parts.iter().any(|(b, _)| *b) {
                (expected, n) = sum_of(false);
            }
            let label = first_text(&r.cells, vals);
            out.push(make(
                t.ordinal,
                "column_sum",
                format!("row {label} × column {}", t.columns[tj]),
                actual,
                expected,
                n,
                &what,
            ));
        }
    }
    out
}

/// Two-sided tables (收入 | 支出): 本年收入合计 = Σ numbered income items above
/// it, likewise for 支出; 总计 = 本年合计 + the first-level rows between them;
/// 收入总计 = 支出总计.
pub fn two_sided(t: &Table) -> Vec<Check> {
    two_sided_of(t, &amount_columns(t), &values_of(t))
}

/// [`two_sided`] given the table's amount columns and cell values.
fn two_sided_of(t: &Table, amounts: &[usize], values: &Values) -> Vec<Check> {
    let sides: Vec<(usize, usize)> = ["收入", "支出"]
        .iter()
        .filter_map(|side| {
            let in_side = |j: &usize| t.columns[*j].split('/').next() == Some(*side);
            let label = (0..t.columns.len()).find(|j| in_side(j))?;
            let value = amounts.iter().copied().find(|j| in_side(j))?;
            Some((label, value))
        })
        .collect();
    if sides.len() != 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut grand: Vec<(Decimal, String)> = Vec::new();
    for &(lj, vj) in &sides {
        // (normalised label, value, numbered as a first-level item)
        let rows: Vec<(String, Option<Decimal>, bool)> = t
            .rows
            .iter()
            .zip(values)
            .filter_map(|(r, vals)| {
                r.cells[lj]
                    .as_ref()
                    .map(|l| (normalize(l), vals[vj], text::list_number(l).is_some()))
            })
            .collect();
        let Some(sub) = rows
            .iter()
            .position(|(l, _, _)| l.starts_with("本年") && l.ends_with("合计"))
        else {
            continue;
        };
        let items: Vec<Decimal> = rows[..sub]
            .iter()
            .filter(|(_, _, numbered)| *numbered)
            .filter_map(|(_, v, _)| *v)
            .collect();
        if let Some(actual) = rows[sub].1 {
            if !items.is_empty() {
                out.push(make(
                    t.ordinal,
                    "two_sided",
                    format!("row {} × column {}", rows[sub].0, t.columns[vj]),
                    actual,
                    items.iter().sum(),
                    items.len(),
                    &format!("{} = sum of the numbered items above it", rows[sub].0),
                ));
            }
        }
        let Some(tot) = rows.iter().rposition(|(l, _, _)| l.ends_with("总计")) else {
            continue;
        };
        if let (Some(actual), Some(base), true) = (rows[tot].1, rows[sub].1, tot > sub) {
            // First-level rows between 本年合计 and 总计; a row followed by
            // rows that add up to it is a breakdown, counted once.
            let between: Vec<Decimal> = rows[sub + 1..tot]
                .iter()
                .filter_map(|(_, v, _)| *v)
                .collect();
            let mut parts = vec![base];
            let mut i = 0;
            while i < between.len() {
                parts.push(between[i]);
                let mut k = i + 1;
                let mut acc = Decimal::ZERO;
                let mut skip = 0;
                while k < between.len() {
                    acc += between[k];
                    k += 1;
                    if k - i > 2 && acc == between[i] {
                        skip = k - i - 1;
                    }
                }
                i += 1 + skip;
            }
            out.push(make(
                t.ordinal,
                "two_sided",
                format!("row {} × column {}", rows[tot].0, t.columns[vj]),
                actual,
                parts.iter().sum(),
                parts.len(),
                &format!("{} = {} + the rows below it", rows[tot].0, rows[sub].0),
            ));
            grand.push((actual, rows[tot].0.clone()));
        }
    }
    if let [(a, la), (b, lb)] = grand.as_slice() {
        out.push(make(
            t.ordinal,
            "two_sided",
            format!("{la} vs {lb}"),
            *a,
            *b,
            1,
            "income total = expenditure total",
        ));
    }
    out
}

/// The figure a reference points to, with its table ordinal and unit.
/// `amounts` holds the amount columns of each table.
fn resolve<'a>(
    tables: &'a [Table],
    amounts: &[Vec<usize>],
    r: &CellRef,
) -> Option<(&'a Table, Decimal, String)> {
    let ti = tables
        .iter()
        .position(|t| t.kind.as_deref() == Some(r.kind.as_str()))?;
    let t = &tables[ti];
    let want = normalize(&r.column);
    let col = amounts[ti].iter().copied().find(|&j| {
        let path = normalize(&t.columns[j]);
        path.starts_with(&want) || path.ends_with(&want)
    })?;
    let rows: Vec<String> = r.row.iter().map(|s| normalize(s)).collect();
    let (ri, row) = t.rows.iter().enumerate().find(|(_, row)| {
        row.cells[..col]
            .iter()
            .flatten()
            .any(|c| rows.contains(&normalize(c)))
    })?;
    let v = amount(row.cells[col].as_deref())?;
    let label = row.cells[..col]
        .iter()
        .flatten()
        .last()
        .cloned()
        .unwrap_or_default();
    let _ = ri;
    Some((
        t,
        v,
        format!("{} [{} × {}]", t.title, label, t.columns[col]),
    ))
}

/// Converts an amount printed in `unit` to 万元.
fn to_wan(v: Decimal, unit: Option<&str>) -> Decimal {
    match unit {
        Some("元") => v / Decimal::from(10_000),
        Some("千元") => v / Decimal::from(10),
        Some("亿元") => v * Decimal::from(10_000),
        _ => v,
    }
}

pub fn cross_table(tables: &[Table], rules: &CheckRules) -> Vec<Check> {
    let amounts: Vec<Vec<usize>> = tables.iter().map(amount_columns).collect();
    cross_table_of(tables, &amounts, rules)
}

/// [`cross_table`] given the amount columns of each table.
fn cross_table_of(tables: &[Table], amounts: &[Vec<usize>], rules: &CheckRules) -> Vec<Check> {
    let mut out = Vec::new();
    for c in &rules.cross_check {
        let Some((lt, lv, ldesc)) = resolve(tables, amounts, &c.left) else {
            continue;
        };
        let rights: Vec<_> = c
            .right
            .iter()
            .map(|r| resolve(tables, amounts, r))
            .collect();
        if rights.iter().any(|r| r.is_none()) {
            continue;
        }
        let rights: Vec<_> = rights.into_iter().flatten().collect();
        let expected: Decimal = rights
            .iter()
            .map(|(t, v, _)| to_wan(*v, t.unit.as_deref()))
            .sum();
        let rdesc: Vec<String> = rights.iter().map(|(_, _, d)| d.clone()).collect();
        out.push(make(
            lt.ordinal,
            "cross_table",
            format!("{ldesc} vs {}", rdesc.join(" + ")),
            to_wan(lv, lt.unit.as_deref()),
            expected,
            rights.len(),
            &c.name,
        ));
    }
    out
}

pub fn prose_checks(tables: &[Table], prose: &str, rules: &CheckRules) -> Vec<Check> {
    let amounts: Vec<Vec<usize>> = tables.iter().map(amount_columns).collect();
    prose_checks_of(tables, &amounts, prose, rules)
}

/// [`prose_checks`] given the amount columns of each table.
fn prose_checks_of(
    tables: &[Table],
    amounts: &[Vec<usize>],
    prose: &str,
    rules: &CheckRules,
) -> Vec<Check> {
    let flat = text::without_spaces(prose);
    let mut out = Vec::new();
    for (p, re) in rules.prose_check.iter().zip(&rules.prose_patterns) {
        let Some(m) = re.captures(&flat) else {
            continue;
        };
        let Some(stated) = m.get(1).and_then(|g| amount(Some(g.as_str()))) else {
            continue;
        };
        let Some((t, v, desc)) = resolve(tables, amounts, &p.target) else {
            continue;
        };
        let stated = to_wan(stated, Some(p.unit.as_str()));
        let printed = to_wan(v, t.unit.as_deref());
        // Prose rounds freely (4.5 for 4.50, 2,047 for 2,047.00): compare
        // at the precision the prose used.
        let scale = stated.scale();
        let printed_rounded = printed.round_dp(scale);
        let (diff, status) = judge(stated, printed_rounded, 1);
        out.push(Check {
            table_ordinal: t.ordinal,
            check: "prose".into(),
            target: format!("text \"{}\" vs {desc}", m.get(0).unwrap().as_str()),
            expected: printed,
            actual: stated,
            diff,
            status,
            message: format!(
                "{}: the text states {stated}, the table prints {printed}",
                p.name
            ),
        });
    }
    out
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
