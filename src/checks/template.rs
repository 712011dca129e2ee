//! Relations the template defines between tables (`[[cross_check]]`) and
//! between the explanatory text and the tables (`[[prose_check]]`), both
//! data in `config/checks.toml`.

use super::{amount, judge, make, CellRef, Check, CheckRules, Relation};
use crate::catalog::normalize;
use crate::model::Table;
use crate::parse::text;
use rust_decimal::Decimal;

/// The figure a reference points to, with its table ordinal and unit.
/// `amounts` holds the amount columns of each table.
fn resolve<'a>(
    tables: &'a [Table],
    amounts: &[&[usize]],
    r: &CellRef,
) -> Option<(&'a Table, Decimal, String, (usize, usize))> {
    let ti = tables
        .iter()
        .position(|t| t.kind.as_deref() == Some(r.kind.as_str()))?;
    let t = &tables[ti];
    let want = normalize(&r.column);
    let col = amounts[ti].iter().copied().find(|&j| {
        let path = normalize(&t.columns[j]);
        path.starts_with(&want) || path.ends_with(&want)
    })?;
    let rows: Vec<String> = r.row.iter().map(|s| normalize(s)).collect();
    let (ri, row) = t.rows.iter().enumerate().find(|(_, row)| {
        row.cells[..col]
            .iter()
            .flatten()
            .any(|c| rows.contains(&normalize(c)))
    })?;
    let v = amount(row.cells[col].as_deref())?;
    let label = row.cells[..col]
        .iter()
        .flatten()
        .last()
        .cloned()
        .unwrap_or_default();
    Some((
        t,
        v,
        format!("{} [{} × {}]", t.title, label, t.columns[col]),
        (ri, col),
    ))
}

/// Converts an amount printed in `unit` to 万元.
fn to_wan(v: Decimal, unit: Option<&str>) -> Decimal {
    match unit {
        Some("元") => v / Decimal::from(10_000),
        Some("千元") => v / Decimal::from(10),
        Some("亿元") => v * Decimal::from(10_000),
        _ => v,
    }
}

/// The `[[cross_check]]` equalities between tables of the template, given
/// the amount columns of each table. A relation covers the figures it
/// names in every table involved.
pub(super) fn cross_table_of(
    tables: &[Table],
    amounts: &[&[usize]],
    rules: &CheckRules,
) -> Vec<Relation> {
    let mut out = Vec::new();
    for c in &rules.cross_check {
        let Some((lt, lv, ldesc, lcell)) = resolve(tables, amounts, &c.left) else {
            continue;
        };
        let rights: Vec<_> = c
            .right
            .iter()
            .map(|r| resolve(tables, amounts, r))
            .collect();
        if rights.iter().any(|r| r.is_none()) {
            continue;
        }
        let rights: Vec<_> = rights.into_iter().flatten().collect();
        let expected: Decimal = rights
            .iter()
            .map(|(t, v, _, _)| to_wan(*v, t.unit.as_deref()))
            .sum();
        let rdesc: Vec<String> = rights.iter().map(|(_, _, d, _)| d.clone()).collect();
        let mut cells = vec![(lt.ordinal, lcell.0, lcell.1)];
        cells.extend(rights.iter().map(|(t, _, _, (i, j))| (t.ordinal, *i, *j)));
        out.push(Relation {
            check: make(
                lt.ordinal,
                "cross_table",
                format!("{ldesc} vs {}", rdesc.join(" + ")),
                to_wan(lv, lt.unit.as_deref()),
                expected,
                rights.len(),
                &c.name,
            ),
            cells,
            vertical: false,
        });
    }
    out
}

/// [`text::without_spaces`], faster on the whole text of a report (layout
/// text is mostly runs of spaces): a run of whitespace is skipped whole,
/// and only the lead bytes of non-ASCII whitespace characters (U+0085 …
/// U+3000: C2, E1, E2, E3) are decoded.
fn without_spaces(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    // Start of the text not yet copied; `i` is always a character boundary.
    let (mut kept, mut i) = (0, 0);
    while i < b.len() {
        let space = match b[i] {
            b'\t'..=b'\r' | b' ' => 1,
            0xC2 | 0xE1 | 0xE2 | 0xE3 => match s[i..].chars().next() {
                Some(c) if text::is_space(c) => c.len_utf8(),
                _ => 0,
            },
            _ => 0,
        };
        if space == 0 {
            i += match b[i] {
                0xF0.. => 4,
                0xE0.. => 3,
                0xC0.. => 2,
                _ => 1,
            };
            continue;
        }
        out.push_str(&s[kept..i]);
        i += space;
        kept = i;
    }
    out.push_str(&s[kept..]);
    out
}

/// The `[[prose_check]]` figures of the explanatory text against the
/// tables, given the amount columns of each table.
pub(super) fn prose_checks_of(
    tables: &[Table],
    amounts: &[&[usize]],
    prose: &str,
    rules: &CheckRules,
) -> Vec<Check> {
    let flat = without_spaces(prose);
    let mut out = Vec::new();
    for (p, re) in rules.prose_check.iter().zip(&rules.prose_patterns) {
        let Some(m) = re.captures(&flat) else {
            continue;
        };
        let Some(stated) = m.get(1).and_then(|g| amount(Some(g.as_str()))) else {
            continue;
        };
        let Some((t, v, desc, _)) = resolve(tables, amounts, &p.target) else {
            continue;
        };
        let stated = to_wan(stated, Some(p.unit.as_str()));
        let printed = to_wan(v, t.unit.as_deref());
        // Prose rounds freely (4.5 for 4.50, 2,047 for 2,047.00): compare
        // at the precision the prose used.
        let scale = stated.scale();
        let printed_rounded = printed.round_dp(scale);
        let (diff, status) = judge(stated, printed_rounded, 1);
        out.push(Check {
            table_ordinal: t.ordinal,
            check: "prose".into(),
            target: format!("text \"{}\" vs {desc}", m.get(0).unwrap().as_str()),
            expected: printed,
            actual: stated,
            diff,
            status,
            message: format!(
                "{}: the text states {stated}, the table prints {printed}",
                p.name
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn without_spaces_is_the_parsers() {
        let mut texts: Vec<String> = ["000_7e5bca9fcb7b40a5.txt", "003_e2aa0d4e68ff0396.txt"]
            .iter()
            .map(|n| {
                std::fs::read_to_string(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("data/raw")
                        .join(n),
                )
                .unwrap()
            })
            .collect();
        texts.push(
            "a \t\n\r\u{b}\u{c}b\u{85}c\u{a0}d\u{1680}e\u{2000}\u{200a}f\u{2028}\u{2029}\
             \u{202f}\u{205f}g\u{3000}h\u{3001}i\u{1c}j\u{200b}k¢ß€𠀀  "
                .to_string(),
        );
        texts.push(String::new());
        for t in &texts {
            assert_eq!(super::without_spaces(t), super::text::without_spaces(t));
        }
    }
}
