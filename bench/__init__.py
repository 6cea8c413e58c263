"""cairn's benchmarks: ``python -m bench [NAME ...]`` (``make bench``) runs them; results go in BENCHMARKS.md.

Each benchmark is a module registered in ``bench.__main__.BENCHMARKS`` with an ``add_arguments(parser)`` and a
``run(args) -> str`` that returns its report (Markdown). Benchmarks make and drop their own databases.
"""
