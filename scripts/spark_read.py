#!/usr/bin/env python3
"""Reads every fiscal-etl dataset with Spark, as a warehouse would, and checks it.

    scripts/spark_read.py OUTPUT_ROOT

Spark in local mode (pyspark; Java from Debian's default-jre-headless) reads
each dataset as a Hive-partitioned table, then asserts:
  * the partition columns come back as city (string), year (int) and
    report_type (string);
  * the types a loader relies on: cells.value and cells.value_yuan
    decimal(38,6), tables.columns and reports.warnings array<string>,
    tables.verified and cells.verified boolean;
  * row counts per dataset equal pyarrow's, and per partition too.
Exits 1 naming the first difference.
"""

import sys
from pathlib import Path

import pyarrow.dataset as ds
from pyspark.sql import SparkSession
from pyspark.sql.types import ArrayType, BooleanType, DecimalType, IntegerType, StringType

DATASETS = ["reports", "tables", "cells", "checks"]
TYPES = {
    "cells": {"value": DecimalType(38, 6), "value_yuan": DecimalType(38, 6), "verified": BooleanType()},
    "tables": {"columns": ArrayType(StringType()), "verified": BooleanType(), "warnings": ArrayType(StringType())},
    "reports": {"warnings": ArrayType(StringType()), "converter": StringType()},
    "checks": {"expected": DecimalType(38, 6)},
}
PARTITIONS = {"city": StringType(), "year": IntegerType(), "report_type": StringType()}


def arrow_counts(root: Path, name: str):
    d = ds.dataset(root / name, format="parquet", partitioning="hive")
    t = d.to_table(columns=["city", "year", "report_type"])
    counts = {}
    for row in t.group_by(["city", "year", "report_type"]).aggregate([([], "count_all")]).to_pylist():
        counts[(row["city"], row["year"], row["report_type"])] = row["count_all"]
    return t.num_rows, counts


def main():
    root = Path(sys.argv[1]).resolve()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("fiscal-etl-read")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    failures = []
    for name in DATASETS:
        df = spark.read.option("basePath", str(root / name)).parquet(str(root / name))
        fields = {f.name: f.dataType for f in df.schema.fields}
        for col, want in {**PARTITIONS, **TYPES[name]}.items():
            if fields.get(col) != want:
                failures.append(f"{name}.{col}: Spark reads {fields.get(col)}, expected {want}")
        total, by_partition = arrow_counts(root, name)
        spark_total = df.count()
        if spark_total != total:
            failures.append(f"{name}: Spark counts {spark_total} rows, pyarrow {total}")
        spark_parts = {
            (r["city"], r["year"], r["report_type"]): r["count"]
            for r in df.groupBy("city", "year", "report_type").count().collect()
        }
        if spark_parts != by_partition:
            failures.append(f"{name}: rows per partition differ between Spark and pyarrow")
        print(f"{name}: {spark_total} rows in {len(spark_parts)} partitions, types as documented")
    spark.stop()
    if failures:
        print("\n".join(failures))
        return 1
    print("spark ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
