//! Nightly operation: incremental runs equal full runs, shards add up to
//! one run, a killed run never damages the previous output, logs are
//! machine-readable, --fail-fast stops.

mod common;

use arrow_array::Array;
use common::*;
use std::path::{Path, PathBuf};

/// Every cell of a dataset tree as (report_id, table, row, col, text), sorted.
fn cell_keys(root: &Path) -> Vec<(String, u32, u32, u32, String)> {
    let mut out = Vec::new();
    for (_, b) in dataset(root, "cells") {
        let (id, x) = (strings(&b, "report_id"), strings(&b, "text"));
        let (t, r, c) = (
            u32s(&b, "table_ordinal"),
            u32s(&b, "row_ordinal"),
            u32s(&b, "col_ordinal"),
        );
        for i in 0..b.num_rows() {
            out.push((
                id.value(i).to_string(),
                t.value(i),
                r.value(i),
                c.value(i),
                x.value(i).to_string(),
            ));
        }
    }
    out.sort();
    out
}

fn report_ids(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = dataset(root, "reports")
        .iter()
        .flat_map(|(_, b)| {
            let id = strings(b, "report_id");
            (0..id.len()).map(move |i| id.value(i).to_string())
        })
        .collect();
    out.sort();
    out
}

fn manifest_reports(root: &Path) -> serde_json::Value {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("_manifest.json")).unwrap()).unwrap();
    m["reports"].clone()
}

