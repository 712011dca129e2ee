//! Pass 2: partition by partition, in parallel, parse the reports and
//! write their files into the staging directory.

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
    pub(super) stats: sink::WriteStats,
}

impl PartitionDone {
    pub(super) fn add(&mut self, planned: &[Planned], records: &[ReportRecord]) {
        let d = self;
        d.parsed += records.len();
        for (p, r) in planned.iter().zip(records) {
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
        let mut writer = sink::PartitionWriter::new(self.staging, partition, self.sink_opts)?;
        let mut done = PartitionDone {
            partition_dir: partition.rel_dir(),
            ..Default::default()
        };
        let process = |p: &Planned| self.process(partition, p);
        for together in planned.chunks(parsed_together) {
            if self.halted() {
                return Ok(PartitionDone::default());
            }
            let records: Vec<ReportRecord> = if nested {
                together.par_iter().map(process).collect()
            } else {
                together.iter().map(process).collect()
            };
            let chunks = together.chunks(REPORTS_PER_CHUNK);
            for (chunk, records) in chunks.zip(records.chunks(REPORTS_PER_CHUNK)) {
                writer.write(&records.iter().collect::<Vec<_>>())?;
                done.add(chunk, records);
            }
        }
        done.stats = writer.finish()?;
        Ok(done)
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
