//! `fiscal-etl run`: the command-line front of the batch.
//!
//! Exit status: 0 every report ok; 1 some reports failed (all others
//! written); 2 the run could not happen (arguments, input root, output,
//! another run holding the output); 130 / 143 stopped by SIGINT / SIGTERM
//! (nothing published, the previous output unchanged).

use clap::{Parser, Subcommand};
use fiscal_etl::config::{self, Config};
use fiscal_etl::interrupt::Interrupt;
use fiscal_etl::lock;
use fiscal_etl::log::{Event, LogFormat, Logger};
use fiscal_etl::pipeline::{self, RunError, RunOptions, Shard};
use fiscal_etl::report_meta::Sidecar;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const DEFAULT_CONFIG: &str = "config/fiscal-etl.toml";

// The parser makes many small strings per report; mimalloc's thread-local
// free lists keep that from contending on the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "fiscal-etl",
    version,
    about = "Extract every table of department budget and final-accounts reports (texts or PDFs) into Hive-partitioned Parquet"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Walk the input directory, extract every table, write the datasets.
    Run {
        /// Directory of reports: texts (*.txt) and PDFs (*.pdf, converted
        /// with pdftotext -layout), searched recursively.
        #[arg(long, default_value = "data/raw")]
        input: PathBuf,
        /// Output root for the datasets.
        #[arg(long, default_value = "data/out")]
        output: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Configuration file (default config/fiscal-etl.toml; may be absent).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Exit with status 1 when any table is unverified (one of its
        /// arithmetic checks fails).
        #[arg(long)]
        strict: bool,
        /// Reuse the previous run: parse only new and changed reports,
        /// rewrite only the partitions they touch.
        #[arg(long)]
        incremental: bool,
        /// Stop at the first failed report (nothing is written).
        #[arg(long)]
        fail_fast: bool,
        /// Process only shard K of N (by report id), e.g. 2/3; shards write
        /// into one output without colliding.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<Shard>,
        /// Log lines as human text or one JSON object per line.
        #[arg(long, value_enum, default_value_t = LogFormat::Human)]
        log_format: LogFormat,
        /// CSV of metadata per input file (columns source_path and any of
        /// department, province, city, county, year, report_type, scope):
        /// supplies or overrides what the texts state.
        #[arg(long, value_name = "FILE.csv")]
        metadata: Option<PathBuf>,
        /// When another run holds the output (its lock), wait for it: up to
        /// SECONDS, or as long as it takes without a value. Without --wait
        /// the run exits 2 at once, naming the holder.
        #[arg(long, value_name = "SECONDS", num_args = 0..=1, require_equals = true)]
        wait: Option<Option<u64>>,
        /// poppler's pdftotext, which converts *.pdf reports (default: the
        /// one on PATH).
        #[arg(long, value_name = "PATH")]
        pdftotext: Option<PathBuf>,
    },
    /// Show what the tool makes of one report (a .txt or a .pdf): its
    /// metadata, every table as a grid with its header paths, unit, kind,
    /// verification and warnings, and each failing check with its cells
    /// marked. Reads nothing from an output directory.
    Inspect {
        /// The report.
        file: PathBuf,
        /// Only the table with this ordinal (1 = the first table).
        #[arg(long, value_name = "N")]
        table: Option<u32>,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
        /// Configuration file (default config/fiscal-etl.toml; may be absent).
        #[arg(long)]
        config: Option<PathBuf>,
        /// poppler's pdftotext, for a PDF (default: the one on PATH).
        #[arg(long, value_name = "PATH")]
        pdftotext: Option<PathBuf>,
    },
}

/// What `inspect` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InspectFormat {
    /// Metadata and aligned grids, for a terminal.
    Text,
    /// The table's grid as CSV (needs --table), for a spreadsheet.
    Csv,
    /// Metadata, tables and checks as one JSON object.
    Json,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    Shard::parse(s).ok_or_else(|| format!("expected K/N with 1 <= K <= N, got {s:?}"))
}

