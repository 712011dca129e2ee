//! The field part of a form: labels and the values printed after them,
//! placed by the template's rows whatever line the text put them on (a
//! tall cell's neighbours come a line early or late in layout text).

use super::template::{key, Form, Keyed, Slot};
use super::{row, Line};
use crate::model::Row;
use std::collections::HashMap;

pub struct Fields {
    pub rows: Vec<Row>,
    /// How many of the template's label cells were found.
    pub slots: usize,
    /// The tall labels found (whole or in pieces).
    pub tall_seen: Vec<String>,
}

struct Hit {
    line: u32,
    value: Option<String>,
}

/// Text no label claimed at the start of a line: a piece of a tall label,
/// or nothing the form places.
struct Orphan {
    line: u32,
    key: Vec<char>,
}

pub fn read(form: &Form, lines: &[Line]) -> Fields {
    let mut labels: Vec<&str> = form
        .rows
        .iter()
        .flatten()
        .filter(|c| matches!(c.slot, Slot::Label(_)))
        .map(|c| c.text())
        .collect();
    labels.sort_by_key(|l| std::cmp::Reverse(key(l).len()));
    labels.dedup();
    let mut hits: HashMap<&str, Vec<Hit>> = HashMap::new();
    let mut orphans = Vec::new();
    for l in lines {
        let k = Keyed::new(l.text);
        let mut taken: Vec<(usize, usize, &str)> = Vec::new();
        for &lab in &labels {
            let lk = key(lab);
            for at in k.find_all(&lk) {
                let end = at + lk.len();
                if taken.iter().all(|&(s, e, _)| end <= s || at >= e) {
                    taken.push((at, end, lab));
                }
            }
        }
        taken.sort_unstable();
        let first = taken.first().map_or(k.chars.len(), |t| t.0);
        if first > 0 {
            orphans.push(Orphan {
                line: l.no,
                key: k.chars[..first].to_vec(),
            });
        }
        for (i, &(_, end, lab)) in taken.iter().enumerate() {
            let from = k.spans[end - 1].1;
            let to = taken.get(i + 1).map_or(l.text.len(), |n| k.spans[n.0].0);
            let value = super::clean_cell(&l.text[from..to]);
            let value = value.trim_start_matches(['：', ':']).trim();
            hits.entry(lab).or_default().push(Hit {
                line: l.no,
                value: (!value.is_empty()).then(|| value.to_string()),
            });
        }
    }
    let mut tall_seen = Vec::new();
    for t in &form.tall {
        if hits.contains_key(t.as_str()) {
            tall_seen.push(t.clone());
        } else if let Some(line) = assemble(&key(t), &orphans) {
            tall_seen.push(t.clone());
            hits.entry(t.as_str())
                .or_default()
                .push(Hit { line, value: None });
        }
    }
    let mut used: HashMap<&str, usize> = HashMap::new();
    let mut slots = 0;
    let mut rows = Vec::new();
    for tr in &form.rows {
        let mut cells = Vec::new();
        let mut line = None::<u32>;
        let mut last: Option<&Hit> = None;
        for c in tr {
            match &c.slot {
                Slot::Label(lab) => {
                    let n = used.entry(lab.as_str()).or_default();
                    last = hits.get(lab.as_str()).and_then(|h| h.get(*n));
                    *n += 1;
                    if let Some(h) = last {
                        slots += 1;
                        cells.push((c.col, lab.clone()));
                        line = Some(line.map_or(h.line, |l| l.min(h.line)));
                    }
                }
                Slot::Value => {
                    if let Some(v) = last.and_then(|h| h.value.clone()) {
                        cells.push((c.col, v));
                    }
                }
            }
        }
        if let Some(line) = line {
            rows.push(row(form.width, line, &cells));
        }
    }
    Fields {
        rows,
        slots,
        tall_seen,
    }
}

/// The line of the first piece when the orphans, in order, spell the
/// tall label (other orphans, such as a subtitle, may come between).
fn assemble(label: &[char], orphans: &[Orphan]) -> Option<u32> {
    let mut matched = 0;
    let mut first = None;
    for o in orphans {
        let rest = &label[matched..];
        if o.key.len() >= 2.min(rest.len()) && rest.starts_with(&o.key) {
            matched += o.key.len();
            first.get_or_insert(o.line);
            if matched == label.len() {
                return first;
            }
        }
    }
    None
}
