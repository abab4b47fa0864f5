"""CPU seconds and resident memory of process trees, read from /proc: pipeline.sh's per-role figures, from
which deploy/kubernetes takes its requests, limits and autoscaling thresholds (README, "Capacity").

Usage: cpu.py NAME=PID ... NAME=@COMMAND ...   prints one line per NAME: cpu_seconds rss_mib
A PID counts with every descendant (prefork children, gunicorn workers); @COMMAND counts every process of
that command name (postgres, redis-server). Children that already exited count through their parent.
"""

import os
import sys
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[int, str, float, int] | None:
    """(parent pid, command, CPU seconds with reaped children, resident bytes), or None once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    cpu = sum(int(value) for value in fields[11:15]) / TICKS  # utime stime cutime cstime
    return int(fields[1]), command, cpu, int(fields[21]) * PAGE


def _table() -> dict[int, tuple[int, str, float, int]]:
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            table[int(entry.name)] = stat
    return table


def _tree(root: int, table: dict[int, tuple[int, str, float, int]]) -> set[int]:
    members, grew = {root}, True
    while grew:
        found = {pid for pid, (parent, *_) in table.items() if parent in members} - members
        members |= found
        grew = bool(found)
    return members & set(table)


def main(arguments: list[str]) -> None:
    table = _table()
    for argument in arguments:
        name, _, target = argument.partition("=")
        if target.startswith("@"):
            pids = {pid for pid, (_, command, *_) in table.items() if command == target[1:]}
        else:
            pids = _tree(int(target), table)
        cpu = sum(table[pid][2] for pid in pids)
        rss = sum(table[pid][3] for pid in pids) / 2**20
        print(f"{name} {cpu:.2f} {rss:.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
