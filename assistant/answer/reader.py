"""The extractive reader: does this short window answer the question, and with which words?

A *window* is one candidate sentence with its previous and next sentence of the same paragraph as
context. The reader is a 6-layer MiniLM fine-tuned SQuAD 2.0 style (scripts/train_reader.py,
docs/evaluation.md), exported to int8 ONNX in ``reader_model/``: for each window it scores every span
of the window's tokens (start logit + end logit) and the "no answer" choice (both logits of the
[CLS] token), and returns the best span with

    answerable_score = best span score - no-answer score     (higher = more sure it answers)

The caller answers with the best window's span when its score is at least ``reader.threshold``
(calibrated on held-out articles) and abstains otherwise; ``Reader.answer`` does exactly that.
(The extractive answerer also quotes, without a short answer, a sentence its own scorer rates at
least ``trust_scorer_above``, or ``trust_yes_no_above`` for a yes/no question, when reader.json
sets them; and it shows a span as the short answer only from ``short_answer_above``.)

Runtime needs only ``onnxruntime``, ``tokenizers`` and ``numpy`` (no torch), imported on first use.
Encoding (``encode``) is shared with the training script, so training and serving see the very
same tokens: ``[CLS] question [SEP] window [SEP]``, the window cut around its centre sentence when
it does not fit ``max_seq_length``.

Example::

    reader = Reader.load()
    text = "The pact was signed in 2010. It set up talks."
    w = Window(text, 0, 28)
    reading = reader.read("When was the pact signed?", [w])[0]
    reading.text == text[reading.start:reading.end] == "2010"
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .decision import Decision

MODEL_DIR = Path(__file__).parent / "reader_model"
MODEL_FILE = "model_int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Window:
    """Text to read, with the character range ``[centre_start, centre_end)`` of its centre sentence.

    ``offset`` is where ``text`` starts in its article; the reader ignores it, the caller adds it
    to a reading's ``start``/``end`` to cite the article.
    """

    text: str
    centre_start: int
    centre_end: int
    offset: int = 0

    @classmethod
    def around(cls, text: str, sentences: Sequence[tuple[int, int]], i: int) -> Window:
        """Sentence ``i`` of ``text`` (spans as from ``split_sentences``) with its paragraph neighbours.

        A neighbour joins unless a blank line separates it from the centre sentence.

        Example: ``Window.around("A b. C d. E f.", [(0, 4), (5, 9), (10, 14)], 0)``
        -> ``Window("A b. C d.", 0, 4, 0)``
        """
        start, end = sentences[i]
        first, last = start, end
        if i > 0 and not _PARAGRAPH_BREAK.search(text, sentences[i - 1][1], start):
            first = sentences[i - 1][0]
        if i + 1 < len(sentences) and not _PARAGRAPH_BREAK.search(text, end, sentences[i + 1][0]):
            last = sentences[i + 1][1]
        return cls(text[first:last], start - first, end - first, first)


@dataclass(frozen=True)
class Reading:
    """The reader's verdict on one window: its best span (characters of the window text) and score."""

    answerable_score: float
    start: int
    end: int
    text: str
    window: int = 0  # index of the window in the list given to ``read``
    span_score: float = float("-inf")  # the span's start + end logits (answerable_score adds the no-answer side)


@dataclass
class Encoded:
    """One question-window pair as model input; ``offsets[k]`` is the window character span of token k.

    Tokens that are not window text (the [CLS], question and [SEP] tokens) have ``offsets[k] is None``.
    """

    ids: list[int]
    type_ids: list[int]
    offsets: list[tuple[int, int] | None] = field(repr=False)


