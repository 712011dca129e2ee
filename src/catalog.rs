//! The table catalog (`config/tables.toml`): the kinds of table the national
//! templates define, how their titles are printed, and canonical English
//! names for header words. Data, not code: a title variant or a new header
//! word is a line in the TOML file.

use crate::model::{ReportType, Table};
use anyhow::{Context, Result};
use regex::Regex;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// The catalog shipped with the tool, used when no other is configured.
pub const BUILTIN: &str = include_str!("../config/tables.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Kind {
    /// Stable identifier, e.g. `budget.expenditure_summary`.
    pub id: String,
    /// `budget` or `final_accounts`; absent for kinds of both.
    #[serde(default)]
    pub report_type: Option<String>,
    pub title: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub name_en: String,
    /// Whole header paths → measure, overriding the word-by-word names.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// The title and aliases normalised, built after loading (every table
    /// title is compared with them).
    #[serde(skip)]
    names: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    #[serde(rename = "kind")]
    pub kinds: Vec<Kind>,
    /// Header word → canonical English name.
    #[serde(default)]
    pub measures: BTreeMap<String, String>,
    /// Normalised keys of `measures`, built after loading.
    #[serde(skip)]
    measure_index: BTreeMap<String, String>,
}

/// Title and header words compared without punctuation, quotes, brackets,
/// whitespace or a leading table number / list number.
pub fn normalize(s: &str) -> String {
    static PREFIX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(表\s*\d+(-\d+)?|[一二三四五六七八九十]+、)").unwrap());
    static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(19|20)\d{2}年(度)?").unwrap());
    let is_blank = |c: char| c.is_whitespace() || c == '\u{3000}';
    let squashed: Cow<str> = if s.contains(is_blank) {
        Cow::Owned(s.split(is_blank).collect())
    } else {
        Cow::Borrowed(s)
    };
    let mut rest: &str = &squashed;
    // The patterns are anchored: test the first characters before running them.
    if rest.starts_with([
        '表', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十',
    ]) {
        if let Some(m) = PREFIX.find(rest) {
            rest = &rest[m.end()..];
        }
    }
    if rest.starts_with("19") || rest.starts_with("20") {
        if let Some(m) = YEAR.find(rest) {
            rest = &rest[m.end()..];
        }
    }
    rest.split(is_ignored_punctuation).collect()
}

/// Punctuation, quotes and brackets that [`normalize`] drops.
fn is_ignored_punctuation(c: char) -> bool {
    matches!(
        c,
        '"' | '“'
            | '”'
            | '\''
            | '‘'
            | '’'
            | '（'
            | '）'
            | '('
            | ')'
            | '['
            | ']'
            | '【'
            | '】'
            | '、'
            | '，'
            | ','
            | '。'
            | ':'
            | '：'
            | '-'
            | '—'
            | '_'
            | '·'
            | '.'
    )
}

impl Catalog {
    pub fn parse(text: &str) -> Result<Self> {
        let mut c: Catalog = toml::from_str(text)?;
        for k in &mut c.kinds {
            k.names = std::iter::once(&k.title)
                .chain(&k.aliases)
                .map(|s| normalize(s))
                .collect();
        }
        c.measure_index = c
            .measures
            .iter()
            .map(|(k, v)| (normalize(k), v.clone()))
            .collect();
        Ok(c)
    }

    pub fn builtin() -> Self {
        Self::parse(BUILTIN).expect("config/tables.toml is valid (checked by a unit test)")
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading catalog {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("parsing catalog {}", path.display()))
    }

    /// The kind of a table: an exact title or alias first, else the longest
    /// title or alias the printed title contains. Kinds of the other report
    /// type are not considered.
    pub fn classify(&self, title: &str, report_type: Option<ReportType>) -> Option<&Kind> {
        let t = normalize(title);
        if t.is_empty() {
            return None;
        }
        let eligible = |k: &&Kind| match (&k.report_type, report_type) {
            (Some(rt), Some(r)) => rt == r.as_str(),
            _ => true,
        };
        if let Some(k) = self
            .kinds
            .iter()
            .filter(eligible)
            .find(|k| k.names.contains(&t))
        {
            return Some(k);
        }
        self.kinds
            .iter()
            .filter(eligible)
            .filter_map(|k| {
                k.names
                    .iter()
                    .filter(|n| !n.is_empty() && t.contains(n.as_str()))
                    .map(|n| n.chars().count())
                    .max()
                    .map(|len| (len, k))
            })
            .max_by_key(|(len, _)| *len)
            .map(|(_, k)| k)
    }

