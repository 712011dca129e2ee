//! Header rows of a markdown table rebuilt by the templates' grammar.
//!
//! pymupdf4llm writes a spanning header cell's text spread over the
//! columns it spans (`功能分|类科|目编码`) or in one of them, not
//! necessarily the first, and the upper half of a wrapped cell a row above
//! its lower half (`事业单位` over `经营收入`). Read by position, such a
//! header gives paths like `类/功能分` and `项目/合计`. But the leaf row is
//! whole, and the words of each row are in order: once the spread words
//! are joined and the wrapped halves put together, the rows are lines of
//! label then amount words that [`zoned_paths`] rebuilds as the templates
//! print them. The result is written back as header rows the tabbed
//! reader reads into the same paths, so nothing after this stage changes.

use super::BREAK;
use crate::parse::header::{is_header_word, is_known_word, paths_from_grid};
use crate::parse::header_zones::zoned_paths;

/// Header rows (cells by column, the last row the leaves) rebuilt, or
/// `None` when the header does not read by the grammar: then the rows are
/// kept as the converter wrote them.
pub(super) fn rebuild_header(rows: &[Vec<String>], width: usize) -> Option<Vec<Vec<String>>> {
    let mut rows = unstack(rows);
    leaves_down(&mut rows);
    let (leaf_row, upper) = rows.split_last()?;
    if leaf_row.len() != width || leaf_row.iter().any(|c| c.is_empty()) {
        return None;
    }
    let mut leaves: Vec<String> = leaf_row.clone();
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut upper_lines: Vec<Vec<(usize, usize, String)>> = Vec::new();
    for row in upper {
        let mut row = row.clone();
        // A word over its column that, with the leaf under it, makes a
        // word of the templates: the two halves of a wrapped cell. A cell
        // that is no word itself only where every cell of its run so joins
        // (一般公共预算财政 | 政府性基金预算财 over 拨款 | 政拨款), not a
        // piece of a word spread over cells (功能分|类科|目编码 over 类).
        let joins = |j: usize, cell: &str| is_known_word(&format!("{cell}{}", leaves[j]));
        let mut join = vec![false; row.len()];
        for (start, end) in runs(&row) {
            let all = (start..end).all(|j| joins(j, &row[j]));
            for j in start..end {
                let word = is_header_word(&row[j]) || is_known_word(&row[j]);
                join[j] = joins(j, &row[j]) && (all || word);
            }
        }
        for (j, cell) in row.iter_mut().enumerate() {
            if join[j] {
                leaves[j] = format!("{cell}{}", leaves[j]);
                cell.clear();
            }
        }
        let line: Vec<(usize, usize, String)> = runs(&row)
            .into_iter()
            .flat_map(|(start, end)| {
                spread_words(&row[start..end])
                    .into_iter()
                    .map(move |w| (start, end, w))
            })
            .collect();
        if !line.is_empty() {
            upper_lines.push(line);
        }
    }
    // A word wrapped onto the next row over the same columns (部门预算经济
    // 分类科目 over 编码): the two halves of one spanning cell.
    for k in (1..upper_lines.len()).rev() {
        let (above, below) = upper_lines.split_at_mut(k);
        let above = above.last_mut().expect("k >= 1");
        below[0].retain(|(s, e, w)| {
            let half = above
                .iter_mut()
                .find(|(s2, e2, a)| s2 == s && e2 == e && is_known_word(&format!("{a}{w}")));
            match half {
                Some(h) => {
                    h.2.push_str(w);
                    false
                }
                None => true,
            }
        });
    }
    lines.extend(
        upper_lines
            .into_iter()
            .map(|l| l.into_iter().map(|(_, _, w)| w).collect::<Vec<_>>())
            .filter(|l| !l.is_empty()),
    );
    lines.push(leaves);
    let paths = zoned_paths(&lines)?;
    if paths.len() != width {
        return None;
    }
    let grid = grid_from_paths(&paths);
    (paths_from_grid(&grid, width) == paths).then_some(grid)
}

/// A row with cells printed on two lines (`功能<br>类`) as two rows, the
/// upper line of each such cell above the rest of the row. Where the
/// converter wrote the code level first (`类<br>功能分`), the level is
/// the lower line: it heads the code column under the spread word.
fn unstack(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(rows.len() + 1);
    for row in rows {
        if !row.iter().any(|c| c.contains(BREAK)) {
            out.push(row.clone());
            continue;
        }
        let mut upper = Vec::with_capacity(row.len());
        let mut lower = Vec::with_capacity(row.len());
        for cell in row {
            let (mut a, mut b) = match cell.rsplit_once(BREAK) {
                Some((a, b)) => (a.replace(BREAK, ""), b.to_string()),
                None => (String::new(), cell.clone()),
            };
            if matches!(a.as_str(), "类" | "款" | "项") {
                std::mem::swap(&mut a, &mut b);
            }
            upper.push(a);
            lower.push(b);
        }
        out.push(upper);
        out.push(lower);
    }
    out
}

/// A tall leaf cell ends on a row above the last (经济分类科目名称 beside
/// 类 | 款 under their spanning word): it is moved down to the leaf row,
/// which then names every column.
fn leaves_down(rows: &mut [Vec<String>]) {
    let Some(last) = rows.len().checked_sub(1) else {
        return;
    };
    for j in 0..rows[last].len() {
        if !rows[last][j].is_empty() {
            continue;
        }
        if let Some(i) = (0..last)
            .rev()
            .find(|&i| rows[i].get(j).is_some_and(|c| !c.is_empty()))
        {
            rows[last][j] = std::mem::take(&mut rows[i][j]);
        }
    }
}

