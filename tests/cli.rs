//! The command line as cron runs it: a directory of good and bad reports,
//! real processes, exit codes, what lands in the datasets.

mod common;

use arrow_array::Array;
use common::*;
use std::path::Path;

/// (source_path, status, error) of every report written.
fn reports(output: &Path) -> Vec<(String, String, Option<String>)> {
    let mut out = Vec::new();
    for b in read_all(&output.join("reports")) {
        let col = |n: &str| strings(&b, n);
        let (p, s, e) = (col("source_path"), col("status"), col("error"));
        for i in 0..b.num_rows() {
            out.push((
                p.value(i).to_string(),
                s.value(i).to_string(),
                (!e.is_null(i)).then(|| e.value(i).to_string()),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn bad_inputs_fail_alone_and_good_reports_are_complete() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let i = input.path();
    std::fs::create_dir_all(i.join("good/deeper")).unwrap();
    std::fs::write(
        i.join("good/qingyuan.txt"),
        sample("000_7e5bca9fcb7b40a5.txt"),
    )
    .unwrap();
    std::fs::write(
        i.join("good/deeper/lianjiang.txt"),
        sample("004_54921d8d96e87ec6.txt"),
    )
    .unwrap();
    // GB18030 copy of a tab-separated report: extracted as from UTF-8.
    let jiangmen = String::from_utf8(sample("003_e2aa0d4e68ff0396.txt")).unwrap();
    let crlf = jiangmen.replace('\n', "\r\n");
    let (gbk, _, _) = encoding_rs::GB18030.encode(&crlf);
    std::fs::write(i.join("good/jiangmen-gbk.txt"), &gbk).unwrap();
    std::fs::write(i.join("empty.txt"), b"").unwrap();
    std::fs::write(i.join("image.txt"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    std::fs::write(
        i.join("garbage.txt"),
        b"ok line\n\xff\xfe\xfd\xfc\x80\x81 not text\n",
    )
    .unwrap();
    std::fs::write(
        i.join("prose.txt"),
        "2024年部门预算\n单位名称：清远市某局\n这里只有说明文字，没有表格。\n",
    )
    .unwrap();
    std::fs::write(
        i.join("nometa.txt"),
        "表1\n\n收支总体情况表\n\n项目 预算\n\n合计 1.00\n",
    )
    .unwrap();
    std::fs::write(i.join("ignored.docx"), b"PK").unwrap();
    // Lianjiang cut in the middle of a row of 表6.
    let lj = String::from_utf8(sample("004_54921d8d96e87ec6.txt")).unwrap();
    let at = lj.find("30108 机关事业单位基本养老保险缴费 58.4").unwrap()
        + "30108 机关事业单位基本养老保险缴费 58.4".len();
    std::fs::write(i.join("cut.txt"), &lj[..at]).unwrap();

    let out = run(i, output.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let got = reports(output.path());
    let status: Vec<(&str, &str)> = got
        .iter()
        .map(|(p, s, _)| (p.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("cut.txt", "failed"),
            ("empty.txt", "failed"),
            ("garbage.txt", "failed"),
            ("good/deeper/lianjiang.txt", "ok"),
            ("good/jiangmen-gbk.txt", "ok"),
            ("good/qingyuan.txt", "ok"),
            ("image.txt", "failed"),
            ("nometa.txt", "failed"),
            ("prose.txt", "failed"),
        ]
    );
    let error = |name: &str| {
        got.iter()
            .find(|(p, _, _)| p == name)
            .unwrap()
            .2
            .clone()
            .unwrap()
    };
    assert_eq!(error("empty.txt"), "empty.txt: empty file");
    assert_eq!(
        error("image.txt"),
        "image.txt: binary file: PNG image at byte offset 0"
    );
    assert!(
        error("garbage.txt").contains("undecodable bytes at line 2"),
        "{}",
        error("garbage.txt")
    );
    assert!(
        error("prose.txt").starts_with("prose.txt: no tables found"),
        "{}",
        error("prose.txt")
    );
    assert!(
        error("nometa.txt").contains("city"),
        "{}",
        error("nometa.txt")
    );
    // Good reports are complete: the GB18030 copy gives the same tables as the original.
    let tables: usize = read_all(&output.path().join("tables"))
        .iter()
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(tables, 13 + 9 + 13);
    let jiangmen_dir = output
        .path()
        .join("tables/city=jiangmen/year=2024/report_type=budget");
    assert!(jiangmen_dir.exists());
    assert!(output.path().join("_SUCCESS").exists());
    assert!(
        stderr.contains("error: failed: image.txt: binary file"),
        "{stderr}"
    );
}

#[test]
fn two_runs_write_identical_bytes() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/raw");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(
        run(&input, a.path(), &["--jobs", "2"]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&input, b.path(), &["--jobs", "1"]).status.code(),
        Some(0)
    );
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa.len(), 16);
    assert!(fa == fb, "the two runs wrote different files or bytes");
}

#[test]
fn a_rerun_replaces_the_output_and_the_same_report_twice_is_written_once() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    std::fs::write(
        input.path().join("a.txt"),
        sample("000_7e5bca9fcb7b40a5.txt"),
    )
    .unwrap();
    std::fs::write(
        input.path().join("b.txt"),
        sample("000_7e5bca9fcb7b40a5.txt"),
    )
    .unwrap();
    let out = run(input.path(), output.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("b.txt has the same bytes as a.txt"),
        "{stderr}"
    );
    assert_eq!(reports(output.path()).len(), 1);
    // Second run: one report removed, output reflects exactly the input.
    std::fs::remove_file(input.path().join("b.txt")).unwrap();
    std::fs::write(
        input.path().join("c.txt"),
        sample("004_54921d8d96e87ec6.txt"),
    )
    .unwrap();
    assert_eq!(run(input.path(), output.path(), &[]).status.code(), Some(0));
    let names: Vec<String> = reports(output.path()).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["a.txt", "c.txt"]);
    let leftovers: Vec<_> = std::fs::read_dir(output.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    // Only the lock file stays (it is no lock once its run has ended).
    assert_eq!(leftovers, [".fiscal-etl.part-00000.lock"]);
}

#[test]
fn a_run_that_cannot_happen_exits_2() {
    let output = tempfile::tempdir().unwrap();
    let out = run(&output.path().join("missing"), output.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let out = bin()
        .args(["run", "--config", "/nonexistent/fiscal.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fiscal.toml"));
    let out = bin().args(["run", "--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Sizes a nightly run meets: a 200 MB report (a converter that glued a
/// year of reports into one file), a single 50 MB line, a file that cannot
/// be read, a directory symlink loop and a UTF-16 file, beside a good
/// report. Each one fails alone or is read in full; the batch goes on.
#[test]
fn huge_unreadable_looping_and_utf16_inputs() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let i = input.path();
    let qingyuan = sample("000_7e5bca9fcb7b40a5.txt");
    let copies = 200 * 1024 * 1024 / qingyuan.len() + 1;
    std::fs::write(i.join("big.txt"), qingyuan.repeat(copies)).unwrap();
    std::fs::write(i.join("line.txt"), b"2025 ".repeat(10 * 1024 * 1024)).unwrap();
    std::fs::write(i.join("good.txt"), sample("004_54921d8d96e87ec6.txt")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in String::from_utf8(sample("003_e2aa0d4e68ff0396.txt"))
        .unwrap()
        .encode_utf16()
    {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(i.join("utf16.txt"), utf16).unwrap();
    std::fs::create_dir(i.join("sub")).unwrap();
    std::os::unix::fs::symlink(i, i.join("sub/loop")).unwrap();
    let locked = i.join("locked.txt");
    std::fs::write(&locked, sample("002_c902f1b07777cdfc.txt")).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // Root reads any file: then the locked report is simply read.
    let locked_readable = std::fs::read(&locked).is_ok();

    let out = run(i, output.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("directory symlink loop"), "{stderr}");
    let got = reports(output.path());
    let find = |name: &str| got.iter().find(|(p, _, _)| p == name).unwrap().clone();
    assert_eq!(find("big.txt").1, "ok");
    assert_eq!(find("good.txt").1, "ok");
    assert_eq!(find("utf16.txt").1, "ok");
    let line = find("line.txt");
    assert_eq!(line.1, "failed");
    assert!(
        line.2
            .as_deref()
            .unwrap()
            .starts_with("line.txt: report metadata missing: department, government"),
        "{line:?}"
    );
    let locked = find("locked.txt");
    if locked_readable {
        assert_eq!(locked.1, "ok");
    } else {
        assert_eq!(locked.1, "failed");
        assert!(locked.2.unwrap().starts_with("cannot read locked.txt"));
    }
    // The 200 MB report is read in full: every copy's 13 tables.
    let tables = read_all(&output.path().join("tables/city=qingyuan"));
    let n: usize = tables.iter().map(|b| b.num_rows()).sum();
    assert_eq!(n, 13 * copies);
    // The UTF-16 copy gives the tables of the Jiangmen report.
    let jiangmen: usize = read_all(&output.path().join("tables/city=jiangmen"))
        .iter()
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(jiangmen, 13);
}

/// A corpus as crawlers store it: folders named in Chinese, a file whose
/// name is GBK bytes (a Windows zip) beside a good report, a `--metadata`
/// sidecar. Every report is in `reports`; nothing panics or is skipped.
#[cfg(target_os = "linux")]
#[test]
fn chinese_folders_gbk_names_and_a_sidecar() {
    use std::os::unix::ffi::OsStrExt;
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let i = input.path();
    let folder = i.join("广东省/湛江市/2023");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("廉江 医保 决算.txt"),
        sample("004_54921d8d96e87ec6.txt"),
    )
    .unwrap();
    // "清远.txt" in GBK.
    let gbk = i.join(std::ffi::OsStr::from_bytes(b"\xc7\xe5\xd4\xb6.txt"));
    std::fs::write(&gbk, sample("000_7e5bca9fcb7b40a5.txt")).unwrap();
    // A tables-only text: no department line, no year, no government.
    std::fs::write(
        folder.join("表.txt"),
        "表1\n收支总体情况表\n项目\t预算\n合计\t1.00\n",
    )
    .unwrap();
    let sidecar = i.join("../meta.csv");
    std::fs::write(
        &sidecar,
        "source_path,department\n广东省/湛江市/2023/廉江 医保 决算.txt,廉江市医疗保障局（sidecar）\nnot/there.txt,某局\n",
    )
    .unwrap();
    let out = run(i, output.path(), &["--metadata", sidecar.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // One report fails (the tables-only text): exit 1, the others written.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("\"not/there.txt\" names no input file"),
        "{stderr}"
    );
    assert!(stderr.contains("is not UTF-8"), "{stderr}");
    let got = reports(output.path());
    let paths: Vec<(&str, &str)> = got
        .iter()
        .map(|(p, s, _)| (p.as_str(), s.as_str()))
        .collect();
    let lossy = String::from_utf8_lossy(b"\xc7\xe5\xd4\xb6.txt").to_string();
    assert_eq!(
        paths,
        [
            ("广东省/湛江市/2023/廉江 医保 决算.txt", "ok"),
            ("广东省/湛江市/2023/表.txt", "failed"),
            (lossy.as_str(), "ok"),
        ]
    );
    let failed = got[1].2.as_deref().unwrap();
    assert!(
        failed.starts_with("广东省/湛江市/2023/表.txt: report metadata missing: department")
            && failed.ends_with("not found in the text, the path and the --metadata file"),
        "{failed}"
    );
    // The sidecar's department, the prefecture's partition.
    let deps: Vec<String> = files(&output.path().join("reports")).into_keys().collect();
    assert!(
        deps.iter()
            .any(|p| p.contains("city=zhanjiang/year=2023/report_type=final_accounts")),
        "{deps:?}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(output.path().join("_manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["schema_version"],
        fiscal_etl::arrow_out::SCHEMA_VERSION
    );
    let gbk_entry = manifest["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source_path"] == lossy.as_str())
        .unwrap();
    assert_eq!(
        gbk_entry["source_path_bytes"],
        hex::encode(b"\xc7\xe5\xd4\xb6.txt")
    );
    assert_eq!(
        gbk_entry["partition"],
        "city=qingyuan/year=2025/report_type=budget"
    );
}

/// A report converted in reading order (pdftotext without `-layout`) fails
/// saying its text lost the table layout and how to convert it; a normal
/// report in the same batch is written.
#[test]
fn reading_order_text_fails_with_how_to_convert_while_others_are_written() {
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    let i = input.path();
    std::fs::write(i.join("qingyuan.txt"), sample("000_7e5bca9fcb7b40a5.txt")).unwrap();
    let excerpt = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lost_layout/reading_04_sh_city_czj_2025_unit_budget.txt"),
    )
    .unwrap();
    std::fs::write(
        i.join("czj-reading.txt"),
        format!("上海市2025年市级单位预算\n预算单位：上海市财政局\n\n{excerpt}"),
    )
    .unwrap();
    let out = run(i, output.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let got = reports(output.path());
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].0, "qingyuan.txt");
    assert_eq!((got[1].1.as_str(), &got[1].2), ("ok", &None));
    assert_eq!(got[0].0, "czj-reading.txt");
    assert_eq!(got[0].1, "failed");
    let error = got[0].2.as_deref().unwrap();
    assert_eq!(
        error,
        "czj-reading.txt: text lost its table layout (lines 112–201: 20 lines that are a lone \
         amount, labels printed apart from their amounts; 1 more block like it); the grid \
         cannot be rebuilt from it. Convert the PDF with `pdftotext -layout` (poppler) and run again."
    );
    assert!(stderr.contains("pdftotext -layout"), "{stderr}");
    let tables: usize = read_all(&output.path().join("tables"))
        .iter()
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(tables, 13, "only the normal report's tables");
}
