"""Harvest Paris Musées GraphQL: ``nodeQuery`` pages by ``$limit``/``$offset`` against ``count``.

Each page is POSTed as ``{"query": ..., "variables": {"limit": L, "offset": O}}`` and the
body is saved as received to ``OUT/nodequery-<job>-<offset>.json``, except the token if the server
echoes it (``[REDACTED]``). The token travels in a header only (``auth-token`` or ``Authorization:
Bearer``); it is never written anywhere.

Failure handling, per page:

* HTML instead of JSON, a cut-off body, 429/5xx, resets, timeouts → retried (``Fetcher``);
* ``{"errors": [...]}`` without data → the harvest stops at once with the server's
  messages: retrying a bad query would only burn the daily budget;
* ``null`` entities are kept in the saved page (as received) and not counted as records.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from ..errors import UsageError
from ..http import BodyError, Fetcher, FetchError
from .checkpoint import Checkpoint
from .common import RESUME_HINT, HarvestStopped, Result, parse_json
from .files import save_response
from .progress import NullReporter, Reporter

DEFAULT_ENDPOINT = "https://apicollections.parismusees.paris.fr/graphql"
DAILY_BUDGET = 1000  # requests per day per token, per the official docs
DEFAULT_LIMIT = 250
QUERY_FILE = "parismusees-default-query.graphql"

# Museum taxonomy term ids (tids) by slug and by fieldMuseeCode; 12, 13, 14, 15 and 20 were
# seen in real responses, the rest come from one client's table (reference §2).
MUSEUMS: tuple[tuple[str, str, str, str], ...] = (
    # slug, code, tid, name
    ("balzac", "BAL", "10", "Maison de Balzac"),
    ("bourdelle", "BOU", "11", "Musée Bourdelle"),
    ("carnavalet", "CAR", "12", "Musée Carnavalet, Histoire de Paris"),
    ("cernuschi", "CER", "13", "Musée Cernuschi"),
    ("cognacq-jay", "COG", "14", "Musée Cognacq-Jay"),
    ("galliera", "GAL", "15", "Palais Galliera"),
    ("art-moderne", "MAM", "16", "Musée d'Art moderne de Paris"),
    ("liberation", "LEC", "17", "Musée de la Libération de Paris"),
    ("victor-hugo", "MVH", "18", "Maisons de Victor Hugo"),
    ("vie-romantique", "MVR", "19", "Musée de la Vie romantique"),
    ("petit-palais", "PPA", "20", "Petit Palais"),
    ("zadkine", "ZDK", "21", "Musée Zadkine"),
    ("crypte", "", "165363", "Crypte archéologique de l'Île de la Cité"),
    ("catacombes", "", "383380", "Catacombes de Paris"),
)
_MUSEUM_TIDS: Mapping[str, str] = {
    **{slug: tid for slug, _, tid, _ in MUSEUMS},
    **{code.lower(): tid for _, code, tid, _ in MUSEUMS if code},
}

TOKEN_HEADERS: Mapping[str, tuple[str, str]] = {
    # --token-header value → (header name, value prefix)
    "auth-token": ("auth-token", ""),
    "bearer": ("Authorization", "Bearer "),
}


def museum_tid(value: str) -> str:
    """A museum given as tid, slug (``petit-palais``) or code (``PPA``) → its tid."""
    value = value.strip()
    if value.isdigit():
        return value
    key = value.lower().removeprefix("musee-").removeprefix("maison-de-").removeprefix("palais-")
    try:
        return _MUSEUM_TIDS[key]
    except KeyError:
        known = ", ".join(slug for slug, *_ in MUSEUMS)
        raise UsageError(f"unknown museum {value!r}: give a tid or one of {known}") from None


def modified_since_timestamp(value: str) -> str:
    """``YYYY-MM-DD`` or an ISO datetime (UTC if naive) → Drupal's ``changed`` (Unix seconds)."""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--modified-since {value!r} is not a date (YYYY-MM-DD) or ISO datetime") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return str(int(when.timestamp()))


def _gql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def filter_conditions(*, museum: str | None = None, object_type: str | None = None,
                      modified_since: str | None = None) -> list[str]:
    """GraphQL condition objects (Drupal machine names, values as strings) for the CLI filters."""
    conditions: list[str] = []
    if museum:
        conditions.append(f'{{field: "field_musee", value: [{_gql_string(museum_tid(museum))}]}}')
    if object_type:
        # a tid selects the term exactly; anything else is matched on the term's name
        field = "tid" if object_type.strip().isdigit() else "name"
        conditions.append(f'{{field: "field_oeuvre_types_objet.entity.{field}", value: {_gql_string(object_type.strip())}}}')
    if modified_since:
        conditions.append(
            f'{{field: "changed", value: {_gql_string(modified_since_timestamp(modified_since))}, operator: GREATER_THAN_OR_EQUAL}}'
        )
    return conditions


def _mask_comments_and_strings(query: str) -> str:
    """Same length as ``query``, with comments and string contents blanked, for searching."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif ch == '"':
            j = i + 1
            while j < n and query[j] != '"':
                j += 2 if query[j] == "\\" else 1
            j = min(j + 1, n)
            out.append('"' + " " * (j - i - 2) + '"' if j - i >= 2 else " " * (j - i))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_CONDITIONS = re.compile(r"conditions\s*:\s*\[")
_VARIABLE = re.compile(r"\$(limit|offset)\b")


def add_conditions(query: str, conditions: Sequence[str]) -> str:
    """Insert filter conditions at the start of the query's first ``conditions: [`` list."""
    if not conditions:
        return query
    m = _CONDITIONS.search(_mask_comments_and_strings(query))
    if not m:
        raise UsageError("cannot add --museum/--object-type/--modified-since: the query has no `conditions: [` list")
    return query[: m.end()] + " ".join(conditions) + " " + query[m.end():]


