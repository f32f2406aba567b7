"""gunicorn's settings for the registry, read from the folder gunicorn starts in.

    .venv/bin/gunicorn memorial.wsgi -b 127.0.0.1:8100

Threaded workers, not gunicorn's default synchronous ones. A synchronous worker serves one
connection from accept to close: a browser that opens a connection and sends nothing yet
(browsers open spare connections ahead of need) holds the worker until it times out, and
everyone else waits behind it. A threaded worker keeps idle connections aside and gives a
thread only to a request that has arrived. With 200 visitors on two workers this made the
difference between pages waiting hundreds of milliseconds in line and pages served in a few
(docs/performance.md, "Load").

WEB_CONCURRENCY sets the number of worker processes (gunicorn's own variable), and
GUNICORN_THREADS the threads of each; each thread holds its own database connection.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A stop waits this long for requests in progress, then ends the workers: no request of a
# visitor lasts longer (their SQL stops after REGISTRY_VISITOR_STATEMENT_TIMEOUT).
graceful_timeout = 10
# A worker silent this long (stuck, not merely busy: threads report for it) is replaced.
timeout = 30
# What a proxy says about the request (X-Forwarded-Proto: https) is believed only from the
# proxy's own address (FORWARDED_ALLOW_IPS, gunicorn's variable; loopback unless set),
# never from a visitor who sends the header to pass for a secure connection. The client's
# address is read likewise only from REGISTRY_CLIENT_IP_HEADER (memorial/settings.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
