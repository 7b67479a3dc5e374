"""The app served as `make run` serves it, and the Chromium that opens it (benchmark and tests)."""

import contextlib
import dataclasses
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from digitpad import config

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
WATCHER_OPTION = "--server.fileWatcherType"
SERVER_START_SECONDS = 180.0
HEALTH_POLL_SECONDS = 0.05
TRACE_MODULE_DIR = pathlib.Path(__file__).resolve().parent / "server_trace"
TRACE_ENV_VAR = "DIGITPAD_SERVER_TRACE"  # read by server_trace/sitecustomize.py


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_models(models_dir: pathlib.Path) -> list[str]:
    """The model files (``mlp.keras``, ``cnn.keras``) that `models_dir` lacks."""
    names = [f"{name}.keras" for name in config.MODEL_NAMES]
    return [name for name in names if not (models_dir / name).is_file()]


@contextlib.contextmanager
def app_home(models_dir: pathlib.Path):
    """A fresh DIGITPAD_HOME: no model of the user's gets in. For the shipped models it is
    empty, as on a new user's machine (the page then says "shipped model"); other models are
    copied into it as if the user had trained them, and the app uses them."""
    with tempfile.TemporaryDirectory(prefix="digitpad-bench-") as directory:
        home = pathlib.Path(directory)
        (home / "models").mkdir()
        if pathlib.Path(models_dir).resolve() == config.MODELS_DIR.resolve():
            yield home
            return
        for name in config.MODEL_NAMES:
            for suffix in (".keras", ".json"):
                source = models_dir / f"{name}{suffix}"
                if source.is_file():
                    shutil.copy2(source, home / "models" / source.name)
        yield home


def server_command(port: int, watcher: str | None = None) -> list[str]:
    """`make run`'s command and `.streamlit/config.toml`; only the port and address differ.

    A `watcher` ("auto", "none") adds ``--server.fileWatcherType`` to it: only the benchmark's
    comparisons do that ("auto" is how the app ran before its config turned the watcher off).
    """
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip
    return command + ([WATCHER_OPTION, watcher] if watcher else [])


@dataclasses.dataclass(frozen=True)
class Served:
    """A running server: its URL, its process and the file its output goes to."""

    url: str
    process: subprocess.Popen
    log_path: pathlib.Path


def start_server(
    home: pathlib.Path, log, watcher: str | None = None, trace: pathlib.Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Launch ``streamlit run streamlit_app.py`` on a free port; return it and its URL.

    With `trace`, the server notes in that file when each stroke arrives and its answer
    leaves (`benchmarks/server_trace/`): the same command, one module more on PYTHONPATH.
    """
    port = free_port()
    command = server_command(port, watcher)
    environment = {**os.environ, config.HOME_ENV_VAR: str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    if trace is not None:
        paths = [str(TRACE_MODULE_DIR), environment.get("PYTHONPATH", "")]
        environment |= {"PYTHONPATH": os.pathsep.join(filter(None, paths)),
                        TRACE_ENV_VAR: str(trace)}  # fmt: skip
    process = subprocess.Popen(
        command, cwd=config.PROJECT_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen) -> None:
    """Terminate the server, killing it if it does not stop within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: pathlib.Path) -> None:
    """Poll the health endpoint until it answers; RuntimeError if the server dies or is late."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(HEALTH_POLL_SECONDS)  # polling with a deadline
    raise RuntimeError(f"streamlit did not become healthy in time:\n{log_path.read_text()}")


@contextlib.contextmanager
def served_app(home: pathlib.Path, watcher: str | None = None, trace: pathlib.Path | None = None):
    """The app served from `home` (see `server_command` for `watcher`); yield it once healthy.

    Its log stays in `home`.
    """
    log_path = home / f"server-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        process, url = start_server(home, log, watcher, trace)
        try:
            wait_until_healthy(url, process, log_path)
            yield Served(url, process, log_path)
        finally:
            stop_server(process)


def stroke_times_ms(trace: pathlib.Path, since: float = float("-inf")) -> list[float]:
    """From a server's trace (`start_server(trace=...)`): each stroke's arrival → its
    session's next `script_finished` sent, in ms (a stroke that arrives while one is
    still being answered counts from the first). Only strokes that arrived at `since` or
    later (`time.perf_counter()`, the clock of the trace) count."""
    pending, times = {}, []
    for line in trace.read_text().splitlines():
        seconds, kind, session = line.split()
        if kind == "stroke" and float(seconds) >= since:
            pending.setdefault(session, float(seconds))
        elif session in pending:
            times.append((float(seconds) - pending.pop(session)) * 1000.0)
    return times


async def launch_browser(playwright, chromium: pathlib.Path):
    """Headless Chromium from `chromium`, with the switches a container needs."""
    return await playwright.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
