//! The Parquet sink. A run writes every dataset into a staging directory
//! inside the output root, one file per dataset and partition, then commits
//! by renames. Readers never see a half-written file, and a run that dies
//! leaves the previous datasets in place (see `commit` and `clean_leftovers`).

use crate::arrow_out;
use crate::model::{Partition, ReportRecord};
use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The datasets, in the order they are written and committed.
pub const DATASETS: [&str; 4] = ["reports", "tables", "cells", "checks"];

#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// File name without extension: `part-00000`, or `part-00001-of-00003`
    /// for a shard, so that shards writing into one output never collide.
    pub file_stem: String,
    pub max_row_group_rows: usize,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            file_stem: "part-00000".into(),
            max_row_group_rows: 1_000_000,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub files: usize,
    pub bytes: u64,
    pub rows_per_dataset: BTreeMap<String, u64>,
}

fn properties(opts: &SinkOptions) -> Result<WriterProperties> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        // No version or time inside the files: same input, same bytes.
        .set_created_by("fiscal-etl".to_string())
        .set_max_row_group_row_count(Some(opts.max_row_group_rows))
        .build())
}

fn write_file(path: &Path, batch: &RecordBatch, props: WriterProperties) -> Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .with_context(|| format!("writing {}", path.display()))?;
    w.write(batch)
        .with_context(|| format!("writing {}", path.display()))?;
    let file = w
        .into_inner()
        .with_context(|| format!("closing {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    Ok(std::fs::metadata(path)?.len())
}

/// Writes every dataset of `records` under `root`, one file per dataset and
/// partition (a dataset with no rows in a partition gets no file there,
/// except `reports`, which has a row for every report).
pub fn write_partitioned(
    root: &Path,
    records: &[ReportRecord],
    opts: &SinkOptions,
) -> Result<WriteStats> {
    let mut groups: BTreeMap<&Partition, Vec<&ReportRecord>> = BTreeMap::new();
    for r in records {
        groups.entry(&r.partition).or_default().push(r);
    }
    let mut stats = WriteStats::default();
    for (partition, mut group) in groups {
        group.sort_by(|a, b| a.source_path.cmp(&b.source_path));
        for dataset in DATASETS {
            let batch = match dataset {
                "reports" => arrow_out::reports_batch(&group),
                "tables" => arrow_out::tables_batch(&group),
                "cells" => arrow_out::cells_batch(&group),
                _ => arrow_out::checks_batch(&group),
            };
            if batch.num_rows() == 0 && dataset != "reports" {
                continue;
            }
            let path = root
                .join(dataset)
                .join(partition.rel_dir())
                .join(format!("{}.parquet", opts.file_stem));
            stats.bytes += write_file(&path, &batch, properties(opts)?)?;
            stats.files += 1;
            *stats
                .rows_per_dataset
                .entry(dataset.to_string())
                .or_default() += batch.num_rows() as u64;
        }
    }
    Ok(stats)
}

pub fn staging_dir(output_root: &Path, run_id: &str) -> PathBuf {
    output_root.join(format!(".staging-{run_id}"))
}

fn trash_dir(output_root: &Path, run_id: &str) -> PathBuf {
    output_root.join(format!(".trash-{run_id}"))
}

/// Moves the staged datasets into place: each old dataset directory is
/// renamed into a trash directory, then the staged one renamed to its
/// place. Renames within one file system are atomic; the moment between the
/// two is covered by `clean_leftovers`, which puts a trashed dataset back
/// if its replacement never arrived.
pub fn commit(staging: &Path, output_root: &Path) -> Result<()> {
    let run_id = staging
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix(".staging-"))
        .unwrap_or("run")
        .to_string();
    let trash = trash_dir(output_root, &run_id);
    for dataset in DATASETS {
        let new = staging.join(dataset);
        let live = output_root.join(dataset);
        if live.exists() {
            std::fs::create_dir_all(&trash)?;
            std::fs::rename(&live, trash.join(dataset))
                .with_context(|| format!("moving {} aside", live.display()))?;
        }
        if new.exists() {
            std::fs::rename(&new, &live)
                .with_context(|| format!("committing {}", live.display()))?;
        }
    }
    if trash.exists() {
        std::fs::remove_dir_all(&trash).with_context(|| format!("removing {}", trash.display()))?;
    }
    std::fs::remove_dir_all(staging).ok();
    Ok(())
}

