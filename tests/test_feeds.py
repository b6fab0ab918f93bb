"""RSS and Atom feeds, from a file and over HTTP (a real server on the loopback address), through
the real CLI and a real index.

What a user must see: each entry is cited with its title, the feed's name as its source, its
link and its date; reading a feed again changes nothing; a feed that is down, cut short or not a
feed is one failed line naming it (exit code 3) while the good feeds of the same call are ingested
and nothing already indexed is lost; `assistant watch` ingests a new entry once, survives a
round in which the feed is down, and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import assistant.assistant as facade
from assistant import Assistant, Settings
from assistant.cli import EXIT_PARTLY_FAILED, main
from assistant.ingest.feeds import feed_root
from .conftest import build_assistant

PORT_STRIKE = """<item>
  <title>Port strike ends after nine days</title>
  <link>https://harbour.example/news/port-strike</link>
  <guid isPermaLink="false">harbour-2024-0502-strike</guid>
  <pubDate>Thu, 02 May 2024 08:00:00 +0200</pubDate>
  <dc:creator>Mara Quay</dc:creator>
  <description>Dock workers are back at work.</description>
  <content:encoded><![CDATA[<p>Dock workers at the northern port returned to work on Thursday after a
  nine-day strike over wages.</p><p>The union said its members accepted a pay rise of six percent spread
  over two years.</p><script>track()</script>]]></content:encoded>
</item>"""
FERRY = """<item>
  <title>Ferry timetable changes in June</title>
  <link>https://harbour.example/news/ferry</link>
  <guid isPermaLink="false">harbour-2024-0503-ferry</guid>
  <pubDate>Fri, 03 May 2024 17:30:00 +0200</pubDate>
  <description>&lt;p&gt;The island ferry will sail every {minutes} minutes from June, the operator said.&lt;/p&gt;</description>
</item>"""
LIGHTHOUSE = """<item>
  <title>Old lighthouse to reopen as a museum</title>
  <link>https://harbour.example/news/lighthouse</link>
  <guid isPermaLink="false">harbour-2024-0506-lighthouse</guid>
  <pubDate>Mon, 06 May 2024 10:15:00 +0200</pubDate>
  <description>&lt;p&gt;The old lighthouse on the harbour wall will reopen as a maritime museum in
  September, the council said.&lt;/p&gt;</description>
</item>"""


def rss(*items: str) -> str:
    """An RSS 2.0 feed of Harbour News, newest entries first, as sites write them."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Harbour News</title>
  <link>https://harbour.example/</link>
  <description>News from the harbour</description>
  <lastBuildDate>Mon, 06 May 2024 10:20:00 +0200</lastBuildDate>
  {"".join(reversed(items))}
</channel>
</rss>
"""


HARBOUR = rss(PORT_STRIKE, FERRY.format(minutes="forty"))
CITY = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>City Desk</title>
  <link href="https://city.example/"/>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2024-06-03T12:00:00Z</updated>
  <entry>
    <title type="html">City library reopens with a &lt;em&gt;rooftop&lt;/em&gt; garden</title>
    <id>tag:city.example,2024:library</id>
    <link rel="alternate" type="text/html" href="https://city.example/2024/library"/>
    <published>2024-06-01T09:30:00+02:00</published>
    <updated>2024-06-01T11:00:00+02:00</updated>
    <author><name>R. Page</name></author>
    <content type="html">&lt;h2&gt;Reopening&lt;/h2&gt;&lt;p&gt;The city library reopened on Saturday after
    a renovation that added a rooftop reading garden.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Tram line extended to the hospital</title>
    <id>tag:city.example,2024:tram</id>
    <link rel="alternate" href="https://city.example/2024/tram"/>
    <updated>2024-06-03T12:00:00Z</updated>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>The tram line was extended by
    four stops to reach the new hospital.</p></div></summary>
  </entry>
</feed>
"""
PAGE = "<!DOCTYPE html><html><head><title>Harbour News</title></head><body><p>Latest news</p></body></html>"

