//! Finds the report texts under the input root: every regular `*.txt` file
//! (the extension in any case, so `*.TXT` too), recursively, in sorted
//! order so runs are deterministic. Problems below the root (an unreadable
//! folder, a symlink loop) are warnings: the batch goes on with what it can
//! read.
//!
//! Any name the file system holds is found, whatever it is written in:
//! Chinese, spaces, newlines, leading dots, or bytes that are not UTF-8 at
//! all (GBK names unpacked from a Windows zip). A relative path that is not
//! UTF-8 is shown (in logs and in the `source_path` column) with U+FFFD for
//! the bytes that are not, discovery warns about it, and
//! [`SourceFiles::raw_rel_path`] gives its exact bytes. When two files would
//! be shown under the same path that way, each one not in UTF-8 gets its
//! exact name appended, escaped (see [`SourceFiles::rel_path`]), so every
//! file keeps a path of its own.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
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

/// A file found under the root, before it is given the path it is shown by.
#[derive(Debug)]
struct Found {
    /// Its relative path, lossy when not UTF-8.
    lossy: String,
    /// Its exact relative path, when that is not UTF-8.
    raw: Option<Vec<u8>>,
    path: PathBuf,
}

impl SourceFiles {
    /// The files `found` under `root`, each with the relative path it is
    /// shown by (distinct from every other file's).
    fn new(root: &Path, mut found: Vec<(String, PathBuf)>) -> SourceFiles {
        found.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.as_os_str().cmp(b.1.as_os_str()))
        });
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

    /// Path of file `i` relative to the root, with '/' separators. It is
    /// the path itself when that is UTF-8. When not, it is the path with
    /// U+FFFD for the bytes that are not UTF-8 (as
    /// [`String::from_utf8_lossy`]); and if another file would be shown by
    /// that same string, it is followed by `" [<exact>]"`, the exact
    /// relative path with `\` written `\\` and every byte that is not
    /// UTF-8 written `\xHH` (upper-case hex): `gb\u{fffd}\u{fffd}.txt
    /// [gb\xD6\xD0.txt]`. (If even that is taken, `~` is appended until it
    /// is not.) Every file has a relative path of its own; none is empty.
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

    /// The exact relative path of file `i`, with `/` separators, when it is
    /// not UTF-8 (so [`rel_path`](Self::rel_path) shows it lossy); `None`
    /// when `rel_path` is the exact path. On Unix these are the bytes of
    /// the names on disk; elsewhere, the platform's encoding of its names
    /// (WTF-8 on Windows, see [`OsStr::as_encoded_bytes`]).
    pub fn raw_rel_path(&self, i: usize) -> Option<Vec<u8>> {
        let path = self.exact.get(&i)?;
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_str().is_none().then(|| rel_bytes(rel))
    }

    /// The file whose relative path is `rel_path` (as
    /// [`rel_path`](Self::rel_path) shows it).
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

/// `path` relative to `root`, with '/' separators, lossy where not UTF-8.
fn rel(root: &Path, path: &Path) -> String {
    let r = path.strip_prefix(root).unwrap_or(path);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The exact bytes of relative path `rel`, with '/' separators.
fn rel_bytes(rel: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, c) in rel.components().enumerate() {
        if k > 0 {
            out.push(b'/');
        }
        let part: &OsStr = match c {
            Component::Normal(n) => n,
            other => other.as_os_str(),
        };
        out.extend_from_slice(part.as_encoded_bytes());
    }
    out
}

/// Whether a file named `name` is a report: a text (`*.txt`) or a PDF
/// (`*.pdf`, converted by [`crate::convert`]), in any case, with something
/// before the extension (a file named just `.txt` is not). On bytes, so any
/// name can be tested: one in Chinese, or not UTF-8 at all.
fn is_report_name(name: &OsStr) -> bool {
    let b = name.as_encoded_bytes();
    b.len() > 4
        && (b[b.len() - 4..].eq_ignore_ascii_case(b".txt")
            || b[b.len() - 4..].eq_ignore_ascii_case(b".pdf"))
}

