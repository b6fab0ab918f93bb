"""Where the reader reads: candidate sentences in their windows, and which sentence answers.

The extractive answerer (extractive.py) ranks candidate sentences by how much they are *like*
the question. That finds the right passage, but in a news report the sentence most like the
question is often the lead that restates the event ("Paweł Adamowicz, mayor of Gdańsk, was
stabbed ..."), not the one that holds the asked fact ("... has been mayor since 1998."). The
reader, which reads each sentence with its neighbours, can tell the two apart. So ``read_answer``
works in two steps:

1. **Whether anything answers** (as calibrated, docs/evaluation.md): the best-scored sentence is
   read alone; the next ones (``decide`` in all) together, only when it does not answer. The
   first, in the scorer's order, whose reading clears ``reader.threshold`` answers.
2. **Which sentence answers best**, only once one does: the best ``len(candidates)`` sentences
   of the answering sentence's article are read, each window alone, and one whose reading scores
   at least ``SWITCH_MARGIN`` above the answering sentence's takes its place (for "how many",
   "how long" and the like, only one whose phrase holds a number). Each window is read alone because the int8 reader
   quantises a batch with one scale: a window's score would depend on the windows beside it.

Step 2 never turns an abstention into an answer or back: only the sentence quoted first, and its
short answer, change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .asks import NUMBER, wants
from .names import question_names
from .terms import terms as _terms

if TYPE_CHECKING:
    from .reader import Reader, Reading, Window
    from .retrieve import Passage

# How much more surely (in reading score) another sentence must read as answering to be quoted
# first instead of the scorer's choice. Measured in docs/evaluation.md ("The reader chooses the
# sentence"): 1 and 2 give the same figures on the news and SQuAD sets, 0 loses SQuAD answers, 3
# news answers.
SWITCH_MARGIN = 2.0


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage: article offsets [start, end) and its text."""

    passage: Passage
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Found:
    """The reader's answer: the sentence holding it, the span in that sentence, the reading, its window's text."""

    sentence: Candidate
    span: tuple[int, int]
    reading: Reading
    window: str


def read_answer(reader: Reader, question: str, candidates: list[Candidate],
                decide: int) -> tuple[Found | None, list[Reading]]:
    """The reader's answer among ``candidates`` (best-scored first) and the readings of step 1
    (in the candidates' order; ``Reading.window`` is the candidate's index): see the module docstring.

    An answer found in another sentence's window than the best-scored one's counts only if that
    window shares a content word with the question besides its names (``on_topic``)."""
    windows = [window_of(c) for c in candidates]
    made: list[Reading] = []
    found: Found | None = None
    for group in (range(0, min(1, decide, len(windows))), range(1, min(decide, len(windows)))):
        readings = reader.read(question, [windows[i] for i in group])
        made += [replace(r, window=i) for i, r in zip(group, readings)]
        found = next((f for f in (_found(reader, question, candidates[i], windows[i], replace(r, window=i))
                                  for i, r in zip(group, readings)) if f is not None), None)
        if found is not None:
            break
    if found is None or len(candidates) < 2:
        return found, made
    article = found.sentence.passage.chunk.article_id  # the scorer chose the report; the reader, its sentence
    same = [i for i, c in enumerate(candidates) if c.passage.chunk.article_id == article]
    alone = {i: made[0] if i == 0 else replace(reader.read(question, [windows[i]])[0], window=i) for i in same}
    # "How long ...?" is answered by a number ("one second"), not "for a while"; "when" is not read
    # so (asks.py ``wants``): it also opens clauses ("What time did she run when she set the record?").
    number = wants(question) is NUMBER
    best = max((f for f in (_found(reader, question, candidates[i], windows[i], alone[i]) for i in same)
                if f is not None and (not number or NUMBER.search(f.reading.text))),
               key=lambda f: f.reading.answerable_score, default=None)
    bar = alone[found.reading.window].answerable_score + SWITCH_MARGIN  # the answering window, read alone
    return (best if best is not None and best.reading.answerable_score >= bar else found), made


def _found(reader: Reader, question: str, cand: Candidate, window: Window, reading: Reading) -> Found | None:
    """The answer ``reading`` gives in ``cand``'s window, or None when it does not clear the threshold,
    is empty, or (for a window other than the best-scored one) is off the question's topic."""
    if reading.answerable_score < reader.threshold or not reading.text.strip():
        return None
    chunk = cand.passage.chunk
    start = chunk.start + window.offset + reading.start  # article offsets of the span
    end = chunk.start + window.offset + reading.end
    sentence = sentence_at(cand, start, end)
    start, end = max(start, sentence.start), min(end, sentence.end)  # a span across sentences is cut to one
    if start >= end or not (reading.window == 0 or on_topic(question, window.text)):
        return None
    return Found(sentence, (start - sentence.start, end - sentence.start), reading, window.text)


def on_topic(question: str, text: str) -> bool:
    """Whether the text holds a content word of the question besides its names: "Who is the prime
    minister of Japan?" is not answered from "... if China tries to invade ..." (which names Japan)."""
    topic = _terms(question) - _terms(" ".join(question_names(question)))
    return not topic or bool(topic & _terms(text))


def window_of(cand: Candidate) -> Window:
    """The candidate sentence with its neighbours in the chunk, as the reader reads it."""
    from .reader import Window

    chunk = cand.passage.chunk
    spans = [(s - chunk.start, e - chunk.start) for s, e in chunk.sentences]
    index = next(i for i, (s, _) in enumerate(chunk.sentences) if s == cand.start)
    return Window.around(chunk.text, spans, index)


def sentence_at(cand: Candidate, start: int, end: int) -> Candidate:
    """The sentence of ``cand``'s chunk that holds article offsets [start, end): ``cand`` itself,
    or a neighbour of prose (or of its own kind) when the reader's answer lies in the context around it."""
    chunk = cand.passage.chunk
    kind = {s: k for (s, _), k in zip(chunk.sentences, chunk.kinds)}
    for s, e in chunk.sentences:
        if s <= start and end <= e and s != cand.start and kind.get(s, "prose") in ("prose", kind.get(cand.start)):
            return Candidate(cand.passage, s, e, chunk.between(s, e))
    return cand  # the span is cut to the candidate: a heading, code or table row around it is context only
