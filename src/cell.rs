//! What a cell means, decided once for every stage: whether it is an
//! amount and its exact value, whether it is a subject code, which columns
//! hold codes, and a row's code and label as seen from each column. The
//! checks, the catalog and the Arrow stage all read cells through here, so
//! `310001202101` (a project code) is an identifier to every one of them.

/// Precision and scale of every amount (`decimal(38,6)`).
pub const VALUE_PRECISION: u8 = 38;
pub const VALUE_SCALE: i8 = 6;

/// A column whose cells are codes or row numbers, not amounts.
pub fn is_code_column(name: &str) -> bool {
    let leaf = name.rsplit('/').next().unwrap_or(name);
    ["编码", "代码", "行次", "栏次", "编号", "序号"]
        .iter()
        .any(|w| leaf.contains(w))
}

/// The exact value of an amount as printed, as a Decimal128 mantissa at
/// scale 6. None for anything else, or for more than 6 decimals.
///
/// Reads the amount grammar of `text::is_amount` (sign, digits with or
/// without correctly placed thousands separators, decimals) in one pass
/// without allocating: it runs for every cell of every report.
pub fn parse_amount(text: &str) -> Option<i128> {
    let b = text.trim().as_bytes();
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    // Most cells are labels: an amount opens with a digit (every other
    // first byte fails below, after a scan of the whole cell).
    if !digits.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let (int, frac) = match digits.iter().position(|&c| c == b'.') {
        Some(p) => (&digits[..p], Some(&digits[p + 1..])),
        None => (digits, None),
    };
    if int.is_empty() || frac.is_some_and(|f| f.is_empty() || f.len() > VALUE_SCALE as usize) {
        return None;
    }
    // Thousands separators: groups of three after a first group of 1-3.
    let mut groups = int.split(|&c| c == b',');
    let first = groups.next()?;
    let mut grouped = false;
    for g in groups {
        grouped = true;
        if g.len() != 3 {
            return None;
        }
    }
    if grouped && (first.is_empty() || first.len() > 3) {
        return None;
    }
    // Nine or more bare digits are an identifier (a project or unit code
    // such as 310001202101), not an amount printed without separators.
    if !grouped && frac.is_none() && int.len() >= 9 {
        return None;
    }
    let mut m: i128 = 0;
    for &c in int.iter().filter(|&&c| c != b',') {
        if !c.is_ascii_digit() {
            return None;
        }
        m = m.checked_mul(10)?.checked_add((c - b'0') as i128)?;
    }
    let f = frac.unwrap_or(&[]);
    for i in 0..VALUE_SCALE as usize {
        let d = match f.get(i) {
            Some(c) if c.is_ascii_digit() => (c - b'0') as i128,
            Some(_) => return None,
            None => 0,
        };
        m = m.checked_mul(10)?.checked_add(d)?;
    }
    // Values beyond decimal(38) are not amounts.
    if m >= 10_i128.pow(VALUE_PRECISION as u32) {
        return None;
    }
    Some(if neg { -m } else { m })
}

fn is_digits(s: &str, lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// "[20131]党委办公厅…" → 20131: a bracketed code opening a label.
pub fn bracket_code(cell: &str) -> Option<&str> {
    let rest = cell.strip_prefix('[')?;
    let end = rest.find(']')?;
    is_digits(&rest[..end], 3, 12).then(|| &rest[..end])
}

/// Digits only, once whitespace is ignored: a code or row number the
/// converter may have split with a space ("31000 1").
fn is_spaced_digits(cell: &str) -> bool {
    let mut digits = 0;
    for c in cell.chars() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if !c.is_whitespace() {
            return false;
        }
    }
    (1..=12).contains(&digits)
}

/// Which columns hold codes or row numbers, once per table.
pub fn code_columns(columns: &[String]) -> Vec<bool> {
    columns.iter().map(|c| is_code_column(c)).collect()
}

/// What a row's cells say about it, computed once per row: each cell's
/// value, and for each column the nearest subject code and label at or left
/// of it, borrowed from the cells.
pub struct RowFacts<'a> {
    pub values: Vec<Option<i128>>,
    pub codes: Vec<Option<&'a str>>,
    pub labels: Vec<Option<&'a str>>,
}

/// A row's subject code as seen from a column is the nearest code at or
/// left of it: a cell of a code column, a bracketed code opening a label
/// ("[20131]党委办公厅…"), or a 3/5/7-digit cell followed by its name. Its
/// label is the nearest text cell at or left of it that is not a code, an
/// amount or a percentage. A cell of a code column has no value.
pub fn row_facts<'a>(cells: &'a [Option<String>], code_col: &[bool]) -> RowFacts<'a> {
    let mut facts = RowFacts {
        values: Vec::new(),
        codes: Vec::new(),
        labels: Vec::new(),
    };
    facts.fill(cells, code_col);
    facts
}

