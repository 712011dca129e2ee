//! The header of a one-sided table read from flattened text by its two
//! zones. Flattening keeps each printed line's words left to right but
//! loses where they stand, so a spanning word cannot be put over its
//! children by position. What survives is the order within a line, and
//! the templates' grammar: label columns (项目 over a code column split
//! into 类 款 项 and a name column) stand left of every amount column, so
//! each line is label words then amount words. Each zone is then rebuilt
//! by the shape the templates give it:
//! - labels: 项目 over the code word (its 类/款/项 levels under it) and
//!   the name word, code first;
//! - amounts: an optional spanning word alone on the top line over the
//!   words of the line that prints the most of them; a cell wrapped over
//!   two lines (事业单位 / 经营收入, printed above and below that line)
//!   is joined and goes before the 其他… column, where the national
//!   templates put the remaining income and spending kinds.
//!
//!
//! Two-sided tables (收入 | 支出) print their sides' words on the top line
//! and under them runs of leaves, each run opening with a label word (项目,
//! 项目名称); a side split again (支出 over 功能分类 | 支出用途) prints its
//! groups on a line of their own. See [`two_sided`].
//!
//! A header outside that grammar (a second level of spanning amount
//! words, say) gives `None`, and the caller falls back on the vocabulary
//! tree of [`super::header::paths_from_words`].

use super::header::is_header_word;

/// Leaf paths of a flattened one-sided header, or `None` when its lines do
/// not read as a label zone then an amount zone of the templates' shape.
pub fn zoned_paths(lines: &[Vec<String>]) -> Option<Vec<String>> {
    one_sided(lines).or_else(|| two_sided(lines))
}

fn one_sided(lines: &[Vec<String>]) -> Option<Vec<String>> {
    let mut labels: Vec<Vec<&str>> = Vec::new();
    let mut amounts: Vec<Vec<&str>> = Vec::new();
    for line in lines {
        let cut = line
            .iter()
            .position(|w| !is_label_word(w))
            .unwrap_or(line.len());
        if line[cut..].iter().any(|w| is_label_word(w)) {
            return None;
        }
        labels.push(line[..cut].iter().map(String::as_str).collect());
        amounts.push(line[cut..].iter().map(String::as_str).collect());
    }
    let mut paths = label_paths(&labels.concat())?;
    let amount_lines: Vec<Vec<&str>> = amounts.into_iter().filter(|l| !l.is_empty()).collect();
    paths.extend(amount_paths(&amount_lines)?);
    (!paths.is_empty()).then_some(paths)
}

fn is_level(w: &str) -> bool {
    matches!(w, "类" | "款" | "项")
}

fn is_code_word(w: &str) -> bool {
    w.ends_with("编码") || w.ends_with("代码")
}

/// A word of the label zone: a code level, 项目/科目, a code or name word,
/// or the first part of one cut by a line wrap (功能分类 / 科目编码).
fn is_label_word(w: &str) -> bool {
    is_level(w)
        || matches!(w, "项目" | "科目")
        || is_code_word(w)
        || w.ends_with("名称")
        || w.ends_with("分类")
        || w.ends_with("分类科目")
}

/// The label zone's leaves from its words in reading order.
fn label_paths(words: &[&str]) -> Option<Vec<String>> {
    let mut top: Option<&str> = None;
    let mut levels: Vec<&str> = Vec::new();
    let mut code: Option<String> = None;
    let mut name: Option<String> = None;
    let mut fragments: Vec<&str> = Vec::new();
    for &w in words {
        if is_level(w) {
            if levels.contains(&w) {
                return None;
            }
            levels.push(w);
        } else if matches!(w, "项目" | "科目") {
            if top.replace(w).is_some() {
                return None;
            }
        } else if is_code_word(w) || w.ends_with("名称") {
            // A bare 编码 / 名称 ends the fragment printed above it.
            let whole = match w {
                "编码" | "代码" | "名称" => format!("{}{w}", fragments.pop()?),
                _ => w.to_string(),
            };
            let slot = if is_code_word(w) {
                &mut code
            } else {
                &mut name
            };
            if slot.replace(whole).is_some() {
                return None;
            }
        } else {
            fragments.push(w);
        }
    }
    // A fragment left is a spanning word cut from what it heads: one
    // ending in 科目 (功能分类科目) spans the code and the name columns, one
    // ending in 分类 (功能分类 / 科目编码) is the head of the code word.
    let mut group: Option<&str> = None;
    match fragments.as_slice() {
        [] => {}
        [f] if f.ends_with("科目") => group = Some(f),
        [f] => {
            let c = code.as_mut()?;
            if !c.starts_with("科目") {
                return None;
            }
            c.insert_str(0, f);
        }
        _ => return None,
    }
    let mut leaves: Vec<String> = Vec::new();
    match (&code, levels.is_empty()) {
        (Some(c), false) => leaves.extend(levels.iter().map(|l| format!("{c}/{l}"))),
        (Some(c), true) => leaves.push(c.clone()),
        (None, false) => return None,
        (None, true) => {}
    }
    leaves.extend(name);
    if let Some(g) = group {
        leaves = leaves.into_iter().map(|l| format!("{g}/{l}")).collect();
    }
    Some(match top {
        Some(t) if leaves.is_empty() => vec![t.to_string()],
        Some(t) => leaves.into_iter().map(|l| format!("{t}/{l}")).collect(),
        None => leaves,
    })
}

