"""Packaging: the dependencies are what the package imports, each bounded above to a tested major version; the
version is written once; the LICENSE is the licence pyproject declares; the metadata and shell completion are there."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
# distribution name → the top-level module it provides, where they differ
MODULE_OF = {"pyld": "pyld"}
# distributions arkgraph runs as programs, not imports: the serve extra's oxigraph ships the server binary
PROGRAMS = {"oxigraph"}


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
    declared = {MODULE_OF.get(name, name) for name in _declared() if name not in PROGRAMS}
    assert declared == _imported()


def test_every_dependency_has_an_upper_bound():
    unbounded = [spec for spec in _declared().values() if "<" not in spec]
    assert unbounded == []


# ---------------------------------------------------------------- packaging: version, licence, metadata, completion

def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# the MIT License's standard text (opensource.org/license/mit), after its copyright line
MIT_TERMS = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including without
limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the
Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT
SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE."""


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_version_is_written_once_in_the_package_and_pyproject_reads_it_from_there():
    project = _project()
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "arkgraph.__version__"}
    assigned = [path for path in (ROOT / "src").rglob("*.py")
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets)]
    assert assigned == [ROOT / "src" / "arkgraph" / "__init__.py"]


def test_the_installed_package_and_the_command_report_that_one_version():
    import importlib.metadata

    from click.testing import CliRunner

    import arkgraph
    from arkgraph.cli import main

    assert importlib.metadata.version("arkgraph") == arkgraph.__version__
    assert CliRunner().invoke(main, ["--version"]).output == f"arkgraph, version {arkgraph.__version__}\n"


def test_the_licence_file_is_the_standard_text_of_the_licence_pyproject_declares():
    project = _project()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    title, copyright_line, *rest = [line for line in text.splitlines() if line.strip()]
    assert title == "MIT License" and re.fullmatch(r"Copyright \(c\) \d{4} .+", copyright_line)
    assert _words(" ".join(rest)) == _words(MIT_TERMS)
    # a licence classifier beside the SPDX expression would be a second, possibly different, statement
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def test_the_metadata_gives_urls_classifiers_and_keywords():
    project = _project()["project"]
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(project["urls"])
    assert all(url.startswith("https://") for url in project["urls"].values())
    classifiers = project["classifiers"]
    assert classifiers == sorted(set(classifiers), key=classifiers.index)  # no repeats
    assert all(re.fullmatch(r"[A-Z][\w/ .-]*( :: [\w/ .()-]+)+", c) for c in classifiers), classifiers
    python = {c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert python and min(python) == project["requires-python"].removeprefix(">=")
    assert {"Typing :: Typed", "Environment :: Console"} <= set(classifiers)
    assert (ROOT / "src" / "arkgraph" / "py.typed").exists()  # what "Typing :: Typed" promises
    assert {"linked data", "RDF", "ARK", "cultural heritage"} <= set(project["keywords"])


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _arkgraph_completion arkgraph"),
                                            ("zsh", "#compdef arkgraph"), ("fish", "complete --no-files --command arkgraph")])
def test_the_documented_completion_scripts_are_what_click_prints(shell, marker):
    from click.testing import CliRunner

    from arkgraph.cli import main

    result = CliRunner().invoke(main, [], prog_name="arkgraph", env={"_ARKGRAPH_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0 and marker in result.output


def test_completion_offers_the_lazy_commands_and_their_options():
    from click.testing import CliRunner

    from arkgraph.cli import main

    def complete(words: str) -> str:
        env = {"_ARKGRAPH_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        return CliRunner().invoke(main, [], prog_name="arkgraph", env=env).output

    assert complete("arkgraph conv") == "plain,convert\n"
    assert complete("arkgraph harvest gal") == "plain,gallica\n"
    assert complete("arkgraph convert --edm-r") == "plain,--edm-rights\n"
