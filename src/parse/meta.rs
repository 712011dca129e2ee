//! Report metadata read from the content (file names are hashes): the
//! department as printed, the fiscal year, budget or final accounts, the
//! scope (department or unit), whether it is consolidated (汇总), the title
//! and the place names its headings print. The government is resolved
//! elsewhere (`crate::report_meta`) from the department and the places.
//!
//! The evidence, in order of trust:
//! 1. the cover: the lines before the 目录 (or before the first heading
//!    when there is none), joined, so that a title wrapped over lines reads
//!    as one ("上海市普陀区规划和自然" / "资源局" / "2024 年度部门决算"). A
//!    labelled line on the cover ("预算单位：上海市财政局") names the
//!    department; else the title's grammar does: `[A] 年份 [B] 部门|单位
//!    [综合|汇总] 预算|决算 [公开…]`, where A or B is the name and a part
//!    that is only a place ("上海市普陀区") or a level ("区级") is not.
//! 2. labelled lines anywhere (编制部门：X, 部门名称：X, "部门名称    X" in a
//!    form, 部门：X, 部门（单位）：X, 单位名称：X, 预算单位：X,
//!    预算主管部门：X), the most frequent name winning.
//! 3. headings that state the year and type ("第二部分 X 2024 年度部门决算",
//!    "2025年部门预算表"), and for the department "第一部分 X概况".
//! 4. for the year, a line that is only a year ("（2026年度）" under a table
//!    title); for the type, the table titles: a tables-only report whose
//!    titles say 预算 (and none 决算) is a budget, one whose titles end in
//!    决算表 final accounts. The type is stated by the text in both cases,
//!    so it is taken from the content; the year is never guessed.
//! 5. for the scope, the labels: a department label (部门名称, 部门：,
//!    预算主管部门, 编制部门) makes a department report; 单位名称 is printed
//!    in department reports too and decides nothing.

use super::text::{self, is_space, squash, squash_cow};
use crate::model::{MetaSource, ReportMeta, ReportType, Scope};
use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// "2025年部门预算", "2023年度部门决算", "2021年部门预算报表", "2026年单位预算",
/// "2022 年部门综合预算" (squashed).
static YEAR_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})年度?[^，。,；;：:]{0,24}?(部门|单位)(?:综合|汇总)?(预算|决算)")
        .unwrap()
});
/// What a report is: 部门预算, 单位决算, 部门综合预算, 部门汇总预算.
static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(部门|单位)(综合|汇总)?(预算|决算)").unwrap());
/// A year in a title: "2026年", "2026年度", or bare digits.
static YEAR_IN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})(?:年度?)?").unwrap());
/// A line that is only a year: "2026 年度", "（2026年度）", "2026".
static YEAR_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[（(]?((?:19|20)\d{2})(?:年度?)?[）)]?$").unwrap());
/// A text that is only place names: 上海市, 上海市普陀区, 某某自治州某某县.
static PLACE_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\p{Han}{1,10}?(?:自治区|自治州|地区|省|市|盟|区|县|旗))+$").unwrap()
});
/// A government level printed before 部门预算: 区级, 市级, 市本级, 本级.
static LEVEL_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:省|市|区|县|州|旗|乡|镇)?本?级$").unwrap());
/// Part and list numbering in front of a heading.
static HEADING_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:第[一二三四五六七八九十]+部分[：:、.．]?|[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十]+）|\d{1,2}[、.．])",
    )
    .unwrap()
});
/// "第一部分 清远市医疗保障局概况" (squashed).
static OVERVIEW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^第[一二三四五六七八九十]+部分[：:、]?(.{3,40}?)(?:基本)?概况$").unwrap()
});
/// A table number: 表1, 表一, 公开01表, 预算 01表, 预算表12.
static TABLE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:表\s*[\d一二三四五六七八九十]|\S{0,4}\s*\d{1,2}\s*表)").unwrap()
});
/// Words that may follow the type in a title: 公开, 信息公开, 情况说明, 报表.
static TITLE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:公开|信息|情况|说明|报告|报表|表|草案|文本|[（(]汇总[）)])+$").unwrap()
});
/// A heading naming the report: `… 部门预算 [公开…]` with no sentence
/// punctuation (squashed, numbering removed).
static TITLE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[^，。,；;：:]{2,60}?(?:部门|单位)(?:综合|汇总)?(?:预算|决算)[^，。,；;：:]{0,12}$",
    )
    .unwrap()
});

/// The last characters of an organisation's name, for a name printed in a
/// form without a colon ("部门名称    北京市审计局"), where a column header
/// ("单位名称 合计 …") must not be taken.
#[rustfmt::skip]
const ORG_SUFFIXES: [&str; 36] = [
    "局", "委员会", "委", "办公室", "办公厅", "办", "厅", "院", "部", "中心", "处", "所",
    "会", "室", "站", "队", "馆", "校", "园", "社", "团", "府", "署", "公司", "集团", "学",
    "宫", "台", "库", "场", "段", "科", "级）", "级)", "汇总）", "汇总)",
];

