//! The list of administrative divisions (GB/T 2260, `config/divisions.tsv`)
//! and the government a department's printed name belongs to.
//!
//! A department's name starts with the chain of places of its government
//! (上海市普陀区规划和自然资源局, 中共西安市委宣传部); [`Divisions::resolve`]
//! reads that chain against the list, and where the name prints none or an
//! ambiguous one (普陀区 is in 上海市 and in 舟山市) it asks the place names the
//! report's headings print. The slug of the result is the partition value of
//! its prefecture-level city (or municipality, or province), unique per
//! region: see [`Divisions::by_slug`].

use crate::config::Config;
use crate::model::{AdminLevel, Government};
use crate::slug;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

/// The shipped list (see its header for source, version and licence).
pub const BUILTIN_TSV: &str = include_str!("../config/divisions.tsv");

/// Placeholder cities of the list: counties hang under them, no department
/// prints them.
const PLACEHOLDERS: [&str; 4] = [
    "市辖区",
    "县",
    "省直辖县级行政区划",
    "自治区直辖县级行政区划",
];

/// The four municipalities: their own departments are province level.
const MUNICIPALITIES: [&str; 4] = ["110000", "120000", "310000", "500000"];

/// Party or organ prefixes printed before the government's places.
const PARTY_PREFIXES: [&str; 4] = ["中国共产党", "中国共产主义青年团", "共青团", "中共"];

/// Central departments' names start with one of these (when no division
/// resolves).
const CENTRAL_PREFIXES: [&str; 7] = [
    "中共中央",
    "中华人民共和国",
    "最高人民",
    "国家",
    "中央",
    "全国",
    "中国",
];

/// Printed between a government's places and its township (or its organs).
const GOVERNMENT_WORDS: [&str; 2] = ["人民政府", "政府"];

/// Suffixes of division names, longest first, for the names printed
/// without them (长沙 for 长沙市, 湘西州 for 湘西土家族苗族自治州).
const NAME_SUFFIXES: [&str; 15] = [
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "林区",
    "特区",
    "省",
    "市",
    "盟",
    "县",
    "区",
    "旗",
];

/// Characters that end a printed place name the list lacks: they belong to
/// an organ's name (局, 委, 办…), not to a place.
const ORGAN_CHARS: &str = "局厅委办院会部司处所校站队馆社署庭科股组室团党府协联和与及、（()《";

type Idx = u32;

/// A multiplicative hasher (FxHash's): the list's keys are its own, so no
/// protection against chosen keys is needed, and SipHash would be most of
/// the list's load time.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Province,
    City,
    County,
    Township,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "province" => Level::Province,
            "city" => Level::City,
            "county" => Level::County,
            "township" => Level::Township,
            _ => return None,
        })
    }

    fn admin(self) -> AdminLevel {
        match self {
            Level::Province => AdminLevel::Province,
            Level::City => AdminLevel::City,
            Level::County => AdminLevel::County,
            Level::Township => AdminLevel::Township,
        }
    }
}

/// How a name was printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// The official name.
    Full,
    /// An autonomous division as its place and 州/县/旗 (湘西州, 连山县).
    Alias,
    /// Without its suffix (长沙, 普陀): at the start of a name for a
    /// province or prefecture only, for a county only after a printed parent.
    Bare,
}

/// Where a string lies in [`Divisions::text`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

#[derive(Debug)]
struct Row {
    code: Span,
    name: Span,
    parent: Option<Idx>,
    level: Level,
    placeholder: bool,
    /// Last year listed, for a division the current list no longer has.
    former: Option<u16>,
    /// A city without counties whose townships hang under it (东莞市).
    townships_below: bool,
}

/// The list of administrative divisions, indexed by name and code.
pub struct Divisions {
    /// The list's text: rows' codes and names point into it.
    text: Box<str>,
    rows: Vec<Row>,
    /// Code (see [`code_key`]) → row; the current division where a former
    /// one shares its code.
    by_code: FastMap<u64, Idx>,
    /// Every printed form of every name above township level → rows.
    names: FastMap<Box<str>, Vec<(Idx, Form)>>,
    /// Townships by parent: `townships[township_range[parent]]`.
    townships: Vec<Idx>,
    township_range: FastMap<Idx, (u32, u32)>,
    max_name_bytes: usize,
    /// Slugs for the configuration last asked with.
    slug_cache: RwLock<Option<SlugCache>>,
}

impl fmt::Debug for Divisions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Divisions")
            .field("rows", &self.rows.len())
            .finish_non_exhaustive()
    }
}

struct SlugCache {
    city_slugs: BTreeMap<String, String>,
    place_readings: BTreeMap<String, String>,
    table: Arc<SlugTable>,
}

/// The partition slug of every region of the slug namespace (provinces,
/// prefecture-level cities, province-administered counties).
struct SlugTable {
    of: HashMap<Idx, String>,
    by_slug: HashMap<String, Vec<Idx>>,
}

/// The government of a department, and what was doubtful about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub government: Government,
    /// Why the government is not (fully) resolved: ambiguous, not in the
    /// list, or nothing printed.
    pub warning: Option<String>,
}

impl Resolution {
    fn ok(government: Government) -> Resolution {
        Resolution {
            government,
            warning: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    /// Characters the chain's names cover: the longest chain wins
    /// (河北唐山芦台经济开发区 is one name, not 河北 + 唐山).
    chars: u16,
    names: u8,
    full: u8,
}

static BUILTIN: LazyLock<Divisions> = LazyLock::new(|| {
    Divisions::parse(BUILTIN_TSV).expect("the shipped config/divisions.tsv parses")
});

/// A code as a number, its length kept (110000 and 110000000 differ).
fn code_key(code: &str) -> Option<u64> {
    if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse::<u64>().ok().map(|v| v * 16 + code.len() as u64)
}

/// Whitespace removed (reports print 上海市 普陀区 too).
fn normalize(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn strip_party(s: &str) -> &str {
    for p in PARTY_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            return rest;
        }
    }
    s
}

/// The other printed forms of an official name: (alias, bare).
fn name_forms(name: &str) -> (Option<String>, Option<String>) {
    for suffix in NAME_SUFFIXES {
        let Some(stem) = name.strip_suffix(suffix) else {
            continue;
        };
        let autonomous = suffix.starts_with("自治");
        let stem = if autonomous {
            slug::strip_peoples(stem)
        } else {
            stem
        };
        if stem.chars().count() < 2 {
            return (None, None);
        }
        let alias = match suffix {
            "自治州" => Some(format!("{stem}州")),
            "自治县" => Some(format!("{stem}县")),
            "自治旗" => Some(format!("{stem}旗")),
            _ => None,
        };
        return (alias, Some(stem.to_string()));
    }
    (None, None)
}

impl Divisions {
    /// The shipped list, parsed once.
    pub fn builtin() -> &'static Divisions {
        &BUILTIN
    }

