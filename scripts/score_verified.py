#!/usr/bin/env python3
"""How far the `verified` flag can be trusted, per converter style.

    scripts/score_verified.py --bin target/release/fiscal-etl \
        --texts ../shared/real/text --gold ../shared/real/gold [--tools ../shared/tools]

For every style folder under --texts, runs the binary on the reports that
have gold, pairs output and gold tables by title (as score_gold does) and
prints:
  precision   non-empty cells of verified tables, row-aligned to the gold,
              that equal the gold cell (the goal is >= 0.999)
  coverage    gold cells that stand in verified tables (goal >= 0.90)
  wrong       verified tables with any cell that differs from the gold
and the tables counted verified / unverified / unchecked.
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--texts", required=True)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--tools", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "tools"))
    ap.add_argument("--show", action="store_true", help="name the verified tables that differ from the gold")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.tools))
    import pyarrow.dataset as ds  # noqa: E402
    import score_gold  # noqa: E402

    golds = {}
    for name in sorted(os.listdir(a.gold)):
        if name.endswith(".json"):
            g = json.load(open(os.path.join(a.gold, name), encoding="utf-8"))
            golds[re.sub(r"(\.layout)?\.txt$", "", os.path.basename(g["source"]))] = g
    print(f"{'style':10}{'precision':>11}{'coverage':>10}{'wrong':>7}{'verified':>10}{'unverified':>12}{'unchecked':>11}")
    for style in sorted(os.listdir(a.texts)):
        folder = os.path.join(a.texts, style)
        if not os.path.isdir(folder):
            continue
        scratch = tempfile.mkdtemp(prefix="score-verified-")
        try:
            inp, out = os.path.join(scratch, "in"), os.path.join(scratch, "out")
            os.makedirs(inp)
            for stem in golds:
                src = os.path.join(folder, stem + ".txt")
                if os.path.exists(src):
                    shutil.copy(src, inp)
            subprocess.run([a.bin, "run", "--input", inp, "--output", out], capture_output=True)
            if not os.path.isdir(os.path.join(out, "tables")):
                print(f"{style:10}{'-':>11}{'-':>10}")
                continue
            flags = {}
            for t in ds.dataset(os.path.join(out, "tables"), format="parquet", partitioning="hive").to_table().to_pylist():
                flags[(os.path.basename(t["source_path"]), t["table_ordinal"])] = t["verified"]
            outputs = score_gold.load_output(out)
            ok = shown = gold_cells = covered = wrong = 0
            counts = {True: 0, False: 0, None: 0}
            for f in flags.values():
                counts[f] += 1
            for stem, g in golds.items():
                src = stem + ".txt"
                gtables, otables = g["tables"], outputs.get(src, [])
                gold_cells += sum(1 for t in gtables for r in t["rows"] for c in r if score_gold.norm_text(c) is not None)
                for gi, oi in score_gold.match_tables(gtables, otables):
                    gt, ot = gtables[gi], otables[oi]
                    if flags.get((src, ot["ordinal"])) is not True:
                        continue
                    grows = [tuple(score_gold.norm_text(c) for c in r) for r in gt["rows"]]
                    covered += sum(1 for r in grows for c in r if c is not None)
                    orows = ot["grid"]
                    sm = difflib.SequenceMatcher(a=grows, b=orows, autojunk=False)
                    bad = False
                    matched = set()
                    for op, i1, i2, j1, j2 in sm.get_opcodes():
                        if op in ("equal", "replace"):
                            for k in range(min(i2 - i1, j2 - j1)):
                                matched.add(j1 + k)
                                gr, orow = grows[i1 + k], orows[j1 + k]
                                for c, v in enumerate(orow):
                                    if v is None:
                                        continue
                                    shown += 1
                                    if c < len(gr) and gr[c] == v:
                                        ok += 1
                                    else:
                                        bad = True
                    # Output rows with no gold row are wrong cells too.
                    for j, orow in enumerate(orows):
                        if j not in matched:
                            n = sum(1 for v in orow if v is not None)
                            shown += n
                            bad = bad or n > 0
                    if bad:
                        wrong += 1
                        if a.show:
                            print(f"    wrong: {style} {stem} table {ot['ordinal']} {ot['title']}")
            precision = ok / shown if shown else 1.0
            coverage = covered / gold_cells if gold_cells else 0.0
            print(f"{style:10}{precision:11.4f}{coverage:10.4f}{wrong:7d}{counts[True]:10d}{counts[False]:12d}{counts[None]:11d}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
