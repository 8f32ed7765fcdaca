"""Cut one big record file into byte-range pieces that the source readers read alone, unchanged.

Planning is cheap: ``cut`` takes about 3 ms on a 200 MB file (a GraphQL response of 65,000 entities or an
SRU response of 66,500 records, 8 or 64 pieces), against 1.9 s and 2.7 s to read the file with its reader:
0.15 % and 0.1 %. It reads the file's first MB and a few KB after each target offset (at most WINDOW),
never the whole file. Hand-written: no library cuts JSON or XML at record boundaries by byte offset
(ijson and lxml stream a document from its start; they cannot start in its middle).

How a piece is read: ``head + file[start:end] + tail`` is a whole document for the source's reader.

- Paris Musées JSON (a GraphQL response, one or several aliases under ``data``, or a bare array of
  entities): a cut is right before an entity's ``{``, found by the separator between two entities
  (``}`` , ``,`` then the whitespace and first key every entity of the file starts with, learnt from the
  first one; GraphQL gives an object's fields in the query's order). ``{"`` followed by a key cannot be
  inside a JSON string (the quote would end the string), so a cut never lands in a string; it may land in
  a nested array of objects (an authors list) when a nested object starts with the same key. The pieces
  are then still read with a Reject: every piece after the first starts with the envelope's opening
  (``head``, e.g. ``{"data":{"nodeQuery":{"entities":[``) and every piece before the last ends with its
  closing (``tail``, ``]}}}``), so a piece whose start or end is not between two entities of the envelope's
  array leaves brackets unclosed or closes too many: the reader says "truncated or malformed". By
  induction from the first piece (read from the file's start), pieces that all read without such a reject
  were all cut between entities. The comma between two pieces (``file[end:start]``) is in no piece.
- JSON Lines (the first line a whole JSON value): a cut is after a newline, before a line opening an
  object or array; a raw newline cannot be inside a JSON string. Pieces are contiguous, head and tail empty.
- Gallica SRU and OAI-PMH ListRecords: a cut is right before a record's start tag that follows a record's
  end tag. ``head`` is the file up to its first record (declaration, root tag and its namespaces, the
  counts, ``<srw:records>`` / ``<ListRecords>``), ``tail`` the end tags of the elements the head left open:
  the file's own end (``nextRecordPosition``, ``resumptionToken``) is read once, in the last piece. A cut
  in a comment, CDATA or processing instruction leaves the piece before it unterminated, which libxml2
  refuses. Pieces are contiguous. A record's ``line`` in its payload counts from the piece's head (as
  ``position`` counts from 1): add the file's newlines before ``start`` and take away ``head``'s.

Not cut (``cut`` returns None): stdin, .gz, a file under two pieces, OAIRecord and bare oai_dc documents,
enrichment files, a JSON object that is not a response (a single entity, a IIIF manifest), an XML head
declaring entities or holding an OAI-PMH error, a first record or entities array beyond the first MB.

Pieces of a well-formed file give exactly the whole file's items, Rejects included (a null entity, GraphQL
errors, an OAI-PMH error after the records), in order, positions counting from 1 in each piece. A wrong cut
or a damaged file gives a Reject in some piece, about damage ("truncated or malformed JSON", "malformed
JSON", "not UTF-8", "not an entity", "damaged XML"): the simplest safe rule is to read the whole file in one
process when any piece gives any Reject (they are rare in good files).
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from typing import IO

from lxml import etree

from . import gallica_reader

WINDOW = 4 << 20  # the most read after a target offset when looking for a cut
_STEP = 64 << 10
_HEAD = 1 << 20  # the envelope before the first record must be within this many bytes


@dataclass(frozen=True, slots=True)
class Piece:
    file: str    # path as given
    start: int   # byte offset in the file where the piece's first record starts (0 for the first piece)
    end: int     # exclusive; the file's size for the last piece
    head: bytes  # bytes read BEFORE file[start:end] so that the reader reads the piece alone (b"" for the first piece)
    tail: bytes  # bytes read AFTER file[start:end] (b"" for the last piece)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a kind of file needs: where a cut may be, and what each piece is read between."""

    cut_at: re.Pattern[bytes]  # group "end": where the piece before ends; group "start": where the next starts
    head: bytes
    tail: bytes


