//! The gold as a spec suite: one trial per gold table and converter style,
//! each holding that table's whole grid to the gold, so a lost row fails a
//! test named after its table instead of moving an aggregate metric a
//! little (`tests/gold.rs` keeps the aggregate view on the samples).
//!
//! Trials are named `STYLE::REPORT::tNN_TITLE`: style `sample` for the
//! sample reports of `data/raw/` (gold `tests/fixtures/NNN_*.json`), the
//! converter styles of `tests/fixtures/spec/text/<style>/` for the real
//! reports (gold `tests/fixtures/spec/gold/`, one file scores every style).
//!
//! Each report goes through the pipeline's pure stage
//! ([`process_bytes`]: decode, normalise, parse, metadata, classification),
//! so a report the pipeline would publish as failed has no tables here
//! either. Output tables are paired with gold tables and cells normalised
//! exactly as `shared/tools/score_gold.py` (driven by `score_matrix.py`)
//! does, so the suite and the scorer agree on which table is which.
//!
//! Tables not yet exact are listed in `tests/spec_known_differences.tsv`
//! with their count of differing cells (see [`compare`]); the list is a
//! ratchet: a count may only go down, and must be lowered when it does.
//! `SPEC_UPDATE=1 cargo test --release --test spec` rewrites it.
//! docs/spec-suite.md says how to read and update it.

use fiscal_etl::config::Config;
use fiscal_etl::model::Status;
use fiscal_etl::pipeline::{process_bytes, Knowledge, ReportContext};
use libtest_mimic::{Arguments, Failed, Trial};
use regex::Regex;
use serde_json::Value;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::Hash;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, LazyLock, OnceLock};

/// The ratchet file, relative to the crate root.
const KNOWN_FILE: &str = "tests/spec_known_differences.tsv";
/// The column header line of [`KNOWN_FILE`].
const KNOWN_HEADER: &str = "style\treport\tordinal\ttitle\tdiffering_cells";
/// How to regenerate [`KNOWN_FILE`].
const UPDATE_HINT: &str = "SPEC_UPDATE=1 cargo test --release --test spec";
/// Differing rows shown in a failure message.
const SHOW_ROWS: usize = 4;

type Cell = Option<String>;
type GridRow = Vec<Cell>;

// ---------------------------------------------------------------------------
// Normalisation, as score_gold.py does it.

/// Python's `\s` on str: Unicode White_Space (Rust's `is_whitespace`) plus
/// the four ASCII information separators, which `str.isspace` also counts.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"</?[a-zA-Z][^>]*>").unwrap());
static NUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$").unwrap());
static TITLE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(表\d+|[一二三四五六七八九十]+、)").unwrap());
/// `TITLE_PUNCT` of score_gold.py, as a set of characters.
const TITLE_PUNCT: &str = "\"“”'‘’（）()[]【】、，,。:：-—_·.";

/// `norm_text`: tags out, whitespace out, empty is no cell, a number loses
/// its thousands separators and a leading `+`.
fn norm_text(s: Option<&str>) -> Cell {
    let s = TAG.replace_all(s?, "");
    let s: String = s.chars().filter(|&c| !is_py_space(c)).collect();
    if s.is_empty() {
        return None;
    }
    if NUM.is_match(&s) {
        let bare = s.replace(',', "");
        return Some(bare.strip_prefix('+').unwrap_or(&bare).to_string());
    }
    Some(s)
}

fn strip_punct(s: &str) -> String {
    s.chars().filter(|&c| !TITLE_PUNCT.contains(c)).collect()
}

/// `norm_title`: what tables are paired by.
fn norm_title(s: &str) -> String {
    let s = norm_text(Some(s)).unwrap_or_default();
    strip_punct(&TITLE_PREFIX.replace(&s, ""))
}

/// `norm_col`: what header paths are compared by.
fn norm_col(s: &str) -> String {
    strip_punct(&norm_text(Some(s)).unwrap_or_default())
}

// ---------------------------------------------------------------------------
// difflib.SequenceMatcher(autojunk=False), which the scorer aligns both
// tables and rows with. Reimplemented step for step: its choice among equally
// long matches decides which rows pair, so an approximation would pair rows
// (and count cells) differently from the scorer.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal,
    Replace,
    Delete,
    Insert,
}

/// `(tag, i1, i2, j1, j2)` of `get_opcodes`.
type Opcode = (Op, usize, usize, usize, usize);

