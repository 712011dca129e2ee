//! The gold suite: every sample report of `data/raw/` parsed and compared
//! with its hand-checked annotation in `tests/fixtures/` (format:
//! `tests/fixtures/SPEC.md` is the same as shared/gold/SPEC.md).
//!
//! Metrics follow `score_gold.py`: tables are paired by normalised title in
//! document order; a row counts when every cell equals the gold cell after
//! whitespace removal (and thousands separators for numbers).

use fiscal_etl::catalog::Catalog;
use fiscal_etl::decode::decode_report;
use fiscal_etl::model::Table;
use fiscal_etl::parse::parse_report;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

fn norm(cell: Option<&str>) -> Option<String> {
    let s: String = cell?
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect();
    let s = strip_tags(&s);
    if s.is_empty() {
        return None;
    }
    let bare = s.trim_start_matches(['-', '+']).replace(',', "");
    if !bare.is_empty() && bare.chars().all(|c| c.is_ascii_digit() || c == '.') && s.contains(',') {
        return Some(s.replace(',', "").trim_start_matches('+').to_string());
    }
    Some(s)
}

fn strip_tags(s: &str) -> String {
    let re = regex::Regex::new(r"</?[a-zA-Z][^>]*>").unwrap();
    re.replace_all(s, "").into_owned()
}

fn norm_title(s: &str) -> String {
    let s = norm(Some(s)).unwrap_or_default();
    let re = regex::Regex::new(r"^(表\d+|[一二三四五六七八九十]+、)").unwrap();
    let s = re.replace(&s, "").into_owned();
    s.chars()
        .filter(|c| !"\"“”'‘’（）()[]【】、，,。:：-—_·.".contains(*c))
        .collect()
}

#[derive(Default, Debug)]
struct Score {
    tables_gold: usize,
    tables_matched: usize,
    header_total: usize,
    header_ok: usize,
    rows_gold: usize,
    rows_out: usize,
    row_hits: usize,
    cells_gold: usize,
    cells_ok: usize,
}

fn gold_rows(t: &Value) -> Vec<Vec<Option<String>>> {
    t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| norm(c.as_str()))
                .collect()
        })
        .collect()
}

fn out_rows(t: &Table, width: usize) -> Vec<Vec<Option<String>>> {
    t.rows
        .iter()
        .map(|r| {
            let mut v: Vec<Option<String>> = r.cells.iter().map(|c| norm(c.as_deref())).collect();
            v.resize(width.max(v.len()), None);
            v
        })
        .collect()
}

fn score_report(gold: &Value, tables: &[Table], s: &mut Score) {
    let gts = gold["tables"].as_array().unwrap();
    s.tables_gold += gts.len();
    // Pair in order by normalised title (or containment), like the scorer.
    let mut j = 0;
    for g in gts {
        let gt = norm_title(g["title"].as_str().unwrap());
        let Some(k) = (j..tables.len()).find(|&k| {
            let ot = norm_title(&tables[k].title);
            ot == gt || (!ot.is_empty() && (ot.contains(&gt) || gt.contains(&ot)))
        }) else {
            continue;
        };
        j = k + 1;
        s.tables_matched += 1;
        let o = &tables[k];
        let gcols: Vec<String> = g["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| norm_title(c.as_str().unwrap()))
            .collect();
        s.header_total += gcols.len();
        s.header_ok += gcols
            .iter()
            .enumerate()
            .filter(|(i, c)| o.columns.get(*i).map(|x| norm_title(x)) == Some(c.to_string()))
            .count();
        let grows = gold_rows(g);
        let orows = out_rows(o, gcols.len());
        s.rows_gold += grows.len();
        s.rows_out += orows.len();
        let mut pool: HashMap<&Vec<Option<String>>, usize> = HashMap::new();
        for r in &orows {
            *pool.entry(r).or_default() += 1;
        }
        for r in &grows {
            s.cells_gold += r.iter().flatten().count();
            if let Some(n) = pool.get_mut(r).filter(|n| **n > 0) {
                *n -= 1;
                s.row_hits += 1;
            }
        }
        s.cells_ok += aligned_cells(&grows, &orows);
    }
}

/// Cells found at the aligned row and column, as the scorer counts them:
/// rows aligned by a longest common subsequence of equal rows; between two
/// aligned rows, the remaining gold and output rows are paired in order and
/// their equal cells count.
fn aligned_cells(g: &[Vec<Option<String>>], o: &[Vec<Option<String>>]) -> usize {
    let (n, m) = (g.len(), o.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if g[i] == o[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let count = |r: &Vec<Option<String>>| r.iter().flatten().count();
    let pair = |gs: &[Vec<Option<String>>], os: &[Vec<Option<String>>]| -> usize {
        gs.iter()
            .zip(os)
            .map(|(a, b)| {
                a.iter()
                    .zip(b)
                    .filter(|(x, y)| x.is_some() && x == y)
                    .count()
            })
            .sum()
    };
    let (mut i, mut j, mut gi, mut oj, mut ok) = (0, 0, 0, 0, 0);
    while i < n && j < m {
        if g[i] == o[j] {
            ok += pair(&g[gi..i], &o[oj..j]) + count(&g[i]);
            i += 1;
            j += 1;
            gi = i;
            oj = j;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    ok + pair(&g[gi..], &o[oj..])
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[test]
fn every_sample_report_matches_its_gold() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let raw = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/raw");
    let mut names: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "one gold file per sample report");
    let mut failures = Vec::new();
    for gold_path in names {
        let gold: Value =
            serde_json::from_str(&std::fs::read_to_string(&gold_path).unwrap()).unwrap();
        let src = raw.join(gold["source"].as_str().unwrap());
        let decoded = decode_report(&std::fs::read(&src).unwrap()).unwrap();
        let mut report = parse_report(&decoded.text);
        Catalog::builtin().classify_tables(&mut report.tables, report.meta.report_type);
        for t in &report.tables {
            if t.kind.is_none() {
                failures.push(format!(
                    "{}: table {} {} has no catalog kind",
                    src.display(),
                    t.ordinal,
                    t.title
                ));
            }
        }
        // Metadata.
        // The government (gold `city`) is resolved by the metadata stage,
        // not the parser: tests/regions.rs holds it to the full region row.
        assert_eq!(
            report.meta.department.as_deref(),
            gold["department"].as_str()
        );
        assert_eq!(report.meta.year.map(i64::from), gold["year"].as_i64());
        assert_eq!(
            report.meta.report_type.map(|t| t.as_str()),
            gold["report_type"].as_str()
        );
        let mut s = Score::default();
        score_report(&gold, &report.tables, &mut s);
        let name = src.file_name().unwrap().to_string_lossy().to_string();
        let checks = [
            ("table_recall", ratio(s.tables_matched, s.tables_gold), 1.0),
            ("header_acc", ratio(s.header_ok, s.header_total), 0.98),
            ("row_recall", ratio(s.row_hits, s.rows_gold), 0.98),
            ("row_precision", ratio(s.row_hits, s.rows_out), 0.98),
            ("cell_recall", ratio(s.cells_ok, s.cells_gold), 0.99),
        ];
        for (metric, value, min) in checks {
            eprintln!("{name} {metric} {value:.4}");
            if value < min {
                failures.push(format!("{name}: {metric} {value:.4} < {min}"));
            }
        }
        assert_eq!(
            report.tables.len(),
            gold["tables"].as_array().unwrap().len(),
            "{name}: table count"
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
