"""Fuzz campaign: mutate the real samples, convert each mutant through the public pipeline, check the invariants.

    python bench/fuzz_campaign.py -n 20000 --seed 1 --jobs 2 --save /tmp/fuzz-out
    python bench/fuzz_campaign.py --replay 1:4711 --save /tmp/one    # one input again, in this process, with its files

Inputs are cut from tests/fixtures (Paris Musées JSON, Gallica SRU / OAI-PMH / OAIRecord and the Pagination,
Issues, Toc and IIIF side files, each paired with the record it enriches) into small pieces, then mutated with a
seeded RNG: input ``i`` of seed ``s`` is always the same bytes (``random.Random(f"{s}/{i}")``), so any finding is
replayed by its number. Each input is converted in a worker process (mappings loaded once per worker) to every
format (nt, nq, ttl, trig, jsonld) plus rejects; every ``--cli-every``-th input also through the real CLI.

Checked for every input: no uncaught exception (nor an ``internal error:`` reject); read = converted + rejected;
one rejects line per reject, each naming its file and a reason; every output parses back with pyoxigraph (JSON-LD:
strict JSON always, pyoxigraph's JSON-LD parser with the bundled contexts every ``--jsonld-every``-th input, as it
costs ~10 ms a document); every IRI written is a valid absolute IRI (oxiri, RFC 3987); the same input converted
twice gives the same bytes (every ``--jsonld-every``-th input); the CLI never prints a traceback, exits 0 or 1 and
ends with its summary line; time and memory stay within budget (``--timeout``, ``--mem-mb``).

The report groups failures by signature (exception type + innermost arkgraph frame, or the check that failed),
with a count and the smallest reproduction of each saved under ``--save``. Exit status 1 when any line is non-zero.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing import connection, get_context
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
FORMATS = ("nt", "nq", "ttl", "trig", "jsonld")


# ---------------------------------------------------------------------------------------------------------------
# Corpus: the real samples, cut into small cases (one to three records each, side files with their record)
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    files: list[tuple[str, bytes]]  # (file name, content); files[target] is the one mutated
    target: int = 0
    kind: str = "json"  # json | xml: which tree mutations apply to the target


def _read(rel: str) -> bytes:
    return (FIXTURES / rel).read_bytes()


def _pm_cases() -> list[Case]:
    cases = []
    big = json.loads(_read("parismusees/nodequery-chinese-works-even.json"))
    ents = big["data"]["nodeQuery"]["entities"]
    shapes = ("response", "array", "jsonl", "nodebyid")
    for k, start in enumerate(range(0, len(ents), 5)):
        piece = ents[start:start + 1 + k % 3]
        shape = shapes[k % len(shapes)]
        if shape == "response":
            doc = json.dumps({"data": {"nodeQuery": {"count": len(piece), "entities": piece}}}, ensure_ascii=False)
        elif shape == "array":
            doc = json.dumps(piece, ensure_ascii=False)
        elif shape == "jsonl":
            doc = "\n".join(json.dumps(e, ensure_ascii=False) for e in piece) + "\n"
        else:
            doc = json.dumps({"data": {"nodeById": piece[-1]}}, ensure_ascii=False)
        cases.append(Case(f"pm-chinese-{start}-{shape}", [(f"works-{start}.json", doc.encode())]))
    for rel in ("synthetic-full-nodeoeuvre.json", "nodebyid-226737-docs-example.json", "synthetic-works.jsonl",
                "damaged/wrong-types.json", "damaged/graphql-errors.json", "damaged/error-page.json"):
        cases.append(Case(f"pm-{Path(rel).stem}", [(Path(rel).name, _read(f"parismusees/{rel}"))]))
    cases.append(Case("pm-truncated", [("truncated.json", _read("parismusees/damaged/truncated.json")[:6000])]))
    return cases


def _xml_pieces(rel: str, tag: str, per: int, limit: int) -> list[bytes]:
    """The response cut into copies holding ``per`` of its records each (at most ``limit`` copies)."""
    from lxml import etree

    tree = etree.parse(str(FIXTURES / rel), etree.XMLParser(resolve_entities=False, no_network=True))
    n = len(tree.getroot().findall(f".//{tag}"))
    out = []
    for start in range(0, max(n, 1), per):
        t = copy.deepcopy(tree)
        for j, el in enumerate(t.getroot().findall(f".//{tag}")):
            if not start <= j < start + per:
                el.getparent().remove(el)
        out.append(etree.tostring(t, xml_declaration=True, encoding="UTF-8"))
        if len(out) >= limit:
            break
    return out


SRW = "{http://www.loc.gov/zing/srw/}record"
OAI = "{http://www.openarchives.org/OAI/2.0/}record"


def _gallica_cases() -> list[Case]:
    cases = []
    for f in sorted((FIXTURES / "gallica" / "sru").glob("*.xml")):
        for j, piece in enumerate(_xml_pieces(f"gallica/sru/{f.name}", SRW, 2, 6)):
            cases.append(Case(f"sru-{f.stem}-{j}", [(f"{f.stem}-{j}.xml", piece)], kind="xml"))
    for j, piece in enumerate(_xml_pieces("gallica/oaipmh/listrecords-page1.xml", OAI, 1, 4)):
        cases.append(Case(f"oaipmh-list-{j}", [(f"listrecords-{j}.xml", piece)], kind="xml"))
    cases.append(Case("oaipmh-get", [("getrecord.xml", _read("gallica/oaipmh/getrecord-bpt6k5603637g.xml"))], kind="xml"))
    for f in sorted((FIXTURES / "gallica" / "oairecord").glob("*.xml")):
        cases.append(Case(f"oairecord-{f.stem}", [(f.name, f.read_bytes())], kind="xml"))
    for rel in ("damaged/contentsearch-garde-champetre.xml", "attacks/entity-bomb.xml", "attacks/external-entity.xml"):
        cases.append(Case(f"gallica-{Path(rel).stem}", [(Path(rel).name, _read(f"gallica/{rel}"))], kind="xml"))
    cases.append(Case("sru-junk-after-root", [("sru-junk.xml", _read("gallica/damaged/sru-junk-after-root.xml")[:5000])],
                      kind="xml"))
    # side files with the record they enrich (joined by ARK: a Toc by its file name)
    fasc = ("bpt6k5603637g-fascicule.xml", _read("gallica/oairecord/bpt6k5603637g-fascicule.xml"))
    mono = ("bpt6k58017546-monographie.xml", _read("gallica/oairecord/bpt6k58017546-monographie.xml"))
    other = ("bpt6k5785971m-record.xml", _read("gallica/oairecord/bpt6k5785971m.xml"))
    cases.append(Case("pagination", [fasc, ("pagination-bpt6k5603637g.xml",
                                            _read("gallica/pagination/pagination-bpt6k5603637g.xml"))], 1, "xml"))
    for f in sorted((FIXTURES / "gallica" / "issues").glob("*.xml")):
        cases.append(Case(f"issues-{f.stem}", [fasc, (f.name, f.read_bytes())], 1, "xml"))
    for rel in ("toc/toc-item-seg.xml", "toc/toc-xref-seg.xml", "toc/toc-cell-seg.xml", "damaged/toc-html-mangled.xml"):
        cases.append(Case(f"toc-{Path(rel).stem}", [mono, ("bpt6k58017546.xml", _read(f"gallica/{rel}"))], 1, "xml"))
    cases.append(Case("toc-tr-xhtml", [other, ("bpt6k5785971m.xml", _read("gallica/toc/toc-tr-xhtml.xml"))], 1, "xml"))
    manifest = json.loads(_read("gallica/iiif/manifest-bpt6k9604118j.json"))
    for seq in manifest.get("sequences", []):
        seq["canvases"] = seq.get("canvases", [])[:3]  # small: three pages are every shape there is
    text = json.dumps(manifest, ensure_ascii=False).replace("bpt6k9604118j", "bpt6k5603637g")
    cases.append(Case("iiif", [fasc, ("manifest-bpt6k5603637g.json", text.encode())], 1, "json"))
    return cases


_CORPUS: list[Case] | None = None


def corpus() -> list[Case]:
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = _pm_cases() + _gallica_cases()
    return _CORPUS


# ---------------------------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------------------------

class Obj(list):
    """A JSON object as its (key, value) pairs: keys can be duplicated, as no dict can."""


class Raw(str):
    """JSON text written as is (1e400, NaN, a lone surrogate escape, deep nesting…)."""


def jparse(data: bytes) -> Any:
    return json.loads(data.decode("utf-8-sig"), object_pairs_hook=Obj)


def jdump(v: Any, rng: random.Random | None = None, ascii_: bool = False) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Obj):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=ascii_)}: {jdump(x, rng, ascii_)}" for k, x in v) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(jdump(x, rng, ascii_) for x in v) + "]"
    if isinstance(v, str):
        try:
            return json.dumps(v, ensure_ascii=ascii_)
        except UnicodeEncodeError:
            return json.dumps(v)
    return json.dumps(v)


ODD_STRINGS = [
    "", " ", "\t\n ", "\x00", "a\x00b", "\ufeffBOM", "\u202eRTL\u202c", "\u200f\u200e", "e" + "\u0301" * 60, "\uffff",
    "\ufffe", "\U0001F600", "\U0010FFFF", "a" * 70_000, "\u2028\u2029", "\x1b[31m", "\r\n", "<script>x</script>",
    "a b", "<>", '"', "{}|\\^`", "%", "%zz", "%00", "http://x y/z", "http://exa mple.org/", "javascript:alert(1)",
    "//", "#", "?", "ark:/12148/", "ark:/12148/bpt6k<>", "ark:/12148/bpt6k5603637g/f1 2", "https://", "file:///etc/passwd",
    "http://[::1", "urn:", "../../x", "0", "-1", "1e400", "NaN", "true", "null", "\\", "'", "\u0085", "\u00a0",
    "ＦＵＬＬ", "İı", "ß", "\ud7ff", "\ue000",
]
RAW_JSON = [
    "1e400", "-1e400", "1E-400", "NaN", "Infinity", "-Infinity", "-0", "0.0", "1" * 5000, "-" + "9" * 5000,
    "18446744073709551616", "1.5e308", "4.9e-324", '"\\ud800"', '"a\\udc00b"', '"\\udfff\\ud800"', '"\\u0000"',
    '"\\uffff"', '"\\ufeff"', "[" * 1000 + "]" * 1000, '{"a":' * 500 + "1" + "}" * 500, "[" * 100_000 + "]" * 100_000,
]
ID_KEY = re.compile(r"(?i)(^|_)(n?id|uuid|entityid|absolutepath|url|uri|href|@id|related|ark|path)$")


def _odd_value(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.45:
        return rng.choice(ODD_STRINGS)
    if r < 0.75:
        return Raw(rng.choice(RAW_JSON))
    return rng.choice([0, 1, -1, 2**63, 2**64, 1.5, -0.0, True, False, None, [], Obj(), [None], Obj([("a", None)]),
                       "x", [1, "a"], Obj([("entity", None)])])


def _json_nodes(v: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, node) of every node; paths are ((container, index), ...) from the root."""
    out = [(path, v)]
    if isinstance(v, Obj):
        for i, (_k, x) in enumerate(v):
            out += _json_nodes(x, path + ((v, i),))
    elif isinstance(v, list) and not isinstance(v, Raw):
        for i, x in enumerate(v):
            out += _json_nodes(x, path + ((v, i),))
    return out


