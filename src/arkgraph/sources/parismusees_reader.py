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

from .common import DEFAULT_MAX_VALUE_BYTES, Item, RawRecord, Reject, lone_surrogate

SOURCE = "parismusees"
_NODE_PATH = re.compile(r"/node/(\d+)")


def _entity_id(entity: Any) -> str | None:
    if not isinstance(entity, dict):
        return None
    for k in ("nid", "entityId", "entityUuid", "uuid"):
        v = entity.get(k)
        # only a plausible id names a record in a reject line (not an object, inf, or 4,000 digits)
        if (type(v) is str and 0 < len(v) <= 200) or (type(v) is int and 0 < v < 1 << 63):
            return str(v)
    path = entity.get("absolutePath")
    if isinstance(path, str):
        m = _NODE_PATH.search(path)
        if m:
            return m.group(1)
    return None


def _html_title(head: bytes) -> str:
    m = re.search(rb"<title[^>]*>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
    return m.group(1).decode("utf-8", "replace").strip() if m else "no title"


def read(fh: IO[bytes], name: str, max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES) -> Iterator[Item]:
    """Yield RawRecords (one per entity) and Rejects (null entities, errors, damage).

    An entity with a field whose JSON text is over ``max_value_bytes``, nested deeper than the
    JSON decoder goes, holding a number Python will not read (over 4300 digits) or a lone surrogate
    is rejected, naming the field; the entities after it are still read."""
    head = fh.peek(4096)[:4096] if hasattr(fh, "peek") else b""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<":
        yield Reject(name, None, None, f"not JSON: an HTML/XML page was given ({_html_title(head)!r})", SOURCE)
        return
    if not stripped:
        yield Reject(name, None, None, "empty file", SOURCE)
        return
    scan = _Scanner(fh, max_value_bytes)
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
    except _BadValue as exc:  # outside any entity (an envelope, an errors body): the rest of the file is lost
        what = f"a value over the --max-value-bytes limit of {max_value_bytes}" if exc.args[0] is _TOO_BIG else exc
        yield Reject(name, walk.pos + 1, None, f"unreadable JSON after record {walk.pos}: {what}", SOURCE)


class _Truncated(Exception):
    """The stream ended inside a value."""


class _Malformed(Exception):
    pass


class _BadValue(Exception):
    """A well-formed JSON value that is not read: too big, too deep, or a number too long.

    ``end`` is where it ends when it was decoded (too big), else None: the scanner skips it."""

    def __init__(self, problem: str, end: int | None = None) -> None:
        super().__init__(problem)
        self.end = end


def _utf8_size(text: str, start: int, end: int) -> int:
    if text.isascii():  # O(1) in CPython: no copy of a huge buffer
        return end - start
    return sum(len(text[i:min(i + _BLOCK, end)].encode("utf-8", "surrogatepass")) for i in range(start, end, _BLOCK))


_TOO_BIG = "too big"  # the walker says by how much, once the value is skipped
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SKIP_PLAIN = re.compile(r'[^"\[\]{}]*')  # outside strings: up to the next quote or bracket
_SKIP_STRING = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)  # a string's body, up to its closing quote
_SKIP_OPEN = re.compile(r"[\[{]+")
_SKIP_CLOSE = re.compile(r"[\]}]+")
_SKIP_SCALAR = re.compile(r"[^,\]}\s]*")


_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_BLOCK = 1 << 20


