"""One record's data graph, indexed for validation (subject -> predicate -> objects, and what targets need)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from . import paths
from .paths import PropertyPath
from .terms import SUBCLASS, TYPE, Triple

if TYPE_CHECKING:
    from .shapes import Shape, Shapes

Index = dict[str, dict[str, list[str]]]  # subject -> predicate -> objects
Long = list[tuple[dict[str, list[str]], str]]  # (predicate -> objects, predicate) of the long object lists


def index(triples: Iterable[Sequence[str]]) -> Index:
    """subject -> predicate -> objects, without duplicates (RDF graphs are sets), in first-appearance
    order; the triples may be (s, p, o) tuples or [s, p, o] lists. ``validate_index`` takes it."""
    out: Index = {}
    long: Long = []
    index_into(out, long, triples)
    dedupe_long(long)
    return out


def index_into(out: Index, long: Long, triples: Iterable[Sequence[str]]) -> None:
    """Add triples to an index, each object once per subject and predicate; lists longer than 8
    are only noted in ``long`` (no quadratic scans): ``dedupe_long`` finishes them."""
    get = out.get
    for s, p, o in triples:
        d = get(s)
        if d is None:
            out[s] = {p: [o]}
            continue
        lst = d.get(p)
        if lst is None:
            d[p] = [o]
        elif len(lst) < 8:
            if o not in lst:
                lst.append(o)
        else:
            if len(lst) == 8:
                long.append((d, p))
            lst.append(o)


def dedupe_long(long: Long) -> None:
    for d, p in long:
        d[p] = list(dict.fromkeys(d[p]))


class Data:
    """One record's triples, indexed for validation: by subject, by type, by the target predicates."""

    __slots__ = ("_shapes", "by_type", "inv", "obj_of", "out", "subclass", "subj_of")

    def __init__(self, triples: Iterable[Triple], shapes: Shapes, out: dict[str, dict[str, list[str]]] | None = None):
        if out is None:
            out = index(triples)
        # one pass over the subjects (in first-appearance order, as the focus nodes come out)
        by_type: dict[str, list[str]] = {}
        subclass: dict[str, list[str]] | None = None
        tps, tpo, tp_all = shapes.target_preds_s, shapes.target_preds_o, shapes.target_preds_all
        special = shapes.special_preds
        subj_of: dict[str, list[str]] = {p: [] for p in tps}
        obj_of: dict[str, list[str]] = {p: [] for p in tpo}
        for s, po in out.items():
            types = po.get(TYPE)
            if types is not None:
                for t in types:
                    lst = by_type.get(t)
                    if lst is None:
                        by_type[t] = [s]
                    else:
                        lst.append(s)
            if not special.isdisjoint(po):  # rdfs:subClassOf or a targetSubjectsOf/ObjectsOf predicate
                if SUBCLASS in po:
                    subclass = subclass or {}
                    subclass[s] = list(po[SUBCLASS])
                for p in tp_all.intersection(po):
                    if p in tps:
                        subj_of[p].append(s)
                    if p in tpo:
                        obj_of[p].extend(po[p])
        self.subj_of = subj_of
        self.obj_of = obj_of
        self.out, self.by_type = out, by_type
        self.subclass = subclass
        self.inv: dict[str, dict[str, list[str]]] | None = None
        self._shapes = shapes

    def objects(self, s: str, p: str) -> list[str]:
        d = self.out.get(s)
        if d is None:
            return []
        return d.get(p) or []

    def subjects_of(self, o: str, p: str) -> list[str]:
        if self.inv is None:
            inv: dict[str, dict[str, list[str]]] = {}
            for s, po in self.out.items():
                for pp, objs in po.items():
                    for oo in objs:
                        inv.setdefault(oo, {}).setdefault(pp, []).append(s)
            self.inv = inv
        return self.inv.get(o, {}).get(p, [])

    def superclasses(self, c: str) -> set[str]:
        out = {c}
        if self.subclass:
            todo = [c]
            while todo:
                for sup in self.subclass.get(todo.pop(), []):
                    if sup not in out:
                        out.add(sup)
                        todo.append(sup)
        return out

    def instance_of(self, node: str, cls: str) -> bool:
        types = self.objects(node, TYPE)
        if cls in types:
            return True
        if self.subclass:
            return any(cls in self.superclasses(t) for t in types)
        return False

    def instances(self, cls: str) -> list[str]:
        if not self.subclass:
            return self.by_type.get(cls, [])
        out: list[str] = []
        for t, subjects in self.by_type.items():
            if cls in self.superclasses(t):
                out.extend(subjects)
        return out

    def focus_nodes(self, shape: Shape) -> list[str]:
        cls = shape.single_class
        if cls is not None:
            if not self.subclass:
                return self.by_type.get(cls) or []
            return self.instances(cls)
        nodes: dict[str, None] = dict.fromkeys(shape.target_nodes)
        by_type = None if self.subclass else self.by_type
        for c in shape.target_classes:
            lst = by_type.get(c) if by_type is not None else self.instances(c)
            if lst:
                nodes.update(dict.fromkeys(lst))
        for p in shape.target_subjects_of:
            lst = self.subj_of.get(p)
            if lst:
                nodes.update(dict.fromkeys(lst))
        for p in shape.target_objects_of:
            lst = self.obj_of.get(p)
            if lst:
                nodes.update(dict.fromkeys(lst))
        return list(nodes)

    def values(self, f: str, path: PropertyPath) -> list[str]:
        return paths.values(self, f, path)
