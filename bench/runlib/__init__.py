"""Parts of bench/run.py: common (engines, timed runs), programs (the real
programs of tests/programs) and report (tables, charts, README)."""
