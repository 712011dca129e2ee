//! `_manifest.json`: what a run read of the previous one, and every
//! report's entry as the run writes it.

use super::*;

/// One report in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub source_path: String,
    /// The exact bytes of the relative path, in hex, for a file name that
    /// is not UTF-8 (`source_path` shows it lossy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_path_bytes: Option<String>,
    pub report_id: String,
    pub status: Status,
    pub error: Option<String>,
    pub partition: String,
    /// Failed for a reason outside its bytes (the file vanished or changed
    /// while the run read it): an incremental run parses it again even if
    /// its bytes are those of this entry.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`crate::arrow_out::SCHEMA_VERSION`] of the datasets (absent in the
    /// manifests of version 1).
    #[serde(default = "schema_version_1")]
    pub schema_version: u32,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    pub tool_version: String,
    pub config_digest: String,
    pub reports: Vec<ManifestEntry>,
}

pub(super) fn schema_version_1() -> u32 {
    1
}

pub(super) fn manifest_name(stem: &str) -> String {
    if stem == "part-00000" {
        "_manifest.json".into()
    } else {
        format!("_manifest.{stem}.json")
    }
}

pub(super) fn read_previous_manifest(output: &Path, stem: &str) -> Option<Manifest> {
    let bytes = std::fs::read(output.join(manifest_name(stem))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A report's manifest entry in a few words, without a string: one is kept
/// for every report until the manifest is written, and tens of thousands
/// of small strings scattered between the parser's short-lived ones keep
/// the allocator's pages from being returned.
pub(super) struct Outcome {
    /// The report id (16 hex digits) as a number.
    pub(super) id: u64,
    /// Index into the discovered files (its source path).
    pub(super) file: u32,
    /// Index into [`Outcomes::partition_dirs`].
    pub(super) dir: u32,
    pub(super) status: Status,
    /// [`ManifestEntry::retry`].
    pub(super) retry: bool,
}

/// Every report's manifest entry until the manifest is written.
#[derive(Default)]
pub(super) struct Outcomes {
    pub(super) list: Vec<Outcome>,
    /// The error of each failed report, by file.
    pub(super) errors: BTreeMap<u32, String>,
    /// `city=…/year=…/report_type=…` of the partitions, each once.
    pub(super) partition_dirs: Vec<String>,
    pub(super) dir_index: BTreeMap<String, u32>,
}

impl Outcomes {
    pub(super) fn dir(&mut self, partition_dir: String) -> u32 {
        if let Some(&k) = self.dir_index.get(&partition_dir) {
            return k;
        }
        let k = self.partition_dirs.len() as u32;
        self.partition_dirs.push(partition_dir.clone());
        self.dir_index.insert(partition_dir, k);
        k
    }

    /// An unchanged report's entry from the previous manifest (whose id is
    /// the one the scan computed: see [`scan`]).
    pub(super) fn add_reused(&mut self, file: u32, e: &ManifestEntry) {
        let dir = self.dir(e.partition.clone());
        self.list.push(Outcome {
            id: id_number(&e.report_id),
            file,
            dir,
            status: e.status,
            retry: e.retry,
        });
        if let Some(error) = &e.error {
            self.errors.insert(file, error.clone());
        }
    }

    pub(super) fn add_written(
        &mut self,
        partition_dir: String,
        list: Vec<Outcome>,
        errors: Vec<(u32, String)>,
    ) {
        let dir = self.dir(partition_dir);
        self.list
            .extend(list.into_iter().map(|o| Outcome { dir, ..o }));
        self.errors.extend(errors);
    }
}

/// [`Manifest`] as it is written: the same fields, its entries made one by
/// one as they are serialized.
#[derive(Serialize)]
pub(super) struct ManifestOut<'a> {
    pub(super) schema_version: u32,
    pub(super) run_id: &'a str,
    pub(super) started_at: &'a str,
    pub(super) finished_at: &'a str,
    pub(super) tool_version: &'a str,
    pub(super) config_digest: &'a str,
    pub(super) reports: Entries<'a>,
}

pub(super) struct Entries<'a> {
    pub(super) files: &'a SourceFiles,
    pub(super) outcomes: &'a Outcomes,
}

impl Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let o = self.outcomes;
        serializer.collect_seq(o.list.iter().map(|outcome| {
            ManifestEntry {
                source_path: self.files.rel_path(outcome.file as usize).to_string(),
                source_path_bytes: self
                    .files
                    .raw_rel_path(outcome.file as usize)
                    .map(hex::encode),
                report_id: id_hex(outcome.id),
                status: outcome.status,
                error: o.errors.get(&outcome.file).cloned(),
                partition: o.partition_dirs[outcome.dir as usize].clone(),
                retry: outcome.retry,
            }
        }))
    }
}

/// `--incremental`: the previous run's manifest, if it was made by the same
/// configuration and layout; else none, and a warning saying every report
/// is parsed again.
pub(super) fn previous_manifest(
    opts: &RunOptions,
    stem: &str,
) -> (Option<Manifest>, Option<String>) {
    let Some(m) = read_previous_manifest(&opts.output, stem) else {
        return (None, None);
    };
    if m.config_digest == opts.config_digest && m.schema_version == crate::arrow_out::SCHEMA_VERSION
    {
        return (Some(m), None);
    }
    let warning = format!(
        "--incremental: the previous run used another configuration, metadata file, \
         tool version or schema (version {}); every report is parsed again",
        m.schema_version
    );
    (None, Some(warning))
}

/// Writes the manifest into the staging directory, so that it is published
/// by the same commit as the data. Streamed to the file, each entry made
/// as it is written: for tens of thousands of reports the entries and
/// their JSON would cost as much memory as the rest of the run.
pub(super) fn stage_manifest(staging: &Path, stem: &str, manifest: &ManifestOut) -> Result<()> {
    std::fs::create_dir_all(staging)?;
    let file = std::fs::File::create(staging.join(manifest_name(stem)))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, manifest)?;
    Ok(std::io::Write::flush(&mut out)?)
}
