"""Velocity windows stay exact when several worker processes record into them at once (Redis, atomic Lua)."""

import multiprocessing
import time

import redis
from django.conf import settings

from antifraud.adapters.redis_velocity import RedisVelocityStore

PER_PROCESS = 300


def record_many(url: str, worker: int, start_at: float, results: "multiprocessing.Queue[list[int]]") -> None:
    store = RedisVelocityStore(redis.Redis.from_url(url))
    while time.time() < start_at:  # start together, to interleave
        time.sleep(0.001)
    counts = [
        store.record(
            window="card:shared", member=f"w{worker}-{n}", amount=100, at=time.time(), window_seconds=600
        ).count
        for n in range(PER_PROCESS)
    ]
    results.put(counts)


def test_two_processes_counting_one_window_never_lose_or_share_a_count():
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 2
    workers = [context.Process(target=record_many, args=(settings.REDIS_URL, n, start_at, results)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    counts = results.get(timeout=60) + results.get(timeout=60)
    for worker in workers:
        worker.join(timeout=30)

    # Every record saw a distinct window size: no two increments raced to the same count.
    assert sorted(counts) == list(range(1, 2 * PER_PROCESS + 1))
    final = RedisVelocityStore(redis.Redis.from_url(settings.REDIS_URL)).record(
        window="card:shared", member="w1-0", amount=100, at=time.time(), window_seconds=600
    )
    assert (final.count, final.total) == (2 * PER_PROCESS, 2 * PER_PROCESS * 100)
