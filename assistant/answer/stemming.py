"""The English stemmer the answer modules share (PyStemmer, the one the BM25 index uses)."""
from __future__ import annotations

import functools


@functools.cache
def stemmer():  # noqa: ANN201 - a Stemmer.Stemmer, imported lazily
    import Stemmer

    return Stemmer.Stemmer("english")
