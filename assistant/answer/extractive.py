"""The extractive answerer (the default: no language model); the Answer shape is in answers.py.

The extractive answerer quotes the one to three sentences of the retrieved passages that best
answer the question. Each candidate sentence is scored by

* its embedding similarity to the question (the model's notion of meaning: "set up" ~ "established";
  a web page's sentence is embedded at ingest after the page's title and its nearest heading:
  ingest/chunking.py, ``sentences_to_embed``),
* the share of the question's content words it contains (stemmed, so "discussions" ~ "discuss"),
* a small bonus when the question asks *when* / *how many* and the sentence holds a date / number,
* for a question about a default ("what is X set to by default?"), or a question for a quantity
  ("how long does a backend wait ...?") whose best sentence holds none, a sentence that states a
  default ("The default value is 4MB.", in the asked unit) scores at least as well as the best
  sentence of its section (between the headings around it), plus credit when the question names
  the section's heading (defaults.py).

The reader (reader.py) then decides whether any of the best sentences answers, and which one
answers best, with its short answer (reading.py). For a "why" question whose best sentence gives
no reason, the sentence after it is quoted next when it gives one. The answer abstains when the
question names something no retrieved passage mentions (names.py) or the best sentence scores
below ``abstain_below``: a threshold calibrated on the SQuAD 2.0 dev set (see
docs/evaluation.md), not on one question.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from ..access import ANONYMOUS, Viewer
from .answers import CHECKED_HEADING, Answer, Citation, ShortAnswerAt, abstention  # noqa: F401 - also imported from here
from .confidence import answer_confidence
from .defaults import asks_default, lift_defaults, states_default
from .asks import NUMBER, asks_yes_no, quotable_kinds, wants
from .names import unmatched_names
from .reading import Candidate, on_topic, read_answer
from .reasons import with_reason
from .terms import terms as _terms
from ..ingest.dates import human_date

if TYPE_CHECKING:
    import numpy as np

    from ..index.embeddings import Embedder
    from ..index.lexical import LexicalIndex
    from ..index.store import Store
    from .reader import Reader
    from .retrieve import Passage

WEIGHTS = {"semantic": 1.0, "lexical": 0.35, "type": 0.08}
MARGIN = 0.10  # sentences scoring within this of the best are quoted too (docs/evaluation.md)


class ExtractiveAnswerer:
    """Picks the best sentences of the retrieved passages and cites each one."""

    def __init__(self, embedder: Embedder, abstain_below: float = 0.3, max_sentences: int = 3,
                 max_candidates: int = 16, cache_size: int = 20_000, reader: Reader | None = None,
                 read_top: int = 3, store: Store | None = None, lexical: LexicalIndex | None = None,
                 reread_top: int = 10) -> None:
        self.embedder = embedder
        self.store = store  # sentence vectors computed at ingest (Store.sentence_vectors)
        self.lexical = lexical  # word counts: names the corpus is about need not be in the passages
        self.reader = reader  # finds the short answer and decides whether anything answers; None: off
        self.read_top = read_top  # the best-scored candidate sentences the reader reads to decide (reading.py)
        self.reread_top = reread_top  # ... and reads, once one answers, to choose the sentence quoted first
        self.abstain_below = abstain_below
        self.max_sentences = max_sentences
        self.max_candidates = max_candidates
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()  # chunk ids carry the content hash
        self._lock = threading.Lock()

    def score(self, question: str, vector: np.ndarray, passages: list[Passage],
              limit: int | None = None) -> list[tuple[float, Candidate]]:
        """Every candidate sentence (the first ``limit``, default ``max_candidates``) with its score, best first."""
        candidates = _candidates(passages, limit or self.max_candidates, quotable_kinds(question))
        pattern = wants(question)
        if not candidates:
            return []
        semantic = self._vectors(candidates) @ vector
        terms = _terms(question)
        scored = []
        for cand, sim in zip(candidates, semantic):
            words = _terms(cand.text)
            lexical = len(terms & words) / len(terms) if terms else 0.0
            bonus = 1.0 if pattern is not None and pattern.search(cand.text) else 0.0
            total = WEIGHTS["semantic"] * float(sim) + WEIGHTS["lexical"] * lexical + WEIGHTS["type"] * bonus
            scored.append((total, cand))
        scored.sort(key=lambda item: -item[0])
        if asks_default(question) or (pattern is NUMBER and not NUMBER.search(scored[0][1].text)):
            scored = lift_defaults(question, scored, WEIGHTS["type"], WEIGHTS["lexical"])
            scored.sort(key=lambda item: -item[0])
        return scored

    def _vectors(self, candidates: list[Candidate]) -> np.ndarray:
        """Sentence vectors: from the cache, else as stored at ingest, else (an index written before
        they were stored) embedded now, the costliest step a question could have."""
        import numpy as np

        keys = [(c.passage.chunk.id, c.start) for c in candidates]
        with self._lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing and self.store is not None:
            stored = self.store.sentence_vectors(sorted({keys[i][0] for i in missing}))
            for i in missing:
                chunk_id, start = keys[i]
                if start in stored.get(chunk_id, {}):
                    found[keys[i]] = stored[chunk_id][start]
            missing = [i for i in missing if keys[i] not in found]
        if missing:
            fresh = self.embedder.embed([candidates[i].text for i in missing])
            found.update({keys[i]: vec for i, vec in zip(missing, fresh)})
        with self._lock:
            for key in keys:
                self._cache[key] = found[key]
                self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        vectors = [found[key] for key in keys]
        return np.stack(vectors)

    def answer(self, question: str, vector: np.ndarray, passages: list[Passage], viewer: Viewer = ANONYMOUS) -> Answer:
        unmatched = self.unmatched_names(question, passages, viewer)
        if unmatched:  # "Which port does MySQL listen on?" over a manual that never names MySQL
            return Answer(question=question, text=abstention(question, unmatched), abstained=True)
        scored = self.score(question, vector, passages)
        if not scored or scored[0][0] < self.abstain_below:
            return Answer(question=question, text=abstention(question), abstained=True)
        best = scored[0][0]
        chosen = [c for s, c in scored[: self.max_sentences] if s >= max(self.abstain_below, best - MARGIN)]
        span, found, made = None, None, []
        if self.reader is not None:
            top = [c for _, c in scored[: max(self.read_top, self.reread_top)]]
            found, made = read_answer(self.reader, question, top, decide=self.read_top)
            trust = self.reader.trust_yes_no_above if asks_yes_no(question) else self.reader.trust_scorer_above
            if found is None and best < trust:
                return Answer(question=question, text=abstention(question), abstained=True)
            if found is not None:  # else the scorer is sure enough: the sentences, with no short answer
                cand, span = found.sentence, found.span
                if found.reading.answerable_score < self.reader.short_answer_above or not on_topic(question, found.window):
                    # it answers, but a phrase this unsure is more often wrong than right; or it is read
                    # from a passage about something else ("Who is the U.S. ambassador to Japan?" is not
                    # answered "China" from "China, a neighbor of Japan, ..."): the quotes answer alone
                    span = None
                # The reader's sentence first, and every sentence the scorer chose after it (one more
                # quote when the reader's is not among them: the scorer's best stays cited).
                chosen = [cand, *(c for c in chosen if (c.passage.chunk.article_id, c.start) !=
                                  (cand.passage.chunk.article_id, cand.start))]
        chosen = _once(with_reason(question, chosen, max(len(chosen), self.max_sentences)))
        citations, parts = [], []
        for n, cand in enumerate(chosen, start=1):
            chunk = cand.passage.chunk
            score = next((s for s, c in scored if c is cand), best)
            citations.append(Citation(
                n=n, article_id=chunk.article_id, title=chunk.title, source=chunk.source, url=chunk.url,
                published=chunk.published, passage=chunk.text, quote=cand.text, start=cand.start,
                end=cand.end, score=round(score, 4), page=chunk.page_at(cand.start),
            ))
            parts.append(f"{cand.text} [{n}]")
        answer = Answer(question=question, text=" ".join(parts), abstained=False, citations=citations)
        if span is not None and not asks_yes_no(question):  # a phrase is not a yes or a no: the quote answers
            span = whole_range(chosen[0].text, span)
            answer.short_answer = chosen[0].text[span[0]:span[1]]
            answer.short_answer_at = ShortAnswerAt(1, span[0], span[1])
        answer_confidence(self.reader, question, answer, scored, found, made, MARGIN)
        return answer

    def unmatched_names(self, question: str, passages: list[Passage], viewer: Viewer = ANONYMOUS) -> list[str]:
        """The names of ``question`` that no passage's title or text mentions (answer/names.py),
        except names the corpus is about (``LexicalIndex.is_common``, counting what ``viewer`` may read)."""
        # A news report gives its year as its date: "... in 2019?" is answered by a report of 2019.
        texts = (f"{p.chunk.title}\n{p.chunk.text}\n{human_date(p.chunk.published)}" for p in passages)
        lexical, store = self.lexical, self.store
        common = None if lexical is None or store is None else lambda name: lexical.is_common(store, name, viewer)
        return unmatched_names(question, texts, common)


_RANGE_START = re.compile(r"\b\d[\d,./-]*(?:\s*(?:%|percent))?\s+to\s+$")


def whole_range(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A figure read as the end of a range is given with its start: the reader may answer "1/4 percent"
    where the sentence says "at 0 to 1/4 percent".

    Example: ``whole_range("kept at 0 to 1/4 percent.", (13, 24))`` -> ``(8, 24)``
    """
    if not text[span[0]:span[1]][:1].isdigit():
        return span
    found = _RANGE_START.search(text[:span[0]])
    return (found.start(), span[1]) if found else span


def _candidates(passages: list[Passage], limit: int, kinds: frozenset[str] = frozenset({"prose"})) -> list[Candidate]:
    """Sentences of the passages of the quotable ``kinds``, best passage first, each sentence once."""
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for passage in passages:
        chunk = passage.chunk
        for number, (start, end) in enumerate(chunk.sentences):
            key = (chunk.article_id, start)
            text = chunk.between(start, end)
            if chunk.kinds and chunk.kinds[number] not in kinds:
                continue  # a heading, table row or line of code, when the question did not ask for one
            # Headlines and captions name the story and rarely answer a question; a short sentence
            # stating a default does ("The default is 1 GB.").
            if key in seen or (len(_terms(text)) < 3 and not states_default(text)) or text == chunk.title:
                continue
            seen.add(key)
            out.append(Candidate(passage, start, end, text))
            if len(out) == limit:
                return out
    return out


def _once(chosen: list[Candidate]) -> list[Candidate]:
    """Each sentence quoted once: two pages (or one page twice) may say it word for word."""
    said: dict[str, Candidate] = {}
    for cand in chosen:
        said.setdefault(" ".join(cand.text.lower().split()), cand)
    return list(said.values())
