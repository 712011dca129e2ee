//! Record batches of the four datasets. Pure: records in, batches out.
//! The partition keys (city, year, report_type) are not columns: they are
//! the directory names the sink writes the batches under.
//!
//! Column by column documentation: `docs/schema.md`.

use crate::cell::{code_columns, row_facts};
use crate::checks::Check;
use crate::model::{ReportRecord, Table};
use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, ListBuilder, StringBuilder, StructBuilder, UInt32Builder,
    UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Version of the datasets' layout, written in `_manifest.json` and in each
/// Parquet file's key-value metadata (`fiscal_etl.schema_version`).
/// docs/schema.md says what each version changed.
pub const SCHEMA_VERSION: u32 = 4;

/// Amounts are Decimal128(38, 6): exact, with room for any printed precision.
pub use crate::cell::{VALUE_PRECISION, VALUE_SCALE};

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn list_utf8(name: &str) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        false,
    )
}

fn decimal(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Decimal128(VALUE_PRECISION, VALUE_SCALE),
        nullable,
    )
}

/// The fields of `reports.meta_source`: where each metadata field came from.
const META_SOURCE_FIELDS: [&str; 5] = ["department", "government", "year", "report_type", "scope"];

fn meta_source_fields() -> Fields {
    META_SOURCE_FIELDS
        .iter()
        .map(|n| utf8(n, true))
        .collect::<Vec<_>>()
        .into()
}

pub fn reports_schema() -> SchemaRef {
    // Version 1's columns first, in their order; later ones after them.
    Arc::new(Schema::new(vec![
        utf8("report_id", false),
        utf8("source_path", false),
        Field::new("source_bytes", DataType::UInt64, false),
        utf8("encoding", true),
        utf8("city_name", true),
        utf8("department", true),
        utf8("title", true),
        utf8("status", false),
        utf8("error", true),
        Field::new("n_tables", DataType::UInt32, false),
        Field::new("n_cells", DataType::UInt64, false),
        Field::new("n_checks_failed", DataType::UInt32, false),
        utf8("province", true),
        utf8("county", true),
        utf8("township", true),
        utf8("admin_level", true),
        utf8("region_code", true),
        utf8("scope", true),
        Field::new("consolidated", DataType::Boolean, false),
        Field::new("meta_source", DataType::Struct(meta_source_fields()), false),
        list_utf8("warnings"),
        Field::new("n_tables_verified", DataType::UInt32, false),
        Field::new("n_tables_unverified", DataType::UInt32, false),
        Field::new("n_tables_unchecked", DataType::UInt32, false),
        utf8("converter", false),
    ]))
}

pub fn tables_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("report_id", false),
        utf8("source_path", false),
        Field::new("table_ordinal", DataType::UInt32, false),
        utf8("table_number", true),
        utf8("title", false),
        utf8("unit", true),
        Field::new("narrative", DataType::Boolean, false),
        utf8("kind", true),
        list_utf8("columns"),
        Field::new("n_rows", DataType::UInt32, false),
        Field::new("n_cols", DataType::UInt32, false),
        Field::new("line_start", DataType::UInt32, false),
        Field::new("line_end", DataType::UInt32, false),
        list_utf8("notes"),
        Field::new("checks_pass", DataType::UInt32, false),
        Field::new("checks_rounding", DataType::UInt32, false),
        Field::new("checks_fail", DataType::UInt32, false),
        Field::new("verified", DataType::Boolean, true),
        list_utf8("warnings"),
    ]))
}

pub fn cells_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("report_id", false),
        utf8("source_path", false),
        Field::new("table_ordinal", DataType::UInt32, false),
        Field::new("row_ordinal", DataType::UInt32, false),
        Field::new("col_ordinal", DataType::UInt32, false),
        utf8("column", false),
        utf8("measure", true),
        utf8("text", false),
        decimal("value", true),
        utf8("row_code", true),
        utf8("row_label", true),
        utf8("unit", true),
        decimal("value_yuan", true),
        Field::new("verified", DataType::Boolean, true),
    ]))
}

pub fn checks_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("report_id", false),
        Field::new("table_ordinal", DataType::UInt32, false),
        utf8("check", false),
        utf8("target", false),
        decimal("expected", false),
        decimal("actual", false),
        decimal("diff", false),
        utf8("status", false),
        utf8("message", false),
    ]))
}

/// A decimal as a mantissa at scale 6 (check figures).
fn mantissa(d: Decimal) -> i128 {
    let mut d = d;
    d.rescale(VALUE_SCALE as u32);
    d.mantissa()
}

