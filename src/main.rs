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
        } => run(input, output, jobs, config),
    }
}

fn load_config(explicit: Option<PathBuf>) -> anyhow::Result<Config> {
    match explicit {
        Some(path) => config::load(&path),
        None => {
            let path = PathBuf::from(DEFAULT_CONFIG);
            if path.exists() {
                config::load(&path)
            } else {
                Ok(Config::default())
            }
        }
    }
}

fn run(input: PathBuf, output: PathBuf, jobs: Option<usize>, config: Option<PathBuf>) -> ExitCode {
    let config = match load_config(config) {
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
            if s.reports_failed > 0 {
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
