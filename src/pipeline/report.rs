//! One report, bytes in, record out: decode, parse, settle the metadata,
//! classify, check, verify; and the rules that fail a report whole.

use super::*;

/// What processing one report needs besides its bytes.
#[derive(Clone, Copy)]
pub struct ReportContext<'a> {
    pub config: &'a Config,
    pub know: &'a Knowledge,
    /// `--metadata`, if given.
    pub sidecar: Option<&'a Sidecar>,
    /// Turns PDF reports into text.
    pub converter: &'a Converter,
}

/// The converter of a context made by [`ReportContext::new`]: pdftotext
/// on PATH, looked up once.
fn default_converter() -> &'static Converter {
    static FOUND: std::sync::OnceLock<Converter> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| Converter::find(None))
}

impl<'a> ReportContext<'a> {
    /// A context without a sidecar, converting PDFs with the pdftotext on PATH.
    pub fn new(config: &'a Config, know: &'a Knowledge) -> Self {
        ReportContext {
            config,
            know,
            sidecar: None,
            converter: default_converter(),
        }
    }

    /// The report's text: its bytes decoded, or (a PDF) converted.
    pub(super) fn decode(&self, rel: &str, bytes: &[u8]) -> Result<decode::Decoded, String> {
        let text = self.converter.text(rel, bytes)?;
        decode::decode_report(&text).map_err(|e| format!("{rel}: {e}"))
    }

    pub(super) fn sidecar_row(&self, rel_path: &str) -> Option<&'a SidecarRow> {
        self.sidecar.and_then(|s| s.row(rel_path))
    }

    /// The metadata stage on what the text states.
    pub(super) fn settle(&self, content: ReportMeta, rel_path: &str) -> report_meta::Completed {
        report_meta::complete(
            content,
            rel_path,
            self.sidecar_row(rel_path),
            self.know.divisions,
            self.config,
        )
    }
}

/// Processes the file at `path`, `rel_path` under the input root.
pub fn process_file(path: &Path, rel_path: &str, cx: &ReportContext) -> ReportRecord {
    process_file_known(path, rel_path, cx, None)
}

/// [`process_file`] for a file whose metadata the scan read: it is reused
/// when the bytes are still those scanned (same report id).
pub(super) fn process_file_known(
    path: &Path,
    rel_path: &str,
    cx: &ReportContext,
    known: Option<(u64, ReportMeta)>,
) -> ReportRecord {
    match std::fs::read(path) {
        Ok(bytes) => process_bytes_known(rel_path, &bytes, cx, known),
        Err(e) => failed_record(
            rel_path,
            None,
            0,
            format!("cannot read {rel_path}: {e}"),
            cx.converter.label(rel_path),
        ),
    }
}

/// A report whose bytes changed between the scan (which filed it under a
/// partition and a shard by the bytes it read) and the parse: what was
/// parsed belongs to another version, so nothing of it is written. The next
/// run reads it again (an incremental one too: see `retry`).
pub(super) fn changed_while_read(parsed: ReportRecord, scanned_id: u64) -> ReportRecord {
    let rel = &parsed.source_path;
    failed_record(
        rel,
        Some(parsed.report_id.clone()),
        parsed.source_bytes,
        format!(
            "{rel}: the file changed while the run read it (scanned as report {}, parsed as \
             {}, {} bytes); nothing of it is written, the next run reads it again",
            id_hex(scanned_id),
            parsed.report_id,
            parsed.source_bytes
        ),
        parsed.converter,
    )
}

pub(super) fn failed_record(
    rel: &str,
    id: Option<String>,
    size: u64,
    error: String,
    converter: String,
) -> ReportRecord {
    ReportRecord {
        report_id: id.unwrap_or_else(|| report_id(rel.as_bytes())),
        source_path: rel.to_string(),
        source_bytes: size,
        encoding: None,
        converter,
        meta: Default::default(),
        partition: Partition::unknown(),
        status: Status::Failed,
        error: Some(error),
        warnings: Vec::new(),
        tables: Vec::new(),
        checks: Vec::new(),
    }
}

