"""The report of a comparison: results.json, charts (PNG and SVG), report.html, models/README.md.

Qt-free: charts are drawn with matplotlib's Agg and SVG backends, imported only when a report
is written.
"""

from slimbench.engine.report.errors import ReportError
from slimbench.engine.report.writer import ReportFiles, write_report

__all__ = ["ReportError", "ReportFiles", "write_report"]