/// Non-empty cells: the rows a report gives the `cells` dataset.
pub fn n_cells(tables: &[Table]) -> u64 {
    tables
        .iter()
        .flat_map(|t| &t.rows)
        .flat_map(|r| &r.cells)
        .filter(|c| c.is_some())
        .count() as u64
}

fn finish(schema: SchemaRef, columns: Vec<ArrayRef>) -> RecordBatch {
    RecordBatch::try_new(schema, columns).expect("builders follow the schema")
}

pub fn reports_batch(records: &[&ReportRecord]) -> RecordBatch {
    let mut id = StringBuilder::new();
    let mut path = StringBuilder::new();
    let mut bytes = UInt64Builder::new();
    let mut enc = StringBuilder::new();
    let mut dept = StringBuilder::new();
    let mut scope = StringBuilder::new();
    let mut consolidated = BooleanBuilder::new();
    let mut province = StringBuilder::new();
    let mut city = StringBuilder::new();
    let mut county = StringBuilder::new();
    let mut township = StringBuilder::new();
    let mut level = StringBuilder::new();
    let mut code = StringBuilder::new();
    let mut title = StringBuilder::new();
    let mut source = StructBuilder::from_fields(meta_source_fields(), records.len());
    let mut status = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut warnings = ListBuilder::new(StringBuilder::new());
    let mut ntab = UInt32Builder::new();
    let mut ncell = UInt64Builder::new();
    let mut nfail = UInt32Builder::new();
    let mut nverified = UInt32Builder::new();
    let mut nunverified = UInt32Builder::new();
    let mut nunchecked = UInt32Builder::new();
    let mut converter = StringBuilder::new();
    for r in records {
        let m = &r.meta;
        let g = &m.government;
        id.append_value(&r.report_id);
        path.append_value(&r.source_path);
        bytes.append_value(r.source_bytes);
        enc.append_option(r.encoding.as_deref());
        dept.append_option(m.department.as_deref());
        scope.append_option(m.scope.map(|s| s.as_str()));
        consolidated.append_value(m.consolidated);
        province.append_option(g.province.as_deref());
        city.append_option(g.city.as_deref());
        county.append_option(g.county.as_deref());
        township.append_option(g.township.as_deref());
        level.append_option(g.level.map(|l| l.as_str()));
        code.append_option(g.code.as_deref());
        title.append_option(m.title.as_deref());
        let s = &m.sources;
        let sources = [s.department, s.government, s.year, s.report_type, s.scope];
        for (k, v) in sources.iter().enumerate() {
            source
                .field_builder::<StringBuilder>(k)
                .expect("meta_source fields are strings")
                .append_option(v.map(|v| v.as_str()));
        }
        source.append(true);
        status.append_value(r.status.as_str());
        error.append_option(r.error.as_deref());
        for w in &r.warnings {
            warnings.values().append_value(w);
        }
        warnings.append(true);
        ntab.append_value(r.tables.len() as u32);
        ncell.append_value(n_cells(&r.tables));
        nfail.append_value(
            r.checks
                .iter()
                .filter(|c| c.status == crate::checks::CheckStatus::Fail)
                .count() as u32,
        );
        let tally = crate::verify::Tally::of(&r.tables);
        nverified.append_value(tally.verified);
        nunverified.append_value(tally.unverified);
        nunchecked.append_value(tally.unchecked);
        converter.append_value(&r.converter);
    }
    finish(
        reports_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(path.finish()),
            Arc::new(bytes.finish()),
            Arc::new(enc.finish()),
            Arc::new(city.finish()),
            Arc::new(dept.finish()),
            Arc::new(title.finish()),
            Arc::new(status.finish()),
            Arc::new(error.finish()),
            Arc::new(ntab.finish()),
            Arc::new(ncell.finish()),
            Arc::new(nfail.finish()),
            Arc::new(province.finish()),
            Arc::new(county.finish()),
            Arc::new(township.finish()),
            Arc::new(level.finish()),
            Arc::new(code.finish()),
            Arc::new(scope.finish()),
            Arc::new(consolidated.finish()),
            Arc::new(source.finish()),
            Arc::new(warnings.finish()),
            Arc::new(nverified.finish()),
            Arc::new(nunverified.finish()),
            Arc::new(nunchecked.finish()),
            Arc::new(converter.finish()),
        ],
    )
}

/// How many 元 one of a table's units is: 元 1, 千元 1,000, 万元 10,000,
/// 亿元 100,000,000.
pub fn yuan_per_unit(unit: &str) -> Option<i128> {
    match unit {
        "元" => Some(1),
        "千元" => Some(1_000),
        "万元" => Some(10_000),
        "亿元" => Some(100_000_000),
        _ => None,
    }
}

