"""Property-based tests: the real samples, mutated (bench/fuzz_campaign.py's corpus and mutators, driven by
Hypothesis), never take a reader or the pipeline down, and what is written stays sound.

Derandomized (the same examples on every run) and kept small; the campaign script runs the same checks on
tens of thousands of inputs (``python bench/fuzz_campaign.py -n 20000``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from arkgraph.cli import main
from arkgraph.sources import gallica, parismusees
from arkgraph.sources.common import GZIP_DAMAGE, RawRecord, Reject, open_binary

ROOT = Path(__file__).parent.parent

# derandomize: a fixed seed, so a run is reproducible and CI does not turn red at random;
# no deadline: the time an example takes depends on the host
FUZZ = settings(derandomize=True, deadline=None, max_examples=40, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def mutated(fuzz: ModuleType, data: st.DataObject, sources: str) -> list[tuple[str, bytes]]:
    """Draw a case of the corpus (``sources``: pm, gallica or all) and mutate it with Hypothesis' random."""
    cases = [c for c in fuzz.corpus() if sources == "all" or c.name.startswith("pm-") == (sources == "pm")]
    case = cases[data.draw(st.integers(0, len(cases) - 1), label="case")]
    files, notes = fuzz.mutate_case(case, data.draw(st.randoms(use_true_random=False), label="rng"))
    note(f"case {case.name}: {'; '.join(notes)}")
    for name, content in files:
        note(f"{name} ({len(content)} bytes): {content[:400]!r}")
    return files


def read_all(module: ModuleType, path: str) -> list[Any]:
    """Every item a reader gives for a file, as the pipeline asks for them (side files through read_enrichment).

    A damaged gzip stream around a record file (told by its magic number, whatever the name) is the transport's damage, not the format's: the reader may pass it on,
    and the pipeline rejects the rest of that file with its reason (test_no_exception_escapes_the_pipeline…)."""
    items: list[Any] = []
    with open_binary(path) as fh:
        head = fh.peek(4096)[:4096]
        if getattr(module, "is_enrichment", None) and module.is_enrichment(head):
            return list(module.read_enrichment(fh, path))
        try:
            items.extend(module.read(fh, path))
        except GZIP_DAMAGE:
            # gzip is told by its magic number, not the name: a mutation may give gzip bytes to a .json
            assert Path(path).read_bytes()[:2] == b"\x1f\x8b", path
        return items


def check_reader(module: ModuleType, files: list[tuple[str, bytes]], workdir: Path, fuzz: ModuleType) -> None:
    for path in fuzz.write_input(files, workdir / "in"):
        for item in read_all(module, path):
            if isinstance(item, Reject):
                assert item.file == path and item.reason, item
            elif isinstance(item, RawRecord):
                assert item.file == path and item.position >= 1, item
            else:  # a side file's (ark, object)
                assert isinstance(item, tuple) and len(item) == 2, item


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_the_paris_musees_reader_never_raises_on_a_mutated_sample(fuzz: ModuleType, fuzz_workdir: Path,
                                                                  data: st.DataObject) -> None:
    check_reader(parismusees, mutated(fuzz, data, "pm"), fuzz_workdir, fuzz)


@FUZZ
@given(data=st.data())
def test_the_gallica_reader_never_raises_on_a_mutated_sample(fuzz: ModuleType, fuzz_workdir: Path,
                                                             data: st.DataObject) -> None:
    check_reader(gallica, mutated(fuzz, data, "gallica"), fuzz_workdir, fuzz)


@pytest.mark.slow
@settings(FUZZ, max_examples=120)  # cheap examples; the bad values are rare among the mutations
@given(data=st.data())
def test_a_mutated_sample_converts_with_every_invariant_kept(fuzz: ModuleType, fuzz_workdir: Path,
                                                             data: st.DataObject) -> None:
    """No exception escapes (an "internal error:" reject, the safety net's, counts as one); every record read is
    converted or rejected, with one rejects line each; every output format parses back (JSON-LD too, through
    pyoxigraph with the bundled contexts); every IRI written is a valid absolute IRI."""
    res = fuzz.check_input(mutated(fuzz, data, "all"), fuzz_workdir, full_jsonld=True)
    assert res.problems == []


@pytest.mark.slow
@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_every_iri_written_from_an_odd_id_value_is_a_valid_absolute_iri(fuzz: ModuleType, fuzz_workdir: Path,
                                                                         data: st.DataObject) -> None:
    """The values that become IRIs (ids, paths, URLs, identifiers, ARKs) replaced by odd strings, one at a time."""
    cases = [c for c in fuzz.corpus() if id_slots(fuzz, c)]
    case = cases[data.draw(st.integers(0, len(cases) - 1), label="case")]
    slot = data.draw(st.integers(0, id_slots(fuzz, case) - 1), label="slot")
    value = data.draw(st.sampled_from(fuzz.ODD_STRINGS) | st.text(max_size=12), label="value")
    xml = case.files[case.target][1].lstrip()[:1] == b"<"
    assume(not xml or fuzz.xml_ok(value))  # lxml cannot even hold other characters in a document
    note(f"case {case.name}, id-like value {slot} = {value!r}")
    res = fuzz.check_input(fuzz.with_id_value(case, slot, value), fuzz_workdir, full_jsonld=False)
    assert [(sig, detail) for cat, sig, detail in res.problems if cat == "invalid IRI"] == []


_SLOTS: dict[str, int] = {}


def id_slots(fuzz: ModuleType, case: Any) -> int:
    if case.name not in _SLOTS:
        try:
            _SLOTS[case.name] = fuzz.id_slots(case)
        except (ValueError, SyntaxError):  # a damaged sample (truncated JSON, junk after the root): nothing to replace
            _SLOTS[case.name] = 0
    return _SLOTS[case.name]


@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_the_cli_reports_a_mutated_sample_without_a_traceback(fuzz: ModuleType, fuzz_workdir: Path,
                                                              data: st.DataObject) -> None:
    paths = fuzz.write_input(mutated(fuzz, data, "all"), fuzz_workdir / "in")
    rejects = fuzz_workdir / "rejects.jsonl"
    result = CliRunner().invoke(main, ["convert", *paths, "-o", str(fuzz_workdir / "out.nq"),
                                       "--rejects", str(rejects), "-q"])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert (result.exit_code == 1) == bool(lines)  # 1 exactly when something was rejected
    for line in lines:
        r = json.loads(line)
        assert r["file"] in paths and r["reason"] and not r["reason"].startswith("internal error:"), r


@pytest.mark.slow
def test_a_short_fuzz_campaign_finds_nothing(tmp_path: Path) -> None:
    """The campaign script end to end: 300 inputs, every check, the CLI every 50th; exit 0 when nothing broke."""
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz_campaign.py"), "-n", "300", "--seed", "7",
                        "--jobs", "2", "--cli-every", "50", "--save", str(tmp_path / "repro"), "-q"],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr[-2000:]
    assert "inputs tried: 300" in p.stdout
