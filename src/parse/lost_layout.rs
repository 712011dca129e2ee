//! Text that lost its table layout: converters that write a PDF's text in
//! reading or drawing order (`pdftotext` without `-layout`, PyMuPDF
//! `page.get_text()`) put every cell of a table on its own line, often a
//! column's cells in a run: labels, then their amounts. Which amount belongs
//! to which label and column is then not in the text.
//!
//! The shape is recognised, not the converter: blocks of lines that are a
//! single amount and nothing else, where the lines carrying amounts carry
//! nothing but that amount. Converters that keep rows (`pdftotext -layout`,
//! pdfplumber, pypdf, Markdown, tab-separated text) print a row's amounts on
//! its line; a lone amount there is the last cell of a wrapped row, with the
//! other rows of its table still carrying theirs.
//!
//! An amount here has decimals or thousands separators (`1,278.90`,
//! `84,861,719`): bare integers are codes, page numbers and chart axes as
//! often as amounts, so a report printing its amounts as bare integers in
//! reading order is not recognised.
//!
//! Pure: text in, a finding out.

use super::text::{self, is_space};

/// Where the text lost its table layout and what shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostLayout {
    /// 1-based line numbers (as the parser counts them) of the first and
    /// last lone amount of the strongest block.
    pub first_line: u32,
    pub last_line: u32,
    /// What was seen, readable: `46 lines that are a lone amount, labels
    /// printed apart from their amounts`.
    pub evidence: String,
}

/// Lines that are neither a lone amount nor blank allowed between two lone
/// amounts of one block (a row's code, label fragments, a page break's
/// furniture).
const MAX_GAP: usize = 8;
/// Lone amounts a block needs.
const MIN_LONE: usize = 12;
/// Share of the block's lines with an amount that are a lone amount, in
/// per cent.
const MIN_LONE_SHARE_PCT: usize = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One amount (with decimals or thousands separators) and nothing else.
    Lone,
    /// An amount with other words on the line.
    WithAmount,
    /// Words (a CJK or Latin letter) and no amount.
    Label,
    /// Anything else: codes, page numbers, punctuation.
    Other,
}

/// The trimmed text of a line; empty for a blank line.
fn trimmed(line: &str) -> &str {
    line.trim_matches(|c: char| is_space(c) || c == '\u{c}')
}

/// The kind of a non-blank line, `t` trimmed.
fn kind_of(t: &str) -> Kind {
    // A lone amount: an amount is digits, signs and separators only, so a
    // line that is one holds no whitespace (no second word, no tab).
    if is_lone(t) {
        return Kind::Lone;
    }
    // Tabs keep a row's cells in place, whatever stands in them.
    if text::has_decimal_amount(t) {
        return Kind::WithAmount;
    }
    if t.chars().any(char::is_alphabetic) {
        return Kind::Label;
    }
    Kind::Other
}

/// One amount (with decimals or thousands separators) and nothing else.
fn is_lone(t: &str) -> bool {
    text::is_decimal_amount(t)
}

/// A block of lone amounts: indices into the non-blank lines.
struct Block {
    first: usize,
    last: usize,
    lone: usize,
}