    /// Reads a list in the format of `config/divisions.tsv`: `#` comment
    /// lines, then `code<TAB>name<TAB>parent_code<TAB>level`, optionally
    /// followed by `former<TAB>last year listed`. The error names the line.
    pub fn parse(text: &str) -> Result<Divisions, String> {
        struct Raw<'a> {
            line: usize,
            code: &'a str,
            name: &'a str,
            parent: &'a str,
            level: Level,
            former: Option<u16>,
        }
        let mut raws = Vec::with_capacity(text.len() / 24);
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |what: String| format!("divisions line {n}: {what}: {line:?}");
            let mut cols = [""; 6];
            let mut ncols = 0;
            for c in line.split('\t') {
                if ncols < cols.len() {
                    cols[ncols] = c;
                }
                ncols += 1;
            }
            if ncols != 4 && ncols != 6 {
                return Err(err(format!(
                    "expected 4 or 6 tab-separated columns, found {ncols}"
                )));
            }
            let level = Level::parse(cols[3]).ok_or_else(|| err("unknown level".into()))?;
            let (code, name, parent) = (cols[0], cols[1].trim(), cols[2]);
            let digits = if level == Level::Township { 9 } else { 6 };
            if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(format!("code is not {digits} digits")));
            }
            if name.is_empty() {
                return Err(err("empty name".into()));
            }
            if (level == Level::Province) != parent.is_empty() {
                return Err(err("only a province has no parent code".into()));
            }
            let former = if ncols == 6 {
                if cols[4] != "former" {
                    return Err(err("fifth column is not `former`".into()));
                }
                Some(
                    cols[5]
                        .parse::<u16>()
                        .map_err(|_| err("last year listed is not a year".into()))?,
                )
            } else {
                None
            };
            raws.push(Raw {
                line: n,
                code,
                name,
                parent,
                level,
                former,
            });
        }
        let span = |s: &str| Span {
            start: (s.as_ptr() as usize - text.as_ptr() as usize) as u32,
            len: s.len() as u32,
        };
        let mut by_code: FastMap<u64, Idx> =
            FastMap::with_capacity_and_hasher(raws.len(), Default::default());
        for current in [true, false] {
            for (i, r) in raws.iter().enumerate() {
                if r.former.is_none() != current {
                    continue;
                }
                let key = code_key(r.code).expect("checked above");
                if by_code.contains_key(&key) {
                    if current {
                        return Err(format!(
                            "divisions line {}: code {} listed twice",
                            r.line, r.code
                        ));
                    }
                    continue;
                }
                by_code.insert(key, i as Idx);
            }
        }
        let mut rows = Vec::with_capacity(raws.len());
        for r in &raws {
            let parent = if r.parent.is_empty() {
                None
            } else {
                let p = *code_key(r.parent)
                    .and_then(|k| by_code.get(&k))
                    .ok_or_else(|| {
                        format!(
                            "divisions line {}: parent code {} is not in the list",
                            r.line, r.parent
                        )
                    })?;
                if raws[p as usize].level >= r.level {
                    return Err(format!(
                        "divisions line {}: parent {} is not above it",
                        r.line, r.parent
                    ));
                }
                Some(p)
            };
            rows.push(Row {
                code: span(r.code),
                name: span(r.name),
                parent,
                level: r.level,
                placeholder: r.level == Level::City && PLACEHOLDERS.contains(&r.name),
                former: r.former,
                townships_below: false,
            });
        }
        let city_parents: Vec<Idx> = rows
            .iter()
            .filter(|r| r.level == Level::Township)
            .filter_map(|r| r.parent)
            .filter(|&p| rows[p as usize].level == Level::City)
            .collect();
        for p in city_parents {
            rows[p as usize].townships_below = true;
        }
        let mut townships: Vec<(Idx, Idx)> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.level == Level::Township)
            .filter_map(|(i, r)| Some((r.parent?, i as Idx)))
            .collect();
        townships.sort_unstable();
        let mut township_range: FastMap<Idx, (u32, u32)> = FastMap::default();
        for (k, &(p, _)) in townships.iter().enumerate() {
            township_range
                .entry(p)
                .and_modify(|r| r.1 = k as u32 + 1)
                .or_insert((k as u32, k as u32 + 1));
        }
        let townships: Vec<Idx> = townships.into_iter().map(|(_, t)| t).collect();
        let mut names: FastMap<Box<str>, Vec<(Idx, Form)>> = FastMap::default();
        for (i, r) in rows.iter().enumerate() {
            if r.placeholder || r.level == Level::Township {
                continue;
            }
            let i = i as Idx;
            let name = &text[r.name.start as usize..][..r.name.len as usize];
            names.entry(name.into()).or_default().push((i, Form::Full));
            let (alias, bare) = name_forms(name);
            for (form, s) in [(Form::Alias, alias), (Form::Bare, bare)] {
                if let Some(s) = s {
                    names.entry(s.into()).or_default().push((i, form));
                }
            }
        }
        let max_name_bytes = names.keys().map(|k| k.len()).max().unwrap_or(0);
        Ok(Divisions {
            text: text.into(),
            rows,
            by_code,
            names,
            townships,
            township_range,
            max_name_bytes,
            slug_cache: RwLock::new(None),
        })
    }

    /// Number of divisions in the list (former ones included).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn row(&self, i: Idx) -> &Row {
        &self.rows[i as usize]
    }

    fn span(&self, s: Span) -> &str {
        &self.text[s.start as usize..][..s.len as usize]
    }

    fn name(&self, i: Idx) -> &str {
        self.span(self.row(i).name)
    }

    fn code(&self, i: Idx) -> &str {
        self.span(self.row(i).code)
    }

    fn townships_of(&self, p: Idx) -> &[Idx] {
        match self.township_range.get(&p) {
            Some(&(a, b)) => &self.townships[a as usize..b as usize],
            None => &[],
        }
    }

    fn is_ancestor(&self, a: Idx, mut i: Idx) -> bool {
        while let Some(p) = self.row(i).parent {
            if p == a {
                return true;
            }
            i = p;
        }
        false
    }

    /// The division itself and its parents, by level.
    fn lineage(&self, i: Idx) -> [Option<Idx>; 4] {
        let mut out = [None; 4];
        let mut cur = Some(i);
        while let Some(c) = cur {
            out[self.row(c).level as usize] = Some(c);
            cur = self.row(c).parent;
        }
        out
    }

    fn is_municipality(&self, i: Idx) -> bool {
        MUNICIPALITIES.contains(&self.code(i))
    }

    /// Region of the slug namespace whose slug a division's government takes.
    fn slug_region(&self, i: Idx) -> Option<Idx> {
        let [p, c, k, _] = self.lineage(i);
        if let Some(p) = p.filter(|&p| self.is_municipality(p)) {
            return Some(p);
        }
        if let Some(c) = c.filter(|&c| !self.row(c).placeholder) {
            return Some(c);
        }
        k.or(p)
    }

    fn in_slug_namespace(&self, i: Idx) -> bool {
        let r = self.row(i);
        match r.level {
            Level::Province => true,
            Level::City => !r.placeholder,
            Level::County => {
                let [p, c, _, _] = self.lineage(i);
                c.is_some_and(|c| self.row(c).placeholder)
                    && !p.is_some_and(|p| self.is_municipality(p))
            }
            Level::Township => false,
        }
    }

    fn compute_slugs(&self, config: &Config) -> SlugTable {
        let mut base: Vec<(Idx, String)> = Vec::new();
        for i in 0..self.rows.len() as Idx {
            if self.in_slug_namespace(i) {
                base.push((i, slug::city_slug(self.name(i), config)));
            }
        }
        let province = |i: Idx| self.lineage(i)[0];
        let mut groups: HashMap<&str, Vec<Idx>> = HashMap::new();
        for (i, s) in &base {
            if self.row(*i).former.is_none() {
                groups.entry(s).or_default().push(*i);
            }
        }
        let mut former_groups: HashMap<&str, Vec<Idx>> = HashMap::new();
        for (i, s) in &base {
            if self.row(*i).former.is_some() {
                former_groups.entry(s).or_default().push(*i);
            }
        }
        let mut of = HashMap::with_capacity(base.len());
        for (i, s) in &base {
            let r = self.row(*i);
            let coded = if r.former.is_none() {
                groups[s.as_str()].len() > 1
            } else {
                // A former division shares the slug of the current one that
                // took its name's place (山南地区 → 山南市), not another's.
                let other_province = |g: &Vec<Idx>| g.iter().any(|&j| province(j) != province(*i));
                groups
                    .get(s.as_str())
                    .is_some_and(|g| g.len() > 1 || other_province(g))
                    || other_province(&former_groups[s.as_str()])
            };
            let slug = if coded {
                format!("{s}_{}", self.code(*i))
            } else {
                s.clone()
            };
            of.insert(*i, slug);
        }
        let mut by_slug: HashMap<String, Vec<Idx>> = HashMap::new();
        for (i, s) in &of {
            by_slug.entry(s.clone()).or_default().push(*i);
        }
        for v in by_slug.values_mut() {
            v.sort_unstable();
        }
        SlugTable { of, by_slug }
    }

    /// The slug table for `config`, computed once per configuration.
    fn slugs(&self, config: &Config) -> Arc<SlugTable> {
        {
            let cache = self
                .slug_cache
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(c) = &*cache {
                if c.city_slugs == config.city_slugs && c.place_readings == config.place_readings {
                    return c.table.clone();
                }
            }
        }
        let table = Arc::new(self.compute_slugs(config));
        *self
            .slug_cache
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(SlugCache {
            city_slugs: config.city_slugs.clone(),
            place_readings: config.place_readings.clone(),
            table: table.clone(),
        });
        table
    }

    /// The government of division `i`, with official names.
    fn government(&self, i: Idx, slugs: &SlugTable) -> Government {
        let [p, c, k, t] = self.lineage(i);
        let name = |x: Option<Idx>| x.map(|x| self.name(x).to_string());
        let city = match p {
            Some(p) if self.is_municipality(p) => name(Some(p)),
            _ => name(c.filter(|&c| !self.row(c).placeholder)),
        };
        Government {
            province: name(p),
            city,
            county: name(k),
            township: name(t),
            level: Some(self.row(i).level.admin()),
            code: Some(self.code(i).to_string()),
            slug: self.slug_region(i).and_then(|r| slugs.of.get(&r).cloned()),
        }
    }

    /// 上海市普陀区 (310107): how a candidate is named in a warning.
    fn describe(&self, i: Idx) -> String {
        let mut s = String::new();
        for x in self.lineage(i).into_iter().flatten() {
            let r = self.row(x);
            let repeated = r.level == Level::City && s == self.name(x); // 上海市上海市
            if !r.placeholder && !repeated {
                s.push_str(self.name(x));
            }
        }
        match self.row(i).former {
            Some(y) => format!("{s} ({}, listed until {y})", self.code(i)),
            None => format!("{s} ({})", self.code(i)),
        }
    }

    /// The fields all candidates share; no code.
    fn common_government(&self, cands: &[Idx], slugs: &SlugTable) -> Government {
        let govs: Vec<Government> = cands.iter().map(|&i| self.government(i, slugs)).collect();
        if govs.is_empty() {
            return Government::default();
        }
        fn same<T: PartialEq + Clone + Default>(
            govs: &[Government],
            f: impl Fn(&Government) -> &T,
        ) -> T {
            let v = f(&govs[0]);
            if govs.iter().all(|g| f(g) == v) {
                v.clone()
            } else {
                T::default()
            }
        }
        Government {
            province: same(&govs, |g| &g.province),
            city: same(&govs, |g| &g.city),
            county: same(&govs, |g| &g.county),
            township: same(&govs, |g| &g.township),
            level: same(&govs, |g| &g.level),
            code: None,
            slug: same(&govs, |g| &g.slug),
        }
    }

    /// Divisions whose printed form starts `text` at `pos`: (row, form,
    /// end); townships only under `prev`.
    fn matches_at(&self, text: &str, pos: usize, prev: Option<Idx>) -> Vec<(Idx, Form, usize)> {
        let rest = &text[pos..];
        let mut out = Vec::new();
        if let Some(p) = prev {
            for &t in self.townships_of(p) {
                let name = self.name(t);
                if rest.starts_with(name) {
                    out.push((t, Form::Full, pos + name.len()));
                }
            }
        }
        for (i, ch) in rest.char_indices() {
            let end = i + ch.len_utf8();
            if end > self.max_name_bytes {
                break;
            }
            if let Some(v) = self.names.get(&rest[..end]) {
                out.extend(v.iter().map(|&(r, f)| (r, f, pos + end)));
            }
        }
        out
    }

    /// Whether division `c`, printed as `form`, may follow `prev` (the
    /// previous name of the chain, or the place the report names).
    fn acceptable(&self, prev: Option<Idx>, c: Idx, form: Form, printed_before: bool) -> bool {
        let r = self.row(c);
        if form == Form::Bare && r.level >= Level::County && !printed_before {
            return false;
        }
        match prev {
            None => r.level < Level::Township,
            Some(p) => {
                let pl = self.row(p).level;
                pl < r.level
                    && (r.level != Level::Township || pl >= Level::City)
                    && self.is_ancestor(p, c)
            }
        }
    }

    /// The best chains of names from `pos`: their score and last divisions
    /// (with where each chain ends). An empty chain ends at `prev`.
    fn search(
        &self,
        text: &str,
        pos: usize,
        prev: Option<Idx>,
        printed_before: bool,
    ) -> (Score, Vec<(Idx, usize)>) {
        let mut best = Score::default();
        let mut finals: Vec<(Idx, usize)> = prev.map(|p| (p, pos)).into_iter().collect();
        let mut starts = vec![pos];
        if prev.is_some() {
            starts.extend(
                GOVERNMENT_WORDS
                    .iter()
                    .filter(|g| text[pos..].starts_with(*g))
                    .map(|g| pos + g.len()),
            );
        }
        for start in starts {
            for (c, form, end) in self.matches_at(text, start, prev) {
                if !self.acceptable(prev, c, form, printed_before) {
                    continue;
                }
                let (sub, sub_finals) = self.search(text, end, Some(c), true);
                let s = Score {
                    names: sub.names + 1,
                    chars: sub.chars + text[start..end].chars().count() as u16,
                    full: sub.full + u8::from(form == Form::Full),
                };
                if s > best {
                    best = s;
                    finals = sub_finals;
                } else if s == best {
                    finals.extend(sub_finals);
                }
            }
        }
        (best, finals)
    }

    /// Distinct candidates, the current ones where any is, without those
    /// under another candidate (长沙 is 长沙市, not 长沙县; 吉林 is 吉林省).
    fn reduce(&self, mut finals: Vec<(Idx, usize)>) -> Vec<(Idx, usize)> {
        finals.sort_unstable_by_key(|&(i, end)| (i, std::cmp::Reverse(end)));
        finals.dedup_by_key(|&mut (i, _)| i);
        if finals.iter().any(|&(i, _)| self.row(i).former.is_none()) {
            finals.retain(|&(i, _)| self.row(i).former.is_none());
        }
        let all: Vec<Idx> = finals.iter().map(|&(i, _)| i).collect();
        finals.retain(|&(i, _)| !all.iter().any(|&a| a != i && self.is_ancestor(a, i)));
        finals
    }

    /// Candidates of a printed place name (a chain too).
    fn place_candidates(&self, place: &str) -> Vec<(Idx, usize)> {
        let text = normalize(place);
        let body = strip_party(&text);
        let (score, finals) = self.search(body, 0, None, false);
        if score.names == 0 {
            return Vec::new();
        }
        self.reduce(finals)
    }

    /// The government of division `i` named at the start of `body` (up to
    /// `end`), with a township printed after it that the list lacks.
    fn finish(&self, body: &str, i: Idx, end: usize, slugs: &SlugTable) -> Resolution {
        let mut g = self.government(i, slugs);
        let r = self.row(i);
        let below = r.level == Level::County || (r.level == Level::City && r.townships_below);
        if below {
            let mut rest = &body[end..];
            for w in GOVERNMENT_WORDS {
                if let Some(x) = rest.strip_prefix(w) {
                    rest = x;
                    break;
                }
            }
            if let Some(t) = printed_township(rest) {
                let warning = format!(
                    "township {t} is not in the division list under {}",
                    self.describe(i)
                );
                g.township = Some(t);
                g.level = Some(AdminLevel::Township);
                g.code = None;
                return Resolution {
                    government: g,
                    warning: Some(warning),
                };
            }
        }
        Resolution::ok(g)
    }

    fn ambiguous(&self, printed: &str, cands: &[(Idx, usize)], slugs: &SlugTable) -> Resolution {
        let idx: Vec<Idx> = cands.iter().map(|&(i, _)| i).collect();
        let names: Vec<String> = idx.iter().map(|&i| self.describe(i)).collect();
        Resolution {
            government: self.common_government(&idx, slugs),
            warning: Some(format!(
                "{printed}: ambiguous place, could be {}; no place name of the report settles it",
                names.join(", ")
            )),
        }
    }

    /// The government a department belongs to: from the place names its
    /// printed name starts with; where it has none (首都绿化委员会办公室) or
    /// they are ambiguous (普陀区 is in 上海市 and in 舟山市; 鼓楼区 in four
    /// cities), from `places`: place names printed in the report's headings,
    /// e.g. "上海市", "上海市普陀区" (each may itself be a chain of names),
    /// first = most relevant.
    ///
    /// Ambiguous and unresolved names give a warning; an ambiguous one keeps
    /// what its candidates share (普陀区: county 普陀区, level county, no code).
    pub fn resolve(&self, department: &str, places: &[String], config: &Config) -> Resolution {
        let slugs = self.slugs(config);
        let text = normalize(department);
        let body = strip_party(&text);
        let (score, finals) = self.search(body, 0, None, false);
        let mut cands = if score.names > 0 {
            self.reduce(finals)
        } else {
            Vec::new()
        };
        if let [(i, end)] = cands[..] {
            return self.finish(body, i, end, &slugs);
        }
        if cands.is_empty() && CENTRAL_PREFIXES.iter().any(|p| body.starts_with(p)) {
            return Resolution::ok(Government {
                level: Some(AdminLevel::Central),
                slug: Some("central".to_string()),
                ..Government::default()
            });
        }
        for place in places {
            let pcs = self.place_candidates(place);
            let mut best = Score::default();
            let mut found: Vec<(Idx, usize)> = Vec::new();
            for &(p, _) in &pcs {
                let (s, f) = self.search(body, 0, Some(p), false);
                if s.names == 0 && !cands.is_empty() {
                    continue; // the department names a place, not under this one
                }
                if s > best || found.is_empty() {
                    best = s;
                    found = f;
                } else if s == best {
                    found.extend(f);
                }
            }
            let found = self.reduce(found);
            match found[..] {
                [] => {}
                [(i, end)] => return self.finish(body, i, end, &slugs),
                _ if !cands.is_empty() => cands = found,
                _ => {}
            }
        }
        if !cands.is_empty() {
            let end = cands.iter().map(|&(_, e)| e).min().unwrap_or(0);
            return self.ambiguous(&body[..end], &cands, &slugs);
        }
        if let Some(r) = printed_places(body, config) {
            return r;
        }
        Resolution {
            government: Government::default(),
            warning: Some(format!(
                "no administrative division in the department name {department:?} nor in the report's place names {places:?}"
            )),
        }
    }

    /// Rows a name (in any printed form) names at one of `levels`; the
    /// official names where any matches.
    fn lookup(&self, name: &str, levels: &[Level]) -> Vec<(Idx, usize)> {
        let Some(v) = self.names.get(name) else {
            return Vec::new();
        };
        let ok: Vec<(Idx, Form)> = v
            .iter()
            .copied()
            .filter(|&(i, _)| levels.contains(&self.row(i).level))
            .collect();
        let full = ok.iter().any(|&(_, f)| f == Form::Full);
        ok.into_iter()
            .filter(|&(_, f)| !full || f == Form::Full)
            .map(|(i, _)| (i, name.len()))
            .collect()
    }

    /// From names given explicitly (a metadata sidecar file); any may be
    /// `None`. A name the list lacks (under the ones above it) is kept as
    /// given, with no code and a warning.
    pub fn resolve_names(
        &self,
        province: Option<&str>,
        city: Option<&str>,
        county: Option<&str>,
        config: &Config,
    ) -> Resolution {
        let slugs = self.slugs(config);
        let given = [
            (province.map(normalize), Level::Province),
            (city.map(normalize), Level::City),
            (county.map(normalize), Level::County),
        ];
        let mut ctx: Vec<(Idx, usize)> = Vec::new();
        let mut printed: Vec<(Level, String)> = Vec::new();
        for (name, level) in given {
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                continue;
            };
            if !printed.is_empty() {
                printed.push((level, name));
                continue;
            }
            let mut cands = self.lookup(&name, &[level]);
            if level == Level::City {
                // A municipality given as the city (上海市).
                cands.extend(
                    self.lookup(&name, &[Level::Province])
                        .into_iter()
                        .filter(|&(i, _)| self.is_municipality(i)),
                );
            }
            if !ctx.is_empty() {
                cands.retain(|&(c, _)| ctx.iter().any(|&(a, _)| a == c || self.is_ancestor(a, c)));
            }
            let cands = self.reduce(cands);
            if cands.is_empty() {
                printed.push((level, name));
            } else {
                ctx = cands;
            }
        }
        if ctx.is_empty() && printed.is_empty() {
            return Resolution {
                government: Government::default(),
                warning: Some("no place names given".to_string()),
            };
        }
        let mut res = match ctx[..] {
            [] => Resolution::ok(Government::default()),
            [(i, _)] => Resolution::ok(self.government(i, &slugs)),
            _ => {
                let given: Vec<&str> = [province, city, county].into_iter().flatten().collect();
                self.ambiguous(&given.join("/"), &ctx, &slugs)
            }
        };
        if !printed.is_empty() {
            let g = &mut res.government;
            for (level, name) in &printed {
                match level {
                    Level::Province => g.province = Some(name.clone()),
                    Level::City => g.city = Some(name.clone()),
                    _ => g.county = Some(name.clone()),
                }
                g.level = Some(level.admin());
            }
            g.code = None;
            // The slug of a printed city, or of the province where nothing resolved.
            let city_printed = printed.iter().any(|(l, _)| *l == Level::City);
            if city_printed || ctx.is_empty() {
                g.slug = g
                    .city
                    .as_deref()
                    .or(g.province.as_deref())
                    .map(|n| slug::city_slug(n, config));
            }
            let names: Vec<&str> = printed.iter().map(|(_, n)| n.as_str()).collect();
            let under = match ctx[..] {
                [(i, _)] => format!(" under {}", self.describe(i)),
                _ => String::new(),
            };
            let w = format!(
                "{} not in the division list{under}; kept as given",
                names.join("/")
            );
            res.warning = Some(match res.warning {
                Some(prev) => format!("{prev}; {w}"),
                None => w,
            });
        }
        res
    }

    /// The region whose partition slug is `slug` (a file-name token such
    /// as "hangzhou"), if exactly one: a province, prefecture-level city or
    /// municipality, or a province-administered county (仙桃市). Where two
    /// regions' names read alike each carries its code (福州市 is
    /// `fuzhou_350100`, 抚州市 `fuzhou_361000`), and the bare `fuzhou` names
    /// none, so `by_slug("fuzhou")` is `None`.
    pub fn by_slug(&self, slug: &str, config: &Config) -> Option<Government> {
        let slugs = self.slugs(config);
        let v = slugs.by_slug.get(slug)?;
        let current: Vec<Idx> = v
            .iter()
            .copied()
            .filter(|&i| self.row(i).former.is_none())
            .collect();
        let pick = match (&current[..], &v[..]) {
            ([i], _) => *i,
            ([], [i]) => *i,
            _ => return None,
        };
        Some(self.government(pick, &slugs))
    }

    /// The division with this code (the current one where a former one
    /// shares it).
    pub fn by_code(&self, code: &str, config: &Config) -> Option<Government> {
        let i = *self.by_code.get(&code_key(code)?)?;
        Some(self.government(i, &self.slugs(config)))
    }
}

