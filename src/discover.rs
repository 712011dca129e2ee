//! Finds the report texts under the input root: every regular `*.txt` file,
//! recursively, in sorted order so runs are deterministic. Problems below
//! the root (an unreadable folder, a symlink loop) are warnings: the batch
//! goes on with what it can read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// The report texts under an input root, sorted by relative path. A run
/// keeps this list until it ends, so it holds one string of all relative
/// paths (no string per file), and the exact path only of a file whose
/// relative path is not that path written in UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFiles {
    root: PathBuf,
    /// The relative paths, one after the other.
    paths: String,
    /// Where each relative path ends in `paths`.
    ends: Vec<usize>,
    exact: BTreeMap<usize, PathBuf>,
}

impl SourceFiles {
    /// The files `found` under `root`, each with its relative path.
    fn new(root: &Path, mut found: Vec<(String, PathBuf)>) -> SourceFiles {
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut files = SourceFiles {
            root: root.to_path_buf(),
            paths: String::with_capacity(found.iter().map(|(r, _)| r.len()).sum()),
            ends: Vec::with_capacity(found.len()),
            exact: BTreeMap::new(),
        };
        for (i, (rel, path)) in found.into_iter().enumerate() {
            if root.join(&rel) != path {
                files.exact.insert(i, path);
            }
            files.paths.push_str(&rel);
            files.ends.push(files.paths.len());
        }
        files
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Path of file `i` relative to the root, with '/' separators.
    pub fn rel_path(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.paths[start..self.ends[i]]
    }

    /// Where file `i` is.
    pub fn path(&self, i: usize) -> PathBuf {
        match self.exact.get(&i) {
            Some(p) => p.clone(),
            None => self.root.join(self.rel_path(i)),
        }
    }

    /// The file whose relative path is `rel_path`.
    pub fn position(&self, rel_path: &str) -> Option<usize> {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = (low + high) / 2;
            match self.rel_path(mid).cmp(rel_path) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The relative paths, in order.
    pub fn rel_paths(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.rel_path(i))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverWarning {
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{0} is not a directory")]
    NotADirectory(String),
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        source: std::io::Error,
    },
}

fn rel(root: &Path, path: &Path) -> String {
    let r = path.strip_prefix(root).unwrap_or(path);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn discover(root: &Path) -> Result<(SourceFiles, Vec<DiscoverWarning>), DiscoverError> {
    let shown = root.display().to_string();
    let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DiscoverError::Missing(shown.clone()),
        _ => DiscoverError::Unreadable {
            path: shown.clone(),
            source: e,
        },
    })?;
    if !meta.is_dir() {
        return Err(DiscoverError::NotADirectory(shown));
    }
    std::fs::read_dir(root).map_err(|source| DiscoverError::Unreadable {
        path: shown.clone(),
        source,
    })?;
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for entry in WalkDir::new(root).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(e) => {
                let is_txt = e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.len() > 4 && n[n.len() - 4..].eq_ignore_ascii_case(".txt"));
                if e.file_type().is_file() && is_txt {
                    found.push((rel(root, e.path()), e.into_path()));
                }
            }
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| rel(root, p))
                    .unwrap_or_else(|| shown.clone());
                let message = if err.loop_ancestor().is_some() {
                    "directory symlink loop, not followed".to_string()
                } else {
                    err.to_string()
                };
                warnings.push(DiscoverWarning { path, message });
            }
        }
    }
    Ok((SourceFiles::new(root, found), warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_sorted_txt_only() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b/c")).unwrap();
        for p in ["b/c/z.txt", "a.TXT", "b/x.txt", "b/y.pdf", "notes.md"] {
            std::fs::write(d.path().join(p), "x").unwrap();
        }
        let (files, warnings) = discover(d.path()).unwrap();
        let rels: Vec<&str> = files.rel_paths().collect();
        assert_eq!(rels, ["a.TXT", "b/c/z.txt", "b/x.txt"]);
        assert_eq!(files.path(1), d.path().join("b/c/z.txt"));
        assert_eq!(files.position("b/x.txt"), Some(2));
        assert_eq!(files.position("a.TXT"), Some(0));
        assert_eq!(files.position("b/y.pdf"), None);
        assert!(warnings.is_empty());
    }

    #[test]
    fn missing_root_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let e = discover(&d.path().join("nope")).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_named_in_no_utf8_keeps_its_exact_path() {
        use std::os::unix::ffi::OsStrExt;
        let d = tempfile::tempdir().unwrap();
        let folder = d.path().join(std::ffi::OsStr::from_bytes(b"gb\xd6\xd0"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("r.txt"), "x").unwrap();
        let (files, _) = discover(d.path()).unwrap();
        assert_eq!(files.rel_path(0), "gb\u{fffd}\u{fffd}/r.txt");
        assert_eq!(files.path(0), folder.join("r.txt"));
        assert_eq!(std::fs::read(files.path(0)).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_a_warning() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a")).unwrap();
        std::fs::write(d.path().join("a/r.txt"), "x").unwrap();
        std::os::unix::fs::symlink(d.path(), d.path().join("a/loop")).unwrap();
        let (files, warnings) = discover(d.path()).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("loop"));
    }
}
