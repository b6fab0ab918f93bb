"""The HTTP API through FastAPI's test client and through a real uvicorn on a loopback port.

Reads go to the session's ``shipped`` assistant; uploads and deletes to this module's own index,
which starts empty (to see the 503). The OpenAI-compatible routes are driven by the official
``openai`` client against the real server, with the API key switched on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant import Assistant, Settings
from assistant.web.api import create_app

from .conftest import SHIPPED_ARTICLES
from assistant.web.security import EmbedTokens

from .conftest import FOUNDING_QUESTION, build_assistant
from .live import live_server

KEY = "test-key-123"
WIKI = "http://wiki.test"
MOON = (b"Space agency roundup\n\nThe lunar research base at Shackleton crater opened in 2031 after a decade "
        b"of work. Twelve engineers will live there in shifts of six months.\n")


def locked(assistant: Assistant, **extra: object) -> Settings:
    """Web settings with the API key and one allowed origin switched on."""
    return assistant.settings.replace(api_key=KEY, allowed_origins=WIKI, **extra)


@pytest.fixture(scope="module")
def client(shipped: Assistant) -> TestClient:
    return TestClient(create_app(shipped))


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    base = tmp_path_factory.mktemp("library")
    return build_assistant(Settings(index_dir=base / "index", corpus_dir=base / "corpus", progress=False), embedder)


@pytest.fixture(scope="module")
def server(shipped: Assistant) -> Iterator[str]:
    with live_server(create_app(shipped, locked(shipped))) as url:
        yield url


def events(body: str) -> list[tuple[str, dict]]:
    """The (event, data) pairs of a server-sent event stream."""
    pairs = re.findall(r"^event: (\w+)\ndata: (.*)$", body, flags=re.M)
    return [(kind, json.loads(data)) for kind, data in pairs]


# ---- asking -------------------------------------------------------------------------------

def test_ask_returns_the_founding_sentence_with_its_citation(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": FOUNDING_QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert "2010" in body["answer"] and body["abstained"] is False
    first = body["citations"][0]
    assert "2010" in first["quote"] and first["quote"] in first["passage"]
    assert first["title"].startswith("Japan, U.S. to Compile Joint Document")


def test_ask_streams_question_deltas_citations_then_done(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": FOUNDING_QUESTION, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    got = events(response.text)
    kinds = [kind for kind, _ in got]
    assert kinds[0] == "question" and kinds[-2:] == ["citations", "done"] and "delta" in kinds
    text = "".join(data["text"] for kind, data in got if kind == "delta")
    done = got[-1][1]
    assert text == done["answer"] and "2010" in text
    assert got[-2][1]["citations"] == done["citations"]


def test_follow_up_uses_the_history(client: TestClient) -> None:
    history = [{"role": "user", "content": "Which ministers will hold talks on nuclear deterrence?"},
               {"role": "assistant", "content": "The foreign and defense ministers [1]"}]
    body = client.post("/api/ask", json={"question": "and where?", "history": history}).json()
    assert body["standalone_question"] == "Where? (ministers hold talks nuclear deterrence)"
    assert "Tokyo" in body["answer"]


@pytest.mark.parametrize("payload, fragment", [
    ({"question": "   "}, "empty"),
    ({}, "question"),
    ({"question": "when?", "k": 0}, "k"),
    ({"question": "when?", "filters": {"published_after": "last tuesday"}}, "published_after"),
])
def test_bad_input_is_a_400_with_a_message(client: TestClient, payload: dict, fragment: str) -> None:
    response = client.post("/api/ask", json=payload)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]


def test_bad_question_fails_before_the_stream_starts(client: TestClient) -> None:
    response = client.post("/api/ask?stream=true", json={"question": ""})
    assert response.status_code == 400 and response.json()["error"]["type"] == "BadQuestion"


def test_articles_list_and_text_and_unknown_id(client: TestClient) -> None:
    listed = client.get("/api/articles").json()
    assert len(listed) == SHIPPED_ARTICLES and all("text" not in a and a["chunks"] > 0 for a in listed)
    dates = [a["published"] for a in listed if a["published"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    founding = next(a for a in listed if a["title"].startswith("Japan, U.S. to Compile Joint Document"))
    article = client.get(f"/api/articles/{founding['id']}").json()
    assert "in 2010 established a framework" in article["text"]
    assert client.get("/api/articles/nope").status_code == 404
    assert client.delete("/api/articles/nope").json()["error"]["type"] == "ArticleNotFound"


def test_health_and_openapi_docs(client: TestClient) -> None:
    assert client.get("/api/health").json() == {"status": "ok", "articles": SHIPPED_ARTICLES}
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/articles", "/v1/chat/completions"} <= set(paths)


# ---- the library: upload, ask, delete -----------------------------------------------------

def test_upload_ask_delete_round_trip(library: Assistant) -> None:
    client = TestClient(create_app(library))
    assert client.post("/api/ask", json={"question": "when did the lunar base open?"}).status_code == 503

    response = client.post("/api/articles", files=[("files", ("moon base.txt", MOON, "text/plain"))])
    assert response.status_code == 201, response.text
    added = response.json()["added"]
    assert [a["key"] for a in added] == ["uploads/moon_base.txt"]
    assert (library.settings.corpus_dir / "uploads" / "moon_base.txt").exists()

    answer = client.post("/api/ask", json={"question": "when did the lunar base open?"}).json()
    assert "2031" in answer["answer"] and answer["citations"][0]["title"] == "Space agency roundup"
    again = client.post("/api/articles", files=[("files", ("moon base.txt", MOON, "text/plain"))])
    assert again.status_code == 200 and len(again.json()["unchanged"]) == 1

    assert client.delete(f"/api/articles/{added[0]['id']}").json()["deleted"]["title"] == "Space agency roundup"
    assert client.get("/api/articles").json() == []
    assert not (library.settings.corpus_dir / "uploads" / "moon_base.txt").exists()
    assert client.post("/api/ask", json={"question": "when did the lunar base open?"}).status_code == 503


def test_upload_errors(library: Assistant, tmp_path: Path) -> None:
    small = library.settings.replace(max_file_bytes=200, max_upload_bytes=2000)
    client = TestClient(create_app(library, small))
    files = [("files", ("notes.exe", b"MZ...", "application/octet-stream"))]
    assert client.post("/api/articles", files=files).status_code == 400
    big_file = client.post("/api/articles", files=[("files", ("big.txt", b"word " * 100, "text/plain"))])
    assert big_file.status_code == 413 and "max_file_bytes" in big_file.json()["error"]["message"]
    big_request = client.post("/api/articles", files=[("files", ("big.txt", b"word " * 1000, "text/plain"))])
    assert big_request.status_code == 413 and "max_upload_bytes" in big_request.json()["error"]["message"]
    empty = client.post("/api/articles", files=[("files", ("empty.txt", b"  \n", "text/plain"))])
    assert empty.status_code == 400 and "empty" in empty.json()["error"]["message"]


def test_upload_while_another_ingest_runs_is_a_409(library: Assistant) -> None:
    from filelock import FileLock

    client = TestClient(create_app(library))
    with FileLock(str(library.settings.index_dir / ".ingest.lock")):
        response = client.post("/api/articles", files=[("files", ("moon.txt", MOON, "text/plain"))])
    assert response.status_code == 409 and response.json()["error"]["type"] == "IngestLocked"


# ---- keys, CORS, embed tokens -------------------------------------------------------------

def test_api_key_guards_api_and_v1_but_not_health(shipped: Assistant) -> None:
    client = TestClient(create_app(shipped, locked(shipped)))
    ask = {"question": FOUNDING_QUESTION}
    assert client.post("/api/ask", json=ask).status_code == 401
    assert client.post("/api/ask", json=ask, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/api/ask", json=ask, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert client.get("/api/articles", headers={"X-API-Key": KEY}).status_code == 200
    assert client.get("/v1/models").status_code == 401
    assert client.delete("/api/articles/x").status_code == 401
    assert client.get("/api/health").status_code == 200


def test_cors_allows_only_the_configured_origins(shipped: Assistant) -> None:
    client = TestClient(create_app(shipped, locked(shipped)))
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key"}
    ok = client.options("/api/ask", headers={"Origin": WIKI, **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == WIKI
    other = client.options("/api/ask", headers={"Origin": "http://evil.test", **preflight})
    assert "access-control-allow-origin" not in other.headers
    # without allowed origins (the localhost default) there is no CORS at all
    open_client = TestClient(create_app(shipped))
    plain = open_client.get("/api/health", headers={"Origin": WIKI})
    assert "access-control-allow-origin" not in plain.headers


def test_embed_page_carries_a_short_lived_origin_bound_token(shipped: Assistant) -> None:
    client = TestClient(create_app(shipped, locked(shipped)))
    page = client.get("/embed", headers={"Referer": f"{WIKI}/wiki/Japan"})
    assert page.status_code == 200
    assert f"frame-ancestors 'self' {WIKI}" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert KEY not in page.text
    token = re.search(r'name="embed-token" content="([^"]+)"', page.text).group(1)
    ask = {"question": FOUNDING_QUESTION}
    good = client.post("/api/ask", json=ask, headers={"X-Embed-Token": token, "Origin": WIKI})
    assert good.status_code == 200 and "2010" in good.json()["answer"]
    assert client.post("/api/ask", json=ask, headers={"X-Embed-Token": token, "Origin": "http://evil.test"}).status_code == 401
    assert client.post("/api/articles", files=[("files", ("a.txt", MOON, "text/plain"))],
                       headers={"X-Embed-Token": token}).status_code == 401  # ask only, never upload
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post("/api/ask", json=ask, headers={"X-Embed-Token": tampered}).status_code == 401
    assert client.get("/embed", headers={"Referer": "http://evil.test/"}).status_code == 403


def test_embed_tokens_expire() -> None:
    now = [1000.0]
    tokens = EmbedTokens("secret", ttl_s=60, clock=lambda: now[0])
    token = tokens.mint(WIKI)
    assert tokens.origin(token) == WIKI
    now[0] += 61
    assert tokens.origin(token) is None
    assert EmbedTokens("other secret", 60, clock=lambda: 1000.0).origin(token) is None


# ---- a real server: SSE over the wire, and the official openai client ----------------------

def test_sse_over_a_real_socket(server: str) -> None:
    with httpx.stream("POST", f"{server}/api/ask", json={"question": FOUNDING_QUESTION, "stream": True},
                      headers={"X-API-Key": KEY}, timeout=60) as response:
        assert response.status_code == 200
        body = "".join(response.iter_text())
    assert [kind for kind, _ in events(body)][-1] == "done"


def test_openai_client_chat_completion(server: str) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{server}/v1", api_key=KEY)
    assert "news-assistant" in [m.id for m in client.models.list()]
    completion = client.chat.completions.create(
        model="news-assistant", messages=[{"role": "user", "content": FOUNDING_QUESTION}])
    content = completion.choices[0].message.content
    assert "2010" in content and "\n\n[1] Japan, U.S. to Compile Joint Document" in content
    citations = completion.model_extra["citations"]
    assert "2010" in citations[0]["quote"]
    extra = completion.model_extra  # the answer itself and how sure it is, beside the text
    assert extra["short_answer"] == "2010" and extra["abstained"] is False
    words = re.fullmatch(r"[a-z ]+ \((\d+)%\)", extra["confidence_words"])
    assert 0 < extra["confidence"] < 1 and words and abs(int(words.group(1)) - 100 * extra["confidence"]) <= 1
    assert extra["as_of"] == "" and extra["timeline"] == []  # the founding article has no date


def test_openai_client_streaming_and_wrong_key(server: str) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{server}/v1", api_key=KEY)
    stream = client.chat.completions.create(
        model="news-assistant", stream=True,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": FOUNDING_QUESTION}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "2010" in text and "[1] Japan" in text
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"]
    assert chunks[-1].model_extra["short_answer"] == "2010" and chunks[-1].model_extra["confidence"] > 0
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="news-assistant", messages=[{"role": "system", "content": "hi"}])
