//! The lexical grammar of report text: what a token, an amount, a subject
//! code, a page number or a unit line looks like. Everything here is a small
//! pure predicate so the table rules read like the grammar they implement.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// An amount as printed: optional sign, digits with optional thousands
/// separators, optional decimals ("28,023.69", "0.00", "-12.5", "9457").
static AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$").unwrap());
/// Page numbers the converter leaves between pages: "- 8 -", "-8-", "第 3 页".
static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(-\s*\d{1,4}\s*-|—\s*\d{1,4}\s*—|第\s*\d{1,4}\s*页(\s*共\s*\d+\s*页)?)$").unwrap()
});
/// A table number at the start of a line: 表1, 表 1, 表1-1, 表一, 公开01表,
/// 预算 01 表; the title may follow on the same line (公开 01 表：收支预算总表).
static TABLE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(表\s*(?:\d{1,2}(?:\s*-\s*\d{1,2})?|[一二三四五六七八九十]{1,3})|",
        r"(?:公开|预算|决算|部门|附)\s*\d{1,2}\s*表)",
        r"(?:\s*[：:]\s*|\s+|$)(.*)$"
    ))
    .unwrap()
});
/// A subject code of the functional (201, 20131, 2013199) or economic
/// (301, 30101) classification, or a unit/project code.
static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{3,12}$").unwrap());
/// Leading list numbering of prose headings: 一、 （一） 1. 1、
static HEADING_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d{1,2}[.、])").unwrap()
});
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"</?[a-zA-Z][^>]*>").unwrap());

/// Whitespace as the converters emit it, including the ideographic space
/// used for indentation (U+3000) and NBSP.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Text of a cell as written to the datasets: HTML tags removed, whitespace
/// next to a CJK character removed (PDF wraps split words), other runs
/// collapsed to one space.
pub fn clean_cell(raw: &str) -> String {
    let stripped = strip_tags(raw);
    if !stripped.contains(is_space) {
        return stripped.into_owned();
    }
    let mut out = String::with_capacity(stripped.len());
    // Words are the runs between whitespace; a run of whitespace becomes
    // one space only between two words neither of which is CJK at the gap.
    for word in stripped.split(is_space).filter(|w| !w.is_empty()) {
        if let (Some(b), Some(a)) = (out.chars().next_back(), word.chars().next()) {
            if !is_cjk(b) && !is_cjk(a) {
                out.push(' ');
            }
        }
        out.push_str(word);
    }
    out
}

/// Header words and titles: every whitespace removed.
pub fn squash(raw: &str) -> String {
    squash_cow(raw).into_owned()
}

/// [`squash`] without copying when there is nothing to remove (most cells
/// and many lines).
pub fn squash_cow(raw: &str) -> Cow<'_, str> {
    let stripped = strip_tags(raw);
    if next_space(&stripped, 0).is_none() {
        return stripped;
    }
    Cow::Owned(without_spaces(&stripped))
}

/// Is `squash(raw).len() < limit` (in bytes)? Without building it, and
/// stopping at the limit: long prose lines cost little.
pub fn squashed_len_below(raw: &str, limit: usize) -> bool {
    if raw.contains('<') {
        return squash_cow(raw).len() < limit;
    }
    let mut n = 0;
    for c in raw.chars().filter(|c| !is_space(*c)) {
        n += c.len_utf8();
        if n >= limit {
            return false;
        }
    }
    true
}

/// `s` with every whitespace character removed (no tags stripped), as
/// `s.split(is_space).collect()` but by bytes: this runs over the whole
/// text of every report. Only ASCII whitespace and the lead bytes of the
/// few non-ASCII whitespace characters (U+0085 … U+3000) need a closer look.
pub fn without_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = 0;
    while let Some((at, len)) = next_space(s, run) {
        out.push_str(&s[run..at]);
        run = at + len;
    }
    out.push_str(&s[run..]);
    out
}

/// The first whitespace character at or after byte `from` (a character
/// boundary): its offset and length. Steps over whole characters by their
/// lead byte; only ASCII whitespace and the lead bytes of the non-ASCII
/// whitespace characters (U+0085 … U+3000) need a closer look.
fn next_space(s: &str, from: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = from;
    while i < b.len() {
        i += match b[i] {
            b'\t'..=b'\r' | b' ' => return Some((i, 1)),
            0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                let c = s[i..].chars().next()?;
                if is_space(c) {
                    return Some((i, c.len_utf8()));
                }
                c.len_utf8()
            }
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
    }
    None
}

