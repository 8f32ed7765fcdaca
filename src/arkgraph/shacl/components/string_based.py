"""String-based constraint components (SHACL 4.4): sh:minLength, sh:maxLength, sh:pattern (with sh:flags),
sh:languageIn, sh:uniqueLang. Lengths and patterns apply to str() of the value node; a blank node fails."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..terms import is_bnode, is_literal, literal_parts, sh, string_value
from .base import Component, TermComponent, ValueComponent

if TYPE_CHECKING:
    from ..report import Result
    from ..run import Evaluation
    from ..shapes import ShapesGraph


class _Length(TermComponent):
    at_least: bool

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [g.integer(v) for v in super().read(g, node)]

    def passes(self, v: str) -> bool:
        if is_bnode(v):
            return False
        n = len(string_value(v))
        return n >= self.param if self.at_least else n <= self.param

    def message(self) -> str:
        return f"value length violates {self.parameters[0]} {self.param}"


class MinLength(_Length):
    name, parameters, at_least = "MinLength", ("minLength",), True


class MaxLength(_Length):
    name, parameters, at_least = "MaxLength", ("maxLength",), False


_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


class Pattern(TermComponent):
    """str(value) matches the regular expression (sh:flags: i, m, s, x)."""

    name, parameters = "Pattern", ("pattern", "flags")

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        flags = 0
        for f in g.objs(node, sh("flags")):
            for ch in literal_parts(f)[0]:
                flags |= _FLAGS.get(ch, 0)
        return [re.compile(literal_parts(v)[0], flags) for v in super().read(g, node)]

    def passes(self, v: str) -> bool:
        return not is_bnode(v) and self.param.search(string_value(v)) is not None

    def message(self) -> str:
        return f"value does not match pattern {self.param.pattern!r}"


class LanguageIn(ValueComponent):
    """Each value node is a literal whose language tag matches a range of the list (SPARQL langMatches)."""

    name, parameters = "LanguageIn", ("languageIn",)

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [[literal_parts(x)[0].lower() for x in g.items(v)] for v in super().read(g, node)]

    def ok(self, ev: Evaluation, v: str) -> bool:
        lang = literal_parts(v)[1] if is_literal(v) else None
        return bool(lang) and any(r == "*" or lang == r or lang.startswith(r + "-") for r in self.param)

    def message(self) -> str:
        return "language not allowed"


class UniqueLang(Component):
    """No two value nodes share a (non-empty) language tag: one result per tag used more than once."""

    name, parameters, property_shapes_only = "UniqueLang", ("uniqueLang",), True

    @classmethod
    def read(cls, g: ShapesGraph, node: str) -> list[Any]:
        return [True for v in super().read(g, node) if g.boolean(v)]

    def check(self, ev: Evaluation, focus: str, values: list[str], out: list[Result]) -> None:
        counts: dict[str, int] = {}
        for v in values:
            if is_literal(v):
                lang = literal_parts(v)[1]
                if lang:
                    counts[lang] = counts.get(lang, 0) + 1
        for lang, n in counts.items():
            if n > 1:
                out.append(self.result(focus, None, f"language {lang} used more than once"))