def _set(container: Any, i: int, value: Any) -> None:
    if isinstance(container, Obj):
        container[i] = (container[i][0], value)
    else:
        container[i] = value


def mutate_json_tree(data: bytes, rng: random.Random, notes: list[str]) -> bytes:
    """Edits of the JSON tree (the real record around them stays intact); falls back to bytes if it is not JSON."""
    lines = None
    try:
        tree = jparse(data)
    except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        try:  # JSON Lines
            lines = [jparse(ln.encode()) for ln in data.decode("utf-8").splitlines() if ln.strip()]
            tree = lines
        except (ValueError, RecursionError):
            return mutate_bytes(data, rng, notes)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        nodes = [(p, n) for p, n in _json_nodes(tree) if p]
        if not nodes:
            break
        op = rng.choice(("delete", "duplicate", "swap", "swap", "odd", "odd", "ids", "ids", "nest", "dupkey", "empty"))
        if op == "ids":
            idn = [(p, n) for p, n in nodes if isinstance(p[-1][0], Obj) and ID_KEY.search(p[-1][0][p[-1][1]][0])]
            if idn:
                container, i = rng.choice(idn)[0][-1]
                value = rng.choice(ODD_STRINGS + [Raw(x) for x in RAW_JSON[:12]] + [None, 0, -1, [], Obj()])
                notes.append(f"json id {container[i][0]}={jdump(value)[:40]}")
                _set(container, i, value)
                continue
            op = "odd"
        path, node = rng.choice(nodes)
        container, i = path[-1]
        key = container[i][0] if isinstance(container, Obj) else i
        if op == "delete":
            del container[i]
            notes.append(f"json delete {key}")
        elif op == "duplicate":
            container.insert(i, copy.deepcopy(container[i]))
            notes.append(f"json duplicate {key}")
        elif op == "dupkey" and isinstance(container, Obj):
            container.insert(i + 1, (key, _odd_value(rng)))
            notes.append(f"json duplicate key {key}")
        elif op == "nest":
            depth = rng.choice((50, 1000, 5000, 100_000))
            value = Raw("[" * depth + "]" * depth) if rng.random() < 0.5 else Raw('{"entity":' * depth + "null" + "}" * depth)
            _set(container, i, value)
            notes.append(f"json nest {key} depth {depth}")
        elif op == "empty":
            value = rng.choice(([], Obj(), "", None))
            _set(container, i, value)
            notes.append(f"json empty {key}={jdump(value)}")
        elif op == "odd" and isinstance(node, str):
            value = rng.choice(ODD_STRINGS)
            if rng.random() < 0.4:
                value = node + value if rng.random() < 0.5 else value + node
            _set(container, i, value)
            notes.append(f"json odd string {key}={jdump(value)[:40]}")
        else:
            value = _odd_value(rng)
            _set(container, i, value)
            notes.append(f"json swap {key}={jdump(value)[:40]}")
    ascii_ = rng.random() < 0.3
    if lines is not None:
        return "\n".join(jdump(x, rng, ascii_) for x in lines).encode("utf-8", "surrogatepass")
    return jdump(tree, rng, ascii_).encode("utf-8", "surrogatepass")