/// A word that opens a side's run of leaves: what the rows of that side
/// are (项目, 项目名称, 功能科目名称).
fn opens_side(w: &str) -> bool {
    w == "项目" || w.ends_with("名称") || w.ends_with("编码") || w.ends_with("代码")
}

/// A two-sided header: the sides on the top line, and below them runs of
/// leaves each opened by a label word, on the lines that hold label words
/// (a side's tall cells on a line above the other's). A line between with
/// no label word holds the groups of the last side, one per run it has
/// beyond the first sides' one each. Leaf cells wrapped over three lines
/// (一般公共 / 预算财政 / 拨款) are joined first.
fn two_sided(lines: &[Vec<String>]) -> Option<Vec<String>> {
    let (top, rest) = lines.split_first()?;
    if top.len() < 2 || top.iter().any(|w| opens_side(w) || !is_header_word(w)) {
        return None;
    }
    let mut rest: Vec<Vec<String>> = rest.to_vec();
    join_three_line_cells(&mut rest);
    let last_leaf = rest.iter().rposition(|l| l.iter().any(|w| opens_side(w)))?;
    if last_leaf + 1 != rest.len() {
        return None;
    }
    let (leaf_lines, group_lines): (Vec<&Vec<String>>, Vec<&Vec<String>>) =
        rest.iter().partition(|l| l.iter().any(|w| opens_side(w)));
    let leaves: Vec<&String> = leaf_lines.into_iter().flatten().collect();
    let groups: Vec<&String> = group_lines.into_iter().flatten().collect();
    if !opens_side(leaves.first()?) {
        return None;
    }
    let mut runs: Vec<Vec<&String>> = Vec::new();
    for w in leaves {
        match runs.last_mut() {
            Some(r) if !opens_side(w) => r.push(w),
            _ => runs.push(vec![w]),
        }
    }
    let k = top.len();
    let owners: Vec<String> = if groups.is_empty() && runs.len() == k {
        top.clone()
    } else if !groups.is_empty() && runs.len() == k - 1 + groups.len() {
        let last = &top[k - 1];
        top[..k - 1]
            .iter()
            .cloned()
            .chain(groups.iter().map(|g| format!("{last}/{g}")))
            .collect()
    } else {
        return None;
    };
    Some(
        runs.iter()
            .zip(&owners)
            .flat_map(|(run, owner)| run.iter().map(move |w| format!("{owner}/{w}")))
            .collect(),
    )
}

/// Cells wrapped over three lines: a line of fragments over the last
/// words of the line below it and as many fragments under those, each
/// column reading as a header word when joined, are joined into that
/// middle line; the fragment lines are removed.
fn join_three_line_cells(lines: &mut Vec<Vec<String>>) {
    for mid in 1..lines.len().saturating_sub(1) {
        let (a, m, c) = (&lines[mid - 1], &lines[mid], &lines[mid + 1]);
        let n = a.len();
        if n == 0 || n != c.len() || n > m.len() || a.iter().any(|w| is_header_word(w)) {
            continue;
        }
        let first = m.len() - n;
        let joined: Vec<String> = (0..n)
            .map(|i| format!("{}{}{}", a[i], m[first + i], c[i]))
            .collect();
        if joined.iter().all(|w| is_header_word(w)) {
            lines[mid].splice(first.., joined);
            lines.remove(mid + 1);
            lines.remove(mid - 1);
            return;
        }
    }
}

fn is_total_word(w: &str) -> bool {
    matches!(w, "合计" | "小计" | "总计")
}

/// The amount zone's leaves from its lines. A word alone on the top line
/// spans the rest, unless it is the upper half of a wrapped cell (附属单位
/// over 上缴收入).
fn amount_paths(lines: &[Vec<&str>]) -> Option<Vec<String>> {
    match lines {
        [] => Some(Vec::new()),
        [first, rest @ ..]
            if first.len() == 1
                && !rest.is_empty()
                && is_header_word(first[0])
                && !is_total_word(first[0]) =>
        {
            amount_leaves(lines).or_else(|| {
                let leaves = amount_leaves(rest)?;
                Some(
                    leaves
                        .into_iter()
                        .map(|l| format!("{}/{l}", first[0]))
                        .collect(),
                )
            })
        }
        _ => amount_leaves(lines),
    }
}

