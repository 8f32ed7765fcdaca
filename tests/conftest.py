"""Shared fixtures. Tests never read ../shared: real samples are copied under tests/fixtures/."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def fuzz() -> ModuleType:
    """bench/fuzz_campaign.py as a module: its corpus (the real samples cut small), mutators and checks."""
    path = Path(__file__).parent.parent / "bench" / "fuzz_campaign.py"
    spec = importlib.util.spec_from_file_location("fuzz_campaign", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_campaign"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fuzz_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for property tests' inputs and outputs, rewritten by each example (Hypothesis runs
    many examples per test: a function-scoped tmp_path would be shared by them anyway)."""
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="session")
def converted_all_profiles(tmp_path_factory: pytest.TempPathFactory):
    """Convert a set of input files (paths relative to tests/) with `arkgraph convert --profile all`, once per
    distinct set for the whole session, and return the output as a pyoxigraph Dataset (one named graph per
    record). Used by the review set (tests/semantics/), whose files name their inputs."""
    from functools import lru_cache

    import pyoxigraph as ox
    from click.testing import CliRunner

    from arkgraph.cli import main

    tests_dir = Path(__file__).parent
    out_dir = tmp_path_factory.mktemp("review-set")

    @lru_cache(maxsize=None)
    def convert(inputs: tuple[str, ...]) -> ox.Dataset:
        out = out_dir / f"out{convert.cache_info().currsize}.nq"
        result = CliRunner().invoke(main, ["convert", *(str(tests_dir / i) for i in inputs), "--profile", "all",
                                           "-o", str(out), "-q"], catch_exceptions=False)
        # 1 = some records rejected (the real Paris Musées page holds a null entity); the rest is written
        assert result.exit_code in (0, 1), f"converting {inputs} failed:\n{result.output}"
        return ox.Dataset(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))

    return convert