/// Which kind of label introduced a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelKind {
    /// 部门名称, 部门：, 预算主管部门, 编制部门: the report is a department's.
    Department,
    /// 单位名称, 预算单位, 编制单位: printed in department reports too.
    Unit,
}

/// The labels, longest first; `form` when the label may be followed by
/// whitespace instead of a colon (a form's label cell).
const LABELS: [(&str, LabelKind, bool); 12] = [
    ("预算主管部门", LabelKind::Department, true),
    ("部门（单位）名称", LabelKind::Department, true),
    ("部门(单位)名称", LabelKind::Department, true),
    ("部门（单位）", LabelKind::Department, true),
    ("部门(单位)", LabelKind::Department, true),
    ("编制部门", LabelKind::Department, true),
    ("编制单位", LabelKind::Unit, true),
    ("部门名称", LabelKind::Department, true),
    ("单位名称", LabelKind::Unit, true),
    ("预算单位", LabelKind::Unit, true),
    ("部门", LabelKind::Department, false),
    ("单位", LabelKind::Unit, false),
];

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

fn report_type_of(s: &str) -> ReportType {
    if s == "预算" {
        ReportType::Budget
    } else {
        ReportType::FinalAccounts
    }
}

fn scope_of(s: &str) -> Scope {
    if s == "部门" {
        Scope::Department
    } else {
        Scope::Unit
    }
}

/// A line without markup: HTML tags and leading markdown marks (`#`, `-`,
/// `*`, `>`, `|`) removed, whitespace trimmed.
fn plain(line: &str) -> Cow<'_, str> {
    let marks = |c: char| is_space(c) || matches!(c, '#' | '-' | '*' | '>' | '|');
    match text::strip_tags(line) {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_start_matches(marks).trim_end_matches(is_space)),
        Cow::Owned(s) => Cow::Owned(
            s.trim_start_matches(marks)
                .trim_end_matches(is_space)
                .to_string(),
        ),
    }
}

/// The first unit statement in `s` (单位：万元, 金额单位:元, 单位 万元 once the
/// colon is lost): its start and end.
fn unit_statement(s: &str) -> Option<(usize, usize)> {
    const KEY: &str = "单位";
    if !s.contains(KEY) {
        return None;
    }
    let mut from = 0;
    while let Some(p) = s[from..].find(KEY) {
        let at = from + p;
        let after = s[at + KEY.len()..].trim_start_matches(is_space);
        let after = after.strip_prefix(['：', ':']).unwrap_or(after);
        let after = after.trim_start_matches(is_space);
        if let Some(u) = ["万元", "千元", "亿元", "元"]
            .into_iter()
            .find(|u| after.starts_with(u))
        {
            let end = s.len() - after.len() + u.len();
            let start = if s[..at].ends_with("金额") {
                at - "金额".len()
            } else {
                at
            };
            return Some((start, end));
        }
        from = at + KEY.len();
    }
    None
}

/// The department or unit a labelled line names, with its label's kind:
/// "单位：万元单位名称：清远市医疗保障局", "部门名称：杭州市公安局 单位：万元",
/// "部门名称    北京市审计局", "预算单位：西安市工业和信息化局 金额单位：元",
/// "部门（单位）：烟台市统计局". A column header ("单位名称 项目名称 金额")
/// names nothing.
fn labelled(line: &str) -> Option<(LabelKind, String)> {
    // A label starts the line, after markup or a unit statement (金额单位):
    // the first character rules out most lines without a search.
    let first = line.trim_start_matches(is_space).chars().next()?;
    if !matches!(
        first,
        '编' | '部' | '单' | '预' | '主' | '金' | '#' | '-' | '*' | '>' | '|' | '<'
    ) {
        return None;
    }
    let t = plain(line);
    let mut t: &str = &t;
    // A unit statement glued in front: "单位：万元单位名称：X".
    if let Some((0, end)) = unit_statement(t) {
        t = t[end..].trim_start_matches(is_space);
    }
    if !t.starts_with(['编', '部', '单', '预', '主']) {
        return None;
    }
    LABELS.iter().find_map(|&(label, kind, form)| {
        let rest = t.strip_prefix(label)?;
        let r = rest.trim_start_matches(is_space);
        if let Some(v) = r.strip_prefix(['：', ':']) {
            // A bare 单位： also introduces measures (单位：人次).
            let name = colon_value(v).filter(|n| label != "单位" || org_like(n))?;
            return Some((kind, name));
        }
        let separated = rest.starts_with(|c: char| is_space(c) || c == '|');
        if !form || !separated {
            return None;
        }
        let token = r.split(|c: char| is_space(c) || c == '|').next()?;
        let name = clean_value(token)?;
        org_like(&name).then_some((kind, name))
    })
}

