"""Read nested JSON while recording which leaf paths were used, for the coverage report."""

from __future__ import annotations

from typing import Any, Iterator


def normalize(v: Any) -> Any:
    """Unwrap GraphQL envelopes so variants look alike.

    ``{"entity": x}`` → x; ``queryFieldX {count, entities}`` → ``fieldX: [...]``;
    ``entityLabel`` → ``name`` when no ``name``; ``null`` list items dropped.
    """
    if isinstance(v, dict):
        if "entity" in v and len(v) == 1:
            return normalize(v["entity"])
        if "entities" in v and set(v) <= {"entities", "count"}:
            return [x for x in (normalize(e) for e in (v["entities"] or [])) if x is not None]
        out: dict[str, Any] = {}
        for k, x in v.items():
            if k.startswith("queryField"):
                k = "field" + k[len("queryField"):]
            elif k == "entityLabel" and "name" not in v:
                k = "name"
            out[k] = normalize(x)
        return out
    if isinstance(v, list):
        return [x for x in (normalize(e) for e in v) if x is not None]
    return v


def normalize_with_leaves(v: Any) -> tuple[Any, list[str]]:
    """``normalize`` and the paths of its non-empty leaves (as ``leaves`` names them), in one pass.

    Faster, and in place: dicts are reused unless a ``queryField`` key must be renamed, and
    ``entityLabel`` keeps its key (readers fall back to it, see ``name_of``) though its path
    says ``name``, as ``normalize`` would."""
    acc: list[str] = []
    return _norm(v, "", acc), acc


def normalize_in_place(v: Any) -> Any:
    """``normalize_with_leaves`` without the leaf paths (when no coverage report is asked for)."""
    if type(v) is dict:
        if len(v) == 1 and "entity" in v:
            return normalize_in_place(v["entity"])
        if "entities" in v and len(v) <= 2 and set(v) <= {"entities", "count"}:
            return _list_in_place(v["entities"] or [])
        rename = False
        for k, x in v.items():
            t = type(x)
            if t is dict:
                y = normalize_in_place(x)
                if y is not x:
                    v[k] = y
            elif t is list:
                v[k] = _list_in_place(x)
            if k[:1] == "q" and k.startswith("queryField"):
                rename = True
        if rename:
            return {("field" + k[10:] if k.startswith("queryField") else k): x for k, x in v.items()}
        return v
    if type(v) is list:
        return _list_in_place(v)
    return v


def _list_in_place(items: list[Any]) -> list[Any]:
    out = []
    for e in items:
        t = type(e)
        if t is dict or t is list:
            e = normalize_in_place(e)
        if e is not None:
            out.append(e)
    return out


def name_of(d: dict[str, Any]) -> Any:
    """A term's ``name``, or its ``entityLabel`` when it has no ``name`` key."""
    return d["name"] if "name" in d else d.get("entityLabel")


def _norm(v: Any, path: str, acc: list[str]) -> Any:
    # hot path (every source value passes here): scalars are handled inline, not by recursion
    if type(v) is dict:
        if len(v) == 1 and "entity" in v:
            return _norm(v["entity"], path, acc)
        if "entities" in v and len(v) <= 2 and set(v) <= {"entities", "count"}:
            return _norm_list(v["entities"] or [], path + "[]", acc)
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


def leaves(v: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Non-empty leaf values with list indices folded into ``[]``."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, f"{path}.{k}" if path else k)
    elif isinstance(v, list):
        for x in v:
            yield from leaves(x, f"{path}[]")
    elif v is not None and v != "":
        yield path, v


class Node:
    """A view on a normalized dict that records every path it hands out."""

    __slots__ = ("data", "path", "used")

    def __init__(self, data: Any, path: str = "", used: set[str] | None = None):
        self.data = data if isinstance(data, dict) else {}
        self.path = path
        self.used = used if used is not None else set()

    def _p(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> Any:
        """A scalar (or raw) value at a dotted key; marks all leaves under it as used."""
        if "." in key:
            cur: Any = self.data
            for part in key.split("."):
                if type(cur) is not dict:
                    return None
                cur = cur.get(part)
        else:
            cur = self.data.get(key)
        if cur is None:
            return None
        if type(cur) is dict or type(cur) is list:
            for p, _ in leaves(cur, self._p(key)):
                self.used.add(p)
        elif cur != "":
            self.used.add(f"{self.path}.{key}" if self.path else key)
        return cur

    def node(self, key: str) -> "Node | None":
        if "." in key:
            head, rest = key.split(".", 1)
            n = self.node(head)
            return n.node(rest) if n else None
        cur = self.data.get(key)
        path = f"{self.path}.{key}" if self.path else key
        if type(cur) is list:  # queryFieldX gives a list even for one value: take the first
            cur, path = (cur[0] if cur else None), path + "[]"
        return Node(cur, path, self.used) if type(cur) is dict else None

    def nodes(self, key: str) -> list["Node"]:
        cur = self.data.get(key)
        path = f"{self.path}.{key}" if self.path else key
        if type(cur) is dict:
            return [Node(cur, path, self.used)]
        if type(cur) is not list:
            return []
        path += "[]"
        return [Node(x, path, self.used) for x in cur if type(x) is dict]

    def label(self, key: str | None = None) -> str | None:
        n = self.node(key) if key else self
        if n is None:
            return None
        v = n.data.get("name")
        if v is None or v == "":
            return None
        self.used.add(f"{n.path}.name" if n.path else "name")
        return str(v).strip() or None

    def labels(self, key: str) -> list[str]:
        """The ``name`` of each item of a multi-valued term field."""
        cur = self.data.get(key)
        path = f"{self.path}.{key}" if self.path else key
        if type(cur) is dict:
            cur = [cur]
        elif type(cur) is list:
            path += "[]"
        else:
            return []
        out = []
        for x in cur:
            v = x.get("name") if type(x) is dict else None
            if v is not None and v != "":
                s = str(v).strip()
                if s:
                    out.append(s)
        if out or any(type(x) is dict and x.get("name") not in (None, "") for x in cur):
            self.used.add(path + ".name")
        return out