/// Is `squash(raw)` empty? Without building it.
pub fn squashes_to_empty(raw: &str) -> bool {
    strip_tags(raw).chars().all(is_space)
}

/// The number of characters of `squash(raw)`, without building it.
pub fn squashed_char_count(raw: &str) -> usize {
    strip_tags(raw).chars().filter(|c| !is_space(*c)).count()
}

pub fn strip_tags(raw: &str) -> Cow<'_, str> {
    if raw.contains('<') {
        HTML_TAG.replace_all(raw, "")
    } else {
        Cow::Borrowed(raw)
    }
}

pub fn is_amount(tok: &str) -> bool {
    if tok.is_ascii() {
        is_ascii_amount(tok.as_bytes())
    } else {
        may_be_number(tok) && AMOUNT.is_match(tok)
    }
}

/// [`AMOUNT`] on ASCII text, without the regex engine (this runs on every
/// word and cell).
fn is_ascii_amount(b: &[u8]) -> bool {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let b = match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    };
    let int = match b.iter().position(|&c| c == b'.') {
        Some(p) if !digits(&b[p + 1..]) => return false,
        Some(p) => &b[..p],
        None => b,
    };
    if !int.contains(&b',') {
        return digits(int);
    }
    let mut groups = int.split(|&c| c == b',');
    let first = groups.next().unwrap_or_default();
    first.len() <= 3 && digits(first) && groups.all(|g| g.len() == 3 && digits(g))
}

/// Can text with non-ASCII characters match a number pattern at all? The
/// patterns' `\d` also matches non-ASCII decimal digits (full-width ０–９),
/// but any other non-ASCII character rules a match out.
fn may_be_number(tok: &str) -> bool {
    tok.chars().all(|c| c.is_ascii() || c.is_numeric())
}

/// An amount that cannot be a code or a row number: it has decimals or
/// thousands separators.
pub fn is_decimal_amount(tok: &str) -> bool {
    (tok.contains('.') || tok.contains(',')) && is_amount(tok)
}

