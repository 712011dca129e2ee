//! The metadata stage: a report's department, government, year, type and
//! scope, from three places in order of trust. What the text states comes
//! first (read by [`crate::parse::read_meta`]); a field the text does not
//! state is taken from the file's path (its name or folders) when exactly
//! one candidate is there; a `--metadata` sidecar row supplies or overrides
//! any field. The government is then resolved against the official list of
//! administrative divisions ([`crate::region`]). Nothing is guessed: a
//! field none of the three settles stays empty, and the pipeline fails the
//! report naming it.

use crate::config::Config;
use crate::model::{MetaSource, ReportMeta, ReportType, Scope};
use crate::region::Divisions;
use std::collections::BTreeMap;
use std::path::Path;

/// One row of a `--metadata` file: the fields it gives for one input file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SidecarRow {
    pub department: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub year: Option<i32>,
    pub report_type: Option<ReportType>,
    pub scope: Option<Scope>,
    /// 1-based line of the row in its file, for messages.
    pub line: u64,
}

impl SidecarRow {
    fn names_government(&self) -> bool {
        self.province.is_some() || self.city.is_some() || self.county.is_some()
    }
}

/// A `--metadata` CSV file: a `source_path` column (the path relative to
/// `--input`, as `reports.source_path` shows it) and any of `department`,
/// `province`, `city`, `county`, `year`, `report_type`, `scope`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sidecar {
    rows: BTreeMap<String, SidecarRow>,
    /// SHA-256 (hex) of the file's bytes: part of the configuration digest,
    /// so an incremental run does not reuse reports read under other rows.
    digest: String,
}

/// A sidecar file that cannot be used: the run does not start (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct SidecarError {
    pub path: String,
    pub line: u64,
    pub message: String,
}

const SIDECAR_COLUMNS: [&str; 8] = [
    "source_path",
    "department",
    "province",
    "city",
    "county",
    "year",
    "report_type",
    "scope",
];