fn opcodes<T: Eq + Hash>(a: &[T], b: &[T]) -> Vec<Opcode> {
    let mut b2j: HashMap<&T, Vec<usize>> = HashMap::new();
    for (j, x) in b.iter().enumerate() {
        b2j.entry(x).or_default().push(j);
    }
    let longest = |alo: usize, ahi: usize, blo: usize, bhi: usize| {
        let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0);
        let mut j2len: HashMap<usize, usize> = HashMap::new();
        for (i, x) in a.iter().enumerate().take(ahi).skip(alo) {
            let mut next: HashMap<usize, usize> = HashMap::new();
            for &j in b2j.get(x).map(Vec::as_slice).unwrap_or(&[]) {
                if j < blo {
                    continue;
                }
                if j >= bhi {
                    break;
                }
                let k = j.checked_sub(1).and_then(|p| j2len.get(&p)).unwrap_or(&0) + 1;
                next.insert(j, k);
                if k > bestsize {
                    (besti, bestj, bestsize) = (i + 1 - k, j + 1 - k, k);
                }
            }
            j2len = next;
        }
        // Without junk these extensions never fire; kept as difflib has them.
        while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
            (besti, bestj, bestsize) = (besti - 1, bestj - 1, bestsize + 1);
        }
        while besti + bestsize < ahi
            && bestj + bestsize < bhi
            && a[besti + bestsize] == b[bestj + bestsize]
        {
            bestsize += 1;
        }
        (besti, bestj, bestsize)
    };
    let mut queue = vec![(0, a.len(), 0, b.len())];
    let mut blocks = Vec::new();
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let (i, j, k) = longest(alo, ahi, blo, bhi);
        if k > 0 {
            blocks.push((i, j, k));
            if alo < i && blo < j {
                queue.push((alo, i, blo, j));
            }
            if i + k < ahi && j + k < bhi {
                queue.push((i + k, ahi, j + k, bhi));
            }
        }
    }
    blocks.sort_unstable();
    let mut merged: Vec<(usize, usize, usize)> = Vec::new();
    for (i, j, k) in blocks {
        match merged.last_mut() {
            Some(last) if last.0 + last.2 == i && last.1 + last.2 == j => last.2 += k,
            _ => merged.push((i, j, k)),
        }
    }
    merged.push((a.len(), b.len(), 0));
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    for (ai, bj, size) in merged {
        let op = match (i < ai, j < bj) {
            (true, true) => Some(Op::Replace),
            (true, false) => Some(Op::Delete),
            (false, true) => Some(Op::Insert),
            (false, false) => None,
        };
        if let Some(op) = op {
            ops.push((op, i, ai, j, bj));
        }
        (i, j) = (ai + size, bj + size);
        if size > 0 {
            ops.push((Op::Equal, ai, i, bj, j));
        }
    }
    ops
}

/// `match_tables`: gold and output tables paired by normalised title in
/// document order; where titles differ, a pair in order whose titles
/// contain one another. Returns, for each gold table, its output table.
fn pair_tables(gold: &[String], out: &[String]) -> Vec<Option<usize>> {
    let mut pairs = vec![None; gold.len()];
    for (op, i1, i2, j1, j2) in opcodes(gold, out) {
        match op {
            Op::Equal => (i1..i2).zip(j1..j2).for_each(|(i, j)| pairs[i] = Some(j)),
            Op::Replace => {
                for (i, j) in (i1..i2).zip(j1..j2) {
                    let (a, b) = (&gold[i], &out[j]);
                    if !a.is_empty()
                        && !b.is_empty()
                        && (a.contains(b.as_str()) || b.contains(a.as_str()))
                    {
                        pairs[i] = Some(j);
                    }
                }
            }
            Op::Delete | Op::Insert => {}
        }
    }
    pairs
}

// ---------------------------------------------------------------------------
// Gold and output tables.

#[derive(Clone)]
struct GoldTable {
    ordinal: u32,
    title: String,
    /// Header paths, `norm_col`-normalised.
    columns: Vec<String>,
    /// Rows, `norm_text`-normalised, as wide as `columns`.
    rows: Vec<GridRow>,
}

/// An output table as the scorer reads it back from the datasets.
struct OutTable {
    ordinal: u32,
    title: String,
    columns: Vec<String>,
    /// Rows holding at least one cell (the `cells` dataset has no other),
    /// `norm_text`-normalised, all as wide as the widest of the header and
    /// the rows.
    grid: Vec<GridRow>,
    /// Source line of each grid row.
    lines: Vec<u32>,
}

/// One report text of one style, with its gold; parsed on first use and
/// shared by all trials of its tables.
struct Report {
    style: String,
    name: String,
    text: PathBuf,
    gold: Vec<GoldTable>,
    parsed: OnceLock<Result<Parsed, String>>,
}

struct Parsed {
    tables: Vec<OutTable>,
    /// Output table of each gold table.
    pairs: Vec<Option<usize>>,
    /// Why the pipeline published no tables, if it did not.
    failure: Option<String>,
}

