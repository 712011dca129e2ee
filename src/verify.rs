//! Which tables the tool stands behind. A table is verified when at least
//! one arithmetic check covers it and none fails: its printed figures add
//! up as the template says they must, which a grid rebuilt wrong (a value
//! in the wrong column, a lost row) almost never does. A table with a
//! failing check is unverified; one no check covers (a text form, a table
//! with no relation among its cells) is unchecked: `verified` null, never
//! true.

use crate::checks::{self, Check, CheckStatus};
use crate::model::Table;
use std::collections::BTreeSet;

/// What verification concluded for a table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Outcome {
    /// No relation ties any of its figures.
    #[default]
    Unchecked,
    /// Every figure is tied by a passing relation (and, in a coded table,
    /// every row is in a subject tree or the total) and none fails.
    Verified,
    /// A relation of the table's own grid fails.
    Failed,
    /// The relations of its grid pass, but some figure or row is tied by
    /// none, or an equality with another table fails (the table's
    /// warnings say which): not vouched for.
    Partial,
}

/// A table's checks by status, and what they prove.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verification {
    pub pass: u32,
    pub rounding: u32,
    pub fail: u32,
    pub outcome: Outcome,
}

impl Verification {
    /// True: every figure of the table is tied by a passing relation and
    /// none fails; false: a relation fails; None: no relation applies, or
    /// some figure is tied by none.
    pub fn verified(&self) -> Option<bool> {
        match self.outcome {
            Outcome::Verified => Some(true),
            Outcome::Failed => Some(false),
            Outcome::Unchecked | Outcome::Partial => None,
        }
    }
}

/// How many untied figures a table's warning names before "…".
const NAMED: usize = 3;

/// Counts each check against the table it names (for a cross-table check,
/// the table of its left side; for a prose figure, the table it is
/// compared to), then decides each table from the relations among its
/// cells ([`checks::relations`]): a table is verified only if every amount
/// it prints is an operand of a passing relation and, in a coded table,
/// every row is a code (or the total) inside a subject tree or the total
/// relation. What a wrong grid looks like: a lost row breaks its parent's
/// sum, a merged row leaves a row without its code or figures without a
/// relation, a shifted column breaks the column sums. A prose figure that
/// disagrees is reported in `checks` but decides nothing: the text may
/// state another quantity than the table cell it is matched to.
pub fn verify_tables(tables: &mut [Table], checks: &[Check], relations: &[checks::Relation]) {
    let facts = checks::Facts::of(tables);
    verify_tables_with(tables, &facts, checks, relations)
}

/// [`verify_tables`] with the facts the checks were computed on
/// ([`checks::check_report_with`]): the tables' cells and columns as they
/// were then.
pub fn verify_tables_with(
    tables: &mut [Table],
    facts: &checks::Facts,
    checks: &[Check],
    relations: &[checks::Relation],
) {
    // By ordinal, once: a report of thousands of tables has hundreds of
    // thousands of checks, and each must find its table.
    let index: std::collections::HashMap<u32, usize> = tables
        .iter()
        .enumerate()
        .map(|(k, t)| (t.ordinal, k))
        .collect();
    for t in tables.iter_mut() {
        t.verification = Verification::default();
    }
    for c in checks {
        let Some(&k) = index.get(&c.table_ordinal) else {
            continue;
        };
        let v = &mut tables[k].verification;
        match c.status {
            CheckStatus::Pass => v.pass += 1,
            CheckStatus::Rounding => v.rounding += 1,
            CheckStatus::Fail => v.fail += 1,
        }
    }
    // Each table's relations: its own, and those between tables whose cells
    // it holds.
    let mut of_table: Vec<Vec<&checks::Relation>> = vec![Vec::new(); tables.len()];
    for r in relations {
        let mut involved: Vec<u32> = r.cells.iter().map(|&(o, _, _)| o).collect();
        involved.push(r.check.table_ordinal);
        involved.sort_unstable();
        involved.dedup();
        for o in involved {
            if let Some(&k) = index.get(&o) {
                of_table[k].push(r);
            }
        }
    }
    for (k, (t, relations)) in tables.iter_mut().zip(&of_table).enumerate() {
        let (outcome, gaps) = judge_table(t, facts.table(k), relations);
        t.verification.outcome = outcome;
        if outcome == Outcome::Partial {
            t.warnings.push(format!(
                "not verified: {}{}",
                gaps.named.join("; "),
                if gaps.more { "; …" } else { "" }
            ));
        }
    }
}

/// What a table's warning says is not tied: the first [`NAMED`] gaps, and
/// whether there are more. Only those are worded, and a table's search
/// stops at the first gap past them: the warning is settled then.
#[derive(Default)]
struct Gaps {
    named: Vec<String>,
    more: bool,
}

