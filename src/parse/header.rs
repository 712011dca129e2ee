//! Header trees. A printed header is a tree of cells: spanning cells on top,
//! leaves at the bottom; each column is named by its path from the root
//! ("财政拨款收入/一般公共预算").

use super::text::{is_space, squash};
use regex::Regex;
use std::sync::LazyLock;

/// Header vocabulary: words that end header cells of the national templates
/// (项目, 预算, 合计, …). Used to tell a header row from a row of text cells
/// and to know where a wrapped header word ends in flattened text.
static HEADER_WORD_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(项目|科目|名称|编码|代码|行次|栏次|预算|决算|决算数|预算数|合计|小计|总计|金额|",
        r"收入|支出|拨款|资金|经费|收费|类别|目标|指标|实现值|计划|内容|单位|",
        r"年度|目录|方式|数量|编号|备注|差额|总额|结转|结余|结转下年|费|数)$"
    ))
    .unwrap()
});

/// Does a cell read like a header word (short, no sentence punctuation,
/// ending in a header noun)?
pub fn is_header_word(cell: &str) -> bool {
    let s = squash(cell);
    let s = strip_paren_suffix(&s);
    if s.is_empty() || s.chars().count() > 24 || s.contains('。') || s.contains('；') {
        return false;
    }
    HEADER_WORD_END.is_match(s)
}

/// "年度主要支出计划(对应任务、政策)" → "年度主要支出计划".
pub fn strip_paren_suffix(s: &str) -> &str {
    let s = s.trim_matches(is_space);
    // A qualifier whose opening bracket the converter lost: "编码单位编码)".
    if (s.ends_with(')') || s.ends_with('）')) && !s.contains(['(', '（']) {
        return s.trim_end_matches([')', '）']);
    }
    if s.ends_with(')') || s.ends_with('）') {
        if let Some(p) = s.rfind(['(', '（']) {
            if p > 0 {
                return s[..p].trim_matches(is_space);
            }
        }
    }
    s
}

/// Leaf column paths of a header given as positional rows (tab-separated
/// cells). A cell spans to the right until the next non-empty cell of its
/// row, within the span of its parent; a column with no cell on a row keeps
/// the path it has (a cell spanning rows).
pub fn paths_from_grid(rows: &[Vec<String>], width: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(width);
    for c in 0..width {
        let mut path: Vec<&str> = Vec::new();
        let (mut lo, mut hi) = (0usize, width);
        for row in rows {
            let cell_at = |p: usize| row.get(p).map(String::as_str).unwrap_or("");
            let Some(p) = (lo..=c).rev().find(|&p| !cell_at(p).is_empty()) else {
                continue;
            };
            let next = (p + 1..hi).find(|&q| !cell_at(q).is_empty()).unwrap_or(hi);
            if c >= next {
                continue;
            }
            path.push(cell_at(p));
            lo = p;
            hi = next;
        }
        out.push(path.join("/"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spanning_and_row_spanning_cells() {
        let rows = vec![
            row(&["功能分类科目", "", "合计", "财政拨款收入", "", "上级补助收入"]),
            row(&["科目编码", "科目名称", "", "一般公共预算", "政府性基金预算", ""]),
        ];
        assert_eq!(
            paths_from_grid(&rows, 6),
            [
                "功能分类科目/科目编码",
                "功能分类科目/科目名称",
                "合计",
                "财政拨款收入/一般公共预算",
                "财政拨款收入/政府性基金预算",
                "上级补助收入"
            ]
        );
    }

    #[test]
    fn three_levels() {
        let rows = vec![
            row(&["编码", "总计", "本年收入", "", "", "上年结转"]),
            row(&["", "", "合计", "财政拨款", "", ""]),
            row(&["", "", "", "小计", "一般公共预算", ""]),
        ];
        assert_eq!(
            paths_from_grid(&rows, 6),
            [
                "编码",
                "总计",
                "本年收入/合计",
                "本年收入/财政拨款/小计",
                "本年收入/财政拨款/一般公共预算",
                "上年结转"
            ]
        );
    }

    #[test]
    fn header_words() {
        assert!(is_header_word("预期实现值"));
        assert!(is_header_word("年度主要支出计划 (对应任务、政策)"));
        assert!(is_header_word("2021 年预算"));
        assert!(!is_header_word("贯彻“两个确保”工作要求，落实特殊医保政策。"));
        assert!(!is_header_word("28,023.69"));
    }
}
