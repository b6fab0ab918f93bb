"""``assistant eval``: measure retrieval, answers, abstention and latency on a QA dataset.

The dataset's articles (SQuAD) or the corpus directory (JSONL) are ingested into a temporary
index with the current settings, and every question is asked against the whole index, as a
user would ask it. For each question the run records where the first passage holding a gold
answer ranks among the top 10 (``Retriever.search``), then the full ``Assistant.ask``: its
answer, whether it abstained, what it cited first, and how long each took.

With a ``TutorialPipeline`` (``--baseline``), the same articles go through the LangChain
tutorial pipeline in the same run and its retrieval is scored the same way, so the two can be
compared as ratios on the same machine at the same moment. Report rendering lives in
:mod:`assistant.eval.report`; metric definitions in :mod:`assistant.eval.metrics`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data import Dataset, DatasetError, Question
from .metrics import Outcome, contains_answer, first_hit, shown_right, squad_scores, summarise
from .report import ASSISTANT, NO_READER, TUTORIAL, EvalReport

if TYPE_CHECKING:
    from ..assistant import Assistant
    from .baseline import TutorialPipeline

TOP = 10  # passages ranked per question for hit@k and MRR@10


def build_index(assistant: Assistant, dataset: Dataset, workdir: Path) -> list[tuple[str, str]]:
    """Ingest the dataset's articles (or the corpus); return the indexed ``(title, text)`` pairs."""
    if dataset.articles:
        path = Path(workdir) / "articles.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for title, text in dataset.articles:
                out.write(json.dumps({"id": title, "title": title, "text": text}, ensure_ascii=False) + "\n")
        report = assistant.ingest([path])
    else:
        report = assistant.ingest()
    if report.failed:
        raise DatasetError(f"the articles could not be ingested: {report.failed[0].reason}")
    indexed = [(r.title, assistant.article(r.id).text) for r in assistant.articles()]
    expected = dict(dataset.articles)
    if any(title in expected and text != expected[title] for title, text in indexed):
        raise DatasetError("an article's indexed text differs from the dataset's; gold offsets would be wrong")
    return indexed


def ask_one(assistant: Assistant, question: Question, with_short: bool = False) -> tuple[Any, ...]:
    """Score one question through the assistant: retrieval ranks, then the full ask."""
    started = time.perf_counter()
    passages = assistant.retriever.search(question.question, TOP)
    retrieve_ms = (time.perf_counter() - started) * 1000
    ranked = [(p.chunk.title, p.chunk.start, p.chunk.end, p.chunk.text) for p in passages]
    started = time.perf_counter()
    answer = assistant.ask(question.question)
    ask_ms = (time.perf_counter() - started) * 1000
    first = answer.citations[0] if answer.citations else None
    cited_right = first is not None and question.title in (None, first.title) and contains_answer(
        first.passage, question.answers)
    said = "" if answer.abstained else (answer.short_answer or answer.text)  # what SQuAD 2.0 scores
    exact, f1 = squad_scores(said, question)
    outcome = Outcome(
        question, first_hit(question, ranked), retrieve_ms, ask_ms, answer.abstained,
        correct=not answer.abstained and contains_answer(answer.text, question.answers),
        answer_chars=None if answer.abstained else len(answer.text), cited_right=cited_right,
        exact=exact, f1=f1, confidence=getattr(answer, "confidence", None), short_shown=bool(answer.short_answer),
        shown_right=None if answer.abstained else shown_right(answer.short_answer, first.quote if first else "", question),
    )
    return (outcome, answer.text, answer.short_answer) if with_short else (outcome, answer.text)