XML_ODD_TEXT = ["&foo;", "&#0;", "&#xD800;", "&#x110000;", "&#xFFFF;", "&amp", "<", "]]>", "<![CDATA[x", "&lt;b&gt;",
                "<!-- x", "<?pi x?>", "<x:y>z</x:y>", "<a>" * 3000 + "</a>" * 3000, "\x00", "\x0c", "\xef\xbf\xbf",
                "\ufeff", "\u202e", "e" + "\u0301" * 40, "ark:/12148/bpt6k<>", "http://x y", "%zz", "\xc3"]
ENCODINGS = ["ISO-8859-1", "UTF-16", "US-ASCII", "x-bogus", "UTF-32", "cp037", "windows-1252", ""]


def mutate_xml_tree(data: bytes, rng: random.Random, notes: list[str]) -> bytes:
    from lxml import etree

    op = rng.choice(("drop", "dup", "text", "text", "ids", "ids", "attr", "move", "textlevel", "textlevel",
                     "encoding", "doctype", "ns"))
    if op in ("textlevel", "encoding", "doctype", "ns"):
        text = data
        if op == "textlevel":
            # between or inside elements, where a damaged download puts it
            spots = [m.end() for m in re.finditer(rb">", data)] or [len(data)]
            at = rng.choice(spots)
            junk = rng.choice(XML_ODD_TEXT).encode("utf-8", "surrogatepass")
            notes.append(f"xml insert {junk[:30]!r} at {at}")
            return data[:at] + junk + data[at:]
        if op == "encoding":
            enc = rng.choice(ENCODINGS)
            notes.append(f"xml encoding {enc!r}")
            if data.startswith(b"<?xml") and b"encoding=" in data[:100]:
                text = re.sub(rb'encoding="[^"]*"', f'encoding="{enc}"'.encode(), data, count=1)
            else:
                text = f'<?xml version="1.0" encoding="{enc}"?>\n'.encode() + data
            if enc == "UTF-16" and rng.random() < 0.5:
                text = text.decode("utf-8", "replace").encode("utf-16")
            return text
        if op == "doctype":
            decl = rng.choice(['<!DOCTYPE r [<!ENTITY e "x">]>', '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">',
                               '<!DOCTYPE r [<!ELEMENT r ANY>]>', "<!DOCTYPE html>"])
            notes.append(f"xml doctype {decl[:30]}")
            m = re.search(rb"\?>", data)
            at = m.end() if m and data.startswith(b"<?xml") else 0
            return data[:at] + decl.encode() + data[at:]
        notes.append("xml namespace prefix renamed")
        return data.replace(b"dc:", b"zz:", rng.randint(1, 30))
    try:
        tree = etree.parse(io.BytesIO(data), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    except (etree.XMLSyntaxError, ValueError):
        return mutate_bytes(data, rng, notes)
    els = [e for e in tree.getroot().iter() if isinstance(e.tag, str)]
    for _ in range(rng.choice((1, 1, 2, 3))):
        el = rng.choice(els)
        parent = el.getparent()
        local = etree.QName(el).localname
        if op == "drop" and parent is not None:
            parent.remove(el)
            els = [e for e in tree.getroot().iter() if isinstance(e.tag, str)]
            notes.append(f"xml drop <{local}>")
        elif op == "dup" and parent is not None:
            for _k in range(rng.choice((1, 1, 2, 50))):
                el.addnext(copy.deepcopy(el))
            notes.append(f"xml duplicate <{local}>")
        elif op == "move" and parent is not None:
            other = rng.choice(els)
            if other is not el and el not in other.iterancestors() and other not in el.iter():
                other.append(el)
                notes.append(f"xml move <{local}> into <{etree.QName(other).localname}>")
        elif op == "attr":
            name = rng.choice(("ark", "date", "dayOfYear", "listType", "parentArk", "status", "nbIssue", "totalIssues",
                               "{http://www.w3.org/XML/1998/namespace}lang", "from"))
            value = rng.choice([s for s in ODD_STRINGS if xml_ok(s)] + ["years", "deleted", "-1", "9" * 400])
            el.set(name, value)
            notes.append(f"xml attr <{local} {name}={value[:30]!r}>")
        else:
            if op == "ids":
                ids = [e for e in els if re.search(r"(?i)identifier|idUPN|ordre|relation|numero|width|height", str(e.tag))]
                el = rng.choice(ids) if ids else el
                local = etree.QName(el).localname
            value = rng.choice([s for s in ODD_STRINGS if xml_ok(s)] + ["9" * 5000, "-1", "0", "1e400", "NaN"])
            if el.text and rng.random() < 0.4:
                value = el.text + value if rng.random() < 0.5 else value + el.text
            el.text = value
            notes.append(f"xml text <{local}>={value[:40]!r}")
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def xml_ok(s: str) -> bool:
    """Whether lxml can hold the string as text (XML 1.0 characters only)."""
    return all(c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000 for c in s)


JUNK = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"<", b"{",
        b"}", b"[", b"]", b'"', b",", b":", b"\\", b"\\u", b"&", b"]]>", b"\r", b"\x1f\x8b", b"null", b"<!--", b"\n" * 3]