Response = tuple[int, str, str]  # status, content type, body; (0, "stall", seconds): answer nothing for that long


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving what the test sets: each path answers its
    responses in turn, the last one again and again."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Response]] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                responses = server.routes.get(self.path) or [(404, "text/plain", "not found")]
                status, kind, body = responses[min(server.hits[self.path], len(responses) - 1)]
                server.hits[self.path] += 1
                if kind == "stall":
                    time.sleep(float(body))
                    return
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self, path: str, *responses: Response) -> str:
        self.routes[path] = list(responses)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def rss_ok(body: str) -> Response:
    return 200, "application/rss+xml; charset=utf-8", body


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    feeds.thread.start()
    yield feeds
    feeds.httpd.shutdown()
    feeds.httpd.server_close()


@pytest.fixture
def cli(tmp_path: Path, embedder, monkeypatch) -> Callable[..., tuple[int, str]]:
    """``cli("ingest", ...)`` -> (exit code, stdout) of the real CLI on one index, sharing the
    session's model; ``cli.assistant()`` opens that index as a user of the Python API would."""
    monkeypatch.setattr(Assistant, "from_settings", classmethod(lambda cls, settings: build_assistant(settings, embedder)))
    monkeypatch.setenv("ASSISTANT_PROGRESS", "false")
    index, corpus = tmp_path / "index", tmp_path / "corpus"
    corpus.mkdir()

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["--index", str(index), "--corpus", str(corpus), *argv], stdout=out)
        return code, out.getvalue()

    run.corpus = corpus  # type: ignore[attr-defined]
    run.assistant = lambda: build_assistant(Settings(index_dir=index, corpus_dir=corpus, progress=False), embedder)  # type: ignore[attr-defined]
    return run


def cited(assistant: Assistant, question: str):  # noqa: ANN201
    answer = assistant.ask(question)
    assert answer.citations and not answer.abstained, (question, answer.text)
    return answer, answer.citations[0]


