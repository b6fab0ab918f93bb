"""Nothing leaks: every route, for every asker, holds nothing from a page it may not read, and
an allowed asker gets the page.

Real components throughout: the wiki export of tests/wiki.py (public, group-restricted and a
near-duplicate restricted page) ingested into a Chroma directory with the ``access`` setting of
docs/deployment.md's worked example; the real HTTP app on a loopback port; the embed page in
Chromium, framed by a local "wiki" whose server mints tokens with the code of that worked example
(read from the docs and run). Askers: anonymous, a key per group, a key for every article, embed
tokens per group, a forged, an expired and an altered token, and a client claiming groups in the
body, a header and the query. Then a property-based test (hypothesis) over generated corpora and
askers, and the same invariant against a Chroma server.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from assistant import Assistant, Settings
from assistant.web.security import EmbedTokens, _b64
from assistant.web.server import web_app

from .conftest import ROOT, build_assistant
from .live import live_server
from .test_ui import ARGS, CHROMIUM
from .wiki import GROUPS, LAST_WEEK, QUESTIONS, SECRETS, access_setting, forbidden, readable, write_wiki

SECRET = "shared-with-the-wiki"
KEYS = {f"key-{g}": {g} for g in GROUPS}
ALL_KEY = "key-all"
FOLLOW_UP = ([{"role": "user", "content": "What are Harrow Mills and Ostrava Steel talking about?"},
              {"role": "assistant", "content": "A merger [1]"}], "and what price was agreed?")


def doc_example() -> tuple[str, str]:
    """The worked example's shell block and Python block, from docs/deployment.md."""
    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    section = doc.split("## Who may read what", 1)[1]
    shell = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    python = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return shell, python


