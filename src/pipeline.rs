//! The batch: discover the reports, process each one in parallel (read,
//! decode, parse, validate), then write every dataset through the sink and
//! commit the run. A report that fails is recorded with its error; it never
//! stops the others.

use crate::catalog::Catalog;
use crate::checks::{self, CheckRules};
use crate::config::Config;
use crate::decode;
use crate::discover::{self, SourceFile};
use crate::model::{Partition, ReportRecord, Status};
use crate::parse;
use crate::sink::{self, SinkOptions};
use crate::slug;
use anyhow::{Context, Result};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

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
    /// Show a progress bar (a terminal is attached).
    pub progress: bool,
}

/// Digest of everything that shapes the output besides the input: the
/// configuration file's bytes and the built-in catalog and rules.
pub fn config_digest(config_bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(config_bytes);
    h.update(crate::catalog::BUILTIN.as_bytes());
    h.update(crate::checks::BUILTIN.as_bytes());
    hex::encode(h.finalize())
}

/// `_manifest.json` then `_SUCCESS`, each written to a temporary name and
/// renamed, after the datasets are committed.
fn write_manifest(
    output: &Path,
    run_id: &str,
    started_at: chrono::DateTime<chrono::Utc>,
    config_digest: &str,
    records: &[ReportRecord],
) -> Result<()> {
    let reports: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "source_path": r.source_path,
                "report_id": r.report_id,
                "status": r.status.as_str(),
                "error": r.error,
                "partition": r.partition.rel_dir(),
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "run_id": run_id,
        "started_at": started_at.to_rfc3339(),
        "finished_at": chrono::Utc::now().to_rfc3339(),
        "tool_version": env!("CARGO_PKG_VERSION"),
        "config_digest": config_digest,
        "reports": reports,
    });
    for (name, bytes) in [
        ("_manifest.json", serde_json::to_vec_pretty(&manifest)?),
        ("_SUCCESS", Vec::new()),
    ] {
        let tmp = output.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, output.join(name)).with_context(|| format!("writing {name}"))?;
    }
    Ok(())
}

/// What every report is checked against: the table catalog and the
/// relations between tables.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub catalog: Catalog,
    pub rules: CheckRules,
}

impl Default for Knowledge {
    fn default() -> Self {
        Knowledge {
            catalog: Catalog::builtin(),
            rules: CheckRules::builtin(),
        }
    }
}

/// What a run did, for the summary line and the exit status.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub reports_ok: usize,
    pub reports_failed: usize,
    pub tables: usize,
    pub cells: u64,
    pub input_bytes: u64,
    pub seconds: f64,
    pub files_written: usize,
    pub bytes_written: u64,
    /// (source_path, error) of every failed report.
    pub failures: Vec<(String, String)>,
    pub warnings: Vec<String>,
    /// Checks per status (pass, rounding, fail).
    pub checks: std::collections::BTreeMap<&'static str, usize>,
}

/// Why a run could not happen at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read input directory {path}: {message}")]
    Input { path: String, message: String },
    #[error("cannot write output directory {path}: {source:#}")]
    Output { path: String, source: anyhow::Error },
}

/// Processes one file: never panics on bad input, never returns an error;
/// failures become a failed record.
pub fn process_file(file: &SourceFile, config: &Config, know: &Knowledge) -> ReportRecord {
    match std::fs::read(&file.path) {
        Ok(bytes) => process_bytes(&file.rel_path, &bytes, config, know),
        Err(e) => failed_record(
            &file.rel_path,
            None,
            0,
            format!("cannot read {}: {e}", file.rel_path),
        ),
    }
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
        tables: Vec::new(),
        checks: Vec::new(),
    }
}

/// First 16 hex characters of the SHA-256 of the raw bytes.
pub fn report_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

/// The pure part of processing: raw bytes in, a record out.
pub fn process_bytes(rel: &str, bytes: &[u8], config: &Config, know: &Knowledge) -> ReportRecord {
    let id = report_id(bytes);
    let size = bytes.len() as u64;
    let decoded = match decode::decode_report(bytes) {
        Ok(d) => d,
        Err(e) => return failed_record(rel, Some(id), size, format!("{rel}: {e}")),
    };
    let mut parsed = parse::parse_report(&decoded.text);
    know.catalog
        .classify_tables(&mut parsed.tables, parsed.meta.report_type);
    let checks = checks::check_report(&parsed.tables, &decoded.text, &know.rules);
    let meta = parsed.meta;
    let mut missing = Vec::new();
    if meta.city.is_none() {
        missing.push("city");
    }
    if meta.year.is_none() {
        missing.push("year");
    }
    if meta.report_type.is_none() {
        missing.push("report type (预算/决算)");
    }
    let mut record = ReportRecord {
        report_id: id,
        source_path: rel.to_string(),
        source_bytes: size,
        encoding: Some(decoded.encoding.to_string()),
        meta: meta.clone(),
        partition: Partition::unknown(),
        status: Status::Ok,
        error: None,
        tables: parsed.tables,
        checks,
    };
    if !missing.is_empty() {
        // Never filed under a guessed partition, and its tables are not
        // published: a failed report contributes only its `reports` row.
        record.status = Status::Failed;
        record.error = Some(format!(
            "{rel}: report metadata missing: {} not found in the text",
            missing.join(", ")
        ));
        record.tables.clear();
        record.checks.clear();
        return record;
    }
    record.partition = Partition {
        city: slug::city_slug(meta.city.as_deref().unwrap_or(""), &config.city_slugs),
        year: meta.year.unwrap_or(0),
        report_type: meta
            .report_type
            .map(|t| t.as_str())
            .unwrap_or("_unknown")
            .to_string(),
    };
    if record.tables.is_empty() {
        record.status = Status::Failed;
        record.error = Some(format!(
            "{rel}: no tables found in {} lines",
            decoded.text.lines().count()
        ));
    }
    record
}

