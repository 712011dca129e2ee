//! The batch: discover the reports, process each one in parallel (read,
//! decode, parse, classify, check), then write every dataset through the
//! sink and commit the run. A report that fails is recorded with its error;
//! it never stops the others (unless `--fail-fast`).
//!
//! Incremental runs reuse the previous manifest: a report whose path and
//! bytes are unchanged is not parsed, and only partitions where something
//! changed are written again. A partition file holds all reports of the
//! partition, so the unchanged reports of a touched partition are parsed
//! again to rewrite it; the result equals a full run byte for byte.

use crate::catalog::Catalog;
use crate::checks::{self, CheckRules};
use crate::config::Config;
use crate::decode;
use crate::discover::{self, SourceFiles};
use crate::interrupt::Interrupt;
use crate::lock;
use crate::log::{Event, Logger};
use crate::model::{Partition, ReportMeta, ReportRecord, Status};
use crate::parse;
use crate::region::Divisions;
use crate::report_meta::{self, Sidecar, SidecarRow};
use crate::sink::{self, SinkOptions};
use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// One of N deterministic slices of the reports, by report id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// "2/3" → shard 2 of 3.
    pub fn parse(s: &str) -> Option<Shard> {
        let (k, n) = s.split_once('/')?;
        let (index, count) = (k.trim().parse().ok()?, n.trim().parse().ok()?);
        (count >= 1 && (1..=count).contains(&index)).then_some(Shard { index, count })
    }

    /// Does this shard own the report? Its id as a number (the first 8
    /// bytes of its SHA-256, [`report_id_number`]) modulo the shard count.
    pub fn owns(&self, id: u64) -> bool {
        id % self.count as u64 == (self.index - 1) as u64
    }

    pub fn file_stem(&self) -> String {
        format!("part-{:05}-of-{:05}", self.index, self.count)
    }
}

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub output: PathBuf,
    pub jobs: Option<usize>,
    pub config: Config,
    /// SHA-256 of the configuration in force (file, catalog, check rules),
    /// recorded in the manifest.
    pub config_digest: String,
    /// Show a progress bar (a terminal is attached); else one log line per report.
    pub progress: bool,
    pub log: Logger,
    pub fail_fast: bool,
    pub incremental: bool,
    pub shard: Option<Shard>,
    /// `--metadata`: fields supplied or overridden per input file.
    pub sidecar: Option<Sidecar>,
    /// `--wait`: how long to wait for another run's lock on the output.
    pub lock_wait: lock::Wait,
    /// Set by SIGINT/SIGTERM: stop, publish nothing.
    pub interrupt: Interrupt,
}

/// Digest of everything that shapes the output besides the input: the
/// configuration file's bytes, the `--metadata` file's digest, the built-in
/// catalog, rules and division list, and the tool's version. An
/// incremental run reuses a previous run only under the same digest.
pub fn config_digest(config_bytes: &[u8], sidecar: Option<&Sidecar>) -> String {
    let mut h = Sha256::new();
    h.update(config_bytes);
    h.update(sidecar.map(Sidecar::digest).unwrap_or("").as_bytes());
    h.update(crate::region::BUILTIN_TSV.as_bytes());
    h.update(crate::config::BUILTIN.as_bytes());
    h.update(crate::catalog::BUILTIN.as_bytes());
    h.update(crate::checks::BUILTIN.as_bytes());
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    hex::encode(h.finalize())
}

/// One report in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub source_path: String,
    /// The exact bytes of the relative path, in hex, for a file name that
    /// is not UTF-8 (`source_path` shows it lossy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path_bytes: Option<String>,
    pub report_id: String,
    pub status: Status,
    pub error: Option<String>,
    pub partition: String,
    /// Failed for a reason outside its bytes (the file vanished or changed
    /// while the run read it): an incremental run parses it again even if
    /// its bytes are those of this entry.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`crate::arrow_out::SCHEMA_VERSION`] of the datasets (absent in the
    /// manifests of version 1).
    #[serde(default = "schema_version_1")]
    pub schema_version: u32,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    pub tool_version: String,
    pub config_digest: String,
    pub reports: Vec<ManifestEntry>,
}

fn schema_version_1() -> u32 {
    1
}

fn manifest_name(stem: &str) -> String {
    if stem == "part-00000" {
        "_manifest.json".into()
    } else {
        format!("_manifest.{stem}.json")
    }
}

/// What every report is checked against: the table catalog and the
/// relations between tables.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub catalog: Catalog,
    pub rules: CheckRules,
    /// The administrative divisions governments are resolved against.
    pub divisions: &'static Divisions,
}

impl Default for Knowledge {
    fn default() -> Self {
        Knowledge {
            catalog: Catalog::builtin(),
            rules: CheckRules::builtin(),
            divisions: Divisions::builtin(),
        }
    }
}