/// First 16 hex characters of the SHA-256 of the raw bytes.
pub fn report_id(bytes: &[u8]) -> String {
    id_hex(report_id_number(bytes))
}

/// A report id as written: 16 hex digits.
pub(super) fn id_hex(id: u64) -> String {
    format!("{id:016x}")
}

/// A report id as written back to its number (0 if it is not one).
pub(super) fn id_number(hex: &str) -> u64 {
    u64::from_str_radix(hex, 16).unwrap_or(0)
}

/// [`report_id`] as a number: its first 8 bytes, big-endian.
pub(super) fn report_id_number(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// The partition of a report whose government, year and type are known.
pub fn partition_of(meta: &ReportMeta) -> Option<Partition> {
    Some(Partition {
        city: meta.government.slug.clone()?,
        year: meta.year?,
        report_type: meta.report_type?.as_str().to_string(),
    })
}

/// What a report's metadata lacks to be filed, named as the error says it.
pub(super) fn missing_meta(meta: &ReportMeta) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if meta.department.is_none() {
        missing.push("department");
    }
    if meta.government.slug.is_none() {
        missing.push("government (province, city or county)");
    }
    if meta.year.is_none() {
        missing.push("year");
    }
    if meta.report_type.is_none() {
        missing.push("report type (预算/决算)");
    }
    missing
}

/// The pure part of processing: raw bytes in, a record out.
pub fn process_bytes(rel: &str, bytes: &[u8], cx: &ReportContext) -> ReportRecord {
    process_bytes_known(rel, bytes, cx, None)
}

/// [`process_bytes`], reusing the content metadata read earlier from bytes
/// with the id given, if these are the same bytes.
pub(super) fn process_bytes_known(
    rel: &str,
    bytes: &[u8],
    cx: &ReportContext,
    known: Option<(u64, ReportMeta)>,
) -> ReportRecord {
    let number = report_id_number(bytes);
    let id = id_hex(number);
    let known_meta = known.filter(|(k, _)| *k == number).map(|(_, m)| m);
    let size = bytes.len() as u64;
    let converter = cx.converter.label(rel);
    let decoded = match cx.decode(rel, bytes) {
        Ok(d) => d,
        Err(e) => return failed_record(rel, Some(id), size, e, converter),
    };
    let mut parsed = parse::parse_report_with(&decoded.text, known_meta);
    let settled = cx.settle(std::mem::take(&mut parsed.meta), rel);
    let meta = settled.meta;
    cx.know
        .catalog
        .classify_tables(&mut parsed.tables, meta.report_type);
    // What the checks read of each table, worked out once for the checks
    // and verification.
    let facts = checks::Facts::of(&parsed.tables);
    let (checks, relations) =
        checks::check_report_with(&parsed.tables, &facts, &decoded.text, &cx.know.rules);
    crate::verify::verify_tables_with(&mut parsed.tables, &facts, &checks, &relations);
    drop((relations, facts));
    let missing = missing_meta(&meta);
    let lost = parse::lost_layout::detect(&decoded.text);
    let mut record = ReportRecord {
        report_id: id,
        source_path: rel.to_string(),
        source_bytes: size,
        encoding: Some(decoded.encoding.to_string()),
        converter,
        meta,
        partition: Partition::unknown(),
        status: Status::Ok,
        error: None,
        warnings: settled.warnings,
        tables: parsed.tables,
        checks,
    };
    if let Some(lost) = lost {
        if !stands_behind(&record.tables, &record.checks) {
            // Rows cannot be told from reading order; a grid that does not
            // add up everywhere is not written.
            record.status = Status::Failed;
            record.error = Some(format!(
                "{rel}: text lost its table layout (lines {}–{}: {}); the grid cannot be \
                 rebuilt from it. Convert the PDF with `pdftotext -layout` (poppler) and \
                 run again.",
                lost.first_line, lost.last_line, lost.evidence
            ));
            record.tables.clear();
            record.checks.clear();
            return record;
        }
        record.warnings.push(format!(
            "{rel}: text lost its table layout (lines {}–{}: {}); its tables are kept \
             because every table was checked and every check passed",
            lost.first_line, lost.last_line, lost.evidence
        ));
    }
    if !missing.is_empty() {
        // Never filed under a guessed partition, and its tables are not
        // published: a failed report contributes only its `reports` row.
        let looked = match cx.sidecar {
            Some(_) => "the text, the path and the --metadata file",
            None => "the text and the path (no --metadata file given)",
        };
        record.status = Status::Failed;
        record.error = Some(format!(
            "{rel}: report metadata missing: {} not found in {looked}",
            missing.join(", ")
        ));
        record.tables.clear();
        record.checks.clear();
        return record;
    }
    record.partition = partition_of(&record.meta).unwrap_or_else(Partition::unknown);
    if let Some(d) = parsed.damage.first() {
        record.status = Status::Failed;
        record.error = Some(format!("{rel}: {d}"));
        record.tables.clear();
        record.checks.clear();
        return record;
    }
    if record.tables.is_empty() {
        record.status = Status::Failed;
        record.error = Some(format!(
            "{rel}: no tables found in {} lines",
            decoded.text.lines().count()
        ));
    }
    record
}