fn read_gold(path: &Path) -> Result<(String, Vec<GoldTable>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = v["source"]
        .as_str()
        .ok_or_else(|| format!("{}: no source", path.display()))?;
    let cell = |c: &Value| match c {
        Value::Null => None,
        Value::String(s) => norm_text(Some(s)),
        other => norm_text(Some(&other.to_string())),
    };
    let mut tables = Vec::new();
    for t in v["tables"].as_array().into_iter().flatten() {
        let strings = |key: &str| t[key].as_array().cloned().unwrap_or_default();
        tables.push(GoldTable {
            ordinal: t["ordinal"].as_u64().unwrap_or(0) as u32,
            title: t["title"].as_str().unwrap_or("").to_string(),
            columns: strings("columns")
                .iter()
                .map(|c| norm_col(c.as_str().unwrap_or("")))
                .collect(),
            rows: strings("rows")
                .iter()
                .map(|r| r.as_array().into_iter().flatten().map(cell).collect())
                .collect(),
        });
    }
    Ok((source.to_string(), tables))
}

/// `NN_name.layout.txt` and `NN_name.txt` both name report `NN_name`.
fn stem(source: &str) -> &str {
    let s = source.strip_suffix(".txt").unwrap_or(source);
    s.strip_suffix(".layout").unwrap_or(s)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    v
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    sorted_entries(dir)
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect()
}

/// Every (style, report) with its gold, in a fixed order: the samples,
/// then each style's real reports.
fn load_reports() -> Vec<Arc<Report>> {
    let mut reports = Vec::new();
    let mut add = |style: &str, text: PathBuf, source: &str, gold: Vec<GoldTable>| {
        reports.push(Arc::new(Report {
            style: style.to_string(),
            name: stem(source).to_string(),
            text,
            gold,
            parsed: OnceLock::new(),
        }));
    };
    for path in json_files(&root().join("tests/fixtures")) {
        let (source, gold) = read_gold(&path).unwrap();
        add(
            "sample",
            root().join("data/raw").join(&source),
            &source,
            gold,
        );
    }
    let spec = root().join("tests/fixtures/spec");
    let golds: Vec<(String, Vec<GoldTable>)> = json_files(&spec.join("gold"))
        .iter()
        .map(|p| read_gold(p).unwrap())
        .collect();
    for dir in sorted_entries(&spec.join("text"))
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let style = dir.file_name().unwrap().to_string_lossy().to_string();
        for (source, gold) in &golds {
            // score_matrix.py scores a style on the texts it has.
            let text = dir.join(format!("{}.txt", stem(source)));
            if text.exists() {
                add(&style, text, source, gold.clone());
            }
        }
    }
    reports
}

static CONTEXT: LazyLock<(Config, Knowledge)> =
    LazyLock::new(|| (Config::builtin(), Knowledge::default()));

impl Report {
    fn parsed(&self) -> Result<&Parsed, Failed> {
        self.parsed
            .get_or_init(|| self.parse())
            .as_ref()
            .map_err(Failed::from)
    }

    /// The pipeline's pure stage on the text under the name the scorer's
    /// run gives it (`NN_name.txt`), then the tables as the datasets hold
    /// them.
    fn parse(&self) -> Result<Parsed, String> {
        let bytes =
            std::fs::read(&self.text).map_err(|e| format!("{}: {e}", self.text.display()))?;
        let rel = format!("{}.txt", self.name);
        let (config, know) = &*CONTEXT;
        let record = process_bytes(&rel, &bytes, &ReportContext::new(config, know));
        let failure =
            (record.status == Status::Failed).then(|| record.error.clone().unwrap_or_default());
        let tables: Vec<OutTable> = record
            .tables
            .iter()
            .map(|t| {
                let kept: Vec<_> = t
                    .rows
                    .iter()
                    .filter(|r| r.cells.iter().any(Option::is_some))
                    .collect();
                let last_cell = kept
                    .iter()
                    .filter_map(|r| r.cells.iter().rposition(Option::is_some))
                    .max()
                    .map_or(0, |j| j + 1);
                let width = t.columns.len().max(last_cell);
                OutTable {
                    ordinal: t.ordinal,
                    title: t.title.clone(),
                    columns: t.columns.clone(),
                    grid: kept
                        .iter()
                        .map(|r| {
                            (0..width)
                                .map(|j| norm_text(r.cells.get(j).and_then(|c| c.as_deref())))
                                .collect()
                        })
                        .collect(),
                    lines: kept.iter().map(|r| r.line).collect(),
                }
            })
            .collect();
        let gold_titles: Vec<String> = self.gold.iter().map(|g| norm_title(&g.title)).collect();
        let out_titles: Vec<String> = tables.iter().map(|t| norm_title(&t.title)).collect();
        Ok(Parsed {
            pairs: pair_tables(&gold_titles, &out_titles),
            tables,
            failure,
        })
    }
}

