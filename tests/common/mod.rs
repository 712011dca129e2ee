//! Helpers of the integration tests that run the binary on a corpus.
#![allow(dead_code)] // each test crate uses its own part

use arrow_array::{RecordBatch, StringArray, UInt32Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fiscal-etl"))
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/raw")
            .join(name),
    )
    .unwrap()
}

pub const QY: &str = "000_7e5bca9fcb7b40a5.txt";
pub const GZ: &str = "002_c902f1b07777cdfc.txt";
pub const JM: &str = "003_e2aa0d4e68ff0396.txt";
pub const LJ: &str = "004_54921d8d96e87ec6.txt";

/// `fiscal-etl run --input … --output … EXTRA…`, not started.
pub fn run_command(input: &Path, output: &Path, extra: &[&str]) -> Command {
    let mut c = bin();
    c.arg("run")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .args(extra);
    c
}

pub fn run(input: &Path, output: &Path, extra: &[&str]) -> Output {
    run_command(input, output, extra).output().unwrap()
}

/// Relative path → bytes of every published Parquet file under `root`, as
/// readers see them: hidden directories (a run's `.staging-*`) are not part
/// of any dataset.
pub fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.insert(
                    p.strip_prefix(root).unwrap().to_string_lossy().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

pub fn batches(path: &Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// A corpus big enough that a run takes a while: the samples many times,
/// each copy's bytes made unique.
pub fn big_corpus(dir: &Path, copies: usize) {
    for (k, name) in [QY, GZ, JM, LJ].iter().enumerate() {
        let text = sample(name);
        for c in 0..copies {
            let mut b = text.clone();
            b.extend_from_slice(format!("\n{}\n", " ".repeat(c + 1)).as_bytes());
            std::fs::write(dir.join(format!("r{k}-{c:04}.txt")), b).unwrap();
        }
    }
}

/// Every batch of every published file under `dir` (a dataset or the root).
pub fn read_all(dir: &Path) -> Vec<RecordBatch> {
    files(dir)
        .keys()
        .flat_map(|rel| batches(&dir.join(rel)))
        .collect()
}

/// Every batch of `dataset` under the output `root`, with the partition
/// (`city=…/year=…/report_type=…`) of its file.
pub fn dataset(root: &Path, dataset: &str) -> Vec<(String, RecordBatch)> {
    let mut out = Vec::new();
    for rel in files(root)
        .keys()
        .filter(|k| k.starts_with(&format!("{dataset}/")))
    {
        let partition = rel.split('/').skip(1).take(3).collect::<Vec<_>>().join("/");
        for b in batches(&root.join(rel)) {
            out.push((partition.clone(), b));
        }
    }
    out
}

/// Column `name` of `b`, as strings.
pub fn strings(b: &RecordBatch, name: &str) -> StringArray {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap_or_else(|| panic!("{name} is not utf8"))
        .clone()
}

/// Column `name` of `b`, as u32s.
pub fn u32s(b: &RecordBatch, name: &str) -> UInt32Array {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<UInt32Array>()
        .unwrap_or_else(|| panic!("{name} is not uint32"))
        .clone()
}