/// What a run did, for the summary line and the exit status.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub reports_ok: usize,
    pub reports_failed: usize,
    /// Incremental runs: reports taken from the previous run unparsed.
    pub reused: usize,
    pub parsed: usize,
    /// Reports of the previous run no longer in the input.
    pub removed: usize,
    pub tables: usize,
    pub cells: u64,
    pub input_bytes: u64,
    pub seconds: f64,
    pub files_written: usize,
    pub bytes_written: u64,
    /// (source_path, error) of every failed report.
    pub failures: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// Checks per status (pass, rounding, fail) of the reports parsed.
    pub checks: BTreeMap<&'static str, usize>,
    /// Tables of the reports parsed by verification ([`crate::verify`]).
    pub verification: crate::verify::Tally,
    /// Wall seconds of each stage, in order, and the process's peak
    /// resident memory (MB) at its end where the OS tells it: where a run's
    /// time and memory go.
    pub stages: Vec<(&'static str, f64, Option<u64>)>,
    /// The publish: files moved and deleted, and how long readers could
    /// see old and new files side by side.
    pub commit: sink::CommitStats,
}

/// Why a run could not happen at all (exit status 2), or was stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read input directory {path}: {message}")]
    Input { path: String, message: String },
    #[error("cannot write output directory {path}: {source:#}")]
    Output { path: String, source: anyhow::Error },
    #[error(
        "stopped at the first failed report (--fail-fast): {path}: {error}; nothing was written"
    )]
    FailFast { path: String, error: String },
    #[error(transparent)]
    Locked(#[from] lock::LockError),
    #[error(
        "stopped by {}: no more reports taken, the staging directory removed; the previous \
         output is unchanged",
        crate::interrupt::name(*signal)
    )]
    Interrupted { signal: i32 },
}

/// What processing one report needs besides its bytes.
#[derive(Clone, Copy)]
pub struct ReportContext<'a> {
    pub config: &'a Config,
    pub know: &'a Knowledge,
    /// `--metadata`, if given.
    pub sidecar: Option<&'a Sidecar>,
}

impl<'a> ReportContext<'a> {
    /// A context without a sidecar.
    pub fn new(config: &'a Config, know: &'a Knowledge) -> Self {
        ReportContext {
            config,
            know,
            sidecar: None,
        }
    }

    fn sidecar_row(&self, rel_path: &str) -> Option<&'a SidecarRow> {
        self.sidecar.and_then(|s| s.row(rel_path))
    }

    /// The metadata stage on what the text states.
    fn settle(&self, content: ReportMeta, rel_path: &str) -> report_meta::Completed {
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
fn process_file_known(
    path: &Path,
    rel_path: &str,
    cx: &ReportContext,
    known: Option<(u64, ReportMeta)>,
) -> ReportRecord {
    match std::fs::read(path) {
        Ok(bytes) => process_bytes_known(rel_path, &bytes, cx, known),
        Err(e) => failed_record(rel_path, None, 0, format!("cannot read {rel_path}: {e}")),
    }
}

/// A report whose bytes changed between the scan (which filed it under a
/// partition and a shard by the bytes it read) and the parse: what was
/// parsed belongs to another version, so nothing of it is written. The next
/// run reads it again (an incremental one too: see `retry`).
fn changed_while_read(parsed: ReportRecord, scanned_id: u64) -> ReportRecord {
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
    )
}

