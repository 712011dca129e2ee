//! When the night goes wrong, with real processes: two runs on one output,
//! SIGINT and SIGTERM, an output inside the input, a file rewritten while
//! the run reads it.
#![cfg(unix)]

mod common;

use arrow_array::Array;
use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(input: &Path, output: &Path, extra: &[&str]) -> Child {
    run_command(input, output, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `child` holds the output's lock (it records its pid there
/// once it holds it).
fn wait_for_lock(output: &Path, child: &Child) {
    let lock = output.join(".fiscal-etl.part-00000.lock");
    let me = format!("pid {} ", child.id());
    let started = Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|s| s.starts_with(&me)) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

fn stderr_of(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn staging_dirs(output: &Path) -> Vec<String> {
    std::fs::read_dir(output)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".staging"))
        .collect()
}

/// (partition, report_id, source_path, status) of every `reports` row.
fn report_rows(root: &Path) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (partition, b) in dataset(root, "reports") {
        let (id, path, status) = (
            strings(&b, "report_id"),
            strings(&b, "source_path"),
            strings(&b, "status"),
        );
        for i in 0..id.len() {
            out.push((
                partition.clone(),
                id.value(i).to_string(),
                path.value(i).to_string(),
                status.value(i).to_string(),
            ));
        }
    }
    out.sort();
    out
}

/// (partition, report_id) of every `tables` row.
fn table_rows(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (partition, b) in dataset(root, "tables") {
        let id = strings(&b, "report_id");
        out.extend((0..id.len()).map(|i| (partition.clone(), id.value(i).to_string())));
    }
    out
}

#[test]
fn a_second_run_on_a_locked_output_exits_2_naming_the_holder_or_waits() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    big_corpus(input.path(), 150);
    let first = spawn(input.path(), output.path(), &[]);
    wait_for_lock(output.path(), &first);

    let started = Instant::now();
    let second = run(input.path(), output.path(), &[]);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not at once: {:?}",
        started.elapsed()
    );
    assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    assert!(stderr.contains("--wait"), "{stderr}");

    let timed_out = run(input.path(), output.path(), &["--wait=1"]);
    assert_eq!(timed_out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&timed_out.stderr).contains("after waiting 1 s"));

    // --wait without a limit runs once the holder is done.
    let waiting = spawn(input.path(), output.path(), &["--wait"]);
    let (code, stderr) = stderr_of(first);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = stderr_of(waiting);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_lock_left_by_a_killed_run_is_no_lock() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    big_corpus(input.path(), 100);
    let mut killed = spawn(input.path(), output.path(), &[]);
    wait_for_lock(output.path(), &killed);
    killed.kill().unwrap(); // SIGKILL: no handler runs
    killed.wait().unwrap();
    assert!(output.path().join(".fiscal-etl.part-00000.lock").exists());
    let next = run(input.path(), output.path(), &[]);
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&next.stderr)
    );
    assert!(staging_dirs(output.path()).is_empty());
}

/// Stopped by `name` mid-run over a changed input: exit `code`, the log
/// says so, nothing of the stopped run is published.
fn stopped_by(name: &str, code: i32) {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    big_corpus(input.path(), 150);
    let done = run(input.path(), output.path(), &[]);
    assert_eq!(done.status.code(), Some(0));
    let previous = files(output.path());
    let manifest = std::fs::read(output.path().join("_manifest.json")).unwrap();
    // A run of another input: were it published, the output would differ.
    for c in 0..40 {
        std::fs::remove_file(input.path().join(format!("r0-{c:04}.txt"))).unwrap();
    }
    let child = spawn(input.path(), output.path(), &[]);
    wait_for_lock(output.path(), &child);
    std::thread::sleep(Duration::from_millis(150));
    signal(&child, name);
    let (status, stderr) = stderr_of(child);
    assert_eq!(status, Some(code), "{stderr}");
    assert!(
        stderr.contains(&format!("stopped by SIG{name}")),
        "{stderr}"
    );
    assert!(stderr.contains("previous output is unchanged"), "{stderr}");
    assert!(files(output.path()) == previous, "the output changed");
    assert_eq!(
        std::fs::read(output.path().join("_manifest.json")).unwrap(),
        manifest
    );
    assert!(output.path().join("_SUCCESS").exists());
    assert!(staging_dirs(output.path()).is_empty());
}