/// A township name (XX镇, XX乡, XX街道) printed at the start of `rest` and
/// followed by what follows a township's name in a department's.
fn printed_township(rest: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = rest.char_indices().take(9).collect();
    for (k, &(at, ch)) in chars.iter().enumerate() {
        if ORGAN_CHARS.contains(ch) && !"和与及".contains(ch) {
            return None;
        }
        if k < 2 {
            continue;
        }
        for suffix in ["街道", "镇", "乡"] {
            if rest[at..].starts_with(suffix) {
                let end = at + suffix.len();
                let after = &rest[end..];
                let follows = after.is_empty()
                    || ["办事处", "人民政府", "政府", "党委", "党工委", "委员会"]
                        .iter()
                        .any(|w| after.starts_with(w));
                return follows.then(|| rest[..end].to_string());
            }
        }
    }
    None
}

/// Printed-place suffixes for names the list lacks, longest first, with the
/// level each one names.
const PRINTED_SUFFIXES: [(&str, Option<Level>); 13] = [
    ("特别行政区", Some(Level::Province)),
    ("自治区", Some(Level::Province)),
    ("自治州", Some(Level::City)),
    ("自治县", Some(Level::County)),
    ("自治旗", Some(Level::County)),
    ("地区", Some(Level::City)),
    ("省", Some(Level::Province)),
    // 市: a prefecture, or a county-level city after a prefecture.
    ("市", None),
    ("州", Some(Level::City)),
    ("盟", Some(Level::City)),
    ("县", Some(Level::County)),
    ("区", Some(Level::County)),
    ("旗", Some(Level::County)),
];