/// Does a name end as an organisation's does (局, 委员会, 中心, （本级）)?
fn org_like(name: &str) -> bool {
    ORG_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The name after a label's colon: up to a column gap (a tab, `|` or two
/// spaces) or a unit statement.
fn colon_value(v: &str) -> Option<String> {
    let v = v.trim_start_matches(is_space);
    let mut end = v.len();
    // Where the space before this character starts: a run of two spaces
    // ends the value there (an ideographic space is three bytes).
    let mut prev_space: Option<usize> = None;
    for (i, c) in v.char_indices() {
        if c == '\t' || c == '|' {
            end = i;
            break;
        }
        if let (true, Some(p)) = (is_space(c), prev_space) {
            end = p;
            break;
        }
        prev_space = (c == ' ' || c == '\u{3000}').then_some(i);
    }
    clean_value(&v[..end])
}

/// A printed name, whitespace removed, with a glued unit statement and a
/// code prefix ("507-湖州市卫生健康委员会") cut off; `None` for what is no
/// name (empty, amounts, a column header, prose).
fn clean_value(v: &str) -> Option<String> {
    let s = squash_cow(v);
    let mut s: &str = &s;
    if let Some((start, _)) = unit_statement(s) {
        s = &s[..start];
    }
    // Code prefix: digits and a dash or underscore.
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        if let Some(r) = s[digits..].strip_prefix(['-', '_', '－', '—']) {
            s = r;
        }
    }
    let s = s.trim_matches(|c: char| matches!(c, '：' | ':' | '，' | ',' | '；' | ';' | '。'));
    let n = s.chars().count();
    let ok = (3..=40).contains(&n)
        && !s.contains("名称")
        && !s
            .contains(|c: char| c.is_ascii_digit() || matches!(c, '，' | '。' | '；' | '：' | ':'))
        && s.chars().any(|c| c as u32 >= 0x4E00);
    ok.then(|| s.to_string())
}

/// Is `s` a plausible department name in a title: not empty, not only
/// places ("上海市普陀区") or a level ("区级"), no numbers, no prose, no
/// heading word.
fn is_name(s: &str) -> bool {
    let n = s.chars().count();
    if !(3..=40).contains(&n)
        || s.contains(|c: char| {
            c.is_ascii_digit()
                || matches!(c, '，' | '。' | '；' | '：' | ':' | ',' | '、' | '…' | '.')
        })
        || s.starts_with("部门")
        || s.starts_with("单位")
        || s.starts_with("本")
        || s.starts_with('第')
        || s.starts_with("关于")
    {
        return false;
    }
    let without_level = LEVEL_SUFFIX.replace(s, "");
    !without_level.is_empty() && !is_place(&without_level)
}

fn is_place(s: &str) -> bool {
    s.chars().count() <= 16 && PLACE_ONLY.is_match(s)
}

/// The place a title part prints ("上海市普陀区", "上海市区级" → 上海市).
fn place_in(part: &str) -> Option<&str> {
    let p = match LEVEL_SUFFIX.find(part) {
        Some(m) => &part[..m.start()],
        None => part,
    };
    (!p.is_empty() && is_place(p)).then_some(p)
}

/// A title split by its grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Title {
    /// The title as printed, whitespace removed (a year that a converter
    /// displaced behind the title is put back).
    text: String,
    name: Option<String>,
    places: Vec<String>,
    year: Option<i32>,
    report_type: ReportType,
    scope: Scope,
    consolidated: bool,
}

/// Splits a squashed title: `[A] 年份 [B] 部门|单位 [综合|汇总] 预算|决算
/// [tail]`. The name is B, else A; a part that is only places is a place.
/// A year printed after the title ("重庆市商务委员会年部门预算情况说明2026",
/// as pdfplumber orders a line whose digits are in another font) counts.
fn split_title(s: &str) -> Option<Title> {
    let m = MARKER.captures(s)?;
    let whole = m.get(0).unwrap();
    let head = &s[..whole.start()];
    let mut tail = &s[whole.end()..];
    let (a, b, year, text) = match YEAR_IN.captures(head) {
        Some(y) => {
            let ym = y.get(0).unwrap();
            (
                &head[..ym.start()],
                &head[ym.end()..],
                y[1].parse().ok(),
                s.to_string(),
            )
        }
        None => {
            // A displaced year: bare digits at the end of the tail.
            let year = YEAR_IN
                .captures(tail)
                .filter(|y| y.get(0).unwrap().end() == tail.len());
            let (year, printed_year) = match year {
                Some(y) => {
                    let start = y.get(0).unwrap().start();
                    let printed = y[1].to_string();
                    tail = &tail[..start];
                    (printed.parse().ok(), Some(printed))
                }
                None => (None, None),
            };
            let (a, nian) = match (&printed_year, head.strip_suffix("年度")) {
                (Some(_), Some(a)) => (a, "年度"),
                (Some(_), None) => match head.strip_suffix('年') {
                    Some(a) => (a, "年"),
                    None => (head, "年"),
                },
                (None, _) => (head, ""),
            };
            let text = format!(
                "{a}{}{nian}{}{tail}",
                printed_year.unwrap_or_default(),
                whole.as_str()
            );
            (a, "", year, text)
        }
    };
    let name = [b, a]
        .into_iter()
        .map(|p| p.trim_matches(|c: char| matches!(c, '—' | '-' | '_' | '·')))
        .find(|p| is_name(p))
        .map(str::to_string);
    let places = [a, b]
        .into_iter()
        .filter_map(place_in)
        .map(str::to_string)
        .collect();
    let consolidated = m.get(2).is_some_and(|k| k.as_str() == "汇总")
        || name.as_deref().is_some_and(says_consolidated)
        || says_consolidated(tail);
    Some(Title {
        text,
        name,
        places,
        year,
        report_type: report_type_of(&m[3]),
        scope: scope_of(&m[1]),
        consolidated,
    })
}