/// Runs the whole batch.
pub fn run(opts: &RunOptions) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let (files, walk_warnings) = discover::discover(&opts.input).map_err(|e| RunError::Input {
        path: opts.input.display().to_string(),
        message: e.to_string(),
    })?;
    prepare_output(&opts.output).map_err(|source| RunError::Output {
        path: opts.output.display().to_string(),
        source,
    })?;

    let know = Knowledge::default();
    let bar = progress_bar(opts.progress, files.len() as u64);
    let bytes_done = AtomicU64::new(0);
    let work = || -> Vec<ReportRecord> {
        files
            .par_iter()
            .map(|f| {
                let r = process_file(f, &opts.config, &know);
                bytes_done.fetch_add(r.source_bytes, Ordering::Relaxed);
                if let Some(b) = &bar {
                    b.inc(1);
                } else if let Some(e) = &r.error {
                    eprintln!("failed: {e}");
                }
                r
            })
            .collect()
    };
    let mut records = match opts.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map(|pool| pool.install(work))
            .unwrap_or_else(|_| work()),
        None => work(),
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let mut summary = RunSummary {
        warnings: walk_warnings
            .iter()
            .map(|w| format!("{}: {}", w.path, w.message))
            .collect(),
        ..Default::default()
    };
    drop_duplicates(&mut records, &mut summary.warnings);

    let run_id = format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S"),
        std::process::id()
    );
    let staging = sink::staging_dir(&opts.output, &run_id);
    let write = (|| -> Result<sink::WriteStats> {
        let stats = sink::write_partitioned(&staging, &records, &SinkOptions::default())?;
        sink::commit(&staging, &opts.output)?;
        Ok(stats)
    })();
    let stats = write.map_err(|source| RunError::Output {
        path: opts.output.display().to_string(),
        source,
    })?;
    let started_at =
        chrono::Utc::now() - chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    write_manifest(
        &opts.output,
        &run_id,
        started_at,
        &opts.config_digest,
        &records,
    )
    .map_err(|source| RunError::Output {
        path: opts.output.display().to_string(),
        source,
    })?;

    for r in &records {
        match r.status {
            Status::Ok => summary.reports_ok += 1,
            Status::Failed => {
                summary.reports_failed += 1;
                summary
                    .failures
                    .push((r.source_path.clone(), r.error.clone().unwrap_or_default()));
            }
        }
        for (k, v) in checks::tally(&r.checks) {
            *summary.checks.entry(k).or_default() += v;
        }
        summary.tables += r.tables.len();
        summary.cells += r
            .tables
            .iter()
            .flat_map(|t| &t.rows)
            .flat_map(|row| &row.cells)
            .filter(|c| c.is_some())
            .count() as u64;
    }
    summary.input_bytes = bytes_done.load(Ordering::Relaxed);
    summary.files_written = stats.files;
    summary.bytes_written = stats.bytes;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The same bytes under two paths are one report: keep the first path (the
/// walk is sorted) and warn naming both.
fn drop_duplicates(records: &mut Vec<ReportRecord>, warnings: &mut Vec<String>) {
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    records.retain(|r| {
        if r.source_bytes == 0 {
            return true;
        }
        match seen.get(&r.report_id) {
            Some(first) => {
                warnings.push(format!(
                    "duplicate report {}: {} has the same bytes as {}; written once",
                    r.report_id, r.source_path, first
                ));
                false
            }
            None => {
                seen.insert(r.report_id.clone(), r.source_path.clone());
                true
            }
        }
    });
}

fn prepare_output(output: &Path) -> Result<()> {
    std::fs::create_dir_all(output).with_context(|| format!("creating {}", output.display()))?;
    sink::clean_leftovers(output)?;
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
            "{elapsed_precise} [{bar:40}] {pos}/{len} reports {per_sec}",
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
        let r = process_bytes(
            "a/b.txt",
            "表1\n收支总体情况表\n项目\t预算\n合计\t1.00\n".as_bytes(),
            &Config::default(),
            &Knowledge::default(),
        );
        assert_eq!(r.status, Status::Failed);
        let e = r.error.unwrap();
        assert!(
            e.contains("a/b.txt") && e.contains("city") && e.contains("year"),
            "{e}"
        );
        assert_eq!(r.partition, Partition::unknown());
    }

    #[test]
    fn report_id_is_sha256_prefix() {
        assert_eq!(report_id(b"abc"), "ba7816bf8f01cfea");
    }
}