/// Does any word of the line (whitespace-separated) pass
/// [`is_decimal_amount`]? Only the words holding a `.` or `,` are looked
/// at, found by their bytes (ASCII, so never inside another character).
pub fn has_decimal_amount(line: &str) -> bool {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(p) = memchr::memchr2(b'.', b',', &b[from..]) {
        let p = from + p;
        let start = line[..p]
            .char_indices()
            .rev()
            .find(|&(_, c)| is_space(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = line[p..].find(is_space).map_or(line.len(), |i| p + i);
        if is_amount(&line[start..end]) {
            return true;
        }
        from = end;
    }
    false
}

pub fn is_code(tok: &str) -> bool {
    if tok.is_ascii() {
        (3..=12).contains(&tok.len()) && tok.bytes().all(|b| b.is_ascii_digit())
    } else {
        may_be_number(tok) && CODE.is_match(tok)
    }
}

/// A small integer as printed in a 行次 (row number) column.
pub fn is_row_number(tok: &str) -> bool {
    !tok.is_empty() && tok.len() <= 3 && tok.bytes().all(|b| b.is_ascii_digit())
}

pub fn is_page_number(line: &str) -> bool {
    let t = line.trim();
    t.starts_with(['-', '—', '第']) && PAGE_NUMBER.is_match(t)
}

/// A unit statement found in a line: `start..end` of the match and the unit.
struct UnitStatement {
    start: usize,
    end: usize,
    unit: &'static str,
}

/// The first unit statement in `s`: 单位：万元, possibly 金额单位 and with
/// whitespace around the colon (possibly glued to a 单位名称/部门 line).
/// This is the pattern `(?:金额)?单位\s*[：:]\s*(万元|千元|亿元|元)` (see the
/// property test), matched by hand because it runs on most lines: the
/// leftmost match is at the first 单位 that a unit follows.
fn find_unit(s: &str) -> Option<UnitStatement> {
    const KEY: &str = "单位";
    // `contains` has a fast path for short needles that `find` lacks, and
    // most lines hold no 单位.
    if !s.contains(KEY) {
        return None;
    }
    let mut from = 0;
    while let Some(p) = s[from..].find(KEY) {
        let at = from + p;
        let after = &s[at + KEY.len()..];
        let t = after.trim_start_matches(char::is_whitespace);
        let unit = t.strip_prefix(['：', ':']).and_then(|t| {
            let t = t.trim_start_matches(char::is_whitespace);
            ["万元", "千元", "亿元", "元"]
                .into_iter()
                .find(|u| t.starts_with(u))
                .map(|u| (s.len() - t.len() + u.len(), u))
        });
        if let Some((end, unit)) = unit {
            let start = match s[..at].ends_with("金额") {
                true => at - "金额".len(),
                false => at,
            };
            return Some(UnitStatement { start, end, unit });
        }
        from = at + KEY.len();
    }
    None
}

/// The unit stated on a line, if any.
pub fn unit_of(line: &str) -> Option<&'static str> {
    find_unit(line).map(|u| u.unit)
}

/// The name in a department line: `^(?:编制)?(?:单位名称|部门名称|预算单位|
/// 部门|单位)\s*[：:]\s*(.+)$` matched by hand (see the property test).
fn dept_line_name(s: &str) -> Option<&str> {
    // Without 编制 no label could start the text: the prefix never needs
    // giving back.
    let s = s.strip_prefix("编制").unwrap_or(s);
    [
        "单位名称",
        "部门名称",
        "预算单位",
        "部门（单位）",
        "部门(单位)",
        "单位（部门）",
        "单位(部门)",
        "部门",
        "单位",
    ]
    .into_iter()
    .filter_map(|label| s.strip_prefix(label))
    .find_map(|t| {
        let t = t.trim_start_matches(char::is_whitespace);
        let u = t.strip_prefix(['：', ':'])?;
        // `\s*(.+)$`: the name runs to the end and holds no line break;
        // when only whitespace is left the name is its last character.
        let name = u.trim_start_matches(char::is_whitespace);
        let name = match name.is_empty() {
            false => name,
            true => &u[u.char_indices().next_back()?.0..],
        };
        (!name.contains('\n')).then_some(name)
    })
}

/// The department named by a page-furniture line (单位名称：X, 部门：X),
/// after any unit statement glued in front of it.
pub fn department_of(line: &str) -> Option<String> {
    if !may_name_department(line) {
        return None;
    }
    department_in(&squash_cow(line)).map(str::to_string)
}

/// The cheap test before [`department_in`]: this runs on every line of
/// every report.
fn may_name_department(line: &str) -> bool {
    // Multi-byte needles as strings: `contains` searches for those with a
    // fast path, where a char's last byte is common in CJK text.
    (line.contains("部门") || line.contains("单位"))
        && (line.contains("：") || line.contains(':'))
        // Without 单 there is no unit statement to skip, and the squashed
        // line starts with its first character (unless a tag comes first).
        && (line.contains("单")
            || line
                .trim_start_matches(is_space)
                .starts_with(['编', '部', '预', '<']))
}

/// [`department_of`] on the squashed line.
fn department_in(squashed: &str) -> Option<&str> {
    // "单位：万元单位名称：X" → look at what follows the unit statement.
    let rest = match find_unit(squashed) {
        Some(u) if u.start == 0 => &squashed[u.end..],
        _ => squashed,
    };
    let name = dept_line_name(rest)?;
    // Stop at a glued unit statement on the right ("部门：X单位：万元").
    let name = match find_unit(name) {
        Some(u) => &name[..u.start],
        None => name,
    };
    let name = name.trim_matches(|c: char| is_space(c) || c == '：' || c == ':');
    if name.is_empty() || name.chars().count() > 40 {
        None
    } else {
        Some(name)
    }
}

/// Page furniture: lines that are never part of a table body. `squashed`
/// is `squash(line)`, which callers have at hand.
pub fn is_furniture(line: &str, squashed: &str) -> bool {
    let t = line.trim_matches(is_space);
    t.is_empty()
        || is_page_number(t)
        || find_unit(squashed).is_some_and(|u| u.start == 0)
        || (may_name_department(t) && department_in(squashed).is_some())
}

/// A row of a table printed empty (本表为空表): a lone 无, or a bare 合计
/// with nothing after it (whitespace removed).
pub fn is_empty_table_row(squashed: &str) -> bool {
    matches!(squashed, "无" | "合计" | "总计")
}

/// A line that is a table number alone: "表1", "表 1" → "表1", "公开 01 表"
/// → "公开01表".
pub fn table_number(line: &str) -> Option<String> {
    numbered_title(line).and_then(|(n, rest)| rest.is_empty().then_some(n))
}

/// A table number at the start of a line and what follows it on the line
/// (the title, or nothing).
pub fn numbered_title(line: &str) -> Option<(String, &str)> {
    let t = line.trim_matches(is_space);
    if !(t.starts_with('表') || t.contains('表')) {
        return None;
    }
    let c = TABLE_NUMBER.captures(t)?;
    let rest = c.get(2).map_or("", |m| m.as_str().trim_matches(is_space));
    // "表格", "表明": a word, not a number followed by a title.
    Some((squash(c.get(1).unwrap().as_str()), rest))
}

/// A note line under a table: 注：…, 注1：…, 备注：…, 说明：….
pub fn is_note_start(line: &str) -> bool {
    let t = line.trim_start_matches(is_space);
    t.starts_with("注：")
        || t.starts_with("注:")
        || t.starts_with("备注：")
        || t.starts_with("说明：")
        || t.starts_with("说明:")
        || (t.starts_with('注') && t.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
}

/// The value of a leading Chinese list number: "二十五、结转下年" → 25.
pub fn list_number(s: &str) -> Option<u32> {
    let numeral = |c: &char| {
        matches!(
            c,
            '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十'
        )
    };
    let head_len: usize = s.chars().take_while(numeral).map(char::len_utf8).sum();
    if head_len == 0 || !s[head_len..].starts_with('、') {
        return None;
    }
    let digit = |c: char| {
        Some(match c {
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => return None,
        })
    };
    let mut head = s[..head_len].chars();
    match (head.next(), head.next(), head.next(), head.next()) {
        (Some('十'), None, _, _) => Some(10),
        (Some('十'), Some(d), None, _) => Some(10 + digit(d)?),
        (Some(t), Some('十'), None, _) => Some(digit(t)? * 10),
        (Some(t), Some('十'), Some(d), None) => Some(digit(t)? * 10 + digit(d)?),
        (Some(d), None, _, _) => digit(d),
        _ => None,
    }
}

/// Removes leading list numbering from a heading ("六、重点项目…" → "重点项目…").
pub fn strip_heading_number(s: &str) -> &str {
    match HEADING_NUMBER.find(s) {
        Some(m) => &s[m.end()..],
        None => s,
    }
}

/// A column-number row: 栏次 1 2 3 …, or just 1 2 3 … n.
pub fn is_column_number_row(cells: &[&str]) -> bool {
    // Both forms hold only 栏次 cells, dashes and (signed, for `parse`)
    // digits: a cell with anything else, such as the label of a data row,
    // rules the row out before the closer tests below.
    let plausible = |c: &&str| {
        let c = c.trim_matches(is_space);
        c.contains(['栏', '—']) || c.bytes().all(|b| b.is_ascii_digit() || b == b'+')
    };
    if !cells.iter().all(plausible) {
        return false;
    }
    let nonempty = || {
        cells
            .iter()
            .map(|c| c.trim_matches(is_space))
            .filter(|c| !c.is_empty())
    };
    if nonempty().next().is_none() {
        return false;
    }
    let lanci = |c: &str| c.contains('栏') && squash_cow(c).starts_with("栏次");
    if nonempty().any(lanci) {
        return nonempty()
            .all(|c| lanci(c) || is_row_number(c) || (c.contains('—') && squash_cow(c) == "—"));
    }
    nonempty()
        .enumerate()
        .all(|(i, c)| c.parse::<usize>().ok() == Some(i + 1))
        && nonempty().count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_codes() {
        assert!(is_amount("28,023.69"));
        assert!(is_amount("0.00"));
        assert!(is_amount("-1.5"));
        assert!(!is_amount("28,02.69"));
        assert!(is_decimal_amount("9,457"));
        assert!(!is_decimal_amount("9457"));
        assert!(is_code("2101501"));
        assert!(!is_code("21"));
    }

    static UNIT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:金额)?单位\s*[：:]\s*(万元|千元|亿元|元)").unwrap());
    static DEPT_LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:编制)?(?:单位名称|部门名称|预算单位|部门|单位)\s*[：:]\s*(.+)$").unwrap()
    });

    proptest::proptest! {
        /// [`find_unit`] and [`dept_line_name`] stand in for these patterns.
        #[test]
        fn unit_and_department_matchers_agree_with_the_patterns(
            s in "(金额|单位|名称|部门|预算|编制|万元|千元|亿元|元|[：: \n\t\u{3000}\u{a0}\u{85}\u{2003}\u{1680}\u{200b}。x<>])*"
        ) {
            let by_hand = find_unit(&s).map(|u| (u.start, u.end, u.unit));
            let by_regex = UNIT.captures(&s).map(|c| {
                let m = c.get(0).unwrap();
                (m.start(), m.end(), c.get(1).unwrap().as_str())
            });
            proptest::prop_assert_eq!(by_hand, by_regex);
            let by_regex = DEPT_LINE.captures(&s).map(|c| c.get(1).unwrap().as_str());
            proptest::prop_assert_eq!(dept_line_name(&s), by_regex);
            let short = squash(&s).len() < 16;
            proptest::prop_assert_eq!(without_spaces(&s), s.split(is_space).collect::<String>());
            proptest::prop_assert_eq!(squashed_len_below(&s, 16), short);
        }

        /// The byte-level matchers stand in for the AMOUNT and CODE patterns.
        #[test]
        fn number_matchers_agree_with_the_patterns(tok in "[-+0-9,.１٣a ]{0,14}") {
            proptest::prop_assert_eq!(is_amount(&tok), AMOUNT.is_match(&tok));
            proptest::prop_assert_eq!(is_code(&tok), CODE.is_match(&tok));
        }

        /// [`has_decimal_amount`] is `any` over the words.
        #[test]
        fn decimal_amount_in_a_line_as_over_its_words(
            line in "([-+0-9,.１٣a表 \t\u{3000}\u{a0}\u{85}\u{2003}，。]|12,345.67|-0.5|1,2345){0,24}"
        ) {
            proptest::prop_assert_eq!(
                has_decimal_amount(&line),
                line.split(is_space).any(is_decimal_amount)
            );
        }
    }

    #[test]
    fn furniture_lines() {
        assert!(is_page_number("- 8 -"));
        assert!(is_page_number("-12-"));
        // A bare number is an amount or a code, never taken for a page number.
        assert!(!is_page_number("1398"));
        assert_eq!(
            unit_of(" 单位：万元单位名称：清远市医疗保障局"),
            Some("万元")
        );
        assert_eq!(unit_of("金额单位：元"), Some("元"));
        assert_eq!(
            department_of(" 单位：万元单位名称：清远市医疗保障局").as_deref(),
            Some("清远市医疗保障局")
        );
        assert_eq!(
            department_of("单位：万元部门：廉江市医疗保障局").as_deref(),
            Some("廉江市医疗保障局")
        );
        assert_eq!(
            department_of("部门名称： 广州市医疗保障局").as_deref(),
            Some("广州市医疗保障局")
        );
        let furniture = |s: &str| is_furniture(s, &squash(s));
        assert!(furniture("单位：万元"));
        assert!(!furniture("合计 28,023.69"));
        assert!(!furniture("项目 预算数（单位：万元） 绩效目标"));
    }

    #[test]
    fn chinese_list_numbers() {
        assert_eq!(list_number("二十五、结转下年"), Some(25));
        assert_eq!(list_number("十、节能环保支出"), Some(10));
        assert_eq!(list_number("三、国防支出"), Some(3));
        assert_eq!(list_number("十九、住房保障支出"), Some(19));
        assert_eq!(list_number("本年收入合计"), None);
    }

    #[test]
    fn cells_are_cleaned() {
        assert_eq!(
            clean_cell("　　其他医疗保障管理 事务支出"),
            "其他医疗保障管理事务支出"
        );
        assert_eq!(clean_cell("<p>指标 1：职工</p>"), "指标1：职工");
        assert_eq!(clean_cell("广州 GPO 平台"), "广州GPO平台");
        assert_eq!(clean_cell("open  source tool"), "open source tool");
    }

    #[test]
    fn table_numbers_and_column_numbers() {
        assert_eq!(table_number("表 1").as_deref(), Some("表1"));
        assert_eq!(table_number("表12").as_deref(), Some("表12"));
        assert!(table_number("表12 收支").is_none());
        assert_eq!(table_number("公开 01 表").as_deref(), Some("公开01表"));
        assert_eq!(table_number("表一").as_deref(), Some("表一"));
        assert_eq!(
            numbered_title("公开 09 表：一般公共预算“三公”经费"),
            Some(("公开09表".to_string(), "一般公共预算“三公”经费"))
        );
        assert_eq!(
            numbered_title("表3 一般公共预算支出表"),
            Some(("表3".to_string(), "一般公共预算支出表"))
        );
        assert!(numbered_title("表明本部门").is_none());
        assert!(is_column_number_row(&["栏次", "1", "栏次", "2"]));
        assert!(is_column_number_row(&["1", "2", "3", "4"]));
        assert!(!is_column_number_row(&["1", "3", "4"]));
        assert!(!is_column_number_row(&["合计", "1.00"]));
    }
}
