//! The Parquet sink. A run writes every dataset into a staging directory
//! inside the output root, one file per dataset and partition, then commits
//! by renames. Readers never see a half-written file; a run that dies before
//! its commit plan is written leaves the previous output as it was, and one
//! that dies during the commit is finished by the next run (see `commit`
//! and `clean_leftovers`).

use crate::arrow_out;
use crate::model::{Partition, ReportRecord};
use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
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
    let props = WriterProperties::builder()
        // Level 1: on these datasets level 3 costs a twentieth of the whole
        // run's CPU for files only 2% smaller.
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1)?))
        // No version or time inside the files: same input, same bytes.
        .set_created_by("fiscal-etl".to_string())
        // The layout's version, for readers that check what they load
        // (docs/schema.md lists what each version changed).
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "fiscal_etl.schema_version".to_string(),
            crate::arrow_out::SCHEMA_VERSION.to_string(),
        )]))
        .set_max_row_group_row_count(Some(opts.max_row_group_rows))
        // Min/max per column chunk is what readers prune partitions' row
        // groups with; per-page statistics and page indexes cost a pass
        // over every value for files this small.
        .set_statistics_enabled(EnabledStatistics::Chunk);
    // None for the columns of free text, which no query bounds by range:
    // their min/max cost a string comparison per value (a twentieth of the
    // Parquet stage) to prune nothing.
    let props = FREE_TEXT.iter().fold(props, |p, path| {
        let path = ColumnPath::new(path.split('.').map(str::to_string).collect());
        p.set_column_statistics_enabled(path, EnabledStatistics::None)
    });
    Ok(props.build())
}

/// The columns of free text (leaf paths; `title` is a column of `reports`
/// and of `tables`): written without statistics.
const FREE_TEXT: [&str; 9] = [
    "text",
    "row_label",
    "target",
    "message",
    "title",
    "error",
    "notes.list.item",
    "warnings.list.item",
    "columns.list.item",
];

/// Buffered bytes at which a dataset's open row group is written out.
const ROW_GROUP_MEMORY: usize = 8 << 20;

/// Writes one partition's datasets as its reports arrive, in order: each
/// dataset's file is opened on its first row and its row groups are flushed
/// as they fill, so memory holds the reports of one chunk and the open row
/// groups, never the whole partition.
pub struct PartitionWriter {
    root: PathBuf,
    /// `city=…/year=…/report_type=…`
    partition_dir: String,
    file_name: String,
    props: WriterProperties,
    /// One per entry of [`DATASETS`]: the file and its writer, once opened.
    writers: Vec<Option<(PathBuf, ArrowWriter<std::fs::File>)>>,
    rows: [u64; DATASETS.len()],
}

impl PartitionWriter {
    pub fn new(root: &Path, partition: &Partition, opts: &SinkOptions) -> Result<Self> {
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        Ok(PartitionWriter {
            root: root.to_path_buf(),
            partition_dir: partition.rel_dir(),
            file_name: format!("{}.parquet", opts.file_stem),
            props: properties(opts)?,
            writers: DATASETS.iter().map(|_| None).collect(),
            rows: [0; DATASETS.len()],
        })
    }

    /// Appends the rows of `records` (in the order given) to every dataset.
    pub fn write(&mut self, records: &[&ReportRecord]) -> Result<()> {
        for k in 0..DATASETS.len() {
            self.write_batch(k, &batch_of(k, records))?;
        }
        Ok(())
    }

