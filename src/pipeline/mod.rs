//! The batch: discover the reports, process each one in parallel (read,
//! decode, parse, classify, check), then write every dataset through the
//! sink and commit the run. A report that fails is recorded with its error;
//! it never stops the others (unless `--fail-fast`).
//!
//! Incremental runs reuse the previous manifest: a report whose path and
//! bytes are unchanged is not parsed, and only partitions where something
//! changed are written again. A partition file holds all reports of the
//! partition, so a touched partition is written whole: the rows of its
//! unchanged reports are read back from the previous run's files (parsed
//! again only where those files are missing or do not hold them), in the
//! batches a full run writes; the result equals a full run byte for byte.

use crate::catalog::Catalog;
use crate::checks::{self, CheckRules};
use crate::config::Config;
use crate::convert::Converter;
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

mod manifest;
mod plan;
mod previous;
mod report;
mod write;

use manifest::*;
pub use manifest::{Manifest, ManifestEntry};
use plan::*;
use report::*;
pub use report::{partition_of, process_bytes, process_file, report_id, ReportContext};
use write::*;

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
    /// `--pdftotext`: the converter of PDF reports (else pdftotext on PATH).
    pub pdftotext: Option<PathBuf>,
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

impl RunSummary {
    fn add_partition(&mut self, done: &PartitionDone) {
        for (k, v) in &done.checks {
            *self.checks.entry(k).or_default() += v;
        }
        self.tables += done.tables;
        self.verification.merge(done.verification);
        self.cells += done.cells;
        self.parsed += done.parsed;
        self.reused += done.reused;
        self.files_written += done.stats.files;
        self.bytes_written += done.stats.bytes;
    }

    fn count_outcomes(&mut self, outcomes: &Outcomes, files: &SourceFiles) {
        for o in &outcomes.list {
            match o.status {
                Status::Ok => self.reports_ok += 1,
                Status::Failed => {
                    self.reports_failed += 1;
                    let error = outcomes.errors.get(&o.file).cloned().unwrap_or_default();
                    self.failures
                        .push((files.rel_path(o.file as usize).to_string(), error));
                }
            }
        }
    }
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
    let (previous, stale_previous) = match opts.incremental {
        true => previous_manifest(opts, &stem),
        false => (None, None),
    };
    let prev_by_path: BTreeMap<&str, &ManifestEntry> = previous
        .iter()
        .flat_map(|m| &m.reports)
        .map(|e| (e.source_path.as_str(), e))
        .collect();

    let know = Knowledge::default();
    let converter = Converter::find(opts.pdftotext.as_deref());
    let cx = ReportContext {
        config: &opts.config,
        know: &know,
        sidecar: opts.sidecar.as_ref(),
        converter: &converter,
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
    let pass1 = Pass1 {
        opts,
        files: &files,
        cx: &cx,
        prev: &prev_by_path,
        bar: &bar,
        bytes_done: &bytes_done,
    };
    let plan = in_pool(opts.jobs, || pass1.scan());
    if let Some(signal) = opts.interrupt.received() {
        return Err(RunError::Interrupted { signal });
    }
    let Plan {
        mut partitions,
        texts,
        mut reuse,
    } = plan;
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
        let (touched, removed) = touched_partitions(prev, &partitions, &reuse, &files);
        summary.removed = removed;
        touched
    });
    // The manifest's entries, as outcomes: first those of the unchanged
    // reports of untouched partitions, taken from the previous manifest.
    let mut outcomes = Outcomes::default();
    if let Some(owned) = &owned {
        take_untouched(&mut partitions, &mut reuse, owned, &mut outcomes);
    }
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
    let parts: Vec<(Partition, Vec<Planned>)> = partitions.into_iter().collect();
    stage("scan");
    let pass2 = Pass2 {
        opts,
        files: &files,
        cx: &cx,
        texts: &texts,
        bar: &bar,
        staging: &staging,
        sink_opts: &sink_opts,
        previous: previous
            .is_some()
            .then_some((opts.output.as_path(), &reuse)),
        fail_fast_stop: AtomicBool::new(false),
        first_failure: Mutex::new(None),
    };
    let written = in_pool(opts.jobs, || pass2.write(parts));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    stage("parse and write");
    if let Some(signal) = opts.interrupt.received() {
        std::fs::remove_dir_all(&staging).ok();
        return Err(RunError::Interrupted { signal });
    }
    if opts.fail_fast {
        if let Some((path, error)) = pass2.first_failure.lock().unwrap().take() {
            std::fs::remove_dir_all(&staging).ok();
            return Err(RunError::FailFast { path, error });
        }
    }
    for done in written {
        let done = done.map_err(|e| {
            std::fs::remove_dir_all(&staging).ok();
            out_err(e)
        })?;
        summary.add_partition(&done);
        outcomes.add_written(done.partition_dir, done.outcomes, done.errors);
    }
    // By source path, as the files are sorted.
    outcomes.list.sort_unstable_by_key(|o| o.file);
    summary.count_outcomes(&outcomes, &files);

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
    stage_manifest(&staging, &stem, &manifest).map_err(out_err)?;
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
