"""Background jobs: the processes that run them (heartbeats, liveness) and their time limits.

The lowest layer beside audit: it knows no domain app. Runs (imports, de-dup) are failed by
their own modules; `cli/supervisor.py` ties it together in `seatkeeper serve`.
"""
