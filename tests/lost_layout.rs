//! Text that lost its table layout is found in the reading-order texts of
//! real reports (pdftotext without options, PyMuPDF `get_text()`) and in
//! no text that keeps rows (pdftotext -layout, pdfplumber, pypdf, Markdown,
//! the samples, the wild reports).
//!
//! The excerpts in `tests/fixtures/lost_layout/` run everywhere; the whole
//! corpora run where the shared data is (`/work/shared`, or the directory
//! in `FISCAL_ETL_SHARED`).

use fiscal_etl::parse::lost_layout::detect;
use std::path::{Path, PathBuf};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn texts(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    out.sort();
    out
}

fn read(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()
}

#[test]
fn excerpts_of_reading_order_text_are_found() {
    let files = texts(&manifest_dir().join("tests/fixtures/lost_layout"));
    assert!(files.len() >= 3);
    for f in files {
        let found = detect(&read(&f));
        assert!(found.is_some(), "{}: not found", f.display());
        let found = found.unwrap();
        assert!(found.first_line < found.last_line, "{found:?}");
        assert!(found.evidence.contains("lone amount"), "{found:?}");
    }
}

#[test]
fn samples_and_real_layout_fixtures_keep_their_layout() {
    let mut files = texts(&manifest_dir().join("data/raw"));
    files.extend(texts(&manifest_dir().join("tests/fixtures/real")));
    assert!(files.len() >= 10);
    for f in files {
        assert_eq!(detect(&read(&f)), None, "{}", f.display());
    }
}

#[test]
fn shared_corpora_lost_layout_found_exactly_in_reading_order_texts() {
    let shared = std::env::var_os("FISCAL_ETL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared"));
    if !shared.is_dir() {
        eprintln!(
            "skipped: no shared corpora at {} (set FISCAL_ETL_SHARED)",
            shared.display()
        );
        return;
    }
    let lost = ["real/text/reading", "real/text/mupdf"];
    let kept = [
        "real/text/layout",
        "real/text/plumber",
        "real/text/pypdf",
        "real/text/markdown",
        "wild/text/layout",
        "wild/text/plumber",
    ];
    let mut wrong = Vec::new();
    let mut seen = 0;
    for (dirs, want) in [(&lost[..], true), (&kept[..], false)] {
        for d in dirs {
            let files = texts(&shared.join(d));
            assert!(!files.is_empty(), "{d}: no texts");
            for f in files {
                seen += 1;
                let found = detect(&read(&f));
                let name = format!("{d}/{}", f.file_name().unwrap().to_string_lossy());
                match &found {
                    Some(l) => eprintln!(
                        "{name}: lines {}–{}: {}",
                        l.first_line, l.last_line, l.evidence
                    ),
                    None => eprintln!("{name}: keeps its layout"),
                }
                if found.is_some() != want {
                    wrong.push(name);
                }
            }
        }
    }
    assert!(seen >= 12 + 24 + 50, "{seen} texts");
    assert!(wrong.is_empty(), "wrong verdict on {wrong:?}");
}