impl Gaps {
    /// Notes one gap; true once the warning is settled.
    fn push(&mut self, what: impl FnOnce() -> String) -> bool {
        if self.named.len() < NAMED {
            self.named.push(what());
        } else {
            self.more = true;
        }
        self.more
    }
}

/// A table's outcome, and (when partial) what is not tied.
fn judge_table(
    t: &Table,
    facts: &checks::TableFacts,
    relations: &[&checks::Relation],
) -> (Outcome, Gaps) {
    let is_cross = |r: &checks::Relation| r.check.check == "cross_table";
    // A failing equality between tables says one of them is wrong, not
    // which: every table in it is unverified (the warehouse must not take
    // either figure), and `checks` names both.
    let involves = |r: &checks::Relation| {
        r.check.table_ordinal == t.ordinal || r.cells.iter().any(|&(o, _, _)| o == t.ordinal)
    };
    let failed = relations.iter().any(|r| {
        r.check.status == CheckStatus::Fail
            && if is_cross(r) {
                involves(r)
            } else {
                r.check.table_ordinal == t.ordinal
            }
    });
    if failed {
        return (Outcome::Failed, Gaps::default());
    }
    let mut gaps = Gaps::default();
    let mut covered: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut anchored: BTreeSet<usize> = BTreeSet::new();
    for r in relations
        .iter()
        .filter(|r| r.check.status != CheckStatus::Fail)
    {
        for &(o, i, j) in &r.cells {
            if o == t.ordinal {
                covered.insert((i, j));
                if r.vertical {
                    anchored.insert(i);
                }
            }
        }
    }
    if covered.is_empty() {
        return (Outcome::Unchecked, Gaps::default());
    }
    let label = |i: usize| checks::row_label_with(t, facts, i);
    // A form (a grid with no header) is mostly text no sum can vouch for:
    // it stands only if the rebuild had no doubt either.
    let form_doubts: Vec<String> = if t.columns.iter().all(String::is_empty) {
        t.warnings.clone()
    } else {
        Vec::new()
    };
    // Notes a gap; the search ends once the warning is settled.
    macro_rules! gap {
        ($($what:tt)*) => {
            if gaps.push(|| format!($($what)*)) {
                return (Outcome::Partial, gaps);
            }
        };
    }
    for doubt in &form_doubts {
        gap!("a form's text is unsure ({doubt})");
    }
    for (i, j) in checks::amount_cells_with(t, facts) {
        if !covered.contains(&(i, j)) {
            gap!(
                "row {} × column {} enters no relation",
                label(i),
                t.columns.get(j).map(String::as_str).unwrap_or("?")
            );
        }
    }
    if let Some(rows) = checks::coded_rows_with(t, facts) {
        for (i, row) in rows.iter().enumerate() {
            match row {
                checks::CodedRow::Amounts if !anchored.contains(&i) => {
                    gap!("row {} is in no subject tree or total relation", label(i))
                }
                checks::CodedRow::Stray => gap!(
                    "row {} (line {}) has no subject code in a coded table",
                    label(i),
                    t.rows[i].line
                ),
                checks::CodedRow::Unnamed => gap!("row {} has a code but no name", label(i)),
                _ => {}
            }
        }
    }
    // Figures in a cell that read as no amount are two printed figures run
    // together (a converter merged two rows) or one cut: figures of the
    // table no relation can vouch for.
    for (i, row) in t.rows.iter().enumerate() {
        for (j, cell) in row.cells.iter().enumerate() {
            if cell.as_deref().is_some_and(is_garbled_number) {
                gap!(
                    "row {} × column {} holds {:?}, digits that read as no amount",
                    label(i),
                    t.columns.get(j).map(String::as_str).unwrap_or("?"),
                    cell.as_deref().unwrap_or_default()
                );
            }
        }
    }
    for j in checks::phantom_columns(t) {
        gap!("column {} has no header and no cell", j + 1);
    }
    for i in checks::two_sided_strays_with(t, facts) {
        gap!(
            "row {} (line {}) is no item, total or amount of its side",
            label(i),
            t.rows[i].line
        );
    }
    if gaps.named.is_empty() {
        (Outcome::Verified, gaps)
    } else {
        (Outcome::Partial, gaps)
    }
}

/// Figures that read as no amount: two in one cell ("8,960,694
/// 164,978,640"), or digits with separators out of place
/// ("8,960,694164,978,640", "1.234.5"). Codes and plain integers are amounts
/// or identifiers, never this.
fn is_garbled_number(cell: &str) -> bool {
    let numeric = |w: &str| {
        w.bytes().any(|b| b.is_ascii_digit())
            && w.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b',' | b'.' | b'-'))
    };
    // Words taken one by one: this runs for every cell of the checked
    // tables, most of them one word.
    let mut words = cell.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    match words.next() {
        None => {
            numeric(first)
                && first.contains([',', '.'])
                && crate::cell::parse_amount(first).is_none()
        }
        Some(second) => numeric(first) && numeric(second) && words.all(numeric),
    }
}