/// Flags of `run`, as given.
struct RunArgs {
    input: PathBuf,
    output: PathBuf,
    jobs: Option<usize>,
    config: Option<PathBuf>,
    strict: bool,
    incremental: bool,
    fail_fast: bool,
    shard: Option<Shard>,
    log_format: LogFormat,
    metadata: Option<PathBuf>,
    wait: Option<Option<u64>>,
    pdftotext: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run {
            input,
            output,
            jobs,
            config,
            strict,
            incremental,
            fail_fast,
            shard,
            log_format,
            metadata,
            wait,
            pdftotext,
        } => run(RunArgs {
            input,
            output,
            jobs,
            config,
            strict,
            incremental,
            fail_fast,
            shard,
            log_format,
            metadata,
            wait,
            pdftotext,
        }),
        Command::Inspect {
            file,
            table,
            format,
            config,
            pdftotext,
        } => inspect(&file, table, format, config, pdftotext),
    }
}

/// `inspect`: exit 0 when the report is ok, 1 when it failed (the error is
/// shown), 2 when it cannot be read or the arguments are wrong.
fn inspect(
    file: &std::path::Path,
    table: Option<u32>,
    format: InspectFormat,
    config: Option<PathBuf>,
    pdftotext: Option<PathBuf>,
) -> ExitCode {
    use fiscal_etl::inspect as show;
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    };
    let (config, _) = match load_config(config) {
        Ok(c) => c,
        Err(e) => return fail(format!("bad configuration: {e:#}")),
    };
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let know = pipeline::Knowledge::default();
    let converter = fiscal_etl::convert::Converter::find(pdftotext.as_deref());
    let cx = pipeline::ReportContext {
        converter: &converter,
        ..pipeline::ReportContext::new(&config, &know)
    };
    let record = pipeline::process_bytes(&file.to_string_lossy(), &bytes, &cx);
    let out = match format {
        InspectFormat::Text => {
            let terminal = std::io::stdout().is_terminal();
            let style = show::Style {
                color: terminal && std::env::var_os("NO_COLOR").is_none(),
                wrap: terminal,
            };
            let relations = fiscal_etl::checks::relations(&record.tables, &know.rules);
            show::render(&record, &relations, table, style)
        }
        InspectFormat::Json => {
            let json = show::report_json(&record, table);
            serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
        }
        InspectFormat::Csv => {
            let Some(n) = table else {
                return fail("--format csv writes one table: give --table N".into());
            };
            let Some(t) = record.tables.iter().find(|t| t.ordinal == n) else {
                return fail(format!(
                    "{}: no table {n} (it has {})",
                    file.display(),
                    record.tables.len()
                ));
            };
            match show::table_csv(t) {
                Ok(csv) => csv,
                Err(e) => return fail(e.to_string()),
            }
        }
    };
    print!("{out}");
    match record.status {
        fiscal_etl::model::Status::Ok => ExitCode::SUCCESS,
        fiscal_etl::model::Status::Failed => ExitCode::from(1),
    }
}

/// The configuration and the bytes it was read from (for its digest).
fn load_config(explicit: Option<PathBuf>) -> anyhow::Result<(Config, Vec<u8>)> {
    let path = match explicit {
        Some(path) => path,
        None => {
            let path = PathBuf::from(DEFAULT_CONFIG);
            if !path.exists() {
                return Ok((Config::builtin(), Vec::new()));
            }
            path
        }
    };
    let bytes = std::fs::read(&path)
        .map_err(|e| anyhow::anyhow!("reading config {}: {e}", path.display()))?;
    Ok((config::load(&path)?, bytes))
}

