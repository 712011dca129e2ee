//! Pass 2: partition by partition, in parallel, parse the reports and
//! write their files into the staging directory.

use super::previous::{NotAsPublished, Previous};
use super::*;

/// Reports parsed and written together in pass 2. A partition is written
/// chunk by chunk, so memory does not grow with the partition; the size is
/// fixed (not tied to --jobs) so files are the same whatever the machine.
/// Small, so that a corpus of bigger partitions (more years and
/// departments per city) fills no bigger chunks: with 16, a 4 GB corpus's
/// full chunks took 1.2x the memory of a 1 GB corpus's partial ones, and
/// 4 is no slower.
pub(super) const REPORTS_PER_CHUNK: usize = 4;

/// What pass 2 keeps of a written partition.
#[derive(Default)]
pub(super) struct PartitionDone {
    /// `city=…/year=…/report_type=…`, shared by its reports' entries.
    pub(super) partition_dir: String,
    pub(super) outcomes: Vec<Outcome>,
    /// The error of each failed report, by file.
    pub(super) errors: Vec<(u32, String)>,
    pub(super) checks: BTreeMap<&'static str, usize>,
    pub(super) tables: usize,
    pub(super) verification: crate::verify::Tally,
    pub(super) cells: u64,
    pub(super) parsed: usize,
    /// Unchanged reports whose rows were taken from the previous run.
    pub(super) reused: usize,
    pub(super) stats: sink::WriteStats,
}

impl PartitionDone {
    pub(super) fn add(&mut self, planned: &[Planned], items: &[Item]) {
        let d = self;
        for (p, item) in planned.iter().zip(items) {
            let r = match item {
                Item::Parsed(r) => r,
                Item::Reused(e) => {
                    d.reused += 1;
                    d.outcomes.push(Outcome {
                        id: id_number(&e.report_id),
                        file: p.file,
                        dir: 0,
                        status: e.status,
                        retry: e.retry,
                    });
                    if let Some(error) = &e.error {
                        d.errors.push((p.file, error.clone()));
                    }
                    continue;
                }
            };
            d.parsed += 1;
            d.outcomes.push(Outcome {
                id: id_number(&r.report_id),
                file: p.file,
                dir: 0,
                status: r.status,
                // Failed for a reason outside the bytes scanned.
                retry: r.status == Status::Failed && not_as_scanned(p, r),
            });
            if let Some(error) = &r.error {
                d.errors.push((p.file, error.clone()));
            }
            for (k, v) in checks::tally(&r.checks) {
                *d.checks.entry(k).or_default() += v;
            }
            d.tables += r.tables.len();
            d.verification.merge(crate::verify::Tally::of(&r.tables));
            d.cells += crate::arrow_out::n_cells(&r.tables);
        }
    }
}

/// A report of a partition being written: parsed, or (incremental runs)
/// unchanged since the previous run, whose rows are taken from its files.
pub(super) enum Item<'a> {
    Parsed(Box<ReportRecord>),
    Reused(&'a ManifestEntry),
}

/// Were the bytes processed not those pass 1 scanned (the file changed or
/// vanished since)? A file unreadable in pass 1 had no bytes to compare.
fn not_as_scanned(p: &Planned, r: &ReportRecord) -> bool {
    p.has_bytes && r.report_id != id_hex(p.id)
}

/// What pass 2 reads and shares between its workers.
pub(super) struct Pass2<'a> {
    pub(super) opts: &'a RunOptions,
    pub(super) files: &'a SourceFiles,
    pub(super) cx: &'a ReportContext<'a>,
    /// [`Plan::texts`]: the strings of the metadata pass 1 read.
    pub(super) texts: &'a str,
    pub(super) bar: &'a Option<indicatif::ProgressBar>,
    pub(super) staging: &'a Path,
    pub(super) sink_opts: &'a SinkOptions,
    /// Incremental runs: the output root, whose files the previous run
    /// published, and the previous manifest's entry of every report
    /// unchanged since.
    pub(super) previous: Option<(&'a Path, &'a BTreeMap<u32, Box<ManifestEntry>>)>,
    /// Set at the first failed report under `--fail-fast`.
    pub(super) fail_fast_stop: AtomicBool,
    /// The first failed report (path, error), for `--fail-fast`.
    pub(super) first_failure: Mutex<Option<(String, String)>>,
}

