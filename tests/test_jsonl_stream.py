"""A news archive exported as one JSONL file of any size streams through the ingest: memory is
bounded by one line, not the file, and the size limit applies to each article (line)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from assistant.ingest.articles import Article, stream_file

WORDS = ("harbour council budget ferry pier storm tide fishing licence tariff mayor vote crane dredging "
         "cargo quay lighthouse salt wind contract tender audit museum festival bridge").split()


def story(n: int, sentences: int = 12) -> str:
    """A text of its own for article ``n`` (the near-duplicate check would merge repeated ones)."""
    return " ".join(f"Item {n}.{i} of the report concerns the {WORDS[(n * 7 + i) % len(WORDS)]} and the "
                    f"{WORDS[(n * 13 + i * 3) % len(WORDS)]} of district {n % 97}." for i in range(sentences))


def write_archive(path: Path, articles: int, sentences: int = 12) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for n in range(articles):
            out.write(json.dumps({"id": n, "title": f"Harbour report {n}", "text": story(n, sentences)}) + "\n")
    return path


def test_a_jsonl_file_over_the_old_whole_file_limit_streams_in_bounded_memory(tmp_path: Path) -> None:
    archive = write_archive(tmp_path / "archive.jsonl", 2_500, sentences=110)  # 2,500 articles of 10 KB
    assert archive.stat().st_size > 20_000_000  # over the default limit, which now caps each line
    tracemalloc.start()
    try:
        count = sum(isinstance(item, Article) for item in stream_file(archive))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 2_500
    assert peak < 1_000_000  # a few lines at a time, not the file


def test_an_archive_larger_than_max_file_bytes_is_ingested_and_an_overlong_line_is_named(make_assistant, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    archive = write_archive(corpus / "archive.jsonl", 6)
    with archive.open("a", encoding="utf-8") as out:  # line 7: one article over the per-line limit
        out.write(json.dumps({"id": "long", "title": "Long", "text": story(100, 40)}) + "\n")
        out.write(json.dumps({"id": "after", "title": "After the long one", "text": story(101)}) + "\n")
    assistant = make_assistant(max_file_bytes=2_000)
    assert archive.stat().st_size > 2_000
    report = assistant.ingest()
    assert sorted(entry.title for entry in report.added) == sorted(
        [f"Harbour report {n}" for n in range(6)] + ["After the long one"])
    assert [entry.reason for entry in report.failed] == [
        f"{archive}:7: line is over the limit of 2000 bytes (max_file_bytes); skipped"]


def test_ingesting_one_large_archive_shows_bytes_rate_and_eta_on_a_terminal(tmp_path: Path) -> None:
    """`assistant ingest` of a single 1.5 MB JSONL file, run under a pseudo-terminal: the bar counts
    the archive's bytes (one file would never move a bar counted in files). Stopped once the bar
    has moved; the ingest is crash-safe."""
    import fcntl
    import os
    import pty
    import re
    import select
    import signal
    import struct
    import subprocess
    import sys
    import termios
    import time

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_archive(corpus / "archive.jsonl", 1_700)
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal's width
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("assistant")), "--index", str(tmp_path / "index"), "--corpus", str(corpus), "ingest"],
        stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True,
    )
    os.close(secondary)
    seen, deadline = "", time.monotonic() + 120
    try:
        while time.monotonic() < deadline and not re.search(r"ingest:\s+\d+%.*[1-9][\d.]*[kM]?/1\.\d+M \[.*B/s\]", seen):
            if select.select([primary], [], [], 1)[0]:
                try:
                    seen += os.read(primary, 4096).decode("utf-8", "replace")
                except OSError:
                    break
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        os.close(primary)
    assert re.search(r"ingest:\s+\d+%.*[1-9][\d.]*[kM]?/1\.\d+M \[.*<.*B/s\]", seen), seen[-2000:]
