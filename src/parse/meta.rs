//! Report metadata read from the content (file names are hashes): the
//! department, the city or county it belongs to, the fiscal year and
//! whether it is a budget or final accounts.

use super::text::{self, is_space, squash};
use crate::model::{ReportMeta, ReportType};
use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// "2025年部门预算", "2023年度部门决算", "2021 年部门预算报表".
static YEAR_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})年度?(?:[^，。,；]{0,20}?)部门(预算|决算)").unwrap()
});
/// Province prefix that some department names carry.
static PROVINCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[^省]{2,8}省|[^区]{2,10}自治区)").unwrap());
/// The city or county at the start of a department name: 清远市, 廉江市,
/// 某某县, 某某自治州.
static CITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.{1,8}?(?:自治州|自治县|地区|盟|市|县|旗))").unwrap());

/// Counts votes in document order and returns the most frequent value,
/// the earliest on ties.
fn most_frequent<T: Ord + Clone>(votes: &[T]) -> Option<T> {
    let mut counts: BTreeMap<&T, (usize, usize)> = BTreeMap::new();
    for (i, v) in votes.iter().enumerate() {
        let e = counts.entry(v).or_insert((0, i));
        e.0 += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .map(|(v, _)| v.clone())
}

/// Reads the metadata from the text of each line.
pub fn read_meta(lines: &[&str]) -> ReportMeta {
    // Headings may wrap ("2021 年" / "广州市医疗保障局部门预算"): read the
    // text as one squashed string per paragraph window of two lines. Only a
    // line naming 部门预算/决算 (or a short line before one) can state the
    // year and type, so only those lines are squashed.
    let nonblank: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|t| !t.trim_matches(is_space).is_empty())
        .collect();
    let mentioning: Vec<Option<String>> = nonblank
        .iter()
        .map(|t| {
            // Squashing only removes characters: a line lacking one of
            // them cannot name 部门预算/决算 once squashed either.
            // (Needles as strings: see `text::may_name_department`.)
            let may_mention = t.contains("部")
                && t.contains("门")
                && t.contains("算")
                && (t.contains("预") || t.contains("决"));
            if !may_mention {
                return None;
            }
            Some(squash(t)).filter(|s| mentions(s))
        })
        .collect();
    let mut year_types = Vec::new();
    for (w, line) in nonblank.iter().enumerate() {
        let next = mentioning.get(w + 1).and_then(Option::as_deref);
        let short_before = next.is_some() && text::squashed_len_below(line, 16);
        let joined = match (&mentioning[w], next) {
            (_, Some(next)) if short_before => Cow::Owned(format!("{}{next}", squash(line))),
            (Some(s), _) => Cow::Borrowed(s.as_str()),
            (None, _) => continue,
        };
        for c in YEAR_TYPE.captures_iter(&joined) {
            let year: i32 = c[1].parse().unwrap_or(0);
            let kind = if &c[2] == "预算" {
                ReportType::Budget
            } else {
                ReportType::FinalAccounts
            };
            year_types.push((year, kind));
        }
    }
    let (year, report_type) = match most_frequent(&year_types) {
        Some((y, t)) => (Some(y), Some(t)),
        None => (None, None),
    };

    let depts: Vec<String> = lines
        .iter()
        .filter_map(|t| text::department_of(t))
        .collect();
    let department = most_frequent(&depts).or_else(|| department_from_title(&mentioning));
    meta_of_department(department, year, report_type)
}

/// The whole metadata from what the text states: the city and the title
/// follow from the department, year and type. So a caller that keeps
/// these three (the pipeline, between its two passes) keeps all of it.
pub fn meta_of_department(
    department: Option<String>,
    year: Option<i32>,
    report_type: Option<ReportType>,
) -> ReportMeta {
    let city = department.as_deref().and_then(city_of);
    let title = match (&department, year, report_type) {
        (Some(d), Some(y), Some(t)) => Some(format!(
            "{d}{y}{}",
            match t {
                ReportType::Budget => "年部门预算",
                ReportType::FinalAccounts => "年度部门决算",
            }
        )),
        _ => None,
    };
    ReportMeta {
        department,
        year,
        report_type,
        title,
        government: crate::model::Government {
            city,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Does a squashed line name 部门预算 or 部门决算?
fn mentions(s: &str) -> bool {
    s.contains("部门") && (s.contains("预算") || s.contains("决算"))
}

/// "广州市医疗保障局2021年部门预算" on a cover → 广州市医疗保障局. Takes the
/// squashed non-blank lines that [`mentions`] (None for the others): the
/// cover title is one of them.
fn department_from_title(mentioning: &[Option<String>]) -> Option<String> {
    static COVER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:(?:19|20)\d{2}年度?)?(.{2,30}?)(?:(?:19|20)\d{2}年度?)?部门(?:预算|决算)$")
            .unwrap()
    });
    mentioning.iter().take(60).flatten().find_map(|s| {
        COVER
            .captures(s)
            .map(|c| c[1].to_string())
            .filter(|d| CITY.is_match(d))
    })
}

/// The city or county a department belongs to, from its name.
pub fn city_of(department: &str) -> Option<String> {
    let name = PROVINCE.replace(department, "");
    CITY.captures(&name).map(|c| c[1].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        text.split('\n').collect()
    }

    #[test]
    fn budget_with_unit_department_lines() {
        let t = "第二部分 2025年部门预算表\n 单位：万元单位名称：清远市医疗保障局\n表1\n";
        let m = read_meta(&lines(t));
        assert_eq!(m.year, Some(2025));
        assert_eq!(m.report_type, Some(ReportType::Budget));
        assert_eq!(m.department.as_deref(), Some("清远市医疗保障局"));
        assert_eq!(m.government.city.as_deref(), Some("清远市"));
        assert_eq!(m.title.as_deref(), Some("清远市医疗保障局2025年部门预算"));
    }

    #[test]
    fn wrapped_cover_and_final_accounts() {
        let t = "2021 年\n广州市医疗保障局部门预算\n";
        let m = read_meta(&lines(t));
        assert_eq!(m.year, Some(2021));
        assert_eq!(m.department.as_deref(), Some("广州市医疗保障局"));
        let t = "第二部分：廉江市医疗保障局2023年度部门决算表\n单位：万元部门：廉江市医疗保障局\n";
        let m = read_meta(&lines(t));
        assert_eq!(
            (m.year, m.report_type),
            (Some(2023), Some(ReportType::FinalAccounts))
        );
        assert_eq!(m.government.city.as_deref(), Some("廉江市"));
    }

    #[test]
    fn cities() {
        assert_eq!(
            city_of("江门市医疗保障局（本级）").as_deref(),
            Some("江门市")
        );
        assert_eq!(city_of("广东省清远市财政局").as_deref(), Some("清远市"));
        assert_eq!(
            city_of("连山壮族瑶族自治县教育局").as_deref(),
            Some("连山壮族瑶族自治县")
        );
        assert_eq!(city_of("医疗保障局"), None);
    }
}
