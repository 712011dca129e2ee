-- fiscal-etl datasets in DuckDB: the queries of examples/analysis.ipynb.
-- Run from the output root (data/out), or set the paths: every dataset is
-- Hive-partitioned by city, year and report_type.
--
--   duckdb -c ".read examples/queries.sql"            (from data/out's parent)
--   python3 scripts/check_queries.py data/out          (what the tests run)
--
-- Each query is preceded by a "-- name:" line. Amounts: value_yuan is the
-- exact amount in 元 (Decimal(38,6)), whatever unit the report printed.
-- Only verified tables (the numbers the tool stands behind) are used.

CREATE OR REPLACE VIEW reports AS
    SELECT * FROM read_parquet('data/out/reports/**/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW tables AS
    SELECT * FROM read_parquet('data/out/tables/**/*.parquet', hive_partitioning = true);
CREATE OR REPLACE VIEW cells AS
    SELECT * FROM read_parquet('data/out/cells/**/*.parquet', hive_partitioning = true);

-- name: spending_by_function_class
-- Spending by function class (类, the 3-digit subject code) per department
-- and year, from each report's first verified table of expenditure by
-- function (支出总表 / 一般公共预算支出表 / 支出决算表) that prints 类 rows.
WITH class_rows AS (
    SELECT c.report_id, c.table_ordinal, c.row_code AS class, c.row_label, c.value_yuan
    FROM cells c JOIN tables t USING (report_id, table_ordinal)
    WHERE t.kind IN ('budget.expenditure_summary', 'budget.general_public_expenditure',
                     'final.expenditure', 'final.general_public_expenditure')
      AND t.verified AND length(c.row_code) = 3 AND c.measure = 'total'
),
first_table AS (
    SELECT report_id, min(table_ordinal) AS table_ordinal FROM class_rows GROUP BY report_id
)
SELECT r.city, r.year, r.report_type, r.department, k.class, any_value(k.row_label) AS class_name,
       sum(k.value_yuan) AS yuan
FROM class_rows k JOIN first_table USING (report_id, table_ordinal) JOIN reports r USING (report_id)
GROUP BY ALL
ORDER BY r.city, r.year, r.department, k.class;

-- name: basic_vs_project
-- Basic (基本支出) against project (项目支出) expenditure per report: the
-- 类 rows of the same tables, summed per measure.
WITH class_rows AS (
    SELECT c.report_id, c.table_ordinal, c.measure, c.value_yuan
    FROM cells c JOIN tables t USING (report_id, table_ordinal)
    WHERE t.kind IN ('budget.expenditure_summary', 'budget.general_public_expenditure',
                     'final.expenditure', 'final.general_public_expenditure')
      AND t.verified AND length(c.row_code) = 3
      AND c.measure IN ('basic_expenditure', 'project_expenditure')
),
first_table AS (
    SELECT report_id, min(table_ordinal) AS table_ordinal FROM class_rows GROUP BY report_id
)
SELECT r.city, r.year, r.report_type, r.department,
       sum(value_yuan) FILTER (WHERE measure = 'basic_expenditure') AS basic_yuan,
       sum(value_yuan) FILTER (WHERE measure = 'project_expenditure') AS project_yuan
FROM class_rows JOIN first_table USING (report_id, table_ordinal) JOIN reports r USING (report_id)
GROUP BY ALL
ORDER BY r.city, r.year, r.department;

-- name: three_public_expenses
-- "三公" spending (travel abroad, official cars, official reception) per
-- report, from verified 三公 tables, in either printed shape: a row
-- "“三公”经费" under a 合计 column, or a 合计 column under a 三公 heading
-- (决算: the final figure).
SELECT r.city, r.year, r.report_type, r.department, max(c.value_yuan) AS yuan
FROM cells c JOIN tables t USING (report_id, table_ordinal) JOIN reports r USING (report_id)
WHERE t.kind IN ('budget.admin_and_three_public_expenses', 'final.three_public_expenses')
  AND t.verified
  AND ((c.measure = 'total' AND c.row_label LIKE '%三公%')
       OR c.measure IN ('three_public_expenses_budget.total', 'final.total'))
GROUP BY ALL
ORDER BY r.city, r.year, r.department;

-- name: verified_share
-- The share of each report's tables the tool stands behind.
SELECT r.city, r.year, r.report_type, r.department, r.report_id,
       count(*) AS tables,
       count(*) FILTER (WHERE t.verified) AS verified,
       count(*) FILTER (WHERE NOT t.verified) AS unverified,
       count(*) FILTER (WHERE t.verified IS NULL) AS unchecked,
       round(count(*) FILTER (WHERE t.verified) / count(*), 3) AS verified_share
FROM tables t JOIN reports r USING (report_id)
GROUP BY ALL
ORDER BY r.city, r.year, r.department;