impl Pass2<'_> {
    /// Stop taking reports: `--fail-fast` saw a failure, or a signal came.
    fn halted(&self) -> bool {
        self.fail_fast_stop.load(Ordering::Relaxed) || self.opts.interrupt.received().is_some()
    }

    /// Every partition, in parallel, each kept as its outcomes and counts.
    /// Memory holds one partition per worker, never the whole output.
    pub(super) fn write(
        &self,
        parts: Vec<(Partition, Vec<Planned>)>,
    ) -> Vec<Result<PartitionDone>> {
        let threads = rayon::current_num_threads();
        // Nested parallelism only when partitions are too few to keep every
        // worker busy: a worker waiting inside a chunk would steal other
        // partitions and hold them all open at once. Then as many chunks
        // are parsed at once as keep the workers busy, and written in order.
        let nested = parts.len() < 4 * threads;
        let parsed_together = if nested {
            REPORTS_PER_CHUNK * threads.div_ceil(REPORTS_PER_CHUNK)
        } else {
            REPORTS_PER_CHUNK
        };
        // Consumed: a partition's plan is freed once it is written.
        parts
            .into_par_iter()
            .map(|(partition, planned)| {
                self.write_partition(&partition, &planned, nested, parsed_together)
            })
            .collect()
    }

    fn write_partition(
        &self,
        partition: &Partition,
        planned: &[Planned],
        nested: bool,
        parsed_together: usize,
    ) -> Result<PartitionDone> {
        if self.halted() {
            return Ok(PartitionDone::default());
        }
        // Incremental runs: the rows of the unchanged reports are taken
        // from the previous run's files, when those hold them as published;
        // otherwise every report of the partition is parsed.
        let previous = match self.previous {
            Some((output, _)) if planned.iter().any(|p| self.unchanged(p).is_some()) => {
                let dir = partition.rel_dir();
                Previous::open(output, &dir, &self.sink_opts.file_stem).ok()
            }
            _ => None,
        };
        if let Some(previous) = previous {
            match self.write_partition_with(
                partition,
                planned,
                nested,
                parsed_together,
                Some(previous),
            ) {
                Err(e) if e.downcast_ref::<NotAsPublished>().is_some() => {}
                done => return done,
            }
        }
        self.write_partition_with(partition, planned, nested, parsed_together, None)
    }

    /// An unchanged report's entry in the previous manifest (incremental
    /// runs), for an ok report: a failed one is read again (and stops a
    /// --fail-fast run as it did).
    fn unchanged(&self, p: &Planned) -> Option<&ManifestEntry> {
        let (_, reuse) = self.previous?;
        reuse
            .get(&p.file)
            .filter(|e| e.status == Status::Ok)
            .map(|e| e.as_ref())
    }

    fn write_partition_with<'a>(
        &'a self,
        partition: &Partition,
        planned: &[Planned],
        nested: bool,
        parsed_together: usize,
        mut previous: Option<Previous>,
    ) -> Result<PartitionDone> {
        let mut writer = sink::PartitionWriter::new(self.staging, partition, self.sink_opts)?;
        let mut done = PartitionDone {
            partition_dir: partition.rel_dir(),
            ..Default::default()
        };
        let reused: Vec<Option<&'a ManifestEntry>> = planned
            .iter()
            .map(|p| {
                let prev = previous.as_ref()?;
                self.unchanged(p).filter(|e| prev.has(&e.report_id))
            })
            .collect();
        let item =
            |(p, reused): (&Planned, &Option<&'a ManifestEntry>)| self.item(partition, p, *reused);
        for (together, reused) in planned
            .chunks(parsed_together)
            .zip(reused.chunks(parsed_together))
        {
            if self.halted() {
                return Ok(PartitionDone::default());
            }
            let items: Vec<Item> = if nested {
                together.par_iter().zip(reused).map(item).collect()
            } else {
                together.iter().zip(reused).map(item).collect()
            };
            let chunks = together.chunks(REPORTS_PER_CHUNK);
            for (chunk, items) in chunks.zip(items.chunks(REPORTS_PER_CHUNK)) {
                if let Err(e) = write_chunk(&mut writer, items, previous.as_mut()) {
                    // Written again from the start, every report parsed.
                    writer.discard();
                    return Err(e);
                }
                done.add(chunk, items);
            }
        }
        done.stats = writer.finish()?;
        Ok(done)
    }

    /// A report of the partition being written: reused (an unchanged one
    /// whose rows the previous files hold), or parsed.
    fn item<'e>(
        &self,
        partition: &Partition,
        p: &Planned,
        reused: Option<&'e ManifestEntry>,
    ) -> Item<'e> {
        match reused {
            Some(e) => Item::Reused(e),
            None => Item::Parsed(Box::new(self.process(partition, p))),
        }
    }

    /// One report of `partition`, read again from its file.
    fn process(&self, partition: &Partition, p: &Planned) -> ReportRecord {
        let files = self.files;
        let known = p.known.map(|k| (p.id, k.meta(self.texts)));
        let (path, rel_path) = (files.path(p.file as usize), files.rel_path(p.file as usize));
        let mut r = process_file_known(&path, rel_path, self.cx, known);
        if not_as_scanned(p, &r) {
            r = changed_while_read(r, p.id);
        }
        if files.raw_rel_path(p.file as usize).is_some() {
            r.warnings.push(format!(
                "{rel_path}: the file name is not UTF-8; source_path shows it \
                 lossy, _manifest.json keeps its bytes (source_path_bytes)"
            ));
        }
        r.partition = partition.clone();
        self.finish_one(r)
    }

    /// Logs one processed report and notes the first failure for `--fail-fast`.
    fn finish_one(&self, r: ReportRecord) -> ReportRecord {
        let (opts, bar) = (self.opts, self.bar);
        match bar {
            Some(b) => b.inc(1),
            None => {
                let (level, message) = match r.status {
                    Status::Ok => ("info", format!("ok ({} tables)", r.tables.len())),
                    Status::Failed => ("error", "failed".to_string()),
                };
                opts.log.emit(Event {
                    level,
                    message: &message,
                    report: Some(&r.report_id),
                    path: Some(&r.source_path),
                    error: r.error.as_deref(),
                });
            }
        }
        if r.status == Status::Failed && opts.fail_fast {
            self.fail_fast_stop.store(true, Ordering::Relaxed);
            let mut f = self.first_failure.lock().unwrap();
            if f.is_none() {
                *f = Some((r.source_path.clone(), r.error.clone().unwrap_or_default()));
            }
        }
        r
    }
}

