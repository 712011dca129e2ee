//! Header trees. A printed header is a tree of cells: spanning cells on top,
//! leaves at the bottom; each column is named by its path from the root
//! ("财政拨款收入/一般公共预算").

use super::text::{is_space, squash_cow};
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
    let s = squash_cow(cell);
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

/// The header vocabulary of the national templates (`config/headers.toml`),
/// compiled in so the parser stays pure.
#[derive(Debug, serde::Deserialize)]
struct Lexicon {
    group: Vec<Group>,
    words: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Group {
    parents: Vec<String>,
    children: Vec<String>,
    /// Every word that may stand under the parents is listed.
    #[serde(default)]
    closed: bool,
    /// Words printed beside the parents, never under them.
    #[serde(default)]
    beside: Vec<String>,
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    toml::from_str(include_str!("../../config/headers.toml"))
        .expect("config/headers.toml is valid (checked by a unit test)")
});

impl Lexicon {
    fn known(&self, w: &str) -> bool {
        self.words.iter().any(|x| x == w)
            || self
                .group
                .iter()
                .any(|g| g.parents.iter().chain(&g.children).any(|x| x == w))
    }
    fn is_child(&self, w: &str) -> bool {
        self.group.iter().any(|g| g.children.iter().any(|x| x == w))
    }
}

/// Does the vocabulary say that `leaf` never stands under `parent`: a
/// closed group headed by `parent` names it as printed beside (会议费
/// beside “三公”经费), or it is a word of another closed group, not among
/// the parent's (因公出国（境）费 beside 公务用车购置及运行维护费). Quotes and
/// bracket widths do not matter.
pub fn outside_group(parent: &str, leaf: &str) -> bool {
    let key = lexicon_key(parent);
    let leaf_key = lexicon_key(leaf);
    let mut own = closed_groups(&key).peekable();
    if own.peek().is_none() {
        return false;
    }
    let beside = own.any(|g| g.beside.iter().any(|w| lexicon_key(w) == leaf_key));
    let named_elsewhere = !matches!(leaf, "合计" | "小计")
        && LEXICON
            .group
            .iter()
            .filter(|g| g.closed)
            .any(|g| g.children.iter().any(|w| lexicon_key(w) == leaf_key));
    beside || (named_elsewhere && !heads(parent, leaf))
}

/// Does `parent` head a closed group of the vocabulary that names `leaf`
/// (a child, or a child of a child), `leaf` being more than a generic
/// 合计 / 小计?
pub fn heads(parent: &str, leaf: &str) -> bool {
    if matches!(leaf, "合计" | "小计") {
        return false;
    }
    let (parent, leaf) = (lexicon_key(parent), lexicon_key(leaf));
    let children: Vec<String> = closed_groups(&parent)
        .flat_map(|g| g.children.iter().map(|c| lexicon_key(c)))
        .collect();
    children.contains(&leaf)
        || children
            .iter()
            .flat_map(|c| closed_groups(c).flat_map(|g| g.children.iter()))
            .any(|c| lexicon_key(c) == leaf)
}

/// The closed groups headed by `parent` (a lexicon key).
fn closed_groups(parent: &str) -> impl Iterator<Item = &'static Group> + '_ {
    LEXICON
        .group
        .iter()
        .filter(move |g| g.closed && g.parents.iter().any(|p| lexicon_key(p) == parent))
}

/// A header word as the vocabulary compares it: quotes dropped, brackets
/// of one width.
fn lexicon_key(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '“' | '”' | '"' | '‘' | '’' | '\''))
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

/// Is this a whole header word of the templates' vocabulary?
pub fn is_known_word(w: &str) -> bool {
    LEXICON.known(w)
}

/// Does a word of the vocabulary start with `w` and go on (附属单位 of
/// 附属单位上缴收入)?
pub fn begins_known_word(w: &str) -> bool {
    let lex = &*LEXICON;
    lex.words
        .iter()
        .chain(
            lex.group
                .iter()
                .flat_map(|g| g.parents.iter().chain(&g.children)),
        )
        .any(|x| x.len() > w.len() && x.starts_with(w))
}

