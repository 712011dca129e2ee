//! Tables printed empty (本表为空表): a header over a bare 合计 and perhaps a
//! lone 无 or a sentence saying so. With no amounts there are no data
//! columns to find, so the header's own leaves are the columns.

use super::body::Content;
use super::header_cells::{header_cells, leaves};
use super::spans::{column_paths, merge_wrapped, names_labels, spans};
use super::{Kind, Run};
use crate::model::Row;
use crate::parse::header::is_header_word;
use crate::parse::text::{clean_cell, is_empty_table_row, squash};
use crate::parse::Grid;

/// Where the rows of a table printed empty start: the lines that end the
/// table, each a lone 无 or 合计 or a sentence saying the table is empty
/// (此表为空), a bare total among them.
pub(super) fn first_empty_row(content: &[Content<'_>]) -> Option<usize> {
    let is_row = |c: &Content<'_>| {
        let s = c.3;
        c.1.len() == 1 && (is_empty_table_row(s) || s.contains("为空") || s.contains("无数据"))
    };
    let start = content.len() - content.iter().rev().take_while(|c| is_row(c)).count();
    let has_total = content[start..].iter().any(|c| is_total(c.3));
    (start > 0 && has_total).then_some(start)
}

/// A bare 合计 printed on the line of the header's last words (its cell
/// beside the lowest header cells of the amount columns): that line's
/// first run is the total row, the rest header.
pub(super) fn split_total_beside_header(content: &mut Vec<Content<'_>>) {
    let Some((no, runs, gap, _)) = content.last() else {
        return;
    };
    let beside = runs.len() >= 2
        && is_total(&squash(&runs[0].text))
        && runs[1..].iter().all(|r| is_header_word(&r.text));
    if !beside {
        return;
    }
    let (no, gap) = (*no, *gap);
    let mut header = runs.clone();
    let total = header.remove(0);
    content.pop();
    content.push((no, header, gap, ""));
    content.push((no, vec![total], false, "合计"));
}

fn is_total(squashed: &str) -> bool {
    matches!(squashed, "合计" | "总计")
}

/// A leaf naming a label column: a code level (类 款 项) or a name.
fn is_label_leaf(text: &str) -> bool {
    matches!(text, "类" | "款" | "项") || names_labels(text)
}

/// The code levels printed over the code columns ("类   款   项") are
/// read as one spread word; with no codes under them to give the columns,
/// each level is its own header cell, at its share of the run.
fn split_code_levels(runs: &[Run]) -> Vec<Run> {
    let mut out = Vec::with_capacity(runs.len());
    for r in runs {
        let levels: Vec<char> = r.text.chars().filter(|c| !c.is_whitespace()).collect();
        if levels.len() < 2 || !levels.iter().all(|c| matches!(c, '类' | '款' | '项')) {
            out.push(r.clone());
            continue;
        }
        let step = (r.end - r.start) / levels.len();
        for (k, c) in levels.iter().enumerate() {
            let start = r.start + k * step;
            out.push(Run {
                start,
                end: start + 1,
                text: c.to_string(),
                kind: Kind::Text,
            });
        }
    }
    out
}

/// The grid of a table printed empty: one column per header leaf, spans
/// from the header's geometry as for any table. The bare total goes in the
/// name column, as a total row's label does in every table; any other row
/// (无, 此表为空) stands in the column nearest it.
pub(super) fn rebuild_empty(header_lines: &[Vec<Run>], rows: &[Content<'_>]) -> Option<Grid> {
    let lines: Vec<Vec<Run>> = header_lines.iter().map(|l| split_code_levels(l)).collect();
    let hcells = header_cells(&lines);
    let leaf_ids = leaves(&hcells);
    let n = leaf_ids.len();
    if n == 0 {
        return None;
    }
    let kinds: Vec<Kind> = leaf_ids
        .iter()
        .map(|&l| match is_label_leaf(&hcells[l].text) {
            true => Kind::Text,
            false => Kind::Amount,
        })
        .collect();
    let centres: Vec<usize> = leaf_ids.iter().map(|&l| hcells[l].centre2()).collect();
    let leaf_of_col: Vec<Option<usize>> = leaf_ids.iter().copied().map(Some).collect();
    let span = spans(&hcells, &kinds, &leaf_of_col, &centres);
    let (hcells, span) = merge_wrapped(hcells, span, &leaf_of_col);
    let columns = column_paths(&hcells, &span, n);
    let name_col = columns
        .iter()
        .rposition(|c| c.ends_with("名称"))
        .or_else(|| kinds.iter().rposition(|k| *k == Kind::Text));
    let rows = rows
        .iter()
        .map(|(no, runs, _, squashed)| {
            let run = &runs[0];
            let nearest = (0..n)
                .min_by_key(|&c| centres[c].abs_diff(run.start + run.end))
                .unwrap_or(0);
            let at = match is_total(squashed) {
                true => name_col.unwrap_or(nearest),
                false => nearest,
            };
            let mut cells = vec![None; n];
            cells[at] = Some(clean_cell(&run.text));
            Row { cells, line: *no }
        })
        .collect();
    Some(Grid {
        columns,
        rows,
        warnings: vec!["printed empty: header, a bare 合计 and no amounts".to_string()],
    })
}
