"""ONNX Runtime encoding for a sentence-transformers model, exported offline from its local files.

Why not sentence-transformers' own ``backend="onnx"``: it needs ``optimum-onnx``, whose releases
pin ``transformers<4.58`` while sentence-transformers 6 needs ``transformers>=5``, so the two cannot
be installed together. This module does the same job with what is installed: ``torch.onnx.export``
writes the transformer once, ``onnxruntime.quantization.quantize_dynamic`` makes the int8 copy, and
encoding is tokenize (the model's own ``tokenizer.json``) -> ONNX Runtime -> mean pooling ->
L2-normalise, exactly the torch pipeline of a mean-pooling model such as all-MiniLM-L6-v2.

The export is cached per model (keyed by its weights' path, size and mtime) under ``cache_dir``,
by default ``~/.cache/news-assistant/onnx`` (site-packages, where the packaged model lives, may not
be writable). It happens once, in about two seconds; two processes exporting at once each write a
private temporary file and ``os.replace`` it into place, so a reader never sees a half-written model.

Example: ``OnnxEncoder.load(model_dir, int8=True).encode(["a sentence"]).shape == (1, 384)``
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

EXPORT_VERSION = "1"  # bump when the export below changes, so stale caches are not reused
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    """Where exported models are kept unless told otherwise."""
    return Path.home() / ".cache" / "news-assistant" / "onnx"


def exported_model(model_dir: Path, cache_dir: Path, int8: bool) -> Path:
    """The path of the model's ONNX export (fp32 or int8), exporting it first if needed."""
    weights = next((model_dir / n for n in ("model.safetensors", "pytorch_model.bin") if (model_dir / n).exists()), None)
    if weights is None:
        raise ConfigError(f"embedding_backend: no model.safetensors in {model_dir}; cannot export to ONNX")
    stat = weights.stat()
    key = hashlib.sha256(f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}".encode()).hexdigest()
    target_dir = cache_dir / f"{model_dir.name}-{key[:16]}"
    fp32, quantized = target_dir / "model.onnx", target_dir / "model_int8.onnx"
    target_dir.mkdir(parents=True, exist_ok=True)
    if not fp32.exists():
        log.info("exporting %s to ONNX in %s (once per model)", model_dir.name, target_dir)
        _atomic(fp32, lambda tmp: _export(model_dir, tmp))
    if int8 and not quantized.exists():
        log.info("quantizing %s to int8", fp32)
        _atomic(quantized, lambda tmp: _quantize(fp32, tmp))
    return quantized if int8 else fp32


def _atomic(target: Path, write) -> None:  # noqa: ANN001
    """Write ``target`` through ``write(path)`` in a private directory, then rename it into place."""
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        path = Path(tmp) / target.name
        write(path)
        os.replace(path, target)


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain ops that honour a padded attention mask.
    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids != 0).long()
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes; the dynamic axes cover them
        torch.onnx.export(_Hidden(), (ids, mask, torch.zeros_like(ids)), str(out), input_names=list(_INPUTS),
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)


def _quantize(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Its "consider pre-processing" warning goes through logging.warning(), which on a root logger
    # without handlers also calls basicConfig(): every library's DEBUG lines would then reach stderr.
    root, quiet = logging.getLogger(), logging.NullHandler()
    level = root.level
    root.setLevel(logging.ERROR)
    root.addHandler(quiet)
    try:
        # Per-channel int8 weights of the weight matrices only (MatMulConstBOnly): quantising the
        # attention products or per-tensor weights as well drops the cosine to torch from 0.99 to 0.89.
        # quantize_dynamic writes scratch files beside its input: give it a private copy of the input.
        # (Not a hard link: another process exporting at the same time may rename a new fp32 over
        # the path, and linking an inode that rename just unlinked fails with ENOENT.)
        source = out.parent / "source.onnx"
        shutil.copyfile(fp32, source)
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
    finally:
        root.removeHandler(quiet)
        root.setLevel(level)


class OnnxEncoder:
    """Tokenizer + ONNX Runtime session + mean pooling; ``encode`` returns unit vectors."""

    def __init__(self, model_dir: Path, onnx_file: Path, max_tokens: int, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Without its memory arena ONNX Runtime frees each run's buffers. The arena kept about 240 MB
        # after batches of 16 x 256 tokens for the life of the process; without it a batch took as
        # long within the noise of a loaded machine (docs/benchmarks.md, "Ingest memory").
        options.enable_cpu_mem_arena = False
        if threads:  # else ONNX Runtime's default: one intra-op thread per physical core
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    @classmethod
    def load(cls, model_dir: Path, cache_dir: Path | None = None, int8: bool = False, threads: int = 0) -> OnnxEncoder:
        """Export (once) and open the model in ``model_dir``, a sentence-transformers directory."""
        _check_mean_pooling(model_dir)
        config = model_dir / "sentence_bert_config.json"
        max_tokens = json.loads(config.read_text())["max_seq_length"] if config.exists() else 512
        return cls(model_dir, exported_model(model_dir, cache_dir or default_cache_dir(), int8), max_tokens, threads)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit vectors of shape (len(texts), dimension); longest texts are batched together."""
        import numpy as np

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _check_mean_pooling(model_dir: Path) -> None:
    config = model_dir / "1_Pooling" / "config.json"
    if not config.exists() or not json.loads(config.read_text()).get("pooling_mode_mean_tokens"):
        raise ConfigError(
            f"embedding_backend: {model_dir} is not a mean-pooling sentence-transformers model; "
            "the onnx backends support only those. Use embedding_backend=torch."
        )