def mutate_bytes(data: bytes, rng: random.Random, notes: list[str]) -> bytes:
    op = rng.choice(("flip", "flip", "truncate", "truncate", "insert", "insert", "delete", "duplicate", "bom", "utf16"))
    n = len(data)
    if op == "flip" and n:
        b = bytearray(data)
        for _ in range(rng.choice((1, 1, 2, 4, 16))):
            at = rng.randrange(n)
            b[at] = b[at] ^ (1 << rng.randrange(8)) if rng.random() < 0.7 else rng.randrange(256)
        notes.append("bytes flip")
        return bytes(b)
    if op == "truncate":
        at = rng.randrange(n + 1)
        notes.append(f"bytes truncate at {at}/{n}")
        return data[:at]
    if op == "insert":
        at = rng.randrange(n + 1)
        junk = rng.choice(JUNK) if rng.random() < 0.7 else bytes(rng.randrange(256) for _ in range(rng.randint(1, 20)))
        notes.append(f"bytes insert {junk[:20]!r} at {at}")
        return data[:at] + junk + data[at:]
    if op == "delete" and n:
        a = rng.randrange(n)
        b2 = min(n, a + rng.choice((1, 2, 10, 100, 1000)))
        notes.append(f"bytes delete {a}:{b2}")
        return data[:a] + data[b2:]
    if op == "duplicate" and n:
        a = rng.randrange(n)
        b2 = min(n, a + rng.choice((1, 10, 100, 1000)))
        notes.append(f"bytes duplicate {a}:{b2}")
        return data[:b2] + data[a:b2] + data[b2:]
    if op == "bom":
        notes.append("bytes BOM")
        return b"\xef\xbb\xbf" + data
    notes.append("bytes utf-16")
    return data.decode("utf-8", "replace").encode(rng.choice(("utf-16", "utf-16-le", "utf-32")))


def mutate_gzip(data: bytes, rng: random.Random, notes: list[str]) -> bytes:
    gz = gzip.compress(data, mtime=0)
    r = rng.random()
    if r < 0.4:
        at = rng.randrange(len(gz))
        notes.append(f"gzip truncated at {at}/{len(gz)}")
        return gz[:at]
    if r < 0.6:
        b = bytearray(gz)
        at = rng.randrange(10, len(b))
        b[at] ^= 0xFF
        notes.append(f"gzip byte {at} flipped")
        return bytes(b)
    if r < 0.7:
        notes.append("gzip with trailing junk")
        return gz + b"junk"
    notes.append("gzip intact")
    return gz


XML_ID_TAG = re.compile(r"(?i)identifier|idUPN|relation|source|issue$")


def _slots(data: bytes) -> tuple[Any, list[Any]]:
    """The parsed file (an lxml root, or a list of JSON documents: one, or one per line) and its id-like
    values: elements or (object, index) pairs whose value ends up in IRIs (ids, paths, URLs, identifiers)."""
    if data.lstrip()[:1] == b"<":
        from lxml import etree

        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        return root, [e for e in root.iter() if isinstance(e.tag, str) and (XML_ID_TAG.search(e.tag) or _id_attr(e))]
    try:
        docs = [jparse(data)]
    except ValueError:  # JSON Lines
        docs = [jparse(ln.encode()) for ln in data.decode("utf-8").splitlines() if ln.strip()]
    return docs, [p[-1] for d in docs for p, _n in _json_nodes(d)
                  if p and isinstance(p[-1][0], Obj) and ID_KEY.search(p[-1][0][p[-1][1]][0])]


