"""Bounded load test: N concurrent clients, each asking M questions over HTTP, against a real server.

Each client is a coroutine with its own connection that asks its questions one after another
(``POST /api/ask``); all clients start together. It stops by itself: every request has a timeout
and the whole run a deadline, after which unfinished clients are cancelled and counted as errors.
It only ever targets loopback addresses.

    # start `assistant serve` on a free loopback port over an index (built on first start), then load it
    .venv/bin/python benchmarks/load.py --clients 50 --questions 20 --index /tmp/load/index --corpus corpus
    # or load a server that is already running on this machine
    .venv/bin/python benchmarks/load.py --url http://127.0.0.1:7860 --clients 50 --questions 20

Questions are the SQuAD 2.0 dev questions (tests/data/squad2), answerable and not, cycled.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT / "tests" / "data" / "squad2" / "squad2-dev.json"
FALLBACK = ["when was the dialogue framework set up?", "what will the joint document cover?"]


@dataclass
class LoadResult:
    """Latencies of the successful requests, and what went wrong with the others."""

    clients: int
    per_client: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    first_request_ms: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile. Example: p50 of [1, 2, 3, 4] -> 2."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    def to_dict(self) -> dict:
        done = len(self.latencies_ms)
        return {
            "clients": self.clients, "questions_per_client": self.per_client, "requests": done + len(self.errors),
            "ok": done, "errors": len(self.errors), "first_errors": self.errors[:5],
            "wall_s": round(self.wall_s, 2), "throughput_rps": round(done / self.wall_s, 2) if self.wall_s else 0,
            "p50_ms": round(self.percentile(50), 1), "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if done else None,
            "first_request_ms": round(self.first_request_ms, 1),
        }


def check_loopback(url: str) -> None:
    """Refuse any target that is not this machine: a load test never leaves the loopback range."""
    host = urlparse(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"{url}: the load test only targets loopback addresses (127.0.0.0/8, ::1, localhost)")


def questions(limit: int = 2000) -> list[str]:
    """Real questions: the SQuAD 2.0 dev questions when the shared data set is there."""
    if not SQUAD.exists():
        return FALLBACK
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    found = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    return found[:limit] or FALLBACK


async def run_load(url: str, clients: int, per_client: int, pool: Sequence[str], timeout_s: float = 60.0,
                   deadline_s: float = 900.0, headers: dict[str, str] | None = None) -> LoadResult:
    """Run the load against ``url`` and return what happened; never runs past ``deadline_s``."""
    import httpx

    check_loopback(url)
    result = LoadResult(clients, per_client)
    # One question first, not counted: the server loads its model and lexical index lazily, and
    # that one-off cost (reported as first_request_ms) is not what steady-state readers see.
    async with httpx.AsyncClient(base_url=url, timeout=max(timeout_s, 300), headers=headers) as http:
        started = time.perf_counter()
        await http.post("/api/ask", json={"question": pool[0]})
        result.first_request_ms = (time.perf_counter() - started) * 1000

    async def client(n: int) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=url, timeout=timeout_s, limits=limits, headers=headers) as http:
            for i in range(per_client):
                question = pool[(n * per_client + i) % len(pool)]
                started = time.perf_counter()
                try:
                    response = await http.post("/api/ask", json={"question": question})
                except httpx.HTTPError as exc:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if response.status_code == 200 and "answer" in response.json():
                    result.latencies_ms.append((time.perf_counter() - started) * 1000)
                else:
                    result.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

    started = time.perf_counter()
    tasks = [asyncio.create_task(client(n)) for n in range(clients)]
    _, pending = await asyncio.wait(tasks, timeout=deadline_s)
    for task in pending:
        task.cancel()
    result.wall_s = time.perf_counter() - started
    unfinished = clients * per_client - len(result.latencies_ms) - len(result.errors)
    result.errors += [f"not finished within the {deadline_s:.0f} s deadline"] * unfinished
    return result


@contextmanager
def served(index: Path, corpus: Path, extra_env: dict[str, str] | None = None,
           start_timeout_s: float = 900) -> Iterator[str]:
    """`assistant serve` on a free loopback port in a subprocess; yields its URL, stops it after."""
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ASSISTANT_PROGRESS": "false", **(extra_env or {})}
    cli = Path(sys.executable).with_name("assistant")
    proc = subprocess.Popen([str(cli), "--index", str(index), "--corpus", str(corpus), "serve",
                             "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with code {proc.returncode}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /api/health within {start_timeout_s:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server on this machine; default: start one")
    parser.add_argument("--index", type=Path, default=Path("/tmp/assistant-load/index"))
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per client")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole run")
    args = parser.parse_args(argv)

    def run(url: str) -> LoadResult:
        return asyncio.run(run_load(url, args.clients, args.questions, questions(), args.timeout, args.deadline))

    if args.url:
        result = run(args.url)
    else:
        with served(args.index, args.corpus) as url:
            result = run(url)
    print(json.dumps(result.to_dict(), indent=2))
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