/// The words of the line that prints the most, with the cells wrapped
/// around it joined and put in.
fn amount_leaves(lines: &[Vec<&str>]) -> Option<Vec<String>> {
    let widest = (0..lines.len()).max_by_key(|&i| (lines[i].len(), usize::MAX - i))?;
    let mut leaves: Vec<String> = lines[widest].iter().map(|w| w.to_string()).collect();
    // The other lines hold only the halves of cells wrapped around the
    // widest line: each upper half joins the first lower half after it
    // that makes a header word with it.
    let others: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != widest)
        .flat_map(|(i, l)| l.iter().map(move |w| (i, *w)))
        .collect();
    let mut used = vec![false; others.len()];
    let mut wrapped: Vec<String> = Vec::new();
    for a in 0..others.len() {
        if used[a] {
            continue;
        }
        let (line_a, head) = others[a];
        if line_a > widest {
            return None;
        }
        let tail = (a + 1..others.len()).find(|&b| {
            !used[b] && others[b].0 > widest && is_header_word(&format!("{head}{}", others[b].1))
        })?;
        used[a] = true;
        used[tail] = true;
        wrapped.push(format!("{head}{}", others[tail].1));
    }
    let at = leaves
        .iter()
        .position(|l| l.starts_with("其他"))
        .unwrap_or(leaves.len());
    leaves.splice(at..at, wrapped);
    Some(leaves)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<Vec<String>> {
        ls.iter()
            .map(|l| l.split(' ').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn coded_table_with_a_cell_wrapped_around_the_leaf_line() {
        let h = lines(&[
            "项目 收入预算",
            "功能分类科目编码 事业单位",
            "功能分类科目名称 合计 财政拨款收入 事业收入 其他收入",
            "类 款 项 经营收入",
        ]);
        assert_eq!(
            zoned_paths(&h).unwrap(),
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
    fn code_word_cut_by_a_wrap_and_no_levels() {
        let h = lines(&[
            "项目",
            "附属单位",
            "本年收入合计 财政拨款收入 事业收入 其他收入",
            "功能分类",
            "上缴收入",
            "科目名称",
            "科目编码",
        ]);
        assert_eq!(
            zoned_paths(&h).unwrap(),
            [
                "项目/功能分类科目编码",
                "项目/科目名称",
                "本年收入合计",
                "财政拨款收入",
                "事业收入",
                "附属单位上缴收入",
                "其他收入",
            ]
        );
    }

    #[test]
    fn a_spanning_classification_word_over_code_and_name() {
        let h = lines(&[
            "功能分类科目 政府性基金预算支出",
            "科目编码 科目名称 小计 其中：基本支出 项目支出",
        ]);
        assert_eq!(
            zoned_paths(&h).unwrap(),
            [
                "功能分类科目/科目编码",
                "功能分类科目/科目名称",
                "政府性基金预算支出/小计",
                "政府性基金预算支出/其中：基本支出",
                "政府性基金预算支出/项目支出",
            ]
        );
    }

    #[test]
    fn two_sided_header() {
        assert_eq!(
            zoned_paths(&lines(&[
                "财政拨款收入 财政拨款支出",
                "项目 预算数 项目 合计 一般公共预算"
            ]))
            .unwrap(),
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
    fn two_sided_header_with_groups_and_tall_cells() {
        let h = lines(&[
            "收入 支出",
            "功能分类 支出用途",
            "项目名称 金额",
            "功能科目名称 金额 项目名称 金额",
        ]);
        assert_eq!(
            zoned_paths(&h).unwrap(),
            [
                "收入/项目名称",
                "收入/金额",
                "支出/功能分类/功能科目名称",
                "支出/功能分类/金额",
                "支出/支出用途/项目名称",
                "支出/支出用途/金额",
            ]
        );
    }

    #[test]
    fn two_sided_header_with_cells_on_three_lines() {
        let h = lines(&[
            "收入 支出",
            "一般公共 政府性基 国有资本",
            "项目 决算数 项目 合计 预算财政 金预算财 经营预算",
            "拨款 政拨款 财政拨款",
        ]);
        assert_eq!(
            zoned_paths(&h).unwrap(),
            [
                "收入/项目",
                "收入/决算数",
                "支出/项目",
                "支出/合计",
                "支出/一般公共预算财政拨款",
                "支出/政府性基金预算财政拨款",
                "支出/国有资本经营预算财政拨款",
            ]
        );
    }

    #[test]
    fn nested_amount_headers_are_left_to_the_vocabulary() {
        // 基本支出 over 人员经费 公用经费: a second spanning level.
        assert!(zoned_paths(&lines(&[
            "项目 一般公共预算支出",
            "科目编码 科目名称 合计 基本支出 项目支出",
            "人员经费 公用经费",
        ]))
        .is_none());
    }
}
