//! PDF reports in the walk: converted with `pdftotext -layout`, read like
//! the layout texts; scans, damaged PDFs and a missing pdftotext fail alone.
//! Needs poppler's pdftotext (`scripts/test` installs poppler-utils).

mod common;

use arrow_array::Array;
use common::*;
use std::collections::BTreeSet;
use std::path::Path;

fn fixtures(dir: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
}

/// (file stem, table, row, col, text) of every cell.
fn cells(root: &Path) -> BTreeSet<(String, u32, u32, u32, String)> {
    let mut out = BTreeSet::new();
    for (_, b) in dataset(root, "cells") {
        let (path, text) = (strings(&b, "source_path"), strings(&b, "text"));
        let (t, r, c) = (
            u32s(&b, "table_ordinal"),
            u32s(&b, "row_ordinal"),
            u32s(&b, "col_ordinal"),
        );
        for i in 0..b.num_rows() {
            let stem = path.value(i).rsplit_once('.').unwrap().0.to_string();
            out.insert((
                stem,
                t.value(i),
                r.value(i),
                c.value(i),
                text.value(i).into(),
            ));
        }
    }
    out
}

/// (source_path, status, converter, error) of every report.
fn reports(root: &Path) -> Vec<(String, String, String, Option<String>)> {
    let mut out = Vec::new();
    for (_, b) in dataset(root, "reports") {
        let (p, s, c, e) = (
            strings(&b, "source_path"),
            strings(&b, "status"),
            strings(&b, "converter"),
            strings(&b, "error"),
        );
        for i in 0..b.num_rows() {
            out.push((
                p.value(i).into(),
                s.value(i).into(),
                c.value(i).into(),
                (!e.is_null(i)).then(|| e.value(i).to_string()),
            ));
        }
    }
    out.sort();
    out
}

fn require_pdftotext() {
    let found = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    assert!(
        found,
        "pdftotext not found: install poppler-utils (scripts/test does where apt-get is available)"
    );
}

#[test]
fn pdfs_read_like_their_layout_texts() {
    require_pdftotext();
    let (pdf_out, text_out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let pdf = run(&fixtures("pdf"), pdf_out.path(), &[]);
    assert_eq!(
        pdf.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&pdf.stderr)
    );
    let text = run(&fixtures("real"), text_out.path(), &[]);
    assert_eq!(text.status.code(), Some(0));
    let rows = reports(pdf_out.path());
    assert_eq!(rows.len(), 6);
    for (path, status, converter, _) in &rows {
        assert!(path.ends_with(".pdf"), "{path}");
        assert_eq!(status, "ok", "{path}");
        assert!(
            converter.starts_with("pdftotext ") && converter.ends_with(" -layout"),
            "{converter}"
        );
    }
    assert!(reports(text_out.path()).iter().all(|r| r.2 == "text"));
    // The layout texts are this converter's output: the same tables, cell
    // for cell (the spec suite holds those to the gold).
    let (from_pdf, from_text) = (cells(pdf_out.path()), cells(text_out.path()));
    assert!(from_text.len() > 4000);
    assert_eq!(from_pdf, from_text);
}

/// A one-page PDF that draws nothing: what a scan without OCR gives
/// pdftotext (its pages are images).
fn blank_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (k, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend(format!("{} 0 obj\n{o}\nendobj\n", k + 1).bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        pdf.extend(format!("{o:010} 00000 n \n").bytes());
    }
    pdf.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    pdf
}

#[test]
fn a_scan_a_damaged_pdf_and_a_missing_pdftotext_fail_alone() {
    require_pdftotext();
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures("pdf/08_sh_putuo_wanli_2023_dept_budget.pdf"),
        input.path().join("good.pdf"),
    )
    .unwrap();
    std::fs::write(input.path().join("scan.pdf"), blank_pdf()).unwrap();
    std::fs::write(input.path().join("damaged.PDF"), b"%PDF-1.4\nnot really\n").unwrap();
    std::fs::write(input.path().join(QY), sample(QY)).unwrap();
    let out = run(input.path(), output.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let rows = reports(output.path());
    let by = |p: &str| rows.iter().find(|r| r.0 == p).unwrap().clone();
    assert_eq!(by("good.pdf").1, "ok");
    assert_eq!(by(QY).1, "ok");
    let scan = by("scan.pdf").3.unwrap();
    assert!(
        scan.contains("no text layer") && scan.contains("OCR"),
        "{scan}"
    );
    let damaged = by("damaged.PDF").3.unwrap();
    assert!(damaged.contains("damaged or not a PDF"), "{damaged}");

    // No pdftotext: the PDFs fail saying how to get one; the text does not.
    let output = tempfile::tempdir().unwrap();
    let out = run(
        input.path(),
        output.path(),
        &["--pdftotext", "/nonexistent/bin/pdftotext"],
    );
    assert_eq!(out.status.code(), Some(1));
    let rows = reports(output.path());
    for r in &rows {
        if r.0.to_ascii_lowercase().ends_with(".pdf") {
            let e = r.3.as_deref().unwrap();
            assert!(e.contains("--pdftotext"), "{e}");
            assert_eq!(r.2, "pdftotext (not found)");
        } else {
            assert_eq!((r.1.as_str(), r.2.as_str()), ("ok", "text"));
        }
    }
}

#[test]
fn an_incremental_run_reuses_unchanged_pdfs() {
    require_pdftotext();
    let input = tempfile::tempdir().unwrap();
    let output = tempfile::tempdir().unwrap();
    for name in [
        "05_sh_putuo_sfj_2026_dept_budget.pdf",
        "08_sh_putuo_wanli_2023_dept_budget.pdf",
    ] {
        std::fs::copy(fixtures("pdf").join(name), input.path().join(name)).unwrap();
    }
    assert_eq!(run(input.path(), output.path(), &[]).status.code(), Some(0));
    let before = files(output.path());
    let again = run(input.path(), output.path(), &["--incremental"]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("reused 2 parsed 0"), "{stderr}");
    assert!(files(output.path()) == before);
}