def mint_like_the_wiki(origin: str, groups: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A token minted by the docs' own code, as a wiki's server runs it."""
    monkeypatch.setenv("ASSISTANT_EMBED_SECRET", SECRET)
    namespace: dict[str, Any] = {}
    exec(doc_example()[1], namespace)  # noqa: S102 - the documentation's example, run as written
    assert namespace["token"].count(".") == 3 and "/embed?token=" in namespace["iframe"]
    return namespace["mint_embed_token"](SECRET, origin, groups)


class _WikiPage(http.server.BaseHTTPRequestHandler):
    """A wiki page framing the assistant's /embed with the ``src`` of its query string."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        src = parse_qs(urlparse(self.path).query).get("src", [""])[0]
        body = f'<!doctype html><title>Wiki</title><iframe id="assistant" src="{src}" width="420" height="640"></iframe>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def wiki_origin() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WikiPage)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory, embedder, wiki_origin: str) -> Assistant:  # noqa: ANN001
    """The worked example's deployment: its folders mapped as its shell block maps them."""
    base = tmp_path_factory.mktemp("leaks")
    root = write_wiki(base / "wiki-export")
    shell = doc_example()[0]
    mapping = re.search(r'ASSISTANT_ACCESS="([^"]+)"', shell).group(1).replace("/srv/wiki-export", str(root))
    assert mapping == access_setting(root)
    keys = ";".join([*(f"{k}={','.join(g)}" for k, g in KEYS.items()), f"{ALL_KEY}=*"])
    settings = Settings(index_dir=base / "index", corpus_dir=root, progress=False, access=mapping, api_keys=keys,
                        embed_secret=SECRET, allowed_origins=wiki_origin, ui_users="ann:ann-pw=hr;pat:pat-pw=product")
    assistant = build_assistant(settings, embedder)
    report = assistant.ingest()
    assert not report.failed and not report.duplicates and len(report.added) == 65
    return assistant


@pytest.fixture(scope="module")
def server(wiki: Assistant) -> Iterator[str]:
    with live_server(web_app(wiki, wiki.settings)) as url:
        yield url


def askers(wiki_origin: str) -> list[tuple[str, dict[str, str], dict[str, Any], set[str] | None]]:
    """(name, headers, extra request fields, the groups it should read as; None: every article)."""
    tokens = EmbedTokens(SECRET, 900)
    expired = EmbedTokens(SECRET, 900, clock=lambda: time.time() - 3600).mint(wiki_origin, ["hr", "legal", "product"])
    forged = EmbedTokens("a guess", 900).mint(wiki_origin, ["hr", "legal", "product"])
    expiry, origin, _, signature = tokens.mint(wiki_origin, ["managers"]).split(".")
    altered = ".".join([expiry, origin, _b64("hr,legal,product"), signature])
    claims = {"groups": ["hr", "legal", "product", "managers"], "access": ["hr"], "viewer": {"groups": ["*"]}}
    return [
        ("anonymous", {}, {}, set()),
        *((f"key {g}", {"Authorization": f"Bearer {k}"}, {}, g) for k, g in KEYS.items()),
        ("key for all", {"X-API-Key": ALL_KEY}, {}, None),
        *((f"token {g}", {"X-Embed-Token": tokens.mint(wiki_origin, [g])}, {}, {g}) for g in ("hr", "product")),
        ("anonymous token", {"X-Embed-Token": tokens.mint(wiki_origin)}, {}, set()),
        ("expired token", {"X-Embed-Token": expired}, {}, set()),
        ("forged token", {"X-Embed-Token": forged}, {}, set()),
        ("altered token", {"X-Embed-Token": altered}, {}, set()),
        ("token from another site", {"X-Embed-Token": tokens.mint(wiki_origin, ["hr"]), "Origin": "http://evil.test"},
         {}, set()),
        ("claims groups", {"X-Groups": "hr,legal,product", "X-Viewer-Groups": "*"}, claims, set()),
        ("a wrong key", {"Authorization": "Bearer key-hr-guessed"}, {}, set()),
    ]


def check(body: str, groups: set[str] | None, where: str) -> None:
    leaked = [s for s in forbidden(groups) if s in body]
    assert not leaked, f"{where}: {leaked} in {body[:400]}"


def ids_of(assistant: Assistant) -> dict[str, str]:
    """article id -> the page key of tests/wiki.py it comes from."""
    return {r.id: r.key.split("#")[0] for r in assistant.articles("*")}


ASKERS = [name for name, *_ in askers("http://wiki.test")]


@pytest.mark.parametrize("asker", ASKERS)
def test_no_route_leaks_to_any_asker(server: str, wiki: Assistant, wiki_origin: str, asker: str) -> None:
    name, headers, extra, groups = next(a for a in askers(wiki_origin) if a[0] == asker)
    get = lambda path: httpx.get(f"{server}{path}", headers=headers, params=extra.get("params"), timeout=120)  # noqa: E731
    post = lambda path, body: httpx.post(f"{server}{path}", headers=headers, json={**body, **extra}, timeout=120,  # noqa: E731
                                         params={"groups": "hr,legal,product"} if extra else None)
    for question, key in QUESTIONS.items():
        response = post("/api/ask", {"question": question})
        assert response.status_code == 200, (name, response.text)
        check(response.text, groups, f"{name} /api/ask {question}")
        if readable(key, groups) and groups != set():
            assert any(s in response.text for s in SECRETS[key]), (name, question, response.text[:300])
    streamed = post("/api/ask", {"question": FOLLOW_UP[1], "history": FOLLOW_UP[0], "stream": True})
    assert streamed.status_code == 200 and "event: done" in streamed.text
    check(streamed.text, groups, f"{name} follow-up, streamed")
    if groups is None or "legal" in groups:
        assert "7.3 billion" in streamed.text
    last_week = post("/api/ask", {"question": LAST_WEEK}).json()
    check(json.dumps(last_week), groups, f"{name} last week")
    for question in ("When will Quetzal ship?", "When will Xylotrox ship?"):
        check(post("/api/ask", {"question": question}).text, groups, f"{name} {question}")
    quetzal = post("/api/ask", {"question": "When will Quetzal ship?"}).json()["answer"]
    unknown = post("/api/ask", {"question": "When will Xylotrox ship?"}).json()["answer"]
    if not readable("products.jsonl", groups):  # a name only restricted pages hold reads as an unknown one
        assert quetzal == unknown.replace("Xylotrox", "Quetzal")
    for stream in (False, True):
        chat = post("/v1/chat/completions", {"model": "news-assistant", "stream": stream, "messages": [
            {"role": "user", "content": "On what date does the new phone launch?"}]})
        assert chat.status_code == 200
        check(chat.text, groups, f"{name} /v1 stream={stream}")
        if readable("launch.html", groups) and groups != set():
            assert "12 September" in chat.text
    listed = get("/api/articles").json()
    check(json.dumps(listed), groups, f"{name} /api/articles")
    every = ids_of(wiki)
    assert {a["id"] for a in listed} == {i for i, key in every.items() if readable(key, groups)}
    assert all("access" not in a for a in listed) or groups is None
    unknown_body = get("/api/articles/0123456789abcdef").json()
    for article_id, key in list(every.items())[:12]:
        response = get(f"/api/articles/{article_id}")
        if readable(key, groups):
            assert response.status_code == 200 and response.json()["text"]
        else:  # exactly what an id that does not exist gets
            assert response.status_code == 404
            assert response.json() == json.loads(json.dumps(unknown_body).replace("0123456789abcdef", article_id))
    assert get("/api/health").json() == {"status": "ok", "articles": 2}


def test_writes_cannot_reach_what_the_writer_may_not_read(wiki: Assistant, tmp_path: Path, embedder) -> None:  # noqa: ANN001
    """On a loopback server without an API key anyone may still upload and delete, as anonymous:
    an article it may not read is a 404 to delete, and an upload's report does not name it."""
    from fastapi.testclient import TestClient

    from assistant.web.api import create_app

    client = TestClient(create_app(wiki, wiki.settings.replace(api_keys="")))
    hidden = next(i for i, key in ids_of(wiki).items() if key == "hr/pay-review.md")
    assert client.delete(f"/api/articles/{hidden}").status_code == 404
    assert wiki.article(hidden, "*")
    copy = (wiki.settings.corpus_dir / "hr" / "pay-review.md").read_text().replace("access: [hr, managers]", "access: [hr]")
    uploaded = client.post("/api/articles", files=[("files", ("pay.md", copy.encode(), "text/markdown"))])
    assert uploaded.status_code == 200, uploaded.text
    (duplicate,) = uploaded.json()["duplicates"]  # its own title is the uploader's; the twin's key and id are not
    assert "hr/pay-review.md" not in uploaded.text and hidden not in uploaded.text
    assert duplicate["reason"] == "near-duplicate of an article already indexed; not indexed twice"
    (wiki.settings.corpus_dir / "uploads" / "pay.md").unlink()


def test_the_python_api_and_the_langchain_retriever_filter_too(wiki: Assistant) -> None:
    for groups in (None, {"hr"}, {"legal"}, {"managers"}, {"product"}, {"hr", "product"}):
        retriever = wiki.as_retriever(k=8, groups=groups)
        for question, key in QUESTIONS.items():
            documents = retriever.invoke(question)
            check(json.dumps([[d.page_content, d.metadata] for d in documents]), groups or set(), f"retriever {groups}")
            if readable(key, groups or set()) and groups:
                assert any(s in d.page_content or s in d.metadata["title"] for d in documents for s in SECRETS[key])
        check(json.dumps([vars(r) for r in wiki.articles(groups)]), groups or set(), f"articles {groups}")


def test_the_chat_ui_login_maps_users_to_groups(server: str) -> None:
    from gradio_client import Client

    def ask(auth: tuple[str, str] | None, question: str) -> str:
        client = Client(f"{server}/ui/", auth=auth, verbose=False)
        return json.dumps(client.predict(question, [], api_name="/respond"))

    question = "By how much will salaries rise after the annual pay review?"
    assert "4.5 percent" in ask(("ann", "ann-pw"), question)
    check(ask(("pat", "pat-pw"), question), {"product"}, "UI login pat")
    with pytest.raises(Exception):  # noqa: B017 - no login, no UI
        ask(None, question)


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - a playwright Browser
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def embedded_answer(browser, wiki_origin: str, src: str, question: str) -> str:  # noqa: ANN001
    """Open the wiki page framing ``src``, ask in the embedded chat, return the frame's whole text."""
    from urllib.parse import quote

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{wiki_origin}/page?src={quote(src, safe='')}")
        frame = page.frame_locator("#assistant")
        frame.locator("#question").fill(question)
        frame.locator("button[type=submit]").click()
        frame.locator(".msg.bot button.cite, .msg.bot.abstained, .msg.bot .note").first.wait_for()
        page.wait_for_timeout(300)
        return frame.locator("body").inner_text() + frame.locator("body").inner_html()
    finally:
        context.close()


def test_the_embed_page_in_chromium(browser, server: str, wiki_origin: str, monkeypatch) -> None:  # noqa: ANN001
    question = "On what date does the new phone launch?"
    anonymous = embedded_answer(browser, wiki_origin, f"{server}/embed", question)
    check(anonymous, set(), "embed without a token")
    token = mint_like_the_wiki(wiki_origin, ["product"], monkeypatch)  # the docs' code, as the wiki runs it
    allowed = embedded_answer(browser, wiki_origin, f"{server}/embed?token={token}", question)
    assert "12 September" in allowed
    check(allowed, {"product"}, "embed with a product token")
    for bad in (EmbedTokens("a guess", 900).mint(wiki_origin, ["product"]),
                EmbedTokens(SECRET, 900, clock=lambda: time.time() - 3600).mint(wiki_origin, ["product"])):
        response = httpx.get(f"{server}/embed", params={"token": bad}, headers={"Referer": f"{wiki_origin}/page"})
        assert response.status_code == 401 and "expired or is not valid" in response.text
    assert httpx.get(f"{server}/embed", params={"token": token},
                     headers={"Referer": f"{wiki_origin}/page"}).headers["referrer-policy"] == "same-origin"


# ---- generated corpora and askers (hypothesis) -----------------------------------------------

POOL = [  # (file, text); each text's last word is its secret, found in no other text
    ("a.md", "The harbour ferry timetable changes in spring. Boats leave every hour from pier Amberlyx."),
    ("b.md", "The staff canteen serves soup on Fridays. The new cook is called Brontaval."),
    ("c.md", "The annual pay review raises salaries in April. The bonus code is Cyrenthos."),
    ("d.md", "The merger talks with the steel company went well. The codename is Dravelkin."),
    ("e.md", "The new tablet has a large screen and a long battery life. Its chip is the Eskatorn."),
]
LABELS = ["a", "b", "c"]


def secret_of(text: str) -> str:
    return text.rstrip(".").split()[-1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:  # noqa: ANN001
    base = tmp_path_factory.mktemp("generated")
    (base / "corpus").mkdir()
    return build_assistant(Settings(index_dir=base / "index", corpus_dir=base / "corpus", progress=False), embedder)


def test_generated_corpora_and_askers_hold_the_invariant(generated: Assistant) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from assistant.access import Viewer
    from assistant.index.records import where_filter

    labels = st.lists(st.sampled_from(LABELS), min_size=1, max_size=2, unique=True)
    page = st.sampled_from(["labelled", "labelled", "public", "absent"]).flatmap(
        lambda kind: labels if kind == "labelled" else st.just([] if kind == "public" else None))
    corpus = st.lists(page, min_size=len(POOL), max_size=len(POOL))  # None: not in the corpus
    viewer = st.one_of(st.just(None), st.sets(st.sampled_from([*LABELS, "z"]), max_size=2))
    hidden_counts: list[int] = []

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(corpus=corpus, groups=viewer)
    def holds(corpus: list[list[str] | None], groups: set[str] | None) -> None:
        folder = generated.settings.corpus_dir
        present = {}
        for (name, text), access in zip(POOL, corpus):
            if access is None:
                (folder / name).unlink(missing_ok=True)
                continue
            (folder / name).write_text(f"---\ntitle: Page {name}\naccess: [{', '.join(access)}]\n---\n{text}\n")
            present[secret_of(text)] = set(access)
        generated.ingest(sync=True)
        for asker_groups in (groups, set()):  # the generated asker, and an anonymous one beside it
            check_invariant(present, asker_groups)

    def check_invariant(present: dict[str, set[str]], groups: set[str] | None) -> None:
        asker = Viewer(reads_all=True) if groups is None else Viewer(frozenset(groups))
        may = {s for s, access in present.items() if not access or groups is None or access & groups}
        mustnot = {secret_of(t) for _, t in POOL} - may
        hidden_counts.append(len(set(present) - may))
        # every index, at the bottom: Chroma's where clause and BM25's mask give exactly the readable chunks
        store = generated.store
        count = store.chunks.count()
        dense = store.dense_search(generated.embedder.embed(["the"])[0], max(count, 1), where_filter(viewer=asker))
        texts = store.get_chunks([i for i, _ in dense])
        assert {secret_of(c.text) for c in texts.values()} == may
        fast = generated.retriever._dense(generated.embedder.embed(["the"])[0], None, None, None, asker)
        assert {i for i, _ in fast} == {i for i, _ in dense}  # the unfiltered fetch, filtered by the lexical labels
        lexical = generated.lexical.search(store, "the", 50, viewer=asker)
        assert {secret_of(texts[i].text) if i in texts else i for i, _ in lexical} <= may
        for secret in {secret_of(t) for _, t in POOL}:
            count_seen, _ = generated.lexical.rarest_word_count(store, secret, asker)
            assert count_seen == (1 if secret in may else 0)
        # every answer, citation and listing
        body = json.dumps([vars(r) for r in generated.articles(asker)])
        assert {s for s in may if f"Page {next(n for n, t in POOL if secret_of(t) == s)}" in body} == may
        for _, text in POOL:
            question = text.split(". ")[1].rsplit(" ", 1)[0] + "?"  # the secret's sentence, without the secret
            answer = json.dumps(generated.ask(question, groups=asker).to_dict())
            assert not [s for s in mustnot if s in answer], (question, answer)

    holds()
    assert len(hidden_counts) >= 40 and sum(1 for n in hidden_counts if n) >= 15, hidden_counts  # it hid something


# ---- the same against a Chroma server ----------------------------------------------------------

from .test_chroma_server import chroma_url  # noqa: E402, F401 - the module's `chroma run` fixture


def test_a_chroma_server_filters_the_same(tmp_path: Path, chroma_url: str, embedder) -> None:  # noqa: ANN001, F811
    root = write_wiki(tmp_path / "wiki-export", field_reports=5)
    settings = Settings(index_dir=tmp_path / "local", corpus_dir=root, chroma_url=chroma_url, collection="leaks",
                        access=access_setting(root), progress=False)
    assistant = build_assistant(settings, embedder)
    assert not assistant.ingest().failed
    assert not (tmp_path / "local" / "chroma.sqlite3").exists()
    for groups in (set(), {"hr"}, {"legal"}, {"managers"}, {"product"}, None):
        viewer = "*" if groups is None else groups
        for question, key in QUESTIONS.items():
            body = json.dumps(assistant.ask(question, groups=viewer).to_dict())
            check(body, groups, f"server {groups} {question}")
            if readable(key, groups) and groups != set():
                assert any(s in body for s in SECRETS[key]), (groups, question)
        check(json.dumps([vars(r) for r in assistant.articles(viewer)]), groups, f"server articles {groups}")
        assert assistant.count_articles(viewer) == len(assistant.articles(viewer))


def test_a_token_carries_no_group_its_minter_may_not_read(wiki: Assistant) -> None:
    """On loopback without an API key anyone may mint a token, as before: an anonymous one only."""
    from fastapi.testclient import TestClient

    from assistant.web.api import create_app

    open_client = TestClient(create_app(wiki, wiki.settings))
    origin = wiki.settings.origins[0]
    assert open_client.post("/api/embed-token", json={"origin": origin}).status_code == 200
    for groups in (["hr"], ["*"]):
        refused = open_client.post("/api/embed-token", json={"origin": origin, "groups": groups})
        assert refused.status_code == 403 and "ASSISTANT_API_KEY" in refused.json()["error"]["message"]
    keyed = TestClient(create_app(wiki, wiki.settings.replace(api_key="the-admin-key")))
    minted = keyed.post("/api/embed-token", json={"origin": origin, "groups": ["HR"]},
                        headers={"Authorization": "Bearer the-admin-key"})
    assert minted.status_code == 200 and minted.json()["groups"] == ["hr"]
    assert keyed.post("/api/embed-token", json={"origin": origin, "groups": ["hr"]},
                      headers={"Authorization": "Bearer key-hr"}).status_code == 401  # a reader's key cannot mint
    answer = keyed.post("/api/ask", json={"question": "By how much will salaries rise after the annual pay review?"},
                        headers={"X-Embed-Token": minted.json()["token"]})
    assert "4.5 percent" in answer.text
    assert keyed.post("/api/ask", json={"question": "When?"}).status_code == 401  # the key is required again
