"""Unwrap Paris Musées GraphQL JSON so its variants look alike, listing leaf paths when coverage is asked.

``{"entity": x}`` → x; ``queryFieldX {count, entities}`` → ``fieldX: [...]``; ``null`` list items
dropped; ``entityLabel`` is read as ``name`` (see ``name_of``). Dicts are reused, not copied."""

from __future__ import annotations

from typing import Any


def normalize_with_leaves(v: Any) -> tuple[Any, list[str]]:
    """Normalized JSON and the paths of its non-empty leaves (``a.b[].c``), for the coverage report.

    A dict is rebuilt only when a ``queryField`` key must be renamed; an ``entityLabel`` keeps its
    key (readers use ``name_of``) but its path says ``name``."""
    acc: list[str] = []
    return _norm(v, "", acc), acc


# Reading without normalizing (no coverage report asked for): the same rules, applied only where a
# reader looks, one value at a time.
_ENVELOPE = frozenset(("entities", "count"))


def unwrap(v: Any) -> Any:
    """``{"entity": x}`` → x, ``{count, entities}`` → its entities (a list), anything else as it is."""
    while type(v) is dict:
        if len(v) == 1 and "entity" in v:
            v = v["entity"]
        elif "entities" in v and len(v) <= 2 and v.keys() <= _ENVELOPE:
            return v["entities"] or []
        else:
            break
    return v


# the mapper's own field names (a fixed set, so this stays small) → their queryField names: most
# fields are absent from a given work, and a name built anew would be built and hashed on each lookup
_QUERY_KEYS: dict[str, str] = {}


def field(d: dict[str, Any], key: str) -> Any:
    """``d[key]`` unwrapped, or its ``queryField…`` variant's."""
    v = d.get(key)
    if v is None:
        q = _QUERY_KEYS.get(key)
        if q is None:
            q = _QUERY_KEYS[key] = "queryF" + key[1:] if key[:5] == "field" else ""
        if q:
            v = d.get(q)
    return unwrap(v)


def items(v: Any) -> list[Any]:
    """A list value's items, unwrapped, nulls dropped."""
    out = []
    for x in v:
        x = unwrap(x)
        if x is not None:
            out.append(x)
    return out


def name_of(d: dict[str, Any]) -> Any:
    """A term's ``name``, or its ``entityLabel`` when it has no ``name`` key."""
    return d["name"] if "name" in d else d.get("entityLabel")


def _norm(v: Any, path: str, acc: list[str]) -> Any:
    # hot path (every source value passes here): scalars are handled inline, not by recursion
    if type(v) is dict:
        if len(v) == 1 and "entity" in v:
            return _norm(v["entity"], path, acc)
        if "entities" in v and len(v) <= 2 and v.keys() <= _ENVELOPE:
            ents = v["entities"] or []
            # not a list (the mapper rejects it, naming the field): as unwrap() gives it
            return _norm_list(ents, path + "[]", acc) if type(ents) is list else _norm(ents, path, acc)
        prefix = path + "." if path else ""
        rename = False
        for k, x in v.items():
            pk = k
            if k[:1] == "q" and k.startswith("queryField"):
                pk = "field" + k[10:]
                rename = True
            elif k == "entityLabel" and "name" not in v:
                pk = "name"
            t = type(x)
            if t is dict:
                y = _norm(x, prefix + pk, acc)
                if y is not x:
                    v[k] = y  # same key: safe while iterating
            elif t is list:
                v[k] = _norm_list(x, prefix + pk + "[]", acc)
            elif x is not None and x != "":
                acc.append(prefix + pk)
        if rename:
            return {("field" + k[10:] if k.startswith("queryField") else k): x for k, x in v.items()}
        return v
    if type(v) is list:
        return _norm_list(v, path + "[]", acc)
    if v is not None and v != "":
        acc.append(path)
    return v


def _norm_list(items: list[Any], path: str, acc: list[str]) -> list[Any]:
    out = []
    for e in items:
        t = type(e)
        if t is dict or t is list:
            e = _norm(e, path, acc)
            if e is not None:
                out.append(e)
        elif e is not None:
            out.append(e)
            if e != "":
                acc.append(path)
    return out