/// `raw` written in UTF-8 without loss: its UTF-8 parts as they are but
/// `\` as `\\`, each other byte as `\xHH`.
fn escape(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len() * 2);
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// The path each file in `found` is shown by, distinct from every other
/// file's, and a warning for each file whose path is not UTF-8.
fn show(mut found: Vec<Found>) -> (Vec<(String, PathBuf)>, Vec<DiscoverWarning>) {
    found.sort_by(|a, b| a.lossy.cmp(&b.lossy).then_with(|| a.raw.cmp(&b.raw)));
    let shared = |k: usize| {
        (k > 0 && found[k - 1].lossy == found[k].lossy)
            || found.get(k + 1).is_some_and(|n| n.lossy == found[k].lossy)
    };
    // Paths in UTF-8 are shown as they are, and so is a lossy one no other
    // file has: those are taken first; a lossy path that is shared gets the
    // escape of its exact bytes after it.
    let shared: Vec<bool> = (0..found.len()).map(shared).collect();
    let mut taken: HashSet<String> = found
        .iter()
        .zip(&shared)
        .filter(|(f, s)| f.raw.is_none() || !**s)
        .map(|(f, _)| f.lossy.clone())
        .collect();
    let mut shown = Vec::with_capacity(found.len());
    let mut warnings = Vec::new();
    for (f, shared) in found.into_iter().zip(shared) {
        let Some(raw) = &f.raw else {
            shown.push((f.lossy, f.path));
            continue;
        };
        let (name, message) = if shared {
            let mut name = format!("{} [{}]", f.lossy, escape(raw));
            while taken.contains(&name) {
                name.push('~');
            }
            taken.insert(name.clone());
            (
                name,
                format!(
                    "name is not UTF-8: shown lossy (U+FFFD for the bytes that are not) \
                     and, as another file has the same lossy path {}, followed by its \
                     exact bytes escaped",
                    f.lossy
                ),
            )
        } else {
            (
                f.lossy,
                "name is not UTF-8: shown lossy (U+FFFD for the bytes that are not)".to_string(),
            )
        };
        warnings.push(DiscoverWarning {
            path: name.clone(),
            message,
        });
        shown.push((name, f.path));
    }
    (shown, warnings)
}

pub fn discover(root: &Path) -> Result<(SourceFiles, Vec<DiscoverWarning>), DiscoverError> {
    discover_skipping(root, &[])
}

