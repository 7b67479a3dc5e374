"""Times each stroke inside the app's server, for `python -m benchmarks browser`.

The benchmark starts `make run`'s command unchanged, with this folder on PYTHONPATH and
DIGITPAD_SERVER_TRACE naming a file: Python then loads this module first, and it notes when
the server receives each rerun request of a fragment (a stroke) and when it sends that
session's `script_finished`. The page can only hear those moments once its own main thread
is free, which is the browser's time, not the server's. Without the variable it does nothing.
"""

import os
import threading
import time

TRACE_PATH = os.environ.get("DIGITPAD_SERVER_TRACE")


def _install(path: str) -> None:
    from streamlit.runtime import runtime

    lock = threading.Lock()
    trace = open(path, "a", buffering=1)  # noqa: SIM115 (open for the server's whole life)

    def note(kind: str, session: str) -> None:
        with lock:
            trace.write(f"{time.perf_counter():.6f} {kind} {session}\n")

    handle_backmsg, send_message = runtime.Runtime.handle_backmsg, runtime.Runtime._send_message

    def traced_backmsg(self, session_id, msg, *args, **kwargs):
        if msg.WhichOneof("type") == "rerun_script" and msg.rerun_script.fragment_id:
            note("stroke", session_id)
        return handle_backmsg(self, session_id, msg, *args, **kwargs)

    def traced_send(self, session_info, msg, *args, **kwargs):
        result = send_message(self, session_info, msg, *args, **kwargs)
        if msg.WhichOneof("type") == "script_finished":
            note("finished", session_info.session.id)
        return result

    runtime.Runtime.handle_backmsg, runtime.Runtime._send_message = traced_backmsg, traced_send


if TRACE_PATH:
    _install(TRACE_PATH)