def cut(path: str, size: int) -> list[Piece] | None:
    """Pieces of about `size` bytes each, each cut right before a record; None when the file is not cut:
    .gz, stdin, smaller than 2*size, a kind that is not cut (Gallica OAIRecord single records, enrichment
    files, unknown), or no cut point found."""
    if path == "-" or size <= 0:
        return None
    try:
        total = os.path.getsize(path)
        if total < 2 * size:
            return None
        with open(path, "rb") as fh:
            first = fh.read(_HEAD)
            if first[:2] == b"\x1f\x8b":
                return None
            plan = _plan(first)
            if plan is None:
                return None
            bounds: list[tuple[int, int]] = []  # (end of the piece before, start of the next)
            target = size
            while target < total:
                found = _find(fh, plan.cut_at, target, total)
                if found is None:
                    target += size  # nothing near this one: a bigger piece
                    continue
                bounds.append(found)
                target = found[1] + size
    except OSError:
        return None  # the reader reports it, from one process
    if not bounds:
        return None
    pieces: list[Piece] = []
    start = 0
    for i, (end, nxt) in enumerate(bounds):
        pieces.append(Piece(path, start, end, plan.head if i else b"", plan.tail))
        start = nxt
    pieces.append(Piece(path, start, total, plan.head, b""))
    return pieces


def _find(fh: IO[bytes], pattern: re.Pattern[bytes], target: int, total: int) -> tuple[int, int] | None:
    """The first cut at or after ``target`` within WINDOW bytes, read a block at a time."""
    fh.seek(target)
    buf = b""
    base = target
    read = 0
    while read < WINDOW:
        block = fh.read(_STEP)
        if not block:
            break
        read += len(block)
        buf += block
        m = pattern.search(buf)
        if m is not None and (m.end() < len(buf) or base + len(buf) >= total):
            return base + m.start("end"), base + m.start("start")
        keep = 4096  # a separator cut by the block is found whole in the next round
        if len(buf) > keep:
            base += len(buf) - keep
            buf = buf[-keep:]
    return None


def _plan(first: bytes) -> _Plan | None:
    text = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"<":
        return _xml_plan(first)
    return _jsonl_plan(text) or (_json_plan(text) if text[:1] in (b"{", b"[") else None)


# ---------------------------------------------------------------------------------------------- JSON

_DECODER = json.JSONDecoder()


def _jsonl_plan(text: bytes) -> _Plan | None:
    """JSON Lines when the first line is a whole JSON value and another line follows."""
    nl = text.find(b"\n")
    if nl < 0:
        return None
    try:
        line = text[:nl].decode("utf-8")
        _, end = _DECODER.raw_decode(line)
    except (UnicodeDecodeError, ValueError):
        return None
    if line[end:].strip() or not text[nl:].strip():
        return None
    # the end group sits before the newline in the pattern: pieces are contiguous at the newline
    return _Plan(re.compile(rb"[}\]][ \t\r]*\n(?P<end>)(?P<start>)(?=[ \t\r\n]*[{\[])"), b"", b"")


_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^,\]}\s]+")


_FIRST_ENTITY = re.compile(r'(?:[ \t\n\r]*null[ \t\n\r]*,)*([ \t\n\r]*)\{([ \t\n\r]*)("(?:[^"\\]|\\.)*")[ \t\n\r]*:')


def _json_plan(text: bytes) -> _Plan | None:
    """A response or bare array: the path to the first entities array (the head and tail of a piece),
    and the separator between two of its entities (whitespace and first key of its first entity)."""
    s = text.decode("utf-8", "ignore")  # the head block may end inside a character
    path = _entities_array(s)
    if path is None:
        return None
    keys, at = path
    # the first object of the array (nulls may come first): the whitespace before it and its first key
    m = _FIRST_ENTITY.match(s, at)
    if m is None:
        return None
    before, inside, key = (g.encode("utf-8") for g in m.groups())
    head = "".join("{" + json.dumps(k) + ":" if k is not None else "[" for k in keys).encode() + b"["
    tail = b"]" + "".join("}" if k is not None else "]" for k in reversed(keys)).encode()
    # pretty-printed: the entities' indentation tells them from nested objects; on one line, any blanks
    between = rb"[ \t\r]*\n" + re.escape(before.rpartition(b"\n")[2]) if b"\n" in before else rb"[ \t]*"
    sep = (rb"\}(?P<end>)[ \t\n\r]*," + between + rb"(?P<start>)\{" + re.escape(inside)
           + re.escape(key) + rb"[ \t\n\r]*:")
    return _Plan(re.compile(sep), head, tail)