impl<'a> RowFacts<'a> {
    /// Computes the facts of another row in the same buffers ([`row_facts`]
    /// runs for every row of every report).
    pub fn fill(&mut self, cells: &'a [Option<String>], code_col: &[bool]) {
        let n = cells.len();
        self.values.clear();
        self.codes.clear();
        self.labels.clear();
        // Amounts first: whether a cell is named looks one cell ahead.
        self.values
            .extend(cells.iter().map(|c| c.as_deref().and_then(parse_amount)));
        let (mut code, mut label): (Option<&str>, Option<&str>) = (None, None);
        for k in 0..n {
            let in_code_col = code_col.get(k).copied().unwrap_or(false);
            let amount = self.values[k];
            if let Some(c) = cells[k].as_deref() {
                let named = cells.get(k + 1).is_some_and(|x| x.is_some())
                    && self.values.get(k + 1).is_some_and(|a| a.is_none());
                if (is_digits(c, 3, 12) && in_code_col)
                    || (matches!(c.len(), 3 | 5 | 7) && is_digits(c, 3, 7) && named)
                {
                    code = Some(c);
                } else if let Some(b) = bracket_code(c) {
                    code = Some(b);
                }
                let numeric = amount.is_some() || is_spaced_digits(c) || c.ends_with('%');
                if !numeric {
                    label = Some(c);
                }
            }
            self.codes.push(code);
            self.labels.push(label);
        }
        // A cell of a code column has no value; done last, because the
        // look-ahead above reads the amounts as printed.
        for (k, v) in self.values.iter_mut().enumerate() {
            if code_col.get(k).copied().unwrap_or(false) {
                *v = None;
            }
        }
    }
}

/// The subject code of a row as seen from column `j` (see [`row_facts`]).
pub fn row_code(cells: &[Option<String>], columns: &[String], j: usize) -> Option<String> {
    let facts = row_facts(cells, &code_columns(columns));
    facts.codes.get(j).copied().flatten().map(str::to_string)
}

/// The label of a row as seen from column `j` (see [`row_facts`]).
pub fn row_label(cells: &[Option<String>], j: usize) -> Option<String> {
    let facts = row_facts(cells, &[]);
    facts.labels.get(j).copied().flatten().map(str::to_string)
}

/// The exact value of an amount as a decimal ([`parse_amount`]).
pub fn decimal(text: &str) -> Option<rust_decimal::Decimal> {
    parse_amount(text)
        .map(|m| rust_decimal::Decimal::from_i128_with_scale(m, VALUE_SCALE as u32).normalize())
}

/// A subject code (功能/经济分类科目: 类 3 digits, 款 5, 项 7) as printed in
/// a code column or bracketed at the start of a label (`[30101]基本工资`).
pub fn subject_code(cell: &str) -> Option<&str> {
    let c = cell.trim();
    if is_digits(c, 3, 7) {
        return Some(c);
    }
    bracket_code(c).filter(|b| b.len() <= 7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::text;

    fn cells(v: &[&str]) -> Vec<Option<String>> {
        v.iter()
            .map(|s| {
                if s.is_empty() {
                    None
                } else {
                    Some(s.to_string())
                }
            })
            .collect()
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(parse_amount("28,023.69"), Some(28_023_690_000));
        assert_eq!(parse_amount("-0.5"), Some(-500_000));
        assert_eq!(parse_amount("9457"), Some(9_457_000_000));
        assert_eq!(parse_amount("1.0000001"), None);
        assert_eq!(parse_amount("100%"), None);
        assert_eq!(parse_amount("合计"), None);
        assert_eq!(parse_amount("310001202101"), None);
        assert_eq!(parse_amount("509998.93"), Some(509_998_930_000));
        assert_eq!(parse_amount("1,234,567.5"), Some(1_234_567_500_000));
        assert_eq!(parse_amount("12,34.5"), None);
        assert_eq!(parse_amount("1."), None);
        assert_eq!(parse_amount("+3"), Some(3_000_000));
        // Accepts exactly the amount grammar (below identifier length).
        for s in [
            "0.00", "7", "-12.5", "100,000", "1,0", "1.2.3", "--1", "", ",100", "1,000,00",
        ] {
            assert_eq!(parse_amount(s).is_some(), text::is_amount(s), "{s}");
        }
    }

    #[test]
    fn every_stage_reads_an_identifier_and_a_code_alike() {
        // A project code printed without separators is no amount, to the
        // checks (decimal) as to the Arrow stage (parse_amount).
        assert_eq!(decimal("310001202101"), None);
        assert_eq!(parse_amount("310001202101"), None);
        assert_eq!(
            decimal("28,023.690"),
            Some(rust_decimal::Decimal::new(2802369, 2))
        );
        assert_eq!(decimal("0.00"), Some(rust_decimal::Decimal::ZERO));
        // Subject codes: 类 3, 款 5, 项 7 digits, bare or bracketed.
        assert_eq!(subject_code("2101501"), Some("2101501"));
        assert_eq!(subject_code("[30101]基本工资"), Some("30101"));
        assert_eq!(subject_code("310001202101"), None);
        assert_eq!(subject_code("12"), None);
    }

    #[test]
    fn codes_and_labels() {
        let cols: Vec<String> = ["科目编码", "科目名称", "合计"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let row = cells(&["2101501", "行政运行", "853.60"]);
        assert_eq!(row_code(&row, &cols, 2).as_deref(), Some("2101501"));
        assert_eq!(row_label(&row, 2).as_deref(), Some("行政运行"));
        let row = cells(&["", "合计", "1.00"]);
        assert_eq!(row_code(&row, &cols, 2), None);
        assert_eq!(row_label(&row, 2).as_deref(), Some("合计"));
        let cols: Vec<String> = ["部门预算支出经济科目", "预算"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let row = cells(&["[30101]基本工资", "270.68"]);
        assert_eq!(row_code(&row, &cols, 1).as_deref(), Some("30101"));
        // Side by side: the right half has its own code and label.
        let cols: Vec<String> = [
            "人员经费/经济分类科目编码",
            "人员经费/科目名称",
            "人员经费/金额",
            "公用经费/经济分类科目编码",
            "公用经费/科目名称",
            "公用经费/金额",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let row = cells(&["30101", "基本工资", "171.72", "30201", "办公费", "3.01"]);
        assert_eq!(row_code(&row, &cols, 5).as_deref(), Some("30201"));
        assert_eq!(row_label(&row, 5).as_deref(), Some("办公费"));
    }
}