/// Can the tables rebuilt from text that lost its layout be written? Only
/// if there are tables, no check failed and every table was checked by a
/// rule of its own grid (a cross-table or prose check vouches for one
/// figure, not for the rows).
pub(super) fn stands_behind(tables: &[crate::model::Table], checks: &[checks::Check]) -> bool {
    let own_grid = |c: &checks::Check| !matches!(c.check.as_str(), "cross_table" | "prose");
    !tables.is_empty()
        && checks.iter().all(|c| c.status != checks::CheckStatus::Fail)
        && tables.iter().all(|t| {
            checks
                .iter()
                .any(|c| c.table_ordinal == t.ordinal && own_grid(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_missing_is_a_failure_naming_what() {
        let (config, know) = (Config::default(), Knowledge::default());
        let r = process_bytes(
            "a/b.txt",
            "表1\n收支总体情况表\n项目\t预算\n合计\t1.00\n".as_bytes(),
            &ReportContext::new(&config, &know),
        );
        assert_eq!(r.status, Status::Failed);
        let e = r.error.unwrap();
        assert_eq!(
            e,
            "a/b.txt: report metadata missing: department, government (province, city or \
             county), year, report type (预算/决算) not found in the text and the path (no \
             --metadata file given)"
        );
        assert_eq!(r.partition, Partition::unknown());
    }

    #[test]
    fn a_file_that_vanished_after_the_walk_is_a_failure_naming_it() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("x/gone.txt");
        let (config, know) = (Config::default(), Knowledge::default());
        let r = process_file(&path, "x/gone.txt", &ReportContext::new(&config, &know));
        assert_eq!(r.status, Status::Failed);
        let e = r.error.unwrap();
        assert!(e.starts_with("cannot read x/gone.txt: "), "{e}");
        assert_eq!(r.partition, Partition::unknown());
    }

    /// A table printed one cell a line (PyMuPDF `get_text()`): 16 lone
    /// amounts at lines 10–55.
    fn one_cell_a_line(amounts: &[&str]) -> String {
        let mut t = "上海市普陀区司法局2026年部门预算\n表1\n支出预算表\n单位：元\n\
                     项目\n合计\n"
            .to_string();
        for (k, a) in amounts.iter().enumerate() {
            t.push_str(&format!("{}\n项目{k}\n{a}\n", 2010601 + k));
        }
        t
    }

    #[test]
    fn text_that_lost_its_layout_fails_saying_how_to_convert() {
        let (config, know) = (Config::default(), Knowledge::default());
        let amounts: Vec<String> = (1..=16).map(|k| format!("{k},000.00")).collect();
        let amounts: Vec<&str> = amounts.iter().map(String::as_str).collect();
        let text = one_cell_a_line(&amounts);
        let found = parse::lost_layout::detect(&text).unwrap();
        assert_eq!((found.first_line, found.last_line), (9, 54));
        let r = process_bytes(
            "x/sfj.txt",
            text.as_bytes(),
            &ReportContext::new(&config, &know),
        );
        assert_eq!(r.status, Status::Failed);
        assert_eq!(
            r.error.as_deref(),
            Some(
                "x/sfj.txt: text lost its table layout (lines 9–54: 16 lines that are a lone \
                 amount, labels printed apart from their amounts); the grid cannot be rebuilt \
                 from it. Convert the PDF with `pdftotext -layout` (poppler) and run again."
            )
        );
        assert!(r.tables.is_empty() && r.checks.is_empty());
    }

    #[test]
    fn rebuilt_tables_are_kept_only_if_all_checked_and_passing() {
        use crate::checks::{Check, CheckStatus};
        use crate::model::Table;
        let table = |ordinal| Table {
            ordinal,
            number: None,
            title: "支出预算表".into(),
            line_start: 1,
            line_end: 1,
            ..Default::default()
        };
        let check = |ordinal, kind: &str, status| Check {
            table_ordinal: ordinal,
            check: kind.into(),
            target: String::new(),
            expected: Default::default(),
            actual: Default::default(),
            diff: Default::default(),
            status,
            message: String::new(),
        };
        let (t1, t2) = (table(1), table(2));
        let pass1 = check(1, "subject_tree", CheckStatus::Pass);
        let round2 = check(2, "column_sum", CheckStatus::Rounding);
        assert!(stands_behind(
            &[t1.clone(), t2.clone()],
            &[pass1.clone(), round2.clone()]
        ));
        assert!(!stands_behind(&[], &[]));
        // A table nobody checked.
        assert!(!stands_behind(
            &[t1.clone(), t2.clone()],
            std::slice::from_ref(&pass1)
        ));
        // Only a cross-table check on table 2: it vouches for one figure.
        let cross2 = check(2, "cross_table", CheckStatus::Pass);
        assert!(!stands_behind(
            &[t1.clone(), t2.clone()],
            &[pass1.clone(), cross2]
        ));
        // A failed check anywhere.
        let fail1 = check(1, "prose", CheckStatus::Fail);
        assert!(!stands_behind(&[t1, t2], &[pass1, round2, fail1]));
    }

    #[test]
    fn lost_layout_tables_are_kept_when_every_table_is_checked_and_passes() {
        // Lianjiang: every table has a check of its own grid and all pass;
        // Qingyuan: its performance-target table has none.
        let appendix = format!(
            "\n第五部分 附件\n{}",
            (1..=16)
                .map(|k| format!("项目{k}\n{k}.00\n"))
                .collect::<String>()
        );
        let (config, know) = (Config::default(), Knowledge::default());
        let cx = ReportContext::new(&config, &know);
        let with_appendix = |name: &str| {
            let mut t = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("data/raw")
                    .join(name),
            )
            .unwrap();
            t.push_str(&appendix);
            assert!(parse::lost_layout::detect(&t).is_some());
            process_bytes(name, t.as_bytes(), &cx)
        };
        let kept = with_appendix("004_54921d8d96e87ec6.txt");
        assert_eq!(kept.status, Status::Ok, "{:?}", kept.error);
        assert_eq!(kept.tables.len(), 9);
        assert!(
            kept.warnings.iter().any(|w| w
                .starts_with("004_54921d8d96e87ec6.txt: text lost its table layout (lines ")
                && w.ends_with(
                    "its tables are kept because every table was checked and every \
                 check passed"
                )),
            "{:?}",
            kept.warnings
        );
        let failed = with_appendix("000_7e5bca9fcb7b40a5.txt");
        assert_eq!(failed.status, Status::Failed);
        assert!(failed
            .error
            .unwrap()
            .contains("text lost its table layout (lines "));
        assert!(failed.tables.is_empty());
    }

    #[test]
    fn report_id_is_sha256_prefix() {
        assert_eq!(report_id(b"abc"), "ba7816bf8f01cfea");
    }
}
