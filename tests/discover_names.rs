//! `discover` finds every `*.txt` and `*.pdf` file (any case) under trees whose folder
//! and file names are arbitrary: Chinese, emoji, spaces, newlines, leading
//! dots, U+FFFD itself, and bytes that are not UTF-8 at all; it warns about
//! each one whose relative path is not UTF-8, gives every file a relative
//! path of its own, and never panics.
//!
//! Linux only: the names it writes need a file system that takes any bytes
//! but '/' and NUL, and tells names apart by their bytes (macOS rejects
//! names that are not UTF-8 and folds case and normalization by default).
#![cfg(target_os = "linux")]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fiscal_etl::discover::discover;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Node {
    File(Vec<u8>),
    Dir(Vec<u8>, Vec<Node>),
}

/// A character of a name: few enough kinds that names meet often (the same
/// lossy path, the same name twice in a folder), and every awkward kind.
fn name_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec!['a', 'b', 'Z', '0', '.', '-', '_']),
        2 => prop::sample::select(vec![' ', '\n', '\t', '\r', '\\', '\u{fffd}', '\u{3000}']),
        3 => prop::char::range('\u{4e00}', '\u{9fff}'),
        1 => prop::char::range('\u{1f600}', '\u{1f64f}'),
        1 => any::<char>().prop_filter("no '/' or NUL", |c| *c != '/' && *c != '\0'),
    ]
}

/// The start of a name: Unicode, or bytes that are not UTF-8 (GBK-like
/// pairs, stray continuation bytes) among a little Unicode.
fn stem() -> impl Strategy<Value = Vec<u8>> {
    let unicode = prop::collection::vec(name_char(), 1..6)
        .prop_map(|cs| cs.into_iter().collect::<String>().into_bytes());
    let invalid = prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![0xb6u8, 0xab, 0xd6, 0xd0, 0xff, 0xfe, 0x80, 0xc3])
                .prop_map(|b| vec![b]),
            name_char().prop_map(|c| c.to_string().into_bytes()),
        ],
        1..6,
    )
    .prop_map(|parts| {
        let mut b = parts.concat();
        if std::str::from_utf8(&b).is_ok() {
            b.push(0xff);
        }
        b
    });
    prop_oneof![3 => unicode, 2 => invalid]
}

fn ext() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        ".txt", ".txt", ".TXT", ".Txt", "", ".pdf", ".md", ".txt.bak", "txt", ".tx",
    ])
}

/// Names drawn from so few that folders often hold two the same when
/// lossy: `r\xff.txt`, `r\xfe.txt` and `r\u{fffd}.txt` all show as
/// `r\u{fffd}.txt`.
fn twin() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec!["r", "东"]),
        prop::sample::select(vec![&b"\xff"[..], b"\xfe", b"\xd6", "\u{fffd}".as_bytes()]),
        prop::sample::select(vec![".txt", ".TXT", ""]),
    )
        .prop_map(|(a, b, c)| [a.as_bytes(), b, c.as_bytes()].concat())
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    let any = (stem(), ext()).prop_map(|(mut s, e)| {
        s.extend_from_slice(e.as_bytes());
        s
    });
    prop_oneof![1 => any, 1 => twin()].prop_filter("not . or ..", |n| n != b"." && n != b"..")
}

/// Trees with files up to three folders down, a few entries a folder.
fn tree() -> impl Strategy<Value = Vec<Node>> {
    let leaf = name().prop_map(Node::File);
    let node = leaf.prop_recursive(3, 40, 4, |inner| {
        (name(), prop::collection::vec(inner, 1..5)).prop_map(|(n, c)| Node::Dir(n, c))
    });
    prop::collection::vec(node, 1..8)
}

/// The spec: `*.txt` or `*.pdf` in any case, something before the extension.
fn is_report(name: &[u8]) -> bool {
    name.len() > 4
        && (name[name.len() - 4..].eq_ignore_ascii_case(b".txt")
            || name[name.len() - 4..].eq_ignore_ascii_case(b".pdf"))
}

/// Creates `nodes` in `dir`; the report texts made, by path, with their
/// exact relative path. A name already used in a folder is skipped.
fn create(dir: &Path, rel: &[u8], nodes: &[Node], txt: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let mut used = HashSet::new();
    for node in nodes {
        let name = match node {
            Node::File(n) | Node::Dir(n, _) => n,
        };
        if !used.insert(name.clone()) {
            continue;
        }
        let path = dir.join(OsStr::from_bytes(name));
        let mut sub = rel.to_vec();
        if !sub.is_empty() {
            sub.push(b'/');
        }
        sub.extend_from_slice(name);
        match node {
            Node::File(n) => {
                // The contents say which file it is.
                std::fs::write(&path, &sub).unwrap();
                if is_report(n) {
                    txt.insert(path, sub);
                }
            }
            Node::Dir(_, children) => {
                std::fs::create_dir(&path).unwrap();
                create(&path, &sub, children, txt);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn finds_every_txt_file_whatever_its_name(nodes in tree()) {
        let d = tempfile::tempdir().unwrap();
        let mut made = BTreeMap::new();
        create(d.path(), b"", &nodes, &mut made);

        let (files, warnings) = discover(d.path()).unwrap();

        let found: BTreeSet<PathBuf> = (0..files.len()).map(|i| files.path(i)).collect();
        let want: BTreeSet<PathBuf> = made.keys().cloned().collect();
        prop_assert_eq!(files.len(), found.len(), "a file found twice");
        prop_assert_eq!(&found, &want);

        let rels: Vec<&str> = files.rel_paths().collect();
        prop_assert!(rels.windows(2).all(|w| w[0] < w[1]), "not sorted and distinct: {:?}", rels);
        let warned: BTreeMap<&str, &str> = warnings
            .iter()
            .map(|w| (w.path.as_str(), w.message.as_str()))
            .collect();
        let mut not_utf8 = 0;
        for (i, rel) in rels.iter().enumerate() {
            prop_assert_eq!(files.position(rel), Some(i));
            let path = files.path(i);
            let exact = &made[&path];
            prop_assert_eq!(&std::fs::read(&path).unwrap(), exact);
            match std::str::from_utf8(exact) {
                Ok(s) => {
                    prop_assert_eq!(*rel, s);
                    prop_assert_eq!(files.raw_rel_path(i), None);
                }
                Err(_) => {
                    not_utf8 += 1;
                    prop_assert_eq!(files.raw_rel_path(i), Some(exact.clone()));
                    let lossy = String::from_utf8_lossy(exact);
                    prop_assert!(rel.starts_with(&*lossy), "{:?} for {:?}", rel, lossy);
                    let message = warned.get(rel);
                    prop_assert!(
                        message.is_some_and(|m| m.contains("not UTF-8") && m.contains("lossy")),
                        "no warning for {:?}: {:?}", rel, warnings
                    );
                }
            }
        }
        prop_assert_eq!(warnings.len(), not_utf8, "{:?}", warnings);
    }
}