/// A value (mantissa at scale 6) in 元, where the unit is known and the
/// result fits Decimal128(38).
fn in_yuan(value: Option<i128>, per_unit: Option<i128>) -> Option<i128> {
    let v = value?.checked_mul(per_unit?)?;
    (v.abs() < 10_i128.pow(VALUE_PRECISION as u32)).then_some(v)
}

pub fn tables_batch(records: &[&ReportRecord]) -> RecordBatch {
    let mut id = StringBuilder::new();
    let mut path = StringBuilder::new();
    let mut ord = UInt32Builder::new();
    let mut number = StringBuilder::new();
    let mut title = StringBuilder::new();
    let mut unit = StringBuilder::new();
    let mut narrative = BooleanBuilder::new();
    let mut kind = StringBuilder::new();
    let mut columns = ListBuilder::new(StringBuilder::new());
    let mut nrows = UInt32Builder::new();
    let mut ncols = UInt32Builder::new();
    let mut start = UInt32Builder::new();
    let mut end = UInt32Builder::new();
    let mut notes = ListBuilder::new(StringBuilder::new());
    let mut pass = UInt32Builder::new();
    let mut rounding = UInt32Builder::new();
    let mut fail = UInt32Builder::new();
    let mut verified = BooleanBuilder::new();
    let mut warnings = ListBuilder::new(StringBuilder::new());
    for r in records {
        for t in &r.tables {
            let v = t.verification;
            pass.append_value(v.pass);
            rounding.append_value(v.rounding);
            fail.append_value(v.fail);
            verified.append_option(v.verified());
            for w in &t.warnings {
                warnings.values().append_value(w);
            }
            warnings.append(true);
            id.append_value(&r.report_id);
            path.append_value(&r.source_path);
            ord.append_value(t.ordinal);
            number.append_option(t.number.as_deref());
            title.append_value(&t.title);
            unit.append_option(t.unit.as_deref());
            narrative.append_value(t.narrative);
            kind.append_option(t.kind.as_deref());
            for c in &t.columns {
                columns.values().append_value(c);
            }
            columns.append(true);
            nrows.append_value(t.rows.len() as u32);
            ncols.append_value(t.columns.len() as u32);
            start.append_value(t.line_start);
            end.append_value(t.line_end);
            for n in &t.notes {
                notes.values().append_value(n);
            }
            notes.append(true);
        }
    }
    finish(
        tables_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(path.finish()),
            Arc::new(ord.finish()),
            Arc::new(number.finish()),
            Arc::new(title.finish()),
            Arc::new(unit.finish()),
            Arc::new(narrative.finish()),
            Arc::new(kind.finish()),
            Arc::new(columns.finish()),
            Arc::new(nrows.finish()),
            Arc::new(ncols.finish()),
            Arc::new(start.finish()),
            Arc::new(end.finish()),
            Arc::new(notes.finish()),
            Arc::new(pass.finish()),
            Arc::new(rounding.finish()),
            Arc::new(fail.finish()),
            Arc::new(verified.finish()),
            Arc::new(warnings.finish()),
        ],
    )
}