def test_a_feed_is_recognised_by_its_content() -> None:
    assert feed_root(b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- made by hand -->\n<rss version='2.0'>") == "rss"
    assert feed_root(CITY.encode()) == "feed"
    assert feed_root(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">') == "rdf:RDF"
    assert feed_root(PAGE.encode()) == feed_root(b"<feeds>") == feed_root(b"feed") == ""


def test_feed_files_rss_and_atom_are_cited_with_their_dates_links_and_sources(cli) -> None:
    (cli.corpus / "harbour.rss").write_text(HARBOUR, encoding="utf-8")
    (cli.corpus / "city.xml").write_text(CITY, encoding="utf-8")  # an Atom feed known by its content
    code, out = cli("ingest")
    assert code == 0, out
    assert out.splitlines()[-1].startswith("4 added, 0 updated, 0 unchanged, 0 removed, 0 duplicate, 0 failed")
    assert "added     harbour.rss#harbour-2024-0502-strike (Port strike ends after nine days)" in out

    assistant = cli.assistant()
    answer, citation = cited(assistant, "What pay rise did the union members accept?")
    assert (citation.title, citation.source, citation.published, citation.url) == (
        "Port strike ends after nine days", "Harbour News", "2024-05-02T08:00:00+02:00",
        "https://harbour.example/news/port-strike")
    assert "six percent" in citation.quote and "track()" not in assistant.article(citation.article_id).text
    assert citation.link.startswith("https://harbour.example/news/port-strike#:~:text=")
    _, library = cited(assistant, "What did the renovation of the city library add?")
    assert (library.title, library.source, library.published) == (
        "City library reopens with a rooftop garden", "City Desk", "2024-06-01T09:30:00+02:00")
    _, tram = cited(assistant, "How many stops was the tram line extended by?")
    assert (tram.published, tram.url) == ("2024-06-03T12:00:00+00:00", "https://city.example/2024/tram")

    code, out = cli("ingest")
    assert code == 0 and out.splitlines()[-1].startswith("0 added, 0 updated, 4 unchanged"), out

    # The site edits one entry and rolls the other off its feed: the edit replaces the old
    # version; the entry no longer in the feed stays indexed, even for a sync.
    (cli.corpus / "harbour.rss").write_text(rss(FERRY.format(minutes="thirty")), encoding="utf-8")
    code, out = cli("ingest", "--sync")
    assert code == 0 and out.splitlines()[-1].startswith("0 added, 1 updated, 2 unchanged, 0 removed"), out
    assistant = cli.assistant()
    assert len(assistant.articles()) == 4
    _, ferry = cited(assistant, "How often will the island ferry sail from June?")
    assert "thirty minutes" in ferry.quote and ferry.published == "2024-05-03T17:30:00+02:00"
    assert cited(assistant, "What pay rise did the union members accept?")[1].title == "Port strike ends after nine days"


def test_feeds_over_http_are_ingested_once_and_never_synced_away(cli, server: FeedServer) -> None:
    harbour = server.serve("/harbour.rss", rss_ok(HARBOUR))
    city = server.serve("/city", (200, "application/atom+xml", CITY))
    code, out = cli("ingest", harbour, city)
    assert code == 0 and out.splitlines()[-1].startswith("4 added"), out
    assert f"added     {harbour}#harbour-2024-0502-strike (Port strike ends after nine days)" in out

    code, listing = cli("articles")
    assert listing.splitlines()[-1] == "4 articles"
    assert any("2024-06-01T09:30:00+02:00" in line and "City library reopens" in line and "(City Desk)" in line
               for line in listing.splitlines()), listing
    _, citation = cited(cli.assistant(), "What pay rise did the union members accept?")
    assert (citation.url, citation.published, citation.source) == (
        "https://harbour.example/news/port-strike", "2024-05-02T08:00:00+02:00", "Harbour News")

    code, out = cli("ingest", harbour, city)
    assert code == 0 and out.splitlines()[-1].startswith("0 added, 0 updated, 4 unchanged"), out
    code, out = cli("ingest", "--sync")  # the corpus has no files: a sync must not take the feeds' entries
    assert code == 0 and " 0 removed" in out.splitlines()[-1], out
    assert len(cli.assistant().articles()) == 4
    assert server.hits == {"/harbour.rss": 2, "/city": 2}


def test_a_bad_feed_is_named_and_the_rest_is_ingested_and_nothing_indexed_is_lost(cli, server: FeedServer) -> None:
    harbour = server.serve("/harbour.rss", rss_ok(HARBOUR), rss_ok(HARBOUR[: len(HARBOUR) // 2]))
    assert cli("ingest", harbour)[0] == 0

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{free.getsockname()[1]}/feed.xml"
    city = server.serve("/city.atom", (200, "application/atom+xml", CITY))
    page = server.serve("/news", (200, "text/html; charset=utf-8", PAGE))
    down = server.serve("/down.rss", (500, "text/plain", "Internal Server Error"))
    cut = cli.corpus / "cut.rss"
    cut.write_text(HARBOUR[:-40], encoding="utf-8")
    code, out = cli("ingest", harbour, city, page, down, refused, str(cut))

    assert code == EXIT_PARTLY_FAILED, out
    failed = sorted(line for line in out.splitlines() if line.startswith("failed"))
    assert failed == sorted([
        f"failed    {harbour}: the feed is cut short: it does not end with </rss>; nothing in it was ingested "
        "(the entries already indexed from it are kept)",
        f"failed    {page}: not an RSS or Atom feed (it is an HTML page; look for the site's feed link)",
        f"failed    {down}: cannot fetch the feed: the server answered 500 Internal Server Error",
        f"failed    {refused}: cannot fetch the feed: connection refused (is the server down?)",
        f"failed    {cut}: the feed is cut short: it does not end with </rss>; nothing in it was ingested "
        "(the entries already indexed from it are kept)",
    ]), out
    assert out.splitlines()[-1].startswith("2 added, 0 updated, 0 unchanged, 0 removed, 0 duplicate, 5 failed"), out

    assistant = cli.assistant()
    assert len(assistant.articles()) == 4
    _, strike = cited(assistant, "What pay rise did the union members accept?")
    assert strike.title == "Port strike ends after nine days" and "six percent" in strike.quote
    _, ferry = cited(assistant, "How often will the island ferry sail from June?")
    assert "forty minutes" in ferry.quote  # the cut copy did not replace it
    assert cited(assistant, "How many stops was the tram line extended by?")[1].source == "City Desk"


def test_a_feed_that_does_not_answer_in_time_is_named(cli, server: FeedServer, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_FEED_TIMEOUT_S", "0.5")
    stalled = server.serve("/slow.rss", (0, "stall", "3"))
    code, out = cli("ingest", stalled, server.serve("/harbour.rss", rss_ok(HARBOUR)))
    assert code == EXIT_PARTLY_FAILED and out.splitlines()[-1].startswith("2 added"), out
    assert f"failed    {stalled}: cannot fetch the feed: no complete answer within 0.5 s (feed_timeout_s)" in out


def test_watch_ingests_a_new_entry_once_and_survives_a_round_the_feed_is_down(cli, server: FeedServer) -> None:
    harbour = server.serve(
        "/harbour.rss",
        rss_ok(HARBOUR),
        (503, "text/plain", "Service Unavailable"),
        rss_ok(rss(PORT_STRIKE, FERRY.format(minutes="forty"), LIGHTHOUSE)),
    )
    code, out = cli("watch", harbour, "--interval", "0.01", "--rounds", "4")

    assert code == 0, out
    rounds = out.splitlines()
    assert len(rounds) == 4, out
    assert [line.split(" round ")[1].split(" (")[0] for line in rounds] == [
        "1: 2 added, 0 updated, 0 unchanged, 0 removed, 0 duplicate, 0 failed",
        "2: 0 added, 0 updated, 0 unchanged, 0 removed, 0 duplicate, 1 failed",
        "3: 1 added, 0 updated, 2 unchanged, 0 removed, 0 duplicate, 0 failed",
        "4: 0 added, 0 updated, 3 unchanged, 0 removed, 0 duplicate, 0 failed",
    ]
    assert rounds[0].endswith("added: Ferry timetable changes in June | Port strike ends after nine days")
    assert rounds[1].endswith(f"failed: {harbour}: cannot fetch the feed: the server answered 503 Service Unavailable")
    assert rounds[2].endswith("added: Old lighthouse to reopen as a museum")
    assert server.hits["/harbour.rss"] == 4

    assistant = cli.assistant()
    assert len(assistant.articles()) == 3
    _, citation = cited(assistant, "What will the old lighthouse become?")
    assert (citation.title, citation.published) == ("Old lighthouse to reopen as a museum", "2024-05-06T10:15:00+02:00")
    assert "maritime museum" in citation.quote


def test_ctrl_c_stops_watch_cleanly_after_what_it_ingested(cli, server: FeedServer, monkeypatch) -> None:
    def interrupted(seconds: float) -> None:
        assert seconds > 3000  # it waits for the next round ...
        raise KeyboardInterrupt  # ... and the user presses Ctrl-C

    monkeypatch.setattr(facade, "time", types.SimpleNamespace(monotonic=time.monotonic, sleep=interrupted))
    code, out = cli("watch", server.serve("/harbour.rss", rss_ok(HARBOUR)), "--interval", "3600")
    assert code == 0, out
    assert out.splitlines()[-1] == "stopped after 1 round" and " round 1: 2 added" in out.splitlines()[0]
    assert len(cli.assistant().articles()) == 2
