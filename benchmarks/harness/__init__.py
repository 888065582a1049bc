"""The load harness behind ``benchmarks/run.py``: servers, load generators, reports."""