def _entities_array(s: str) -> tuple[list[str | None], int] | None:
    """The keys leading to the first array the reader reads entities from (data → alias → entities,
    data → alias, or the root), and where its first item starts in ``s``."""
    stack: list[str | None] = []  # one per open container: the key it is under, None for an array item
    pos = _WS.match(s).end()  # type: ignore[union-attr]
    if s.startswith("[", pos):
        return [], pos + 1
    if not s.startswith("{", pos):
        return None
    pos += 1
    while True:
        pos = _WS.match(s, pos).end()  # type: ignore[union-attr]
        if pos >= len(s):
            return None
        c = s[pos]
        if c in ",}]":
            pos += 1
            if c != ",":
                if not stack:
                    return None  # the root closed: no entities array in the head
                stack.pop()
            continue
        key: str | None = None
        if c == '"' and (m := _STRING.match(s, pos)) is not None:
            after = _WS.match(s, m.end()).end()  # type: ignore[union-attr]
            if s.startswith(":", after):  # a member
                try:
                    key = json.loads(m.group())
                except ValueError:
                    return None
                if not stack and key not in ("data", "errors", "extensions"):
                    return None  # a bare entity or some other JSON object: not a response
                pos = _WS.match(s, after + 1).end()  # type: ignore[union-attr]
                if pos >= len(s):
                    return None
                c = s[pos]
            else:
                pos = m.end()
                continue
        if c in "[{":
            pos += 1
            keys = [*stack, key]
            if c == "[" and len(keys) >= 2 and keys[0] == "data" and (
                    len(keys) == 2 or (len(keys) == 3 and keys[2] == "entities")):
                return keys, pos
            stack.append(key)
        elif c == '"':
            m = _STRING.match(s, pos)
            if m is None:
                return None
            pos = m.end()
        else:
            m = _SCALAR.match(s, pos)
            if m is None:
                return None
            pos = m.end()


# ----------------------------------------------------------------------------------------------- XML

_SKIPPED = rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
_NS_DECL = re.compile(rb"""xmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*["']([^"']*)["']""")


def _xml_plan(first: bytes) -> _Plan | None:
    kind = gallica_reader._head_kind(first[:4096])
    if kind not in ("sru", "oai-pmh"):
        return None  # single records (OAIRecord, oai_dc) and enrichment files are small
    ns = gallica_reader.SRW if kind == "sru" else gallica_reader.OAI
    prefixes = {(m.group(1) or b"") for m in _NS_DECL.finditer(first) if m.group(2) == ns.encode()}
    if len(prefixes) != 1:
        return None
    prefix = prefixes.pop()
    tag = re.escape(prefix + b":" if prefix else b"") + rb"record"
    # the first record's start tag, not a mention of it in a comment (as in the OAI-PMH fixture's)
    m = next((m for m in re.finditer(_SKIPPED + rb"|(?P<tag><" + tag + rb"[\s>])", first, re.DOTALL)
              if m.group("tag")), None)
    if m is None:
        return None
    head = first[:m.start()]
    if b"<!ENTITY" in head or (kind == "oai-pmh" and re.search(rb"<(?:\w+:)?error[\s>]", head)):
        return None  # the reader refuses the first; the second would be a reject in every piece
    tail = _closers(head)
    if tail is None:
        return None
    return _Plan(re.compile(rb"</" + tag + rb"\s*>\s*(?P<end>)(?P<start>)<" + tag + rb"[\s>]"), head, tail)


def _closers(head: bytes) -> bytes | None:
    """The end tags of the elements still open at the end of ``head``, innermost first, as written."""
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False)
    open_tags: list[str] = []
    try:
        parser.feed(head)
        for event, el in parser.read_events():
            if event == "start":
                local = etree.QName(el).localname
                open_tags.append(f"{el.prefix}:{local}" if el.prefix else local)
            else:
                open_tags.pop()
    except etree.XMLSyntaxError:
        return None
    if not open_tags:
        return None
    return "".join(f"</{t}>" for t in reversed(open_tags)).encode()


# ------------------------------------------------------------------------------------------- reading


class _PieceRaw(io.RawIOBase):
    """head + file[start:end] + tail as one seekable stream; the file part is read as asked, never whole."""

    def __init__(self, piece: Piece) -> None:
        self._piece = piece
        self._fh = open(piece.file, "rb")  # noqa: SIM115 - closed with this stream
        self._head_end = len(piece.head)
        self._file_end = self._head_end + piece.end - piece.start
        self._size = self._file_end + len(piece.tail)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(b).cast("B")
        pos, want = self._pos, len(view)
        if pos < self._head_end:
            data = self._piece.head[pos:pos + want]
        elif pos < self._file_end:
            self._fh.seek(self._piece.start + pos - self._head_end)
            n = self._fh.readinto(view[:min(want, self._file_end - pos)])
            self._pos += n or 0
            return n or 0
        else:
            at = pos - self._file_end
            data = self._piece.tail[at:at + want]
        view[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def open_piece(piece: Piece) -> IO[bytes]:
    """A binary reader with peek() over head + file[start:end] + tail (bounded memory: the file part is read
    in blocks, never whole), as the readers expect from open_binary()."""
    return io.BufferedReader(_PieceRaw(piece), buffer_size=1 << 16)  # type: ignore[return-value]
