"""Citation checking: does each ``[n]`` really support the sentence it follows?

A model's answer is split into sentences; each sentence keeps the markers written in or right
after it. Markers pointing at no passage are dropped. Every cited sentence is then scored
against each sentence of each passage it cites:

    support = cosine(claim, passage sentence) + LEXICAL_WEIGHT * share of the claim's content
              words (stemmed) found in that passage sentence

and the best passage sentence is the evidence. A sentence is *verified* when its best support
reaches ``threshold`` and every number it states appears in the cited passage (an embedding
barely tells "2010" from "2012"; a lexical check does). The threshold is measured on SQuAD 2.0
dev (true answer sentences vs. the best sentence of another paragraph of the same article): see
docs/evaluation.md and ``benchmarks/citecheck.py``.

The trade-off accepted: this is a similarity check, not entailment. A claim that rewords its
passage but flips its meaning ("did not" for "did") can pass; a claim stitched from two
sentences may score below one. It reliably catches the common failures: a citation to the
wrong passage, text from outside the passages, and a model that follows an instruction hidden
in an article (a poem, a role-play, a link) instead of answering. It checks attribution, not
truth: a claim an article states, even inside an injected instruction, is supported by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .terms import terms as _terms

if TYPE_CHECKING:
    from ..index.embeddings import Embedder
    from .retrieve import Passage

LEXICAL_WEIGHT = 0.35
DEFAULT_THRESHOLD = 0.65  # measured; see the module docstring
_MARKERS = re.compile(r"\s*\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|;|and)\s*\d+)*)\s*\]", re.IGNORECASE)
_LEADING = re.compile(r"^(?:\s*\[\s*(?:passages?\s*)?\d+(?:\s*(?:,|;|and)\s*\d+)*\s*\])+", re.IGNORECASE)
_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Evidence:
    """The sentence of passage ``n`` that best supports a claim, with its article offsets."""

    n: int
    score: float
    quote: str
    start: int
    end: int
    supports: bool


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of a model's answer, as checked."""

    text: str                      # the sentence without its markers
    cited: tuple[int, ...]         # markers that point at a passage
    dropped: tuple[int, ...]       # markers that point at no passage (removed)
    evidence: tuple[Evidence, ...]
    verified: bool
    reason: str                    # "supported", "no citation", "not supported by the cited passage", ...

    @property
    def supported_by(self) -> tuple[int, ...]:
        return tuple(e.n for e in self.evidence if e.supports)


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the passage numbers cited in or right after each.

    Example: ``split_claims("It began in 2010 [2]. Talks follow. [1]")`` ->
    ``[("It began in 2010.", [2]), ("Talks follow.", [1])]``
    """
    from ..ingest.chunking import split_sentences

    claims: list[tuple[str, list[int]]] = []
    for start, end in split_sentences(text):
        piece = text[start:end]
        leading = _LEADING.match(piece)
        if leading and claims:  # "... said so. [1] Next sentence": [1] belongs to the sentence before
            claims[-1][1].extend(_numbers(leading.group()))
            piece = piece[leading.end():]
        markers = _numbers(" ".join(m.group() for m in _MARKERS.finditer(piece)))
        clean = _tidy(_MARKERS.sub("", piece))
        if clean:
            claims.append((clean, markers))
        elif markers and claims:
            claims[-1][1].extend(markers)
    return claims


class CitationChecker:
    """Checks an answer's sentences against the passages they cite."""

    def __init__(self, embedder: Embedder, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def check(self, text: str, passages: list[Passage]) -> list[SentenceCheck]:
        claims = split_claims(text)
        valid = [[n for n in dict.fromkeys(markers) if 1 <= n <= len(passages)] for _, markers in claims]
        sentences = {n: _sentences(passages[n - 1]) for n in sorted({n for ns in valid for n in ns})}
        scores = self.support([c for c, _ in claims], valid, {n: [t for t, _, _ in s] for n, s in sentences.items()})
        checks = []
        for i, ((claim, markers), cited) in enumerate(zip(claims, valid)):
            dropped = tuple(n for n in dict.fromkeys(markers) if n not in cited)
            evidence = []
            for n in cited:
                score, best = scores[(i, n)]
                quote, start, end = sentences[n][best] if best >= 0 else ("", -1, -1)
                ok = score >= self.threshold and _numbers_found(claim, passages[n - 1].chunk.text)
                evidence.append(Evidence(n, round(score, 4), quote, start, end, ok))
            verified = any(e.supports for e in evidence)
            reason = ("supported" if verified else "no citation" if not markers
                      else "cites no passage" if not cited else "not supported by the cited passage")
            checks.append(SentenceCheck(claim, tuple(cited), dropped, tuple(evidence), verified, reason))
        return checks

    def support(self, claims: list[str], cites: list[list[int]],
                sentences: dict[int, list[str]]) -> dict[tuple[int, int], tuple[float, int]]:
        """(claim index, passage number) -> (best support score, index of the best sentence).

        ``cites[i]`` are the passage numbers claim ``i`` cites; ``sentences[n]`` the sentences of
        passage ``n``. Everything is embedded in one batch.
        """
        numbers = [n for n in sentences if sentences[n]]
        flat = [s for n in numbers for s in sentences[n]]
        if not flat or not any(cites):
            return {}
        vectors = self.embedder.embed(list(claims) + flat)
        claim_vecs, sent_vecs = vectors[: len(claims)], vectors[len(claims):]
        offsets, at = {}, 0
        for n in numbers:
            offsets[n] = (at, at + len(sentences[n]))
            at += len(sentences[n])
        words = [_terms(s) for s in flat]
        out = {}
        for i, ns in enumerate(cites):
            terms = _terms(claims[i])
            for n in ns:
                lo, hi = offsets.get(n, (0, 0))
                best, best_j = -1.0, -1
                for j in range(lo, hi):
                    lexical = len(terms & words[j]) / len(terms) if terms else 0.0
                    score = float(sent_vecs[j] @ claim_vecs[i]) + LEXICAL_WEIGHT * lexical
                    if score > best:
                        best, best_j = score, j - lo
                out[(i, n)] = (best, best_j)
        return out


def _sentences(passage: Passage) -> list[tuple[str, int, int]]:
    """(text, article start, article end) of each sentence of a passage."""
    chunk = passage.chunk
    spans = chunk.sentences or ((chunk.start, chunk.end),)
    return [(chunk.between(s, e), s, e) for s, e in spans]


def _numbers(markers: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", markers)]


def _numbers_found(claim: str, passage: str) -> bool:
    """Every number the claim states appears in the passage (commas ignored: 1,000 == 1000)."""
    have = {n.replace(",", "") for n in _NUMBERS.findall(passage)}
    return all(n.replace(",", "") in have for n in _NUMBERS.findall(claim))


def _tidy(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
