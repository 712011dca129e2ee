//! Incremental runs: the previous run's rows of a partition being written
//! again. A touched partition's file is written whole; the rows of its
//! unchanged reports are read back from the files it replaces, a batch at
//! a time, in the order both runs write reports (by source path), so that
//! memory holds a batch per dataset, not the partition.

use super::*;
use arrow_array::cast::AsArray;
use arrow_array::types::{UInt32Type, UInt64Type};
use arrow_array::RecordBatch;
use std::collections::HashMap;

/// The previous run's files do not hold the rows they should (missing,
/// damaged, or out of order): the partition's reports are parsed instead.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct NotAsPublished(pub(super) String);

fn not_as_published(what: impl Into<String>) -> anyhow::Error {
    NotAsPublished(what.into()).into()
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// One dataset's published rows, a batch at a time.
struct Stream {
    batches: Option<Batches>,
    batch: Option<RecordBatch>,
    /// `batch`'s report_id column.
    ids: Option<arrow_array::StringArray>,
    /// The next row of `batch`.
    pos: usize,
}

impl Stream {
    fn exhausted(&self) -> bool {
        self.batch.as_ref().is_none_or(|b| self.pos >= b.num_rows())
    }

    /// Reads the next batch; false at the end of the file.
    fn advance(&mut self) -> Result<bool> {
        let next = self.batches.as_mut().and_then(|b| b.next());
        let Some(batch) = next else {
            self.batches = None;
            return Ok(false);
        };
        let batch = batch.map_err(|e| not_as_published(format!("{e:#}")))?;
        self.ids = Some(ids(&batch)?.clone());
        self.batch = Some(batch);
        self.pos = 0;
        Ok(true)
    }

    /// Ends the slice opened at `open` at the current row.
    fn close(&self, open: &mut Option<usize>, pieces: &mut Vec<RecordBatch>) {
        if let (Some(start), Some(b)) = (open.take(), self.batch.as_ref()) {
            if self.pos > start {
                pieces.push(b.slice(start, self.pos - start));
            }
        }
    }
}

pub(super) struct Previous {
    /// The previous `reports` rows, one per report: read whole.
    reports: RecordBatch,
    /// Report id → its row in `reports` (its place in the previous run's
    /// order), and the tables and cells that row counts.
    index: HashMap<String, (usize, u32, u64)>,
    /// `tables`, `cells`, `checks`.
    streams: Vec<Stream>,
}

fn ids(batch: &RecordBatch) -> Result<&arrow_array::StringArray> {
    batch
        .column(0)
        .as_string_opt::<i32>()
        .ok_or_else(|| not_as_published("report_id is not a string column"))
}

impl Previous {
    /// The published files of `partition_dir` (of this run's file stem).
    pub(super) fn open(output: &Path, partition_dir: &str, stem: &str) -> Result<Previous> {
        let path = |dataset: &str| {
            output
                .join(dataset)
                .join(partition_dir)
                .join(format!("{stem}.parquet"))
        };
        let reports: Vec<RecordBatch> = sink::read_published(&path(sink::DATASETS[0]), 0)?
            .ok_or_else(|| not_as_published("no reports file"))?
            .collect::<Result<_>>()?;
        let reports = arrow_select::concat::concat_batches(&sink::schema_of(0), &reports)?;
        let counts = |name: &str| reports.column_by_name(name).cloned();
        let (Some(tables), Some(cells)) = (counts("n_tables"), counts("n_cells")) else {
            return Err(not_as_published("reports without n_tables, n_cells"));
        };
        let (Some(tables), Some(cells)) = (
            tables.as_primitive_opt::<UInt32Type>(),
            cells.as_primitive_opt::<UInt64Type>(),
        ) else {
            return Err(not_as_published("n_tables, n_cells of another type"));
        };
        let mut index = HashMap::new();
        for (row, id) in ids(&reports)?.iter().enumerate() {
            let id = id.ok_or_else(|| not_as_published("a null report_id"))?;
            let entry = (row, tables.value(row), cells.value(row));
            if index.insert(id.to_string(), entry).is_some() {
                return Err(not_as_published(format!("report {id} twice")));
            }
        }
        let mut streams = Vec::new();
        for (k, dataset) in sink::DATASETS.iter().enumerate().skip(1) {
            streams.push(Stream {
                batches: sink::read_published(&path(dataset), k)?.map(|b| Box::new(b) as Batches),
                batch: None,
                ids: None,
                pos: 0,
            });
        }
        Ok(Previous {
            reports,
            index,
            streams,
        })
    }

    /// Does the previous run's `reports` file have a row for report `id`?
    pub(super) fn has(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// The rows of dataset `k` of the reports `ids` (in this run's order,
    /// which is the previous run's), as slices of the batches read: rows
    /// of other reports between them (changed or removed since) are
    /// skipped. Consecutive rows come as one slice.
    pub(super) fn take(&mut self, k: usize, ids_wanted: &[&str]) -> Result<Vec<RecordBatch>> {
        let mut wanted = Vec::with_capacity(ids_wanted.len());
        for id in ids_wanted {
            let &(row, tables, cells) = self
                .index
                .get(*id)
                .ok_or_else(|| not_as_published(format!("no reports row of {id}")))?;
            if wanted.last().is_some_and(|&(_, r, _)| r >= row) {
                return Err(not_as_published("reports out of order"));
            }
            let expected = match k {
                1 => Some(tables as usize),
                2 => Some(cells as usize),
                _ => None,
            };
            wanted.push((*id, row, expected));
        }
        if k == 0 {
            // One row each: consecutive rows as one slice.
            let mut pieces = Vec::new();
            for run in wanted.chunk_by(|a, b| a.1 + 1 == b.1) {
                pieces.push(self.reports.slice(run[0].1, run.len()));
            }
            return Ok(pieces);
        }
        let index = &self.index;
        let stream = &mut self.streams[k - 1];
        let mut pieces = Vec::new();
        let mut counts = vec![0usize; wanted.len()];
        let mut w = 0;
        // Start of the slice being taken in the current batch.
        let mut open: Option<usize> = None;
        enum Step {
            Take,
            Skip,
            Next,
        }
        while w < wanted.len() {
            if stream.exhausted() {
                stream.close(&mut open, &mut pieces);
                if !stream.advance()? {
                    break;
                }
                continue;
            }
            let (want_id, want_row, _) = wanted[w];
            let step = {
                let id = stream.ids.as_ref().map_or("", |ids| ids.value(stream.pos));
                if id == want_id {
                    Step::Take
                } else {
                    let row = index.get(id).map(|e| e.0).ok_or_else(|| {
                        not_as_published(format!("rows of {id}, which has no reports row"))
                    })?;
                    if row < want_row {
                        Step::Skip
                    } else {
                        Step::Next
                    }
                }
            };
            match step {
                Step::Take => {
                    open.get_or_insert(stream.pos);
                    counts[w] += 1;
                    stream.pos += 1;
                }
                // A report not taken (changed since, or gone).
                Step::Skip => {
                    stream.close(&mut open, &mut pieces);
                    stream.pos += 1;
                }
                // Report `w` has no more rows here.
                Step::Next => w += 1,
            }
        }
        stream.close(&mut open, &mut pieces);
        for ((id, _, expected), n) in wanted.iter().zip(&counts) {
            if expected.is_some_and(|e| e != *n) {
                return Err(not_as_published(format!(
                    "{} rows of {id} in {}, its reports row says {}",
                    n,
                    sink::DATASETS[k],
                    expected.unwrap_or_default()
                )));
            }
        }
        Ok(pieces)
    }
}
