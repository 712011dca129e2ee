//! Pass 1: which reports this run handles and in which partition, read
//! from their metadata alone; duplicates and (incremental) what changed.

use super::*;

/// What pass 1 read of a file.
pub(super) struct Scan {
    pub(super) bytes: u64,
    /// `None` for another shard's report.
    pub(super) scanned: Option<Scanned>,
}

/// A report this run handles, as pass 1 read it.
pub(super) struct Scanned {
    pub(super) partition: Partition,
    /// Its plan, but for the metadata (in `meta`).
    pub(super) planned: Planned,
    pub(super) meta: Option<ReportMeta>,
    /// Incremental runs: unchanged since the previous run, which had this
    /// manifest entry.
    pub(super) reuse: Option<Box<ManifestEntry>>,
}

/// A report pass 2 handles, as pass 1 leaves it. One is kept for every
/// report until pass 2 reaches its partition, so it is a few words: no
/// path, and of the metadata only what the text stated, its strings in
/// the plan's one string of texts.
pub(super) struct Planned {
    /// Report id as a number; of the path for a file that could not be read.
    pub(super) id: u64,
    /// Index into the discovered files.
    pub(super) file: u32,
    /// Read, and not empty: may be the duplicate of another report.
    pub(super) has_bytes: bool,
    /// The metadata pass 1 read from the text, for pass 2 to reuse when
    /// the bytes are unchanged.
    pub(super) known: Option<KnownMeta>,
}

/// What a report's text states about it ([`parse::read_report_meta`]), in
/// a few words: its strings (department, title, places) are a span of
/// [`Plan::texts`], separated by [`FIELD_END`]. The rest of the metadata
/// (path, sidecar, government) is settled again from it in pass 2.
#[derive(Clone, Copy)]
pub(super) struct KnownMeta {
    pub(super) texts: (u32, u32),
    pub(super) has_department: bool,
    pub(super) has_title: bool,
    pub(super) year: Option<i32>,
    pub(super) report_type: Option<crate::model::ReportType>,
    pub(super) scope: Option<crate::model::Scope>,
    pub(super) consolidated: bool,
}

/// Ends each string of a [`KnownMeta`] in [`Plan::texts`]: a control
/// character no metadata string holds (the reader keeps printed text only).
pub(super) const FIELD_END: char = '\u{1f}';

impl KnownMeta {
    pub(super) fn store(meta: ReportMeta, texts: &mut String) -> KnownMeta {
        let start = texts.len() as u32;
        let strings = [meta.department.as_deref(), meta.title.as_deref()];
        for s in strings
            .into_iter()
            .flatten()
            .chain(meta.places.iter().map(String::as_str))
        {
            texts.extend(s.chars().filter(|&c| c != FIELD_END));
            texts.push(FIELD_END);
        }
        KnownMeta {
            texts: (start, texts.len() as u32),
            has_department: meta.department.is_some(),
            has_title: meta.title.is_some(),
            year: meta.year,
            report_type: meta.report_type,
            scope: meta.scope,
            consolidated: meta.consolidated,
        }
    }

    pub(super) fn meta(&self, texts: &str) -> ReportMeta {
        let (start, end) = self.texts;
        let mut strings = texts[start as usize..end as usize]
            .split_terminator(FIELD_END)
            .map(str::to_string);
        let department = if self.has_department {
            strings.next()
        } else {
            None
        };
        let title = if self.has_title { strings.next() } else { None };
        let content = |present: bool| present.then_some(crate::model::MetaSource::Content);
        ReportMeta {
            sources: crate::model::MetaSources {
                department: content(department.is_some()),
                government: None,
                year: content(self.year.is_some()),
                report_type: content(self.report_type.is_some()),
                scope: content(self.scope.is_some()),
            },
            department,
            title,
            places: strings.collect(),
            year: self.year,
            report_type: self.report_type,
            scope: self.scope,
            consolidated: self.consolidated,
            government: Default::default(),
        }
    }
}

/// Pass 1's reports grouped by partition, built by each worker and merged.
#[derive(Default)]
pub(super) struct Plan {
    pub(super) partitions: BTreeMap<Partition, Vec<Planned>>,
    /// The strings of the reports' [`KnownMeta`], one after the other.
    pub(super) texts: String,
    /// Incremental runs: the previous manifest's entry of every report
    /// unchanged since, by file.
    pub(super) reuse: BTreeMap<u32, Box<ManifestEntry>>,
}

