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
from .errors import MappingTableError
from .model import Concept
from .terms import AAT, RELATOR

# table name -> (key column, required columns)
# the column that gives a concept its code (relator, unit code, schema.org property…)
CODE_COLUMNS = {"roles": "relator", "units": "uncefact", "dimension_types": "schema_property", "materials": "kind"}
CODE_COLUMNS.update({"languages": "bcp47", "dc_types": "priority"})
# tables whose IRI column holds a full URI rather than an AAT id
IRI_COLUMNS = {"rights": "uri"}

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


@dataclass(frozen=True)
class Tables:
    """All crosswalks, bundled then overridden by a user directory. Built once, passed around."""

    tables: Mapping[str, Mapping[str, Mapping[str, str]]]
    naan: str = arks.DEFAULT_NAAN
    base: str = arks.DEFAULT_BASE
    sources: tuple[str, ...] = field(default=())
    _cache: dict[tuple[str, str], Concept] = field(default_factory=dict, compare=False, repr=False)

    def row(self, table: str, label: str) -> Mapping[str, str] | None:
        return self.tables.get(table, {}).get(key(label))

    def has(self, table: str, label: str) -> bool:
        return key(label) in self.tables.get(table, {})

    def local_iri(self, table: str, label: str) -> str:
        return arks.mint(self.naan, "t", f"{table}\x1f{key(label)}").iri(self.base)

    def concept(self, table: str, label: str) -> Concept:
        """Resolve a source label; unknown labels become local concepts (never dropped). Memoized."""
        k = (table, label)
        hit = self._cache.get(k)
        if hit is None:
            if len(self._cache) > 200_000:  # bounded: a pathological run can't grow it forever
                self._cache.clear()
            hit = self._cache[k] = self._concept(table, label)
        return hit

    def _concept(self, table: str, label: str) -> Concept:
        iri_column = "relator" if table == "roles" else IRI_COLUMNS.get(table, "aat")
        label = re.sub(r"\s+", " ", label).strip()
        row = self.row(table, label)
        if row is None:
            return Concept(self.local_iri(table, label), label, local=True)
        ident = row.get(iri_column) or ""
        schema_type = row.get("schema_type") or None
        code = row.get(CODE_COLUMNS.get(table, ""), "") or None
        if not ident:
            return Concept(self.local_iri(table, label), label, local=False, schema_type=schema_type, code=code)
        ns = RELATOR if table == "roles" else "" if table in IRI_COLUMNS else AAT
        return Concept(ns + ident, label, schema_type=schema_type, code=code)


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
