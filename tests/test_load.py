"""The bounded load test (benchmarks/load.py) at a small size: the real `assistant serve` on a
loopback port, several concurrent clients, zero errors. Its full size (50 x 20) is run by hand;
the figures are in docs/benchmarks.md."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SHIPPED_CORPUS
from .live import live_server

spec = importlib.util.spec_from_file_location("benchmarks_load", ROOT / "benchmarks" / "load.py")
load = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = load  # dataclasses look their module up while the file executes
spec.loader.exec_module(load)


def test_small_load_against_the_real_server_has_no_errors(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code = load.main(["--clients", "6", "--questions", "3", "--index", str(tmp_path / "index"),
                      "--corpus", str(SHIPPED_CORPUS), "--deadline", "180"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert result["ok"] == 18 and result["errors"] == 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    assert result["throughput_rps"] > 0


def test_concurrent_clients_in_process_all_get_answers(shipped) -> None:  # noqa: ANN001
    from assistant.web.api import create_app

    with live_server(create_app(shipped)) as url:
        result = asyncio.run(load.run_load(url, clients=8, per_client=3, pool=load.questions()))
    assert result.errors == [] and len(result.latencies_ms) == 24


def test_the_deadline_stops_the_run_and_counts_what_did_not_finish(shipped) -> None:  # noqa: ANN001
    from assistant.web.api import create_app

    with live_server(create_app(shipped)) as url:
        result = asyncio.run(load.run_load(url, clients=4, per_client=50, pool=load.questions(),
                                           deadline_s=0.5))
    assert result.wall_s < 5
    assert len(result.latencies_ms) + len(result.errors) == 200
    assert any("deadline" in e for e in result.errors)


@pytest.mark.parametrize("url", ["http://10.0.0.5:7860", "http://example.org", "http://192.168.1.2"])
def test_the_load_test_refuses_targets_off_this_machine(url: str) -> None:
    with pytest.raises(ValueError, match="only targets loopback"):
        load.check_loopback(url)


def test_percentiles_are_nearest_rank() -> None:
    result = load.LoadResult(1, 4, latencies_ms=[4.0, 1.0, 3.0, 2.0])
    assert (result.percentile(50), result.percentile(95), result.percentile(99)) == (2.0, 4.0, 4.0)
