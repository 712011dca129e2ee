//! A pipe table continued on the next page is a new pipe table, and the
//! converter drops the columns that are empty on that page: the continued
//! rows come narrower than the table. Their columns are put back under the
//! table's by an order-preserving match on what the columns hold.

use super::super::text::{is_amount, is_code, list_number};

/// What a column of a block holds, as shares of its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnProfile {
    amounts: f64,
    codes: f64,
    texts: f64,
    empty: f64,
    /// Share of its text cells that open with an item number (一、货物):
    /// category rows, which stand in a column of their own.
    numbered: f64,
    /// Mean length of its text cells in characters.
    text_len: f64,
    /// Its text values, to recognise a column by repeated words
    /// (分散自行组织).
    values: Vec<String>,
}

/// The profile of each column of `rows` (data rows of one block).
pub fn profiles(rows: &[&Vec<String>], width: usize) -> Vec<ColumnProfile> {
    let n = rows.len().max(1) as f64;
    (0..width)
        .map(|j| {
            let cells: Vec<&str> = rows
                .iter()
                .map(|r| r.get(j).map_or("", String::as_str))
                .collect();
            let count = |f: &dyn Fn(&str) -> bool| cells.iter().filter(|c| f(c)).count() as f64 / n;
            let mut values: Vec<String> = cells
                .iter()
                .filter(|c| !c.is_empty() && !is_amount(c))
                .map(|c| c.to_string())
                .collect();
            let numbered = if values.is_empty() {
                0.0
            } else {
                values.iter().filter(|v| list_number(v).is_some()).count() as f64
                    / values.len() as f64
            };
            let text_len = if values.is_empty() {
                0.0
            } else {
                values.iter().map(|v| v.chars().count()).sum::<usize>() as f64 / values.len() as f64
            };
            values.sort();
            values.dedup();
            ColumnProfile {
                amounts: count(&|c| is_amount(c) && !is_code(c)),
                codes: count(&|c| is_code(c)),
                texts: count(&|c| !c.is_empty() && !is_amount(c)),
                empty: count(&|c| c.is_empty()),
                numbered,
                text_len,
                values,
            }
        })
        .collect()
}

fn cost(a: &ColumnProfile, b: &ColumnProfile) -> f64 {
    let shared = a.values.iter().any(|v| b.values.binary_search(v).is_ok());
    (a.amounts - b.amounts).abs()
        + (a.codes - b.codes).abs()
        + (a.texts - b.texts).abs()
        + 0.5 * (a.empty - b.empty).abs()
        + 0.5 * (a.numbered - b.numbered).abs()
        + 0.3 * (a.text_len - b.text_len).abs() / a.text_len.max(b.text_len).max(1.0)
        - if shared { 0.5 } else { 0.0 }
}

/// For each column of a narrower block, the table column it stands under:
/// increasing, one table column per block column, cheapest in total.
pub fn placement(block: &[ColumnProfile], table: &[ColumnProfile]) -> Option<Vec<usize>> {
    let (n, m) = (block.len(), table.len());
    if n == 0 || n >= m {
        return None;
    }
    // best[i][j]: cost of placing block columns ..i under table columns ..j.
    let mut best = vec![vec![f64::INFINITY; m + 1]; n + 1];
    best[0].fill(0.0);
    for i in 1..=n {
        for j in i..=m {
            let take = best[i - 1][j - 1] + cost(&block[i - 1], &table[j - 1]);
            let skip = best[i][j - 1];
            best[i][j] = take.min(skip);
        }
    }
    let mut at = vec![0; n];
    let (mut i, mut j) = (n, m);
    while i > 0 {
        if j > i && best[i][j] == best[i][j - 1] {
            j -= 1;
        } else {
            at[i - 1] = j - 1;
            i -= 1;
            j -= 1;
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&str]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn a_page_without_the_first_column_is_put_back_under_the_rest() {
        // 政府采购 rows: 大类 | 专项名称 | 经济科目 | 物品 | 组织形式 | 总计; on
        // the next page no row has a 大类, and the converter dropped it.
        let table = rows(&[
            "一、货物A|||||268.00",
            "|信息网络运行维护费|信息网络及软件购置更新|||60.00",
            "|||PC服务器|部门集中采购|40.00",
            "|||交换设备|分散自行组织|20.00",
            "|办公设备更新购置费|办公设备购置|||146.00",
            "|||复印机|分散自行组织|8.00",
        ]);
        let page = rows(&[
            "|维修（护）费|||580.00",
            "||数据处理服务|分散自行组织|100.00",
            "||运行维护服务|分散自行组织|270.00",
            "|租赁费|||480.00",
            "||电信服务|分散自行组织|320.00",
            "网络运行维护费|维修（护）费|||4.00",
            "||运行维护服务|分散自行组织|4.00",
            "交通运行费|公务用车运行维护费|||267.80",
            "||车辆维修和保养服务|分散自行组织|267.80",
        ]);
        let t = profiles(&table.iter().collect::<Vec<_>>(), 6);
        let p = profiles(&page.iter().collect::<Vec<_>>(), 5);
        assert_eq!(placement(&p, &t), Some(vec![1, 2, 3, 4, 5]));
    }
}
