"""How likely an answer is right: two small logistic models over what the answerer knows.

Shipped as the answer's ``confidence``: ``decision.json`` beside the reader holds two models
fitted by scripts/fit_confidence.py on the answers the assistant gives to SQuAD questions of
articles the reader never trained on, and ``confidence.answer_confidence`` reports the probability
that what an answer shows first (its short answer, else its first quote) is right.

Measured, not shipped: the same models as the *decision* to answer or abstain (scripts/fit_decision.py,
over ``proposal.propose``; docs/evaluation.md, "A learned answer decision"). What it would do:

The extractive answerer proposes an answer for every question: the sentence holding the reader's
best span, that span as the short answer, and the scorer's other good sentences. What it knows
about the proposal is a handful of *features* (``features``): the reader's scores, the sentence
scorer's, what kind of question it is, whether the question names something no passage mentions,
whether the span merely repeats the question. Two logistic regressions over them, fitted on SQuAD
articles that neither the reader nor anything else here was trained on (scripts/fit_decision.py),
give

* ``quote``: the probability that the first quoted sentence holds the answer, and
* ``short``: the probability that the short answer is right (SQuAD F1 of at least 0.5).

The answerer would abstain when ``quote`` is below ``answer_above``, shows the short answer only
when ``short`` is above one half (more likely right than wrong), and reports as ``confidence`` the
probability of what it shows first (the short answer when shown, else the first quote). Both
models are plain numbers in a JSON file; the evaluation says how well the probabilities are
calibrated on articles the fit never saw.

Example::

    decision = Decision.load(Path("assistant/answer/reader_model/decision.json"))
    p = decision.probability("quote", {"reading": 6.2, "scorer": 0.71, ...})
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .asks import wants
from .terms import terms

# The question's kind, by its first question word (a yes/no question by its verb).
_KINDS = (
    ("when", re.compile(r"\bwhen\b|\bwhat (year|date|century|decade|day|month|time)\b|\bwhich (year|date|century)\b", re.I)),
    ("number", re.compile(r"\bhow (many|much|long|old|far|big|large|often|tall|high)\b|\bwhat (percentage|number|amount)\b", re.I)),
    ("who", re.compile(r"\bwho(m|se)?\b", re.I)),
    ("where", re.compile(r"\bwhere\b", re.I)),
    ("why", re.compile(r"\bwhy\b", re.I)),
    ("how", re.compile(r"\bhow\b", re.I)),
)
KINDS = tuple(name for name, _ in _KINDS) + ("yes_no",)
_CLIP = 15.0  # reader scores beyond this say nothing more (and a missing reading is -_CLIP)


def question_kind(question: str, yes_no: bool) -> str:
    """``"yes_no"``, one of ``KINDS`` by the question's words, or ``"what"`` (what/which/other).

    Example: ``question_kind("How many ships sank?", False)`` -> ``"number"``
    """
    if yes_no:
        return "yes_no"
    return next((name for name, pattern in _KINDS if pattern.search(question)), "what")


def features(question: str, *, yes_no: bool, reading: float, span_score: float, reading_top: float,
             reading_rank: int, scorer: float, scorer_second: float, scorer_of_read: float,
             window: str, span: str, names: list[str], unmatched: int) -> dict[str, float]:
    """The numbers the decision reads, from what the answerer knows about its proposal.

    ``reading``/``span_score``: the reader's best reading (answerable score, span logits) over the
    windows it read; ``reading_top``: its reading of the scorer's best sentence; ``reading_rank``:
    the scorer's rank of the sentence it prefers; ``scorer``/``scorer_second``/``scorer_of_read``:
    the scorer's best, second and the preferred sentence's scores; ``window``: the text the reader
    read there; ``span``: its answer; ``names``: the question's names; ``unmatched``: how many of
    them no retrieved passage mentions.
    """
    asked = terms(question)
    topic = asked - terms(" ".join(names))
    said = terms(span)
    kind = question_kind(question, yes_no)
    expected = wants(question)
    out = {
        "reading": _clip(reading),
        "span_score": _clip(span_score),
        "reading_top": _clip(reading_top),
        "reading_elsewhere": float(reading_rank > 0),
        "scorer": scorer,
        "scorer_gap": scorer - scorer_second,
        "scorer_of_read": scorer_of_read,
        "topic": len(topic & terms(window)) / len(topic) if topic else 1.0,
        "unmatched": float(min(unmatched, 2)),
        "echo": len(said & asked) / len(said) if said else 1.0,
        "span_words": math.log1p(len(span.split())),
        # A "when" question answered by a span holding a date, a "how many" by one holding a number.
        "span_fits": 1.0 if expected is None else float(bool(span) and expected.search(span) is not None),
    }
    out.update({f"kind_{k}": float(kind == k) for k in KINDS})
    return out


def _clip(value: float) -> float:
    return max(-_CLIP, min(_CLIP, value)) if math.isfinite(value) else -_CLIP


@dataclass(frozen=True)
class Model:
    """One logistic regression: standardised features, weights, intercept."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.intercept + sum(w * (values.get(n, 0.0) - m) / s
                                 for n, m, s, w in zip(self.names, self.mean, self.scale, self.weights))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Model:
        return cls(tuple(d["names"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["weights"]), float(d["intercept"]))


@dataclass(frozen=True)
class Decision:
    """The fitted models and the one threshold: answer when ``quote`` reaches ``answer_above``."""

    quote: Model
    short: Model
    answer_above: float
    short_above: float = 0.5  # a short answer is shown only when more likely right than wrong
    about: Mapping[str, Any] | None = None  # how it was fitted and what it measured

    def probability(self, which: str, values: Mapping[str, float]) -> float:
        return (self.quote if which == "quote" else self.short).probability(values)

    @classmethod
    def load(cls, path: Path) -> Decision:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(Model.from_dict(d["quote"]), Model.from_dict(d["short"]), float(d["answer_above"]),
                   float(d.get("short_above", 0.5)), d.get("about"))

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"answer_above": self.answer_above, "short_above": self.short_above,
                                          "quote": self.quote.to_dict(), "short": self.short.to_dict(),
                                          "about": self.about or {}}, indent=1) + "\n", encoding="utf-8")


def in_words(confidence: float) -> str:
    """How sure, said plainly: the band and the percentage.

    Example: ``in_words(0.83)`` -> ``"likely right (83%)"``
    """
    pct = round(100 * confidence)
    if confidence >= 0.9:
        band = "very likely right"
    elif confidence >= 0.7:
        band = "likely right"
    elif confidence >= 0.5:
        band = "more likely right than wrong"
    elif confidence >= 0.3:
        band = "uncertain"
    else:
        band = "doubtful"
    return f"{band} ({pct}%)"
