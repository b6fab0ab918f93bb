"""The package's public names import as its docstring and README say (``from assistant import ...``)."""

from __future__ import annotations

import assistant


def test_every_public_name_imports() -> None:
    for name in assistant.__all__:
        assert getattr(assistant, name).__name__ == name


def test_an_answer_from_the_package_is_the_one_ask_returns() -> None:
    from assistant import Answer, Citation, TimelineEntry
    from assistant.answer.answers import Answer as Same

    assert Answer is Same and Citation.__module__ == TimelineEntry.__module__ == "assistant.answer.answers"
