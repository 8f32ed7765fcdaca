"""Stream Paris Musées GraphQL JSON: whole responses, bare arrays, or JSON Lines, in bounded memory.

Accepted shapes (any mix of them in one stream):
  {"data": {"nodeQuery": {"count": N, "entities": [...]}}}   one or several aliases under data
  {"data": {"nodeById": {...}}}
  [ {...entity...}, ... ]
  {...entity...}\n{...entity...}\n   (JSON Lines)
  {"errors": [...]}                   reported, never crashed on
"""

from __future__ import annotations

import re
from typing import IO, Any, Iterator

import ijson
from ijson.common import ObjectBuilder

from .common import Item, RawRecord, Reject

SOURCE = "parismusees"
_ENVELOPE_KEYS = {"data", "errors", "extensions"}


def _entity_id(entity: Any) -> str | None:
    if not isinstance(entity, dict):
        return None
    for k in ("nid", "entityId", "entityUuid", "uuid"):
        if entity.get(k) not in (None, ""):
            return str(entity[k])
    path = entity.get("absolutePath")
    if isinstance(path, str):
        m = re.search(r"/node/(\d+)", path)
        if m:
            return m.group(1)
    return None


def _html_title(head: bytes) -> str:
    m = re.search(rb"<title[^>]*>(.*?)</title>", head, re.I | re.S)
    return m.group(1).decode("utf-8", "replace").strip() if m else "no title"


def read(fh: IO[bytes], name: str) -> Iterator[Item]:
    """Yield RawRecords (one per entity) and Rejects (null entities, errors, damage)."""
    head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<":
        yield Reject(name, None, None, f"not JSON: an HTML/XML page was given ({_html_title(head)!r})", SOURCE)
        return
    if not stripped:
        yield Reject(name, None, None, "empty file", SOURCE)
        return
    m = _SINGLE_QUERY.match(stripped)
    if m:
        yield from _read_entities(fh, name, f"data.{m.group(1).decode()}.entities.item")
        return
    yield from _read_events(fh, name)


# The common case: one query whose entities array comes first; ijson's C backend builds each entity.
_SINGLE_QUERY = re.compile(rb'\{\s*"data"\s*:\s*\{\s*"(\w+)"\s*:\s*\{\s*(?:"count"\s*:\s*\d+\s*,\s*)?"entities"\s*:\s*\[')


def _read_entities(fh: IO[bytes], name: str, prefix: str) -> Iterator[Item]:
    pos = 0
    try:
        for ent in ijson.items(fh, prefix, use_float=True):
            pos += 1
            if ent is None:
                yield Reject(name, pos, None, "null entity in response (the API returned null for this node)", SOURCE)
            elif not isinstance(ent, dict):
                yield Reject(name, pos, None, f"entity is a JSON {type(ent).__name__}, not an object: {str(ent)[:60]!r}", SOURCE)
            else:
                yield from _entity_item(ent, name, pos)
    except ijson.common.IncompleteJSONError as exc:
        yield Reject(name, pos + 1, None, f"truncated or malformed JSON after record {pos}: {_first_line(exc)}", SOURCE)
    except ijson.common.JSONError as exc:
        yield Reject(name, pos + 1, None, f"malformed JSON after record {pos}: {_first_line(exc)}", SOURCE)


def _read_events(fh: IO[bytes], name: str) -> Iterator[Item]:
    """The general walker: any mix of envelopes, aliases, JSON Lines and error bodies."""
    pos = 0
    events = ijson.parse(fh, multiple_values=True, use_float=True)
    stack: list[str] = []        # the role of each open container
    builder: ObjectBuilder | None = None
    depth = 0                    # nesting inside the value being built
    building_errors = False

    def start_build(*first: tuple[str, Any]) -> None:
        nonlocal builder, depth
        builder = ObjectBuilder()
        for ev, val in first:
            builder.event(ev, val)
        depth = 1

    try:
        for prefix, event, value in events:
            if builder is not None:  # inside an entity (or the errors array)
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth == 0:
                    built, builder = builder.value, None
                    if building_errors:
                        building_errors = False
                        yield _errors_reject(built, name)
                    else:
                        pos += 1
                        yield from _entity_item(built, name, pos)
                        if not stack:  # a JSON-Lines entity closed its own root
                            pass
                continue
            top = stack[-1] if stack else None
            if event in ("start_map", "start_array"):
                if top is None:
                    stack.append("root_array" if event == "start_array" else "root_map")
                elif top in ("root_array", "entities") and event == "start_map":
                    start_build((event, value))
                elif top == "root_map" and prefix == "data" and event == "start_map":
                    stack.append("data")
                elif top == "data":
                    stack.append("query" if event == "start_map" else "entities")
                elif top == "query" and prefix.endswith(".entities") and event == "start_array":
                    stack.append("entities")
                else:
                    stack.append("other")
            elif event in ("end_map", "end_array"):
                if stack:
                    stack.pop()
            elif event == "map_key":
                if top == "root_map" and value == "errors":
                    building_errors = True
                    _, ev, val = next(events)
                    if ev in ("start_map", "start_array"):
                        start_build((ev, val))
                    else:
                        building_errors = False
                        yield _errors_reject(val, name)
                elif (top == "root_map" and value not in _ENVELOPE_KEYS) or (
                    top == "query" and value not in ("entities", "count")
                ):
                    # a bare entity (JSON Lines) or a nodeById node: build it from here
                    stack.pop()
                    start_build(("start_map", None), ("map_key", value))
            elif event == "null":
                if top in ("entities", "root_array"):
                    pos += 1
                    yield Reject(name, pos, None, "null entity in response (the API returned null for this node)", SOURCE)
                elif top == "data":
                    yield Reject(name, None, None, f"query {prefix.rsplit('.', 1)[-1]!r} returned null", SOURCE)
            elif event in ("string", "number", "boolean") and top in ("entities", "root_array"):
                pos += 1
                yield Reject(name, pos, None, f"entity is a JSON {event}, not an object: {str(value)[:60]!r}", SOURCE)
    except ijson.common.IncompleteJSONError as exc:
        yield Reject(name, pos + 1, None, f"truncated or malformed JSON after record {pos}: {_first_line(exc)}", SOURCE)
    except ijson.common.JSONError as exc:
        yield Reject(name, pos + 1, None, f"malformed JSON after record {pos}: {_first_line(exc)}", SOURCE)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _errors_reject(errs: Any, name: str) -> Reject:
    items = errs if isinstance(errs, list) else [errs]
    msgs = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in items)[:500]
    return Reject(name, None, None, f"GraphQL errors in response: {msgs or 'no message'}", SOURCE)


def _entity_item(ent: Any, name: str, pos: int) -> Iterator[Item]:
    if not isinstance(ent, dict):
        yield Reject(name, pos, None, f"entity is a {type(ent).__name__}, not an object", SOURCE)
        return
    if not ent:
        yield Reject(name, pos, None, "empty entity (not a NodeOeuvre?)", SOURCE)
        return
    yield RawRecord(SOURCE, name, pos, ent, _entity_id(ent))
