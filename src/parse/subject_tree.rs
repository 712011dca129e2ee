//! A grid rule for every reader: the amounts of a row that printed fewer
//! amounts than the table has amount columns are placed where the subject
//! tree says they stand.
//!
//! Text that lost the cells' positions (flattened lines) leaves a row such
//! as `201 06 02 一般行政管理事务 28,544,130 28,544,130` under 合计 | 基本支出
//! | 项目支出: the second amount is 基本 or 项目, and the line cannot say
//! which. The printed table can: a row's amounts add up to its parent's
//! (项 to 款, 款 to 类, 类 to 合计) column by column. For each parent and its
//! children the placements of the undecided rows are tried together, and
//! when exactly one way makes every column add up it is taken, with a
//! warning naming the rows moved. Where several ways add up, or none, the
//! rows stay as the reader placed them.

use super::Grid;
use crate::cell::{is_code_column, parse_amount};

/// More ways than this to place one group's rows is not searched.
const MAX_COMBINATIONS: usize = 4096;
/// A grid wider than this is no template's (and the search would not end).
const MAX_AMOUNT_COLUMNS: usize = 24;
/// More ways than this to place one row's amounts is not tried.
const MAX_ROW_PLACEMENTS: usize = 40;

fn is_dash(c: &str) -> bool {
    matches!(c.trim(), "-" | "—" | "--" | "－" | "–")
}

/// The value of an amount cell, a dash reading as zero.
fn value(c: &str) -> Option<i128> {
    if is_dash(c) {
        Some(0)
    } else {
        parse_amount(c)
    }
}

/// One row's part in the rule: its amounts in order, where they stand now
/// (indices into the amount columns) and where else they may stand.
struct RowAmounts {
    values: Vec<i128>,
    cells: Vec<String>,
    current: Vec<usize>,
    candidates: Vec<Vec<usize>>,
}

