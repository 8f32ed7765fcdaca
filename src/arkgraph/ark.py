"""Parse, validate, normalize and mint ARKs (draft-kunze-ark). Pure, no I/O."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from dataclasses import dataclass

from .errors import ArkError
from .terms import is_iri

BETANUMERIC = "0123456789bcdfghjkmnpqrstvwxz"
_NAME_CHARS = re.compile(r"^(?:[A-Za-z0-9=~*+@_$./-]|%[0-9A-Fa-f]{2})+$")  # "%" only as an escape: IRI-safe
_LABEL = re.compile(r"ark:/?", re.IGNORECASE)
_HYPHENS = re.compile("[-\u2010-\u2015]")
_STRUCT_RUN = re.compile(r"[./]{2,}")
_PCT = re.compile(r"%([0-9a-fA-F]{2})")
_NAAN = re.compile(r"^[0-9bcdfghjkmnpqrstvwxz]+$")

DEFAULT_NAAN = "99999"
DEFAULT_BASE = "https://n2t.net/"


@dataclass(slots=True, order=True, unsafe_hash=True)  # immutable by convention (frozen is slow to build)
class Ark:
    """A normalized ARK: ``ark:NAAN/name`` plus optional qualifiers (``/f12``, ``.thumbnail``)."""

    naan: str
    name: str
    qualifier: str = ""

    def __str__(self) -> str:
        return f"ark:{self.naan}/{self.name}{self.qualifier}"

    @property
    def base(self) -> "Ark":
        return Ark(self.naan, self.name) if self.qualifier else self

    @property
    def legacy(self) -> str:
        """The older ``ark:/NAAN/...`` form that BnF still publishes."""
        return f"ark:/{self.naan}/{self.name}{self.qualifier}"

    def iri(self, base: str = DEFAULT_BASE) -> str:
        return f"{base}{self}"

    def child(self, qualifier: str) -> "Ark":
        """A sub-resource: ``/part`` reveals hierarchy, ``.variant`` a variant."""
        return Ark(self.naan, self.name, self.qualifier + qualifier)


def normalize_text(text: str) -> str:
    """Apply the spec's normalization steps to an ARK string (with or without NMA)."""
    s = re.sub(r"\s+", "", text)
    m = _LABEL.search(s)
    if not m:
        raise ArkError(f"not an ARK (no 'ark:' label): {text!r}")
    s = s[m.start():]  # 1. drop the NMA
    s = s.split("?", 1)[0].split("#", 1)[0]  # 2. drop query (and fragment)
    s = "ark:" + s[m.end() - m.start():]  # 3. ark:/ -> ark:
    s = _PCT.sub(lambda p: "%" + p.group(1).upper(), s)  # 5.
    s = _HYPHENS.sub("", s)  # 6.
    s = _STRUCT_RUN.sub(lambda r: r.group(0)[0], s)  # 8. runs of / and .
    return s.rstrip("/.")


def parse(text: str) -> Ark:
    """Parse any ARK form: ``ark:/12148/x``, ``ark:12148/x``, ``https://host/ark:/12148/x/f3``."""
    s = normalize_text(text)
    rest = s[4:].lstrip("/.")
    naan, sep, tail = rest.partition("/")
    naan = naan.lower()  # 4.
    if not naan or not _NAAN.match(naan):
        raise ArkError(f"bad NAAN {naan!r} in ARK {text!r}")
    if not sep or not tail:
        raise ArkError(f"ARK without a name: {text!r}")
    if not _NAME_CHARS.match(tail):
        raise ArkError(f"ARK name has characters outside the ARK repertoire: {text!r}")
    # the base name ends at the first structural character
    m = re.search(r"[./]", tail)
    name, qualifier = (tail[: m.start()], tail[m.start():]) if m else (tail, "")
    if not name:
        raise ArkError(f"ARK without a name: {text!r}")
    # 9. a variant component followed by a hierarchy component is malformed
    if re.search(r"\.[^/]*/", qualifier):
        raise ArkError(f"ARK variant before a hierarchy part: {text!r}")
    return Ark(naan, name, qualifier)


def try_parse(text: str | None) -> Ark | None:
    if not text:
        return None
    try:
        return parse(text)
    except ArkError:
        return None


def equivalent(a: str, b: str) -> bool:
    return parse(a) == parse(b)


def betanumeric_hash(key: str, length: int = 12) -> str:
    """A stable opaque name from any key, in the betanumeric alphabet."""
    n = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:12], "big")
    if length == 12:  # base-29 digits, least significant first, three at a time from a table
        lo, hi = n % 594823321, n // 594823321 % 594823321  # 29**6
        t = _triples()
        return t[lo % 24389] + t[lo // 24389] + t[hi % 24389] + t[hi // 24389]  # 29**3
    out = []
    for _ in range(length):
        n, r = divmod(n, 29)  # len(BETANUMERIC)
        out.append(BETANUMERIC[r])
    return "".join(out)


@lru_cache(maxsize=1)
def _triples() -> list[str]:
    return [a + b + c for c in BETANUMERIC for b in BETANUMERIC for a in BETANUMERIC]


@lru_cache(maxsize=64)
def check_naan(naan: str) -> str:
    naan = naan.strip().lower()
    if not naan or not _NAAN.match(naan):
        raise ArkError(f"bad NAAN {naan!r}: NAANs are betanumeric (digits and consonants but 'l')")
    return naan


def check_base(base: str) -> str:
    """The resolver prefix an ARK is appended to, ending with "/", "#" or "="; every ARK IRI must be a
    valid absolute IRI (RFC 3987), so the base must make one."""
    base = base if base.endswith(("/", "#", "=")) else base + "/"
    if not is_iri(f"{base}ark:{DEFAULT_NAAN}/x"):
        raise ArkError(f"ARK base {base!r} does not make valid IRIs: give an absolute URL such as {DEFAULT_BASE}")
    return base


@lru_cache(maxsize=64)
def _check_shoulder(shoulder: str) -> None:
    if not shoulder or any(c not in BETANUMERIC[10:] for c in shoulder):
        raise ArkError(f"shoulder must be betanumeric letters: {shoulder!r}")


def mint(naan: str, shoulder: str, local_id: str | int) -> Ark:
    """Mint a deterministic ARK: same (naan, shoulder, id) → same ARK.

    Plain numeric ids are kept readable (``pm216702``); anything else is hashed so the
    name stays opaque, short and inside the ARK repertoire.
    """
    local = str(local_id).strip()
    _check_shoulder(shoulder)
    name = local if local.isdigit() and local.isascii() else betanumeric_hash(local)
    return Ark(check_naan(naan), shoulder + name)


def mint_iri(naan: str, shoulder: str, local_id: str | int, base: str = DEFAULT_BASE) -> str:
    """``mint(naan, shoulder, local_id).iri(base)`` without the Ark object (hot path)."""
    local = str(local_id).strip()
    _check_shoulder(shoulder)
    name = local if local.isdigit() and local.isascii() else betanumeric_hash(local)
    return f"{base}ark:{check_naan(naan)}/{shoulder}{name}"
