//! Relations among the rows of a coded table: 类 = Σ 款, 款 = Σ 项, and the
//! total row = Σ 类. Codes are printed whole (2080501, `[30101]基本工资`) or
//! split over 类 | 款 | 项 columns (208 | 05 | 01).

use super::{first_text, is_total_label, make, Grid, Relation};
use crate::catalog::normalize;
use crate::model::Table;
use rust_decimal::Decimal;

/// The subject code of a row in a segment: a code column, or a bracketed
/// code at the start of a label ("[30101]基本工资").
fn code_in(cell: Option<&str>) -> Option<&str> {
    crate::cell::subject_code(cell?)
}

fn cell(t: &Table, i: usize, j: usize) -> Option<&str> {
    t.rows[i].cells.get(j).and_then(|c| c.as_deref())
}

/// The last level of a column's header path, normalised (类, 款, 项).
fn leaf_name(t: &Table, j: usize) -> String {
    t.columns
        .get(j)
        .map(|c| normalize(c.rsplit('/').next().unwrap_or("")))
        .unwrap_or_default()
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// One classification printed down the table: the columns its codes take
/// (one, or 类 | 款 | 项), and each row's whole code.
pub(super) struct CodeSide {
    /// First code column.
    pub start: usize,
    /// Columns the code takes.
    pub width: usize,
    pub codes: Vec<Option<String>>,
}

/// The code columns of a table, each with every row's whole code. A 类
/// column followed by 款 (and 项) columns is read as one code: 208 | 05 | 01
/// is 2080501.
pub(super) fn code_sides(g: &Grid) -> Vec<CodeSide> {
    let t = g.t;
    let width = t.columns.len();
    let mut out = Vec::new();
    let mut j = 0;
    while j < width {
        if g.amounts.contains(&j) {
            j += 1;
            continue;
        }
        // A column of 2-digit parts, each beside a 类 code.
        let parts_of = |k: usize, of: usize| {
            k < width && !g.amounts.contains(&k) && {
                let filled: Vec<usize> = (0..t.rows.len())
                    .filter(|&i| cell(t, i, k).is_some())
                    .collect();
                filled.len() >= 2
                    && filled.iter().all(|&i| {
                        cell(t, i, k).is_some_and(|c| digits(c.trim(), 2))
                            && cell(t, i, of).is_some_and(|c| digits(c.trim(), 3))
                    })
            }
        };
        let named = leaf_name(t, j) == "类" && j + 1 < width && leaf_name(t, j + 1) == "款";
        if named || parts_of(j + 1, j) {
            let w = if (j + 2 < width && leaf_name(t, j + 2) == "项") || parts_of(j + 2, j) {
                3
            } else {
                2
            };
            let codes: Vec<Option<String>> = (0..t.rows.len())
                .map(|i| {
                    let lei = cell(t, i, j).map(str::trim).filter(|c| digits(c, 3))?;
                    let mut code = lei.to_string();
                    for k in 1..w {
                        match cell(t, i, j + k).map(str::trim) {
                            Some(c) if digits(c, 2) => code.push_str(c),
                            Some(_) => return None,
                            None => break,
                        }
                    }
                    Some(code)
                })
                .collect();
            if codes.iter().flatten().count() >= 2 {
                out.push(CodeSide {
                    start: j,
                    width: w,
                    codes,
                });
                j += w;
                continue;
            }
        }
        let codes: Vec<Option<String>> = (0..t.rows.len())
            .map(|i| code_in(cell(t, i, j)).map(str::to_string))
            .collect();
        // Subject codes are 3, 5 or 7 digits: a column of 6-digit unit
        // codes (单位编码) is no subject tree.
        let subject = codes.iter().flatten().all(|c| matches!(c.len(), 3 | 5 | 7));
        if subject && codes.iter().flatten().count() >= 2 {
            out.push(CodeSide {
                start: j,
                width: 1,
                codes,
            });
        }
        j += 1;
    }
    out
}

/// The row of a side that closes it: no code, and a 合计 / 总计 label.
pub(super) fn total_row_of(t: &Table, side: &CodeSide, end: usize) -> Option<usize> {
    (0..t.rows.len()).find(|&i| {
        side.codes[i].is_none()
            && t.rows[i].cells[side.start..end.min(t.rows[i].cells.len())]
                .iter()
                .flatten()
                .any(|c| is_total_label(c) && !c.contains("其中"))
    })
}

/// 类 = Σ 款, 款 = Σ 项 (functional 3/5/7 digits, economic 3/5 digits),
/// and the 合计 row = Σ 类 rows. Side-by-side tables are checked per side:
/// a side runs from its code column to the next one.
pub(super) fn subject_tree_of(g: &Grid) -> Vec<Relation> {
    let t = g.t;
    let (amounts, values) = (g.amounts, g.values);
    let width = t.columns.len();
    let sides = g.sides();
    let mut out = Vec::new();
    for (si, side) in sides.iter().enumerate() {
        let k = side.start;
        let next = sides.get(si + 1).map(|s| s.start);
        let end = next.unwrap_or(width);
        // Amount columns of this side; where several code columns precede
        // the amounts (two classifications side by side), the one nearest
        // the amounts governs.
        let next_is_code_then_amounts =
            next.is_some_and(|n| !amounts.iter().any(|&a| a > k && a < n));
        if next_is_code_then_amounts {
            continue;
        }
        let cols: Vec<usize> = amounts
            .iter()
            .copied()
            .filter(|&a| a > k && a < end)
            .collect();
        if cols.is_empty() {
            continue;
        }
        let codes: Vec<(usize, &str)> = side
            .codes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_deref().map(|c| (i, c)))
            .collect();
        let label = |i: usize| {
            let from = (k + side.width).min(end);
            let l = first_text(&t.rows[i].cells[from..end], &values[i][from..end]);
            if l.is_empty() {
                first_text(&t.rows[i].cells[k..end], &values[i][k..end])
            } else {
                l
            }
        };
        // A parent's items are the rows printed after it, up to the next
        // code of its level or above (the same code may head several
        // blocks, e.g. [301] under [501] and again under [505]).
        for (ci, (pi, code)) in codes.iter().enumerate() {
            if code.len() != 3 && code.len() != 5 {
                continue;
            }
            let kids: Vec<usize> = codes[ci + 1..]
                .iter()
                .take_while(|(_, c)| c.len() > code.len())
                .filter(|(_, c)| c.len() == code.len() + 2 && c.starts_with(code))
                .map(|(i, _)| *i)
                .collect();
            if kids.is_empty() {
                continue;
            }
            let pi = *pi;
            let what = format!("{code} = sum of its {} sub-items", kids.len());
            for &j in &cols {
                let Some(actual) = values[pi][j] else {
                    continue;
                };
                let parts: Vec<usize> = kids
                    .iter()
                    .copied()
                    .filter(|&i| values[i][j].is_some())
                    .collect();
                let expected: Decimal = parts.iter().filter_map(|&i| values[i][j]).sum();
                let mut cells = vec![(t.ordinal, pi, j)];
                cells.extend(parts.iter().map(|&i| (t.ordinal, i, j)));
                out.push(Relation {
                    check: make(
                        t.ordinal,
                        "subject_tree",
                        format!("row {} × column {}", label(pi), t.columns[j]),
                        actual,
                        expected,
                        kids.len(),
                        &what,
                    ),
                    cells,
                    vertical: true,
                });
            }
        }
        // The total row of this side equals the sum of the top-level codes
        // (类; 款 where the table prints no 类).
        let top_len = codes.iter().map(|(_, c)| c.len()).min().unwrap_or(0).min(5);
        let tops: Vec<usize> = codes
            .iter()
            .filter(|(_, c)| c.len() == top_len)
            .map(|(i, _)| *i)
            .collect();
        if let (Some(ti), false) = (total_row_of(t, side, end), tops.is_empty()) {
            for &j in &cols {
                let Some(actual) = values[ti][j] else {
                    continue;
                };
                let parts: Vec<usize> = tops
                    .iter()
                    .copied()
                    .filter(|&i| values[i][j].is_some())
                    .collect();
                let expected: Decimal = parts.iter().filter_map(|&i| values[i][j]).sum();
                let mut cells = vec![(t.ordinal, ti, j)];
                cells.extend(parts.iter().map(|&i| (t.ordinal, i, j)));
                out.push(Relation {
                    check: make(
                        t.ordinal,
                        "total_row",
                        format!("row {} × column {}", label(ti), t.columns[j]),
                        actual,
                        expected,
                        tops.len(),
                        "total row = sum of top-level subjects",
                    ),
                    cells,
                    vertical: true,
                });
            }
        }
    }
    out
}
