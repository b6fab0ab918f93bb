"""The embedding backends: onnx and onnx-int8 give the torch model's vectors, faster.

The export runs for real, once per test module, into a temporary cache, from two processes at
once (the way two `assistant ingest` runs might start together); both must succeed and leave one
whole model per variant and no temporary files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import Settings
from assistant.index.embeddings import Embedder
from assistant.errors import ConfigError
from assistant.index.ingester import content_hash

from .conftest import SHIPPED_CORPUS

EXPORT = "from pathlib import Path; import sys; from assistant.index.embeddings import Embedder; " \
         "e = Embedder(backend='onnx-int8', cache_dir=Path(sys.argv[1])); print(e.embed(['ok']).shape)"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("onnx-cache")
    runs = [subprocess.Popen([sys.executable, "-c", EXPORT, str(cache)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
        assert out.strip().endswith("(1, 384)")
    return cache


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Real article text of very different lengths (padding), one past the 256-token limit."""
    text = next(p for p in sorted(SHIPPED_CORPUS.iterdir()) if p.suffix in (".md", ".txt")).read_text()
    words = text.split()
    return ["Who set up the dialogue framework?", " ".join(words[:40]), " ".join(words[:400]), "a"]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_export_leaves_one_model_per_variant(cache: Path) -> None:
    files = sorted(p.name for p in cache.rglob("*") if p.is_file())
    assert files == ["model.onnx", "model_int8.onnx"]
    int8, fp32 = (next(cache.rglob(n)).stat().st_size for n in ("model_int8.onnx", "model.onnx"))
    assert int8 < fp32 * 0.7  # the layers' weights are 8-bit (the token embeddings stay float)


def test_onnx_vectors_match_torch(cache: Path, embedder: Embedder, texts: list[str]) -> None:
    torch_vectors = Embedder(backend="torch").embed(texts) if embedder.backend != "torch" else embedder.embed(texts)
    onnx = Embedder(backend="onnx", cache_dir=cache, batch_size=3)  # two batches, padded
    vectors = onnx.embed(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert cosines(vectors, torch_vectors).min() > 0.9999
    int8 = Embedder(backend="onnx-int8", cache_dir=cache).embed(texts)
    assert cosines(int8, torch_vectors).min() > 0.97
    # the order of the input is kept although texts are batched longest first
    assert np.allclose(onnx.embed(texts[::-1]), vectors[::-1], atol=1e-5)


def test_a_bad_backend_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="embedding_backend='tensorflow'"):
        Settings(embedding_backend="tensorflow")
    with pytest.raises(ConfigError, match="embedding_backend='gpu'"):
        Settings.from_env({"ASSISTANT_EMBEDDING_BACKEND": "gpu"})
    with pytest.raises(ConfigError, match="onnx-int8"):
        Embedder(backend="cuda")
    assert Settings.from_env({"ASSISTANT_EMBEDDING_BACKEND": "onnx-int8"}).embedding_backend == "onnx-int8"


def test_only_int8_vectors_reindex_an_article() -> None:
    from assistant.ingest.articles import Article

    article = Article(key="s.txt", title="t", text="Some text.")
    digests = {b: content_hash(article, Settings(embedding_backend=b)) for b in ("torch", "onnx", "onnx-int8")}
    assert digests["torch"] == digests["onnx"] != digests["onnx-int8"]


def test_onnx_threads_reach_the_encoder_and_give_the_same_vectors(cache: Path, texts: list[str]) -> None:
    one = Embedder(backend="onnx-int8", cache_dir=cache, threads=1)
    default = Embedder(backend="onnx-int8", cache_dir=cache)
    assert one.onnx.session.get_session_options().intra_op_num_threads == 1
    assert default.onnx.session.get_session_options().intra_op_num_threads == 0  # ONNX Runtime picks
    assert np.allclose(one.embed(texts), default.embed(texts), atol=1e-5)


def test_a_negative_thread_count_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match="onnx_threads=-1"):
        Settings.from_env({"ASSISTANT_ONNX_THREADS": "-1"})


def test_a_server_takes_one_onnx_thread_unless_told_otherwise() -> None:
    from assistant.config import for_server

    assert for_server(Settings(), {}).onnx_threads == 1
    assert for_server(Settings.from_env({"ASSISTANT_ONNX_THREADS": "0"}), {"ASSISTANT_ONNX_THREADS": "0"}).onnx_threads == 0
    assert for_server(Settings.from_env({"ASSISTANT_ONNX_THREADS": "2"}), {"ASSISTANT_ONNX_THREADS": "2"}).onnx_threads == 2