// ---------------------------------------------------------------------------
// Comparing one table.

/// One gold row and the output row aligned with it, or a row on one side
/// only.
struct RowDiff {
    gold: Option<(usize, GridRow)>,
    out: Option<(usize, GridRow, u32)>,
    differing: usize,
}

struct Comparison {
    /// The number the ratchet holds: see [`compare`].
    differing: usize,
    header: usize,
    /// Header positions that differ: (index, gold, output).
    columns: Vec<(usize, Option<String>, Option<String>)>,
    rows: Vec<RowDiff>,
}

/// Positions where two rows differ, over the wider of the two: a gold cell
/// missing or wrong, or an output cell where gold has none, each count one.
fn differing_cells(g: &[Cell], o: &[Cell]) -> usize {
    (0..g.len().max(o.len()))
        .filter(|&c| g.get(c).cloned().flatten() != o.get(c).cloned().flatten())
        .count()
}

fn non_empty(r: &[Cell]) -> usize {
    r.iter().flatten().count()
}

/// Differing cells of a gold table and its output table (`None`: missing),
/// the number the ratchet holds. It is 0 exactly when the grid is as gold
/// has it, and grows with every cell a reader would find wrong:
///
/// - **header**: each position, over the longer of the two header lists,
///   where the `norm_col` header paths differ (a missing or extra column
///   counts one per position);
/// - **rows**: gold rows are aligned with output rows in order as the
///   scorer aligns them (difflib over the rows cut or padded to the gold
///   width). An aligned pair counts the positions where its normalised cells
///   differ, over the wider of the two rows (so an output cell past the gold
///   width counts too). Where a run of gold rows stands against a run of
///   output rows (`replace`), they pair in order and the rows left on either
///   side count as unpaired. An unpaired gold row counts its non-empty
///   cells; an unpaired output row (an extra row) counts its non-empty cells.
///
/// A missing table is compared with an empty one: all its header cells plus
/// all its non-empty gold cells. Counting whole cells, not rows, keeps the
/// number deterministic and makes a partial fix lower it.
fn compare(g: &GoldTable, o: Option<&OutTable>) -> Comparison {
    let ocols: Vec<String> = o
        .map(|o| o.columns.iter().map(|c| norm_col(c)).collect())
        .unwrap_or_default();
    let columns: Vec<_> = (0..g.columns.len().max(ocols.len()))
        .filter(|&i| g.columns.get(i) != ocols.get(i))
        .map(|i| (i, g.columns.get(i).cloned(), ocols.get(i).cloned()))
        .collect();
    let empty = Vec::new();
    let (grid, lines) = o.map_or((&empty, &[][..]), |o| (&o.grid, &o.lines[..]));
    let width = g.columns.len();
    let cut: Vec<GridRow> = grid
        .iter()
        .map(|r| (0..width).map(|j| r.get(j).cloned().flatten()).collect())
        .collect();
    let mut rows = Vec::new();
    let gold_only = |i: usize| RowDiff {
        gold: Some((i, g.rows[i].clone())),
        out: None,
        differing: non_empty(&g.rows[i]),
    };
    let out_only = |j: usize| RowDiff {
        gold: None,
        out: Some((j, grid[j].clone(), lines[j])),
        differing: non_empty(&grid[j]),
    };
    let both = |i: usize, j: usize| RowDiff {
        gold: Some((i, g.rows[i].clone())),
        out: Some((j, grid[j].clone(), lines[j])),
        differing: differing_cells(&g.rows[i], &grid[j]),
    };
    for (op, i1, i2, j1, j2) in opcodes(&g.rows, &cut) {
        match op {
            Op::Equal | Op::Replace => {
                let n = (i2 - i1).min(j2 - j1);
                rows.extend((0..n).map(|k| both(i1 + k, j1 + k)));
                rows.extend((i1 + n..i2).map(gold_only));
                rows.extend((j1 + n..j2).map(out_only));
            }
            Op::Delete => rows.extend((i1..i2).map(gold_only)),
            Op::Insert => rows.extend((j1..j2).map(out_only)),
        }
    }
    rows.retain(|r| r.differing > 0);
    let header = columns.len();
    Comparison {
        differing: header + rows.iter().map(|r| r.differing).sum::<usize>(),
        header,
        columns,
        rows,
    }
}

/// A row as a list of quoted cells; a long cell (绩效目标 prose) shows its
/// head and tail, where a lost or split wrap line shows.
fn show_row(r: &[Cell]) -> String {
    let show = |s: &String| {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() <= 48 {
            return format!("{s:?}");
        }
        let head: String = chars[..24].iter().collect();
        let tail: String = chars[chars.len() - 16..].iter().collect();
        format!("\"{head}…{tail}\" ({} chars)", chars.len())
    };
    let cells: Vec<String> = r
        .iter()
        .map(|c| c.as_ref().map_or("null".to_string(), show))
        .collect();
    format!("[{}]", cells.join(", "))
}