impl Plan {
    pub(super) fn add(&mut self, s: Scanned) {
        let known = s.meta.map(|meta| KnownMeta::store(meta, &mut self.texts));
        if let Some(e) = s.reuse {
            self.reuse.insert(s.planned.file, e);
        }
        let planned = Planned { known, ..s.planned };
        self.partitions
            .entry(s.partition)
            .or_default()
            .push(planned);
    }

    pub(super) fn merge(mut self, mut other: Plan) -> Plan {
        if self.texts.len() < other.texts.len() {
            std::mem::swap(&mut self, &mut other);
        }
        let base = self.texts.len() as u32;
        self.texts.push_str(&other.texts);
        for (partition, mut planned) in other.partitions {
            for p in &mut planned {
                if let Some(KnownMeta {
                    texts: (start, end),
                    ..
                }) = &mut p.known
                {
                    *start += base;
                    *end += base;
                }
            }
            self.partitions
                .entry(partition)
                .or_default()
                .append(&mut planned);
        }
        self.reuse.append(&mut other.reuse);
        self
    }
}

/// Pass 1 for one file: its id, whether this run handles it, and its
/// partition (from the metadata alone; `_unknown` when it cannot be read).
pub(super) fn scan(
    index: usize,
    files: &SourceFiles,
    opts: &RunOptions,
    cx: &ReportContext,
    prev: &BTreeMap<&str, &ManifestEntry>,
) -> Scan {
    let file = index as u32;
    let rel_path = files.rel_path(index);
    let Ok(bytes) = std::fs::read(files.path(index)) else {
        // Read again, and reported, in pass 2 (by the shard its path's id
        // falls to, as failed_record names it).
        let id = report_id_number(rel_path.as_bytes());
        let scanned = Scanned {
            partition: Partition::unknown(),
            planned: Planned {
                id,
                file,
                has_bytes: false,
                known: None,
            },
            meta: None,
            reuse: None,
        };
        return Scan {
            bytes: 0,
            scanned: opts.shard.is_none_or(|s| s.owns(id)).then_some(scanned),
        };
    };
    let id = report_id_number(&bytes);
    let size = bytes.len() as u64;
    let handled = |partition, meta, reuse| Scan {
        bytes: size,
        scanned: Some(Scanned {
            partition,
            planned: Planned {
                id,
                file,
                has_bytes: size > 0,
                known: None,
            },
            meta,
            reuse,
        }),
    };
    if opts.shard.is_some_and(|s| !s.owns(id)) {
        return Scan {
            bytes: size,
            scanned: None,
        };
    }
    let unchanged = prev
        .get(rel_path)
        .filter(|e| e.report_id == id_hex(id) && !e.retry);
    if let Some(e) = unchanged {
        return handled(
            partition_from_rel(&e.partition),
            None,
            Some(Box::new((*e).clone())),
        );
    }
    match cx.decode(rel_path, &bytes) {
        Ok(d) => {
            let content = parse::read_report_meta(&d.text);
            let settled = cx.settle(content.clone(), rel_path);
            let partition = match missing_meta(&settled.meta).is_empty() {
                true => partition_of(&settled.meta),
                false => None,
            };
            handled(
                partition.unwrap_or_else(Partition::unknown),
                Some(content),
                None,
            )
        }
        Err(_) => handled(Partition::unknown(), None, None),
    }
}

/// `city=a/year=1/report_type=b` back to a partition.
pub(super) fn partition_from_rel(rel: &str) -> Partition {
    let mut p = Partition::unknown();
    for part in rel.split('/') {
        match part.split_once('=') {
            Some(("city", v)) => p.city = v.to_string(),
            Some(("year", v)) => p.year = v.parse().unwrap_or(0),
            Some(("report_type", v)) => p.report_type = v.to_string(),
            _ => {}
        }
    }
    p
}

/// The same bytes under two paths are one report: keep the first path (the
/// walk is sorted) and warn naming both. Unreadable files (no bytes) are
/// never duplicates.
pub(super) fn drop_duplicates(
    partitions: &mut BTreeMap<Partition, Vec<Planned>>,
    files: &SourceFiles,
    warnings: &mut Vec<String>,
) {
    let mut ids: Vec<(u64, u32)> = partitions
        .values()
        .flatten()
        .filter(|p| p.has_bytes)
        .map(|p| (p.id, p.file))
        .collect();
    ids.sort_unstable();
    // (duplicate, kept, id), each duplicate named after the first path
    // with its bytes.
    let mut dropped: Vec<(u32, u32, u64)> = Vec::new();
    for same in ids.chunk_by(|a, b| a.0 == b.0) {
        let (id, kept) = same[0];
        dropped.extend(same[1..].iter().map(|&(_, dup)| (dup, kept, id)));
    }
    if dropped.is_empty() {
        return;
    }
    dropped.sort_unstable();
    for &(dup, kept, id) in &dropped {
        warnings.push(format!(
            "duplicate report {id:016x}: {} has the same bytes as {}; written once",
            files.rel_path(dup as usize),
            files.rel_path(kept as usize)
        ));
    }
    for planned in partitions.values_mut() {
        planned.retain(|p| {
            dropped
                .binary_search_by_key(&p.file, |&(dup, _, _)| dup)
                .is_err()
        });
    }
    partitions.retain(|_, planned| !planned.is_empty());
}

