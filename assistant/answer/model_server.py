"""Local GGUF models run in a child process the assistant starts and supervises.

llama.cpp is native code: a bad build or a CPU feature it mishandles (AMX on Sapphire Rapids
crashed llama-cpp-python 0.3.36 with SIGSEGV on the first token) kills whatever process it runs
in. So the model never runs in the assistant's process. :class:`ModelServer` starts
llama-cpp-python's own OpenAI-compatible server (``python -m llama_cpp.server``) on a free
loopback port, and the assistant reaches it through the same OpenAI client path as any other
server. When the child dies, the question being answered fails with :class:`ModelError` (and is
answered by quoting, see :mod:`assistant.answer.llm_answer`); the next question starts a new
child. The child's output goes to a log file, whose tail is quoted in errors.

Trade-off accepted: a second Python process (about 150 MB and 2-3 s at first use) in exchange
for an assistant that a crashing model cannot take down.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from ..errors import ModelError

ALIAS = "local"  # the model name the child serves under


class ModelServer:
    """One supervised ``llama_cpp.server`` child for one GGUF file.

    Example: ``ModelServer(smollm2_path()).url()`` -> ``"http://127.0.0.1:40123/v1"``
    (starting the child on first use, and again after it died).
    """

    def __init__(self, model_path: Path, n_ctx: int = 4096, n_threads: int | None = None,
                 start_timeout_s: float = 90.0) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.start_timeout_s = start_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0  # how many children were started: a restart shows here
        self.log_path = Path(tempfile.mkdtemp(prefix="assistant-model-")) / "server.log"
        self._port = 0
        self._lock = threading.Lock()
        atexit.register(self.close)

    def url(self) -> str:
        """The base URL of a running child, starting one when there is none or it died."""
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            return f"http://127.0.0.1:{self._port}/v1"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        """Stop the child and delete its log (at exit: one temporary directory per server)."""
        self.stop()
        shutil.rmtree(self.log_path.parent, ignore_errors=True)

    def stop(self) -> None:
        """Terminate the child (and wait for it); safe to call twice."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def _start(self) -> None:
        self.stop()
        self._port = _free_port()
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path),
                   "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(self._port),
                   "--n_ctx", str(self.n_ctx)]
        if self.n_threads:
            command += ["--n_threads", str(self.n_threads)]
        with self.log_path.open("ab") as log:  # a file, not a pipe: a full pipe would block the child
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.starts += 1
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self._port}/v1/models", timeout=2).read()
                return
            except OSError:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise ModelError(f"the local model server for {self.model_path.name} exited with code "
                                     f"{self.process.returncode} while starting: {self.log_tail()}") from None
                if time.monotonic() > deadline:
                    self.stop()
                    raise ModelError(f"the local model server for {self.model_path.name} did not start within "
                                     f"{self.start_timeout_s:g} s: {self.log_tail()}") from None
                time.sleep(0.2)

    def log_tail(self, chars: int = 600) -> str:
        """The end of the child's output, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace").strip()
        except OSError:
            return "(no log)"
        return (text[-chars:] or "(empty log)").replace("\n", " | ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM when the parent dies, so no model is orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1  # noqa: N806 - the C constant's name
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setpgrp()  # a Ctrl-C in the terminal reaches the assistant, which then stops the child