/// Runs of consecutive non-empty cells of a row, as column ranges.
fn runs(row: &[String]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (j, c) in row.iter().enumerate() {
        match (c.is_empty(), start) {
            (false, None) => start = Some(j),
            (true, Some(s)) => {
                out.push((s, j));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, row.len()));
    }
    out
}

/// The words of a run of cells: a word spread over several cells (none of
/// its pieces a header word before the last) is joined.
fn spread_words(cells: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    let mut i = 0;
    while i < cells.len() {
        // The longest run of cells from here that the vocabulary knows as
        // one word (财政拨款 | 收入), though its first piece is a word too.
        if pending.is_empty() {
            let whole = (i + 2..=cells.len())
                .rev()
                .find(|&e| is_known_word(&cells[i..e].concat()));
            if let Some(e) = whole {
                out.push(cells[i..e].concat());
                i = e;
                continue;
            }
        }
        let c = &cells[i];
        i += 1;
        pending.push_str(c);
        if is_header_word(&pending) {
            out.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        out.push(pending);
    }
    out
}

/// Header rows that [`paths_from_grid`] reads into `paths`: each level's
/// word in the first column of the run of columns it heads.
fn grid_from_paths(paths: &[String]) -> Vec<Vec<String>> {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('/').collect()).collect();
    let depth = split.iter().map(Vec::len).max().unwrap_or(0);
    (0..depth)
        .map(|d| {
            (0..split.len())
                .map(|c| {
                    let Some(word) = split[c].get(d) else {
                        return String::new();
                    };
                    let continues =
                        c > 0 && split[c - 1].len() > d && split[c - 1][..=d] == split[c][..=d];
                    if continues {
                        String::new()
                    } else {
                        word.to_string()
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spread_and_wrapped_words_are_put_together() {
        let rows = [
            row(&[
                "功能分",
                "类科",
                "目编码",
                "项目",
                "",
                "",
                "收入预算",
                "事业单位",
                "",
            ]),
            row(&[
                "类",
                "款",
                "项",
                "功能分类科目名称",
                "合计",
                "财政拨款收入",
                "事业收入",
                "经营收入",
                "其他收入",
            ]),
        ];
        let grid = rebuild_header(&rows, 9).unwrap();
        assert_eq!(
            paths_from_grid(&grid, 9),
            [
                "项目/功能分类科目编码/类",
                "项目/功能分类科目编码/款",
                "项目/功能分类科目编码/项",
                "项目/功能分类科目名称",
                "收入预算/合计",
                "收入预算/财政拨款收入",
                "收入预算/事业收入",
                "收入预算/事业单位经营收入",
                "收入预算/其他收入",
            ]
        );
    }

    #[test]
    fn cells_on_two_lines_are_unstacked() {
        let rows = [
            row(&["", "", "", "项目", "", "", "收入预算", "", ""]),
            row(&[
                "类<br>功能分",
                "款<br>类科",
                "项<br>目编码",
                "功能分类科目名称",
                "合计",
                "财政拨款收入",
                "事业收入",
                "事业单位<br>经营收入",
                "其他收入",
            ]),
        ];
        let grid = rebuild_header(&rows, 9).unwrap();
        let paths = paths_from_grid(&grid, 9);
        assert_eq!(paths[0], "项目/功能分类科目编码/类");
        assert_eq!(paths[3], "项目/功能分类科目名称");
        assert_eq!(paths[7], "收入预算/事业单位经营收入");
    }

    #[test]
    fn two_sided_header_spread_over_cells() {
        let rows = [
            row(&["财政拨款收", "入", "财", "政拨款支出", ""]),
            row(&["项目", "预算数", "项目", "合计", "一般公共预算"]),
        ];
        let grid = rebuild_header(&rows, 5).unwrap();
        assert_eq!(
            paths_from_grid(&grid, 5),
            [
                "财政拨款收入/项目",
                "财政拨款收入/预算数",
                "财政拨款支出/项目",
                "财政拨款支出/合计",
                "财政拨款支出/一般公共预算",
            ]
        );
    }

    #[test]
    fn a_header_outside_the_grammar_is_kept() {
        // 基本支出 over 人员经费 | 公用经费: a second spanning level.
        let rows = [
            row(&["项目", "", "一般公共预算支出", "", "", ""]),
            row(&["科目编码", "科目名称", "合计", "基本支出", "", "项目支出"]),
            row(&["", "", "", "人员经费", "公用经费", ""]),
        ];
        assert!(rebuild_header(&rows, 6).is_none());
    }

    #[test]
    fn tall_leaves_move_down_and_wrapped_spans_join() {
        // 经济分类科目名称 … 公用经费 end a row above 类 | 款; the code
        // columns' word wraps as 部门预算经|济分类科目 over 编|码.
        let rows = [
            row(&["", "", "项目", "一般", "公共预算基本支出", ""]),
            row(&[
                "部门预算经<br>编",
                "济分类科目<br>码",
                "经济分类科目名称",
                "合计",
                "人员经费",
                "公用经费",
            ]),
            row(&["类", "款", "", "", "", ""]),
        ];
        let grid = rebuild_header(&rows, 6).unwrap();
        assert_eq!(
            paths_from_grid(&grid, 6),
            [
                "项目/部门预算经济分类科目编码/类",
                "项目/部门预算经济分类科目编码/款",
                "项目/经济分类科目名称",
                "一般公共预算基本支出/合计",
                "一般公共预算基本支出/人员经费",
                "一般公共预算基本支出/公用经费",
            ]
        );
    }

    #[test]
    fn a_known_word_spread_over_cells_is_one_word() {
        assert_eq!(spread_words(&row(&["财政拨款", "收入"])), ["财政拨款收入"]);
        assert_eq!(
            spread_words(&row(&["合计", "基本支出"])),
            ["合计", "基本支出"]
        );
    }
}
