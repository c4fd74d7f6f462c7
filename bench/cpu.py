"""CPU seconds spent by groups of processes over a run, from /proc: where a request's cost lands
(our server's Python, PostgreSQL, Redis), not only how long it waited."""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _tree(root: int) -> list[int]:
    """`root` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith(name):
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


class CpuMeter:
    """CPU seconds of each group between `start()` and `stop()`: groups are a root pid (with its
    children) or a process name (postgres, redis-server: the whole service, whoever it serves)."""

    def __init__(self, groups: dict[str, int | str]) -> None:
        self.groups = groups
        self.before: dict[str, dict[int, float]] = {}

    def _read(self) -> dict[str, dict[int, float]]:
        out = {}
        for label, who in self.groups.items():
            pids = _tree(who) if isinstance(who, int) else _named(who)
            out[label] = {pid: _cpu(pid) for pid in pids}
        return out

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> dict[str, float]:
        after = self._read()
        return {
            label: sum(seconds - self.before[label].get(pid, 0.0) for pid, seconds in after[label].items())
            for label in self.groups
        }