/// What a failing trial says: the count, the header positions and the first
/// few rows that differ, gold against output.
fn describe(g: &GoldTable, parsed: &Parsed, pair: Option<usize>, c: &Comparison) -> String {
    let mut s = String::new();
    let Some(j) = pair else {
        let _ = write!(
            s,
            "table missing ({} differing cells): no output table pairs with gold title {:?}",
            c.differing, g.title
        );
        match &parsed.failure {
            Some(e) => {
                let _ = write!(s, "\n  the pipeline failed the report: {e}");
            }
            None => {
                let titles: Vec<String> = parsed
                    .tables
                    .iter()
                    .map(|t| format!("{} {}", t.ordinal, t.title))
                    .collect();
                let _ = write!(s, "\n  output tables: {titles:?}");
            }
        }
        return s;
    };
    let o = &parsed.tables[j];
    let rows_bad = c.rows.iter().filter(|r| r.gold.is_some()).count();
    let extra = c.rows.iter().filter(|r| r.gold.is_none()).count();
    let _ = write!(
        s,
        "{} differing cells ({} header, {} in rows): {rows_bad} of {} gold rows differ, {extra} extra output rows\n  paired with output table {} {:?} ({} rows)",
        c.differing,
        c.header,
        c.differing - c.header,
        g.rows.len(),
        o.ordinal,
        o.title,
        o.grid.len(),
    );
    let path = |p: &Option<String>| {
        p.as_ref()
            .map_or("(none)".to_string(), |p| format!("{p:?}"))
    };
    for (i, gc, oc) in c.columns.iter().take(SHOW_ROWS) {
        let _ = write!(
            s,
            "\n  column {}: gold {}, output {}",
            i + 1,
            path(gc),
            path(oc)
        );
    }
    if c.columns.len() > SHOW_ROWS {
        let _ = write!(
            s,
            "\n  … {} more columns differ",
            c.columns.len() - SHOW_ROWS
        );
    }
    for r in c.rows.iter().take(SHOW_ROWS) {
        match &r.gold {
            Some((i, row)) => {
                let _ = write!(s, "\n  gold row {}: {}", i + 1, show_row(row));
            }
            None => s.push_str("\n  gold: (no row)"),
        }
        match &r.out {
            Some((j, row, line)) => {
                let _ = write!(
                    s,
                    "\n    output row {} (line {line}): {}",
                    j + 1,
                    show_row(row)
                );
            }
            None => s.push_str("\n    output: (no row)"),
        }
        if let (Some((_, g)), Some((_, o, _))) = (&r.gold, &r.out) {
            let at: Vec<String> = (0..g.len().max(o.len()))
                .filter(|&k| g.get(k).cloned().flatten() != o.get(k).cloned().flatten())
                .map(|k| (k + 1).to_string())
                .collect();
            let _ = write!(s, "\n    differs in columns {}", at.join(", "));
        }
    }
    if c.rows.len() > SHOW_ROWS {
        let _ = write!(s, "\n  … {} more differing rows", c.rows.len() - SHOW_ROWS);
    }
    s
}

// ---------------------------------------------------------------------------
// The ratchet.

/// `(style, report, ordinal)`.
type Key = (String, String, u32);

struct Known {
    title: String,
    differing: usize,
    line: usize,
}

