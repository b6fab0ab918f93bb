"""Quiet by default: a one-shot ``assistant ask`` writes the answer to stdout and nothing to
stderr, also on first use (the ONNX export and the index build happen in that very run);
``--verbose`` and ``ASSISTANT_LOG_LEVEL`` bring the log lines back."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import ConfigError, Settings
from assistant.console import configure

from .conftest import FOUNDING_QUESTION, SHIPPED_CORPUS

ARTICLE = SHIPPED_CORPUS / "japan-us-extended-deterrence.md"
# Switches that an in-process cli.main() of another test may have put in this process' environment.
LIBRARY_SWITCHES = ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY", "TRANSFORMERS_NO_ADVISORY_WARNINGS")


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A fresh home (no model cache) and a corpus holding the shipped article."""
    base = tmp_path_factory.mktemp("first-use")
    (base / "corpus").mkdir()
    shutil.copy(ARTICLE, base / "corpus")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k not in LIBRARY_SWITCHES}
    env.update(HOME=str(base / "home"), XDG_CACHE_HOME=str(base / "home" / ".cache"))
    return {"base": base, "env": env}


def run_assistant(machine: dict, *args: str, index: str, **env: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("assistant")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]
    base = machine["base"]
    return subprocess.run(
        [*command, "--index", str(base / index), "--corpus", str(base / "corpus"), *args],
        env={**machine["env"], **env}, capture_output=True, text=True, timeout=600,
    )


def test_first_ask_prints_the_answer_and_nothing_on_stderr(machine: dict) -> None:
    result = run_assistant(machine, "ask", FOUNDING_QUESTION, index="index-quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "2010" in result.stdout and "Sources:" in result.stdout
    # it really was the first use: the model was exported to ONNX in this run, under the fresh home
    assert list((machine["base"] / "home" / ".cache" / "news-assistant" / "onnx").glob("*/model_int8.onnx"))


def test_verbose_and_log_level_bring_log_lines_back(machine: dict) -> None:
    verbose = run_assistant(machine, "--verbose", "ask", FOUNDING_QUESTION, index="index-verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert "2010" in verbose.stdout and "INFO" not in verbose.stdout
    assert "INFO assistant.assistant: index built: 1 added" in verbose.stderr
    assert "INFO assistant.assistant: answered in" in verbose.stderr

    by_setting = run_assistant(machine, "ask", FOUNDING_QUESTION, index="index-verbose", ASSISTANT_LOG_LEVEL="info")
    assert by_setting.returncode == 0
    assert "INFO assistant.assistant: answered in" in by_setting.stderr


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    with warnings.catch_warnings():
        yield
    root.handlers[:], root.level = handlers, level


def test_libraries_are_held_one_step_quieter(restored_logging: None, capsys: pytest.CaptureFixture) -> None:
    configure("WARNING")
    configure("WARNING")  # idempotent: one handler, one line per record
    library = logging.getLogger("bm25s")
    library.setLevel(logging.DEBUG)  # as bm25s does on import
    library.debug("Building index from IDs objects")
    library.warning("a library's advice for developers")
    library.error("a library's error")
    logging.getLogger("assistant.ingester").warning("the assistant's own warning")
    warnings.warn("a deprecation", DeprecationWarning, stacklevel=1)
    assert capsys.readouterr().err.splitlines() == [
        "ERROR bm25s: a library's error", "WARNING assistant.ingester: the assistant's own warning",
    ]

    configure("INFO")
    library.debug("still hidden")
    library.warning("now shown")
    logging.getLogger("assistant.assistant").info("answered")
    assert capsys.readouterr().err.splitlines() == ["WARNING bm25s: now shown", "INFO assistant.assistant: answered"]


def test_log_level_must_be_a_level() -> None:
    assert Settings.from_env({"ASSISTANT_LOG_LEVEL": "debug"}).log_level == "debug"
    with pytest.raises(ConfigError, match="log_level='loud'"):
        Settings.from_env({"ASSISTANT_LOG_LEVEL": "loud"})