def _id_attr(el: Any) -> str | None:
    return next((a for a in ("ark", "parentArk") if el.get(a) is not None), None)


def id_slots(case: Case) -> int:
    """How many id-like values the case's target file has."""
    return len(_slots(case.files[case.target][1])[1])


def with_id_value(case: Case, slot: int, value: str) -> list[tuple[str, bytes]]:
    """The case with its ``slot``-th id-like value replaced by ``value`` (property tests draw both)."""
    files = list(case.files)
    name, data = files[case.target]
    parsed, slots = _slots(data)
    if isinstance(parsed, list):
        container, i = slots[slot]
        _set(container, i, value)
        files[case.target] = (name, "\n".join(jdump(d) for d in parsed).encode("utf-8", "surrogatepass"))
        return files
    from lxml import etree

    el = slots[slot]
    if _id_attr(el):
        el.set(_id_attr(el), value)
    else:
        el.text = value
    files[case.target] = (name, etree.tostring(parsed, xml_declaration=True, encoding="UTF-8"))
    return files


def mutate_case(case: Case, rng: random.Random) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The case's files with one of them mutated (its side file mostly), and what was done."""
    files = list(case.files)
    target = case.target if len(files) == 1 or rng.random() < 0.85 else rng.randrange(len(files))
    name, data = files[target]
    kind = "xml" if name.endswith(".xml") else "json"
    notes: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        r = rng.random()
        try:
            if r < 0.5:
                data = (mutate_xml_tree if kind == "xml" else mutate_json_tree)(data, rng, notes)
            else:
                data = mutate_bytes(data, rng, notes)
        except RecursionError:  # an earlier mutation nested the tree too deep to edit: keep it as it is
            notes.append("(tree too deep to edit)")
    if rng.random() < 0.05:
        data = mutate_gzip(data, rng, notes)
        if rng.random() < 0.5:
            name += ".gz"
    files[target] = (name, data)
    return files, notes


def make_input(seed: int, i: int) -> tuple[Case, list[tuple[str, bytes]], list[str]]:
    """Input ``i`` of campaign ``seed``: always the same case, mutations and bytes."""
    rng = random.Random(f"{seed}/{i}")
    cases = corpus()
    case = cases[rng.randrange(len(cases))]
    files, notes = mutate_case(case, rng)
    return case, files, notes


# ---------------------------------------------------------------------------------------------------------------
# Running one input and checking it
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Result:
    index: int
    case: str
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (category, signature, detail)
    seconds: float = 0.0
    rss_mb: float = 0.0
    read: int = 0
    rejected: int = 0


class Budget(Exception):
    """The input ran past its time budget."""


def _signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inner = [f for f in frames if "/arkgraph/" in f.filename.replace(os.sep, "/")]
    where = "no arkgraph frame"
    if inner:
        f = inner[-1]
        where = f"{f.filename.replace(os.sep, '/').split('/arkgraph/')[-1]}:{f.name}:{f.lineno}"
    return f"{type(exc).__name__} @ {where}"


