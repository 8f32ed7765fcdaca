"""The package declares what it imports, and nothing else, each bounded above to a tested major version."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
# distribution name → the top-level module it provides, where they differ
MODULE_OF = {"pyld": "pyld"}


def _declared() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    # an extra other than test (rdflib, for arkgraph.to_dataset) is a runtime dependency asked for by name
    deps = project["dependencies"] + [d for extra, ds in project.get("optional-dependencies", {}).items()
                                      if extra != "test" for d in ds]
    return {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower(): d for d in deps}  # type: ignore[union-attr]


def _imported() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src" / "arkgraph").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "arkgraph"}


def test_the_runtime_dependencies_are_exactly_the_third_party_modules_the_package_imports():
    declared = {MODULE_OF.get(name, name) for name in _declared()}
    assert declared == _imported()


def test_every_dependency_has_an_upper_bound():
    unbounded = [spec for spec in _declared().values() if "<" not in spec]
    assert unbounded == []