def evaluate(assistant: Assistant, dataset: Dataset, workdir: Path,
             baseline: TutorialPipeline | None = None,
             on_progress: Callable[[int, int], None] | None = None,
             without_reader: Assistant | None = None) -> EvalReport:
    """Index the dataset, ask every question, and score every pipeline.

    ``without_reader`` is a second assistant over the same index with the reader off: the same
    questions answered by the sentence scorer alone, timed in the same run.
    """
    started = time.perf_counter()
    articles = build_index(assistant, dataset, workdir)
    ingest = {ASSISTANT: {"seconds": round(time.perf_counter() - started, 3)}}
    if baseline is not None:
        ingest[TUTORIAL] = {"seconds": round(baseline.ingest(articles), 3), "chunks": baseline.chunks}
    assistant.ask(dataset.questions[0].question)  # build the lexical index outside the timings
    outcomes: dict[str, list[Outcome]] = {ASSISTANT: [], NO_READER: [], TUTORIAL: []}
    rows = []
    for done, question in enumerate(dataset.questions, start=1):
        ours, text, short = ask_one(assistant, question, with_short=True)
        outcomes[ASSISTANT].append(ours)
        row = {"id": question.id, "question": question.question, "title": question.title,
               "answerable": question.answerable, "rank": ours.rank, "abstained": ours.abstained,
               "correct": ours.correct, "cited_right": ours.cited_right, "answer": text,
               "short_answer": short, "f1": ours.f1, "confidence": ours.confidence,
               "shown_right": ours.shown_right}
        if without_reader is not None:
            plain, _ = ask_one(without_reader, question)
            outcomes[NO_READER].append(plain)
            row["no_reader_abstained"], row["no_reader_f1"] = plain.abstained, plain.f1
        if baseline is not None:
            theirs = _tutorial_one(baseline, question)
            outcomes[TUTORIAL].append(theirs)
            row["tutorial_rank"] = theirs.rank
        rows.append(row)
        if on_progress:
            on_progress(done, len(dataset.questions))
    pipelines = [p for p in (ASSISTANT, NO_READER, TUTORIAL) if outcomes[p]]
    titles = sorted({q.title for q in dataset.questions if q.title})
    return EvalReport(
        dataset=dataset.name, settings=_settings(assistant),
        overall={p: summarise(outcomes[p]) for p in pipelines},
        per_article={t: {p: summarise([o for o in outcomes[p] if o.question.title == t]) for p in pipelines}
                     for t in titles},
        ingest=ingest, rows=rows,
    )


def _tutorial_one(baseline: TutorialPipeline, question: Question) -> Outcome:
    started = time.perf_counter()
    ranked = baseline.search(question.question, TOP)
    return Outcome(question, first_hit(question, ranked), (time.perf_counter() - started) * 1000)


def _settings(assistant: Assistant) -> dict[str, Any]:
    from ..answer import extractive

    s = assistant.settings
    names = ("chunk_chars", "chunk_overlap_chars", "k", "candidates", "rrf_k", "max_sentences", "abstain_below",
             "sentence_candidates", "reader", "reader_candidates", "reader_rereads")
    return {**{n: getattr(s, n) for n in names}, "weights": dict(extractive.WEIGHTS),
            "margin": getattr(extractive, "MARGIN", None)}




def run_command(settings: Any, dataset_path: Path, baseline: bool = False, json_path: Path | None = None,
                markdown_path: Path | None = None, limit: int | None = None, out: Any = None,
                embedder: Any = None, without_reader: bool = False, articles: list[str] | None = None) -> int:
    """``assistant eval``: a temporary index, the run, a table on ``out``, optional reports.

    ``embedder`` shares an already loaded model (tests); by default the settings' model loads.
    """
    import sys
    import tempfile

    from .data import load_dataset
    from .report import markdown, table

    out = out or sys.stdout
    dataset = load_dataset(dataset_path).only(articles).sample(limit)
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        settings = settings.replace(index_dir=Path(tmp) / "index", chroma_url="", progress=False)
        assistant = _assistant(settings, embedder)
        tutorial = None
        if baseline:
            from .baseline import TutorialPipeline

            tutorial = TutorialPipeline(Path(tmp) / "tutorial", settings.embedding_model,
                                        loaded=assistant.embedder.model)
        plain = None
        if without_reader and settings.reader != "off":
            from ..assistant import Assistant

            plain = Assistant(settings.replace(reader="off"), assistant.store, assistant.embedder, assistant.lexical)
        report = evaluate(assistant, dataset, Path(tmp), tutorial, _progress_bar(len(dataset.questions)), plain)
    print(table(report), file=out)
    if json_path:
        Path(json_path).write_text(json.dumps(report.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    if markdown_path:
        Path(markdown_path).write_text(markdown(report), encoding="utf-8")
    return 0


def _assistant(settings: Any, embedder: Any) -> Assistant:
    from ..assistant import Assistant

    if embedder is None:
        return Assistant.from_settings(settings)
    from ..index.lexical import LexicalIndex
    from ..index.store import Store

    store = Store.open(settings.index_dir, "", settings.collection)
    return Assistant(settings, store, embedder, LexicalIndex(settings.index_dir / "lexical", check_every_s=0.0))


def _progress_bar(total: int) -> Callable[[int, int], None] | None:
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="eval", unit="question")
    return lambda done, _: bar.update(done - bar.n)