/// Finds text that lost its table layout: `None` for text whose tables
/// keep their rows.
///
/// Every line is only tested for a lone amount; the other kinds are told
/// apart only in the blocks of lone amounts that are long enough to count.
pub fn detect(text: &str) -> Option<LostLayout> {
    // (line number, trimmed text) of every non-blank line.
    let mut lines: Vec<(u32, &str)> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    for (n, l) in text.split('\n').enumerate() {
        let t = trimmed(l);
        if t.is_empty() {
            continue;
        }
        let i = lines.len();
        lines.push(((n + 1) as u32, t));
        if !is_lone(t) {
            continue;
        }
        match blocks.last_mut() {
            Some(b) if i - b.last <= MAX_GAP + 1 => {
                b.last = i;
                b.lone += 1;
            }
            _ => blocks.push(Block {
                first: i,
                last: i,
                lone: 1,
            }),
        }
    }
    let lost: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.lone >= MIN_LONE)
        .filter(|b| {
            let with_amount = lines[b.first..=b.last]
                .iter()
                .filter(|(_, t)| matches!(kind_of(t), Kind::Lone | Kind::WithAmount))
                .count();
            b.lone * 100 >= with_amount * MIN_LONE_SHARE_PCT
        })
        .collect();
    let strongest = lost
        .iter()
        .max_by_key(|b| (b.lone, std::cmp::Reverse(b.first)))?;
    // Labels in the block or in the lines just before it (a column of
    // labels printed before the column of their amounts).
    let from = strongest.first.saturating_sub(strongest.lone);
    let labels = lines[from..=strongest.last]
        .iter()
        .filter(|(_, t)| kind_of(t) == Kind::Label)
        .count();
    let mut evidence = format!("{} lines that are a lone amount", strongest.lone);
    if labels > 0 {
        evidence.push_str(", labels printed apart from their amounts");
    }
    match lost.len() - 1 {
        0 => {}
        1 => evidence.push_str("; 1 more block like it"),
        n => evidence.push_str(&format!("; {n} more blocks like it")),
    }
    Some(LostLayout {
        first_line: lines[strongest.first].0,
        last_line: lines[strongest.last].0,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: [(&str, &str, &str); 14] = [
        ("201", "一般公共服务支出", "1,278.90"),
        ("20106", "财政事务", "1,278.90"),
        ("2010601", "行政运行", "848.62"),
        ("2010602", "一般行政管理事务", "285.44"),
        ("2010604", "预算改革业务", "3.70"),
        ("2010605", "财政国库业务", "141.14"),
        ("208", "社会保障和就业支出", "175.60"),
        ("20805", "行政事业单位养老支出", "163.60"),
        ("2080501", "行政单位离退休", "41.10"),
        ("2080505", "机关事业单位基本养老保险缴费支出", "80.00"),
        ("2080506", "机关事业单位职业年金缴费支出", "42.00"),
        ("2080599", "其他行政事业单位养老支出", "0.50"),
        ("20808", "抚恤", "12.00"),
        ("2080801", "死亡抚恤", "12.00"),
    ];

    /// The detection as first written: every line's kind, then the blocks.
    fn detect_reference(text: &str) -> Option<LostLayout> {
        fn kind(line: &str) -> Option<Kind> {
            let t = line.trim_matches(|c: char| is_space(c) || c == '\u{c}');
            if t.is_empty() {
                return None;
            }
            let mut words = t.split(is_space).filter(|w| !w.is_empty());
            let first = words.next().unwrap_or_default();
            let rest = words.next().is_some();
            if !rest && !t.contains('\t') && text::is_decimal_amount(first) {
                return Some(Kind::Lone);
            }
            if t.split(is_space).any(text::is_decimal_amount) {
                return Some(Kind::WithAmount);
            }
            if t.chars().any(char::is_alphabetic) {
                return Some(Kind::Label);
            }
            Some(Kind::Other)
        }
        let lines: Vec<(u32, Kind)> = text
            .split('\n')
            .enumerate()
            .filter_map(|(i, l)| kind(l).map(|k| ((i + 1) as u32, k)))
            .collect();
        let mut blocks: Vec<Block> = Vec::new();
        for (i, &(_, k)) in lines.iter().enumerate() {
            if k != Kind::Lone {
                continue;
            }
            match blocks.last_mut() {
                Some(b) if i - b.last <= MAX_GAP + 1 => {
                    b.last = i;
                    b.lone += 1;
                }
                _ => blocks.push(Block {
                    first: i,
                    last: i,
                    lone: 1,
                }),
            }
        }
        let lost: Vec<&Block> = blocks
            .iter()
            .filter(|b| {
                let with_amount = lines[b.first..=b.last]
                    .iter()
                    .filter(|(_, k)| matches!(k, Kind::Lone | Kind::WithAmount))
                    .count();
                b.lone >= MIN_LONE && b.lone * 100 >= with_amount * MIN_LONE_SHARE_PCT
            })
            .collect();
        let strongest = lost
            .iter()
            .max_by_key(|b| (b.lone, std::cmp::Reverse(b.first)))?;
        let from = strongest.first.saturating_sub(strongest.lone);
        let labels = lines[from..=strongest.last]
            .iter()
            .filter(|(_, k)| *k == Kind::Label)
            .count();
        let mut evidence = format!("{} lines that are a lone amount", strongest.lone);
        if labels > 0 {
            evidence.push_str(", labels printed apart from their amounts");
        }
        match lost.len() - 1 {
            0 => {}
            1 => evidence.push_str("; 1 more block like it"),
            n => evidence.push_str(&format!("; {n} more blocks like it")),
        }
        Some(LostLayout {
            first_line: lines[strongest.first].0,
            last_line: lines[strongest.last].0,
            evidence,
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Lines of lone amounts, amounts with words, labels, codes and
        /// blanks in any order: the same finding as the full classification.
        #[test]
        fn detect_as_the_full_classification(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    4 => "[ \\t\\u{c}\\u{3000}]{0,2}(1,278\\.90|12\\.00|-3\\.5|0\\.50|１٣\\.5)[ \\u{c}]{0,2}",
                    2 => "(1,278\\.90|12\\.00|2010601|行政运行|a|\\t|\\u{c}| |\\u{3000}|,|\\.|一、|１٣\\.5)*",
                    1 => proptest::strategy::Just(String::new()),
                ],
                0..160,
            )
        ) {
            let text = lines.join("\n");
            proptest::prop_assert_eq!(detect(&text), detect_reference(&text));
        }
    }

    fn head() -> String {
        "一般公共预算支出功能分类预算表\n单位：万元\n".to_string()
    }

    #[test]
    fn a_table_written_column_by_column_is_found() {
        let mut t = head();
        for (code, label, _) in ROWS {
            t.push_str(&format!("{code} {label}\n"));
        }
        for (_, _, amount) in ROWS {
            // Each amount twice (合计, 基本支出), blank lines between cells.
            t.push_str(&format!("{amount}\n\n{amount}\n\n"));
        }
        let found = detect(&t).expect("column by column");
        assert_eq!(found.first_line, 17);
        assert_eq!(found.last_line, 17 + 4 * 13 + 2);
        assert_eq!(
            found.evidence,
            "28 lines that are a lone amount, labels printed apart from their amounts"
        );
    }

    #[test]
    fn a_table_written_one_cell_a_line_is_found() {
        let mut t = head();
        for (code, label, amount) in ROWS {
            t.push_str(&format!("{code}\n{label}\n{amount}\n"));
        }
        let found = detect(&t).expect("one cell a line");
        assert_eq!((found.first_line, found.last_line), (5, 44));
        assert_eq!(
            found.evidence,
            "14 lines that are a lone amount, labels printed apart from their amounts"
        );
    }

    #[test]
    fn the_same_table_row_by_row_is_not() {
        let mut flat = head();
        let mut laid = head();
        let mut tabbed = head();
        for (code, label, amount) in ROWS {
            flat.push_str(&format!("{code} {label} {amount} {amount}\n"));
            laid.push_str(&format!("{code:<10}{label:<40}{amount:>12}{amount:>12}\n"));
            tabbed.push_str(&format!("{code}\t{label}\t{amount}\t\n"));
        }
        assert_eq!(detect(&flat), None);
        assert_eq!(detect(&laid), None);
        assert_eq!(detect(&tabbed), None);
    }

    #[test]
    fn wrapped_labels_with_their_amount_below_are_not() {
        // pypdf and pdfplumber: a row whose label wraps leaves its amount on
        // a line of its own; the other rows keep theirs.
        let mut t = head();
        for (k, (code, label, amount)) in ROWS.iter().chain(&ROWS).enumerate() {
            if k % 2 == 0 {
                t.push_str(&format!("{code} {label}\n经费\n{amount}\n"));
            } else {
                t.push_str(&format!("{code} {label} {amount}\n"));
            }
        }
        assert_eq!(detect(&t), None);
    }

    #[test]
    fn prose_with_a_few_numbers_is_not() {
        let t = "2025年，本单位收入预算17,192万元，其中财政拨款收入17,192万元。\n\
                 支出预算\n17,192.00\n万元，比上年减少\n990.00\n万元。\n\
                 主要原因是项目经费减少。\n1\n";
        assert_eq!(detect(t), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn a_chart_axis_is_not() {
        let t = "单位：万元\n120.00\n100.00\n80.00\n60.00\n40.00\n20.00\n0.00\n编制人数 实有人数\n";
        assert_eq!(detect(t), None);
    }
}