/// Cleans what a killed run left: a dataset moved to a trash directory
/// whose replacement never arrived goes back, then staging and trash
/// directories are removed.
pub fn clean_leftovers(output_root: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(output_root) else {
        return Ok(());
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    dirs.sort();
    for dir in &dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(".trash-") {
            for dataset in DATASETS {
                let saved = dir.join(dataset);
                let live = output_root.join(dataset);
                if saved.exists() && !live.exists() {
                    std::fs::rename(&saved, &live)
                        .with_context(|| format!("restoring {}", live.display()))?;
                }
            }
        }
    }
    for dir in dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(".trash-") || name.starts_with(".staging-") {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ReportMeta, Row, Status, Table};
    use arrow_array::{Array, Decimal128Array, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn record(path: &str, partition: Partition, ok: bool) -> ReportRecord {
        let table = Table {
            ordinal: 1,
            number: Some("表1".into()),
            title: "收支总体情况表".into(),
            unit: Some("万元".into()),
            narrative: false,
            columns: vec!["项目".into(), "预算".into(), "备注".into()],
            rows: vec![Row {
                cells: vec![Some("一、预算拨款".into()), Some("28,023.69".into()), None],
                line: 10,
            }],
            notes: vec!["注：测试".into()],
            line_start: 5,
            line_end: 12,
            kind: Some("budget.revenue_expenditure_summary".into()),
            measures: vec![Some("item".into()), Some("budget".into()), None],
        };
        ReportRecord {
            report_id: format!("id-{path}"),
            source_path: path.into(),
            source_bytes: 100,
            encoding: Some("UTF-8".into()),
            meta: ReportMeta {
                city: Some("清远市".into()),
                ..Default::default()
            },
            partition,
            status: if ok { Status::Ok } else { Status::Failed },
            error: (!ok).then(|| "bad".to_string()),
            tables: if ok { vec![table] } else { vec![] },
            checks: vec![],
        }
    }

    fn qingyuan() -> Partition {
        Partition {
            city: "qingyuan".into(),
            year: 2025,
            report_type: "budget".into(),
        }
    }

    fn read(path: &Path) -> RecordBatch {
        let f = std::fs::File::open(path).unwrap();
        let mut r = ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap();
        r.next().unwrap().unwrap()
    }

    #[test]
    fn layout_values_and_no_partition_columns() {
        let d = tempfile::tempdir().unwrap();
        let recs = vec![
            record("a.txt", qingyuan(), true),
            record("b.txt", Partition::unknown(), false),
        ];
        let stats = write_partitioned(d.path(), &recs, &SinkOptions::default()).unwrap();
        assert_eq!(stats.files, 4); // reports ×2, tables, cells
        let cells = read(
            &d.path()
                .join("cells/city=qingyuan/year=2025/report_type=budget/part-00000.parquet"),
        );
        assert_eq!(cells.num_rows(), 2, "the empty cell is not written");
        assert!(cells.schema().field_with_name("city").is_err());
        let value = cells
            .column_by_name("value")
            .unwrap()
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        assert!(value.is_null(0));
        assert_eq!(value.value(1), 28_023_690_000);
        let label = cells
            .column_by_name("row_label")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(label.value(1), "一、预算拨款");
        let failed = read(
            &d.path()
                .join("reports/city=_unknown/year=0/report_type=_unknown/part-00000.parquet"),
        );
        assert_eq!(failed.num_rows(), 1);
    }

    #[test]
    fn same_input_same_bytes() {
        let recs = vec![record("a.txt", qingyuan(), true)];
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_partitioned(a.path(), &recs, &SinkOptions::default()).unwrap();
        write_partitioned(b.path(), &recs, &SinkOptions::default()).unwrap();
        let p = "cells/city=qingyuan/year=2025/report_type=budget/part-00000.parquet";
        assert_eq!(
            std::fs::read(a.path().join(p)).unwrap(),
            std::fs::read(b.path().join(p)).unwrap()
        );
    }

    #[test]
    fn commit_replaces_and_leftovers_are_restored() {
        let out = tempfile::tempdir().unwrap();
        let recs = vec![record("a.txt", qingyuan(), true)];
        let s1 = staging_dir(out.path(), "1");
        write_partitioned(&s1, &recs, &SinkOptions::default()).unwrap();
        commit(&s1, out.path()).unwrap();
        assert!(out.path().join("cells").exists() && !s1.exists());
        // A run killed between its two renames: cells moved aside, not replaced.
        let trash = out.path().join(".trash-2");
        std::fs::create_dir_all(&trash).unwrap();
        std::fs::rename(out.path().join("cells"), trash.join("cells")).unwrap();
        std::fs::create_dir_all(staging_dir(out.path(), "2")).unwrap();
        clean_leftovers(out.path()).unwrap();
        assert!(out.path().join("cells/city=qingyuan").exists());
        assert!(!trash.exists() && !staging_dir(out.path(), "2").exists());
    }
}