/// Entries of the known-differences file, and the lines it could not read.
/// Lines starting with `#` are comments; the first other line is the
/// column header.
fn read_known(text: &str) -> (BTreeMap<Key, Known>, Vec<(usize, String)>) {
    let mut known: BTreeMap<Key, Known> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut header = false;
    for (n, line) in text.lines().enumerate().map(|(n, l)| (n + 1, l)) {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !header {
            header = true;
            if line != KNOWN_HEADER {
                problems.push((n, format!("the column header must be {KNOWN_HEADER:?}")));
            }
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let (Ok(ordinal), Ok(differing)) = (
            f.get(2).unwrap_or(&"").parse::<u32>(),
            f.get(4).unwrap_or(&"").parse::<usize>(),
        ) else {
            problems.push((n, format!("not {KNOWN_HEADER:?}: {line:?}")));
            continue;
        };
        if f.len() != 5 {
            problems.push((n, format!("{} fields, not 5", f.len())));
            continue;
        }
        let key = (f[0].to_string(), f[1].to_string(), ordinal);
        // The first entry of a table holds; a second one is a mistake.
        match known.entry(key) {
            Entry::Occupied(first) => {
                let first = first.get().line;
                problems.push((n, format!("lists the same table as line {first}")));
            }
            Entry::Vacant(slot) => {
                slot.insert(Known {
                    title: f[3].to_string(),
                    differing,
                    line: n,
                });
            }
        }
    }
    if !header && !text.is_empty() {
        problems.push((0, format!("no column header line {KNOWN_HEADER:?}")));
    }
    (known, problems)
}

/// The trial that keeps the file honest: every entry names an existing gold
/// table by its gold title and holds a count above 0, and every line reads.
/// Without it a renamed report or a re-annotated gold file would leave
/// entries that no trial ever looks up.
fn check_known(
    known: &BTreeMap<Key, Known>,
    mut problems: Vec<(usize, String)>,
    gold_titles: &HashMap<Key, String>,
) -> Result<(), Failed> {
    for (key, e) in known {
        let (style, report, ordinal) = key;
        let what = match gold_titles.get(key) {
            None => "no such gold table (a stale entry: remove it)".to_string(),
            Some(t) if *t != e.title => format!("the gold title is {t:?}, not {:?}", e.title),
            Some(_) if e.differing == 0 => {
                "0 differing cells: exact tables are not listed".to_string()
            }
            Some(_) => continue,
        };
        problems.push((e.line, format!("{style} {report} table {ordinal}: {what}")));
    }
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort();
    let lines: Vec<String> = problems
        .iter()
        .map(|(n, m)| format!("line {n}: {m}"))
        .collect();
    Err(format!("{KNOWN_FILE}:\n  {}", lines.join("\n  ")).into())
}

/// A table's verdict against its entry (`None`: not listed).
fn verdict(
    now: usize,
    listed: Option<usize>,
    detail: impl FnOnce() -> String,
) -> Result<(), Failed> {
    match listed {
        None if now == 0 => Ok(()),
        None => Err(format!("not exact, and not in {KNOWN_FILE}: {}", detail()).into()),
        Some(m) if now == m => Ok(()),
        Some(m) if now > m => Err(format!("worse: now {now} (listed {m}): {}", detail()).into()),
        Some(m) => Err(format!(
            "now {now} (listed {m}): lower the entry / remove it from {KNOWN_FILE} (or regenerate it: {UPDATE_HINT})"
        )
        .into()),
    }
}

fn key_of(report: &Report, g: &GoldTable) -> Key {
    (report.style.clone(), report.name.clone(), g.ordinal)
}

/// Differing cells of gold table `k` of a report, and the failure message.
fn count(report: &Report, k: usize) -> Result<(usize, String), Failed> {
    let parsed = report.parsed()?;
    let g = &report.gold[k];
    let pair = parsed.pairs[k];
    let c = compare(g, pair.map(|j| &parsed.tables[j]));
    let detail = if c.differing == 0 {
        String::new()
    } else {
        describe(g, parsed, pair, &c)
    };
    Ok((c.differing, detail))
}

/// The known-differences file as the current results make it.
fn regenerate(reports: &[Arc<Report>]) -> Result<String, Failed> {
    let mut rows: BTreeMap<Key, (String, usize)> = BTreeMap::new();
    let mut summary: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in reports {
        for (k, g) in r.gold.iter().enumerate() {
            let (n, _) = count(r, k)?;
            let s = summary.entry(&r.style).or_default();
            s.0 += 1;
            if n == 0 {
                s.1 += 1;
            } else {
                rows.insert(key_of(r, g), (g.title.clone(), n));
            }
        }
    }
    for (style, (trials, exact)) in &summary {
        eprintln!("spec: {style}: {exact} of {trials} tables exact");
    }
    let mut s = String::new();
    s.push_str(
        "# Tables of the spec suite (tests/spec.rs) whose grid is not yet exact, with their\n",
    );
    s.push_str(
        "# number of differing cells (header cells + row cells; a missing table counts all of\n",
    );
    s.push_str(
        "# them). A listed table passes while its count stays the same; it fails when the count\n",
    );
    s.push_str(
        "# grows and when it drops (lower or remove the entry). Unlisted tables must be exact.\n",
    );
    s.push_str(
        "# Regenerate: SPEC_UPDATE=1 cargo test --release --test spec (see docs/spec-suite.md).\n",
    );
    s.push_str(KNOWN_HEADER);
    s.push('\n');
    for ((style, report, ordinal), (title, n)) in rows {
        let _ = writeln!(s, "{style}\t{report}\t{ordinal}\t{title}\t{n}");
    }
    Ok(s)
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let reports = load_reports();
    let known_path = root().join(KNOWN_FILE);
    if std::env::var_os("SPEC_UPDATE").is_some_and(|v| !v.is_empty() && v != "0") {
        let text = match regenerate(&reports) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("SPEC_UPDATE: {}", e.message().unwrap_or("failed"));
                return ExitCode::FAILURE;
            }
        };
        std::fs::write(&known_path, text)
            .unwrap_or_else(|e| panic!("{}: {e}", known_path.display()));
        eprintln!("SPEC_UPDATE: wrote {KNOWN_FILE}");
    }
    let text = std::fs::read_to_string(&known_path).unwrap_or_default();
    let (known, problems) = read_known(&text);
    let mut trials = Vec::new();
    for report in &reports {
        for (k, g) in report.gold.iter().enumerate() {
            let name = format!(
                "{}::{}::t{:02}_{}",
                report.style, report.name, g.ordinal, g.title
            );
            let listed = known.get(&key_of(report, g)).map(|e| e.differing);
            let report = Arc::clone(report);
            trials.push(Trial::test(name, move || {
                let (n, detail) = count(&report, k)?;
                verdict(n, listed, || detail)
            }));
        }
    }
    let gold_titles: HashMap<Key, String> = reports
        .iter()
        .flat_map(|r| r.gold.iter().map(move |g| (key_of(r, g), g.title.clone())))
        .collect();
    let missing = (!known_path.exists())
        .then(|| (0, format!("the file is missing ({UPDATE_HINT} makes it)")));
    let problems: Vec<_> = problems.into_iter().chain(missing).collect();
    trials.push(Trial::test(
        "known_differences::entries_name_gold_tables",
        move || check_known(&known, problems, &gold_titles),
    ));
    trials.extend(self_checks());
    libtest_mimic::run(&args, trials).exit_code()
}

