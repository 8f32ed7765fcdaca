"""Stream Paris Musées GraphQL JSON: whole responses, bare arrays, or JSON Lines, in bounded memory.

Accepted shapes (any mix of them in one stream):
  {"data": {"nodeQuery": {"count": N, "entities": [...]}}}   one or several aliases under data
  {"data": {"nodeById": {...}}}
  [ {...entity...}, ... ]
  {...entity...}\n{...entity...}\n   (JSON Lines)
  {"errors": [...]}                   reported, never crashed on
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from .common import Item, RawRecord, Reject

SOURCE = "parismusees"
_NODE_PATH = re.compile(r"/node/(\d+)")


def _entity_id(entity: Any) -> str | None:
    if not isinstance(entity, dict):
        return None
    for k in ("nid", "entityId", "entityUuid", "uuid"):
        if entity.get(k) not in (None, ""):
            return str(entity[k])
    path = entity.get("absolutePath")
    if isinstance(path, str):
        m = _NODE_PATH.search(path)
        if m:
            return m.group(1)
    return None


def _html_title(head: bytes) -> str:
    m = re.search(rb"<title[^>]*>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
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
    scan = _Scanner(fh)
    walk = _Walk(scan, name)
    try:
        yield from walk.stream()
    except _Truncated as exc:
        yield Reject(name, walk.pos + 1, None, f"truncated or malformed JSON after record {walk.pos}: {exc}", SOURCE)
    except _Malformed as exc:
        yield Reject(name, walk.pos + 1, None, f"malformed JSON after record {walk.pos}: {exc}", SOURCE)
    except json.JSONDecodeError as exc:  # positions count from the current block: not shown
        yield Reject(name, walk.pos + 1, None, f"malformed JSON after record {walk.pos}: {exc.msg}", SOURCE)
    except UnicodeDecodeError as exc:
        yield Reject(name, walk.pos + 1, None, f"not UTF-8 after record {walk.pos}: {exc.reason}", SOURCE)


class _Truncated(Exception):
    """The stream ended inside a value."""


class _Malformed(Exception):
    pass


_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_BLOCK = 1 << 20


class _Scanner:
    """Decoded text of a byte stream, read in blocks, consumed left to right.

    Values are decoded by the json module's C scanner (``raw_decode``) straight from the buffer;
    only the envelope around them is walked here. Memory: one block plus the value being read."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.bad: UnicodeDecodeError | None = None

    def more(self, size: int = 0) -> bool:
        if self.eof:
            return False
        if self.bad is not None:
            raise self.bad
        chunk = self.fh.read(size or _BLOCK)
        try:
            text = self.dec.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:  # the text before the bad byte first: its records are read
            self.bad = exc
            text = exc.object[:exc.start].decode("utf-8")
        if not chunk:
            self.eof = True
        self.buf = self.buf[self.pos:] + text
        self.pos = 0
        return bool(text) or not self.eof

    def peek(self) -> str:
        """The next non-blank character ("" at the end of the stream)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def take(self, expected: str) -> None:
        c = self.peek()
        if c != expected:
            if not c:
                raise _Truncated(f"the file ends where {expected!r} was expected")
            raise _Malformed(f"expected {expected!r}, found {c!r}")
        self.pos += 1

    def value(self) -> Any:
        """One JSON value (reading more of the stream as long as it is incomplete)."""
        if not self.peek():
            raise _Truncated("the file ends where a value was expected")
        size = _BLOCK
        while True:
            size *= 2  # a value longer than a block: each retry reads twice as much (no quadratic re-parsing)
            try:
                v, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                unterminated = exc.msg.startswith("Unterminated string")
                at = exc.pos - self.pos  # from the value's start (more() moves the buffer)
                if (unterminated or exc.pos >= len(self.buf) - 8) and self.more(size):
                    continue  # maybe only cut by the block: retry with more text
                if unterminated or self.pos + at >= len(self.buf.rstrip()):
                    raise _Truncated(f"premature end of file ({exc.msg})") from None
                raise
            if end >= len(self.buf) and not self.eof and self.more(size):  # a number may go on
                continue
            self.pos = end
            return v

    def members(self) -> Iterator[str]:
        """Keys of the object just opened (after '{'); the caller reads each value."""
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            if type(key) is not str:
                raise _Malformed(f"an object key must be a string, found {str(key)[:40]!r}")
            self.take(":")
            yield key
            c = self.peek()
            self.pos += 1
            if c == "}":
                return
            if c != ",":
                raise _Truncated("the file ends inside an object") if not c else _Malformed(
                    f"expected ',' or '}}' in an object, found {c!r}")

    def items(self) -> Iterator[None]:
        """Positions at each item of the array just opened (after '['); the caller reads it."""
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield None
            c = self.peek()
            self.pos += 1
            if c == "]":
                return
            if c != ",":
                raise _Truncated("the file ends inside an array") if not c else _Malformed(
                    f"expected ',' or ']' in an array, found {c!r}")


class _Walk:
    """The envelopes: a response (data → aliases → entities, nodeById, errors), a bare array,
    or one entity per line, any mix of them, one after the other in the stream."""

    def __init__(self, scan: _Scanner, name: str) -> None:
        self.s = scan
        self.name = name
        self.pos = 0  # entities seen (for positions in rejects)

    def stream(self) -> Iterator[Item]:
        s = self.s
        while (c := s.peek()):
            if c == "[":
                s.pos += 1
                yield from self._entities()
            elif c == "{":
                s.pos += 1
                yield from self._root_object()
            else:
                self.pos += 1
                v = s.value()
                yield Reject(self.name, self.pos, None, f"not an entity: a JSON {type(v).__name__} at the top level", SOURCE)

    def _entities(self) -> Iterator[Item]:
        for _ in self.s.items():
            yield from self._entity(self.s.value())

    def _entity(self, ent: Any) -> Iterator[Item]:
        self.pos += 1
        if ent is None:
            yield Reject(self.name, self.pos, None, "null entity in response (the API returned null for this node)", SOURCE)
        elif type(ent) is not dict:
            yield Reject(self.name, self.pos, None,
                         f"entity is a JSON {type(ent).__name__}, not an object: {str(ent)[:60]!r}", SOURCE)
        else:
            yield from _entity_item(ent, self.name, self.pos)

    def _root_object(self) -> Iterator[Item]:
        s = self.s
        keys = s.members()
        for key in keys:
            if key == "data":
                yield from self._data()
            elif key == "errors":
                yield _errors_reject(s.value(), self.name)
            elif key == "extensions":
                s.value()
            else:  # a bare entity (JSON Lines): this key and the rest are its members
                yield from self._entity(self._rest(key, keys))
                return

    def _rest(self, key: str, keys: Iterator[str]) -> dict[str, Any]:
        out = {key: self.s.value()}
        for k in keys:
            out[k] = self.s.value()
        return out

    def _data(self) -> Iterator[Item]:
        s = self.s
        c = s.peek()
        if c != "{":
            s.value()  # data: null (errors say why)
            return
        s.pos += 1
        for alias in s.members():
            c = s.peek()
            if c == "{":
                s.pos += 1
                yield from self._query()
            elif c == "[":
                s.pos += 1
                yield from self._entities()
            elif s.value() is None:
                yield Reject(self.name, None, None, f"query {alias!r} returned null", SOURCE)

    def _query(self) -> Iterator[Item]:
        """``{count, entities: [...]}``, or a node itself (nodeById)."""
        s = self.s
        keys = s.members()
        for key in keys:
            if key == "entities":
                if s.peek() == "[":
                    s.pos += 1
                    yield from self._entities()
                else:
                    s.value()
            elif key == "count":
                s.value()
            else:
                yield from self._entity(self._rest(key, keys))
                return


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
