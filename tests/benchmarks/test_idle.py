"""The idle server's cost: CPU share from /proc numbers, the process tree, the watcher's lines."""

import pytest

from benchmarks import idle

# A /proc/PID/stat line: the command name holds a space and a ")" as a program's name may.
STAT = "4242 (python (x) 3) S 4000 4242 4000 0 -1 4194560 900 0 0 0 {u} {s} {cu} {cs} 20 0 9 0"


def stat(utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    return STAT.format(u=utime, s=stime, cu=cutime, cs=cstime)


def test_the_ticks_are_user_system_and_waited_for_children_time():
    assert idle.stat_ticks(stat(120, 30, 5, 1)) == 156
    assert idle.stat_parent(stat(0, 0)) == 4000


def test_the_cpu_share_is_a_percentage_of_one_core_over_the_window():
    # 40 ticks at 100 a second over 20 s: 0.4 s of CPU, 2 % of one core.
    assert idle.cpu_share(1000, 1040, 20.0, ticks_per_second=100) == pytest.approx(2.0)
    # Two cores busy all along: 200 % of one core.
    assert idle.cpu_share(0, 4000, 20.0, ticks_per_second=100) == pytest.approx(200.0)
    assert idle.cpu_share(500, 500, 20.0, ticks_per_second=100) == 0.0


def test_a_window_without_length_or_going_backwards_is_refused():
    with pytest.raises(ValueError, match="longer than 0"):
        idle.cpu_share(0, 10, 0.0)
    with pytest.raises(ValueError, match="smaller than the first"):
        idle.cpu_share(10, 5, 20.0)


def test_the_tree_holds_the_server_and_every_process_below_it_only():
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert idle.descendants(parents, 10) == {10, 11, 12, 13}
    assert idle.descendants(parents, 12) == {12}


def test_the_tree_ticks_are_read_from_proc(tmp_path):
    for pid, parent, ticks in ((10, 1, 100), (11, 10, 40), (20, 1, 7000)):
        (tmp_path / str(pid)).mkdir()
        line = STAT.replace("4000", str(parent), 1).format(u=ticks, s=0, cu=0, cs=0)
        (tmp_path / str(pid) / "stat").write_text(line)
    assert idle.tree_ticks(10, proc=tmp_path) == 140


def test_only_the_watchers_inotify_lines_are_counted():
    log = (
        "  You can now view your Streamlit app in your browser.\n"
        "2026-11-29 19:00:01 WARNING watchdog.observers.inotify: Inotify queue overflowed; "
        "reconciling recursive watches below '/work/main'\n"
        "RuntimeWarning: overflow encountered in exp\n"
        "2026-11-29 19:00:02 WARNING Inotify queue overflowed; filesystem events were lost\n"
    )
    assert idle.watcher_lines(log) == 2
    assert idle.watcher_lines("") == 0