// ---------------------------------------------------------------------------
// Self-checks of the machinery above: a wrong alignment or normalisation
// would make every table trial agree with itself and not with the scorer.
// Expected values are what score_gold.py and difflib give for these inputs.

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if ok {
        Ok(())
    } else {
        Err(what().into())
    }
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn self_check_opcodes() -> Result<(), Failed> {
    use Op::*;
    let cases: [(&str, &str, Vec<Opcode>); 5] = [
        (
            "abxcd",
            "abcd",
            vec![
                (Equal, 0, 2, 0, 2),
                (Delete, 2, 3, 2, 2),
                (Equal, 3, 5, 2, 4),
            ],
        ),
        (
            "qabxcdw",
            "abycdf",
            vec![
                (Delete, 0, 1, 0, 0),
                (Equal, 1, 3, 0, 2),
                (Replace, 3, 4, 2, 3),
                (Equal, 4, 6, 3, 5),
                (Replace, 6, 7, 5, 6),
            ],
        ),
        // Equally long matches: difflib takes the first in `a`.
        (
            "aaab",
            "abaa",
            vec![
                (Insert, 0, 0, 0, 2),
                (Equal, 0, 2, 2, 4),
                (Delete, 2, 4, 4, 4),
            ],
        ),
        ("", "ab", vec![(Insert, 0, 0, 0, 2)]),
        ("abc", "", vec![(Delete, 0, 3, 0, 0)]),
    ];
    for (a, b, want) in cases {
        let got = opcodes(&chars(a), &chars(b));
        check(got == want, || {
            format!("opcodes({a:?}, {b:?}) = {got:?}, difflib: {want:?}")
        })?;
    }
    Ok(())
}

fn self_check_normalisation() -> Result<(), Failed> {
    // (input, norm_text, norm_title, norm_col)
    let cases = [
        ("  1,234.50 ", Some("1234.50"), "123450", "123450"),
        ("+12", Some("12"), "12", "12"),
        ("+1,2", Some("+1,2"), "+12", "+12"),
        ("<p>绩效</p>目标", Some("绩效目标"), "绩效目标", "绩效目标"),
        ("a\u{3000}b\u{1c}", Some("ab"), "ab", "ab"),
        (
            "表3 一般公共预算（支出）表",
            Some("表3一般公共预算（支出）表"),
            "一般公共预算支出表",
            "表3一般公共预算支出表",
        ),
        (
            "三、“三公”经费表",
            Some("三、“三公”经费表"),
            "三公经费表",
            "三三公经费表",
        ),
        ("-1,000", Some("-1000"), "1000", "1000"),
        (" \u{3000}", None, "", ""),
    ];
    for (s, text, title, col) in cases {
        let got = (norm_text(Some(s)), norm_title(s), norm_col(s));
        let want = (text.map(String::from), title.to_string(), col.to_string());
        check(got == want, || {
            format!("{s:?}: {got:?}, score_gold.py: {want:?}")
        })?;
    }
    Ok(())
}