def _norm(reason: str) -> str:
    """A reason with its specifics (numbers, quoted values) blanked, to group like with like."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", reason)[:100]


_CONTEXTS: dict[str, Any] = {}


def _inline_context(doc: Any) -> Any:
    """The document with its context URL replaced by the bundled context (pyoxigraph loads nothing remote)."""
    from arkgraph import jsonld

    if isinstance(doc, dict) and isinstance(doc.get("@context"), str):
        url = doc["@context"]
        if url not in _CONTEXTS:
            _CONTEXTS[url] = jsonld.document_loader(url)["document"]["@context"]
        doc = {**doc, "@context": _CONTEXTS[url]}
    return doc


def _reject_constant(c: str) -> None:
    raise ValueError(f"non-JSON constant {c}")


def check_outputs(outdir: Path, res: Result, full_jsonld: bool) -> None:
    """Every output parses back; every IRI is a valid absolute IRI."""
    import pyoxigraph as ox

    fmts = {"nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE,
            "trig": ox.RdfFormat.TRIG}
    iris: set[str] = set()
    try:  # lenient: collect the IRIs even where the strict parsers would stop at the first bad one
        for q in ox.parse(path=str(outdir / "out.nq"), format=ox.RdfFormat.N_QUADS, lenient=True):
            for t in (q.subject, q.predicate, q.object, q.graph_name):
                if isinstance(t, ox.NamedNode):
                    iris.add(t.value)
    except (SyntaxError, ValueError) as exc:
        res.problems.append(("unparseable", f"nq (lenient): {_norm(str(exc))}", str(exc)[:300]))
    _check_iris(iris, res)
    for ext, fmt in fmts.items():
        try:
            for _ in ox.parse(path=str(outdir / f"out.{ext}"), format=fmt):
                pass
        except (SyntaxError, ValueError) as exc:
            res.problems.append(("unparseable", f"{ext}: {_norm(str(exc))}", str(exc)[:300]))
    text = (outdir / "out.jsonld").read_text(encoding="utf-8", errors="surrogateescape")
    try:
        docs = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        res.problems.append(("unparseable", f"jsonld: not JSON: {_norm(str(exc))}", str(exc)[:300]))
        return
    if full_jsonld and docs:
        try:
            body = json.dumps([_inline_context(d) for d in docs], ensure_ascii=False).encode("utf-8")
            for _ in ox.parse(body, format=ox.RdfFormat.JSON_LD):
                pass
        except (SyntaxError, ValueError) as exc:
            res.problems.append(("unparseable", f"jsonld: {_norm(str(exc))}", str(exc)[:300]))


def run_pipeline(paths: list[str], outdir: Path, res: Result, full_jsonld: bool) -> None:
    from arkgraph.pipeline import Options, convert

    opts = Options(paths, rejects=str(outdir / "rejects.jsonl"))
    handles = [(fmt, open(outdir / f"out.{fmt}", "wb")) for fmt in FORMATS]  # noqa: SIM115 - closed below
    try:
        with open(outdir / "rejects.jsonl", "w", encoding="utf-8") as rej:
            summary, _ = convert(opts, [("turtle" if f == "ttl" else f, h) for f, h in handles], rejects=rej)
    except Budget:
        raise
    except Exception as exc:  # noqa: BLE001 - the point of the campaign
        res.problems.append(("exception", _signature(exc), f"{type(exc).__name__}: {str(exc)[:300]}"))
        for _, h in handles:
            h.close()
        _nq_only(paths, outdir, res)
        return
    finally:
        for _, h in handles:
            h.close()
    res.read, res.rejected = summary.read, summary.rejected
    if summary.read != summary.converted + summary.rejected:
        res.problems.append(("count mismatch", "read != converted + rejected",
                             f"read {summary.read}, converted {summary.converted}, rejected {summary.rejected}"))
    lines = (outdir / "rejects.jsonl").read_text(encoding="utf-8").split("\n")[:-1]  # JSON Lines: \n only (U+2028 is JSON)
    if len(lines) != summary.rejected:
        res.problems.append(("count mismatch", "rejects lines != rejected",
                             f"{len(lines)} lines for {summary.rejected} rejected"))
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            res.problems.append(("count mismatch", "rejects line is not JSON", line[:200]))
            continue
        if not r.get("file") or not r.get("reason"):
            res.problems.append(("count mismatch", "reject without file or reason", line[:200]))
        elif r["reason"].startswith("internal error:"):
            res.problems.append(("exception", f"internal error: {_norm(r['reason'][15:])}", line[:300]))
    check_outputs(outdir, res, full_jsonld)


def _nq_only(paths: list[str], outdir: Path, res: Result) -> None:
    """After an exception: N-Quads alone (which writes IRIs without parsing them) may still get through;
    whatever IRIs it wrote are checked, so a crash in one writer does not hide the bad IRI behind it."""
    import pyoxigraph as ox

    from arkgraph.pipeline import Options, convert

    try:
        with open(outdir / "out.nq", "wb") as out:
            convert(Options(paths), [("nq", out)])
    except Exception:  # noqa: BLE001 - already reported by the full run
        pass
    try:
        iris = {t.value for q in ox.parse(path=str(outdir / "out.nq"), format=ox.RdfFormat.N_QUADS, lenient=True)
                for t in q if isinstance(t, ox.NamedNode)}
    except (SyntaxError, ValueError):
        return
    _check_iris(iris, res)


def _check_iris(iris: set[str], res: Result) -> None:
    for iri in sorted(iris):
        try:
            ox_named_node(iri)
        except ValueError as exc:
            res.problems.append(("invalid IRI", f"invalid IRI: {_norm(str(exc))}", repr(iri)[:300]))


def ox_named_node(iri: str) -> Any:
    """pyoxigraph's NamedNode, which checks the IRI with oxiri (RFC 3987)."""
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def run_cli(paths: list[str], outdir: Path, res: Result, timeout: float) -> None:
    cmd = [sys.executable, "-m", "arkgraph.cli", "convert", *paths, "-o", str(outdir / "cli.nq"),
           "-o", str(outdir / "cli.jsonld"), "--rejects", str(outdir / "cli-rejects.jsonl"), "-q"]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=outdir)
    except subprocess.TimeoutExpired:
        res.problems.append(("over budget", "cli: over the time budget", " ".join(cmd)))
        return
    err = p.stderr.decode("utf-8", "replace")
    if "Traceback" in err:
        last = [ln for ln in err.strip().splitlines() if ln.strip()][-1:]
        res.problems.append(("cli", f"cli traceback: {_norm(last[0] if last else '')}", err[-600:]))
    elif p.returncode not in (0, 1):
        res.problems.append(("cli", f"cli exit {p.returncode}: {_norm(err.replace(str(outdir), '').strip()[-120:])}",
                             err[-300:]))
    else:  # the run ended as it should: its summary line, and as many rejects lines as it says were rejected
        m = re.search(r"arkgraph: read (\d+) records, converted (\d+), rejected (\d+)", err)
        if not m:
            res.problems.append(("cli", f"cli exit {p.returncode} without a summary line: {_norm(err.strip()[-80:])}",
                                 err[-300:]))
        else:
            rejects = (outdir / "cli-rejects.jsonl").read_text(encoding="utf-8").split("\n")[:-1]
            if len(rejects) != int(m.group(3)) or (p.returncode == 1) != (int(m.group(3)) > 0):
                res.problems.append(("cli", "cli rejects lines or exit status disagree with its summary",
                                     f"exit {p.returncode}, {len(rejects)} lines, {m.group(0)}"))


def write_input(files: list[tuple[str, bytes]], d: Path) -> list[str]:
    """The input's files written afresh under ``d``; their paths."""
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for name, data in files:
        (d / name).write_bytes(data)
    return [str(d / name) for name, _ in files]


def _same_again(paths: list[str], outdir: Path, again: Path, res: Result) -> None:
    """A second conversion of the same input writes the same bytes, in every format."""
    shutil.rmtree(again, ignore_errors=True)
    again.mkdir(parents=True)
    run_pipeline(paths, again, Result(res.index, res.case), full_jsonld=False)
    for name in [f"out.{f}" for f in FORMATS] + ["rejects.jsonl"]:
        if (outdir / name).read_bytes() != (again / name).read_bytes():
            res.problems.append(("nondeterministic", f"{name} differs between two runs", ""))