/// [`discover`], never entering the directories `skip` (the output root
/// when it lies inside the input: its files are this tool's own, never
/// input). A directory is known by its identity (device and inode), so a
/// symlink or a `..` path to it is skipped too.
pub fn discover_skipping(
    root: &Path,
    skip: &[&Path],
) -> Result<(SourceFiles, Vec<DiscoverWarning>), DiscoverError> {
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
    let skipped: Vec<same_file::Handle> = skip
        .iter()
        .filter_map(|p| same_file::Handle::from_path(p).ok())
        .collect();
    let walk = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            skipped.is_empty()
                || !e.file_type().is_dir()
                || same_file::Handle::from_path(e.path()).map_or(true, |h| !skipped.contains(&h))
        });
    for entry in walk {
        match entry {
            Ok(e) => {
                if e.file_type().is_file() && is_report_name(e.file_name()) {
                    let r = e.path().strip_prefix(root).unwrap_or(e.path());
                    let raw = r.to_str().is_none().then(|| rel_bytes(r));
                    found.push(Found {
                        lossy: rel(root, e.path()),
                        raw,
                        path: e.into_path(),
                    });
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
    let (found, not_utf8) = show(found);
    warnings.extend(not_utf8);
    Ok((SourceFiles::new(root, found), warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_sorted_texts_and_pdfs_only() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b/c")).unwrap();
        for p in [
            "b/c/z.txt",
            "a.TXT",
            "b/x.txt",
            "b/y.pdf",
            "notes.md",
            "b/w.docx",
        ] {
            std::fs::write(d.path().join(p), "x").unwrap();
        }
        let (files, warnings) = discover(d.path()).unwrap();
        let rels: Vec<&str> = files.rel_paths().collect();
        assert_eq!(rels, ["a.TXT", "b/c/z.txt", "b/x.txt", "b/y.pdf"]);
        assert_eq!(files.path(1), d.path().join("b/c/z.txt"));
        assert_eq!(files.position("b/x.txt"), Some(2));
        assert_eq!(files.position("a.TXT"), Some(0));
        assert_eq!(files.position("b/w.docx"), None);
        assert!(warnings.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_skipped_directory_is_not_entered_by_any_path() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("out/cells")).unwrap();
        std::fs::write(d.path().join("a.txt"), "x").unwrap();
        std::fs::write(d.path().join("out/cells/b.txt"), "x").unwrap();
        std::os::unix::fs::symlink(d.path().join("out"), d.path().join("link")).unwrap();
        let out = d.path().join("out");
        let (files, _) = discover_skipping(d.path(), &[&out]).unwrap();
        assert_eq!(files.rel_paths().collect::<Vec<_>>(), ["a.txt"]);
        let (files, _) = discover(d.path()).unwrap();
        assert_eq!(files.len(), 3);
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
        let (files, warnings) = discover(d.path()).unwrap();
        assert_eq!(files.rel_path(0), "gb\u{fffd}\u{fffd}/r.txt");
        assert_eq!(files.path(0), folder.join("r.txt"));
        assert_eq!(std::fs::read(files.path(0)).unwrap(), b"x");
        assert_eq!(files.raw_rel_path(0).unwrap(), b"gb\xd6\xd0/r.txt");
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].path, "gb\u{fffd}\u{fffd}/r.txt");
        assert!(
            warnings[0].message.contains("not UTF-8"),
            "{:?}",
            warnings[0]
        );
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

    /// Names of `d`'s files, created with the bytes of each as its contents.
    fn create(d: &Path, names: &[&[u8]]) {
        for n in names {
            let p = d.join(os(n));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, n).unwrap();
        }
    }

    #[cfg(unix)]
    fn os(b: &[u8]) -> &OsStr {
        use std::os::unix::ffi::OsStrExt;
        OsStr::from_bytes(b)
    }

    #[cfg(not(unix))]
    fn os(b: &[u8]) -> &OsStr {
        OsStr::new(std::str::from_utf8(b).unwrap())
    }

    #[test]
    fn names_in_chinese() {
        let d = tempfile::tempdir().unwrap();
        create(
            d.path(),
            &[
                "东莞.txt".as_bytes(),
                "莞.TXT".as_bytes(),
                "东txt".as_bytes(),
                "东.tx".as_bytes(),
                "报告.pdf".as_bytes(),
                "报告.docx".as_bytes(),
                "清远市/2023年 部门预算.txt".as_bytes(),
                "目录.txt/里面.Txt".as_bytes(),
                "😀.txt".as_bytes(),
            ],
        );
        let (files, warnings) = discover(d.path()).unwrap();
        let rels: Vec<&str> = files.rel_paths().collect();
        assert_eq!(
            rels,
            [
                "东莞.txt",
                "报告.pdf",
                "清远市/2023年 部门预算.txt",
                "目录.txt/里面.Txt",
                "莞.TXT",
                "😀.txt",
            ]
        );
        for (i, r) in rels.iter().enumerate() {
            assert_eq!(files.path(i), d.path().join(r));
            assert_eq!(std::fs::read(files.path(i)).unwrap(), r.as_bytes());
            assert_eq!(files.position(r), Some(i));
            assert_eq!(files.raw_rel_path(i), None);
        }
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn names_with_spaces_newlines_tabs_and_dots() {
        let d = tempfile::tempdir().unwrap();
        let txt: [&[u8]; 9] = [
            b" lead space.txt",
            b"line\nbreak.txt",
            b"tab\t.TXT",
            b".hidden.txt",
            b"..txt",
            b"trailing .txt",
            b"x.TxT",
            b".dir/y.txt",
            b"sp ace\n/z\r.txt",
        ];
        let other: [&[u8]; 5] = [b".txt", b"txt", b"a.txt ", b"a.txt\n", b"b.txt.bak"];
        create(d.path(), &txt);
        create(d.path(), &other);
        let (files, warnings) = discover(d.path()).unwrap();
        let mut want: Vec<&str> = txt
            .iter()
            .map(|n| std::str::from_utf8(n).unwrap())
            .collect();
        want.sort();
        let rels: Vec<&str> = files.rel_paths().collect();
        assert_eq!(rels, want);
        for (i, r) in rels.iter().enumerate() {
            assert_eq!(std::fs::read(files.path(i)).unwrap(), r.as_bytes());
            assert_eq!(files.position(r), Some(i));
        }
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_named_in_gbk_is_found() {
        let d = tempfile::tempdir().unwrap();
        // 东莞.txt, and 中/东.TXT, in GBK. (莞 is DD B8 there, which happens
        // to be UTF-8 too: U+0778.)
        create(
            d.path(),
            &[b"\xb6\xab\xdd\xb8.txt", b"\xd6\xd0/\xb6\xab.TXT", b"ok.txt"],
        );
        let (files, warnings) = discover(d.path()).unwrap();
        let rels: Vec<&str> = files.rel_paths().collect();
        let (folder, file) = (
            "\u{fffd}\u{fffd}/\u{fffd}\u{fffd}.TXT",
            "\u{fffd}\u{fffd}\u{778}.txt",
        );
        assert_eq!(rels, ["ok.txt", folder, file]);
        assert_eq!(files.raw_rel_path(0), None);
        assert_eq!(files.raw_rel_path(1).unwrap(), b"\xd6\xd0/\xb6\xab.TXT");
        assert_eq!(files.raw_rel_path(2).unwrap(), b"\xb6\xab\xdd\xb8.txt");
        assert_eq!(
            std::fs::read(files.path(1)).unwrap(),
            b"\xd6\xd0/\xb6\xab.TXT"
        );
        assert_eq!(
            std::fs::read(files.path(2)).unwrap(),
            b"\xb6\xab\xdd\xb8.txt"
        );
        assert_eq!(files.position(file), Some(2));
        let warned: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(warned, [folder, file]);
        for w in &warnings {
            assert!(
                w.message.contains("not UTF-8") && w.message.contains("lossy"),
                "{w:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn names_the_same_when_lossy_stay_apart() {
        let d = tempfile::tempdir().unwrap();
        // Both lossy as a\u{fffd}.txt, as is a file truly named so; and two
        // folders lossy the same, with a file each of the same name.
        let names: [&[u8]; 6] = [
            b"a\xff.txt",
            b"a\xfe.txt",
            "a\u{fffd}.txt".as_bytes(),
            b"d\xd6/r.txt",
            b"d\xd0/r.txt",
            b"back\\slash\xff/r.txt",
        ];
        create(d.path(), &names);
        let (files, warnings) = discover(d.path()).unwrap();
        let rels: Vec<&str> = files.rel_paths().collect();
        assert_eq!(
            rels,
            [
                "a\u{fffd}.txt",
                "a\u{fffd}.txt [a\\xFE.txt]",
                "a\u{fffd}.txt [a\\xFF.txt]",
                "back\\slash\u{fffd}/r.txt",
                "d\u{fffd}/r.txt [d\\xD0/r.txt]",
                "d\u{fffd}/r.txt [d\\xD6/r.txt]",
            ]
        );
        let raw: Vec<Option<Vec<u8>>> = (0..files.len()).map(|i| files.raw_rel_path(i)).collect();
        let want: [Option<&[u8]>; 6] = [
            None,
            Some(b"a\xfe.txt"),
            Some(b"a\xff.txt"),
            Some(b"back\\slash\xff/r.txt"),
            Some(b"d\xd0/r.txt"),
            Some(b"d\xd6/r.txt"),
        ];
        assert_eq!(raw, want.map(|w| w.map(<[u8]>::to_vec)));
        for (i, r) in rels.iter().enumerate() {
            assert_eq!(files.position(r), Some(i));
            let contents = std::fs::read(files.path(i)).unwrap();
            match &raw[i] {
                Some(raw) => assert_eq!(&contents, raw),
                None => assert_eq!(contents, r.as_bytes()),
            }
        }
        let mut warned: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
        warned.sort();
        assert_eq!(warned, rels[1..]);
        assert!(
            warnings[0].message.contains("same lossy path"),
            "{:?}",
            warnings[0]
        );
        // The same again: the names do not depend on the order of the walk.
        let (again, _) = discover(d.path()).unwrap();
        assert_eq!(again, files);
    }

    #[test]
    fn escape_is_lossless() {
        assert_eq!(escape(b"a\\b"), "a\\\\b");
        assert_eq!(escape("中\u{fffd}".as_bytes()), "中\u{fffd}");
        assert_eq!(escape(b"\xff\xfe\xe4\xb8"), "\\xFF\\xFE\\xE4\\xB8");
        assert_ne!(escape(b"\\xFF"), escape(b"\xff"));
    }
}