fn self_check_table_pairing() -> Result<(), Failed> {
    let v = |xs: &[&str]| xs.iter().map(|x| norm_title(x)).collect::<Vec<_>>();
    type Case<'a> = (&'a [&'a str], &'a [&'a str], Vec<Option<usize>>);
    let cases: [Case; 3] = [
        (
            &["收支总表", "收入表", "支出表"],
            &["收支总表", "支出表"],
            vec![Some(0), None, Some(1)],
        ),
        // Titles that differ pair by containment, in order.
        (
            &["部门收支总表", "收入表", "三公表"],
            &["收支总表", "部门收入表", "其他"],
            vec![Some(0), Some(1), None],
        ),
        // A table number alone is no title.
        (
            &["表1收支总表", "公开01表"],
            &["一、收支总表", "收入表"],
            vec![Some(0), None],
        ),
    ];
    for (g, o, want) in cases {
        let got = pair_tables(&v(g), &v(o));
        check(got == want, || {
            format!("pair_tables({g:?}, {o:?}) = {got:?}, match_tables: {want:?}")
        })?;
    }
    Ok(())
}

fn row(cells: &[Option<&str>]) -> GridRow {
    cells.iter().map(|c| c.map(String::from)).collect()
}

fn self_check_differing_cells() -> Result<(), Failed> {
    let gold = GoldTable {
        ordinal: 1,
        title: "收支总表".into(),
        columns: vec!["项目".into(), "金额".into()],
        rows: vec![
            row(&[Some("x"), Some("1")]),
            row(&[Some("y"), Some("2")]),
            row(&[Some("z"), None]),
        ],
    };
    let out = |columns: &[&str], grid: Vec<GridRow>| OutTable {
        ordinal: 1,
        title: "收支总表".into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        lines: (1..=grid.len() as u32).collect(),
        grid,
    };
    let cols = ["项目", "金额"];
    let exact = || {
        vec![
            row(&[Some("x"), Some("1")]),
            row(&[Some("y"), Some("2")]),
            row(&[Some("z"), None]),
        ]
    };
    let mut wrong = exact();
    wrong[1][1] = Some("3".into());
    let mut lost = exact();
    lost.remove(1);
    let mut extra = exact();
    extra.insert(1, row(&[Some("w"), Some("9")]));
    let wide: Vec<GridRow> = exact()
        .into_iter()
        .map(|mut r| {
            r.push(Some("0".into()));
            r
        })
        .collect();
    let cases = [
        ("missing", None, 2 + 5),
        ("exact", Some(out(&cols, exact())), 0),
        ("one wrong cell", Some(out(&cols, wrong)), 1),
        ("a lost row", Some(out(&cols, lost)), 2),
        ("an extra row", Some(out(&cols, extra)), 2),
        (
            "an extra column",
            Some(out(&["项目", "金额", "其他"], wide)),
            1 + 3,
        ),
        ("no header", Some(out(&[], exact())), 2),
    ];
    for (what, o, want) in cases {
        let got = compare(&gold, o.as_ref()).differing;
        check(got == want, || {
            format!("{what}: {got} differing cells, want {want}")
        })?;
    }
    Ok(())
}

fn self_check_ratchet() -> Result<(), Failed> {
    let says = |now, listed| {
        verdict(now, listed, || "detail".into())
            .err()
            .and_then(|e| e.message().map(String::from))
    };
    check(
        says(0, None).is_none() && says(7, Some(7)).is_none(),
        || "exact or as listed must pass".into(),
    )?;
    check(
        says(3, None).is_some_and(|m| m.contains("not exact")),
        || "an unlisted table must be exact".into(),
    )?;
    check(
        says(8, Some(7)).is_some_and(|m| m.starts_with("worse: now 8 (listed 7)")),
        || "worse must fail".into(),
    )?;
    check(
        says(0, Some(7))
            .is_some_and(|m| m.starts_with("now 0 (listed 7): lower the entry / remove it")),
        || "better must fail until the entry is lowered".into(),
    )?;
    let text = format!("# comment\n{KNOWN_HEADER}\na\tb\t1\tt\t5\na\tb\t1\tt\t4\na\tb\tx\tt\t4\n");
    let (known, problems) = read_known(&text);
    let first = known
        .get(&("a".into(), "b".into(), 1))
        .map(|e| (e.differing, e.line));
    check(first == Some((5, 3)), || {
        format!("the first entry of a table holds: {first:?}")
    })?;
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    check(lines == [4, 5], || {
        format!("a duplicate and a bad line: {problems:?}")
    })
}

fn self_checks() -> Vec<Trial> {
    vec![
        Trial::test("self_check::opcodes_are_difflibs", self_check_opcodes),
        Trial::test(
            "self_check::cells_normalise_as_score_gold",
            self_check_normalisation,
        ),
        Trial::test(
            "self_check::tables_pair_as_score_gold",
            self_check_table_pairing,
        ),
        Trial::test(
            "self_check::differing_cells_count",
            self_check_differing_cells,
        ),
        Trial::test("self_check::ratchet_verdicts", self_check_ratchet),
    ]
}
