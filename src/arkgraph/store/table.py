"""A SELECT/ASK result drawn as a text table for a terminal (``arkgraph query``'s default output)."""

from __future__ import annotations

from wcwidth import wcswidth

from .base import Table

MAX_CELL = 60


def cell(term: dict | None) -> str:
    """A compact, readable form of a SPARQL-JSON term: IRIs in <>, literals with @lang or ^^type."""
    if term is None:
        return ""
    kind, value = term.get("type"), str(term.get("value", ""))
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    value = value.replace("\n", "\\n")
    if "xml:lang" in term:
        return f'"{value}"@{term["xml:lang"]}'
    dt = term.get("datatype")
    if dt and not dt.startswith("http://www.w3.org/2001/XMLSchema#"):
        return f'"{value}"^^<{dt}>'
    return value


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: CJK characters take two (wcwidth, East Asian Width)."""
    w = wcswidth(text)
    return w if w >= 0 else len(text)  # a control character: counted as one column each


def _fit(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    while width(text) > limit - 1:
        text = text[:-1]
    return text + "…"


def render_table(table: Table) -> str:
    headers = table.variables
    rows = [[_fit(cell(t), MAX_CELL) for t in row] for row in table.rows]
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line, fmt(headers), line, *(fmt(r) for r in rows), line])