impl Sidecar {
    pub fn load(path: &Path) -> Result<Sidecar, SidecarError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| SidecarError {
            path: shown.clone(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Sidecar::parse(&bytes).map_err(|(line, message)| SidecarError {
            path: shown,
            line,
            message,
        })
    }

    /// Parses the CSV text (UTF-8, an optional BOM); an error is the line
    /// and what is wrong there.
    pub fn parse(bytes: &[u8]) -> Result<Sidecar, (u64, String)> {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(bytes));
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let header = reader
            .headers()
            .map_err(|e| (csv_line(&e).unwrap_or(1), e.to_string()))?
            .clone();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, h) in header.iter().enumerate() {
            if !SIDECAR_COLUMNS.contains(&h) {
                return Err((
                    1,
                    format!(
                        "unknown column {h:?} (expected source_path and any of {})",
                        SIDECAR_COLUMNS[1..].join(", ")
                    ),
                ));
            }
            if index.insert(h, i).is_some() {
                return Err((1, format!("column {h:?} appears twice")));
            }
        }
        if !index.contains_key("source_path") {
            return Err((1, "no source_path column".into()));
        }
        let mut rows = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| (csv_line(&e).unwrap_or(0), e.to_string()))?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let field = |name: &str| {
                index
                    .get(name)
                    .and_then(|&i| record.get(i))
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            let Some(source_path) = field("source_path") else {
                return Err((line, "empty source_path".into()));
            };
            let year = match field("year") {
                Some(y) => Some(
                    y.parse::<i32>()
                        .ok()
                        .filter(|y| (1949..=2100).contains(y))
                        .ok_or_else(|| (line, format!("year {y:?} is not a year")))?,
                ),
                None => None,
            };
            let report_type = match field("report_type").as_deref() {
                None => None,
                Some("budget" | "预算") => Some(ReportType::Budget),
                Some("final_accounts" | "决算") => Some(ReportType::FinalAccounts),
                Some(t) => {
                    return Err((
                        line,
                        format!("report_type {t:?} is not budget or final_accounts"),
                    ))
                }
            };
            let scope = match field("scope").as_deref() {
                None => None,
                Some("department") => Some(Scope::Department),
                Some("unit") => Some(Scope::Unit),
                Some(s) => return Err((line, format!("scope {s:?} is not department or unit"))),
            };
            let row = SidecarRow {
                department: field("department"),
                province: field("province"),
                city: field("city"),
                county: field("county"),
                year,
                report_type,
                scope,
                line,
            };
            let key = source_path.replace('\\', "/");
            if rows.insert(key, row).is_some() {
                return Err((line, format!("source_path {source_path:?} appears twice")));
            }
        }
        Ok(Sidecar { rows, digest })
    }

    /// The row for the report at `rel_path` (relative to `--input`).
    pub fn row(&self, rel_path: &str) -> Option<&SidecarRow> {
        self.rows.get(rel_path)
    }

    /// Rows that name no input file, as warnings.
    pub fn unmatched<'a>(&self, rel_paths: impl Iterator<Item = &'a str>) -> Vec<String> {
        let present: std::collections::BTreeSet<&str> = rel_paths.collect();
        self.rows
            .iter()
            .filter(|(p, _)| !present.contains(p.as_str()))
            .map(|(p, r)| {
                format!(
                    "metadata file line {}: {p:?} names no input file; row ignored",
                    r.line
                )
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// SHA-256 (hex) of the file's bytes.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn csv_line(e: &csv::Error) -> Option<u64> {
    e.position().map(|p| p.line())
}

/// What the metadata stage settled for one report, and what it was unsure of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completed {
    pub meta: ReportMeta,
    pub warnings: Vec<String>,
}

/// Adds to what the text stated (`content`) the path's and the sidecar's
/// fields, and resolves the government.
pub fn complete(
    mut meta: ReportMeta,
    rel_path: &str,
    sidecar: Option<&SidecarRow>,
    divisions: &Divisions,
    config: &Config,
) -> Completed {
    let mut warnings = Vec::new();
    let path = PathFacts::of(rel_path);
    if meta.year.is_none() {
        if let Some(y) = path.year {
            meta.year = Some(y);
            meta.sources.year = Some(MetaSource::Path);
        }
    }
    if meta.report_type.is_none() {
        if let Some(t) = path.report_type {
            meta.report_type = Some(t);
            meta.sources.report_type = Some(MetaSource::Path);
        }
    }
    if let Some(row) = sidecar {
        let sidecar = Some(MetaSource::Sidecar);
        if let Some(d) = &row.department {
            meta.department = Some(d.clone());
            meta.sources.department = sidecar;
        }
        if let Some(y) = row.year {
            meta.year = Some(y);
            meta.sources.year = sidecar;
        }
        if let Some(t) = row.report_type {
            meta.report_type = Some(t);
            meta.sources.report_type = sidecar;
        }
        if let Some(s) = row.scope {
            meta.scope = Some(s);
            meta.sources.scope = sidecar;
        }
    }

    // The government: named by the sidecar, else read from the department's
    // name and the headings' places, else from the path.
    let mut resolved = None;
    if let Some(row) = sidecar.filter(|r| r.names_government()) {
        let r = divisions.resolve_names(
            row.province.as_deref(),
            row.city.as_deref(),
            row.county.as_deref(),
            config,
        );
        resolved = Some((r, MetaSource::Sidecar));
    }
    if resolved.is_none() {
        // The department's name (and the headings' places) first; where
        // they settle nothing, the path; else what the name gave, with its
        // warning.
        let from_name = meta
            .department
            .as_deref()
            .map(|d| divisions.resolve(d, &meta.places, config));
        resolved = match from_name {
            Some(r) if r.government.slug.is_some() => Some((r, MetaSource::Content)),
            from_name => match path.government(divisions, config) {
                Some(government) => Some((
                    crate::region::Resolution {
                        government,
                        warning: None,
                    },
                    MetaSource::Path,
                )),
                None => from_name.map(|r| (r, MetaSource::Content)),
            },
        };
    }
    if let Some((r, source)) = resolved {
        if r.government.slug.is_some() {
            meta.sources.government = Some(source);
        }
        meta.government = r.government;
        warnings.extend(r.warning);
    }
    if meta.title.is_none() {
        meta.title = built_title(&meta);
    }
    Completed { meta, warnings }
}

/// "清远市医疗保障局2025年部门预算": the title a report's fields give, for
/// one that prints none ("…2023年度部门决算" for final accounts; no year
/// where none is known).
fn built_title(meta: &ReportMeta) -> Option<String> {
    let (d, t) = (meta.department.as_deref()?, meta.report_type?);
    let who = match meta.scope {
        Some(Scope::Unit) => "单位",
        _ => "部门",
    };
    let (year_word, kind) = match t {
        ReportType::Budget => ("年", "预算"),
        ReportType::FinalAccounts => ("年度", "决算"),
    };
    Some(match meta.year {
        Some(y) => format!("{d}{y}{year_word}{who}{kind}"),
        None => format!("{d}{who}{kind}"),
    })
}

/// What a file's path says: its folders and its name, split into words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PathFacts {
    /// The one year the path names (a 4-digit 19xx/20xx number standing
    /// alone), if exactly one.
    year: Option<i32>,
    /// The one report type the path names (预算/budget, 决算/final), if
    /// exactly one.
    report_type: Option<ReportType>,
    /// Folder names and the file's stem, in order.
    parts: Vec<String>,
    /// ASCII words of the parts (split at anything not a letter).
    words: Vec<String>,
}

