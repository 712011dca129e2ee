#!/usr/bin/env python3
"""Load the datasets a run wrote, as analysts and the warehouse will.

Usage: check_datasets.py OUTPUT_DIR

Reads `reports`, `tables`, `cells` and `checks` with polars, pyarrow and DuckDB using
Hive partitioning, checks that city, year and report_type come back as
columns, that the three readers agree on row counts and amount totals, and
prints what each sees. Exits non-zero on any disagreement.
"""
import sys
from decimal import Decimal

import duckdb
import polars as pl
import pyarrow.dataset as ds

PARTITION_KEYS = {"city", "year", "report_type"}


def check(out):
    failures = []
    for name in ("reports", "tables", "cells", "checks"):
        glob = f"{out}/{name}/**/*.parquet"
        # polars
        lf = pl.scan_parquet(glob, hive_partitioning=True)
        pdf = lf.collect()
        # pyarrow
        table = ds.dataset(f"{out}/{name}", format="parquet", partitioning="hive").to_table()
        # DuckDB
        con = duckdb.connect()
        drows = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)").fetchone()[0]
        dcols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()]

        counts = {"polars": pdf.height, "pyarrow": table.num_rows, "duckdb": drows}
        print(f"{name}: rows {counts}")
        if len(set(counts.values())) != 1 or pdf.height == 0:
            failures.append(f"{name}: row counts differ or empty: {counts}")
        for reader, cols in (("polars", pdf.columns), ("pyarrow", table.column_names), ("duckdb", dcols)):
            missing = PARTITION_KEYS - set(cols)
            if missing:
                failures.append(f"{name}: {reader} lacks partition columns {sorted(missing)}")

        if name == "cells":
            ptotal = pdf["value"].drop_nulls().sum()
            atotal = sum((v for v in table.column("value").to_pylist() if v is not None), Decimal(0))
            dtotal = con.execute(f"SELECT sum(value) FROM read_parquet('{glob}', hive_partitioning=true)").fetchone()[0]
            print(f"cells: sum(value) polars={ptotal} pyarrow={atotal} duckdb={dtotal}")
            if not (Decimal(str(ptotal)) == atotal == Decimal(str(dtotal))):
                failures.append(f"cells: amount totals differ: {ptotal} {atotal} {dtotal}")
            # value_yuan is value in 元: ×10,000 for 万元, ×1 for 元.
            bad = con.execute(
                f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true) WHERE value IS NOT NULL AND "
                "value_yuan IS DISTINCT FROM (CASE unit WHEN '元' THEN value WHEN '千元' THEN value * 1000 "
                "WHEN '万元' THEN value * 10000 WHEN '亿元' THEN value * 100000000 END)"
            ).fetchone()[0]
            if bad:
                failures.append(f"cells: {bad} value_yuan differ from value × unit")
            by_city = (
                pdf.group_by(["city", "year", "report_type"]).agg(pl.len().alias("cells")).sort(["city", "year"])
            )
            print(by_city)
    import json
    import pyarrow.parquet as pq

    version = json.load(open(f"{out}/_manifest.json", encoding="utf-8")).get("schema_version")
    for f in ds.dataset(f"{out}/cells", format="parquet", partitioning="hive").files[:3]:
        kv = pq.read_metadata(f).metadata or {}
        if kv.get(b"fiscal_etl.schema_version") != str(version).encode():
            failures.append(f"{f}: schema_version {kv.get(b'fiscal_etl.schema_version')} vs manifest {version}")
    print(f"schema_version {version}")
    return failures


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    failures = check(sys.argv[1])
    for f in failures:
        print("FAIL:", f)
    failed = {f.split(":")[0] for f in failures}
    print(f"datasets: {4 - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