/// A place name the list lacks printed at the start of `text`: the name
/// and its level (`None` for 市).
fn printed_place(text: &str) -> Option<(&str, Option<Level>)> {
    let chars: Vec<(usize, char)> = text.char_indices().take(12).collect();
    let mut peoples = false;
    for (k, &(at, ch)) in chars.iter().enumerate() {
        if k >= 2 {
            for (suffix, level) in PRINTED_SUFFIXES {
                if let Some(after) = text[at..].strip_prefix(suffix) {
                    let end = at + suffix.len();
                    // 海南州 (a 州 as such), but 某州市 / 某州区 is one name.
                    if suffix == "州" {
                        match ["市", "区", "县"].iter().find(|s| after.starts_with(*s)) {
                            Some(s) => {
                                let level = if *s == "市" {
                                    None
                                } else {
                                    Some(Level::County)
                                };
                                return Some((&text[..end + s.len()], level));
                            }
                            None => return Some((&text[..end], level)),
                        }
                    }
                    return Some((&text[..end], level));
                }
            }
        }
        if ORGAN_CHARS.contains(ch) {
            return None;
        }
        peoples |= ch == '族';
        if k >= 6 && !peoples {
            return None;
        }
    }
    None
}

/// The places a department's name starts with when the list has none of
/// them (a renamed city): kept as printed, no code, with a warning.
fn printed_places(body: &str, config: &Config) -> Option<Resolution> {
    let mut g = Government::default();
    let mut pos = 0;
    let mut last: Option<Level> = None;
    let mut names = Vec::new();
    while let Some((name, level)) = printed_place(&body[pos..]) {
        let level = level.unwrap_or(match last {
            None | Some(Level::Province) => Level::City,
            _ => Level::County,
        });
        if last.is_some_and(|l| l >= level) {
            break;
        }
        match level {
            Level::Province => g.province = Some(name.to_string()),
            Level::City => g.city = Some(name.to_string()),
            _ => g.county = Some(name.to_string()),
        }
        names.push(name);
        pos += name.len();
        last = Some(level);
        if level >= Level::County {
            break;
        }
    }
    let last = last?;
    g.level = Some(last.admin());
    g.slug = g
        .city
        .as_deref()
        .or(g.province.as_deref())
        .map(|n| slug::city_slug(n, config));
    Some(Resolution {
        government: g,
        warning: Some(format!(
            "{} is not in the division list (renamed or merged?); kept as printed",
            names.concat()
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::builtin()
    }

    fn gov(
        province: Option<&str>,
        city: Option<&str>,
        county: Option<&str>,
        township: Option<&str>,
        level: AdminLevel,
        code: Option<&str>,
        slug: Option<&str>,
    ) -> Government {
        let s = |x: Option<&str>| x.map(str::to_string);
        Government {
            province: s(province),
            city: s(city),
            county: s(county),
            township: s(township),
            level: Some(level),
            code: s(code),
            slug: s(slug),
        }
    }

    fn resolve(department: &str, places: &[&str]) -> Resolution {
        let places: Vec<String> = places.iter().map(|p| p.to_string()).collect();
        Divisions::builtin().resolve(department, &places, &cfg())
    }

    #[track_caller]
    fn assert_resolves(department: &str, places: &[&str], want: Government) {
        let r = resolve(department, places);
        assert_eq!(r.government, want, "{department}");
        assert_eq!(r.warning, None, "{department}");
    }

    use AdminLevel::{Central, City, County, Province, Township};

    #[test]
    fn municipality_districts() {
        let putuo = gov(
            Some("上海市"),
            Some("上海市"),
            Some("普陀区"),
            None,
            County,
            Some("310107"),
            Some("shanghai"),
        );
        assert_resolves("上海市普陀区规划和自然资源局", &[], putuo.clone());
        assert_resolves("上海市普陀区司法局", &[], putuo.clone());
        assert_resolves("普陀区司法局", &["上海市"], putuo.clone());
        assert_resolves("司法局", &["上海市普陀区"], putuo);
        assert_resolves(
            "上海市普陀区人民政府万里街道办事处",
            &[],
            gov(
                Some("上海市"),
                Some("上海市"),
                Some("普陀区"),
                Some("万里街道"),
                Township,
                Some("310107021"),
                Some("shanghai"),
            ),
        );
    }

    #[test]
    fn municipalities_own_departments() {
        let m = |name: &str, code: &str, slug: &str| {
            gov(
                Some(name),
                Some(name),
                None,
                None,
                Province,
                Some(code),
                Some(slug),
            )
        };
        assert_resolves("上海市财政局", &[], m("上海市", "310000", "shanghai"));
        assert_resolves("北京市审计局", &[], m("北京市", "110000", "beijing"));
        assert_resolves(
            "北京市人民政府国有资产监督管理委员会",
            &[],
            m("北京市", "110000", "beijing"),
        );
        assert_resolves(
            "首都绿化委员会办公室",
            &["北京市"],
            m("北京市", "110000", "beijing"),
        );
        assert_resolves(
            "重庆市人民政府办公厅",
            &[],
            m("重庆市", "500000", "chongqing"),
        );
    }

    #[test]
    fn provinces() {
        let js = gov(
            Some("江苏省"),
            None,
            None,
            None,
            Province,
            Some("320000"),
            Some("jiangsu"),
        );
        assert_resolves("江苏省人民检察院", &[], js.clone());
        assert_resolves("江苏省政协办公厅", &[], js);
        assert_resolves(
            "广西壮族自治区财政厅",
            &[],
            gov(
                Some("广西壮族自治区"),
                None,
                None,
                None,
                Province,
                Some("450000"),
                Some("guangxi"),
            ),
        );
    }

    #[test]
    fn prefectures() {
        let city = |p: &str, c: &str, code: &str, slug: &str| {
            gov(Some(p), Some(c), None, None, City, Some(code), Some(slug))
        };
        for (dept, want) in [
            (
                "清远市医疗保障局",
                city("广东省", "清远市", "441800", "qingyuan"),
            ),
            (
                "广州市医疗保障局",
                city("广东省", "广州市", "440100", "guangzhou"),
            ),
            (
                "江门市医疗保障局（本级）",
                city("广东省", "江门市", "440700", "jiangmen"),
            ),
            (
                "杭州市公安局",
                city("浙江省", "杭州市", "330100", "hangzhou"),
            ),
            ("湖州市财政局", city("浙江省", "湖州市", "330500", "huzhou")),
            (
                "长沙职业教育基地综合协调办公室",
                city("湖南省", "长沙市", "430100", "changsha"),
            ),
            (
                "福州市科学技术局(本级)",
                city("福建省", "福州市", "350100", "fuzhou_350100"),
            ),
            (
                "泉州市公安局",
                city("福建省", "泉州市", "350500", "quanzhou"),
            ),
            ("烟台市教育局", city("山东省", "烟台市", "370600", "yantai")),
            (
                "西安市审计局（汇总）",
                city("陕西省", "西安市", "610100", "xian"),
            ),
            (
                "中共西安市委宣传部",
                city("陕西省", "西安市", "610100", "xian"),
            ),
            (
                "新疆维吾尔自治区财政厅",
                gov(
                    Some("新疆维吾尔自治区"),
                    None,
                    None,
                    None,
                    Province,
                    Some("650000"),
                    Some("xinjiang"),
                ),
            ),
            (
                "湘西州民族宗教事务委员会",
                city(
                    "湖南省",
                    "湘西土家族苗族自治州",
                    "433100",
                    "xiangxitujiazumiaozu",
                ),
            ),
            (
                "浙江省杭州市财政局",
                city("浙江省", "杭州市", "330100", "hangzhou"),
            ),
        ] {
            assert_resolves(dept, &[], want);
        }
    }

    #[test]
    fn counties() {
        let lianjiang = gov(
            Some("广东省"),
            Some("湛江市"),
            Some("廉江市"),
            None,
            County,
            Some("440881"),
            Some("zhanjiang"),
        );
        assert_resolves("廉江市医疗保障局", &[], lianjiang.clone());
        assert_resolves("广东省廉江市医疗保障局", &[], lianjiang.clone());
        assert_resolves(
            "连山壮族瑶族自治县教育局",
            &[],
            gov(
                Some("广东省"),
                Some("清远市"),
                Some("连山壮族瑶族自治县"),
                None,
                County,
                Some("441825"),
                Some("qingyuan"),
            ),
        );
        assert_resolves(
            "长沙县财政局",
            &[],
            gov(
                Some("湖南省"),
                Some("长沙市"),
                Some("长沙县"),
                None,
                County,
                Some("430121"),
                Some("changsha"),
            ),
        );
        // A county-level city under its province: its own slug.
        assert_resolves(
            "仙桃市财政局",
            &[],
            gov(
                Some("湖北省"),
                None,
                Some("仙桃市"),
                None,
                County,
                Some("429004"),
                Some("xiantao"),
            ),
        );
        // A bare county name alone is not read as a place (公安县).
        assert_eq!(resolve("公安局", &[]).government, Government::default());
        let r = Divisions::builtin().resolve_names(
            Some("广东省"),
            Some("湛江市"),
            Some("廉江市"),
            &cfg(),
        );
        assert_eq!(r, Resolution::ok(lianjiang));
    }

    #[test]
    fn ambiguous_districts() {
        let r = resolve("普陀区司法局", &[]);
        let w = r.warning.expect("ambiguous");
        assert!(w.contains("310107") && w.contains("330903"), "{w}");
        assert!(
            w.contains("上海市普陀区") && w.contains("浙江省舟山市普陀区"),
            "{w}"
        );
        assert_eq!(
            r.government,
            Government {
                county: Some("普陀区".into()),
                level: Some(County),
                ..Government::default()
            }
        );
        assert_resolves(
            "普陀区司法局",
            &["舟山市"],
            gov(
                Some("浙江省"),
                Some("舟山市"),
                Some("普陀区"),
                None,
                County,
                Some("330903"),
                Some("zhoushan"),
            ),
        );
        // The first place that settles it wins; one that does not is skipped.
        assert_resolves(
            "普陀区司法局",
            &["杭州市", "上海市", "舟山市"],
            gov(
                Some("上海市"),
                Some("上海市"),
                Some("普陀区"),
                None,
                County,
                Some("310107"),
                Some("shanghai"),
            ),
        );
        let r = resolve("鼓楼区财政局", &[]);
        let w = r.warning.expect("ambiguous");
        for code in ["320106", "320302", "350102", "410204"] {
            assert!(w.contains(code), "{w}");
        }
        assert_eq!(r.government.code, None);
        assert_resolves(
            "鼓楼区财政局",
            &["福建省福州市"],
            gov(
                Some("福建省"),
                Some("福州市"),
                Some("鼓楼区"),
                None,
                County,
                Some("350102"),
                Some("fuzhou_350100"),
            ),
        );
        // A township settles an ambiguous place.
        assert_resolves(
            "万里街道办事处",
            &["普陀区"],
            gov(
                Some("上海市"),
                Some("上海市"),
                Some("普陀区"),
                Some("万里街道"),
                Township,
                Some("310107021"),
                Some("shanghai"),
            ),
        );
    }

    #[test]
    fn central_and_nothing() {
        let central = Government {
            level: Some(Central),
            slug: Some("central".into()),
            ..Government::default()
        };
        assert_resolves("国家信访局", &[], central.clone());
        assert_resolves("中共中央办公厅", &[], central.clone());
        assert_resolves("最高人民法院", &["北京市"], central);
        let r = resolve("财政局", &[]);
        assert_eq!(r.government, Government::default());
        assert!(r.warning.is_some());
    }

    #[test]
    fn former_and_unknown_places() {
        // 莱芜市 was merged into 济南市 in 2019: in the list as former.
        assert_resolves(
            "莱芜市财政局",
            &[],
            gov(
                Some("山东省"),
                Some("莱芜市"),
                None,
                None,
                City,
                Some("371200"),
                Some("laiwu"),
            ),
        );
        // Renamed before 2015: kept as printed.
        let r = resolve("襄樊市财政局", &[]);
        assert_eq!(
            r.government,
            Government {
                city: Some("襄樊市".into()),
                level: Some(City),
                slug: Some("xiangfan".into()),
                ..Government::default()
            }
        );
        assert!(r.warning.unwrap().contains("襄樊市"));
        // A township the list lacks keeps its printed name, no code.
        let r = resolve("上海市普陀区某某镇人民政府", &[]);
        assert_eq!(
            r.government,
            gov(
                Some("上海市"),
                Some("上海市"),
                Some("普陀区"),
                Some("某某镇"),
                Township,
                None,
                Some("shanghai"),
            )
        );
        assert!(r.warning.is_some());
    }

    #[test]
    fn names_from_a_sidecar() {
        let d = Divisions::builtin();
        let c = cfg();
        let r = d.resolve_names(Some("上海市"), Some("上海市"), Some("普陀区"), &c);
        assert_eq!(r.government.code.as_deref(), Some("310107"));
        let r = d.resolve_names(None, Some("上海"), None, &c);
        assert_eq!(r.government.code.as_deref(), Some("310000"));
        let r = d.resolve_names(None, None, Some("普陀区"), &c);
        assert!(r.warning.is_some());
        let r = d.resolve_names(Some("湖北省"), Some("襄樊市"), None, &c);
        assert_eq!(
            r.government,
            Government {
                province: Some("湖北省".into()),
                city: Some("襄樊市".into()),
                level: Some(City),
                slug: Some("xiangfan".into()),
                ..Government::default()
            }
        );
        assert!(r.warning.unwrap().contains("襄樊市"));
        let r = d.resolve_names(None, None, None, &c);
        assert_eq!(r.government, Government::default());
        assert!(r.warning.is_some());
    }

    #[test]
    fn slugs_are_unique_per_region() {
        let d = Divisions::builtin();
        let c = cfg();
        assert_eq!(
            d.by_slug("hangzhou", &c),
            Some(gov(
                Some("浙江省"),
                Some("杭州市"),
                None,
                None,
                City,
                Some("330100"),
                Some("hangzhou"),
            ))
        );
        // 福州市 and 抚州市 both read fuzhou: each carries its code.
        assert_eq!(d.by_slug("fuzhou", &c), None);
        assert_eq!(
            d.by_slug("fuzhou_350100", &c).and_then(|g| g.city),
            Some("福州市".into())
        );
        assert_eq!(
            d.by_slug("fuzhou_361000", &c).and_then(|g| g.city),
            Some("抚州市".into())
        );
        assert_eq!(
            d.by_slug("jilin_220000", &c).map(|g| g.level),
            Some(Some(Province))
        );
        assert_eq!(
            d.by_slug("shanghai", &c).and_then(|g| g.code),
            Some("310000".into())
        );
        assert_eq!(d.by_slug("central", &c), None);
        // Every region's slug leads back to it.
        let t = d.slugs(&c);
        for (&i, s) in &t.of {
            if d.row(i).former.is_none() {
                let g = d.by_slug(s, &c).unwrap_or_else(|| panic!("{s}"));
                assert_eq!(g.code.as_deref(), Some(d.code(i)), "{s}");
            }
        }
        // Deterministic, and recomputed for another configuration.
        assert_eq!(d.by_slug("chongqing", &Config::default()), None);
        assert!(d.by_slug("chongqing", &c).is_some());
    }

    #[test]
    fn every_city_and_county_resolves_to_itself_or_is_ambiguous() {
        let d = Divisions::builtin();
        let c = cfg();
        let mut ambiguous = 0;
        for i in 0..d.rows.len() as Idx {
            let r = d.row(i);
            if r.placeholder || r.level == Level::Township || r.former.is_some() {
                continue;
            }
            let res = d.resolve(&format!("{}财政局", d.name(i)), &[], &c);
            if res.warning.is_some() {
                ambiguous += 1;
                assert_eq!(res.government.code, None, "{}", d.name(i));
            } else {
                assert_eq!(
                    res.government.code.as_deref(),
                    Some(d.code(i)),
                    "{}",
                    d.name(i)
                );
            }
        }
        // Names several counties share: 鼓楼区, 朝阳区, 市中区…
        assert!(ambiguous < 100, "{ambiguous}");
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = Divisions::parse("# c\n110000\t北京市\t\tprovince\n110100\t市辖区\t990000\tcity\n")
            .unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let e = Divisions::parse("11\t北京市\t\tprovince\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = Divisions::parse("110000\t北京市\tprovince\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let d = Divisions::parse("110000\t北京市\t\tprovince\n").unwrap();
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn builtin_loads_fast() {
        // The best of a few runs: the machine may be busy with other work.
        let mut best = std::time::Duration::MAX;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let d = Divisions::parse(BUILTIN_TSV).unwrap();
            best = best.min(t.elapsed());
            assert!(d.len() > 40_000);
        }
        eprintln!("parsed the built-in divisions in {best:?}");
        if !cfg!(debug_assertions) {
            assert!(best.as_millis() < 100, "{best:?}");
        }
    }
}