class _Scanner:
    """Decoded text of a byte stream, read in blocks, consumed left to right.

    Values are decoded by the json module's C scanner (``raw_decode``) straight from the buffer;
    only the envelope around them is walked here. Memory: one block plus the value being read."""

    def __init__(self, fh: IO[bytes], max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.bad: UnicodeDecodeError | None = None
        self.limit = max_value_bytes
        self.surrogates = False  # a value read since the walker last cleared it may hold a lone surrogate

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
        """One JSON value (reading more of the stream as long as it is incomplete).

        Raises _BadValue, leaving the position at the value's start, for a value over the size
        limit, nested too deeply, or holding an integer of more than 4300 digits."""
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
                if unterminated or exc.pos >= len(self.buf) - 8:
                    if len(self.buf) - self.pos > self.limit >> 2 and self._over_limit(len(self.buf)):
                        raise _BadValue(_TOO_BIG) from None  # stop reading it in: bounded memory
                    # maybe only cut by the block: retry with more text, never much past the limit
                    if self.more(min(size, max(self.limit + 1 - (len(self.buf) - self.pos), 1 << 16))):
                        continue
                if unterminated or self.pos + at >= len(self.buf.rstrip()):
                    raise _Truncated(f"premature end of file ({exc.msg})") from None
                raise
            except RecursionError:
                raise _BadValue("JSON nested too deeply") from None
            except ValueError as exc:  # the int-string conversion limit (CVE-2020-10735)
                raise _BadValue(f"a number Python will not read ({str(exc).split(';')[0]})") from None
            if end >= len(self.buf) and not self.eof and self.more(size):  # a number may go on
                continue
            if end - self.pos > self.limit >> 2 and self._over_limit(end):
                raise _BadValue(_TOO_BIG, end)
            if _SURROGATE_ESCAPE.search(self.buf, self.pos, end) is not None:
                self.surrogates = True  # rare: the walker looks for lone ones
            self.pos = end
            return v

    def _over_limit(self, end: int) -> bool:
        """Whether buf[pos:end] is over the limit in UTF-8 bytes (a character is 1 to 4 of them)."""
        return end - self.pos > self.limit or _utf8_size(self.buf, self.pos, end) > self.limit

    def skip(self, bad: _BadValue) -> int:
        """Move past the value that ``value()`` refused to read; its size in UTF-8 bytes.

        Linear, and the text skipped is dropped as it goes (memory: one block); nesting is
        counted, not recursed into."""
        start = self.pos
        if bad.end is not None:
            self.pos = bad.end
            return _utf8_size(self.buf, start, bad.end)
        size = 0
        depth = 0
        state = 0  # 0 structure, 1 inside a string, 2 inside a top-level scalar (a number)
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf):
                if state == 1:
                    pos = _SKIP_STRING.match(buf, pos).end()  # type: ignore[union-attr]
                    if pos >= len(buf) or buf[pos] != '"':
                        break  # cut by the block (maybe after a backslash): read on
                    pos += 1  # the closing quote
                    state = 0
                    if not depth:
                        break
                elif state == 2:
                    pos = _SKIP_SCALAR.match(buf, pos).end()  # type: ignore[union-attr]
                    break
                elif (c := buf[pos]) == '"':
                    state = 1
                    pos += 1
                elif c in "[{":
                    end = _SKIP_OPEN.match(buf, pos).end()  # type: ignore[union-attr]
                    depth += end - pos
                    pos = end
                elif c in "]}":
                    run = _SKIP_CLOSE.match(buf, pos).end() - pos  # type: ignore[union-attr]
                    if run >= depth:
                        pos += depth
                        depth = 0
                        break
                    depth -= run
                    pos += run
                elif not depth:
                    state = 2
                else:
                    pos = _SKIP_PLAIN.match(buf, pos).end()  # type: ignore[union-attr]
            size += _utf8_size(buf, self.pos, pos)
            self.pos = pos
            done = not depth and (state == 0 or (state == 2 and pos < len(buf)))
            if done:
                return size
            if not self.more():
                if state == 2:
                    return size
                raise _Truncated("the file ends inside a value")

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
        s = self.s
        for _ in s.items():
            try:
                ent = s.value()
            except _BadValue as exc:
                yield from self._refused(exc)
            else:
                yield from self._entity(ent)

    def _refused(self, exc: _BadValue) -> Iterator[Item]:
        """An entity that value() would not read whole: read it field by field to name the one at fault."""
        s = self.s
        if s.peek() != "{":
            self.pos += 1
            yield Reject(self.name, self.pos, None, f"entity: {_describe(exc, s.skip(exc), s.limit)}", SOURCE)
            return
        s.pos += 1
        keys = s.members()
        key = next(keys, None)
        yield from self._entity(*self._rest(key, keys) if key is not None else ({}, None))

    def _entity(self, ent: Any, problem: str | None = None) -> Iterator[Item]:
        self.pos += 1
        if ent is None:
            yield Reject(self.name, self.pos, None, "null entity in response (the API returned null for this node)", SOURCE)
        elif type(ent) is not dict:
            yield Reject(self.name, self.pos, None,
                         f"entity is a JSON {type(ent).__name__}, not an object: {str(ent)[:60]!r}", SOURCE)
        elif problem is not None:
            yield Reject(self.name, self.pos, _entity_id(ent), problem, SOURCE)
        elif self.s.surrogates and (where := _lone_surrogate(ent)) is not None:
            # UTF-8 cannot encode a lone surrogate: the record could never be written
            yield Reject(self.name, self.pos, _entity_id(ent),
                         f"{where}: a lone surrogate (a \\ud800-\\udfff escape that is not half of a pair)",
                         SOURCE)
        else:
            yield from _entity_item(ent, self.name, self.pos)
        self.s.surrogates = False

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
                yield from self._entity(*self._rest(key, keys))
                return

    def _rest(self, key: str, keys: Iterator[str]) -> tuple[dict[str, Any], str | None]:
        """The members of an entity from ``key`` on, and what was wrong with the first refused one."""
        s = self.s
        out: dict[str, Any] = {}
        problem = None
        while key is not None:
            try:
                out[key] = s.value()
            except _BadValue as exc:
                size = s.skip(exc)
                if problem is None:
                    problem = f"{key}: {_describe(exc, size, s.limit)}"
            key = next(keys, None)  # type: ignore[assignment]
        return out, problem

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
                yield from self._entity(*self._rest(key, keys))
                return


def _errors_reject(errs: Any, name: str) -> Reject:
    items = errs if isinstance(errs, list) else [errs]
    msgs = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in items)[:500]
    return Reject(name, None, None, f"GraphQL errors in response: {msgs or 'no message'}", SOURCE)


def _describe(exc: _BadValue, size: int, limit: int) -> str:
    if exc.args[0] is _TOO_BIG:
        return f"value of {size} bytes, over the --max-value-bytes limit of {limit}"
    return str(exc)


def _lone_surrogate(ent: dict[str, Any]) -> str | None:
    """The first field of ``ent`` (key or value) holding a lone surrogate, or None. Only called when
    the entity's text has a surrogate escape: most are halves of a pair, which decode to one character."""
    for k, v in ent.items():
        try:
            if lone_surrogate(k) or lone_surrogate(v):
                return k
        except (RecursionError, ValueError):  # too deep to look into: the mapper rejects it
            continue
    return None


def _entity_item(ent: Any, name: str, pos: int) -> Iterator[Item]:
    if not isinstance(ent, dict):
        yield Reject(name, pos, None, f"entity is a {type(ent).__name__}, not an object", SOURCE)
        return
    if not ent:
        yield Reject(name, pos, None, "empty entity (not a NodeOeuvre?)", SOURCE)
        return
    yield RawRecord(SOURCE, name, pos, ent, _entity_id(ent))
