"""The coverage report (``convert --coverage``) as a curator reads it: JSON, or a self-contained HTML page.

The page needs nothing from the network (inline CSS, no script): per source, each field's values mapped,
deliberately ignored (with the reason from ``mappings/*-ignored.csv``) or unhandled, as bars; per crosswalk
table, the values it does not know, most frequent first, with the CSV lines to paste into the table.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from .errors import UsageError

FORMATS = (".json", ".html")


def format_of(path: str) -> str:
    """"json" or "html" from the report's extension (JSON for a name without one, such as /dev/stdout);
    UsageError for any other extension (checked before the run)."""
    lowered = path.lower()
    for ext in FORMATS:
        if lowered.endswith(ext):
            return ext[1:]
    if "." not in Path(lowered).name:
        return "json"
    raise UsageError(f"--coverage {path!r}: write the report as .json or .html")


def render(report: dict[str, Any], path: str) -> bytes:
    """The report in the format ``path``'s extension asks for."""
    if format_of(path) == "html":
        return html(report).encode("utf-8")
    return (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{padding:.25rem .5rem;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:flex;height:1.1rem;width:100%;min-width:12rem;background:#eee;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%}.mapped{background:#2e7d32}.ignored{background:#9e9e9e}.unhandled{background:#c62828}
.key span{display:inline-block;width:.9rem;height:.9rem;margin:0 .3rem 0 1rem;vertical-align:-.1rem;border-radius:2px}
pre{background:#f7f7f7;padding:.6rem;overflow:auto;max-height:20rem}.none{color:#666}
"""


def _bar(mapped: int, ignored: int, unhandled: int) -> str:
    total = mapped + ignored + unhandled or 1
    parts = "".join(f'<span class="{cls}" style="width:{100 * n / total:.2f}%" title="{cls}: {n}"></span>'
                    for cls, n in (("mapped", mapped), ("ignored", ignored), ("unhandled", unhandled)) if n)
    return f'<div class="bar" role="img" aria-label="{mapped} mapped, {ignored} ignored, {unhandled} unhandled">{parts}</div>'


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def html(report: dict[str, Any]) -> str:
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width,initial-scale=1">',
           f"<title>arkgraph coverage report</title><style>{_CSS}</style></head><body>",
           "<h1>Coverage report</h1>",
           '<p class="key">Source values:<span class="mapped"></span>mapped<span class="ignored"></span>'
           'deliberately ignored<span class="unhandled"></span>unhandled</p>']
    for source, s in report.get("sources", {}).items():
        out.append(f'<h2 id="source-{escape(source)}">{escape(source)}</h2>')
        out.append(f"<p>{s['leaf_values']:,} source values: {s['mapped']:,} mapped, {s['ignored']:,} ignored, "
                   f"{s['unhandled']:,} unhandled; <strong>{s['coverage_percent']} % handled</strong>.</p>")
        out.append(_bar(s["mapped"], s["ignored"], s["unhandled"]))
        unhandled = s.get("unhandled_fields", {})
        out.append("<h3>Unhandled fields</h3>")
        if unhandled:
            out.append("<table><tr><th>field</th><th>values</th></tr>")
            out += [f'<tr><td><code>{escape(p)}</code></td><td class="n">{n:,}</td></tr>'
                    for p, n in sorted(unhandled.items(), key=lambda kv: (-kv[1], kv[0]))]
            out.append("</table>")
        else:
            out.append('<p class="none">None: every field is mapped or deliberately ignored.</p>')
        ignored = s.get("ignored_fields", {})
        if ignored:
            out.append("<h3>Deliberately ignored fields</h3><table><tr><th>field</th><th>values</th><th>why</th></tr>")
            out += [f'<tr><td><code>{escape(p)}</code></td><td class="n">{v["count"]:,}</td><td>{escape(v["reason"])}</td></tr>'
                    for p, v in sorted(ignored.items(), key=lambda kv: (-kv[1]["count"], kv[0]))]
            out.append("</table>")
    out.append("<h2>Values missing from the crosswalk tables</h2>")
    unmapped = report.get("unmapped_values", {})
    if not unmapped:
        out.append('<p class="none">None: every value is in its table.</p>')
    for table, values in unmapped.items():
        out.append(f'<h3 id="table-{escape(table)}"><code>mappings/{escape(table)}.csv</code>: '
                   f"{len(values):,} value{'s' if len(values) != 1 else ''}</h3>")
        out.append("<table><tr><th>value</th><th>records</th></tr>")
        out += [f'<tr><td>{escape(label)}</td><td class="n">{n:,}</td></tr>' for label, n in values.items()]
        out.append("</table><p>Rows to complete and add to the table (the first column is the value):</p>")
        out.append("<pre>" + escape("\n".join(_csv_cell(label) + "," for label in values)) + "</pre>")
    out.append("</body></html>\n")
    return "\n".join(out)
