"""Scale-out: the assistant on a real Chroma server (``chroma run``, shipped with chromadb).

Covers ingest and ask through ``chroma_url`` / ``--chroma-url``, and two app processes sharing
one server: one ingests (or deletes) an article, the other answers about it after at most
``check_every_s`` seconds, because its lexical index is rebuilt from Chroma when the store's
stamp changes.
"""

from __future__ import annotations

import io
import json
import os
import select
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.cli import main

from .conftest import FOUNDING_QUESTION, SHIPPED_ARTICLES, SHIPPED_CORPUS, build_assistant
from .realtext import write_corpus

BIN = Path(sys.executable).parent
NORMANDY = "In what country is Normandy located?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server on a loopback port, with its data under a temporary directory."""
    port, data = free_port(), tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (data / "server.log").read_text()
            assert time.monotonic() < deadline, "chroma server did not answer its heartbeat in 60 s"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def server_settings(tmp_path: Path, url: str, collection: str, **more: object) -> Settings:
    return Settings(index_dir=tmp_path / f"local-{collection}", corpus_dir=tmp_path / "corpus",
                    chroma_url=url, collection=collection, progress=False, **more)


def test_ingest_and_ask_through_the_server(tmp_path, chroma_url, embedder):
    write_corpus(tmp_path / "corpus", 20)
    assistant = build_assistant(server_settings(tmp_path, chroma_url, "ingest_ask"), embedder)
    assert type(assistant.store.client).__name__ != "PersistentClient"
    report = assistant.ingest()
    assert len(report.added) == 20 and report.failed == []
    assert not (tmp_path / "local-ingest_ask" / "chroma.sqlite3").exists()  # nothing stored locally
    # What the server-held index can cite, with the reader off: its judgement is not the subject here.
    quoting = Assistant(assistant.settings.replace(reader="off"), assistant.store, assistant.embedder, assistant.lexical)
    answer = quoting.ask(NORMANDY)
    assert "France" in " ".join(c.passage for c in answer.citations)
    again = build_assistant(server_settings(tmp_path, chroma_url, "ingest_ask"), embedder).ingest()
    assert len(again.unchanged) == 20 and again.added == []


def test_the_cli_takes_chroma_url(tmp_path, chroma_url, embedder, monkeypatch):
    monkeypatch.setattr(Assistant, "from_settings", classmethod(lambda cls, s: build_assistant(s, embedder)))
    monkeypatch.setenv("ASSISTANT_COLLECTION", "cli")
    base = ["--chroma-url", chroma_url, "--index", str(tmp_path / "local"), "--corpus", str(SHIPPED_CORPUS)]
    out = io.StringIO()
    assert main([*base, "ingest", "--json"], stdout=out) == 0
    assert len(json.loads(out.getvalue())["added"]) == SHIPPED_ARTICLES
    out = io.StringIO()
    assert main([*base, "ask", "--json", FOUNDING_QUESTION], stdout=out) == 0
    assert "2010" in json.loads(out.getvalue())["answer"]


def test_an_unreachable_server_is_a_clear_error(tmp_path, capsys):
    code = main(["--chroma-url", f"http://127.0.0.1:{free_port()}", "--index", str(tmp_path), "articles"])
    assert code == 1
    assert "cannot reach the Chroma server at http://127.0.0.1:" in capsys.readouterr().err


class Asker:
    """A second app process: `assistant ask --json` in batch mode, one question per line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([str(BIN / "assistant"), *args, "ask", "--json"], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def ask(self, question: str, timeout_s: float = 120) -> dict:
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        assert ready, f"no answer within {timeout_s} s"
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def test_two_processes_share_one_server(tmp_path, chroma_url, embedder):
    """Process A (this one) writes; process B (a CLI) answers from what A wrote."""
    write_corpus(tmp_path / "corpus", 15)
    writer = build_assistant(server_settings(tmp_path, chroma_url, "shared"), embedder)
    writer.ingest()
    env = {**os.environ, "ASSISTANT_COLLECTION": "shared", "ASSISTANT_PROGRESS": "false"}
    local_b = tmp_path / "reader-index"
    reader = Asker(["--chroma-url", chroma_url, "--index", str(local_b)], env)
    try:
        before = reader.ask(FOUNDING_QUESTION)
        assert "2010" not in before["answer"]  # B has not seen the article yet

        report = writer.ingest([SHIPPED_CORPUS / "japan-us-extended-deterrence.md"])
        (article,) = [e for e in report.added]
        time.sleep(2.5)  # B checks the store's stamp at most every check_every_s (2 s by default)
        after = reader.ask(FOUNDING_QUESTION)
        assert "2010" in after["answer"]
        assert article.id in {c["article_id"] for c in after["citations"]}
        # B's lexical index was rebuilt for the store's new content: its directory bears the stamp.
        assert writer.store.stamp() in {p.name for p in (local_b / "lexical").iterdir()}

        writer.delete(article.id)
        time.sleep(2.5)
        gone = reader.ask(FOUNDING_QUESTION)
        assert article.id not in {c["article_id"] for c in gone["citations"]}
        assert writer.store.stamp() in {p.name for p in (local_b / "lexical").iterdir()}
    finally:
        reader.close()
