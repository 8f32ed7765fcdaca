"""Load the crosswalk tables in ``mappings/`` into read-only lookups, and resolve labels to concepts."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from . import ark as arks
from . import authorities
from .errors import MappingTableError
from .model import Concept
from .terms import AAT, RELATOR

# table name -> (key column, required columns)
# the column that gives a concept its code (relator, unit code, schema.org property…)
CODE_COLUMNS = {"roles": "relator", "units": "uncefact", "dimension_types": "schema_property", "materials": "kind"}
CODE_COLUMNS.update({"languages": "bcp47", "dc_types": "priority"})
# tables whose labels come in several languages (Gallica dc:type: French, English, partners' own): their
# ``lang`` column tags a label, and a label not in the table is left untagged
MIXED_LANGUAGE_TABLES = frozenset(("dc_types",))
# tables whose IRI column holds a full URI rather than an AAT id: rights, whose IRIs are used as they are
IRI_COLUMNS = {"rights": "uri"}
# ARK shoulder of concepts keyed by a source's own term id (Paris Musées taxonomy terms)
TERM_SHOULDER = "pmt"
MATCHES = ("exact", "broad")

SCHEMAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "roles": ("label", ("relator",)),
    "object_types": ("label", ("aat", "schema_type")),
    "dimension_types": ("label", ("aat", "schema_property")),
    "units": ("label", ("aat", "uncefact")),
    "acquisition_modes": ("label", ("aat", "gift")),
    "materials": ("label", ("aat", "kind")),
    "parismusees-ignored": ("path", ("reason",)),
    "dc_types": ("label", ("schema_type", "aat")),
    "typedoc": ("label", ("schema_type", "aat")),
    "languages": ("label", ("bcp47", "aat")),
    "rights": ("label", ("uri",)),
    "gallica-ignored": ("path", ("reason",)),
    "edm_types": ("term", ("edm_type", "rank")),
}


def key(label: str) -> str:
    """Lookup key: NFC, case-folded, spaces collapsed, curly apostrophes made straight."""
    s = unicodedata.normalize("NFC", label).replace("\u2019", "'").strip()
    return re.sub(r"\s+", " ", s).casefold()


def bundled_dir() -> Path:
    return Path(str(resources.files("arkgraph._mappings")))


def _read_table(path: Path, name: str, rows: dict[str, dict[str, str]]) -> None:
    key_col, required = SCHEMAS.get(name, (None, ()))
    with path.open(encoding="utf-8", newline="") as fh:
        lines = (ln for ln in fh if not ln.lstrip().startswith("#"))
        reader = csv.DictReader(lines)
        cols = reader.fieldnames or []
        key_col = key_col or (cols[0] if cols else None)
        missing = [c for c in (key_col, *required) if c not in cols]
        if missing:
            raise MappingTableError(str(path), 1, f"missing column(s) {', '.join(missing)}")
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            label = (row.get(key_col) or "").strip()
            if not label:
                raise MappingTableError(str(path), line, f"empty {key_col}")
            k = key(label)
            if k in seen:
                raise MappingTableError(str(path), line, f"duplicate {key_col} {label!r}")
            seen.add(k)
            rows[k] = {c: (v or "").strip() for c, v in row.items() if c}
            if rows[k].get("match", "exact") not in (*MATCHES, ""):
                raise MappingTableError(str(path), line, f"match must be exact or broad, not {rows[k]['match']!r}")


@dataclass(frozen=True)
class Tables:
    """All crosswalks, bundled then overridden by a user directory. Built once, passed around."""

    tables: Mapping[str, Mapping[str, Mapping[str, str]]]
    naan: str = arks.DEFAULT_NAAN
    base: str = arks.DEFAULT_BASE
    sources: tuple[str, ...] = field(default=())
    _cache: dict[tuple[str, str, str | int | None], Concept] = field(default_factory=dict, compare=False, repr=False)

    def row(self, table: str, label: str) -> Mapping[str, str] | None:
        return self.tables.get(table, {}).get(key(label))

    def has(self, table: str, label: str) -> bool:
        return key(label) in self.tables.get(table, {})

    def local_iri(self, table: str, label: str) -> str:
        return arks.mint(self.naan, "t", f"{table}\x1f{key(label)}").iri(self.base)

    def term_iri(self, source_id: str | int) -> str:
        """A source's own term id (Paris Musées taxonomy ``entityId``/``tid``) as our concept IRI: the same
        term is the same IRI in every record and every harvest, whatever its label."""
        return arks.mint(self.naan, TERM_SHOULDER, source_id).iri(self.base)

    def concept(self, table: str, label: str, source_id: str | int | None = None) -> Concept:
        """Resolve a source label (and the source's term id, when it gives one) to our local concept, linked
        to the authority the table gives; unknown labels are local concepts too (never dropped). Memoized."""
        k = (table, label, source_id)
        hit = self._cache.get(k)
        if hit is None:
            if len(self._cache) > 200_000:  # bounded: a pathological run can't grow it forever
                self._cache.clear()
            hit = self._cache[k] = self._concept(table, label, source_id)
        return hit

    def _concept(self, table: str, label: str, source_id: str | int | None) -> Concept:
        label = re.sub(r"\s+", " ", label).strip()
        iri = self.term_iri(source_id) if source_id is not None else self.local_iri(table, label)
        row = self.row(table, label)
        if row is None:  # the source's word: French, except in a table of values in several languages
            return Concept(iri, label, local=True, lang=None if table in MIXED_LANGUAGE_TABLES else "fr")
        schema_type = row.get("schema_type") or None
        code = row.get(CODE_COLUMNS.get(table, ""), "") or None
        if table in IRI_COLUMNS:  # rights: the licence or statement IRI itself (not a concept of the source's)
            return Concept(row.get(IRI_COLUMNS[table]) or iri, label, schema_type=schema_type, code=code)
        ident = row.get("relator" if table == "roles" else "aat") or ""
        if table == "roles":
            authority = RELATOR + ident if ident else None
        elif table == "languages":  # one IRI per language in a run: AAT, else the LoC ISO 639 IRI of its code
            authority = authorities.language(code or "", ident or None) if (ident or code) else None
        else:
            authority = AAT + ident if ident else None
        match = row.get("match") or "exact"
        lang = row.get("lang", "fr") or None
        return Concept(iri, label, schema_type=schema_type, code=code, authority=authority,
                       match=match if authority else "exact", lang=lang)


def load(user_dir: str | Path | None = None, *, naan: str = arks.DEFAULT_NAAN, base: str = arks.DEFAULT_BASE) -> Tables:
    return _load(str(user_dir) if user_dir else None, arks.check_naan(naan), base)


def _load(user_dir: str | None, naan: str, base: str) -> Tables:
    dirs = [bundled_dir()]
    if user_dir:
        p = Path(user_dir)
        if not p.is_dir():
            raise MappingTableError(str(p), 0, "--mappings is not a directory")
        dirs.append(p)
    merged: dict[str, dict[str, dict[str, str]]] = {}
    for d in dirs:
        for path in sorted(d.glob("*.csv")):
            _read_table(path, path.stem, merged.setdefault(path.stem, {}))
    frozen = {n: MappingProxyType({k: MappingProxyType(v) for k, v in rows.items()}) for n, rows in merged.items()}
    return Tables(MappingProxyType(frozen), naan, base, tuple(str(d) for d in dirs))
