//! Cutting a line into runs: text between wide gaps, amounts apart from
//! their neighbours, spread words joined, and what a line of runs is.

use super::{is_number_word, Kind, Run};
use crate::parse::header::is_header_word;
use crate::parse::text::{self, is_space};

/// The runs of a line.
pub(super) fn runs_of(line: &str) -> Vec<Run> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if is_space(chars[i]) {
            i += 1;
            continue;
        }
        // A stretch up to a gap of two spaces (or the end).
        let start = i;
        let mut end = i;
        while end < chars.len() {
            if is_space(chars[end]) {
                let gap = chars[end..].iter().take_while(|c| is_space(**c)).count();
                if gap >= 2 || end + gap == chars.len() {
                    break;
                }
                end += gap;
            } else {
                end += 1;
            }
        }
        split_stretch(&chars, start, end, &mut out);
        i = end;
    }
    codes_as_text(&mut out);
    join_spaced_letters(out)
}

/// "合   计", "总   计": a word printed with its characters spread over
/// the cell is one run.
pub(super) fn join_spaced_letters(runs: Vec<Run>) -> Vec<Run> {
    let single =
        |r: &Run| r.kind == Kind::Text && r.text.chars().count() == 1 && !r.text.is_ascii();
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    for r in runs {
        if let Some(last) = out.last_mut() {
            let spread = last.text.chars().all(|c| !c.is_ascii()) && last.kind == Kind::Text;
            if single(&r) && spread && r.start <= last.end + 3 && last.text.chars().count() <= 3 {
                last.text.push_str(&r.text);
                last.end = r.end;
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// Cuts a stretch at the single spaces that part an amount from its
/// neighbours ("13,297.11 一、一般公共服务支出"): text words stay together.
pub(super) fn split_stretch(chars: &[char], start: usize, end: usize, out: &mut Vec<Run>) {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = start;
    while i < end {
        if is_space(chars[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < end && !is_space(chars[i]) {
            i += 1;
        }
        words.push((s, i));
    }
    let text_of = |(s, e): (usize, usize)| chars[s..e].iter().collect::<String>();
    let mut group: Option<(usize, usize, bool)> = None;
    for w in words {
        let t = text_of(w);
        let num = is_number_word(&t);
        group = match group {
            Some((gs, _, gnum)) if !num && !gnum => Some((gs, w.1, false)),
            Some(g) => {
                push_run(chars, g, out);
                Some((w.0, w.1, num))
            }
            None => Some((w.0, w.1, num)),
        };
    }
    if let Some(g) = group {
        push_run(chars, g, out);
    }
}

/// Subject codes printed before the label (`204   06   01   行政运行`) are
/// left-aligned like text, not amounts.
pub(super) fn codes_as_text(runs: &mut [Run]) {
    let Some(first_text) = runs.iter().position(|r| r.kind == Kind::Text) else {
        return;
    };
    for r in &mut runs[..first_text] {
        if r.text.bytes().all(|b| b.is_ascii_digit()) {
            r.kind = Kind::Text;
        }
    }
}

pub(super) fn push_run(chars: &[char], (s, e, num): (usize, usize, bool), out: &mut Vec<Run>) {
    out.push(Run {
        start: s,
        end: e,
        text: chars[s..e].iter().collect(),
        kind: if num { Kind::Amount } else { Kind::Text },
    });
}

/// Header words of neighbouring columns that a narrow page leaves one
/// space apart ("一般公共预 政府性基金 国有资本经") are separate cells: a
/// header run is cut at every single space between two CJK words of two
/// characters or more (a word spread over its cell, "合 计", is not cut).
pub(super) fn split_header_words(runs: &[Run]) -> Vec<Run> {
    let mut out = Vec::with_capacity(runs.len());
    for r in runs {
        if is_caption(&r.text) {
            continue;
        }
        if r.kind != Kind::Text {
            out.push(r.clone());
            continue;
        }
        let chars: Vec<char> = r.text.chars().collect();
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let mut s = 0;
        for i in 1..chars.len().saturating_sub(1) {
            let cut = is_space(chars[i])
                && !chars[i - 1].is_ascii()
                && !chars[i + 1].is_ascii()
                && !is_space(chars[i - 1])
                && !is_space(chars[i + 1]);
            if cut {
                pieces.push((s, i));
                s = i + 1;
            }
        }
        pieces.push((s, chars.len()));
        let long = pieces.iter().all(|&(a, b)| b - a >= 2);
        if pieces.len() == 1 || !long {
            out.push(r.clone());
            continue;
        }
        for (a, b) in pieces {
            out.push(Run {
                start: r.start + a,
                end: r.start + b,
                text: chars[a..b].iter().collect(),
                kind: Kind::Text,
            });
        }
    }
    out
}

/// A table's number alone on a line at the top of each page ("公开表11",
/// "附表3", "表 3"): page furniture.
pub(super) fn is_table_mark(squashed: &str) -> bool {
    let Some(p) = squashed.rfind('表') else {
        return false;
    };
    let (head, num) = (&squashed[..p], &squashed[p + '表'.len_utf8()..]);
    head.chars().count() <= 4
        && head.chars().all(|c| !c.is_ascii())
        && (1..=2).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// A caption beside the header, not a column name: a key and its value
/// ("单位：万元", "部门（单位）：烟台市教育局").
pub(super) fn is_caption(t: &str) -> bool {
    let t = t.trim_matches(is_space);
    !t.starts_with("其中") && t.find(['：', ':']).is_some_and(|p| p + 3 < t.len())
}

/// A line of the data part: an amount, or a code opening a labelled row.
pub(super) fn is_data_line(runs: &[Run]) -> bool {
    runs.iter().any(|r| r.kind == Kind::Amount) || (runs.len() >= 2 && text::is_code(&runs[0].text))
}

/// A run that reads as header text (no amount, a header noun at its end).
pub(super) fn is_header_line(runs: &[Run]) -> bool {
    !runs.is_empty()
        && runs.iter().all(|r| r.kind == Kind::Text)
        && runs.iter().any(|r| is_header_word(&r.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_amounts_from_labels() {
        let r = runs_of("一、财政拨款              13,297.11 一、一般公共服务支出   1. 一般 预算");
        let t: Vec<&str> = r.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            t,
            [
                "一、财政拨款",
                "13,297.11",
                "一、一般公共服务支出",
                "1. 一般 预算"
            ]
        );
        assert_eq!(r[1].kind, Kind::Amount);
        assert_eq!((r[1].start, r[1].end), (20, 29));
    }
}
