"""The benchmark: generated national-scale data, a load run against a hello-world app, and its report.

``python -m bench --help`` lists the commands; bench/README.md and
docs/performance.md say how to reproduce the figures.
"""