impl PathFacts {
    fn of(rel_path: &str) -> PathFacts {
        let mut parts: Vec<String> = rel_path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if let Some(last) = parts.last_mut() {
            if let Some((stem, _)) = last.rsplit_once('.') {
                *last = stem.to_string();
            }
        }
        let mut years = Vec::new();
        let mut types = Vec::new();
        let mut words = Vec::new();
        for part in &parts {
            // Words of letters and digits: a year stands alone ("2024",
            // "_2019_", "2024年"), never inside a hash ("7e5b2019ca12").
            for word in part.split(|c: char| !c.is_ascii_alphanumeric()) {
                if word.len() == 4 {
                    if let Ok(y) = word.parse::<i32>() {
                        if (1990..=2099).contains(&y) {
                            years.push(y);
                        }
                    }
                }
            }
            if part.contains("预算") {
                types.push(ReportType::Budget);
            }
            if part.contains("决算") {
                types.push(ReportType::FinalAccounts);
            }
            for w in part
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| !w.is_empty())
            {
                let w = w.to_ascii_lowercase();
                match w.as_str() {
                    "budget" | "yusuan" => types.push(ReportType::Budget),
                    "final" | "juesuan" => types.push(ReportType::FinalAccounts),
                    _ => {}
                }
                words.push(w);
            }
        }
        years.sort_unstable();
        years.dedup();
        types.sort_unstable();
        types.dedup();
        PathFacts {
            year: (years.len() == 1).then(|| years[0]),
            report_type: (types.len() == 1).then(|| types[0]),
            parts,
            words,
        }
    }

    /// The government the path names: folders named after divisions
    /// (广东省/清远市/…) or words that are a region's slug (…_hangzhou_…),
    /// when they agree on one; `None` when they name none or several.
    fn government(
        &self,
        divisions: &Divisions,
        config: &Config,
    ) -> Option<crate::model::Government> {
        let mut found: Vec<crate::model::Government> = Vec::new();
        for part in &self.parts {
            if part.chars().any(|c| c as u32 >= 0x3400) {
                let r = divisions.resolve(part, &[], config);
                if r.government.code.is_some() {
                    found.push(r.government);
                }
            }
        }
        // Letters a–f alone may be pieces of a hash name ("7e5bca9f").
        let hashlike = |w: &str| w.bytes().all(|b| (b'a'..=b'f').contains(&b));
        for w in self.words.iter().filter(|w| !hashlike(w)) {
            if let Some(g) = divisions.by_slug(w, config) {
                found.push(g);
            }
        }
        deepest_agreeing(found)
    }
}

