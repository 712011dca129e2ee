#!/usr/bin/env python3
"""Soak test: nights that go wrong, in a loop, for a bounded time.

    scripts/soak.py --bin target/release/fiscal-etl [--seconds 60] [--seed S]

Each round changes the input (adds, modifies and deletes reports, bad ones
included: binary junk, empty files, GB18030 text, a text without metadata),
starts a run (full or --incremental) on the one output and, at a random
moment, either lets it finish or SIGKILLs it. Then:

  * a finished run's output must equal a full fresh run of the same input
    (every Parquet file byte for byte, and the manifest's report entries);
  * after a kill, every file of the output must load completely (pyarrow)
    and the output must be what it was before the run, or (killed after it
    published) what the finished run would have written. A kill inside the
    commit leaves a commit plan that the next run finishes; the next round
    checks that.

Prints one line per round and a summary; exits 1 at the first violation,
saying which round, what was done and what differs.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "data" / "raw").glob("*.txt"))


def published(out: Path) -> dict:
    """Relative path -> SHA-256 of every Parquet file readers see, each read
    completely by pyarrow (hidden directories are a run's own)."""
    files = {}
    for p in sorted(out.rglob("*.parquet")):
        rel = p.relative_to(out)
        if any(part.startswith(".") for part in rel.parts):
            continue
        pq.read_table(p)  # raises if the file is incomplete
        files[str(rel)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return files


def manifest_reports(out: Path):
    m = out / "_manifest.json"
    if not m.exists():
        return None
    return json.loads(m.read_text(encoding="utf-8"))["reports"]


def state(out: Path):
    return published(out), manifest_reports(out)


def interrupted_commit(out: Path) -> bool:
    return any((d / "_commit.json").exists() for d in out.glob(".staging-*"))


class Corpus:
    """The input directory and what is done to it."""

    def __init__(self, root: Path, rng: random.Random):
        self.root, self.rng, self.n = root, rng, 0
        for s in SAMPLES:
            self.add_copy(s)

    def name(self, ext="txt"):
        self.n += 1
        folder = self.root / self.rng.choice(["", "广东省", "广东省/清远市/2025"])
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"r{self.n:04d}.{ext}"

    def reports(self):
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def add_copy(self, sample=None):
        sample = sample or self.rng.choice(SAMPLES)
        path = self.name()
        # Unique bytes (a report is its bytes): as many trailing spaces as
        # its number.
        path.write_bytes(sample.read_bytes() + b"\n" + b" " * self.n + b"\n")

    def add_gb18030(self):
        text = self.rng.choice(SAMPLES).read_text(encoding="utf-8")
        self.name().write_bytes((text + "\n" + "　" * self.n).encode("gb18030"))

    def add_bad(self):
        kind = self.rng.choice(["junk", "empty", "no-metadata", "cut"])
        path = self.name()
        if kind == "junk":
            path.write_bytes(bytes(self.rng.randrange(256) for _ in range(4096)))
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "no-metadata":
            path.write_text("表1\n项目\t金额\n合计\t1.00\n", encoding="utf-8")
        else:
            b = self.rng.choice(SAMPLES).read_bytes()
            path.write_bytes(b[: self.rng.randrange(len(b) // 3, len(b))])
        return kind

    def modify(self):
        files = self.reports()
        if files:
            p = self.rng.choice(files)
            with open(p, "ab") as f:
                f.write(b"\n" + b" " * self.rng.randint(1, 50) + b"\n")

    def delete(self):
        files = self.reports()
        if len(files) > 2:
            self.rng.choice(files).unlink()

    def change(self):
        done = []
        for _ in range(self.rng.randint(1, 4)):
            what = self.rng.choice(["add", "add", "gb18030", "bad", "modify", "delete"])
            if what == "add":
                self.add_copy()
            elif what == "gb18030":
                self.add_gb18030()
            elif what == "bad":
                what = "bad:" + self.add_bad()
            elif what == "modify":
                self.modify()
            else:
                self.delete()
            done.append(what)
        return done


def run(binary, inp, out, extra=(), kill_after=None):
    """Runs fiscal-etl; returns (exit code or None if killed, stderr)."""
    cmd = [binary, "run", "--input", str(inp), "--output", str(out), *extra]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if kill_after is not None:
        try:
            p.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return None, p.stderr.read().decode("utf-8", "replace")
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait()
    return p.returncode, err


def fresh_state(binary, inp):
    with tempfile.TemporaryDirectory() as d:
        code, err = run(binary, inp, Path(d))
        if code not in (0, 1):
            raise SystemExit(f"fresh run exited {code}: {err}")
        return state(Path(d))


def diff(a, b) -> str:
    fa, ma = a
    fb, mb = b
    lines = [f"  only before/expected: {k}" for k in sorted(set(fa) - set(fb))][:5]
    lines += [f"  only after/got: {k}" for k in sorted(set(fb) - set(fa))][:5]
    lines += [f"  differs: {k}" for k in sorted(set(fa) & set(fb)) if fa[k] != fb[k]][:5]
    if ma != mb:
        lines.append("  manifest report entries differ")
    return "\n".join(lines) or "  (no difference)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/fiscal-etl"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    print(f"soak: seed {seed}, {a.seconds:.0f} s")
    work = Path(tempfile.mkdtemp(prefix="fiscal-soak-"))
    try:
        corpus = Corpus(work / "input", rng)
        out = work / "output"
        code, err = run(a.bin, corpus.root, out)
        assert code in (0, 1), err
        before = state(out)
        # How long a whole run takes: kills fall anywhere inside it.
        t0 = time.monotonic()
        run(a.bin, corpus.root, work / "timing")
        span = max(time.monotonic() - t0, 0.05)
        deadline = time.monotonic() + a.seconds
        rounds = kills = finished = mid_commit = 0
        while time.monotonic() < deadline:
            rounds += 1
            done = corpus.change()
            expected = fresh_state(a.bin, corpus.root)
            extra = ["--incremental"] if rng.random() < 0.5 else []
            kill_after = rng.uniform(0, 1.2 * span) if rng.random() < 0.5 else None
            code, err = run(a.bin, corpus.root, out, extra, kill_after)
            what = f"round {rounds}: {', '.join(done)}; run {' '.join(extra) or 'full'}"
            if code is None:
                kills += 1
                if interrupted_commit(out):
                    # Killed inside the commit: every visible file must still
                    # load; the next run finishes the commit.
                    mid_commit += 1
                    published(out)
                    print(f"{what}; killed at {kill_after:.3f} s inside the commit")
                    before = expected  # what finishing the commit publishes
                    continue
                now = state(out)
                if now != before and now != expected:
                    print(f"FAIL {what}; killed at {kill_after:.3f} s: the output is "
                          f"neither the previous one nor the new one\n{diff(before, now)}")
                    return 1
                print(f"{what}; killed at {kill_after:.3f} s: "
                      f"{'previous output intact' if now == before else 'already published'}")
                before = now
                continue
            finished += 1
            if code not in (0, 1):
                print(f"FAIL {what}: exit {code}\n{err}")
                return 1
            now = state(out)
            if now != expected:
                print(f"FAIL {what}: the output differs from a fresh run\n{diff(expected, now)}")
                return 1
            print(f"{what}: finished (exit {code}), equals a fresh run")
            before = now
        print(f"soak ok: {rounds} rounds, {finished} finished, {kills} killed "
              f"({mid_commit} inside the commit), seed {seed}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