/// Writes one chunk of reports: the batches of a full run, whose rows are
/// those its reports give, parsed or taken from the previous run's files
/// (the same rows, so the same bytes).
fn write_chunk(
    writer: &mut sink::PartitionWriter,
    items: &[Item],
    previous: Option<&mut Previous>,
) -> Result<()> {
    let parsed = |item: &Item| matches!(item, Item::Parsed(_));
    fn record<'r>(item: &'r Item) -> Option<&'r ReportRecord> {
        match item {
            Item::Parsed(r) => Some(r),
            Item::Reused(_) => None,
        }
    }
    let (Some(previous), false) = (previous, items.iter().all(parsed)) else {
        let records: Vec<&ReportRecord> = items.iter().filter_map(record).collect();
        return writer.write(&records);
    };
    for k in 0..sink::DATASETS.len() {
        let mut pieces = Vec::new();
        for run in items.chunk_by(|a, b| parsed(a) == parsed(b)) {
            if parsed(&run[0]) {
                let records: Vec<&ReportRecord> = run.iter().filter_map(record).collect();
                pieces.push(sink::batch_of(k, &records));
            } else {
                let ids: Vec<&str> = run
                    .iter()
                    .filter_map(|item| match item {
                        Item::Reused(e) => Some(e.report_id.as_str()),
                        Item::Parsed(_) => None,
                    })
                    .collect();
                pieces.extend(previous.take(k, &ids)?);
            }
        }
        let batch = match pieces.len() {
            1 => pieces.pop().expect("one piece"),
            _ => arrow_select::concat::concat_batches(&sink::schema_of(k), &pieces)?,
        };
        writer.write_batch(k, &sink::as_built(batch)?)?;
    }
    Ok(())
}