/// The most specific of governments that lie on one chain (each within the
/// next more specific one); `None` when two disagree.
fn deepest_agreeing(found: Vec<crate::model::Government>) -> Option<crate::model::Government> {
    let mut best: Option<crate::model::Government> = None;
    for g in found {
        let code = g.code.clone()?;
        best = match best {
            None => Some(g),
            Some(b) => {
                let bc = b.code.clone()?;
                if within(&code, &bc) {
                    Some(g)
                } else if within(&bc, &code) {
                    Some(b)
                } else {
                    return None;
                }
            }
        };
    }
    best
}

/// Is the division `inner` the division `outer` or inside it? GB/T 2260
/// codes nest by prefix once trailing zero pairs are dropped.
fn within(inner: &str, outer: &str) -> bool {
    let mut o = outer.to_string();
    while o.len() > 2 && o.ends_with("00") {
        o.truncate(o.len() - 2);
    }
    inner.starts_with(&o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdminLevel, Government};

    fn content(department: &str) -> ReportMeta {
        ReportMeta {
            department: Some(department.into()),
            sources: crate::model::MetaSources {
                department: Some(MetaSource::Content),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn path_year_and_type_only_when_one_candidate() {
        let p = PathFacts::of("13_js_zhengxie_2019_budget_tables.txt");
        assert_eq!(p.year, Some(2019));
        assert_eq!(p.report_type, Some(ReportType::Budget));
        let p = PathFacts::of("2019/2020_budget.txt");
        assert_eq!(p.year, None);
        let p = PathFacts::of("东莞/2024/部门决算/7e5bca9fcb7b40a5.txt");
        assert_eq!(
            (p.year, p.report_type),
            (Some(2024), Some(ReportType::FinalAccounts))
        );
        let p = PathFacts::of("a/budget_final_12345.txt");
        assert_eq!((p.year, p.report_type), (None, None));
        // A hash is no year.
        assert_eq!(PathFacts::of("7e5b2019ca12.txt").year, None);
        assert_eq!(PathFacts::of("报告2019年.txt").year, Some(2019));
    }

    #[test]
    fn content_first_then_path_then_sidecar() {
        let d = Divisions::builtin();
        let c = Config::builtin();
        let mut m = content("江苏省政协办公厅");
        m.report_type = Some(ReportType::Budget);
        m.sources.report_type = Some(MetaSource::Content);
        let done = complete(m, "13_js_zhengxie_2019_budget_tables.txt", None, d, &c);
        assert_eq!(done.meta.year, Some(2019));
        assert_eq!(done.meta.sources.year, Some(MetaSource::Path));
        assert_eq!(done.meta.sources.report_type, Some(MetaSource::Content));
        assert_eq!(done.meta.government.code.as_deref(), Some("320000"));
        assert_eq!(done.meta.government.slug.as_deref(), Some("jiangsu"));
        assert_eq!(done.meta.government.level, Some(AdminLevel::Province));
        assert_eq!(done.meta.sources.government, Some(MetaSource::Content));

        let row = SidecarRow {
            year: Some(2020),
            county: Some("廉江市".into()),
            city: Some("湛江市".into()),
            province: Some("广东省".into()),
            ..Default::default()
        };
        let done = complete(content("医疗保障局"), "x.txt", Some(&row), d, &c);
        assert_eq!(done.meta.year, Some(2020));
        assert_eq!(done.meta.sources.year, Some(MetaSource::Sidecar));
        assert_eq!(
            done.meta.government,
            Government {
                province: Some("广东省".into()),
                city: Some("湛江市".into()),
                county: Some("廉江市".into()),
                township: None,
                level: Some(AdminLevel::County),
                code: Some("440881".into()),
                slug: Some("zhanjiang".into()),
            }
        );
        assert_eq!(done.meta.sources.government, Some(MetaSource::Sidecar));
    }

    #[test]
    fn government_from_the_folders_when_the_text_names_none() {
        let d = Divisions::builtin();
        let c = Config::builtin();
        let done = complete(
            content("医疗保障局"),
            "广东省/清远市/2025/a.txt",
            None,
            d,
            &c,
        );
        assert_eq!(done.meta.government.code.as_deref(), Some("441800"));
        assert_eq!(done.meta.sources.government, Some(MetaSource::Path));
        assert_eq!(done.meta.year, Some(2025));
        // Folders that disagree settle nothing.
        let done = complete(content("医疗保障局"), "广东省/杭州市/a.txt", None, d, &c);
        assert_eq!(done.meta.government.slug, None);
        assert_eq!(done.meta.sources.government, None);
    }

    #[test]
    fn sidecar_parse_and_errors() {
        let s = Sidecar::parse(
            "\u{feff}source_path,department,year,report_type,scope\n\
             a/b.txt,某某局,2019,budget,unit\n\
             c.txt,,,final_accounts,\n"
                .as_bytes(),
        )
        .unwrap();
        let r = s.row("a/b.txt").unwrap();
        assert_eq!(r.department.as_deref(), Some("某某局"));
        assert_eq!(r.year, Some(2019));
        assert_eq!(r.scope, Some(Scope::Unit));
        assert_eq!(r.line, 2);
        assert_eq!(
            s.row("c.txt").unwrap().report_type,
            Some(ReportType::FinalAccounts)
        );
        assert_eq!(
            s.unmatched(["a/b.txt"].into_iter()),
            ["metadata file line 3: \"c.txt\" names no input file; row ignored"]
        );
        let e = Sidecar::parse(b"source_path,year\na.txt,2019\nb.txt,20x9\n").unwrap_err();
        assert_eq!(e.0, 3);
        assert!(e.1.contains("20x9"), "{}", e.1);
        let e = Sidecar::parse(b"path,year\n").unwrap_err();
        assert_eq!(e.0, 1);
        assert!(e.1.contains("unknown column \"path\""), "{}", e.1);
        let e = Sidecar::parse(b"source_path,year\na.txt\n").unwrap_err();
        assert_eq!(e.0, 2);
    }

    #[test]
    fn built_titles() {
        let d = Divisions::builtin();
        let c = Config::builtin();
        let text = "第二部分 2025年部门预算表\n 单位：万元单位名称：清远市医疗保障局\n表1\n";
        let m = crate::parse::read_report_meta(text);
        let done = complete(m, "a.txt", None, d, &c);
        assert_eq!(
            done.meta.title.as_deref(),
            Some("清远市医疗保障局2025年部门预算")
        );
        // The year the path gives is in the title; without one, none is.
        let text = "公开01表\n收支预算总表\n部门：江苏省政协办公厅    单位：万元\n收入 支出\n";
        let m = crate::parse::read_report_meta(text);
        let done = complete(m.clone(), "js_2019_budget.txt", None, d, &c);
        assert_eq!(
            done.meta.title.as_deref(),
            Some("江苏省政协办公厅2019年部门预算")
        );
        let done = complete(m, "tables.txt", None, d, &c);
        assert_eq!(done.meta.title.as_deref(), Some("江苏省政协办公厅部门预算"));
        let mut m = content("廉江市医疗保障局");
        m.year = Some(2023);
        m.report_type = Some(ReportType::FinalAccounts);
        m.scope = Some(Scope::Unit);
        let done = complete(m, "a.txt", None, d, &c);
        assert_eq!(
            done.meta.title.as_deref(),
            Some("廉江市医疗保障局2023年度单位决算")
        );
    }

    #[test]
    fn codes_nest() {
        assert!(within("440881", "440000"));
        assert!(within("440881", "440800"));
        assert!(!within("440881", "441800"));
        assert!(within("310107011", "310107"));
    }
}