/// Tables verified, unverified and unchecked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub verified: u32,
    pub unverified: u32,
    pub unchecked: u32,
}

impl Tally {
    pub fn of(tables: &[Table]) -> Self {
        let mut t = Tally::default();
        for table in tables {
            t.add(table.verification.verified());
        }
        t
    }

    fn add(&mut self, verified: Option<bool>) {
        match verified {
            Some(true) => self.verified += 1,
            Some(false) => self.unverified += 1,
            None => self.unchecked += 1,
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.verified += other.verified;
        self.unverified += other.unverified;
        self.unchecked += other.unchecked;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckRules;
    use crate::parse::parse_report;

    /// A printed 一般公共预算支出表: 类 = Σ 款, 款 = Σ 项, 合计 = Σ 类.
    fn report(basic_of_2010101: &str) -> String {
        format!(
            "表1\n一般公共预算支出表\n单位：万元\n\
             科目编码\t科目名称\t合计\t基本支出\t项目支出\n\
             \t合计\t1,250.50\t1,000.00\t250.50\n\
             201\t一般公共服务支出\t1,250.50\t1,000.00\t250.50\n\
             20101\t人大事务\t1,250.50\t1,000.00\t250.50\n\
             2010101\t行政运行\t1,000.00\t{basic_of_2010101}\t0.00\n\
             2010104\t人大会议\t250.50\t0.00\t250.50\n\
             \n表2\n说明表\n项目\t说明\n一\t文字\n"
        )
    }

    fn verify(text: &str) -> (Vec<Table>, Vec<Check>) {
        let mut tables = parse_report(text).tables;
        let (checks, relations) =
            crate::checks::check_report_related(&tables, text, &CheckRules::builtin());
        verify_tables(&mut tables, &checks, &relations);
        (tables, checks)
    }

    #[test]
    fn a_table_that_adds_up_is_verified_and_a_planted_error_is_not() {
        let (tables, _) = verify(&report("1,000.00"));
        assert_eq!(tables[0].verification.fail, 0);
        assert!(tables[0].verification.pass >= 3);
        assert_eq!(tables[0].verification.verified(), Some(true));
        // No relation among a text table's cells: unchecked, never true.
        assert_eq!(tables[1].verification.verified(), None);
        assert_eq!(
            Tally::of(&tables),
            Tally {
                verified: 1,
                unverified: 0,
                unchecked: 1
            }
        );

        // One wrong amount: 行政运行's 基本支出 printed 1,000.10.
        let (tables, checks) = verify(&report("1,000.10"));
        assert_eq!(tables[0].verification.verified(), Some(false));
        let failing: Vec<&Check> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .collect();
        assert!(!failing.is_empty());
        assert!(
            failing
                .iter()
                .all(|c| c.target.contains("row 人大事务") || c.target.contains("row 行政运行")),
            "each failing check names the row: {failing:?}"
        );
    }

    #[test]
    fn a_form_is_verified_by_its_sums_and_only_without_doubt() {
        let form = include_str!("../tests/fixtures/forms/pypdf.txt");
        let verify_form = |text: &str| {
            let mut tables = parse_report(text).tables;
            crate::catalog::Catalog::builtin().classify_tables(&mut tables, None);
            let (checks, relations) =
                crate::checks::check_report_related(&tables, text, &CheckRules::builtin());
            verify_tables(&mut tables, &checks, &relations);
            assert_eq!(tables.len(), 1);
            tables.remove(0)
        };
        let t = verify_form(form);
        assert_eq!(t.verification.pass, 2, "{:?}", t.warnings);
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        assert_eq!(t.verification.verified(), Some(true));
        // A planted wrong figure: 年度资金申请总额 no longer adds up.
        let wrong = form.replacen(
            "年度资金申请总额 7595500.00",
            "年度资金申请总额 7595600.00",
            1,
        );
        assert_eq!(verify_form(&wrong).verification.verified(), Some(false));
        // Two indicator rows run into one line: the sums still hold, but
        // the text cells are a guess.
        let merged = form.replacen(
            "促进经济发展 有效\n干部人事工作平稳有序",
            "促进经济发展 有效 干部人事工作平稳有序",
            1,
        );
        let t = verify_form(&merged);
        assert_eq!(t.verification.verified(), None);
        assert!(t
            .warnings
            .iter()
            .any(|w| w.contains("form's text is unsure")));
    }

    #[test]
    fn figures_run_together_read_as_no_amount() {
        assert!(is_garbled_number("8,960,694 164,978,640"));
        assert!(is_garbled_number("8,960,694164,978,640"));
        assert!(is_garbled_number("1.234.5"));
        assert!(!is_garbled_number("8,960,694"));
        assert!(!is_garbled_number("20805"));
        assert!(!is_garbled_number("八、住房保障支出 支出总计"));
        assert!(!is_garbled_number(""));
    }
}
