"""The embedded default's web server (`make run`): gunicorn, not Django's development server, which
Django says is for development only (its listen backlog of 10 reset a 50-client burst).

One process, many threads: the embedded default keeps its cache, rate limits, version tokens and event
bus in the process's memory, so a second process would not see the first one's changes. SQLite runs in
WAL mode with IMMEDIATE transactions and a busy timeout (payproc/settings/base.py), so concurrent
writers queue instead of failing. PORT sets the port (default 8080), EMBEDDED_THREADS the threads.
"""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8080')}"
wsgi_app = "payproc.wsgi:application"
workers = 1
worker_class = "gthread"
# Few threads: the rest of a burst waits in gunicorn's queue, in order, rather than in SQLite's busy
# handler, whose growing sleeps are unfair. POST /transaction at 16 connections (scripts/bench/
# embedded.sh, same run): 4 threads p95 433 ms, 16 threads p95 1,440 ms, at the same ~60 payments/s.
threads = int(os.environ.get("EMBEDDED_THREADS", "4"))
backlog = 2048
timeout = 60
graceful_timeout = 10
accesslog = None  # payproc's own access log
