//! One run at a time per output (and shard): an exclusive lock on a file in
//! the output directory.
//!
//! Cron overlapping a manual run would otherwise have the second run clean
//! the first one's staging directory at its start and both publish over each
//! other. The lock is an OS file lock (`flock` on Linux, through
//! [`std::fs::File::try_lock`]), so a run killed with SIGKILL holds nothing:
//! the kernel releases the lock with the process, and the file left behind
//! is not a lock. Each shard (`--shard K/N`) has a lock of its own, as it
//! owns files of its own: shards of one run write into one output at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for a lock another run holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wait {
    /// Give up at once (the default: a cron job should not pile up).
    #[default]
    No,
    /// Wait up to this long.
    For(Duration),
    /// Wait as long as it takes.
    Forever,
}

/// The lock of one output and file stem, held until dropped.
#[derive(Debug)]
pub struct OutputLock {
    // Held open: closing the file releases the lock.
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another run holds {path} ({holder}); it writes the same output. Wait for it, or run with --wait[=SECONDS]")]
    Held { path: String, holder: String },
    #[error("another run still held {path} after waiting {waited:.0} s ({holder})")]
    TimedOut {
        path: String,
        holder: String,
        waited: f64,
    },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// The lock file of `stem` under `output`.
pub fn lock_path(output: &Path, stem: &str) -> PathBuf {
    output.join(format!(".fiscal-etl.{stem}.lock"))
}

/// Takes the lock of `stem` under `output` (which must exist), waiting as
/// `wait` says, and records in it who holds it.
pub fn acquire(output: &Path, stem: &str, wait: Wait) -> Result<OutputLock, LockError> {
    let path = lock_path(output, stem);
    let io = |source| LockError::Io {
        path: path.display().to_string(),
        source,
    };
    // Never truncated on open: the holder's record must survive the
    // attempts of others to read it.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                let waited = started.elapsed();
                let shown = path.display().to_string();
                match wait {
                    Wait::No => {
                        return Err(LockError::Held {
                            path: shown,
                            holder,
                        })
                    }
                    Wait::For(limit) if waited >= limit => {
                        return Err(LockError::TimedOut {
                            path: shown,
                            holder,
                            waited: waited.as_secs_f64(),
                        })
                    }
                    _ => std::thread::sleep(Duration::from_millis(100)),
                }
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
    }
    let record = format!(
        "pid {} started {}\n",
        std::process::id(),
        chrono::Utc::now().to_rfc3339()
    );
    (|| -> std::io::Result<()> {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(record.as_bytes())?;
        file.flush()
    })()
    .map_err(io)?;
    Ok(OutputLock { _file: file, path })
}

/// Who holds the lock, as its holder recorded it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let read = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    match read {
        Ok(_) if !text.trim().is_empty() => format!("held by {}", text.trim()),
        _ => "its holder has not recorded itself yet".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_holder_and_a_released_one_is_free() {
        let d = tempfile::tempdir().unwrap();
        let first = acquire(d.path(), "part-00000", Wait::No).unwrap();
        // flock locks belong to the open file: a second open in this
        // process conflicts as another process would.
        let err = acquire(d.path(), "part-00000", Wait::No).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("--wait"), "{message}");
        // Another shard's lock is its own.
        acquire(d.path(), "part-00001-of-00002", Wait::No).unwrap();
        drop(first);
        acquire(d.path(), "part-00000", Wait::No).unwrap();
    }

    #[test]
    fn waiting_gives_up_after_the_time_given() {
        let d = tempfile::tempdir().unwrap();
        let _held = acquire(d.path(), "part-00000", Wait::No).unwrap();
        let started = Instant::now();
        let err = acquire(
            d.path(),
            "part-00000",
            Wait::For(Duration::from_millis(300)),
        )
        .unwrap_err();
        assert!(matches!(err, LockError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
