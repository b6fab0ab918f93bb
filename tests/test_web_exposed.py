"""Safe when exposed: bound to an address other than loopback without an API key, the server
answers questions but refuses every write (API and chat UI) with a 403 that says what to set,
and ``assistant serve`` says so when it starts. The app is told its bind address by the factory
(``settings.host``), never by the client's address."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import Assistant
from assistant.web.api import create_app
from assistant.web.security import is_loopback, startup_line
from assistant.web.server import web_app

from .conftest import FOUNDING_QUESTION, SHIPPED_CORPUS

KEY = "exposed-key-456"
MOON = (b"Space agency roundup\n\nThe lunar research base at Shackleton crater opened in 2031 after a decade "
        b"of work. Twelve engineers will live there in shifts of six months.\n")
UPLOAD = [("files", ("moon.txt", MOON, "text/plain"))]


def upload_and_delete(client: TestClient, **headers: str) -> tuple[httpx.Response, httpx.Response]:
    uploaded = client.post("/api/articles", files=UPLOAD, headers=headers)
    article_id = uploaded.json()["added"][0]["id"] if uploaded.status_code == 201 else "nothing-here"
    return uploaded, client.delete(f"/api/articles/{article_id}", headers=headers)


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("news.example.org", False),
])
def test_loopback_is_the_bind_address_not_a_name(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_exposed_without_a_key_answers_but_refuses_writes(shipped: Assistant, make_assistant) -> None:  # noqa: ANN001
    asking = TestClient(create_app(shipped, shipped.settings.replace(host="0.0.0.0")))
    answer = asking.post("/api/ask", json={"question": FOUNDING_QUESTION})
    assert answer.status_code == 200 and "2010" in answer.json()["answer"]
    assert asking.get("/api/articles").status_code == 200

    library = make_assistant()
    client = TestClient(create_app(library, library.settings.replace(host="0.0.0.0")))
    refused = [*upload_and_delete(client), client.post("/api/embed-token", json={"origin": "http://wiki.test"})]
    for response in refused:
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["type"] == "Forbidden" and "ASSISTANT_API_KEY" in error["message"]
        assert "0.0.0.0" in error["message"] and "only answers questions" in error["message"]
    assert not (library.settings.corpus_dir / "uploads").exists() and library.articles() == []


def test_exposed_with_a_key_writes_with_the_key(make_assistant) -> None:  # noqa: ANN001
    library = make_assistant()
    client = TestClient(create_app(library, library.settings.replace(host="0.0.0.0", api_key=KEY)))
    assert client.post("/api/articles", files=UPLOAD).status_code == 401
    uploaded, deleted = upload_and_delete(client, authorization=f"Bearer {KEY}")
    assert uploaded.status_code == 201 and deleted.status_code == 200
    assert deleted.json()["deleted"]["title"] == "Space agency roundup"


def test_loopback_without_a_key_writes_as_before(make_assistant) -> None:  # noqa: ANN001
    library = make_assistant()
    assert library.settings.host == "127.0.0.1"  # the default
    uploaded, deleted = upload_and_delete(TestClient(create_app(library)))
    assert uploaded.status_code == 201 and deleted.status_code == 200


def test_chat_ui_library_is_read_only_when_exposed(shipped: Assistant) -> None:
    exposed = TestClient(web_app(shipped, shipped.settings.replace(host="0.0.0.0", api_key=KEY)))
    config = exposed.get("/ui/config").text
    assert '"read-only"' in config and '"ingest"' not in config and '"delete"' not in config
    assert "ASSISTANT_UI_USER" in config  # the notice says how to open it
    refused = exposed.post("/ui/gradio_api/upload", files=[("files", ("moon.txt", MOON, "text/plain"))])
    assert refused.status_code == 403 and "ASSISTANT_UI_USER" in refused.json()["error"]["message"]
    assert exposed.post("/api/ask", json={"question": FOUNDING_QUESTION},
                        headers={"x-api-key": KEY}).status_code == 200

    local = TestClient(web_app(shipped, shipped.settings))
    config = local.get("/ui/config").text
    assert '"ingest"' in config and '"read-only"' not in config
    assert local.post("/ui/gradio_api/upload", files=[("files", ("moon.txt", MOON, "text/plain"))]).status_code == 200


def test_startup_line_says_who_may_write() -> None:
    from assistant import Settings

    assert startup_line(Settings()) == "Serving on http://127.0.0.1:7860 (this machine only)"
    keyed = startup_line(Settings(host="0.0.0.0", port=8000, api_key=KEY))
    assert keyed.startswith("Serving on http://0.0.0.0:8000 — API key required") and "ASSISTANT_UI_USER" in keyed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("", 0))
        return sock.getsockname()[1]


def test_serve_on_all_addresses_says_questions_only(tmp_path: Path) -> None:
    """The real command on a free port: its first lines, then a refused upload over the socket."""
    (tmp_path / "corpus").mkdir()
    shutil.copy(SHIPPED_CORPUS / "japan-us-extended-deterrence.md", tmp_path / "corpus")
    port = free_port()
    script = Path(sys.executable).with_name("assistant")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    with (tmp_path / "stderr.txt").open("w") as stderr:
        process = subprocess.Popen(
            [*command, "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "corpus"),
             "serve", "--host", "0.0.0.0", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
        )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        first = [lines.get(timeout=180) for _ in range(2)]  # "index built ...", then the start-up line
        assert first[1].rstrip("\n") == (f"Serving on http://0.0.0.0:{port} — no API key: questions only; "
                                         "set ASSISTANT_API_KEY to allow uploads and deletes")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, (tmp_path / "stderr.txt").read_text()
                time.sleep(0.2)
        refused = httpx.post(f"{base}/api/articles", files=UPLOAD, timeout=10)
        assert refused.status_code == 403 and "ASSISTANT_API_KEY" in refused.json()["error"]["message"]
        asked = httpx.post(f"{base}/api/ask", json={"question": FOUNDING_QUESTION}, timeout=60)
        assert asked.status_code == 200 and "2010" in asked.json()["answer"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
