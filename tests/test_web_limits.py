"""What one client can make the server do: rate limits on /api and /v1, upload count, size and
type, and a body cap that holds without a Content-Length header (a real socket, chunked)."""

from __future__ import annotations

import http.client
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from assistant import Assistant, Settings
from assistant.web.api import create_app
from assistant.errors import ConfigError
from assistant.web.throttle import parse_rate

from .conftest import FOUNDING_QUESTION, build_assistant
from .live import live_server

ASK = {"question": FOUNDING_QUESTION}


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(shipped: Assistant) -> None:
    app = create_app(shipped, shipped.settings.replace(rate_limit="3/minute"))
    alice, bob = TestClient(app, client=("10.0.0.1", 5000)), TestClient(app, client=("10.0.0.2", 5000))
    assert [alice.post("/api/ask", json=ASK).status_code for _ in range(2)] == [200, 200]
    assert alice.get("/v1/models").status_code == 200  # /v1 counts against the same budget
    refused = alice.post("/api/ask", json=ASK)
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "RateLimited"
    assert "3 per 1 minute" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert alice.get("/v1/models").status_code == 429
    assert alice.get("/api/health").status_code == 200  # load balancers keep polling
    assert bob.post("/api/ask", json=ASK).status_code == 200  # per client, not global


def test_no_rate_limit_by_default(shipped: Assistant) -> None:
    client = TestClient(create_app(shipped))
    assert {client.get("/api/articles").status_code for _ in range(30)} == {200}


@pytest.mark.parametrize("spec", ["lots", "5 per fortnight", "0/minute"])
def test_a_malformed_rate_limit_is_a_config_error(shipped: Assistant, spec: str) -> None:
    with pytest.raises(ConfigError, match="rate_limit="):
        parse_rate(spec)
        create_app(shipped, shipped.settings.replace(rate_limit=spec))


@pytest.fixture
def uploads(tmp_path, embedder) -> Assistant:  # noqa: ANN001
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus", progress=False,
                        max_upload_files=3, max_file_bytes=5_000, max_upload_bytes=20_000)
    return build_assistant(settings, embedder)


def test_too_many_files_in_one_upload_is_413_and_nothing_is_saved(uploads: Assistant) -> None:
    client = TestClient(create_app(uploads))
    files = [("files", (f"a{n}.txt", f"Article {n} says the bridge reopened.".encode(), "text/plain"))
             for n in range(4)]
    response = client.post("/api/articles", files=files)
    assert response.status_code == 413
    assert "4 files in one upload; the limit is 3 (max_upload_files)" in response.json()["error"]["message"]
    assert not (uploads.settings.corpus_dir / "uploads").exists()
    assert client.post("/api/articles", files=files[:3]).status_code == 201


@pytest.mark.parametrize("name", ["run.exe", "page.php", "archive.tar.gz", "noext", ".htaccess"])
def test_uploads_of_other_types_are_refused(uploads: Assistant, name: str) -> None:
    client = TestClient(create_app(uploads))
    response = client.post("/api/articles", files=[("files", (name, b"Some words here.", "text/plain"))])
    assert response.status_code == 400 and "unsupported file type" in response.json()["error"]["message"]
    saved = uploads.settings.corpus_dir / "uploads"
    assert not saved.exists() or not any(p.suffix not in (".txt",) for p in saved.iterdir())


def post_chunked(url: str, path: str, chunks: int, chunk: bytes) -> tuple[int, bytes]:
    """POST a multipart body with chunked transfer encoding: no Content-Length header at all."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    head = (b"--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\n")

    def body():  # noqa: ANN202
        yield head
        for _ in range(chunks):
            yield chunk
        yield b"\r\n--xyz--\r\n"

    try:
        conn.request("POST", path, body=body(), headers={"Content-Type": "multipart/form-data; boundary=xyz"},
                     encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.read()
    except (BrokenPipeError, ConnectionResetError):
        return 413, b"connection closed by the server while sending"  # refused mid-upload
    finally:
        conn.close()


def test_a_chunked_upload_without_content_length_is_cut_off_at_the_cap(uploads: Assistant) -> None:
    with live_server(create_app(uploads)) as url:
        status, body = post_chunked(url, "/api/articles", chunks=100, chunk=b"word " * 1000)  # 500 kB
        assert status == 413, body
        status, _ = post_chunked(url, "/api/articles", chunks=1, chunk=b"The ferry sails again. " * 10)
        assert status == 201
    assert [p.name for p in (uploads.settings.corpus_dir / "uploads").iterdir()] == ["big.txt"]


@pytest.mark.parametrize(("threads", "at_once"), [(2, 2), (0, 6)])
def test_server_threads_bounds_how_many_questions_are_worked_on_at_once(
    shipped: Assistant, monkeypatch: pytest.MonkeyPatch, threads: int, at_once: int
) -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    busy, peak, lock = [0], [0], threading.Lock()
    real_stream = shipped.stream

    def slow_stream(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - forced: a question that takes 0.4 s
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        time.sleep(0.4)
        with lock:
            busy[0] -= 1
        return real_stream(*args, **kwargs)

    monkeypatch.setattr(shipped, "stream", slow_stream)
    app = create_app(shipped, shipped.settings.replace(server_threads=threads))
    with live_server(app) as url, ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: httpx.post(f"{url}/api/ask", json=ASK, timeout=30), range(6)))
    assert [r.status_code for r in replies] == [200] * 6
    assert all("2010" in r.json()["answer"] for r in replies)
    assert peak[0] == at_once


def test_a_negative_server_threads_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="server_threads=-1"):
        Settings(server_threads=-1)
