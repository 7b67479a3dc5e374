"""What an idle server costs: its CPU over a window, read from /proc, and its watcher log lines.

The CPU is the user + system time of the server process and every process below it (and of
their children that ended and were waited for), as a share of one core over the window.
"""

import asyncio
import os
import pathlib
import re
import time

from benchmarks.page import open_session

IDLE_SECONDS = 20.0
SETTLE_SECONDS = 2.0  # after the session's page is up: its last messages are not idle time
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = pathlib.Path("/proc")
# Streamlit's file watcher (watchdog) logs "Inotify queue overflowed; …" when it cannot keep up.
WATCHER_LINE = re.compile(r"inotify", re.IGNORECASE)
UTIME_INDEX = 11  # utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat, after "comm)"


def stat_fields(stat_text: str) -> list[str]:
    """The fields of a /proc/PID/stat line after the command name (which may hold spaces)."""
    return stat_text.rsplit(")", 1)[1].split()


def stat_ticks(stat_text: str) -> int:
    """utime + stime + cutime + cstime of a /proc/PID/stat line, in clock ticks."""
    fields = stat_fields(stat_text)
    return sum(int(field) for field in fields[UTIME_INDEX : UTIME_INDEX + 4])


def stat_parent(stat_text: str) -> int:
    """The parent's process id in a /proc/PID/stat line."""
    return int(stat_fields(stat_text)[1])


def descendants(parents: dict[int, int], root: int) -> set[int]:
    """`root` and every process below it, given each process's parent."""
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier.extend(children)
    return family


def read_stats(proc: pathlib.Path = PROC) -> dict[int, str]:
    """Every live process's /proc/PID/stat line (a process that ends meanwhile is left out)."""
    stats = {}
    for path in proc.glob("[0-9]*/stat"):
        try:
            stats[int(path.parent.name)] = path.read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
    return stats


def tree_ticks(root: int, proc: pathlib.Path = PROC) -> int:
    """Clock ticks of CPU used so far by process `root` and every process below it."""
    stats = read_stats(proc)
    parents = {pid: stat_parent(text) for pid, text in stats.items()}
    return sum(stat_ticks(stats[pid]) for pid in descendants(parents, root) if pid in stats)


def cpu_share(ticks_before: int, ticks_after: int, seconds: float,
              ticks_per_second: int = CLOCK_TICKS) -> float:  # fmt: skip
    """The CPU used between two readings, in percent of one core over `seconds`."""
    if seconds <= 0:
        raise ValueError("The window must last longer than 0 seconds.")
    if ticks_after < ticks_before:
        raise ValueError("The second reading is smaller than the first: not the same process.")
    return 100.0 * (ticks_after - ticks_before) / ticks_per_second / seconds


def watcher_lines(log_text: str) -> int:
    """How many lines of a server log come from the file watcher's inotify trouble."""
    return sum(1 for line in log_text.splitlines() if WATCHER_LINE.search(line))


async def idle_cost(browser, server, seconds: float = IDLE_SECONDS) -> dict:
    """With one session open on `server` and nobody drawing: its CPU share over `seconds`, and
    the watcher lines its log holds by then."""
    page = await open_session(browser, server.url)
    await asyncio.sleep(SETTLE_SECONDS)
    before, started = tree_ticks(server.process.pid), time.monotonic()
    await asyncio.sleep(seconds)
    after, elapsed = tree_ticks(server.process.pid), time.monotonic() - started
    await page.context.close()
    log = server.log_path.read_text(errors="replace")
    return {"seconds": elapsed, "cpu_percent": cpu_share(before, after, elapsed),
            "watcher_lines": watcher_lines(log)}  # fmt: skip