/// "西安市审计局（汇总）": the name says the report consolidates.
fn says_consolidated(s: &str) -> bool {
    s.contains("（汇总）") || s.contains("(汇总)")
}

/// What the cover states.
#[derive(Debug, Default)]
struct Cover {
    title: Option<Title>,
    label: Option<(LabelKind, String)>,
}

/// A line that ends the cover: a heading, a table number or prose.
fn ends_cover(s: &str) -> bool {
    HEADING_PREFIX.is_match(s) || TABLE_NUMBER.is_match(s) || s.len() > 40 * 3
}

/// Is a squashed line the 目录 heading (or its first character, when the
/// converter put 目 and 录 on lines of their own)?
fn is_contents(s: &str, next: Option<&str>) -> bool {
    s.starts_with("目录") && s.chars().count() <= 6 || (s == "目" && next == Some("录"))
}

/// Reads the cover: the first lines up to the 目录 or the first heading.
/// Its title is the run of lines through the first line naming the type
/// (部门预算, 单位决算) and the short lines continuing it (公开, a displaced
/// year); a labelled line among them names the department.
fn read_cover(nonblank: &[&str]) -> Cover {
    const MAX_LINES: usize = 10;
    let lines: Vec<String> = nonblank
        .iter()
        .take(MAX_LINES + 1)
        .map(|t| squash(&plain(t)))
        .collect();
    let mut cover = Cover::default();
    let mut joined = String::new();
    let mut marker_seen = false;
    let mut after_marker = 0;
    for (i, (s, raw)) in lines.iter().zip(nonblank).take(MAX_LINES).enumerate() {
        // Page numbers and attachment marks (附件2) are not the title.
        let page = s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
        let attachment = s.starts_with("附件") && s.chars().count() <= 4;
        if s.is_empty() || text::is_page_number(s) || page || attachment {
            continue;
        }
        if is_contents(s, lines.get(i + 1).map(String::as_str)) {
            break;
        }
        if let Some(l) = labelled(raw) {
            cover.label.get_or_insert(l);
            continue;
        }
        if marker_seen {
            // Continuations of the title: 公开, 情况说明, a displaced year.
            after_marker += 1;
            if after_marker > 2 || !(TITLE_TAIL.is_match(s) || YEAR_ONLY.is_match(s)) {
                break;
            }
            joined.push_str(s);
            continue;
        }
        if ends_cover(s) {
            break;
        }
        joined.push_str(s);
        marker_seen = MARKER.is_match(s);
    }
    if marker_seen {
        cover.title = split_title(&joined);
    }
    cover
}

/// Votes of a year-and-type statement ("2025年部门预算表").
type YearType = (i32, ReportType, Scope);

/// The department a part heading names: "第一部分 清远市医疗保障局概况"
/// (the most frequent).
fn overview_name(nonblank: &[&str]) -> Option<String> {
    let names: Vec<String> = nonblank
        .iter()
        .filter(|l| l.contains("概况") && l.contains("部分"))
        .filter_map(|l| {
            let s = squash(&plain(l));
            let c = OVERVIEW.captures(&s)?;
            is_name(&c[1]).then(|| c[1].to_string())
        })
        .collect();
    most_frequent(&names)
}

/// The year of lines that are only a year ("（2026年度）" under a table
/// title), the most frequent; bare digits are amounts or page numbers.
fn lone_year(nonblank: &[&str]) -> Option<i32> {
    let years: Vec<i32> = nonblank
        .iter()
        .filter(|l| l.contains("年") && text::squashed_len_below(l, 24))
        .filter_map(|l| YEAR_ONLY.captures(&squash(&plain(l)))?[1].parse().ok())
        .collect();
    most_frequent(&years)
}

/// The type the table titles say: a title ending in 表 that names 决算 is
/// a final account's (its funds are 预算 funds: 一般公共预算财政拨款支出决算表),
/// else one naming 预算 a budget's. The most frequent.
fn table_type(nonblank: &[&str]) -> Option<ReportType> {
    let types: Vec<ReportType> = nonblank
        .iter()
        .filter(|l| l.contains("表") && l.contains("算") && text::squashed_len_below(l, 90))
        .filter_map(|l| {
            let s = squash(&plain(l));
            if !s.ends_with('表') {
                None
            } else if s.contains("决算") {
                Some(ReportType::FinalAccounts)
            } else if s.contains("预算") {
                Some(ReportType::Budget)
            } else {
                None
            }
        })
        .collect();
    most_frequent(&types)
}

