"""The Gallica reader's damage recovery must not depend on lxml's (and libxml2's) version: the reader tests
pass under the other lxml major version too, in a venv of their own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_reader_tests_pass_with_the_other_lxml_major_version(tmp_path):
    other = "lxml>=5,<6" if etree.LXML_VERSION[0] >= 6 else "lxml>=6,<7"
    # a copy of the package sources: building in the worktree would leave build/ there
    src = tmp_path / "arkgraph"
    src.mkdir()
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / part, src / part)
    for part in ("src", "mappings", "shapes"):
        shutil.copytree(REPO / part, src / part, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")

    def run(*args: str, cwd: Path | None = None) -> str:
        res = subprocess.run([python, *args], cwd=cwd, capture_output=True, text=True)
        assert res.returncode == 0, f"{' '.join(args)}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        return res.stdout

    run("-m", "pip", "install", "-q", str(src), other, "pytest")
    major, where = run("-c", "import arkgraph, lxml.etree as e; print(e.LXML_VERSION[0], arkgraph.__file__)").split()
    assert int(major) != etree.LXML_VERSION[0], major
    assert where.startswith(str(venv)), where  # the installed copy is tested, not the worktree's src/
    out = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_gallica_reader.py", cwd=REPO)
    assert " passed" in out and "failed" not in out, out