fn failed_record(rel: &str, id: Option<String>, size: u64, error: String) -> ReportRecord {
    ReportRecord {
        report_id: id.unwrap_or_else(|| report_id(rel.as_bytes())),
        source_path: rel.to_string(),
        source_bytes: size,
        encoding: None,
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
fn id_hex(id: u64) -> String {
    format!("{id:016x}")
}

/// A report id as written back to its number (0 if it is not one).
fn id_number(hex: &str) -> u64 {
    u64::from_str_radix(hex, 16).unwrap_or(0)
}

/// [`report_id`] as a number: its first 8 bytes, big-endian.
fn report_id_number(bytes: &[u8]) -> u64 {
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
fn missing_meta(meta: &ReportMeta) -> Vec<&'static str> {
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
fn process_bytes_known(
    rel: &str,
    bytes: &[u8],
    cx: &ReportContext,
    known: Option<(u64, ReportMeta)>,
) -> ReportRecord {
    let number = report_id_number(bytes);
    let id = id_hex(number);
    let known_meta = known.filter(|(k, _)| *k == number).map(|(_, m)| m);
    let size = bytes.len() as u64;
    let decoded = match decode::decode_report(bytes) {
        Ok(d) => d,
        Err(e) => return failed_record(rel, Some(id), size, format!("{rel}: {e}")),
    };
    let mut parsed = parse::parse_report_with(&decoded.text, known_meta);
    let settled = cx.settle(std::mem::take(&mut parsed.meta), rel);
    let meta = settled.meta;
    cx.know
        .catalog
        .classify_tables(&mut parsed.tables, meta.report_type);
    let checks = checks::check_report(&parsed.tables, &decoded.text, &cx.know.rules);
    crate::verify::verify_tables(&mut parsed.tables, &checks);
    let missing = missing_meta(&meta);
    let lost = parse::lost_layout::detect(&decoded.text);
    let mut record = ReportRecord {
        report_id: id,
        source_path: rel.to_string(),
        source_bytes: size,
        encoding: Some(decoded.encoding.to_string()),
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
fn stands_behind(tables: &[crate::model::Table], checks: &[checks::Check]) -> bool {
    let own_grid = |c: &checks::Check| !matches!(c.check.as_str(), "cross_table" | "prose");
    !tables.is_empty()
        && checks.iter().all(|c| c.status != checks::CheckStatus::Fail)
        && tables.iter().all(|t| {
            checks
                .iter()
                .any(|c| c.table_ordinal == t.ordinal && own_grid(c))
        })
}

fn read_previous_manifest(output: &Path, stem: &str) -> Option<Manifest> {
    let bytes = std::fs::read(output.join(manifest_name(stem))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Runs the whole batch.
pub fn run(opts: &RunOptions) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let out_err = |source: anyhow::Error| RunError::Output {
        path: opts.output.display().to_string(),
        source,
    };
    let stem = opts
        .shard
        .map(|s| s.file_stem())
        .unwrap_or_else(|| "part-00000".into());
    std::fs::create_dir_all(&opts.output)
        .with_context(|| format!("creating {}", opts.output.display()))
        .map_err(out_err)?;
    // Held to the end of the run: released when `_lock` drops, or by the
    // kernel when the process dies.
    let _lock = lock::acquire(&opts.output, &stem, opts.lock_wait)?;
    let (files, walk_warnings) = discover::discover_skipping(&opts.input, &[&opts.output])
        .map_err(|e| RunError::Input {
            path: opts.input.display().to_string(),
            message: e.to_string(),
        })?;
    prepare_output(&opts.output, &stem).map_err(out_err)?;
    // Reused only if made by the same configuration and layout: else every
    // report is parsed again (and the run says so).
    let mut stale_previous = None;
    let previous = if opts.incremental {
        read_previous_manifest(&opts.output, &stem).filter(|m| {
            let same = m.config_digest == opts.config_digest
                && m.schema_version == crate::arrow_out::SCHEMA_VERSION;
            if !same {
                stale_previous = Some(format!(
                    "--incremental: the previous run used another configuration, metadata file, \
                     tool version or schema (version {}); every report is parsed again",
                    m.schema_version
                ));
            }
            same
        })
    } else {
        None
    };
    let prev_by_path: BTreeMap<&str, &ManifestEntry> = previous
        .iter()
        .flat_map(|m| &m.reports)
        .map(|e| (e.source_path.as_str(), e))
        .collect();

    let know = Knowledge::default();
    let cx = ReportContext {
        config: &opts.config,
        know: &know,
        sidecar: opts.sidecar.as_ref(),
    };
    let bar = progress_bar(opts.progress, files.len() as u64);
    let bytes_done = AtomicU64::new(0);

    // Pass 1: which reports this run handles, and in which partition. Only
    // the metadata is read; no table is parsed and no text kept.
    let mut stage_start = started;
    let mut stages: Vec<(&'static str, f64, Option<u64>)> = Vec::new();
    let mut stage = |name: &'static str| {
        stages.push((name, stage_start.elapsed().as_secs_f64(), peak_rss_mb()));
        stage_start = Instant::now();
    };
    stage("discover");
    let plan = in_pool(opts.jobs, || {
        (0..files.len())
            .into_par_iter()
            .fold(Plan::default, |mut plan, index| {
                if opts.interrupt.received().is_some() {
                    return plan;
                }
                let s = scan(index, &files, opts, &cx, &prev_by_path);
                bytes_done.fetch_add(s.bytes, Ordering::Relaxed);
                if let Some(scanned) = s.scanned {
                    plan.add(scanned);
                } else if let Some(b) = &bar {
                    b.inc(1);
                }
                plan
            })
            .reduce(Plan::default, Plan::merge)
    });
    if let Some(signal) = opts.interrupt.received() {
        return Err(RunError::Interrupted { signal });
    }
    let Plan {
        mut partitions,
        mut texts,
        reuse,
    } = plan;
    // Kept until pass 2 reaches them: without the room left by growing.
    texts.shrink_to_fit();
    for planned in partitions.values_mut() {
        planned.sort_unstable_by_key(|p| p.file);
        planned.shrink_to_fit();
    }
    if let Some(b) = &bar {
        b.inc(reuse.len() as u64);
    }
    let mut summary = RunSummary {
        warnings: walk_warnings
            .iter()
            .map(|w| format!("{}: {}", w.path, w.message))
            .collect(),
        ..Default::default()
    };
    if let Some(sidecar) = &opts.sidecar {
        summary
            .warnings
            .extend(sidecar.unmatched(files.rel_paths()));
    }
    summary.warnings.extend(stale_previous);
    drop_duplicates(&mut partitions, &files, &mut summary.warnings);

    // Partitions this run writes: all of them, or (incremental) those where
    // a report was added, changed or removed. Unchanged reports in a touched
    // partition are processed too: a partition's file is written whole.
    let owned: Option<BTreeSet<String>> = previous.as_ref().map(|prev| {
        let mut present = vec![false; files.len()];
        let mut changed = vec![false; files.len()];
        let mut touched: BTreeSet<String> = BTreeSet::new();
        for (partition, planned) in &partitions {
            for p in planned {
                present[p.file as usize] = true;
                if !reuse.contains_key(&p.file) {
                    changed[p.file as usize] = true;
                    touched.insert(partition.rel_dir());
                }
            }
        }
        for e in &prev.reports {
            // The walk is sorted by relative path.
            let file = files.position(&e.source_path);
            let now = file.is_some_and(|i| present[i]);
            if !now {
                summary.removed += 1;
            }
            if !now || file.is_some_and(|i| changed[i]) {
                touched.insert(e.partition.clone());
            }
        }
        touched
    });
    // The manifest's entries, as outcomes: first those of the unchanged
    // reports of untouched partitions, taken from the previous manifest.
    let mut outcomes = Outcomes::default();
    if let Some(owned) = &owned {
        let untouched = |file: &u32| reuse.get(file).filter(|e| !owned.contains(&e.partition));
        for planned in partitions.values_mut() {
            planned.retain(|p| {
                let Some(e) = untouched(&p.file) else {
                    return true;
                };
                outcomes.add_reused(p.file, e);
                false
            });
        }
        partitions.retain(|_, planned| !planned.is_empty());
    }
    drop(reuse);
    summary.reused = outcomes.list.len();

    // Pass 2: partition by partition (in parallel), parse its reports, write
    // its files, keep only their outcomes and counts. Memory holds one
    // partition per worker, never the whole output.
    let run_id = format!(
        "{}-{}",
        started_at.format("%Y%m%dT%H%M%S%.3f"),
        std::process::id()
    );
    let staging = sink::staging_dir(&opts.output, &stem, &run_id);
    let sink_opts = SinkOptions {
        file_stem: stem.clone(),
        ..Default::default()
    };
    let fail_fast_stop = AtomicBool::new(false);
    let halted = || fail_fast_stop.load(Ordering::Relaxed) || opts.interrupt.received().is_some();
    let first_failure: Mutex<Option<(String, String)>> = Mutex::new(None);
    let parts: Vec<(Partition, Vec<Planned>)> = partitions.into_iter().collect();
    stage("scan");
    let written: Vec<Result<PartitionDone>> = in_pool(opts.jobs, || {
        let threads = rayon::current_num_threads();
        // Nested parallelism only when partitions are too few to keep every
        // worker busy: a worker waiting inside a chunk would steal other
        // partitions and hold them all open at once. Then as many chunks
        // are parsed at once as keep the workers busy, and written in order.
        let nested = parts.len() < 4 * threads;
        let parsed_together = if nested {
            REPORTS_PER_CHUNK * threads.div_ceil(REPORTS_PER_CHUNK)
        } else {
            REPORTS_PER_CHUNK
        };
        // Consumed: a partition's plan is freed once it is written.
        parts
            .into_par_iter()
            .map(|(partition, planned)| -> Result<PartitionDone> {
                if halted() {
                    return Ok(PartitionDone::default());
                }
                let mut writer = sink::PartitionWriter::new(&staging, &partition, &sink_opts)?;
                let mut done = PartitionDone {
                    partition_dir: partition.rel_dir(),
                    ..Default::default()
                };
                let process = |p: &Planned| {
                    let known = p.known.map(|k| (p.id, k.meta(&texts)));
                    let (path, rel_path) =
                        (files.path(p.file as usize), files.rel_path(p.file as usize));
                    let mut r = process_file_known(&path, rel_path, &cx, known);
                    if r.report_id != id_hex(p.id) && p.has_bytes {
                        r = changed_while_read(r, p.id);
                    }
                    if files.raw_rel_path(p.file as usize).is_some() {
                        r.warnings.push(format!(
                            "{rel_path}: the file name is not UTF-8; source_path shows it \
                             lossy, _manifest.json keeps its bytes (source_path_bytes)"
                        ));
                    }
                    r.partition = partition.clone();
                    finish_one(opts, &bar, &fail_fast_stop, &first_failure, r)
                };
                for together in planned.chunks(parsed_together) {
                    if halted() {
                        return Ok(PartitionDone::default());
                    }
                    let records: Vec<ReportRecord> = if nested {
                        together.par_iter().map(process).collect()
                    } else {
                        together.iter().map(process).collect()
                    };
                    let chunks = together.chunks(REPORTS_PER_CHUNK);
                    for (chunk, records) in chunks.zip(records.chunks(REPORTS_PER_CHUNK)) {
                        writer.write(&records.iter().collect::<Vec<_>>())?;
                        done.add(chunk, records);
                    }
                }
                done.stats = writer.finish()?;
                Ok(done)
            })
            .collect()
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    stage("parse and write");
    if let Some(signal) = opts.interrupt.received() {
        std::fs::remove_dir_all(&staging).ok();
        return Err(RunError::Interrupted { signal });
    }
    if opts.fail_fast {
        if let Some((path, error)) = first_failure.lock().unwrap().take() {
            std::fs::remove_dir_all(&staging).ok();
            return Err(RunError::FailFast { path, error });
        }
    }
    for done in written {
        let done = done.map_err(|e| {
            std::fs::remove_dir_all(&staging).ok();
            out_err(e)
        })?;
        outcomes.add_written(done.partition_dir, done.outcomes, done.errors);
        for (k, v) in done.checks {
            *summary.checks.entry(k).or_default() += v;
        }
        summary.tables += done.tables;
        summary.verification.merge(done.verification);
        summary.cells += done.cells;
        summary.parsed += done.parsed;
        summary.files_written += done.stats.files;
        summary.bytes_written += done.stats.bytes;
    }
    // By source path, as the files are sorted.
    outcomes.list.sort_unstable_by_key(|o| o.file);
    for o in &outcomes.list {
        match o.status {
            Status::Ok => summary.reports_ok += 1,
            Status::Failed => {
                summary.reports_failed += 1;
                let error = outcomes.errors.get(&o.file).cloned().unwrap_or_default();
                summary
                    .failures
                    .push((files.rel_path(o.file as usize).to_string(), error));
            }
        }
    }

    // The manifest is staged with the data so it is published by the same commit.
    let finished_at = chrono::Utc::now().to_rfc3339();
    let manifest = ManifestOut {
        schema_version: crate::arrow_out::SCHEMA_VERSION,
        run_id: &run_id,
        started_at: &started_at.to_rfc3339(),
        finished_at: &finished_at,
        tool_version: env!("CARGO_PKG_VERSION"),
        config_digest: &opts.config_digest,
        reports: Entries {
            files: &files,
            outcomes: &outcomes,
        },
    };
    (|| -> Result<()> {
        // Streamed to the file, each entry made as it is written: for tens
        // of thousands of reports the entries and their JSON would cost as
        // much memory as the rest of the run.
        std::fs::create_dir_all(&staging)?;
        let file = std::fs::File::create(staging.join(manifest_name(&stem)))?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, &manifest)?;
        Ok(std::io::Write::flush(&mut out)?)
    })()
    .map_err(out_err)?;
    // The last moment a signal stops the run: once the plan is written the
    // run is published, now or (if killed) by the next run's start.
    if let Some(signal) = opts.interrupt.received() {
        std::fs::remove_dir_all(&staging).ok();
        return Err(RunError::Interrupted { signal });
    }
    let plan = sink::plan_commit(&staging, &opts.output, &stem, owned.as_ref());
    summary.commit = sink::commit(&staging, &opts.output, &plan).map_err(out_err)?;
    stage("commit");
    summary.stages = stages;

    summary.input_bytes = bytes_done.load(Ordering::Relaxed);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Reports parsed and written together in pass 2. A partition is written
/// chunk by chunk, so memory does not grow with the partition; the size is
/// fixed (not tied to --jobs) so files are the same whatever the machine.
/// Small, so that a corpus of bigger partitions (more years and
/// departments per city) fills no bigger chunks: with 16, a 4 GB corpus's
/// full chunks took 1.2x the memory of a 1 GB corpus's partial ones, and
/// 4 is no slower.
const REPORTS_PER_CHUNK: usize = 4;

/// What pass 2 keeps of a written partition.
#[derive(Default)]
struct PartitionDone {
    /// `city=…/year=…/report_type=…`, shared by its reports' entries.
    partition_dir: String,
    outcomes: Vec<Outcome>,
    /// The error of each failed report, by file.
    errors: Vec<(u32, String)>,
    checks: BTreeMap<&'static str, usize>,
    tables: usize,
    verification: crate::verify::Tally,
    cells: u64,
    parsed: usize,
    stats: sink::WriteStats,
}

/// A report's manifest entry in a few words, without a string: one is kept
/// for every report until the manifest is written, and tens of thousands
/// of small strings scattered between the parser's short-lived ones keep
/// the allocator's pages from being returned.
struct Outcome {
    /// The report id (16 hex digits) as a number.
    id: u64,
    /// Index into the discovered files (its source path).
    file: u32,
    /// Index into [`Outcomes::partition_dirs`].
    dir: u32,
    status: Status,
    /// [`ManifestEntry::retry`].
    retry: bool,
}

/// Every report's manifest entry until the manifest is written.
#[derive(Default)]
struct Outcomes {
    list: Vec<Outcome>,
    /// The error of each failed report, by file.
    errors: BTreeMap<u32, String>,
    /// `city=…/year=…/report_type=…` of the partitions, each once.
    partition_dirs: Vec<String>,
    dir_index: BTreeMap<String, u32>,
}

impl Outcomes {
    fn dir(&mut self, partition_dir: String) -> u32 {
        if let Some(&k) = self.dir_index.get(&partition_dir) {
            return k;
        }
        let k = self.partition_dirs.len() as u32;
        self.partition_dirs.push(partition_dir.clone());
        self.dir_index.insert(partition_dir, k);
        k
    }

    /// An unchanged report's entry from the previous manifest (whose id is
    /// the one the scan computed: see [`scan`]).
    fn add_reused(&mut self, file: u32, e: &ManifestEntry) {
        let dir = self.dir(e.partition.clone());
        self.list.push(Outcome {
            id: id_number(&e.report_id),
            file,
            dir,
            status: e.status,
            retry: e.retry,
        });
        if let Some(error) = &e.error {
            self.errors.insert(file, error.clone());
        }
    }

    fn add_written(
        &mut self,
        partition_dir: String,
        list: Vec<Outcome>,
        errors: Vec<(u32, String)>,
    ) {
        let dir = self.dir(partition_dir);
        self.list
            .extend(list.into_iter().map(|o| Outcome { dir, ..o }));
        self.errors.extend(errors);
    }
}

impl PartitionDone {
    fn add(&mut self, planned: &[Planned], records: &[ReportRecord]) {
        let d = self;
        d.parsed += records.len();
        for (p, r) in planned.iter().zip(records) {
            d.outcomes.push(Outcome {
                id: id_number(&r.report_id),
                file: p.file,
                dir: 0,
                status: r.status,
                // The bytes parsed are not those scanned (see
                // `changed_while_read`), or there were none.
                retry: r.status == Status::Failed && p.has_bytes && r.report_id != id_hex(p.id),
            });
            if let Some(error) = &r.error {
                d.errors.push((p.file, error.clone()));
            }
            for (k, v) in checks::tally(&r.checks) {
                *d.checks.entry(k).or_default() += v;
            }
            d.tables += r.tables.len();
            d.verification.merge(crate::verify::Tally::of(&r.tables));
            d.cells += crate::arrow_out::n_cells(&r.tables);
        }
    }
}

/// What pass 1 read of a file.
struct Scan {
    bytes: u64,
    /// `None` for another shard's report.
    scanned: Option<Scanned>,
}

/// A report this run handles, as pass 1 read it.
struct Scanned {
    partition: Partition,
    /// Its plan, but for the metadata (in `meta`).
    planned: Planned,
    meta: Option<ReportMeta>,
    /// Incremental runs: unchanged since the previous run, which had this
    /// manifest entry.
    reuse: Option<Box<ManifestEntry>>,
}

/// A report pass 2 handles, as pass 1 leaves it. One is kept for every
/// report until pass 2 reaches its partition, so it is a few words: no
/// path, and of the metadata only what the text stated, its strings in
/// the plan's one string of texts.
struct Planned {
    /// Report id as a number; of the path for a file that could not be read.
    id: u64,
    /// Index into the discovered files.
    file: u32,
    /// Read, and not empty: may be the duplicate of another report.
    has_bytes: bool,
    /// The metadata pass 1 read from the text, for pass 2 to reuse when
    /// the bytes are unchanged.
    known: Option<KnownMeta>,
}

/// What a report's text states about it ([`parse::read_report_meta`]), in
/// a few words: its strings (department, title, places) are a span of
/// [`Plan::texts`], separated by [`FIELD_END`]. The rest of the metadata
/// (path, sidecar, government) is settled again from it in pass 2.
#[derive(Clone, Copy)]
struct KnownMeta {
    texts: (u32, u32),
    has_department: bool,
    has_title: bool,
    year: Option<i32>,
    report_type: Option<crate::model::ReportType>,
    scope: Option<crate::model::Scope>,
    consolidated: bool,
}

/// Ends each string of a [`KnownMeta`] in [`Plan::texts`]: a control
/// character no metadata string holds (the reader keeps printed text only).
const FIELD_END: char = '\u{1f}';

impl KnownMeta {
    fn store(meta: ReportMeta, texts: &mut String) -> KnownMeta {
        let start = texts.len() as u32;
        let strings = [meta.department.as_deref(), meta.title.as_deref()];
        for s in strings
            .into_iter()
            .flatten()
            .chain(meta.places.iter().map(String::as_str))
        {
            texts.extend(s.chars().filter(|&c| c != FIELD_END));
            texts.push(FIELD_END);
        }
        KnownMeta {
            texts: (start, texts.len() as u32),
            has_department: meta.department.is_some(),
            has_title: meta.title.is_some(),
            year: meta.year,
            report_type: meta.report_type,
            scope: meta.scope,
            consolidated: meta.consolidated,
        }
    }

    fn meta(&self, texts: &str) -> ReportMeta {
        let (start, end) = self.texts;
        let mut strings = texts[start as usize..end as usize]
            .split_terminator(FIELD_END)
            .map(str::to_string);
        let department = if self.has_department {
            strings.next()
        } else {
            None
        };
        let title = if self.has_title { strings.next() } else { None };
        let content = |present: bool| present.then_some(crate::model::MetaSource::Content);
        ReportMeta {
            sources: crate::model::MetaSources {
                department: content(department.is_some()),
                government: None,
                year: content(self.year.is_some()),
                report_type: content(self.report_type.is_some()),
                scope: content(self.scope.is_some()),
            },
            department,
            title,
            places: strings.collect(),
            year: self.year,
            report_type: self.report_type,
            scope: self.scope,
            consolidated: self.consolidated,
            government: Default::default(),
        }
    }
}

/// Pass 1's reports grouped by partition, built by each worker and merged.
#[derive(Default)]
struct Plan {
    partitions: BTreeMap<Partition, Vec<Planned>>,
    /// The strings of the reports' [`KnownMeta`], one after the other.
    texts: String,
    /// Incremental runs: the previous manifest's entry of every report
    /// unchanged since, by file.
    reuse: BTreeMap<u32, Box<ManifestEntry>>,
}

impl Plan {
    fn add(&mut self, s: Scanned) {
        let known = s.meta.map(|meta| KnownMeta::store(meta, &mut self.texts));
        if let Some(e) = s.reuse {
            self.reuse.insert(s.planned.file, e);
        }
        let planned = Planned { known, ..s.planned };
        self.partitions
            .entry(s.partition)
            .or_default()
            .push(planned);
    }

    fn merge(mut self, mut other: Plan) -> Plan {
        if self.texts.len() < other.texts.len() {
            std::mem::swap(&mut self, &mut other);
        }
        let base = self.texts.len() as u32;
        self.texts.push_str(&other.texts);
        for (partition, mut planned) in other.partitions {
            for p in &mut planned {
                if let Some(KnownMeta {
                    texts: (start, end),
                    ..
                }) = &mut p.known
                {
                    *start += base;
                    *end += base;
                }
            }
            self.partitions
                .entry(partition)
                .or_default()
                .append(&mut planned);
        }
        self.reuse.append(&mut other.reuse);
        self
    }
}

/// [`Manifest`] as it is written: the same fields, its entries made one by
/// one as they are serialized.
#[derive(Serialize)]
struct ManifestOut<'a> {
    schema_version: u32,
    run_id: &'a str,
    started_at: &'a str,
    finished_at: &'a str,
    tool_version: &'a str,
    config_digest: &'a str,
    reports: Entries<'a>,
}

struct Entries<'a> {
    files: &'a SourceFiles,
    outcomes: &'a Outcomes,
}

impl Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let o = self.outcomes;
        serializer.collect_seq(o.list.iter().map(|outcome| {
            ManifestEntry {
                source_path: self.files.rel_path(outcome.file as usize).to_string(),
                source_path_bytes: self
                    .files
                    .raw_rel_path(outcome.file as usize)
                    .map(hex::encode),
                report_id: id_hex(outcome.id),
                status: outcome.status,
                error: o.errors.get(&outcome.file).cloned(),
                partition: o.partition_dirs[outcome.dir as usize].clone(),
                retry: outcome.retry,
            }
        }))
    }
}

/// Pass 1 for one file: its id, whether this run handles it, and its
/// partition (from the metadata alone; `_unknown` when it cannot be read).
fn scan(
    index: usize,
    files: &SourceFiles,
    opts: &RunOptions,
    cx: &ReportContext,
    prev: &BTreeMap<&str, &ManifestEntry>,
) -> Scan {
    let file = index as u32;
    let rel_path = files.rel_path(index);
    let Ok(bytes) = std::fs::read(files.path(index)) else {
        // Read again, and reported, in pass 2 (by the shard its path's id
        // falls to, as failed_record names it).
        let id = report_id_number(rel_path.as_bytes());
        let scanned = Scanned {
            partition: Partition::unknown(),
            planned: Planned {
                id,
                file,
                has_bytes: false,
                known: None,
            },
            meta: None,
            reuse: None,
        };
        return Scan {
            bytes: 0,
            scanned: opts.shard.is_none_or(|s| s.owns(id)).then_some(scanned),
        };
    };
    let id = report_id_number(&bytes);
    let size = bytes.len() as u64;
    let handled = |partition, meta, reuse| Scan {
        bytes: size,
        scanned: Some(Scanned {
            partition,
            planned: Planned {
                id,
                file,
                has_bytes: size > 0,
                known: None,
            },
            meta,
            reuse,
        }),
    };
    if opts.shard.is_some_and(|s| !s.owns(id)) {
        return Scan {
            bytes: size,
            scanned: None,
        };
    }
    let unchanged = prev
        .get(rel_path)
        .filter(|e| e.report_id == id_hex(id) && !e.retry);
    if let Some(e) = unchanged {
        return handled(
            partition_from_rel(&e.partition),
            None,
            Some(Box::new((*e).clone())),
        );
    }
    match decode::decode_report(&bytes) {
        Ok(d) => {
            let content = parse::read_report_meta(&d.text);
            let settled = cx.settle(content.clone(), rel_path);
            let partition = match missing_meta(&settled.meta).is_empty() {
                true => partition_of(&settled.meta),
                false => None,
            };
            handled(
                partition.unwrap_or_else(Partition::unknown),
                Some(content),
                None,
            )
        }
        Err(_) => handled(Partition::unknown(), None, None),
    }
}

/// `city=a/year=1/report_type=b` back to a partition.
fn partition_from_rel(rel: &str) -> Partition {
    let mut p = Partition::unknown();
    for part in rel.split('/') {
        match part.split_once('=') {
            Some(("city", v)) => p.city = v.to_string(),
            Some(("year", v)) => p.year = v.parse().unwrap_or(0),
            Some(("report_type", v)) => p.report_type = v.to_string(),
            _ => {}
        }
    }
    p
}

/// Peak resident set size of this process so far, in MB (Linux).
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// Logs one processed report and notes the first failure for `--fail-fast`.
fn finish_one(
    opts: &RunOptions,
    bar: &Option<indicatif::ProgressBar>,
    stop: &AtomicBool,
    first_failure: &Mutex<Option<(String, String)>>,
    r: ReportRecord,
) -> ReportRecord {
    match bar {
        Some(b) => b.inc(1),
        None => {
            let (level, message) = match r.status {
                Status::Ok => ("info", format!("ok ({} tables)", r.tables.len())),
                Status::Failed => ("error", "failed".to_string()),
            };
            opts.log.emit(Event {
                level,
                message: &message,
                report: Some(&r.report_id),
                path: Some(&r.source_path),
                error: r.error.as_deref(),
            });
        }
    }
    if r.status == Status::Failed && opts.fail_fast {
        stop.store(true, Ordering::Relaxed);
        let mut f = first_failure.lock().unwrap();
        if f.is_none() {
            *f = Some((r.source_path.clone(), r.error.clone().unwrap_or_default()));
        }
    }
    r
}

fn in_pool<T: Send>(jobs: Option<usize>, work: impl FnOnce() -> T + Send) -> T {
    match jobs {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
        {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        },
        None => work(),
    }
}

/// The same bytes under two paths are one report: keep the first path (the
/// walk is sorted) and warn naming both. Unreadable files (no bytes) are
/// never duplicates.
fn drop_duplicates(
    partitions: &mut BTreeMap<Partition, Vec<Planned>>,
    files: &SourceFiles,
    warnings: &mut Vec<String>,
) {
    let mut ids: Vec<(u64, u32)> = partitions
        .values()
        .flatten()
        .filter(|p| p.has_bytes)
        .map(|p| (p.id, p.file))
        .collect();
    ids.sort_unstable();
    // (duplicate, kept, id), each duplicate named after the first path
    // with its bytes.
    let mut dropped: Vec<(u32, u32, u64)> = Vec::new();
    for same in ids.chunk_by(|a, b| a.0 == b.0) {
        let (id, kept) = same[0];
        dropped.extend(same[1..].iter().map(|&(_, dup)| (dup, kept, id)));
    }
    if dropped.is_empty() {
        return;
    }
    dropped.sort_unstable();
    for &(dup, kept, id) in &dropped {
        warnings.push(format!(
            "duplicate report {id:016x}: {} has the same bytes as {}; written once",
            files.rel_path(dup as usize),
            files.rel_path(kept as usize)
        ));
    }
    for planned in partitions.values_mut() {
        planned.retain(|p| {
            dropped
                .binary_search_by_key(&p.file, |&(dup, _, _)| dup)
                .is_err()
        });
    }
    partitions.retain(|_, planned| !planned.is_empty());
}

/// Under the stem's lock: finishes or discards what a killed run of the
/// same stem left, and makes sure the output is writable.
fn prepare_output(output: &Path, stem: &str) -> Result<()> {
    sink::clean_leftovers(output, stem)?;
    let probe = output.join(".write-probe");
    std::fs::write(&probe, b"").with_context(|| format!("writing in {}", output.display()))?;
    std::fs::remove_file(&probe).ok();
    Ok(())
}

fn progress_bar(enabled: bool, total: u64) -> Option<indicatif::ProgressBar> {
    if !enabled {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} reports ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
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