/// Reads the metadata from the text of each line.
pub fn read_meta(lines: &[&str]) -> ReportMeta {
    let nonblank: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|t| !t.trim_matches(is_space).is_empty())
        .collect();
    let cover = read_cover(&nonblank);

    let mut labels: Vec<(LabelKind, String)> = Vec::new();
    let mut year_types: Vec<YearType> = Vec::new();
    let mut heading_names: Vec<String> = Vec::new();
    let mut heading_places: Vec<String> = Vec::new();
    for (w, line) in nonblank.iter().enumerate() {
        if let Some(l) = labelled(line) {
            labels.push(l);
            continue;
        }
        // Only a line holding these characters can state the type.
        // Squashing only removes characters: a line lacking one of them
        // cannot name 部门预算/决算 once squashed either.
        let may_mention = line.contains("算")
            && (line.contains("预") || line.contains("决"))
            && (line.contains("门") || line.contains("位"));
        if may_mention {
            let s = squash(&plain(line));
            let names_type = (s.contains("预算") || s.contains("决算"))
                && (s.contains("部门") || s.contains("单位"));
            if names_type && MARKER.is_match(&s) {
                // Headings wrap ("2021 年" / "广州市医疗保障局部门预算"):
                // a short line before joins.
                let joined = match w.checked_sub(1).map(|p| nonblank[p]) {
                    Some(prev) if text::squashed_len_below(prev, 16) => {
                        Cow::Owned(format!("{}{s}", squash(&plain(prev))))
                    }
                    _ => Cow::Borrowed(s.as_str()),
                };
                for c in YEAR_TYPE.captures_iter(&joined) {
                    if let Ok(y) = c[1].parse() {
                        year_types.push((y, report_type_of(&c[3]), scope_of(&c[2])));
                    }
                }
                let heading = HEADING_PREFIX.replace(&s, "");
                if TITLE_HEADING.is_match(&heading) {
                    if let Some(t) = split_title(&heading) {
                        heading_names.extend(t.name);
                        heading_places.extend(t.places);
                    }
                }
            }
        }
    }

    let mut meta = ReportMeta::default();
    let title = cover.title.as_ref();
    let voted = most_frequent(
        &year_types
            .iter()
            .map(|&(y, t, _)| (y, t))
            .collect::<Vec<_>>(),
    );
    let label_names: Vec<String> = labels.iter().map(|(_, n)| n.clone()).collect();

    // Department.
    let department = cover
        .label
        .as_ref()
        .map(|(_, n)| n.clone())
        .or_else(|| title.and_then(|t| t.name.clone()))
        .or_else(|| most_frequent(&label_names))
        .or_else(|| most_frequent(&heading_names))
        .or_else(|| overview_name(&nonblank));
    let label_kind = match (&cover.label, &department) {
        (Some((k, _)), _) => Some(*k),
        (None, Some(d)) => labels.iter().find(|(_, n)| n == d).map(|(k, _)| *k),
        _ => None,
    };

    // Year and type.
    let year = title
        .and_then(|t| t.year)
        .or(voted.map(|(y, _)| y))
        .or_else(|| lone_year(&nonblank));
    let report_type = title
        .map(|t| t.report_type)
        .or(voted.map(|(_, t)| t))
        .or_else(|| table_type(&nonblank));
    let scope = title
        .map(|t| t.scope)
        .or_else(|| {
            let scopes: Vec<Scope> = year_types
                .iter()
                .filter(|&&(y, t, _)| Some((y, t)) == voted)
                .map(|&(_, _, s)| s)
                .collect();
            most_frequent(&scopes)
        })
        .or_else(|| (label_kind == Some(LabelKind::Department)).then_some(Scope::Department));

    meta.consolidated = title.is_some_and(|t| t.consolidated)
        || department.as_deref().is_some_and(says_consolidated);
    let mut places: Vec<String> = Vec::new();
    for p in title
        .map(|t| t.places.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(heading_places)
    {
        if places.len() < 3 && !places.contains(&p) {
            places.push(p);
        }
    }
    meta.places = places;
    // Only a printed title: the metadata stage builds one from the fields
    // it settles (a year may come from the path) where none is printed.
    meta.title = title.map(|t| t.text.clone());
    let found = |b: bool| b.then_some(MetaSource::Content);
    meta.sources.department = found(department.is_some());
    meta.sources.year = found(year.is_some());
    meta.sources.report_type = found(report_type.is_some());
    meta.sources.scope = found(scope.is_some());
    meta.department = department;
    meta.year = year;
    meta.report_type = report_type;
    meta.scope = scope;
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_ends_at_two_ideographic_spaces() {
        // Found by tests/parser_robustness.rs: the cut fell inside U+3000.
        assert_eq!(
            colon_value("清远市\u{3000}\u{3000}[2013199]其他").as_deref(),
            clean_value("清远市").as_deref()
        );
        assert_eq!(colon_value("清远市  其他"), clean_value("清远市"));
    }

    fn meta(text: &str) -> ReportMeta {
        read_meta(&text.split('\n').collect::<Vec<_>>())
    }

    fn dept(text: &str) -> Option<String> {
        meta(text).department
    }

    #[test]
    fn budget_with_unit_department_lines() {
        let t = "第二部分 2025年部门预算表\n 单位：万元单位名称：清远市医疗保障局\n表1\n";
        let m = meta(t);
        assert_eq!(m.year, Some(2025));
        assert_eq!(m.report_type, Some(ReportType::Budget));
        assert_eq!(m.scope, Some(Scope::Department));
        assert_eq!(m.department.as_deref(), Some("清远市医疗保障局"));
        // No title printed: the metadata stage builds one
        // (report_meta::tests::built_titles).
        assert_eq!(m.title, None);
        assert_eq!(m.sources.department, Some(MetaSource::Content));
        assert_eq!(m.sources.year, Some(MetaSource::Content));
        assert_eq!(m.sources.scope, Some(MetaSource::Content));
    }

    #[test]
    fn wrapped_cover_and_final_accounts() {
        let m = meta("2021 年\n广州市医疗保障局部门预算\n目 录\n第一部分 部门概况\n");
        assert_eq!(m.year, Some(2021));
        assert_eq!(m.department.as_deref(), Some("广州市医疗保障局"));
        assert_eq!(m.title.as_deref(), Some("2021年广州市医疗保障局部门预算"));
        let t = "第二部分：廉江市医疗保障局2023年度部门决算表\n单位：万元部门：廉江市医疗保障局\n";
        let m = meta(t);
        assert_eq!(
            (m.year, m.report_type),
            (Some(2023), Some(ReportType::FinalAccounts))
        );
        assert_eq!(m.department.as_deref(), Some("廉江市医疗保障局"));
    }

    #[test]
    fn cover_wrapped_over_lines() {
        let t = "上海市普陀区规划和自然\n    资源局\n 2024 年度部门决算\n             目   录\n\
                 第一部分 上海市普陀区规划和自然资源局概况\n\
                 第二部分 上海市普陀区规划和自然资源局 2024 年度部门决算\n";
        let m = meta(t);
        assert_eq!(
            m.department.as_deref(),
            Some("上海市普陀区规划和自然资源局")
        );
        assert_eq!(m.year, Some(2024));
        assert_eq!(m.report_type, Some(ReportType::FinalAccounts));
        assert_eq!(m.scope, Some(Scope::Department));
        assert_eq!(
            m.title.as_deref(),
            Some("上海市普陀区规划和自然资源局2024年度部门决算")
        );
        assert!(m.places.is_empty());
        // Reading order puts 目 and 录 on lines of their own; pdfplumber
        // may print the name over three lines with the year first.
        let t = "上海市普陀区规划和自然\n资源局\n2024 年度部门决算\n目\n录\n第一部分 概况\n";
        assert_eq!(dept(t).as_deref(), Some("上海市普陀区规划和自然资源局"));
        let t = "   2026 年度\n泉州市市场监管综合监测\n  与技术保障中心\n   单位预算\n  目   录\n";
        let m = meta(t);
        assert_eq!(
            m.department.as_deref(),
            Some("泉州市市场监管综合监测与技术保障中心")
        );
        assert_eq!(m.scope, Some(Scope::Unit));
        assert_eq!(m.year, Some(2026));
    }

    #[test]
    fn title_before_or_after_the_year() {
        let m = meta("2026年烟台市统计局部门预算\n                  目   录\n第一部分 部门概况\n");
        assert_eq!(m.department.as_deref(), Some("烟台市统计局"));
        assert_eq!(m.year, Some(2026));
        let m = meta("            西安市工业和信息化局 2022 年部门综合预算\n   目录\n");
        assert_eq!(m.department.as_deref(), Some("西安市工业和信息化局"));
        assert_eq!(m.scope, Some(Scope::Department));
        assert_eq!(
            m.title.as_deref(),
            Some("西安市工业和信息化局2022年部门综合预算")
        );
        // No 目录: the cover ends at the first heading.
        let m = meta("重庆市商务委员会 2026 年部门预算情况说明\n  一、单位基本情况\n");
        assert_eq!(m.department.as_deref(), Some("重庆市商务委员会"));
        assert_eq!(
            m.title.as_deref(),
            Some("重庆市商务委员会2026年部门预算情况说明")
        );
        let m =
            meta("  长沙市信访局\n2026 年部门预算公开\n  目   录\n第一部分 2026 年部门预算说明\n");
        assert_eq!(m.department.as_deref(), Some("长沙市信访局"));
        let m = meta("北京市交通委员会 2026 年度部门预算信息\n         公开\n  目    录\n");
        assert_eq!(m.department.as_deref(), Some("北京市交通委员会"));
        assert_eq!(
            m.title.as_deref(),
            Some("北京市交通委员会2026年度部门预算信息公开")
        );
    }

    #[test]
    fn a_year_displaced_behind_the_title() {
        // pdfplumber prints digits of another font after the line.
        let m = meta("重庆市商务委员会 年部门预算情况说明\n2026\n一 单位基本情况\n、\n");
        assert_eq!(m.department.as_deref(), Some("重庆市商务委员会"));
        assert_eq!(m.year, Some(2026));
        assert_eq!(
            m.title.as_deref(),
            Some("重庆市商务委员会2026年部门预算情况说明")
        );
        let m = meta("杭州市交通运输局\n年度部门预算\n2026\n目录\n一、部门概况\n");
        assert_eq!(m.department.as_deref(), Some("杭州市交通运输局"));
        assert_eq!(m.year, Some(2026));
        assert_eq!(m.title.as_deref(), Some("杭州市交通运输局2026年度部门预算"));
    }

    #[test]
    fn kept_suffixes_and_consolidated() {
        let m = meta("   2026 年度\n福州市科学技术局(本级)\n   单位预算\n   目录\n");
        assert_eq!(m.department.as_deref(), Some("福州市科学技术局(本级)"));
        assert_eq!(m.scope, Some(Scope::Unit));
        assert!(!m.consolidated);
        let m = meta("西安市审计局（汇总）\n2026年部门预算公开说明\n  目 录\n第一部分：部门概况\n");
        assert_eq!(m.department.as_deref(), Some("西安市审计局（汇总）"));
        assert!(m.consolidated);
        let m = meta("2024年\n江门市医疗保障局（本级）部门预算\n目 录\n");
        assert_eq!(m.department.as_deref(), Some("江门市医疗保障局（本级）"));
        let m = meta("某某市教育局2026年部门汇总预算\n目录\n");
        assert_eq!(m.department.as_deref(), Some("某某市教育局"));
        assert!(m.consolidated);
        // 汇总 in prose or tables says nothing about the report.
        let t = "某某市教育局2026年部门预算\n目录\n一、部门预算汇总情况\n汇总 1.00 2.00\n";
        assert!(!meta(t).consolidated);
    }

    #[test]
    fn cover_label_and_places() {
        let t = "上海市2025年市级单位预算\n   预算单位：上海市财政局\n      目   录\n一、单位主要职能\n";
        let m = meta(t);
        assert_eq!(m.department.as_deref(), Some("上海市财政局"));
        assert_eq!(m.places, ["上海市"]);
        assert_eq!(m.scope, Some(Scope::Unit));
        assert_eq!(m.year, Some(2025));
        assert_eq!(m.title.as_deref(), Some("上海市2025年市级单位预算"));
        let t = "# 上海市普陀区2026年区级部门预算 \n预算主管部门：上海市普陀区司法局 \n## <mark>目  录</mark> \n";
        let m = meta(t);
        assert_eq!(m.department.as_deref(), Some("上海市普陀区司法局"));
        assert_eq!(m.places, ["上海市普陀区"]);
        assert_eq!(m.scope, Some(Scope::Department));
        // A heading elsewhere may print the place.
        let t = "湖州市卫生健康委员会\n 2026 年部门预算\n目录\n一、部门概况\n湖州市2026年市级部门预算\n";
        assert_eq!(meta(t).places, ["湖州市"]);
        let t = "附件2\n湖州市财政局 2026 年部门预算\n目录\n";
        assert_eq!(dept(t).as_deref(), Some("湖州市财政局"));
    }

    #[test]
    fn heading_fragments_are_no_department() {
        // Without the labelled line the cover names only a place and a level.
        let m = meta("上海市普陀区2025年区级部门预算\n目 录\n一、部门主要职能\n");
        assert_eq!(m.department, None);
        assert_eq!(m.places, ["上海市普陀区"]);
        assert_eq!(m.year, Some(2025));
        assert!(!is_name("上海市普陀区2025年区级"));
        assert!(!is_name("上海市普陀区"));
        assert!(!is_name("区级"));
        assert!(!is_name("第二部分上海市普陀区规划和自然资源局"));
        // A part heading names the department once its numbering is off.
        let t = "第一部分 部门概况\n第二部分 上海市普陀区规划和自然资源局 2024 年度部门决算\n表\n";
        assert_eq!(dept(t).as_deref(), Some("上海市普陀区规划和自然资源局"));
        let t = "第一部分 清远市医疗保障局概况\n一、主要职责\n";
        assert_eq!(dept(t).as_deref(), Some("清远市医疗保障局"));
    }

    #[test]
    fn labelled_lines() {
        let l = |s: &str| labelled(s).map(|(_, n)| n);
        assert_eq!(
            l("部门：江苏省政协办公厅        单位：万元").as_deref(),
            Some("江苏省政协办公厅")
        );
        assert_eq!(
            l("部门：江苏省政协办公厅 单位：万元").as_deref(),
            Some("江苏省政协办公厅")
        );
        assert_eq!(
            l("<u>部门：江苏省政协办公厅</u>").as_deref(),
            Some("江苏省政协办公厅")
        );
        assert_eq!(
            l("部门名称：杭州市交通运输局单位:万元").as_deref(),
            Some("杭州市交通运输局")
        );
        assert_eq!(
            l("单位名称： 重庆市人民政府办公厅").as_deref(),
            Some("重庆市人民政府办公厅")
        );
        assert_eq!(
            l("单位名称 重庆市商务委员会 单位 万元").as_deref(),
            Some("重庆市商务委员会")
        );
        assert_eq!(
            l("   部门名称             北京市审计局").as_deref(),
            Some("北京市审计局")
        );
        assert_eq!(
            l("部门名称 泉州市公安局 部门预算编码 301").as_deref(),
            Some("泉州市公安局")
        );
        assert_eq!(
            l("部门（单位）：烟台市统计局 单位：万元").as_deref(),
            Some("烟台市统计局")
        );
        assert_eq!(
            l("预算单位：西安市工业和信息化局          金额单位：元").as_deref(),
            Some("西安市工业和信息化局")
        );
        assert_eq!(
            l(" 单位：万元单位名称：清远市医疗保障局").as_deref(),
            Some("清远市医疗保障局")
        );
        assert_eq!(l("编制部门：某某县财政局").as_deref(), Some("某某县财政局"));
        assert_eq!(
            l("部门名称：507-湖州市卫生健康委员会").as_deref(),
            Some("湖州市卫生健康委员会")
        );
        // Column headers, unit statements and other labels name nothing.
        assert_eq!(l("单位名称 项目名称 金额 绩效目标"), None);
        assert_eq!(l("   单位名称     合计   预算拨款  其他收入"), None);
        assert_eq!(l("单位名称 总计"), None);
        assert_eq!(l("单位名称（项目名称） 总计 一般公共预算"), None);
        assert_eq!(l("预算单位名称 预算项目名称 金额 项目类别"), None);
        assert_eq!(l("部门名称"), None);
        assert_eq!(l("单位：万元"), None);
        assert_eq!(l("金额单位：万元"), None);
        assert_eq!(l("收费部门：北京市交通委员会"), None);
        assert_eq!(l("单位：人次"), None);
        assert_eq!(
            l("单位：江苏省政协办公厅").as_deref(),
            Some("江苏省政协办公厅")
        );
        assert_eq!(
            l("部门名称 西安市审计局（汇总）").as_deref(),
            Some("西安市审计局（汇总）")
        );
        assert_eq!(l("主管部门 福州市医疗保障局 实施单位"), None);
        assert_eq!(
            l("（四）上级补助收入：指从主管部门或上级单位取得的收入。"),
            None
        );
    }

    #[test]
    fn tables_only_reports() {
        // Beijing: the name in a form, the year under a table title, the
        // type in every table number.
        let t =
            "预算01表 收支总表\n金额单位：万元\n项 目 预算数\n一、一般公共预算拨款收入 32,365.09\n\
                 预算13表 部门整体支出绩效目标表\n（2026年度）\n部门名称 北京市审计局\n";
        let m = meta(t);
        assert_eq!(m.department.as_deref(), Some("北京市审计局"));
        assert_eq!(m.year, Some(2026));
        assert_eq!(m.report_type, Some(ReportType::Budget));
        assert_eq!(m.scope, Some(Scope::Department));
        // No year printed anywhere: none is guessed; the titles say 预算.
        let t = "公开01表\n收支预算总表\n部门：江苏省政协办公厅    单位：万元\n收入 支出\n\
                 公开02表\n收入预算总表\n";
        let m = meta(t);
        assert_eq!(m.department.as_deref(), Some("江苏省政协办公厅"));
        assert_eq!(m.year, None);
        assert_eq!(m.sources.year, None);
        assert_eq!(m.report_type, Some(ReportType::Budget));
        assert_eq!(m.title, None);
        // Final-accounts titles name 预算 funds too: 决算表 decides.
        let t = "部门：某某局\n收入支出决算总表\n一般公共预算财政拨款支出决算表\n";
        assert_eq!(meta(t).report_type, Some(ReportType::FinalAccounts));
        assert_eq!(meta("").report_type, None);
    }

    #[test]
    fn places_and_names() {
        assert!(is_place("上海市"));
        assert!(is_place("上海市普陀区"));
        assert!(is_place("某某自治州某某县"));
        assert!(!is_place("烟台市统计局"));
        assert!(is_name("中共西安市委宣传部"));
        assert!(is_name("长沙职业教育基地综合协调办公室"));
        assert!(is_name("烟台市审计局本级"));
        assert!(!is_name("上海市区级"));
        assert_eq!(place_in("上海市市级"), Some("上海市"));
    }
}
