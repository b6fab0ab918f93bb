"""The ``assistant`` command: a thin adapter over :class:`assistant.Assistant`.

Errors become one line on stderr and a non-zero exit code: 1 for an error, 2 for bad usage,
3 when an ingest partly failed (some files or feeds could not be read; the others were ingested;
for ``watch``, when a feed failed in its last round).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .config import Settings, for_server
from .console import configure
from .errors import AssistantError
from .answer.extractive import CHECKED_HEADING, ExtractiveAnswerer
from .ingest.dates import human_date

if TYPE_CHECKING:
    from .answer.extractive import Answer
    from .assistant import Assistant
    from .index.ingester import IngestReport

EXIT_ERROR, EXIT_USAGE, EXIT_PARTLY_FAILED = 1, 2, 3
GROUPS_HELP = ("the asker's groups, comma-separated: also the articles labelled for them "
               "(default: only articles without access labels; '*': every article)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Ask questions of news articles.")
    parser.add_argument("--index", type=Path, help="index directory (default: index/, or ASSISTANT_INDEX_DIR)")
    parser.add_argument("--corpus", type=Path, help="corpus directory (default: corpus/)")
    parser.add_argument("--chroma-url", help="use a Chroma server instead of the index directory")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log what happens on stderr (INFO; default: warnings only, or ASSISTANT_LOG_LEVEL)")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="add or update articles (default: the corpus)")
    ingest.add_argument("paths", nargs="*", metavar="FILE_DIR_OR_FEED_URL",
                        help="files, directories, RSS or Atom feed files, and feed URLs (http:// or https://)")
    ingest.add_argument("--sync", action="store_true", help="remove articles whose files are gone")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")

    watch = commands.add_parser("watch", help="ingest what is new in RSS or Atom feeds, every --interval seconds")
    watch.add_argument("feeds", nargs="+", metavar="FEED", help="a feed URL (http:// or https://) or a feed file")
    watch.add_argument("--interval", type=_seconds, default=900.0, metavar="SECONDS",
                       help="seconds from the start of one round to the next (default: 900)")
    rounds = watch.add_mutually_exclusive_group()
    rounds.add_argument("--rounds", type=_positive, metavar="N", help="stop after N rounds (default: until Ctrl-C)")
    rounds.add_argument("--once", action="store_const", const=1, dest="rounds", help="one round, then stop")

    ask = commands.add_parser("ask", help="answer a question; without one, read questions from stdin")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON (one line per question)")
    ask.add_argument("-k", type=int, help="passages to retrieve")
    ask.add_argument("--source", help="only articles from this source")
    ask.add_argument("--after", help="only articles published on or after this date (YYYY-MM-DD)")
    ask.add_argument("--before", help="only articles published on or before this date (YYYY-MM-DD)")
    ask.add_argument("--groups", help=GROUPS_HELP)
    ask.add_argument("--answerer", help="'extractive' (default), 'smollm2', 'openai:MODEL', 'ollama:MODEL' or "
                     "'llamacpp:/path/model.gguf' (or ASSISTANT_ANSWERER; needs the llm extra)")

    articles = commands.add_parser("articles", help="list indexed articles")
    articles.add_argument("--json", action="store_true")
    articles.add_argument("--groups", help=GROUPS_HELP)

    delete = commands.add_parser("delete", help="remove an article from the index")
    delete.add_argument("article_id")

    serve = commands.add_parser("serve", help="serve the chat UI, the HTTP API and /embed (needs the web extra)")
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1, or ASSISTANT_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: 7860, or ASSISTANT_PORT)")

    evaluate = commands.add_parser("eval", help="measure answers and retrieval on a QA dataset (SQuAD 2.0 JSON or JSONL)")
    evaluate.add_argument("dataset", type=Path)
    evaluate.add_argument("--baseline", action="store_true", help="also measure the LangChain tutorial pipeline")
    evaluate.add_argument("--json", type=Path, metavar="PATH", help="write the full report (per question too) as JSON")
    evaluate.add_argument("--markdown", type=Path, metavar="PATH", help="write the report as Markdown tables")
    evaluate.add_argument("--limit", type=int, metavar="N", help="only N questions, spread evenly over the set")
    evaluate.add_argument("--articles", metavar="TITLES", type=lambda v: [t.strip() for t in v.split(",") if t.strip()],
                          help="ask only the questions about these comma-separated article titles (all stay indexed)")
    evaluate.add_argument("--without-reader", action="store_true",
                          help="also answer with the reader off (sentences only), in the same run")
    return parser


def _seconds(value: str) -> float:
    seconds = float(value)
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a positive number of seconds")
    return seconds


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a positive integer")
    return int(value)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        settings = Settings.from_env(
            index_dir=args.index, corpus_dir=args.corpus, chroma_url=args.chroma_url,
            answerer=getattr(args, "answerer", None),
        )
        if args.verbose and logging.getLevelName(settings.log_level.upper()) > logging.INFO:
            settings = settings.replace(log_level="INFO")
        if args.command in ("ask", "watch"):  # a one-shot answer, one line per round: no bar
            settings = settings.replace(progress=False)
        if args.command == "serve":
            settings = for_server(settings)
        configure(settings.log_level)
        if args.command == "eval":  # builds its own temporary index
            from .eval.evaluate import run_command

            return run_command(settings, args.dataset, args.baseline, args.json, args.markdown, args.limit, stdout,
                               without_reader=args.without_reader, articles=args.articles)
        from .assistant import Assistant

        assistant = Assistant.from_settings(settings)
        return _COMMANDS[args.command](assistant, args, stdin, stdout)
    except AssistantError as exc:
        print(f"assistant: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _ingest(assistant: Assistant, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    report = assistant.ingest(args.paths or None, sync=args.sync)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False), file=out)
    else:
        _print_report(report, out)
    return EXIT_PARTLY_FAILED if report.partly_failed else 0


def _watch(assistant: Assistant, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    """One line per round; Ctrl-C stops it between or during rounds (an interrupted ingest is
    repaired by the next one: the index's commit markers)."""
    report, done = None, 0
    try:
        for done, report in enumerate(assistant.watch(args.feeds, args.interval, args.rounds), start=1):
            print(_round_line(done, report), file=out, flush=True)
    except KeyboardInterrupt:
        print(f"stopped after {done} round{'s' * (done != 1)}", file=out, flush=True)
        return 0
    return EXIT_PARTLY_FAILED if report is not None and report.partly_failed else 0


def _round_line(number: int, report: IngestReport) -> str:
    """E.g. ``2024-05-02 08:15:00 round 2: 1 added, ... (3 chunks in 0.4 s); added: Port strike ends;
    failed: https://news.example/rss: cannot fetch the feed: the server answered 500 ...``"""
    parts = [f"{time.strftime('%Y-%m-%d %H:%M:%S')} round {number}: {report.summary()}"]
    for label, entries in (("added", report.added), ("updated", report.updated)):
        if entries:
            parts.append(f"{label}: " + " | ".join(entry.title for entry in entries))
    parts += [f"failed: {entry.reason}" for entry in report.failed]
    return "; ".join(parts)


def _print_report(report: IngestReport, out: TextIO) -> None:
    for label, entries in (("added", report.added), ("updated", report.updated),
                           ("removed", report.removed), ("duplicate", report.duplicates)):
        for entry in entries:
            reason = f": {entry.reason}" if entry.reason else ""
            print(f"{label:9} {entry.key} ({entry.title}){reason}", file=out)
    for entry in report.failed:
        print(f"failed    {entry.reason}", file=out)
    print(report.summary(), file=out)


def _ask(assistant: Assistant, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from .answer.retrieve import Filters

    filters = Filters(args.source, args.after, args.before)
    groups = getattr(args, "groups", None)  # a Namespace built by hand may lack it: anonymous
    assistant.ensure_index()
    if args.question is not None and not args.json and not isinstance(assistant.answerer, ExtractiveAnswerer):
        _print_streamed(assistant, args.question, args.k, filters, out, groups)
        return 0
    if args.question is not None:
        answer = assistant.ask(args.question, k=args.k, filters=filters, groups=groups)
        print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else _readable(answer), file=out)
        return 0
    status = 0
    for line in stdin:  # batch mode: models load once, one answer per line
        if not line.strip():
            continue
        try:
            result = assistant.ask(line.rstrip("\n"), k=args.k, filters=filters, groups=groups).to_dict()
        except AssistantError as exc:
            result, status = {"question": line.rstrip("\n"), "error": str(exc)}, EXIT_ERROR
        if args.json:
            print(json.dumps(result, ensure_ascii=False), file=out, flush=True)
        else:
            print(result.get("answer", result.get("error")), file=out, flush=True)
    return status


def _print_streamed(assistant: Assistant, question: str, k: int | None, filters: object, out: TextIO,
                    groups: str | None = None) -> None:
    """A model's draft as it is written, then the checked answer (when the check changed it)
    and the sources: printed tokens cannot be taken back, so a correction is shown, not hidden."""
    streamed: list[str] = []
    answer = None
    for event in assistant.stream(question, k=k, filters=filters, groups=groups):  # type: ignore[arg-type]
        if event.kind == "delta":
            streamed.append(event.text)
            print(event.text, end="", file=out, flush=True)
        elif event.kind == "done":
            answer = event.answer
    assert answer is not None  # stream() always ends with "done"
    same = "".join(streamed).strip() == answer.text.strip()
    print("\n" if same else f"\n\n{CHECKED_HEADING}", file=out)
    print(_readable(answer, with_text=not same), file=out)


def _readable(answer: Answer, with_text: bool = True) -> str:
    """The answer as the terminal shows it: understood as, as of, the short answer, the timeline,
    the quotes, notes, then the numbered sources with their dates.

    A timeline reads as ``2020-08-22  Russian opposition leader ... [1]``, one line per entry,
    oldest first: ISO dates, so that the column lines up; elsewhere dates are in words."""
    lines = []
    if answer.standalone_question and answer.standalone_question != answer.question:
        lines.append(f"Understood as: {answer.standalone_question}")
    if answer.as_of and not answer.text.startswith("As of"):  # a dated answer's text says it itself
        lines += [f"As of {human_date(answer.as_of)}", ""]
    if answer.short_answer and with_text:
        lines += [answer.short_answer]  # the answer itself first, then the sentences that prove it
    if answer.confidence_words and with_text:
        lines.append(f"Confidence: {answer.confidence_words}")
    if (answer.short_answer or answer.confidence_words) and with_text:
        lines.append("")
    if with_text:  # a timeline's text repeats its entries after a lead line: the lead, then the entries
        lines.append(answer.text.split("\n")[0] if answer.timeline else answer.text)
    if answer.timeline:
        lines += ["", *_timeline_lines(answer)]
    lines += [f"(note: {note})" for note in answer.notes if note not in answer.text]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for c in answer.citations:
        where = ", ".join(x for x in (c.source, human_date(c.published), c.link) if x)  # the link opens at the quote
        lines.append(f"[{c.n}] {c.title}" + (f" ({where})" if where else ""))
        lines.append(f"    \u201c{c.quote}\u201d (characters {c.start}-{c.end})")
    return "\n".join(lines)


def _timeline_lines(answer: Answer) -> list[str]:
    return ["Timeline:"] + [f"{entry.date[:10]:10}  {entry.text} [{entry.citation}]" for entry in answer.timeline]


def _articles(assistant: Assistant, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    records = assistant.articles(getattr(args, "groups", None))
    if args.json:
        rows = [{k: v for k, v in asdict(r).items() if k not in ("text", "body_hash")} for r in records]
        print(json.dumps(rows, ensure_ascii=False), file=out)
        return 0
    for r in records:
        labels = f"  [{', '.join(r.access)}]" if r.access else ""
        print(f"{r.id}  {r.published or '----------':10}  {r.chunks:3} chunks  {r.title} ({r.source or r.key}){labels}",
              file=out)
        for c in r.copies:  # the same text published elsewhere, indexed once
            print(f"{'':16}  {c.published or '----------':10}  also as  {c.title} ({c.source or c.key})", file=out)
    hidden = assistant.count_articles("*") - len(records)
    more = f" ({hidden} more with access labels: --groups GROUP,... or --groups '*' lists them)" if hidden else ""
    print(f"{len(records)} articles{more}", file=out)
    return 0


def _delete(assistant: Assistant, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    record = assistant.delete(args.article_id)
    print(f"deleted {record.id} ({record.title})", file=out)
    return 0


def _serve(assistant: Assistant, args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    from .web.server import serve

    settings = assistant.settings.replace(**{k: v for k, v in (("host", args.host), ("port", args.port)) if v})
    serve(assistant, settings)
    return 0


_COMMANDS = {"ingest": _ingest, "watch": _watch, "ask": _ask, "articles": _articles, "delete": _delete, "serve": _serve}


if __name__ == "__main__":
    raise SystemExit(main())