#[test]
fn incremental_after_add_change_delete_equals_a_full_run() {
    let input = tempfile::tempdir().unwrap();
    let (inc, full) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let i = input.path();
    std::fs::create_dir_all(i.join("gd")).unwrap();
    std::fs::write(i.join("gd/qy.txt"), sample(QY)).unwrap();
    std::fs::write(i.join("gd/jm.txt"), sample(JM)).unwrap();
    std::fs::write(i.join("gd/lj.txt"), sample(LJ)).unwrap();
    assert_eq!(
        run(i, inc.path(), &["--incremental"]).status.code(),
        Some(0)
    );
    let qy_file = "cells/city=qingyuan/year=2025/report_type=budget/part-00000.parquet";
    let qy_before = std::fs::metadata(inc.path().join(qy_file))
        .unwrap()
        .modified()
        .unwrap();

    // Add Guangzhou, change Jiangmen (one amount), delete Lianjiang.
    std::fs::write(i.join("gd/gz.txt"), sample(GZ)).unwrap();
    let jm = String::from_utf8(sample(JM))
        .unwrap()
        .replacen("2,047.00", "2,048.00", 1);
    std::fs::write(i.join("gd/jm.txt"), jm).unwrap();
    std::fs::remove_file(i.join("gd/lj.txt")).unwrap();

    let out = run(i, inc.path(), &["--incremental"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("reused 1 parsed 2 removed 1"), "{stderr}");
    // The untouched partition was not rewritten.
    assert_eq!(
        std::fs::metadata(inc.path().join(qy_file))
            .unwrap()
            .modified()
            .unwrap(),
        qy_before
    );

    assert_eq!(run(i, full.path(), &[]).status.code(), Some(0));
    assert_eq!(
        files(inc.path()),
        files(full.path()),
        "incremental output differs from a full run"
    );
    assert_eq!(manifest_reports(inc.path()), manifest_reports(full.path()));
}

/// A touched partition is written whole: the rows of its unchanged reports
/// come from the previous run's files, not from parsing them again, and
/// the files are those a full run writes.
#[test]
fn incremental_takes_the_rows_of_unchanged_reports_from_the_previous_files() {
    let input = tempfile::tempdir().unwrap();
    let (inc, full) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let i = input.path();
    std::fs::create_dir_all(i.join("gd")).unwrap();
    // Five reports of one partition (Jiangmen: a chunk of four and one
    // more), one of another (Qingyuan).
    let jm = String::from_utf8(sample(JM)).unwrap();
    let with = |amount: &str| jm.replacen("2,047.00", amount, 1);
    std::fs::write(i.join("gd/jm1.txt"), &jm).unwrap();
    for k in 2..=5 {
        let amount = format!("2,04{}.00", 6 + k);
        std::fs::write(i.join(format!("gd/jm{k}.txt")), with(&amount)).unwrap();
    }
    std::fs::write(i.join("gd/qy.txt"), sample(QY)).unwrap();
    assert_eq!(run(i, inc.path(), &[]).status.code(), Some(0));

    let check = |changed: &str, amount: &str, counts: &str| {
        std::fs::write(i.join(changed), with(amount)).unwrap();
        let out = run(i, inc.path(), &["--incremental"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains(counts), "{counts}: {stderr}");
        assert_eq!(run(i, full.path(), &[]).status.code(), Some(0));
        assert_eq!(
            files(inc.path()),
            files(full.path()),
            "incremental output differs from a full run"
        );
        assert_eq!(manifest_reports(inc.path()), manifest_reports(full.path()));
    };
    // The last report: the first chunk is taken whole from the old files.
    check("gd/jm5.txt", "2,060.00", "reused 5 parsed 1 removed 0");
    // The second: taken rows, parsed rows and taken rows in one chunk.
    check("gd/jm2.txt", "2,061.00", "reused 5 parsed 1 removed 0");

    // Without the previous cells (deleted by hand) the partition's reports
    // are parsed again.
    std::fs::remove_dir_all(inc.path().join("cells")).unwrap();
    std::fs::write(i.join("gd/jm3.txt"), with("2,062.00")).unwrap();
    let out = run(i, inc.path(), &["--incremental"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("reused 1 parsed 5 removed 0"), "{stderr}");
    assert_eq!(run(i, full.path(), &[]).status.code(), Some(0));
    let jiangmen = |root: &Path| {
        let mut f = files(root);
        f.retain(|k, _| k.contains("/city=jiangmen/"));
        f
    };
    assert_eq!(jiangmen(inc.path()).len(), 4);
    assert_eq!(jiangmen(inc.path()), jiangmen(full.path()));
}

#[test]
fn three_shards_equal_one_run() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/raw");
    let (sharded, whole) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for k in 1..=3 {
        let out = run(&input, sharded.path(), &["--shard", &format!("{k}/3")]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(run(&input, whole.path(), &[]).status.code(), Some(0));
    assert!(files(sharded.path())
        .keys()
        .all(|k| k.contains("-of-00003")));
    assert_eq!(report_ids(sharded.path()), report_ids(whole.path()));
    assert_eq!(cell_keys(sharded.path()), cell_keys(whole.path()));
    // A rerun of one shard replaces only that shard's files.
    let before = files(sharded.path());
    assert_eq!(
        run(&input, sharded.path(), &["--shard", "2/3"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(files(sharded.path()), before);
}

#[test]
fn fail_fast_stops_and_writes_nothing() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("a.txt"), b"").unwrap();
    std::fs::write(input.path().join("b.txt"), sample(QY)).unwrap();
    let out = run(input.path(), output.path(), &["--fail-fast", "--jobs", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fail-fast"));
    assert!(files(output.path()).is_empty());
}

#[test]
fn json_logs_are_one_object_per_line() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("a.txt"), b"").unwrap();
    std::fs::write(input.path().join("b.txt"), sample(QY)).unwrap();
    let out = run(input.path(), output.path(), &["--log-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let failed = lines.iter().find(|v| v["level"] == "error").unwrap();
    assert_eq!(failed["path"], "a.txt");
    assert_eq!(failed["error"], "a.txt: empty file");
    assert!(lines
        .iter()
        .any(|v| v["path"] == "b.txt" && v["level"] == "info"));
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_the_previous_output_readable_and_the_next_run_succeeds() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    big_corpus(input.path(), 60);
    assert_eq!(run(input.path(), output.path(), &[]).status.code(), Some(0));
    let reference = files(output.path());
    let n_reports = report_ids(output.path()).len();
    for delay_ms in [5u64, 40, 120, 300, 600] {
        let mut child = run_command(input.path(), output.path(), &[])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever moment it died, every file there is complete Parquet and
        // every report is still there.
        for rel in files(output.path()).keys() {
            batches(&output.path().join(rel));
        }
        assert_eq!(
            report_ids(output.path()).len(),
            n_reports,
            "after kill at {delay_ms} ms"
        );
    }
    let out = run(input.path(), output.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(files(output.path()), reference);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(output.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".staging")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