    /// The canonical name of a header path: the kind's own mapping of the
    /// whole path, else every level named through `measures`, joined by
    /// ".". None when a level has no name.
    pub fn measure(&self, kind: Option<&Kind>, column: &str) -> Option<String> {
        if let Some(k) = kind {
            if let Some(m) = k.columns.get(column) {
                return Some(m.clone());
            }
        }
        let parts: Option<Vec<&str>> = column
            .split('/')
            .map(|seg| self.measure_index.get(&normalize(seg)).map(String::as_str))
            .collect();
        parts.filter(|p| !p.is_empty()).map(|p| p.join("."))
    }

    /// Fills `kind` and `measures` on every table.
    pub fn classify_tables(&self, tables: &mut [Table], report_type: Option<ReportType>) {
        for t in tables {
            let kind = self.classify(&t.title, report_type);
            t.kind = kind.map(|k| k.id.clone());
            t.measures = t.columns.iter().map(|c| self.measure(kind, c)).collect();
        }
    }

    pub fn kind(&self, id: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `normalize` as first written, step by step.
    fn normalize_reference(s: &str) -> String {
        let prefix = Regex::new(r"^(表\s*\d+(-\d+)?|[一二三四五六七八九十]+、)").unwrap();
        let year = Regex::new(r"^(19|20)\d{2}年(度)?").unwrap();
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
            .collect();
        let s = prefix.replace(&s, "");
        let s = year.replace(&s, "");
        s.chars()
            .filter(|c| !"\"“”'‘’（）()[]【】、，,。:：-—_·.".contains(*c))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn normalize_agrees_with_the_reference(s in "[表一二十、 　0-9２年度19合计（）()\\-—.,“”a]{0,16}") {
            proptest::prop_assert_eq!(normalize(&s), normalize_reference(&s));
        }
    }

    #[test]
    fn builtin_catalog_parses_with_unique_ids() {
        let c = Catalog::builtin();
        let mut ids: Vec<&str> = c.kinds.iter().map(|k| k.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate kind ids");
        assert!(n >= 25);
    }

    #[test]
    fn titles_classify_with_variants() {
        let c = Catalog::builtin();
        let b = Some(ReportType::Budget);
        let f = Some(ReportType::FinalAccounts);
        let id = |t: &str, r| c.classify(t, r).map(|k| k.id.as_str());
        assert_eq!(
            id("收支总体情况表", b),
            Some("budget.revenue_expenditure_summary")
        );
        assert_eq!(
            id("财政拨款收支总体情况表", b),
            Some("budget.fiscal_appropriation_summary")
        );
        assert_eq!(
            id("一般公共预算支出预算表（按功能分类科目）", b),
            Some("budget.general_public_expenditure")
        );
        assert_eq!(
            id("财政拨款安排的行政经费及“三公”经费预算表", b),
            Some("budget.admin_and_three_public_expenses")
        );
        assert_eq!(
            id("一般公共预算财政拨款基本支出决算明细表", f),
            Some("final.general_public_basic_expenditure")
        );
        assert_eq!(
            id("财政拨款“三公”经费支出决算表", f),
            Some("final.three_public_expenses")
        );
        assert_eq!(id("收入决算表", f), Some("final.revenue"));
        assert_eq!(id("某某统计表", b), None);
    }

    #[test]
    fn measures_follow_header_paths() {
        let c = Catalog::builtin();
        assert_eq!(
            c.measure(None, "财政拨款收入/一般公共预算").as_deref(),
            Some("fiscal_appropriation_revenue.general_public_budget")
        );
        assert_eq!(c.measure(None, "2021 年预算").as_deref(), Some("budget"));
        assert_eq!(
            c.measure(None, "收入/行次").as_deref(),
            Some("revenue.row_no")
        );
        assert_eq!(c.measure(None, "无名列"), None);
    }
}