pub fn cells_batch(records: &[&ReportRecord]) -> RecordBatch {
    // Builders sized up front: a batch holds tens of thousands of cells.
    let counts: Vec<usize> = records
        .iter()
        .map(|r| n_cells(&r.tables) as usize)
        .collect();
    let n: usize = counts.iter().sum();
    let path_bytes: usize = records
        .iter()
        .zip(&counts)
        .map(|(r, c)| r.source_path.len() * c)
        .sum();
    let strings = |bytes_each: usize| StringBuilder::with_capacity(n, n * bytes_each);
    let mut id = strings(16);
    let mut path = StringBuilder::with_capacity(n, path_bytes);
    let mut tord = UInt32Builder::with_capacity(n);
    let mut rord = UInt32Builder::with_capacity(n);
    let mut cord = UInt32Builder::with_capacity(n);
    let mut column = strings(24);
    let mut measure = strings(16);
    let mut textb = strings(12);
    let mut value = Decimal128Builder::with_capacity(n);
    let mut unit = strings(2);
    let mut yuan = Decimal128Builder::with_capacity(n);
    let mut code = strings(7);
    let mut label = strings(24);
    let mut verified = BooleanBuilder::with_capacity(n);
    let mut facts = row_facts(&[], &[]);
    for r in records {
        for t in &r.tables {
            let code_col = code_columns(&t.columns);
            let per_unit = t.unit.as_deref().and_then(yuan_per_unit);
            let table_verified = t.verification.verified();
            for (ri, row) in t.rows.iter().enumerate() {
                facts.fill(&row.cells, &code_col);
                for (j, cell) in row.cells.iter().enumerate() {
                    let Some(txt) = cell else { continue };
                    id.append_value(&r.report_id);
                    path.append_value(&r.source_path);
                    tord.append_value(t.ordinal);
                    rord.append_value(ri as u32 + 1);
                    cord.append_value(j as u32 + 1);
                    column.append_value(t.columns.get(j).map(String::as_str).unwrap_or(""));
                    measure.append_option(t.measures.get(j).and_then(|m| m.as_deref()));
                    textb.append_value(txt);
                    value.append_option(facts.values[j]);
                    unit.append_option(t.unit.as_deref());
                    yuan.append_option(in_yuan(facts.values[j], per_unit));
                    code.append_option(facts.codes[j]);
                    label.append_option(facts.labels[j]);
                    verified.append_option(table_verified);
                }
            }
        }
    }
    finish(
        cells_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(path.finish()),
            Arc::new(tord.finish()),
            Arc::new(rord.finish()),
            Arc::new(cord.finish()),
            Arc::new(column.finish()),
            Arc::new(measure.finish()),
            Arc::new(textb.finish()),
            Arc::new(
                value
                    .finish()
                    .with_precision_and_scale(VALUE_PRECISION, VALUE_SCALE)
                    .expect("valid decimal type"),
            ),
            Arc::new(code.finish()),
            Arc::new(label.finish()),
            Arc::new(unit.finish()),
            Arc::new(
                yuan.finish()
                    .with_precision_and_scale(VALUE_PRECISION, VALUE_SCALE)
                    .expect("valid decimal type"),
            ),
            Arc::new(verified.finish()),
        ],
    )
}

pub fn checks_batch(records: &[&ReportRecord]) -> RecordBatch {
    let mut id = StringBuilder::new();
    let mut tord = UInt32Builder::new();
    let mut check = StringBuilder::new();
    let mut target = StringBuilder::new();
    let mut expected = Decimal128Builder::new();
    let mut actual = Decimal128Builder::new();
    let mut diff = Decimal128Builder::new();
    let mut status = StringBuilder::new();
    let mut message = StringBuilder::new();
    for r in records {
        for c in &r.checks {
            let Check {
                table_ordinal,
                check: name,
                target: tg,
                expected: e,
                actual: a,
                diff: d,
                status: s,
                message: m,
            } = c;
            id.append_value(&r.report_id);
            tord.append_value(*table_ordinal);
            check.append_value(name);
            target.append_value(tg);
            expected.append_value(mantissa(*e));
            actual.append_value(mantissa(*a));
            diff.append_value(mantissa(*d));
            status.append_value(s.as_str());
            message.append_value(m);
        }
    }
    let dec = |b: &mut Decimal128Builder| -> ArrayRef {
        Arc::new(
            b.finish()
                .with_precision_and_scale(VALUE_PRECISION, VALUE_SCALE)
                .expect("valid decimal type"),
        )
    };
    finish(
        checks_schema(),
        vec![
            Arc::new(id.finish()),
            Arc::new(tord.finish()),
            Arc::new(check.finish()),
            Arc::new(target.finish()),
            dec(&mut expected),
            dec(&mut actual),
            dec(&mut diff),
            Arc::new(status.finish()),
            Arc::new(message.finish()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::parse_amount;

    #[test]
    fn values_in_yuan() {
        let per = |u| yuan_per_unit(u);
        // 32,365.090089 万元 is 323,650,900.89 元, exactly.
        let v = parse_amount("32,365.090089");
        assert_eq!(in_yuan(v, per("万元")), Some(323_650_900_890_000));
        assert_eq!(
            in_yuan(parse_amount("1.5"), per("亿元")),
            Some(150_000_000_000_000)
        );
        assert_eq!(in_yuan(parse_amount("12.00"), per("元")), Some(12_000_000));
        assert_eq!(
            in_yuan(parse_amount("12.00"), per("千元")),
            Some(12_000_000_000)
        );
        assert_eq!(in_yuan(v, None), None);
        assert_eq!(in_yuan(None, per("元")), None);
        assert_eq!(per("美元"), None);
        // Beyond Decimal128(38): null, never wrapped.
        let huge = Some(10_i128.pow(37));
        assert_eq!(in_yuan(huge, per("亿元")), None);
    }
}
