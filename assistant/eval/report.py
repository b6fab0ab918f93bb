"""What one evaluation run measured (:class:`EvalReport`), and its rendering: a terminal table and Markdown.

Both show the same rows: one line per metric, one column per pipeline (the assistant, the
tutorial baseline when measured) and their ratio; then the same per article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ASSISTANT, NO_READER, TUTORIAL = "assistant", "no reader", "tutorial"

@dataclass
class EvalReport:
    """Everything one run measured: settings, figures per pipeline, overall and per article."""

    dataset: str
    settings: dict[str, Any]
    overall: dict[str, dict[str, Any]]
    per_article: dict[str, dict[str, dict[str, Any]]]
    ingest: dict[str, dict[str, float]]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def ratios(self) -> dict[str, float | None]:
        """The assistant's figures over the tutorial's (retrieval; ask latency vs tutorial search)."""
        ours, theirs = self.overall.get(ASSISTANT, {}), self.overall.get(TUTORIAL)
        if not theirs:
            return {}
        pairs = {"hit@1": ("hit@1", "hit@1"), "hit@5": ("hit@5", "hit@5"), "mrr@10": ("mrr@10", "mrr@10"),
                 "retrieve_p50_ms": ("retrieve_p50_ms", "retrieve_p50_ms"),
                 "ask_p50_ms / tutorial retrieve_p50_ms": ("ask_p50_ms", "retrieve_p50_ms")}
        return {name: _ratio(ours.get(a), theirs.get(b)) for name, (a, b) in pairs.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "settings": self.settings, "overall": self.overall,
                "ratios": self.ratios(), "per_article": self.per_article, "ingest": self.ingest,
                "questions": self.rows}


# (key, label, kind): kind "share" prints 0.000, "ms" one decimal, "n" an integer.
METRICS = [
    ("questions", "questions", "n"), ("answerable", "answerable", "n"), ("unanswerable", "unanswerable", "n"),
    ("hit@1", "retrieval hit@1", "share"), ("hit@4", "retrieval hit@4", "share"),
    ("hit@5", "retrieval hit@5", "share"), ("mrr@10", "retrieval MRR@10", "share"),
    ("squad_f1", "SQuAD 2.0 F1", "share"), ("squad_em", "SQuAD 2.0 exact match", "share"),
    ("answer_accuracy", "answer accuracy", "share"), ("median_answer_chars", "median answer (chars)", "n"),
    ("citation_precision", "citation precision", "share"),
    ("abstention", "abstention on unanswerable", "share"),
    ("wrong_abstention", "wrong abstention on answerable", "share"),
    ("short_answers_shown", "answers with a short answer", "share"),
    ("confidence_ece", "confidence calibration error (ECE)", "share"),
    ("retrieve_p50_ms", "retrieval p50 (ms)", "ms"), ("retrieve_p95_ms", "retrieval p95 (ms)", "ms"),
    ("ask_p50_ms", "ask p50 (ms)", "ms"), ("ask_p95_ms", "ask p95 (ms)", "ms"),
]
_RATIO_OF = {"hit@1", "hit@5", "mrr@10", "retrieve_p50_ms", "retrieve_p95_ms"}


def rows(figures: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header and rows for one block of figures ({pipeline: summary})."""
    pipelines = list(figures)
    compare = len(pipelines) == 2
    header = ["metric", *pipelines] + (["ratio"] if compare else [])
    body = []
    for key, label, kind in METRICS:
        values = [figures[p].get(key) for p in pipelines]
        if all(v is None for v in values):
            continue
        line = [label, *(_fmt(v, kind) for v in values)]
        if compare:
            a, b = values
            line.append(f"{a / b:.2f}x" if key in _RATIO_OF and a is not None and b else "")
        body.append(line)
    return header, body


def table(report: EvalReport) -> str:
    """The report as aligned plain text."""
    blocks = [f"{report.dataset}: settings {_settings_line(report.settings)}", ""]
    blocks.append(_aligned(*rows(report.overall)))
    for title, figures in report.per_article.items():
        blocks += ["", f"article: {title}", _aligned(*rows(figures))]
    return "\n".join(blocks)


def markdown(report: EvalReport) -> str:
    """The report as Markdown tables, for docs/evaluation.md."""
    parts = [f"### {report.dataset}", "", f"Settings: `{_settings_line(report.settings)}`", ""]
    parts.append(_markdown_table(*rows(report.overall)))
    for title, figures in report.per_article.items():
        parts += ["", f"**{title}**", "", _markdown_table(*rows(figures))]
    return "\n".join(parts) + "\n"


def _settings_line(settings: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in settings.items())


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "share":
        return f"{value:.3f}"
    if kind == "ms":
        return f"{value:.1f}"
    return f"{value:.0f}"


def _aligned(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None