def check_query(query: str) -> None:
    found = set(_VARIABLE.findall(_mask_comments_and_strings(query)))
    if found != {"limit", "offset"}:
        raise UsageError("the query must use both $limit and $offset variables, e.g. "
                         "query ($limit: Int!, $offset: Int!) { nodeQuery(limit: $limit, offset: $offset ...) ... }")


def default_query_path() -> Path:
    """The query shipped in the package (``arkgraph._mappings`` is ``mappings/``), else the checkout's."""
    try:
        packaged = Path(str(resources.files("arkgraph._mappings").joinpath(QUERY_FILE)))
    except ModuleNotFoundError:  # running from src/ without an install
        packaged = None
    if packaged is not None and packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "mappings" / QUERY_FILE


def load_query(path: Path | None = None) -> str:
    path = path or default_query_path()
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read query file {path}: {exc.strerror or exc}") from None


def token_headers(token: str, style: str) -> dict[str, str]:
    name, prefix = TOKEN_HEADERS[style]
    return {name: prefix + token, "Content-Type": "application/json", "Accept": "application/json"}


def token_from_env(var: str) -> str:
    token = os.environ.get(var, "").strip()
    if not token:
        raise UsageError(f"environment variable {var} is empty or not set: put your Paris Musées API token there")
    return token


@dataclass(frozen=True)
class Page:
    count: int | None
    entities: int  # rows in the page, nulls included: what paging advances by
    records: int  # non-null entities
    warnings: tuple[str, ...] = ()


def check_page(response: httpx.Response) -> Page:
    """Validate one GraphQL response body; raise ``BodyError`` when it is not a usable page."""
    doc = parse_json(response)
    if not isinstance(doc, dict):
        raise BodyError("GraphQL response is not a JSON object", retryable=False)
    errors = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in doc.get("errors") or []]
    node = _page_node(doc.get("data"))
    if node is None:
        if errors:
            raise BodyError("GraphQL errors: " + "; ".join(errors)[:500], retryable=False)
        raise BodyError("no `entities` list under `data`: the query must select nodeQuery { count entities { ... } }",
                        retryable=False)
    entities = node.get("entities") or []
    count = node.get("count")
    warnings = tuple(f"GraphQL errors alongside data (page kept): {e}"[:300] for e in errors)
    return Page(count=count if isinstance(count, int) else None, entities=len(entities),
                records=sum(1 for e in entities if e is not None), warnings=warnings)


def _page_node(data: Any) -> dict[str, Any] | None:
    """The first top-level field holding an ``entities`` list (``nodeQuery`` or an alias)."""
    if not isinstance(data, dict):
        return None
    for value in data.values():
        if isinstance(value, dict) and isinstance(value.get("entities"), list):
            return value
    return None


def harvest(fetcher: Fetcher, out: Path, *, query: str, endpoint: str = DEFAULT_ENDPOINT,
            limit: int = DEFAULT_LIMIT, reporter: Reporter | None = None) -> Result:
    """Fetch every page of ``query`` into ``out``, resuming from the checkpoint."""
    reporter = reporter or NullReporter()
    check_query(query)
    cp = Checkpoint(out, "parismusees", {"endpoint": endpoint, "query": query, "limit": limit}, redact=fetcher.redact)
    st = cp.state
    st.setdefault("offset", 0)
    st.setdefault("records", 0)
    st.setdefault("total", None)
    result = Result(total=st["total"])
    if cp.complete:
        result.complete = result.already_complete = True
        result.position = f"all {st['records']} records already saved"
        return result
    if cp.resumed:
        reporter.note(f"resuming at offset {st['offset']} ({st['records']} records already saved)")
    reporter.total(st["total"])
    reporter.advance(0)

    def position() -> str:
        total = f" of {st['total']}" if st["total"] is not None else ""
        return f"offset {st['offset']}{total}, {st['records']} records saved in {out}"

    budget_shown = False
    try:
        while True:
            if st["total"] is not None and st["offset"] >= st["total"]:
                break
            offset = st["offset"]
            body = {"query": query, "variables": {"limit": limit, "offset": offset}}
            try:
                response, page = fetcher.post(endpoint, json=body, check=check_page)
            except FetchError as exc:
                raise HarvestStopped(f"Paris Musées harvest stopped at {position()}: {exc}; {RESUME_HINT}", result) from None
            save_response(out / f"nodequery-{cp.id}-{offset:08d}.json", response.content, fetcher.redact)
            result.files += 1
            result.records += page.records
            for warning in page.warnings:
                reporter.note(warning)
            st["offset"] = offset + limit
            st["records"] += page.records
            if page.count is not None:
                st["total"] = result.total = page.count
                reporter.total(page.count)
            # without a count, a short page is the last one; with one, an empty page ends a shrunk set
            if page.entities == 0 or (page.count is None and page.entities < limit):
                st["complete"] = True
            cp.save()
            reporter.advance(page.records)
            if not budget_shown and st["total"] is not None:
                budget_shown = True
                needed = max(0, -(-(st["total"] - st["offset"]) // limit))
                reporter.note(f"Paris Musées: {st['total']} records, about {needed} more requests at --limit {limit}; "
                              f"the API allows about {DAILY_BUDGET} requests per day per token")
            if st.get("complete"):
                break
    except KeyboardInterrupt:
        raise HarvestStopped(f"Paris Musées harvest interrupted at {position()}; {RESUME_HINT}", result) from None
    st["complete"] = True
    cp.save()
    result.complete = True
    result.position = f"all {st['records']} records saved in {out}"
    return result
