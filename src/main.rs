//! `fiscal-etl run`: the command-line front of the batch.
//!
//! Exit status: 0 every report ok; 1 some reports failed (all others
//! written); 2 the run could not happen (arguments, input root, output).

use clap::{Parser, Subcommand};
use fiscal_etl::config::{self, Config};
use fiscal_etl::pipeline::{self, RunOptions};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const DEFAULT_CONFIG: &str = "config/fiscal-etl.toml";

#[derive(Parser)]
#[command(
    name = "fiscal-etl",
    version,
    about = "Extract every table of department budget and final-accounts report texts into Hive-partitioned Parquet"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Walk the input directory, extract every table, write the datasets.
    Run {
        /// Directory of raw report texts (*.txt, searched recursively).
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
        /// Exit with status 1 when any arithmetic check fails.
        #[arg(long)]
        strict: bool,
    },
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
        } => run(input, output, jobs, config, strict),
    }
}

/// The configuration and the bytes it was read from (for its digest).
fn load_config(explicit: Option<PathBuf>) -> anyhow::Result<(Config, Vec<u8>)> {
    let path = match explicit {
        Some(path) => path,
        None => {
            let path = PathBuf::from(DEFAULT_CONFIG);
            if !path.exists() {
                return Ok((Config::default(), Vec::new()));
            }
            path
        }
    };
    let bytes = std::fs::read(&path)
        .map_err(|e| anyhow::anyhow!("reading config {}: {e}", path.display()))?;
    Ok((config::load(&path)?, bytes))
}

fn run(
    input: PathBuf,
    output: PathBuf,
    jobs: Option<usize>,
    config: Option<PathBuf>,
    strict: bool,
) -> ExitCode {
    let (config, config_bytes) = match load_config(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    if jobs == Some(0) {
        eprintln!("error: --jobs must be at least 1");
        return ExitCode::from(2);
    }
    let opts = RunOptions {
        input,
        output,
        jobs,
        config,
        config_digest: pipeline::config_digest(&config_bytes),
        progress: std::io::stderr().is_terminal(),
    };
    match pipeline::run(&opts) {
        Ok(s) => {
            for w in &s.warnings {
                eprintln!("warning: {w}");
            }
            for (path, err) in &s.failures {
                eprintln!("failed: {path}: {err}");
            }
            let mb = s.input_bytes as f64 / 1e6;
            eprintln!(
                "reports ok {} failed {} | tables {} cells {} | {:.2} MB in {:.2} s ({:.1} MB/s) | {} files, {} bytes written to {}",
                s.reports_ok,
                s.reports_failed,
                s.tables,
                s.cells,
                mb,
                s.seconds,
                if s.seconds > 0.0 { mb / s.seconds } else { 0.0 },
                s.files_written,
                s.bytes_written,
                opts.output.display()
            );
            let tally: Vec<String> = s.checks.iter().map(|(k, v)| format!("{k} {v}")).collect();
            eprintln!(
                "checks: {}",
                if tally.is_empty() {
                    "none".to_string()
                } else {
                    tally.join(", ")
                }
            );
            let failed_checks = s.checks.get("fail").copied().unwrap_or(0);
            if s.reports_failed > 0 || (strict && failed_checks > 0) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