#[test]
fn sigterm_stops_the_run_and_leaves_the_previous_output() {
    stopped_by("TERM", 143);
}

#[test]
fn sigint_stops_the_run_and_leaves_the_previous_output() {
    stopped_by("INT", 130);
}

#[test]
fn an_output_inside_the_input_is_never_read_as_input() {
    let input = tempfile::tempdir().unwrap();
    for name in [QY, GZ] {
        std::fs::write(input.path().join(name), sample(name)).unwrap();
    }
    let output = input.path().join("out");
    assert_eq!(run(input.path(), &output, &[]).status.code(), Some(0));
    let first = files(&output);
    // A text left inside the output (say, an export) is not input either.
    std::fs::write(output.join("notes.txt"), sample(JM)).unwrap();
    let again = run(input.path(), &output, &[]);
    assert_eq!(again.status.code(), Some(0));
    let rows = report_rows(&output);
    let paths: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths.iter().all(|p| !p.starts_with("out/")), "{paths:?}");
    assert!(files(&output) == first);
    // Named through a path that is not the output's own spelling.
    let dotted = input.path().join("out/../out");
    assert_eq!(run(input.path(), &dotted, &[]).status.code(), Some(0));
    assert_eq!(report_rows(&output).len(), 2);
}

#[test]
fn a_file_rewritten_during_the_run_is_filed_by_the_bytes_parsed_or_failed() {
    let input = tempfile::tempdir().unwrap();
    big_corpus(input.path(), 40);
    // Two versions of one report with different partitions: 清远 and 广州.
    let (a, b) = (sample(QY), sample(GZ));
    let flip = input.path().join("flip.txt");
    std::fs::write(&flip, &a).unwrap();
    let clean = |bytes: &[u8]| {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flip.txt"), bytes).unwrap();
        run(dir.path(), out.path(), &[]);
        let rows = report_rows(out.path());
        (
            rows[0].0.clone(),
            rows[0].1.clone(),
            table_rows(out.path()).len(),
        )
    };
    let versions = [clean(&a), clean(&b)];
    assert_ne!(versions[0].0, versions[1].0);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, flip, a, b) = (stop.clone(), flip.clone(), a.clone(), b.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Whole versions only (a rename), as an editor saves.
                let tmp = flip.with_extension("tmp");
                std::fs::write(&tmp, if n.is_multiple_of(2) { &b } else { &a }).unwrap();
                std::fs::rename(&tmp, &flip).unwrap();
                n += 1;
                std::thread::sleep(Duration::from_millis(3));
            }
        })
    };
    let mut failed_seen = 0;
    for _ in 0..6 {
        let output = tempfile::tempdir().unwrap();
        run(input.path(), output.path(), &[]);
        let rows = report_rows(output.path());
        let mine: Vec<_> = rows.iter().filter(|r| r.2 == "flip.txt").collect();
        assert_eq!(mine.len(), 1, "{mine:?}");
        let (partition, id, _, status) = mine[0];
        let tables: Vec<_> = table_rows(output.path())
            .into_iter()
            .filter(|t| &t.1 == id)
            .collect();
        if status == "failed" {
            failed_seen += 1;
            assert!(tables.is_empty());
            continue;
        }
        let version = versions
            .iter()
            .find(|v| &v.1 == id)
            .unwrap_or_else(|| panic!("report id {id} is neither version"));
        assert_eq!(
            partition, &version.0,
            "filed under the other version's partition"
        );
        assert_eq!(tables.len(), version.2);
        assert!(tables.iter().all(|t| t.0 == version.0));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    eprintln!("changed while read: {failed_seen} of 6 runs");
}

#[test]
fn an_incremental_run_parses_again_a_report_that_changed_while_read() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    for name in [QY, GZ] {
        std::fs::write(input.path().join(name), sample(name)).unwrap();
    }
    assert_eq!(run(input.path(), output.path(), &[]).status.code(), Some(0));
    // As the run that saw the file change leaves it in the manifest.
    let path = output.path().join("_manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["reports"][0]["status"] = "failed".into();
    m["reports"][0]["error"] = "changed while the run read it".into();
    m["reports"][0]["retry"] = true.into();
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let again = run(input.path(), output.path(), &["--incremental"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("reused 1 parsed 1"), "{stderr}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(m["reports"][0]["status"], "ok");
    assert!(m["reports"][0].get("retry").is_none());
}