    /// Appends rows to the dataset `DATASETS[k]`; `batch` has its schema
    /// ([`schema_of`]). A full run writes every chunk of reports as
    /// [`PartitionWriter::write`] does, so rows given here in the same
    /// batches give the same bytes.
    pub fn write_batch(&mut self, k: usize, batch: &RecordBatch) -> Result<()> {
        let dataset = DATASETS[k];
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if self.writers[k].is_none() {
            let rel = format!("{dataset}/{}/{}", self.partition_dir, self.file_name);
            let path = self.root.join(staged_name(&rel));
            let file = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            let w = ArrowWriter::try_new(file, batch.schema(), Some(self.props.clone()))
                .with_context(|| format!("writing {}", path.display()))?;
            self.writers[k] = Some((path, w));
        }
        if let Some((path, w)) = self.writers[k].as_mut() {
            w.write(batch)
                .with_context(|| format!("writing {}", path.display()))?;
            // A row group is buffered whole (pages, dictionaries) until
            // it is flushed: cap it by memory, so a big partition costs
            // no more memory than a small one. The size depends only on
            // the rows written, so files stay deterministic.
            if w.memory_size() > ROW_GROUP_MEMORY {
                w.flush()
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        self.rows[k] += batch.num_rows() as u64;
        Ok(())
    }

    /// Removes the files written so far: the partition is written again.
    pub fn discard(self) {
        for (path, w) in self.writers.into_iter().flatten() {
            drop(w);
            std::fs::remove_file(&path).ok();
        }
    }

    /// Closes every file. Not synced here: one `syncfs` before the commit
    /// plan makes every staged file durable at once (see [`commit`]),
    /// instead of an fsync per file of thousands of partitions.
    pub fn finish(self) -> Result<WriteStats> {
        let mut stats = WriteStats::default();
        for (k, slot) in self.writers.into_iter().enumerate() {
            let Some((path, w)) = slot else { continue };
            let file = w
                .into_inner()
                .with_context(|| format!("closing {}", path.display()))?;
            stats.bytes += file.metadata()?.len();
            stats.files += 1;
            *stats
                .rows_per_dataset
                .entry(DATASETS[k].to_string())
                .or_default() += self.rows[k];
        }
        Ok(stats)
    }
}

impl WriteStats {
    pub fn add(&mut self, other: WriteStats) {
        self.files += other.files;
        self.bytes += other.bytes;
        for (k, v) in other.rows_per_dataset {
            *self.rows_per_dataset.entry(k).or_default() += v;
        }
    }
}

/// The rows `records` give the dataset `DATASETS[k]`.
pub fn batch_of(k: usize, records: &[&ReportRecord]) -> RecordBatch {
    match DATASETS[k] {
        "reports" => arrow_out::reports_batch(records),
        "tables" => arrow_out::tables_batch(records),
        "cells" => arrow_out::cells_batch(records),
        _ => arrow_out::checks_batch(records),
    }
}

/// The schema of the dataset `DATASETS[k]`.
pub fn schema_of(k: usize) -> arrow_schema::SchemaRef {
    match DATASETS[k] {
        "reports" => arrow_out::reports_schema(),
        "tables" => arrow_out::tables_schema(),
        "cells" => arrow_out::cells_schema(),
        _ => arrow_out::checks_schema(),
    }
}

/// `batch` as the builders of [`batch_of`] leave their arrays: without a
/// null buffer where no value is null (at any depth). Rows taken from other
/// batches (slices, [`read_published`]) may keep one, and the Parquet
/// writer encodes a column with a null buffer otherwise (definition levels
/// one by one, data pages split at other rows): same rows, other bytes.
pub fn as_built(batch: RecordBatch) -> Result<RecordBatch> {
    fn strip(data: arrow_data::ArrayData) -> Result<arrow_data::ArrayData> {
        fn needed(d: &arrow_data::ArrayData) -> bool {
            d.nulls().is_some_and(|n| n.null_count() == 0) || d.child_data().iter().any(needed)
        }
        if !needed(&data) {
            return Ok(data);
        }
        let children = data
            .child_data()
            .iter()
            .cloned()
            .map(strip)
            .collect::<Result<Vec<_>>>()?;
        let nulls = data.nulls().filter(|n| n.null_count() > 0).cloned();
        Ok(data
            .into_builder()
            .nulls(nulls)
            .child_data(children)
            .build()?)
    }
    let columns = batch
        .columns()
        .iter()
        .map(|c| Ok(arrow_array::make_array(strip(c.to_data())?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// Rows read back from a published file at a time.
const READ_BATCH_ROWS: usize = 8192;

/// The rows of one dataset's published file, in batches of
/// [`schema_of`]`(k)` of a few thousand rows (memory holds one batch, not
/// the file); None when there is no such file (the dataset had no rows
/// there).
pub fn read_published(
    path: &Path,
    k: usize,
) -> Result<Option<impl Iterator<Item = Result<RecordBatch>>>> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let schema = schema_of(k);
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("reading {}", path.display()))?
        .with_batch_size(READ_BATCH_ROWS)
        .build()?;
    let path = path.to_path_buf();
    // The file's own schema carries its key-value metadata: the rows are
    // taken under the dataset's.
    Ok(Some(reader.map(move |b| {
        let b = b.with_context(|| format!("reading {}", path.display()))?;
        RecordBatch::try_new(schema.clone(), b.columns().to_vec())
            .with_context(|| format!("reading {}: not this version's schema", path.display()))
    })))
}

/// Writes every dataset of `records` under `root`, one file per dataset and
/// partition (a dataset with no rows in a partition gets no file there;
/// `reports` has a row for every report).
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
        let mut w = PartitionWriter::new(root, partition, opts)?;
        w.write(&group)?;
        stats.add(w.finish()?);
    }
    Ok(stats)
}

/// The name under which the file published at `rel`
/// (`cells/city=…/year=…/report_type=…/part-00000.parquet`) is staged: the
/// same path flattened into one directory, `/` written `+` (a character no
/// dataset, partition value or file stem contains). A flat staging
/// directory costs no directory creation while writing and none to remove
/// after the commit: with thousands of partitions that is most of a commit.
pub fn staged_name(rel: &str) -> String {
    rel.replace('/', "+")
}

fn published_name(staged: &str) -> String {
    staged.replace('+', "/")
}

/// The staging directory of a run: named after its file stem, so a run
/// cleans only what runs of its own stem left (shards run at once).
pub fn staging_dir(output_root: &Path, stem: &str, run_id: &str) -> PathBuf {
    output_root.join(format!(".staging-{stem}.{run_id}"))
}

/// Is `name` the staging directory of a run of `stem`? Staging directories
/// of earlier versions (`.staging-<run id>`, no stem) were unsharded runs'.
fn is_staging_of(name: &str, stem: &str) -> bool {
    let Some(rest) = name.strip_prefix(".staging-") else {
        return false;
    };
    match rest.strip_prefix(stem) {
        Some(run) => run.starts_with('.'),
        None => stem == "part-00000" && rest.starts_with(|c: char| c.is_ascii_digit()),
    }
}

/// Name of the commit plan inside a staging directory. Its presence means
/// every staged file is complete and the renames may be applied.
const PLAN: &str = "_commit.json";
/// The plan while it is being written.
const COMMIT_TMP: &str = ".commit.tmp";
/// Where replaced and deleted files go during a commit, to be freed after it.
const TRASH: &str = ".replaced";

/// The renames and deletions that publish a run, relative to the roots.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitPlan {
    /// Staged file → its place in the output (same relative path).
    pub moves: Vec<String>,
    /// Output files of this run's file stem that the run no longer produces.
    pub deletes: Vec<String>,
}

fn rel_files(root: &Path, under: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(under) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rel_files(root, &p, out);
        } else if let Ok(r) = p.strip_prefix(root) {
            out.push(r.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Plans the commit of `staging` into `output`: every staged file moves to
/// its place; an existing `{stem}.parquet` not produced again is deleted —
/// everywhere for a full run, only inside `owned` partitions for an
/// incremental one. Files of other stems (other shards) are never touched.
pub fn plan_commit(
    staging: &Path,
    output: &Path,
    stem: &str,
    owned: Option<&std::collections::BTreeSet<String>>,
) -> CommitPlan {
    let mut moves: Vec<String> = std::fs::read_dir(staging)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != PLAN && n != COMMIT_TMP)
        .map(|n| published_name(&n))
        .collect();
    moves.sort();
    let moving: std::collections::BTreeSet<&str> = moves.iter().map(String::as_str).collect();
    let mut existing = Vec::new();
    for dataset in DATASETS {
        rel_files(output, &output.join(dataset), &mut existing);
    }
    let file = format!("{stem}.parquet");
    let mut deletes: Vec<String> = existing
        .into_iter()
        .filter(|e| e.ends_with(&format!("/{file}")))
        .filter(|e| !moving.contains(e.as_str()))
        .filter(|e| {
            owned.is_none_or(|o| {
                // DATASET/city=…/year=…/report_type=…/file → the partition part.
                let parts: Vec<&str> = e.split('/').collect();
                parts.len() == 5 && o.contains(&parts[1..4].join("/"))
            })
        })
        .collect();
    deletes.sort();
    CommitPlan { moves, deletes }
}

/// What publishing a run took.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommitStats {
    /// From the removal of `_SUCCESS` to its return: while readers listing
    /// the datasets may see old and new partition files side by side.
    pub window: std::time::Duration,
    pub files_moved: usize,
    pub files_deleted: usize,
}

/// Publishes a staged run: records the plan in the staging directory, then
/// renames every staged file over its place (atomic per file) and deletes
/// what the plan says. `_SUCCESS` is absent while files are being replaced.
/// A run killed here is finished by [`clean_leftovers`] at the next start.
pub fn commit(staging: &Path, output: &Path, plan: &CommitPlan) -> Result<CommitStats> {
    // Every staged file reaches the disk before the plan that publishes it.
    let dir =
        std::fs::File::open(staging).with_context(|| format!("opening {}", staging.display()))?;
    rustix::fs::syncfs(&dir).with_context(|| format!("syncing {}", staging.display()))?;
    let tmp = staging.join(COMMIT_TMP);
    std::fs::write(&tmp, serde_json::to_vec(plan)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, staging.join(PLAN))?;
    apply(staging, output, plan)
}

/// Is `rel` a manifest (`_manifest*.json` at the output root)?
fn is_manifest(rel: &str) -> bool {
    !rel.contains('/') && rel.starts_with("_manifest")
}

/// Applies a plan. Everything that can be done before readers are affected
/// is: the partition directories are made first, and empty ones dropped
/// after. Inside the window the data files are renamed in parallel (one
/// task per directory; a rename that frees a replaced file's blocks costs
/// a millisecond on some filesystems), the stale ones deleted, and last the
/// manifest: a reader that sees the new manifest sees all the new data.
fn apply(staging: &Path, output: &Path, plan: &CommitPlan) -> Result<CommitStats> {
    let mut by_dir: BTreeMap<PathBuf, Vec<&String>> = BTreeMap::new();
    let mut manifests = Vec::new();
    for m in &plan.moves {
        if !staging.join(staged_name(m)).exists() {
            continue; // already moved by an earlier, interrupted attempt
        }
        if is_manifest(m) {
            manifests.push(m);
            continue;
        }
        let to = output.join(m);
        by_dir
            .entry(to.parent().unwrap_or(output).to_path_buf())
            .or_default()
            .push(m);
    }
    by_dir.par_iter().try_for_each(|(dir, _)| {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
    })?;
    // Freeing a replaced file's blocks is what makes a rename over it slow
    // (seconds for thousands of files on a filesystem with online discard).
    // A second link to each file about to be replaced, in the staging
    // directory, keeps the rename to a link count; the blocks are freed
    // with the staging directory, after the window.
    let trash = staging.join(TRASH);
    std::fs::create_dir_all(&trash).with_context(|| format!("creating {}", trash.display()))?;
    let doomed: Vec<&String> = by_dir.values().flatten().copied().collect();
    doomed.par_iter().enumerate().for_each(|(k, m)| {
        // Best effort: without hard links the rename frees the blocks itself.
        let _ = std::fs::hard_link(output.join(m), trash.join(k.to_string()));
    });
    let rename = |m: &String| -> Result<()> {
        let to = output.join(m);
        std::fs::rename(staging.join(staged_name(m)), &to)
            .with_context(|| format!("committing {}", to.display()))
    };

    let success = output.join("_SUCCESS");
    let window = std::time::Instant::now();
    if success.exists() {
        std::fs::remove_file(&success)?;
    }
    by_dir
        .par_iter()
        .try_for_each(|(_, moves)| moves.iter().try_for_each(|m| rename(m)))?;
    let mut deleted = Vec::new();
    for (k, d) in plan.deletes.iter().enumerate() {
        let p = output.join(d);
        if p.exists() && std::fs::rename(&p, trash.join(format!("deleted-{k}"))).is_err() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
        deleted.push(p);
    }
    manifests.iter().try_for_each(|m| rename(m))?;
    std::fs::write(&success, b"").with_context(|| format!("writing {}", success.display()))?;
    let window = window.elapsed();

    // Drop partition directories the deletions left empty.
    for p in &deleted {
        let mut dir = p.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == output || std::fs::remove_dir(&d).is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    std::fs::remove_dir_all(staging).with_context(|| format!("removing {}", staging.display()))?;
    Ok(CommitStats {
        window,
        files_moved: plan.moves.len(),
        files_deleted: plan.deletes.len(),
    })
}

/// Cleans what a killed run of `stem` left: a staging directory with a
/// commit plan is finished (its files are complete: the plan is written
/// after them), one without is discarded, so the previous output stands.
/// Called under the stem's lock ([`crate::lock`]): no live run owns them.
pub fn clean_leftovers(output_root: &Path, stem: &str) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(output_root) else {
        return Ok(());
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if !is_staging_of(&name, stem) {
            continue;
        }
        let plan = dir.join(PLAN);
        match std::fs::read(&plan)
            .ok()
            .and_then(|b| serde_json::from_slice::<CommitPlan>(&b).ok())
        {
            Some(p) => {
                apply(&dir, output_root, &p)
                    .with_context(|| format!("finishing {}", dir.display()))?;
            }
            None => std::fs::remove_dir_all(&dir)
                .with_context(|| format!("removing {}", dir.display()))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ReportMeta, Row, Status, Table};
    use arrow_array::RecordBatch;
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
            warnings: Vec::new(),
            verification: Default::default(),
        };
        ReportRecord {
            report_id: format!("id-{path}"),
            source_path: path.into(),
            source_bytes: 100,
            encoding: Some("UTF-8".into()),
            converter: "text".into(),
            meta: ReportMeta {
                government: crate::model::Government {
                    city: Some("清远市".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            partition,
            status: if ok { Status::Ok } else { Status::Failed },
            error: (!ok).then(|| "bad".to_string()),
            tables: if ok { vec![table] } else { vec![] },
            checks: vec![],
            warnings: vec![],
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
        let cells = read(&d.path().join(staged_name(
            "cells/city=qingyuan/year=2025/report_type=budget/part-00000.parquet",
        )));
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
        let failed = read(&d.path().join(staged_name(
            "reports/city=_unknown/year=0/report_type=_unknown/part-00000.parquet",
        )));
        assert_eq!(failed.num_rows(), 1);
    }

    #[test]
    fn same_input_same_bytes() {
        let recs = vec![record("a.txt", qingyuan(), true)];
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write_partitioned(a.path(), &recs, &SinkOptions::default()).unwrap();
        write_partitioned(b.path(), &recs, &SinkOptions::default()).unwrap();
        let p = staged_name("cells/city=qingyuan/year=2025/report_type=budget/part-00000.parquet");
        assert_eq!(
            std::fs::read(a.path().join(&p)).unwrap(),
            std::fs::read(b.path().join(&p)).unwrap()
        );
    }

    #[test]
    fn a_partition_written_in_chunks_is_one_file_with_every_row_in_order() {
        let recs: Vec<ReportRecord> = ["a.txt", "b.txt", "c.txt"]
            .iter()
            .map(|p| record(p, qingyuan(), true))
            .collect();
        let d = tempfile::tempdir().unwrap();
        let mut w = PartitionWriter::new(d.path(), &qingyuan(), &SinkOptions::default()).unwrap();
        w.write(&[&recs[0], &recs[1]]).unwrap();
        w.write(&[&recs[2]]).unwrap();
        let stats = w.finish().unwrap();
        assert_eq!(stats.files, 3, "reports, tables, cells; no checks rows");
        assert_eq!(stats.rows_per_dataset["cells"], 6);
        let staged: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("cells+"))
            .collect();
        assert_eq!(
            staged,
            ["cells+city=qingyuan+year=2025+report_type=budget+part-00000.parquet"]
        );
        let cells = read(&d.path().join(&staged[0]));
        let paths = cells
            .column_by_name("source_path")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let got: Vec<&str> = paths.iter().map(|p| p.unwrap()).collect();
        assert_eq!(got, ["a.txt", "a.txt", "b.txt", "b.txt", "c.txt", "c.txt"]);
    }

    #[test]
    fn commit_replaces_deletes_stale_and_finishes_interrupted_runs() {
        let out = tempfile::tempdir().unwrap();
        let o = out.path();
        let stem = "part-00000";
        let s1 = staging_dir(o, "part-00000", "1");
        write_partitioned(
            &s1,
            &[
                record("a.txt", qingyuan(), true),
                record("b.txt", Partition::unknown(), false),
            ],
            &SinkOptions::default(),
        )
        .unwrap();
        let plan = plan_commit(&s1, o, stem, None);
        commit(&s1, o, &plan).unwrap();
        assert!(o
            .join("cells/city=qingyuan/year=2025/report_type=budget/part-00000.parquet")
            .exists());
        assert!(o.join("reports/city=_unknown").exists());
        assert!(o.join("_SUCCESS").exists() && !s1.exists());
        // Another shard's file is never touched.
        let other =
            o.join("cells/city=qingyuan/year=2025/report_type=budget/part-00001-of-00002.parquet");
        std::fs::write(&other, b"x").unwrap();
        // Second run: the failed report is gone; its partition disappears.
        let s2 = staging_dir(o, "part-00000", "2");
        write_partitioned(
            &s2,
            &[record("a.txt", qingyuan(), true)],
            &SinkOptions::default(),
        )
        .unwrap();
        let plan = plan_commit(&s2, o, stem, None);
        assert_eq!(
            plan.deletes,
            ["reports/city=_unknown/year=0/report_type=_unknown/part-00000.parquet"]
        );
        // Killed after writing the plan, before any rename: the next start finishes it.
        std::fs::write(s2.join(PLAN), serde_json::to_vec(&plan).unwrap()).unwrap();
        clean_leftovers(o, "part-00000").unwrap();
        assert!(!o.join("reports/city=_unknown").exists());
        assert!(other.exists());
        assert!(!s2.exists() && o.join("_SUCCESS").exists());
        // Killed before the plan: the staging directory is discarded.
        let s3 = staging_dir(o, "part-00000", "3");
        write_partitioned(
            &s3,
            &[record("z.txt", Partition::unknown(), false)],
            &SinkOptions::default(),
        )
        .unwrap();
        // A shard running at the same time: its staging directory is its own.
        let shard = staging_dir(o, "part-00001-of-00002", "4");
        std::fs::create_dir_all(&shard).unwrap();
        clean_leftovers(o, "part-00000").unwrap();
        assert!(!s3.exists() && !o.join("reports/city=_unknown").exists());
        assert!(shard.exists());
        clean_leftovers(o, "part-00001-of-00002").unwrap();
        assert!(!shard.exists());
    }

    #[test]
    fn staging_directories_belong_to_their_stem() {
        assert!(is_staging_of(
            ".staging-part-00000.20261202T1",
            "part-00000"
        ));
        assert!(is_staging_of(".staging-20261202T1-77", "part-00000"));
        assert!(!is_staging_of(
            ".staging-20261202T1-77",
            "part-00001-of-00002"
        ));
        assert!(!is_staging_of(
            ".staging-part-00001-of-00002.2026",
            "part-00000"
        ));
        assert!(!is_staging_of("cells", "part-00000"));
    }
}