/// Order-preserving ways to put `k` amounts into `m` columns.
fn placements(k: usize, m: usize) -> Vec<Vec<usize>> {
    fn go(start: usize, k: usize, m: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if out.len() > MAX_ROW_PLACEMENTS {
            return;
        }
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for p in start..m {
            if m - p < k - cur.len() {
                break;
            }
            cur.push(p);
            go(p + 1, k, m, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    go(0, k, m, &mut Vec::new(), &mut out);
    out
}

/// The amount columns of the grid (every filled cell an amount or a dash,
/// some filled, not a code column).
fn amount_columns(grid: &Grid) -> Vec<usize> {
    (0..grid.columns.len())
        .filter(|&j| !grid.columns[j].split('/').any(is_code_column))
        .filter(|&j| {
            let mut filled = grid.rows.iter().filter_map(|r| r.cells.get(j)?.as_deref());
            let mut any = false;
            filled.all(|c| {
                any |= parse_amount(c).is_some();
                value(c).is_some()
            }) && any
        })
        .collect()
}

/// The row relation the header states: a 合计 column over the columns
/// beside it under the same parent. Indices into the amount columns.
fn total_relation(grid: &Grid, amount: &[usize]) -> Option<(usize, Vec<usize>)> {
    let parent = |j: usize| grid.columns[j].rsplit_once('/').map_or("", |(p, _)| p);
    let leaf = |j: usize| grid.columns[j].rsplit('/').next().unwrap_or("");
    let t = amount
        .iter()
        .position(|&j| matches!(leaf(j), "合计" | "小计" | "总计"))?;
    let parts: Vec<usize> = (t + 1..amount.len())
        .take_while(|&k| parent(amount[k]) == parent(amount[t]) && amount[k] == amount[k - 1] + 1)
        .collect();
    (parts.len() >= 2).then_some((t, parts))
}

/// The subject code of each row: its code columns' digits joined (类 款
/// 项 printed apart count as one code).
fn row_codes(grid: &Grid) -> Vec<Option<String>> {
    let code_cols: Vec<usize> = (0..grid.columns.len())
        .filter(|&j| grid.columns[j].split('/').any(is_code_column))
        .collect();
    grid.rows
        .iter()
        .map(|r| {
            let code: String = code_cols
                .iter()
                .filter_map(|&j| r.cells.get(j)?.as_deref())
                .map(str::trim)
                .collect();
            (code.len() >= 3 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
        })
        .collect()
}

/// A row saying it is the table's total (合计, 总计).
fn is_total_row(grid: &Grid, i: usize, amount: &[usize]) -> bool {
    grid.rows[i].cells.iter().enumerate().any(|(j, c)| {
        !amount.contains(&j)
            && c.as_deref()
                .is_some_and(|c| matches!(c.trim(), "合计" | "总计" | "合  计"))
    })
}

/// Parent and children of every group of the subject tree: each coded row
/// over the rows one level below it, and a 合计 row over the top level.
fn groups(codes: &[Option<String>], totals: &[usize]) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    let top = codes.iter().flatten().map(String::len).min();
    if let Some(top) = top {
        let children: Vec<usize> = (0..codes.len())
            .filter(|&i| codes[i].as_ref().is_some_and(|c| c.len() == top))
            .collect();
        for &t in totals {
            out.push((t, children.clone()));
        }
    }
    let mut by_len: Vec<usize> = (0..codes.len()).filter(|&i| codes[i].is_some()).collect();
    by_len.sort_by_key(|&i| (codes[i].as_ref().map_or(0, String::len), i));
    for p in by_len {
        let pc = codes[p].as_deref().unwrap_or("");
        let below: Vec<usize> = (0..codes.len())
            .filter(|&i| {
                codes[i]
                    .as_deref()
                    .is_some_and(|c| c.len() > pc.len() && c.starts_with(pc))
            })
            .collect();
        let Some(next) = below
            .iter()
            .filter_map(|&i| codes[i].as_ref().map(String::len))
            .min()
        else {
            continue;
        };
        let children: Vec<usize> = below
            .into_iter()
            .filter(|&i| codes[i].as_ref().is_some_and(|c| c.len() == next))
            .collect();
        out.push((p, children));
    }
    out
}

/// Places undecided rows by the subject tree (see the module doc).
pub fn place_by_subject_tree(grid: &mut Grid) {
    let amount = amount_columns(grid);
    let m = amount.len();
    if !(2..=MAX_AMOUNT_COLUMNS).contains(&m) {
        return;
    }
    let relation = total_relation(grid, &amount);
    let decimals = grid.rows.iter().any(|r| {
        amount
            .iter()
            .any(|&j| r.cells[j].as_deref().is_some_and(|c| c.contains('.')))
    });
    let mut rows: Vec<RowAmounts> = grid
        .rows
        .iter()
        .map(|r| {
            let mut ra = RowAmounts {
                values: Vec::new(),
                cells: Vec::new(),
                current: Vec::new(),
                candidates: Vec::new(),
            };
            for (k, &j) in amount.iter().enumerate() {
                if let Some(c) = r.cells[j].as_deref() {
                    ra.values.push(value(c).unwrap_or(0));
                    ra.cells.push(c.to_string());
                    ra.current.push(k);
                }
            }
            ra
        })
        .collect();
    for ra in &mut rows {
        let k = ra.values.len();
        if k == 0 || k == m {
            continue;
        }
        let all = placements(k, m);
        if all.len() > MAX_ROW_PLACEMENTS {
            continue;
        }
        // The header's own relation (合计 = 基本 + 项目) narrows the ways,
        // unless the row breaks it wherever its amounts stand.
        let holds = |p: &Vec<usize>| {
            relation.as_ref().is_none_or(|(t, parts)| {
                let at = |col: usize| p.iter().position(|&x| x == col).map_or(0, |i| ra.values[i]);
                at(*t) == parts.iter().map(|&c| at(c)).sum::<i128>()
            })
        };
        let kept: Vec<Vec<usize>> = all.iter().filter(|p| holds(p)).cloned().collect();
        ra.candidates = if kept.is_empty() { all } else { kept };
    }
    let codes = row_codes(grid);
    if codes.iter().flatten().count() < 2 {
        return;
    }
    let totals: Vec<usize> = (0..grid.rows.len())
        .filter(|&i| codes[i].is_none() && is_total_row(grid, i, &amount))
        .collect();
    let tree = groups(&codes, &totals);
    let mut decided: Vec<bool> = rows.iter().map(|r| r.candidates.len() <= 1).collect();
    for _ in 0..3 {
        let mut progress = false;
        for (parent, children) in &tree {
            if children.is_empty() {
                continue;
            }
            let members: Vec<usize> = std::iter::once(*parent)
                .chain(children.iter().copied())
                .collect();
            if members.iter().all(|&i| decided[i]) {
                continue;
            }
            let tolerance = if decimals {
                10_000 * children.len() as i128
            } else {
                0
            };
            if let Some(found) = solve(&rows, &decided, &members, m, tolerance) {
                for (&i, p) in members.iter().zip(found) {
                    rows[i].current = p;
                    decided[i] = true;
                }
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    let mut moved = Vec::new();
    for (i, ra) in rows.iter().enumerate() {
        let row = &mut grid.rows[i];
        let now: Vec<usize> = amount
            .iter()
            .enumerate()
            .filter(|(_, &j)| row.cells[j].is_some())
            .map(|(k, _)| k)
            .collect();
        if now == ra.current {
            continue;
        }
        for &j in &amount {
            row.cells[j] = None;
        }
        for (c, &k) in ra.cells.iter().zip(&ra.current) {
            row.cells[amount[k]] = Some(c.clone());
        }
        moved.push(row.line);
    }
    super::grid_rules::warn_moved(
        grid,
        &moved,
        "row",
        "placed by the subject tree (the only placement of its amounts that adds up to its parent's)",
    );
}

/// The one way to place the group's rows that makes the parent the sum of
/// its children in every amount column, if there is exactly one.
fn solve(
    rows: &[RowAmounts],
    decided: &[bool],
    members: &[usize],
    m: usize,
    tolerance: i128,
) -> Option<Vec<Vec<usize>>> {
    let options: Vec<Vec<Vec<usize>>> = members
        .iter()
        .map(|&i| {
            if decided[i] || rows[i].candidates.is_empty() {
                vec![rows[i].current.clone()]
            } else {
                rows[i].candidates.clone()
            }
        })
        .collect();
    let count = options.iter().try_fold(1usize, |acc, o| {
        acc.checked_mul(o.len()).filter(|&n| n <= MAX_COMBINATIONS)
    })?;
    let mut found: Option<Vec<usize>> = None;
    let mut pick = vec![0usize; members.len()];
    for _ in 0..count {
        let adds_up = (0..m).all(|col| {
            let at = |n: usize| {
                let p = &options[n][pick[n]];
                p.iter()
                    .position(|&x| x == col)
                    .map_or(0, |k| rows[members[n]].values[k])
            };
            let sum: i128 = (1..members.len()).map(at).sum();
            (at(0) - sum).abs() <= tolerance
        });
        if adds_up {
            if found.is_some() {
                return None;
            }
            found = Some(pick.clone());
        }
        // The next combination (odometer).
        for d in (0..pick.len()).rev() {
            pick[d] += 1;
            if pick[d] < options[d].len() {
                break;
            }
            pick[d] = 0;
        }
    }
    let found = found?;
    Some(
        found
            .iter()
            .enumerate()
            .map(|(n, &k)| options[n][k].clone())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Row;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            columns: ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(n, r)| Row {
                    cells: r
                        .iter()
                        .map(|c| (!c.is_empty()).then(|| c.to_string()))
                        .collect(),
                    line: n as u32 + 1,
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    fn cells(g: &Grid, i: usize) -> Vec<&str> {
        g.rows[i]
            .cells
            .iter()
            .map(|c| c.as_deref().unwrap_or(""))
            .collect()
    }

    #[test]
    fn children_go_where_their_parent_adds_up() {
        // The flattened reader put every lone second amount under 基本支出.
        let mut g = grid(&[
            &["20106", "财政事务", "127", "84", "43"],
            &["2010601", "行政运行", "84", "84", ""],
            &["2010602", "一般行政管理事务", "28", "28", ""],
            &["2010604", "预算改革业务", "15", "15", ""],
        ]);
        place_by_subject_tree(&mut g);
        assert_eq!(cells(&g, 1), ["2010601", "行政运行", "84", "84", ""]);
        assert_eq!(
            cells(&g, 2),
            ["2010602", "一般行政管理事务", "28", "", "28"]
        );
        assert_eq!(cells(&g, 3), ["2010604", "预算改革业务", "15", "", "15"]);
        assert_eq!(g.warnings.len(), 1);
        assert!(g.warnings[0].contains("lines 3–4: 2 rows placed by the subject tree"));
    }

    #[test]
    fn rows_stay_when_two_placements_add_up() {
        // Two children of equal amounts: either could be the 项目 one.
        let mut g = grid(&[
            &["20106", "财政事务", "20", "10", "10"],
            &["2010601", "行政运行", "10", "10", ""],
            &["2010602", "一般行政管理事务", "10", "10", ""],
        ]);
        place_by_subject_tree(&mut g);
        assert_eq!(
            cells(&g, 2),
            ["2010602", "一般行政管理事务", "10", "10", ""]
        );
        assert!(g.warnings.is_empty());
    }

    #[test]
    fn the_total_row_heads_the_top_level() {
        let mut g = grid(&[
            &["201", "一般公共服务支出", "50", "50", ""],
            &["208", "社会保障和就业支出", "30", "30", ""],
            &["", "合计", "80", "50", "30"],
        ]);
        place_by_subject_tree(&mut g);
        assert_eq!(cells(&g, 1), ["208", "社会保障和就业支出", "30", "", "30"]);
        assert_eq!(cells(&g, 0), ["201", "一般公共服务支出", "50", "50", ""]);
    }
}
