"""What the command line writes to stderr: logs, library chatter and progress bars. Quiet by default.

Answers and reports go to stdout; stderr carries log lines only, from ``log_level`` up (default
WARNING; ``--verbose`` means INFO). The libraries are held one step quieter than the assistant's
own loggers: at WARNING only their errors appear, at INFO their warnings too (advice for
developers: deprecations, tracer notes, "consider pre-processing"), at DEBUG everything. Progress bars
are for long work on a terminal: the ingest's own bar (assistant/index/ingester.py, only when
stderr is a TTY); the libraries' bars (transformers' "Loading weights", the Hub's downloads) are
always off, since loading a model is not long work.

Only the edges call :func:`configure` (``assistant`` and app.py): ``import assistant`` changes no
global state, so a program using the Python API keeps its own logging. Trade-off accepted: the
libraries are told through environment variables (read when they are first imported, which here
is always later, since heavy imports are lazy) plus their switches when already imported.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

OWN = ("assistant", "__main__")  # the loggers held at log_level itself (app.py runs as __main__)


class _Stderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record arrives (tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


def configure(level: str = "WARNING") -> None:
    """Send the assistant's log lines from ``level`` up to stderr, the libraries' one step higher.

    Example: ``configure("INFO")`` -> the assistant's INFO lines and the libraries' warnings on stderr.
    """
    number = logging.getLevelName(level.upper())
    libraries = logging.DEBUG if number <= logging.DEBUG else min(number + 10, logging.ERROR)
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _Stderr)]  # idempotent
    handler = _Stderr(number)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(lambda r: r.levelno >= libraries or r.name.split(".")[0] in OWN)
    if libraries > logging.WARNING:
        warnings.simplefilter("ignore")  # warnings.warn() of the libraries; --verbose shows them
    root.addHandler(handler)
    root.setLevel(number)
    _quiet_libraries(logging.getLevelName(libraries))


def _quiet_libraries(level: str) -> None:
    """Libraries with handlers or bars of their own: transformers and the Hub."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", level.lower())
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity(logging.getLevelName(level))
