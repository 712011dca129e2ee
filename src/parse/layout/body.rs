//! The body of a table as lines of runs: page furniture, the row
//! numbering the columns and page numbers dropped, the header printed again
//! on every page skipped, each data line marked with the page (printing of
//! the header) it stands under.

use super::rows::decimal_places;
use super::runs::{is_data_line, is_header_line, is_table_mark, runs_of, split_header_words};
use super::{Kind, Run};
use crate::parse::header::is_header_word;
use crate::parse::text::{self, squash};
use crate::parse::Line;

/// A line of the body: its number, its runs, whether a gap (a blank line,
/// page furniture) stands before it, and its squashed text.
pub(super) type Content<'a> = (u32, Vec<Run>, bool, &'a str);

/// A data line: its number, its runs and whether a gap stands before it.
pub(super) type DataLine = (u32, Vec<Run>, bool);

/// The lines of the body as runs, page furniture, the title printed again
/// and the row numbering the columns dropped.
pub(super) fn content_lines<'a>(lines: &'a [Line], title: &str) -> Vec<Content<'a>> {
    let title_key = squash(title);
    let mut content: Vec<Content<'a>> = Vec::new();
    let mut starred: Vec<usize> = Vec::new();
    let mut gap = false;
    for l in lines {
        if l.is_blank() {
            gap = true;
            continue;
        }
        let s = l.squashed;
        if l.is_furniture()
            || s == title_key
            || text::table_number(l.text).is_some()
            || is_table_mark(s)
            || text::is_page_number(l.text)
        {
            gap = true;
            continue;
        }
        let runs = runs_of(l.text);
        let words: Vec<&str> = runs.iter().map(|r| r.text.as_str()).collect();
        // The row numbering the columns (1 2 3 …), its label cell
        // starred out ("**") or not.
        let numbers: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !w.chars().all(|c| c == '*'))
            .collect();
        if text::is_column_number_row(&words) {
            continue;
        }
        if numbers.len() < words.len() && text::is_column_number_row(&numbers) {
            starred.push(content.len());
        }
        content.push((l.no, runs, gap, s));
        gap = false;
    }
    drop_starred(&mut content, &starred);
    content
}

/// The starred column-number rows are dropped unless they are all the
/// table prints (a table left empty).
fn drop_starred(content: &mut Vec<Content<'_>>, starred: &[usize]) {
    let rows_after = starred
        .first()
        .is_some_and(|&f| content[f + 1..].iter().any(|c| is_data_line(&c.1)));
    if !rows_after {
        return;
    }
    for &i in starred.iter().rev() {
        let g = content[i].2;
        content.remove(i);
        if let Some(next) = content.get_mut(i) {
            next.2 |= g;
        }
    }
}

/// A lone integer after a gap at the end of the body is the page's
/// number, not a row (it would make a table printed empty look like one
/// with data).
pub(super) fn drop_trailing_page_numbers(content: &mut Vec<Content<'_>>) {
    while let Some((_, runs, gap, _)) = content.last() {
        let lone =
            runs.len() == 1 && text::is_row_number(&runs[0].text) && !runs[0].text.contains('.');
        if !(lone && *gap) {
            break;
        }
        content.pop();
    }
}

/// A table of amounts only (the 三公 row: no label, no code) ends at its
/// last line of amounts: text below it is the heading of what follows
/// (其他相关情况说明), since no column of the table holds text.
pub(super) fn drop_text_after_amounts_only(data: &mut Vec<DataLine>, block: &mut Vec<usize>) {
    let Some(last) = data
        .iter()
        .rposition(|d| d.1.iter().any(|r| r.kind == Kind::Amount))
    else {
        return;
    };
    let amounts_only = data[..=last]
        .iter()
        .all(|d| d.1.iter().all(|r| r.kind == Kind::Amount));
    if amounts_only {
        data.truncate(last + 1);
        block.truncate(last + 1);
    }
}