def check_input(files: list[tuple[str, bytes]], workdir: Path, *, full_jsonld: bool = True, cli: bool = False,
                twice: bool = False, timeout: float = 0, index: int = -1, case: str = "") -> Result:
    """Convert the files (and, with ``cli``, run the CLI on them; with ``twice``, convert them again and compare
    the bytes); every broken invariant is in ``problems``."""
    res = Result(index, case)
    paths = write_input(files, workdir / "in")
    outdir = workdir / "out"
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    t0 = time.perf_counter()
    if timeout:
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        run_pipeline(paths, outdir, res, full_jsonld)
        if twice and not res.problems:
            _same_again(paths, outdir, workdir / "again", res)
    except Budget:
        res.problems.append(("over budget", f"over the time budget ({timeout:g} s)", ""))
    except MemoryError:
        res.problems.append(("over budget", "over the memory budget (MemoryError)", ""))
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
    if cli:
        run_cli(paths, outdir, res, (timeout or 10) * 3)
    res.seconds = time.perf_counter() - t0
    res.rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return res


def run_input(seed: int, i: int, workdir: Path, *, full_jsonld: bool, cli: bool, timeout: float) -> Result:
    try:
        case, files, _notes = make_input(seed, i)
    except Exception as exc:  # noqa: BLE001 - a bug of the campaign's own, reported rather than fatal
        return Result(i, "?", [("exception", f"fuzz harness: {_signature(exc)}", repr(exc)[:200])])
    return check_input(files, workdir, full_jsonld=full_jsonld, cli=cli, twice=full_jsonld, timeout=timeout, index=i,
                       case=case.name)


def _alarm(_sig: int, _frame: Any) -> None:
    raise Budget()


