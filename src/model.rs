//! Typed values that flow between the pipeline stages.
//!
//! The parser produces [`ParsedReport`]s from text alone; everything that
//! touches the file system (paths, hashes, encodings) lives in
//! [`ReportRecord`], filled by the pipeline around the pure parser.

use serde::{Deserialize, Serialize};

/// Budget (预算) or final accounts (决算).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportType {
    Budget,
    FinalAccounts,
}

impl ReportType {
    /// The partition value and the value written in the datasets.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Budget => "budget",
            ReportType::FinalAccounts => "final_accounts",
        }
    }
}

/// Whether a report consolidates a department with its units (部门预算,
/// 部门决算) or covers one unit (单位预算, 单位决算). A department's report
/// already contains its units' figures: analysts must not add the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Department,
    Unit,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Department => "department",
            Scope::Unit => "unit",
        }
    }
}

/// The level of the government a department belongs to. The city-level
/// departments of the four municipalities (上海市财政局) are province level;
/// a district (普陀区) or county-level city (廉江市) is county level; 乡, 镇
/// and 街道 are township level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminLevel {
    Central,
    Province,
    City,
    County,
    Township,
}

impl AdminLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::Central => "central",
            AdminLevel::Province => "province",
            AdminLevel::City => "city",
            AdminLevel::County => "county",
            AdminLevel::Township => "township",
        }
    }
}

/// The government that published a report, as resolved against the list of
/// administrative divisions (GB/T 2260). Names are the official ones where
/// the code resolved, else as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Government {
    /// 江苏省, 上海市 (a municipality is its own province).
    pub province: Option<String>,
    /// Prefecture-level city, or the municipality (上海市); `None` for a
    /// provincial or central department.
    pub city: Option<String>,
    /// County, district or county-level city.
    pub county: Option<String>,
    /// 乡, 镇 or 街道.
    pub township: Option<String>,
    pub level: Option<AdminLevel>,
    /// 6-digit GB/T 2260 code of the publishing government (9 digits for a
    /// township); `None` when unresolved.
    pub code: Option<String>,
    /// Partition slug (`[a-z0-9_]`) of the prefecture-level city or
    /// municipality, the province for a provincial department, `central`.
    pub slug: Option<String>,
}

/// Where a metadata field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaSource {
    /// The report's own text.
    Content,
    /// Its file name or folders.
    Path,
    /// The `--metadata` file.
    Sidecar,
}

impl MetaSource {
    pub fn as_str(self) -> &'static str {
        match self {
            MetaSource::Content => "content",
            MetaSource::Path => "path",
            MetaSource::Sidecar => "sidecar",
        }
    }
}

/// Where each metadata field came from (`None`: not known).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetaSources {
    pub department: Option<MetaSource>,
    pub government: Option<MetaSource>,
    pub year: Option<MetaSource>,
    pub report_type: Option<MetaSource>,
    pub scope: Option<MetaSource>,
}

/// What the report says about itself. Every field is optional because a
/// damaged report may not state it; the pipeline decides what is required.
/// The parser fills what the text states (department, year, type, scope,
/// consolidated, title, places); the metadata stage (`crate::report_meta`)
/// adds the path and the sidecar, and resolves the government.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportMeta {
    /// Department or unit name as printed, e.g. 江门市医疗保障局（本级）.
    pub department: Option<String>,
    /// Fiscal year the report covers.
    pub year: Option<i32>,
    pub report_type: Option<ReportType>,
    pub scope: Option<Scope>,
    /// The report says it is consolidated (汇总).
    pub consolidated: bool,
    /// The report's own title, e.g. 清远市医疗保障局2025年部门预算.
    pub title: Option<String>,
    /// Place names the headings print besides the department's name, in
    /// order of appearance ("上海市2025年市级单位预算" → 上海市): they name the
    /// government when the department's name does not.
    pub places: Vec<String>,
    pub government: Government,
    pub sources: MetaSources,
}

/// One printed row of a table. `cells.len()` equals the table's column count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Cell text as printed (whitespace rules per docs/schema.md), `None` when empty.
    pub cells: Vec<Option<String>>,
    /// 1-based source line where the row starts.
    pub line: u32,
}

/// One table rebuilt as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// 1-based position among all tables of the report, in document order.
    pub ordinal: u32,
    /// Table number as printed without spaces ("表1"), if any.
    pub number: Option<String>,
    /// Title as printed, whitespace removed.
    pub title: String,
    /// Amount unit stated for the table (万元, 元), if any.
    pub unit: Option<String>,
    /// True for tables inside the explanatory prose parts.
    pub narrative: bool,
    /// Leaf column paths, spanning headers joined by '/'.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// Note lines (注：…) printed under the table.
    pub notes: Vec<String>,
    /// 1-based inclusive line span of the table in the source text.
    pub line_start: u32,
    pub line_end: u32,
    /// Catalog kind id (e.g. `budget.expenditure_summary`), if classified.
    pub kind: Option<String>,
    /// Canonical English name of each column (catalog), where known; empty
    /// until the table is classified.
    pub measures: Vec<Option<String>>,
    /// What the grid rebuild was unsure of, each with its source line.
    pub warnings: Vec<String>,
    /// The table's arithmetic checks by status; filled after the checks.
    pub verification: crate::verify::Verification,
}

/// The parser's output for one report text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedReport {
    pub meta: ReportMeta,
    pub tables: Vec<Table>,
    /// Damage the text shows (a table cut off at the end of the file), each
    /// with where it is.
    pub damage: Vec<String>,
}

/// Whether a report made it through the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
        }
    }
}

/// Hive partition of a report: `city=<slug>/year=<yyyy>/report_type=<type>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Partition {
    /// `[a-z0-9_]` only.
    pub city: String,
    pub year: i32,
    /// `budget`, `final_accounts` or `_unknown`.
    pub report_type: String,
}

impl Partition {
    /// Where failed reports without usable metadata go.
    pub fn unknown() -> Self {
        Partition {
            city: "_unknown".into(),
            year: 0,
            report_type: "_unknown".into(),
        }
    }

    /// Relative directory of this partition inside a dataset.
    pub fn rel_dir(&self) -> String {
        format!(
            "city={}/year={}/report_type={}",
            self.city, self.year, self.report_type
        )
    }
}

/// Everything the sink needs to know about one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    /// First 16 hex chars of the SHA-256 of the raw bytes.
    pub report_id: String,
    /// Path relative to `--input`, with '/' separators.
    pub source_path: String,
    pub source_bytes: u64,
    /// Detected encoding label (e.g. `UTF-8`, `GB18030`, `UTF-16LE`), if decoding got that far.
    pub encoding: Option<String>,
    /// What made the text: `text` (the input was text) or the PDF
    /// converter with its version and options (`pdftotext 22.12.0 -layout`).
    pub converter: String,
    pub meta: ReportMeta,
    pub partition: Partition,
    pub status: Status,
    /// Human-readable error for failed reports: what and where (file, line).
    pub error: Option<String>,
    /// What the run was unsure of about this report (a government it could
    /// not resolve, a name shown lossy), each saying what and where.
    pub warnings: Vec<String>,
    pub tables: Vec<Table>,
    /// Arithmetic checks of the report's tables.
    pub checks: Vec<crate::checks::Check>,
}