/// Undoes what flattening did to header words: two cells glued into one
/// word are split, a word cut in two is joined, when the vocabulary knows
/// the parts.
pub fn refine_words(words: Vec<String>) -> Vec<String> {
    let lex = &*LEXICON;
    let mut split = Vec::with_capacity(words.len());
    for w in words {
        if lex.known(&w) {
            split.push(w);
            continue;
        }
        let cut = w
            .char_indices()
            .skip(2)
            .map(|(i, _)| i)
            .find(|&i| lex.known(&w[..i]) && lex.known(&w[i..]));
        match cut {
            Some(i) => {
                split.push(w[..i].to_string());
                split.push(w[i..].to_string());
            }
            None => split.push(w),
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(split.len());
    for w in split {
        if let Some(last) = out.last_mut() {
            let joined = format!("{last}{w}");
            if !lex.known(&w) && lex.words.contains(&joined) {
                *last = joined;
                continue;
            }
        }
        out.push(w);
    }
    out
}

/// Leaf paths from header words in reading order (flattened text): first
/// each spanning word of the vocabulary takes the first run of its child
/// words printed after it; then, when the first printed line holds several
/// top words (收入 | 支出, 预算数 | 决算数) and the words below repeat in as many
/// segments, each top word spans one segment.
pub fn paths_from_words(first_line: &[String], words: &[String]) -> Vec<String> {
    let lex = &*LEXICON;
    let n = words.len();
    let mut taken = vec![false; n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        if taken[i] {
            continue;
        }
        for g in lex.group.iter().filter(|g| g.parents.contains(&words[i])) {
            let Some(start) = (i + 1..n).find(|&j| !taken[j] && g.children.contains(&words[j]))
            else {
                continue;
            };
            // A run ends where a word repeats: the next run is another
            // spanning word's (预算数 | 决算数 each over 小计 …).
            let mut run: Vec<usize> = Vec::new();
            for j in start..n {
                if taken[j]
                    || !g.children.contains(&words[j])
                    || run.iter().any(|&k| words[k] == words[j])
                {
                    break;
                }
                run.push(j);
            }
            if run.len() >= 2 {
                for &j in &run {
                    taken[j] = true;
                }
                children[i] = run;
                break;
            }
        }
    }
    let expand = |i: usize| -> Vec<String> {
        if children[i].is_empty() {
            vec![words[i].clone()]
        } else {
            children[i]
                .iter()
                .map(|&c| format!("{}/{}", words[i], words[c]))
                .collect()
        }
    };
    let top: Vec<usize> = (0..n).filter(|&i| !taken[i]).collect();
    // Two-sided and repeated blocks.
    let m = first_line.len();
    if m >= 2
        && top.len() > m
        && top[..m]
            .iter()
            .zip(first_line)
            .all(|(&i, w)| &words[i] == w)
    {
        let rest = &top[m..];
        let head = &words[rest[0]];
        let starts: Vec<usize> = (0..rest.len())
            .filter(|&k| &words[rest[k]] == head)
            .collect();
        if starts.len() == m && !lex.is_child(&words[top[0]]) {
            let mut out = Vec::new();
            for (s, &upper) in top[..m].iter().enumerate() {
                let end = starts.get(s + 1).copied().unwrap_or(rest.len());
                for &k in &rest[starts[s]..end] {
                    for leaf in expand(k) {
                        out.push(format!("{}/{}", words[upper], leaf));
                    }
                }
            }
            return out;
        }
    }
    top.iter().flat_map(|&i| expand(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_groups_say_what_stands_under_them() {
        assert!(outside_group("“三公”经费", "会议费"));
        assert!(outside_group("三公经费", "培训费"));
        // Another closed group's word is no child of this one's.
        assert!(outside_group(
            "公务用车购置及运行维护费",
            "因公出国（境）费"
        ));
        assert!(!outside_group("公务用车购置及运行维护费", "公务用车购置费"));
        // Measures under any column and open groups: no say.
        assert!(!outside_group("“三公”经费", "预算数"));
        assert!(!outside_group("本年收入", "预算数"));
        assert!(heads("“三公”经费", "因公出国(境)费"));
        assert!(heads("“三公”经费", "公务用车运行维护费"));
        assert!(!heads("“三公”经费", "小计"));
        assert!(!heads("本年支出", "基本支出"));
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spanning_and_row_spanning_cells() {
        let rows = vec![
            row(&[
                "功能分类科目",
                "",
                "合计",
                "财政拨款收入",
                "",
                "上级补助收入",
            ]),
            row(&[
                "科目编码",
                "科目名称",
                "",
                "一般公共预算",
                "政府性基金预算",
                "",
            ]),
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

    fn words(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lexicon_parses() {
        assert!(!LEXICON.group.is_empty());
    }

    #[test]
    fn flattened_header_tree() {
        let w = words(&[
            "功能分类科目",
            "合计",
            "财政拨款收入",
            "财政专户拨款收入",
            "上级补助收入",
            "科目编码",
            "科目名称",
            "一般公共预算",
            "政府性基金预算",
            "教育收费",
            "其他专户收入拨款",
        ]);
        assert_eq!(
            paths_from_words(&w[..1], &w),
            [
                "功能分类科目/科目编码",
                "功能分类科目/科目名称",
                "合计",
                "财政拨款收入/一般公共预算",
                "财政拨款收入/政府性基金预算",
                "财政专户拨款收入/教育收费",
                "财政专户拨款收入/其他专户收入拨款",
                "上级补助收入"
            ]
        );
    }

    #[test]
    fn two_sided_blocks_with_nested_groups() {
        let w = words(&[
            "收入", "支出", "项目", "行次", "金额", "项目", "行次", "合计",
        ]);
        assert_eq!(
            paths_from_words(&w[..2], &w),
            [
                "收入/项目",
                "收入/行次",
                "收入/金额",
                "支出/项目",
                "支出/行次",
                "支出/合计"
            ]
        );
        let w = words(&[
            "预算数",
            "决算数",
            "合计",
            "公务用车购置及运行维护费",
            "合计",
            "公务用车购置及运行维护费",
            "小计",
            "公务用车购置费",
            "小计",
            "公务用车购置费",
        ]);
        assert_eq!(
            paths_from_words(&w[..2], &w),
            [
                "预算数/合计",
                "预算数/公务用车购置及运行维护费/小计",
                "预算数/公务用车购置及运行维护费/公务用车购置费",
                "决算数/合计",
                "决算数/公务用车购置及运行维护费/小计",
                "决算数/公务用车购置及运行维护费/公务用车购置费"
            ]
        );
    }

    #[test]
    fn glued_and_cut_words() {
        assert_eq!(
            refine_words(words(&["其他收入功能分类科目", "编码", "科目名称"])),
            ["其他收入", "功能分类科目编码", "科目名称"]
        );
    }

    #[test]
    fn header_words() {
        assert!(is_header_word("预期实现值"));
        assert!(is_header_word("年度主要支出计划 (对应任务、政策)"));
        assert!(is_header_word("2021 年预算"));
        assert!(!is_header_word(
            "贯彻“两个确保”工作要求，落实特殊医保政策。"
        ));
        assert!(!is_header_word("28,023.69"));
    }
}
