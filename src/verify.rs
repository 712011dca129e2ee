//! Which tables the tool stands behind. A table is verified when at least
//! one arithmetic check covers it and none fails: its printed figures add
//! up as the template says they must, which a grid rebuilt wrong (a value
//! in the wrong column, a lost row) almost never does. A table with a
//! failing check is unverified; one no check covers (a text form, a table
//! with no relation among its cells) is unchecked: `verified` null, never
//! true.

use crate::checks::{Check, CheckStatus};
use crate::model::Table;

/// A table's checks by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verification {
    pub pass: u32,
    pub rounding: u32,
    pub fail: u32,
}

impl Verification {
    /// True: checked and every check holds (within rounding); false: a
    /// check fails; None: no check covers the table.
    pub fn verified(&self) -> Option<bool> {
        if self.fail > 0 {
            Some(false)
        } else if self.pass + self.rounding > 0 {
            Some(true)
        } else {
            None
        }
    }
}

/// Counts each check against the table it names (for a cross-table check,
/// the table of its left side; for a prose figure, the table it is
/// compared to) and stores the result on the tables.
pub fn verify_tables(tables: &mut [Table], checks: &[Check]) {
    for t in tables.iter_mut() {
        t.verification = Verification::default();
    }
    for c in checks {
        let Some(t) = tables.iter_mut().find(|t| t.ordinal == c.table_ordinal) else {
            continue;
        };
        let v = &mut t.verification;
        match c.status {
            CheckStatus::Pass => v.pass += 1,
            CheckStatus::Rounding => v.rounding += 1,
            CheckStatus::Fail => v.fail += 1,
        }
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
    use crate::checks::{check_report, CheckRules};
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
        let checks = check_report(&tables, text, &CheckRules::builtin());
        verify_tables(&mut tables, &checks);
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
}
