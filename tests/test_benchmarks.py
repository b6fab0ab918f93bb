"""The speed benchmark runs end to end and writes its report and plots.

It is not a timed test: the figures depend on the machine. The default run proves the benchmark
works at 200 chunks (both pipelines embed every chunk; about 30 s here); the 1k-chunk run is
marked slow: ``.venv/bin/python -m pytest -m slow tests/test_benchmarks.py``. The full sizes run
by hand: ``.venv/bin/python benchmarks/speed.py --sizes 1000,10000`` (see docs/benchmarks.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.parametrize("size", [200, pytest.param(1000, marks=pytest.mark.slow)])
def test_speed_benchmark_reports_both_pipelines(tmp_path, size: int) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "speed.py"), "--sizes", str(size), "--queries", "5",
         "--out", str(tmp_path), "--keep", str(tmp_path / "keep")],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["pipeline"]: r for r in json.loads((tmp_path / "results.json").read_text())}
    ours, theirs = rows["assistant"], rows["tutorial"]
    assert size <= ours["chunks"] < size * 1.2 and theirs["chunks"] > 0
    # the same real-text corpus of several articles (the project skips near-duplicate ones)
    assert 2 < ours["articles"] <= theirs["articles"]
    for row in (ours, theirs):
        assert row["chunks_per_s"] > 0 and row["peak_mb"] > row["model_mb"] / 2 and row["bytes_per_chunk"] > 0
        assert 0 < row["retrieve_p50_ms"] <= row["retrieve_p95_ms"]
    assert 0 < ours["ask_p50_ms"] and theirs["ask_p50_ms"] is None
    table = (tmp_path / "results.md").read_text()
    assert f"| {size} | ratio |" in table and "chunks/s" in table
    assert (tmp_path / "latency.png").stat().st_size > 1000 and (tmp_path / "throughput.png").stat().st_size > 1000

    # --measure: the query figures of the index that run kept, without ingesting it again
    index = tmp_path / "keep" / str(size) / "assistant" / "index"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "speed.py"), "--measure", str(index),
                           "--queries", "5"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert (measured["chunks"], measured["articles"]) == (ours["chunks"], ours["articles"])
    assert 0 < measured["ask_p50_ms"] <= measured["ask_p95_ms"] and measured["first_answer_s"] > 0
