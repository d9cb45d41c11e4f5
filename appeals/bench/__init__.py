"""`make bench`: how Appeal Desk grows with its data, in one table (printed, and written as JSON and Markdown).

One module per measure; `run.py` runs them at each scale and `report.py` writes the table and the targets:
- seed.py     flush and seed with `seed_demo` (COPY, fixed seed), then VACUUM ANALYZE of every seeded table; the
              organizations measured
- pages.py    pages through Django's test client (median, p95, query count) beside hand-written SQL (the lower bound)
- imports.py  CSV and XLSX import of 100,000 rows by `manage.py import_violations` in a child process
- sweep.py    the reminder sweep over every appeal made open, 1,500 of them due: find, claim and publish
- load.py     the inbox under gunicorn with 20 concurrent connections from wrk (or a threaded Python client)
- report.py   the targets and the Markdown table
Notice parsing and the inbound webhook are measured by appeals/notices/bench.py.
"""
