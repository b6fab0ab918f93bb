"""Words as the answer modules compare them: the English stemmer they share (PyStemmer, the one
the BM25 index uses) and a text's stemmed content words."""
from __future__ import annotations

import functools
import re

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or that the "
    "their them they this to was were what when where which who whom whose why will with would".split()
)


@functools.cache
def stemmer():  # noqa: ANN201 - a Stemmer.Stemmer, imported lazily
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> set[str]:
    """The stemmed content words of ``text``.

    Example: ``terms("When were the discussions established?")`` -> ``{"discuss", "establish"}``
    """
    return set(stemmer().stemWords([w for w in _WORD.findall(text.lower()) if w not in _STOP]))
