"""A report as text for a terminal, as CSV, or as JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

COLUMNS = (
    "recipients",
    "delivered",
    "opened",
    "clicked",
    "clicks",
    "converted",
    "store",
    "online",
    "redemptions",
    "revenue",
    "blocks",
)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _rows(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [("total", report["totals"])]
    if len(report["variants"]) > 1:
        rows += [(f"variant {v}", f) for v, f in report["variants"].items()]
    return rows


def as_json(report: dict[str, Any]) -> str:
    """Return the report as JSON."""
    return json.dumps(report, ensure_ascii=False, indent=2)


def as_csv(report: dict[str, Any]) -> str:
    """Return one CSV row per group (total, variants), then the holdout comparison."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("group", *COLUMNS))
    for name, figures in _rows(report):
        writer.writerow((name, *(figures[c] for c in COLUMNS)))
    holdout = report.get("holdout")
    if holdout:
        writer.writerow(())
        writer.writerow(("group", "size", "converted", "rate", "revenue_per_customer"))
        for group in ("sent", "holdout"):
            g = holdout[group]
            writer.writerow(
                (group, g["size"], g["converted"], g["rate"], g["revenue_per_customer"])
            )
        ci = holdout["ci95"] or (None, None)
        writer.writerow(("difference", holdout["difference"], "ci95", *ci))
    return out.getvalue()


def as_text(report: dict[str, Any]) -> str:
    """Return the report as aligned columns with the rules underneath."""
    rows = _rows(report)
    width = max(len(name) for name, _ in rows) + 2
    lines = [report["report"], ""]
    lines.append("".ljust(width) + "".join(c.rjust(12) for c in COLUMNS))
    for name, figures in rows:
        cells = "".join(_cell(figures[c]).rjust(12) for c in COLUMNS)
        lines.append(name.ljust(width) + cells)
    holdout = report.get("holdout")
    if holdout:
        lines.append("")
        for group in ("sent", "holdout"):
            g = holdout[group]
            rate = "-" if g["rate"] is None else f"{g['rate']:.2%}"
            per = g["revenue_per_customer"]
            per_text = "-" if per is None else f"¥{per:,.0f}"
            lines.append(
                f"{group:<8} size {g['size']:,}  converted {g['converted']:,}"
                f"  rate {rate}  revenue/customer {per_text}"
            )
        if holdout["difference"] is not None:
            lo, hi = holdout["ci95"]
            lines.append(
                f"difference {holdout['difference']:+.2%}"
                f"  (95% CI {lo:+.2%} to {hi:+.2%})"
            )
    comparisons = report.get("comparisons", [])
    if len(comparisons) > 1 or (comparisons and not holdout):
        lines.append("")
        for c in comparisons:
            if c["difference"] is None:
                lines.append(f"variant {c['variant']} vs {c['against']}: -")
                continue
            lo, hi = c["ci95"]
            lines.append(
                f"variant {c['variant']} vs {c['against']}:"
                f" {c['treated']['rate']:.2%} vs {c['control']['rate']:.2%},"
                f" difference {c['difference']:+.2%} (95% CI {lo:+.2%} to {hi:+.2%})"
            )
    lines += ["", f"attribution: {report['attribution']}"]
    lines.append(f"blocks: {report['blocks_rule']}")
    lines.append('opened: LINE shows "< 20" for counts under 20')
    return "\n".join(lines)


FORMATS = {"text": as_text, "csv": as_csv, "json": as_json}