/// Incremental runs: the partitions to write again (where a report was
/// added, changed or removed since `prev`) and how many of `prev`'s
/// reports are gone.
pub(super) fn touched_partitions(
    prev: &Manifest,
    partitions: &BTreeMap<Partition, Vec<Planned>>,
    reuse: &BTreeMap<u32, Box<ManifestEntry>>,
    files: &SourceFiles,
) -> (BTreeSet<String>, usize) {
    let mut present = vec![false; files.len()];
    let mut changed = vec![false; files.len()];
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut removed = 0;
    for (partition, planned) in partitions {
        for p in planned {
            present[p.file as usize] = true;
            if !reuse.contains_key(&p.file) {
                changed[p.file as usize] = true;
                touched.insert(partition.rel_dir());
            }
        }
    }
    for e in &prev.reports {
        // The walk is sorted by relative path.
        let file = files.position(&e.source_path);
        let now = file.is_some_and(|i| present[i]);
        if !now {
            removed += 1;
        }
        if !now || file.is_some_and(|i| changed[i]) {
            touched.insert(e.partition.clone());
        }
    }
    (touched, removed)
}

/// What pass 1 reads and shares between its workers.
pub(super) struct Pass1<'a> {
    pub(super) opts: &'a RunOptions,
    pub(super) files: &'a SourceFiles,
    pub(super) cx: &'a ReportContext<'a>,
    /// The previous manifest's entries by source path (incremental runs).
    pub(super) prev: &'a BTreeMap<&'a str, &'a ManifestEntry>,
    pub(super) bar: &'a Option<indicatif::ProgressBar>,
    pub(super) bytes_done: &'a AtomicU64,
}

impl Pass1<'_> {
    /// Which reports this run handles, and in which partition. Only the
    /// metadata is read; no table is parsed and no text kept. Stops taking
    /// files at a signal.
    pub(super) fn scan(&self) -> Plan {
        let mut plan = (0..self.files.len())
            .into_par_iter()
            .fold(Plan::default, |mut plan, index| {
                if self.opts.interrupt.received().is_some() {
                    return plan;
                }
                let s = scan(index, self.files, self.opts, self.cx, self.prev);
                self.bytes_done.fetch_add(s.bytes, Ordering::Relaxed);
                if let Some(scanned) = s.scanned {
                    plan.add(scanned);
                } else if let Some(b) = self.bar {
                    b.inc(1);
                }
                plan
            })
            .reduce(Plan::default, Plan::merge);
        // Kept until pass 2 reaches them: without the room left by growing.
        plan.texts.shrink_to_fit();
        for planned in plan.partitions.values_mut() {
            planned.sort_unstable_by_key(|p| p.file);
            planned.shrink_to_fit();
        }
        if let Some(b) = self.bar {
            b.inc(plan.reuse.len() as u64);
        }
        plan
    }
}

/// Incremental runs: moves the unchanged reports of untouched partitions
/// out of the plan and into `outcomes`, as the previous manifest has them.
/// `reuse` keeps the entries of the unchanged reports of touched
/// partitions, whose rows pass 2 takes from the previous run's files.
pub(super) fn take_untouched(
    partitions: &mut BTreeMap<Partition, Vec<Planned>>,
    reuse: &mut BTreeMap<u32, Box<ManifestEntry>>,
    owned: &BTreeSet<String>,
    outcomes: &mut Outcomes,
) {
    for planned in partitions.values_mut() {
        planned.retain(|p| {
            let Some(e) = reuse.get(&p.file).filter(|e| !owned.contains(&e.partition)) else {
                return true;
            };
            outcomes.add_reused(p.file, e);
            reuse.remove(&p.file);
            false
        });
    }
    partitions.retain(|_, planned| !planned.is_empty());
}
