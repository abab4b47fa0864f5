"""Velocity windows in this process's memory: the embedded default, and the backtest's replay."""

import threading

from .ports import WindowStats, WindowUpdate


class MemoryVelocityStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, dict[str, tuple[float, int]]] = {}

    def record(self, *, window: str, member: str, amount: int, at: float, window_seconds: int) -> WindowStats:
        with self._lock:
            members = self._windows.setdefault(window, {})
            if not member:  # read only, as in Redis: the members inside the window, nothing swept
                return WindowStats(count=sum(seen > at - window_seconds for seen, _ in members.values()), total=0)
            members[member] = (at, amount)
            for name, (seen, _) in list(members.items()):
                if seen <= at - window_seconds:
                    del members[name]
            return WindowStats(count=len(members), total=sum(value for _, value in members.values()))

    def record_many(self, updates: list[WindowUpdate]) -> list[WindowStats]:
        return [
            self.record(window=u.window, member=u.member, amount=u.amount, at=u.at, window_seconds=u.window_seconds)
            for u in updates
        ]
