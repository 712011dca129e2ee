#!/usr/bin/env python3
"""Runs examples/queries.sql with DuckDB on an output root and checks them.

    scripts/check_queries.py OUTPUT_ROOT

Every named query must run and return rows on the sample corpus, and their
figures must agree with the datasets: verified_share with the reports'
n_tables_* counts, basic_vs_project with the 类 rows' 合计 (basic + project =
total, to the reports' rounding, in every report of spending_by_function_class).
"""

import re
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def queries(sql: str, out: Path):
    sql = sql.replace("data/out/", str(out).rstrip("/") + "/")
    setup, *named = re.split(r"^-- name: ", sql, flags=re.M)
    return setup, {q.split("\n", 1)[0].strip(): q.split("\n", 1)[1] for q in named}


def main():
    out = Path(sys.argv[1])
    setup, named = queries((ROOT / "examples/queries.sql").read_text(encoding="utf-8"), out)
    db = duckdb.connect()
    db.execute(setup)
    results = {}
    for name, q in named.items():
        cur = db.execute(q)
        cols = [d[0] for d in cur.description]
        results[name] = [dict(zip(cols, row)) for row in cur.fetchall()]
        assert results[name], f"{name}: no rows"
        print(f"{name}: {len(results[name])} rows")

    counts = {
        r[0]: r[1:]
        for r in db.execute(
            "SELECT report_id, n_tables_verified, n_tables_unverified, n_tables_unchecked FROM reports"
        ).fetchall()
    }
    for r in results["verified_share"]:
        assert counts[r["report_id"]] == (r["verified"], r["unverified"], r["unchecked"]), r

    totals = {}
    for r in results["spending_by_function_class"]:
        key = (r["city"], r["year"], r["department"])
        totals[key] = totals.get(key, Decimal(0)) + r["yuan"]
    split = {(r["city"], r["year"], r["department"]): r for r in results["basic_vs_project"]}
    for key, total in totals.items():
        r = split[key]
        # Reports round each printed figure: the parts may differ from the
        # total by the rounding of a few rows (checks call it `rounding`).
        diff = abs(r["basic_yuan"] + r["project_yuan"] - total)
        assert diff <= total * Decimal("0.0001"), (key, r, total)
    print(f"queries ok: {len(named)} queries; basic + project = total (to rounding) in {len(totals)} reports")


if __name__ == "__main__":
    main()