/// The first line of the first row's label when the row is a tall cell
/// ("社会保障和就" over "208   754.75" over "业支出"): a lone run of text,
/// no header word, right above a data line that has no text where it
/// stands. It is the row's, not the header's.
pub(super) fn tall_label_above(content: &[Content<'_>], first_data: usize) -> usize {
    let Some(above) = first_data.checked_sub(1) else {
        return first_data;
    };
    let (_, runs, _, _) = &content[above];
    let (_, data, gap, _) = &content[first_data];
    let [label] = &runs[..] else {
        return first_data;
    };
    let free = !data
        .iter()
        .any(|r| r.kind == Kind::Text && r.start < label.end && label.start < r.end);
    let continued = content.get(first_data + 1).is_some_and(|(_, next, g, _)| {
        !g && matches!(&next[..], [r] if r.kind == Kind::Text && r.start.abs_diff(label.start) <= 2)
    });
    if label.kind == Kind::Text && !is_header_word(&label.text) && !gap && free && continued {
        above
    } else {
        first_data
    }
}

/// The header above the first data line, minus sentences that introduce
/// the table: its lines cut into words, and the squashed text of every
/// line above the data (to know the header printed again on later pages).
pub(super) fn header_of<'a>(above: &[Content<'a>]) -> (Vec<Vec<Run>>, Vec<&'a str>) {
    let lines = above
        .iter()
        .filter(|(_, r, _, s)| r.len() > 1 || !s.ends_with(['：', ':', '。']))
        .map(|(_, r, _, _)| split_header_words(r))
        .collect();
    let keys = above.iter().map(|c| c.3).collect();
    (lines, keys)
}

/// The data lines from `first_data` on, and per data line the printing of
/// the header it stands under.
pub(super) fn data_lines(
    content: Vec<Content<'_>>,
    first_data: usize,
    header_keys: &[&str],
) -> (Vec<DataLine>, Vec<usize>) {
    // Amounts of the table: a lone small integer between pages is a page
    // number when the table's amounts have decimals.
    let decimals = content[first_data..]
        .iter()
        .flat_map(|(_, r, _, _)| r)
        .filter(|r| r.kind == Kind::Amount)
        .any(|r| r.text.contains('.'));
    // Longer subject codes of the table: a lone 类 code (310) heading its
    // 款 codes (31001 …) is a row of its own, not a page number.
    let codes: Vec<String> = content[first_data..]
        .iter()
        .flat_map(|(_, r, _, _)| r)
        .filter(|r| r.text.len() > 3 && text::is_code(&r.text))
        .map(|r| r.text.clone())
        .collect();
    let heads_codes = |runs: &[Run]| {
        runs.first()
            .is_some_and(|r| codes.iter().any(|c| c.starts_with(r.text.as_str())))
    };
    let mut data: Vec<DataLine> = Vec::new();
    let mut block: Vec<usize> = Vec::new();
    let mut page = 0usize;
    let mut skipping = false;
    let mut gap = false;
    for (no, runs, g, key) in content.into_iter().skip(first_data) {
        gap |= g;
        if header_keys.contains(&key) {
            if !skipping {
                page += 1;
            }
            skipping = true;
            gap = true;
            continue;
        }
        if skipping && !is_data_line(&runs) && is_header_line(&runs) {
            continue;
        }
        skipping = false;
        if decimals && is_page_number(&runs, &data) && !heads_codes(&runs) {
            gap = true;
            continue;
        }
        data.push((no, runs, gap));
        block.push(page);
        gap = false;
    }
    (data, block)
}

/// A lone small integer without decimals, unless it ends an amount
/// wrapped from just above (its last digit under that amount's end).
fn is_page_number(runs: &[Run], data: &[DataLine]) -> bool {
    let lone = runs.len() == 1 && text::is_row_number(&runs[0].text) && !runs[0].text.contains('.');
    let wrapped_end = lone
        && data.iter().rev().take(2).any(|d| {
            d.1.iter().any(|r| {
                r.kind == Kind::Amount
                    && decimal_places(&r.text) == Some(1)
                    && runs[0].end + 1 >= r.end
                    && runs[0].end <= r.end + 3
            })
        });
    lone && !wrapped_end
}