def open_tokenizer(model_dir: Path) -> Any:
    """The model's fast tokenizer (``tokenizer.json``), without its own truncation or padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def encode(tokenizer: Any, question: str, window: Window, max_length: int, max_question: int = 48) -> Encoded:
    """``[CLS] question [SEP] window [SEP]`` in at most ``max_length`` tokens.

    A long window loses tokens from both ends, keeping its centre sentence in the middle.
    """
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q = tokenizer.encode(question, add_special_tokens=False).ids[:max_question]
    w = tokenizer.encode(window.text, add_special_tokens=False)
    budget = max_length - len(q) - 3
    lo, hi = 0, len(w.ids)
    if hi > budget:
        inside = [k for k, (s, e) in enumerate(w.offsets) if s < window.centre_end and e > window.centre_start]
        c_lo, c_hi = (inside[0], inside[-1] + 1) if inside else (0, 0)
        lo = max(0, min(c_lo - max(0, budget - (c_hi - c_lo)) // 2, hi - budget))
        hi = lo + budget
    ids = [cls_id, *q, sep_id, *w.ids[lo:hi], sep_id]
    type_ids = [0] * (len(q) + 2) + [1] * (hi - lo + 1)
    offsets = [None] * (len(q) + 2) + [tuple(o) for o in w.offsets[lo:hi]] + [None]
    return Encoded(ids, type_ids, offsets)


def feeds(batch: Sequence[Encoded]) -> dict[str, np.ndarray]:
    """Pad a batch to its longest member: the three int64 arrays the model takes."""
    import numpy as np

    width = max(len(e.ids) for e in batch)
    ids = np.zeros((len(batch), width), dtype=np.int64)
    types = np.zeros_like(ids)
    for row, e in enumerate(batch):
        ids[row, :len(e.ids)] = e.ids
        types[row, :len(e.ids)] = e.type_ids
    return {"input_ids": ids, "attention_mask": (ids != 0).astype(np.int64), "token_type_ids": types}


def best_span(start_logits: np.ndarray, end_logits: np.ndarray, allowed: np.ndarray,
              max_tokens: int) -> tuple[float, int, int]:
    """(score, first token, last token) of the best span of ``allowed`` tokens, at most ``max_tokens`` long."""
    import numpy as np

    scores = start_logits[:, None] + end_logits[None, :]
    n = len(start_logits)
    rows, cols = np.indices((n, n))
    ok = (cols >= rows) & (cols - rows < max_tokens) & allowed[:, None] & allowed[None, :]
    if not ok.any():
        return float("-inf"), 0, 0
    flat = int(np.argmax(np.where(ok, scores, -np.inf)))
    return float(scores.flat[flat]), flat // n, flat % n


Infer = Callable[[dict[str, "np.ndarray"]], tuple["np.ndarray", "np.ndarray"]]


class Reader:
    """Scores (question, window) pairs; build it with ``Reader.load`` once per process."""

    def __init__(self, tokenizer: Any, infer: Infer, config: dict[str, Any]) -> None:
        self.tokenizer = tokenizer
        self.infer = infer  # padded inputs -> (start logits, end logits), both (batch, tokens)
        self.config = config
        self.max_length = int(config["max_seq_length"])
        self.threshold = float(config.get("threshold", 0.0))
        # A best sentence the extractive scorer rates at least this high is quoted even when no
        # reading clears ``threshold`` (calibrated with it; absent: the reader alone decides).
        self.trust_scorer_above = float(config.get("trust_scorer_above", "inf"))
        # The same for a yes/no question, which a span of the sentence seldom answers and SQuAD, the
        # reader's training and calibration data, hardly asks (docs/evaluation.md); absent: as above.
        self.trust_yes_no_above = float(config.get("trust_yes_no_above", self.trust_scorer_above))
        # A reading that clears ``threshold`` says the sentence answers; its span is shown as the short
        # answer only from this score up (absent: from ``threshold``), where it is right more often than not.
        self.short_answer_above = float(config.get("short_answer_above", self.threshold))
        self.centre_only = bool(config.get("centre_only", True))
        self.max_answer_tokens = int(config.get("max_answer_tokens", 30))
        # The confidence model fitted on this reader's answers (decision.json beside the model,
        # scripts/fit_decision.py): how likely what an answer shows first is right. None: not fitted.
        self.decision: Decision | None = None

    @classmethod
    def load(cls, path: Path | str | None = None, threads: int | None = None) -> Reader:
        """Open the reader in ``path`` (default: the shipped ``reader_model/``) with ONNX Runtime.

        ``threads`` sets ONNX Runtime's intra-op threads (default: one per physical core).
        """
        import onnxruntime as ort

        model_dir = Path(path) if path is not None else MODEL_DIR
        if not (model_dir / MODEL_FILE).exists():
            raise FileNotFoundError(f"no reader model at {model_dir / MODEL_FILE}; run scripts/train_reader.py")
        config = json.loads((model_dir / "reader.json").read_text())
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.inter_op_num_threads = 1
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"])

        def infer(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
            start, end = session.run(["start_logits", "end_logits"], inputs)
            return start, end

        reader = cls(open_tokenizer(model_dir), infer, config)
        if (model_dir / "decision.json").exists():
            from .decision import Decision

            reader.decision = Decision.load(model_dir / "decision.json")
        return reader

    def read(self, question: str, windows: Sequence[Window], batch_size: int = 16,
             centre_only: bool | None = None) -> list[Reading]:
        """One ``Reading`` per window, in order.

        With ``centre_only`` (default from ``reader.json``) the span must lie in the centre
        sentence when any of its tokens fit; the neighbours then serve only as context.
        """
        import numpy as np

        centre_only = self.centre_only if centre_only is None else centre_only
        readings: list[Reading] = []
        for first in range(0, len(windows), batch_size):
            chunk = windows[first:first + batch_size]
            encoded = [encode(self.tokenizer, question, w, self.max_length) for w in chunk]
            starts, ends = self.infer(feeds(encoded))
            for row, (window, enc) in enumerate(zip(chunk, encoded)):
                n = len(enc.ids)
                context = np.array([o is not None for o in enc.offsets])
                allowed = context
                if centre_only:
                    centre = np.array([o is not None and o[0] < window.centre_end and o[1] > window.centre_start
                                       for o in enc.offsets])
                    allowed = centre if centre.any() else context
                start_logits, end_logits = starts[row, :n], ends[row, :n]
                score, s, e = best_span(start_logits, end_logits, allowed, self.max_answer_tokens)
                null = float(start_logits[0] + end_logits[0])
                if score == float("-inf"):  # no window text survived tokenisation
                    readings.append(Reading(score, 0, 0, "", first + row))
                    continue
                begin, stop = enc.offsets[s][0], enc.offsets[e][1]  # type: ignore[index]
                readings.append(Reading(score - null, begin, stop, window.text[begin:stop], first + row, score))
        return readings

    def answer(self, question: str, windows: Sequence[Window]) -> Reading | None:
        """The best window's reading if it clears ``threshold``, else None (abstain)."""
        readings = self.read(question, windows)
        best = max(readings, key=lambda r: r.answerable_score, default=None)
        return best if best is not None and best.answerable_score >= self.threshold else None


def reader_for(setting: str, threads: int = 0) -> Reader | None:
    """The reader a ``reader`` setting names: None for ``"off"``; the shipped model for
    ``"shipped"``; else the model in that directory. Loaded once per process, path and
    ``threads`` (ONNX Runtime's intra-op threads; 0: its default, one per physical core).

    Example: ``reader_for("off")`` -> ``None``
    """
    if setting == "off":
        return None
    return _load(str(MODEL_DIR if setting == "shipped" else Path(setting).expanduser().resolve()), threads)


@functools.lru_cache(maxsize=4)
def _load(path: str, threads: int) -> Reader:
    return Reader.load(path, threads or None)
