//! The form templates of `config/forms.toml`, compiled in so the parser
//! stays pure, and the label matching every part of a form shares.

use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Deserialize)]
struct File {
    form: Vec<RawForm>,
    indicator: Vec<Indicator>,
}

#[derive(Debug, Deserialize)]
struct RawForm {
    name: String,
    title_contains: Vec<String>,
    width: usize,
    min_labels: usize,
    rows: Vec<Vec<String>>,
    tall: Vec<String>,
    goals: RawGoals,
    indicators: RawIndicators,
}

#[derive(Debug, Deserialize)]
struct RawGoals {
    label: String,
    headings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RawIndicators {
    label: String,
    header: Vec<String>,
}

/// A first-level performance indicator and the second-level ones under it.
#[derive(Debug, Deserialize)]
pub struct Indicator {
    pub name: String,
    pub children: Vec<String>,
}

/// A cell of a template: a label printed in a column, or the value
/// printed after the label before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Label(String),
    Value,
}

#[derive(Debug, Clone)]
pub struct Placed {
    pub slot: Slot,
    pub col: usize,
}

#[derive(Debug)]
pub struct Form {
    pub title_contains: Vec<String>,
    pub width: usize,
    pub min_labels: usize,
    pub rows: Vec<Vec<Placed>>,
    pub tall: Vec<String>,
    pub goal_label: Placed,
    pub goal_headings: Vec<Placed>,
    pub indicator_label: Placed,
    pub indicator_header: Vec<Placed>,
}

#[derive(Debug)]
pub struct Templates {
    pub forms: Vec<Form>,
    pub indicators: Vec<Indicator>,
}

fn placed(cell: &str) -> Result<Placed, String> {
    let (text, col) = cell
        .rsplit_once('@')
        .ok_or_else(|| format!("cell {cell:?} has no @column"))?;
    let col = col
        .parse()
        .map_err(|_| format!("cell {cell:?}: column is not a number"))?;
    let slot = if text == "=" {
        Slot::Value
    } else {
        Slot::Label(text.to_string())
    };
    Ok(Placed { slot, col })
}

fn label(cell: &str) -> Result<Placed, String> {
    let p = placed(cell)?;
    match p.slot {
        Slot::Label(_) => Ok(p),
        Slot::Value => Err(format!("{cell:?} must be a label")),
    }
}

/// Parses a forms file; errors name the bad cell.
pub fn parse(text: &str) -> Result<Templates, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut forms = Vec::new();
    for f in file.form {
        let mut rows = Vec::new();
        for r in &f.rows {
            let row = r.iter().map(|c| placed(c)).collect::<Result<Vec<_>, _>>()?;
            if matches!(
                row.first(),
                Some(Placed {
                    slot: Slot::Value,
                    ..
                })
            ) {
                return Err(format!("form {}: a row starts with a value", f.name));
            }
            if let Some(c) = row.iter().find(|c| c.col >= f.width) {
                return Err(format!("form {}: column {} past width", f.name, c.col));
            }
            rows.push(row);
        }
        forms.push(Form {
            title_contains: f.title_contains,
            width: f.width,
            min_labels: f.min_labels,
            rows,
            tall: f.tall,
            goal_label: label(&f.goals.label)?,
            goal_headings: f
                .goals
                .headings
                .iter()
                .map(|c| label(c))
                .collect::<Result<_, _>>()?,
            indicator_label: label(&f.indicators.label)?,
            indicator_header: f
                .indicators
                .header
                .iter()
                .map(|c| label(c))
                .collect::<Result<_, _>>()?,
        });
    }
    Ok(Templates {
        forms,
        indicators: file.indicator,
    })
}

pub static TEMPLATES: LazyLock<Templates> = LazyLock::new(|| {
    parse(include_str!("../../../config/forms.toml"))
        .expect("config/forms.toml is valid (checked by a unit test)")
});

impl Placed {
    pub fn text(&self) -> &str {
        match &self.slot {
            Slot::Label(t) => t,
            Slot::Value => "",
        }
    }
}

/// A character of a label or line as labels are compared: whitespace and
/// colons dropped (converters lose or add them), brackets of either width
/// alike.
fn key_char(c: char) -> Option<char> {
    match c {
        '：' | ':' => None,
        '（' => Some('('),
        '）' => Some(')'),
        c if super::super::text::is_space(c) => None,
        c => Some(c),
    }
}

pub fn key(s: &str) -> Vec<char> {
    s.chars().filter_map(key_char).collect()
}

/// A line's text as keys, each with the byte span it came from.
pub struct Keyed {
    pub chars: Vec<char>,
    pub spans: Vec<(usize, usize)>,
}

impl Keyed {
    pub fn new(s: &str) -> Keyed {
        let mut chars = Vec::new();
        let mut spans = Vec::new();
        for (i, c) in s.char_indices() {
            if let Some(k) = key_char(c) {
                chars.push(k);
                spans.push((i, i + c.len_utf8()));
            }
        }
        Keyed { chars, spans }
    }

    /// Key positions where `needle` occurs, left to right, not overlapping.
    pub fn find_all(&self, needle: &[char]) -> Vec<usize> {
        let mut out = Vec::new();
        if needle.is_empty() || needle.len() > self.chars.len() {
            return out;
        }
        let mut i = 0;
        while i + needle.len() <= self.chars.len() {
            if self.chars[i..i + needle.len()] == *needle {
                out.push(i);
                i += needle.len();
            } else {
                i += 1;
            }
        }
        out
    }

    pub fn contains(&self, needle: &str) -> bool {
        !self.find_all(&key(needle)).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_forms_parse() {
        let t = parse(include_str!("../../../config/forms.toml")).unwrap();
        let f = &t.forms[0];
        assert_eq!(f.width, 8);
        assert_eq!(f.rows[0][1].slot, Slot::Value);
        assert_eq!(f.rows[0][2].text(), "项目性质");
        assert_eq!(f.rows[0][2].col, 4);
        assert_eq!(f.indicator_header[3].col, 6);
        assert!(t.indicators.iter().any(|i| i.name == "效益指标"));
    }

    #[test]
    fn bad_cells_are_named() {
        let bad = "[[form]]\nname='x'\ntitle_contains=[]\nwidth=2\nmin_labels=1\n\
                   rows=[['a@5']]\ntall=[]\n[form.goals]\nlabel='g@0'\nheadings=[]\n\
                   [form.indicators]\nlabel='i@0'\nheader=[]\n[[indicator]]\nname='n'\nchildren=[]\n";
        assert!(parse(bad).unwrap_err().contains("past width"));
        let bad = bad.replace("a@5", "a");
        assert!(parse(&bad).unwrap_err().contains("no @column"));
    }

    #[test]
    fn keys_ignore_space_colons_and_bracket_width() {
        let k = Keyed::new("其中 财政资金  100 （元）");
        assert_eq!(k.find_all(&key("其中：财政资金")), vec![0]);
        assert_eq!(k.find_all(&key("(元)")), vec![9]);
        assert_eq!(k.spans[0], (0, 3));
    }
}
