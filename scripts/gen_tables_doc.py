#!/usr/bin/env python3
"""Writes docs/tables.md from config/tables.toml (the catalog is the source;
run this after editing it): `python3 scripts/gen_tables_doc.py`."""
import os
import tomllib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(root, "config", "tables.toml"), "rb") as f:
    cat = tomllib.load(f)

out = ["# Table catalog", "",
       "Generated from `config/tables.toml` by `scripts/gen_tables_doc.py`; edit the TOML, not this file.", "",
       "A table's `kind` (datasets `tables.kind`) is the catalog entry whose title or alias equals the printed",
       "title (punctuation, quotes, brackets, whitespace and a leading table number ignored), else the longest",
       "title or alias the printed title contains. Kinds with a report type only match reports of that type.",
       "A table that matches no kind keeps `kind` null and is still written whole.", "",
       "| id | report type | title | aliases | English name |", "|---|---|---|---|---|"]
for k in cat["kind"]:
    out.append("| `{}` | {} | {} | {} | {} |".format(
        k["id"], k.get("report_type", "any"), k["title"], "、".join(k.get("aliases", [])) or "—", k["name_en"]))
out += ["", "## Measures", "",
        "`cells.measure` names a column canonically: each level of its header path is looked up below",
        "(whitespace and punctuation ignored, a leading year such as 2021年 dropped) and the names are joined",
        "with `.`, e.g. `财政拨款收入/一般公共预算` → `fiscal_appropriation_revenue.general_public_budget`.",
        "A column with a level not listed has a null measure.", "",
        "| header word | measure |", "|---|---|"]
for word, name in cat["measures"].items():
    out.append(f"| {word} | `{name}` |")
with open(os.path.join(root, "docs", "tables.md"), "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
print(f"docs/tables.md: {len(cat['kind'])} kinds, {len(cat['measures'])} measures")
