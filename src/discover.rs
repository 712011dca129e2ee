//! Finds the report texts under the input root: every regular `*.txt` file,
//! recursively, in sorted order so runs are deterministic. Problems below
//! the root (an unreadable folder, a symlink loop) are warnings: the batch
//! goes on with what it can read.

use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A report text under the input root. A run keeps one per report until
/// it ends, so only the relative path is kept (the root is joined when the
/// file is read), and the exact path only when the relative one is not
/// that path written in UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the input root, with '/' separators.
    pub rel_path: Box<str>,
    exact: Option<Box<Path>>,
}

impl SourceFile {
    pub fn new(root: &Path, path: PathBuf) -> SourceFile {
        let rel_path = rel(root, &path);
        let exact = (root.join(&rel_path) != path).then(|| path.into_boxed_path());
        SourceFile {
            rel_path: rel_path.into_boxed_str(),
            exact,
        }
    }

    /// Where the file is, `root` being the input root it was found under.
    pub fn path(&self, root: &Path) -> PathBuf {
        match &self.exact {
            Some(p) => p.to_path_buf(),
            None => root.join(&*self.rel_path),
        }
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

pub fn discover(root: &Path) -> Result<(Vec<SourceFile>, Vec<DiscoverWarning>), DiscoverError> {
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
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for entry in WalkDir::new(root).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(e) => {
                let is_txt = e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.len() > 4 && n[n.len() - 4..].eq_ignore_ascii_case(".txt"));
                if e.file_type().is_file() && is_txt {
                    files.push(SourceFile::new(root, e.into_path()));
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
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok((files, warnings))
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
        let rels: Vec<&str> = files.iter().map(|f| &*f.rel_path).collect();
        assert_eq!(rels, ["a.TXT", "b/c/z.txt", "b/x.txt"]);
        assert_eq!(files[1].path(d.path()), d.path().join("b/c/z.txt"));
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
        assert_eq!(&*files[0].rel_path, "gb\u{fffd}\u{fffd}/r.txt");
        assert_eq!(files[0].path(d.path()), folder.join("r.txt"));
        assert_eq!(std::fs::read(files[0].path(d.path())).unwrap(), b"x");
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