fn run(a: RunArgs) -> ExitCode {
    let log = Logger {
        format: a.log_format,
    };
    let fatal = |message: &str, error: String| {
        log.emit(Event {
            level: "error",
            message,
            error: Some(&error),
            ..Default::default()
        });
        ExitCode::from(2)
    };
    let (config, config_bytes) = match load_config(a.config) {
        Ok(c) => c,
        Err(e) => return fatal("bad configuration", format!("{e:#}")),
    };
    if a.jobs == Some(0) {
        return fatal("bad arguments", "--jobs must be at least 1".into());
    }
    let sidecar = match a.metadata.as_deref().map(Sidecar::load).transpose() {
        Ok(s) => s,
        Err(e) => return fatal("bad metadata file", e.to_string()),
    };
    // Installed before the run takes its lock, so that a signal at any
    // point after leaves the output as it was.
    let interrupt = match Interrupt::install() {
        Ok(i) => i,
        Err(e) => return fatal("cannot install signal handlers", e.to_string()),
    };
    let opts = RunOptions {
        input: a.input,
        output: a.output,
        jobs: a.jobs,
        config,
        config_digest: pipeline::config_digest(&config_bytes, sidecar.as_ref()),
        progress: a.log_format == LogFormat::Human && std::io::stderr().is_terminal(),
        log,
        fail_fast: a.fail_fast,
        incremental: a.incremental,
        shard: a.shard,
        sidecar,
        lock_wait: match a.wait {
            None => lock::Wait::No,
            Some(None) => lock::Wait::Forever,
            Some(Some(secs)) => lock::Wait::For(Duration::from_secs(secs)),
        },
        interrupt: interrupt.clone(),
        pdftotext: a.pdftotext,
    };
    match pipeline::run(&opts) {
        Ok(s) => {
            for w in &s.warnings {
                log.emit(Event {
                    level: "warning",
                    message: w,
                    ..Default::default()
                });
            }
            let mb = s.input_bytes as f64 / 1e6;
            let tally: Vec<String> = s.checks.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let summary = format!(
                "reports ok {} failed {} | reused {} parsed {} removed {} | tables {} (verified {}, unverified {}, unchecked {}) cells {} | checks {} | {:.2} MB in {:.2} s ({:.1} MB/s) | {} files, {} bytes written to {}",
                s.reports_ok,
                s.reports_failed,
                s.reused,
                s.parsed,
                s.removed,
                s.tables,
                s.verification.verified,
                s.verification.unverified,
                s.verification.unchecked,
                s.cells,
                if tally.is_empty() { "none".to_string() } else { tally.join(", ") },
                mb,
                s.seconds,
                if s.seconds > 0.0 { mb / s.seconds } else { 0.0 },
                s.files_written,
                s.bytes_written,
                opts.output.display()
            );
            log.emit(Event {
                level: "info",
                message: &summary,
                ..Default::default()
            });
            let stages: Vec<String> = s
                .stages
                .iter()
                .map(|(name, secs, rss)| match rss {
                    Some(mb) => format!("{name} {secs:.2} s (peak RSS {mb} MB)"),
                    None => format!("{name} {secs:.2} s"),
                })
                .collect();
            log.emit(Event {
                level: "info",
                message: &format!(
                    "stages: {}; published {} files, deleted {}, in a {:.1} ms window",
                    stages.join(", "),
                    s.commit.files_moved,
                    s.commit.files_deleted,
                    s.commit.window.as_secs_f64() * 1e3
                ),
                ..Default::default()
            });
            if let Some(signal) = interrupt.received() {
                // Arrived while the run was publishing, which it finished:
                // the new output is complete.
                log.emit(Event {
                    level: "warning",
                    message: &format!(
                        "{} received while publishing; the run was published complete",
                        fiscal_etl::interrupt::name(signal)
                    ),
                    ..Default::default()
                });
                return ExitCode::from(fiscal_etl::interrupt::exit_status(signal));
            }
            if s.reports_failed > 0 || (a.strict && s.verification.unverified > 0) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e @ RunError::FailFast { .. }) => {
            log.emit(Event {
                level: "error",
                message: "run stopped",
                error: Some(&e.to_string()),
                ..Default::default()
            });
            ExitCode::from(1)
        }
        Err(RunError::Interrupted { signal }) => {
            log.emit(Event {
                level: "error",
                message: &RunError::Interrupted { signal }.to_string(),
                ..Default::default()
            });
            ExitCode::from(fiscal_etl::interrupt::exit_status(signal))
        }
        Err(e @ RunError::Locked(_)) => fatal("output locked by another run", e.to_string()),
        Err(e) => fatal("run could not happen", e.to_string()),
    }
}
