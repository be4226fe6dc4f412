"""Tværs benchmark harness: ``python -m bench.run`` (``make bench``, ``make bench-smoke``)."""