def worker(conn: Any, seed: int, workdir: str, mem_mb: int, timeout: float, jsonld_every: int, cli_every: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops handing out inputs and reports
    signal.signal(signal.SIGALRM, _alarm)
    if mem_mb:
        resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    from arkgraph import mappings

    mappings.load()  # once per worker: every input after this reuses the tables
    corpus()
    wd = Path(workdir)
    while True:
        batch = conn.recv()
        if batch is None:
            return
        for i in batch:
            res = run_input(seed, i, wd, full_jsonld=jsonld_every > 0 and i % jsonld_every == 0,
                            cli=cli_every > 0 and i % cli_every == 0, timeout=timeout)
            conn.send(res)


# ---------------------------------------------------------------------------------------------------------------
# The campaign: workers, a watchdog, the report
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Finding:
    category: str
    count: int = 0
    example: int = -1
    size: tuple[int, int, int] = (1 << 62, 0, 0)
    detail: str = ""


def save_repro(save: Path, slug: str, seed: int, i: int, detail: str) -> Path:
    case, files, notes = make_input(seed, i)
    d = save / slug
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for name, data in files:
        (d / name).write_bytes(data)
    names = " ".join(name for name, _ in files)
    (d / "README.txt").write_text(
        f"fuzz input {seed}:{i} (case {case.name}); mutations: {'; '.join(notes)}\n{detail}\n\n"
        f"  cd {d} && arkgraph convert {names} -o x.nq --rejects rejects.jsonl\n"
        f"  python bench/fuzz_campaign.py --replay {seed}:{i}\n", encoding="utf-8")
    return d


def _simplicity(seed: int, i: int) -> tuple[int, int, int]:
    _case, files, notes = make_input(seed, i)
    return (sum(n.startswith("gzip") for n in notes), len(notes), sum(len(b) for _, b in files))


def _slug(sig: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", sig).strip("-")[:80]


def campaign(args: argparse.Namespace) -> int:
    ctx = get_context("fork")
    tmp = Path(tempfile.mkdtemp(prefix="arkgraph-fuzz-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    pending = list(range(args.start, args.start + args.n))
    pending.reverse()
    findings: dict[str, Finding] = {}
    over: list[tuple[float, int, str]] = []
    done = 0
    peak = 0.0
    t0 = time.perf_counter()

    def record(res: Result) -> None:
        nonlocal done, peak
        done += 1
        peak = max(peak, res.rss_mb)
        over.append((res.seconds, res.index, res.case))
        over.sort(reverse=True)
        del over[5:]
        # the example kept is the simplest: not gzipped, fewest mutations, then fewest bytes
        size = _simplicity(args.seed, res.index) if res.problems else 0
        for cat, sig, detail in dict.fromkeys(res.problems):
            f = findings.setdefault(f"{cat}|{sig}", Finding(cat))
            f.count += 1
            if size < f.size:
                f.example, f.size, f.detail = res.index, size, detail

    workers: list[dict[str, Any]] = []

    def start(k: int) -> dict[str, Any]:
        parent, child = ctx.Pipe()
        wd = tmp / f"w{k}"
        wd.mkdir(exist_ok=True)
        p = ctx.Process(target=worker, args=(child, args.seed, str(wd), args.mem_mb, args.timeout, args.jsonld_every,
                                             args.cli_every), daemon=True)
        p.start()
        return {"k": k, "proc": p, "conn": parent, "batch": [], "since": time.monotonic()}

    def feed(w: dict[str, Any]) -> None:
        batch = [pending.pop() for _ in range(min(args.batch, len(pending)))]
        w["batch"], w["since"] = batch, time.monotonic()
        if batch:
            w["conn"].send(batch)

    hard = args.timeout * 4 + 30  # a worker stuck in C code (the alarm cannot interrupt it) is killed
    try:
        for k in range(args.jobs):
            workers.append(start(k))
            feed(workers[-1])
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill PID: stop and report, as Ctrl-C does
        try:
            _loop(args, workers, pending, record, start, feed, hard, t0, lambda: done, findings)
        except KeyboardInterrupt:
            print(f"interrupted: reporting the {done} inputs done", file=sys.stderr)
    finally:
        for w in workers:
            try:
                w["conn"].send(None)
            except OSError:
                pass
            w["proc"].join(timeout=5)
            if w["proc"].is_alive():
                w["proc"].kill()
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    return report(args, findings, over, done, peak, elapsed)


def _loop(args: argparse.Namespace, workers: list[dict[str, Any]], pending: list[int], record: Callable[[Result], None],
          start: Callable[[int], dict[str, Any]], feed: Callable[[dict[str, Any]], None], hard: float, t0: float,
          done: Callable[[], int], findings: dict[str, Finding]) -> None:
    """Hand out inputs until all are done; restart a worker that died or hung (its input is reported)."""
    last_report = time.monotonic()
    while any(w["batch"] for w in workers):
        ready = connection.wait([w["conn"] for w in workers if w["batch"]], timeout=5)
        for w in workers:
            if w["conn"] in ready:
                try:
                    res = w["conn"].recv()
                except EOFError:  # the worker died (killed by the kernel, a crash in C…)
                    res = None
                if res is None:
                    i = w["batch"].pop(0)
                    record(Result(i, make_input(args.seed, i)[0].name,
                                  [("exception", f"worker died (exit {w['proc'].exitcode})", "")]))
                    pending.extend(reversed(w["batch"]))
                    w.update(start(w["k"]))
                    feed(w)
                    continue
                record(res)
                w["batch"].remove(res.index)
                w["since"] = time.monotonic()
                if not w["batch"]:
                    feed(w)
            elif w["batch"] and time.monotonic() - w["since"] > hard:
                i = w["batch"].pop(0)
                w["proc"].kill()
                w["proc"].join()
                record(Result(i, make_input(args.seed, i)[0].name,
                              [("over budget", f"hung: no answer in {hard:g} s (killed)", "")]))
                pending.extend(reversed(w["batch"]))
                w.update(start(w["k"]))
                feed(w)
        if time.monotonic() - last_report > 30 and not args.quiet:
            rate = done() / (time.perf_counter() - t0)
            print(f"  {done()}/{args.n} inputs, {rate:.0f}/s, {sum(f.count for f in findings.values())} findings",
                  file=sys.stderr, flush=True)
            last_report = time.monotonic()


CATEGORIES = ("exception", "count mismatch", "unparseable", "invalid IRI", "nondeterministic", "over budget", "cli")


def report(args: argparse.Namespace, findings: dict[str, Finding], slowest: list[tuple[float, int, str]], done: int,
           peak: float, elapsed: float) -> int:
    save = Path(args.save) if args.save else None
    print(f"inputs tried: {done} (seed {args.seed}, from {args.start}) in {elapsed:.0f} s, "
          f"{done / elapsed if elapsed else 0:.0f} inputs/s, {args.jobs} workers")
    bad = 0
    for cat in CATEGORIES:
        group = sorted(((k.split("|", 1)[1], f) for k, f in findings.items() if f.category == cat), key=lambda x: -x[1].count)
        total = sum(f.count for _, f in group)
        bad += total
        print(f"{cat}: {total} ({len(group)} signatures)")
        for sig, f in group:
            where = ""
            if save:
                where = f"  -> {save_repro(save, _slug(cat + '-' + sig), args.seed, f.example, f.detail)}"
            print(f"    {f.count:6d}  {sig}  [replay {args.seed}:{f.example}]{where}")
    print("slowest: " + ", ".join(f"{s:.2f} s ({args.seed}:{i} {c})" for s, i, c in slowest))
    print(f"peak RSS of a worker: {peak:.0f} MB")
    return 1 if bad else 0


def replay(args: argparse.Namespace) -> int:
    seed, i = (int(x) for x in args.replay.split(":"))
    case, files, notes = make_input(seed, i)
    print(f"input {seed}:{i}: case {case.name}; {'; '.join(notes)}")
    for name, data in files:
        print(f"  {name}: {len(data)} bytes: {data[:300]!r}{'…' if len(data) > 300 else ''}")
    signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory() as tmp:
        res = run_input(seed, i, Path(tmp), full_jsonld=True, cli=True, timeout=args.timeout)  # twice, too
    for cat, sig, detail in res.problems:
        print(f"{cat}: {sig}\n    {detail}")
    if args.save:
        print(save_repro(Path(args.save), f"{seed}-{i}", seed, i, "\n".join(s for _, s, _ in res.problems)))
    print(f"read {res.read}, rejected {res.rejected}, {res.seconds:.2f} s")
    return 1 if res.problems else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="inputs to try")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="first input number (to continue a campaign)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--save", help="directory for one reproduction per failure signature")
    ap.add_argument("--timeout", type=float, default=10.0, help="time budget of one input, seconds")
    ap.add_argument("--mem-mb", type=int, default=2048, help="address-space budget of a worker, MB (0: none)")
    ap.add_argument("--jsonld-every", type=int, default=10,
                    help="every N-th input: parse the JSON-LD with pyoxigraph, and convert twice to compare the bytes")
    ap.add_argument("--cli-every", type=int, default=200, help="also run the real CLI every N-th input (0: never)")
    ap.add_argument("--batch", type=int, default=20, help="inputs handed to a worker at a time")
    ap.add_argument("--replay", metavar="SEED:I", help="run one input in this process and show what it does")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args(argv)
    if args.replay:
        return replay(args)
    return campaign(args)


if __name__ == "__main__":
    sys.exit(main())
