"""`convert --coverage report.html`: the coverage report as a page a curator reads, checked as text and in
headless Chromium (Debian's); the JSON form stays."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import html5lib
import pytest
from click.testing import CliRunner

from arkgraph import coverage_report
from arkgraph.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
INPUTS = [FIXTURES / "parismusees" / "nodequery-chinese-works-even.json", FIXTURES / "gallica" / "sru"]
CHROMIUM = "/usr/bin/chromium"


def convert(tmp_path: Path, report: str) -> Path:
    path = tmp_path / report
    r = CliRunner().invoke(main, ["convert", *map(str, INPUTS), "-o", str(tmp_path / "out.nq"), "--coverage", str(path)],
                           catch_exceptions=False)
    assert r.exit_code in (0, 1), r.stderr
    return path


def test_the_html_report_says_what_the_json_report_says(tmp_path: Path) -> None:
    report = json.loads(convert(tmp_path, "coverage.json").read_text(encoding="utf-8"))
    page = html5lib.parse(convert(tmp_path, "coverage.html").read_text(encoding="utf-8"), treebuilder="lxml",
                          namespaceHTMLElements=False)
    text = " ".join(page.xpath("//body")[0].itertext())
    for source, s in report["sources"].items():
        assert page.xpath(f"//h2[@id='source-{source}']")
        assert f"{s['leaf_values']:,} source values" in text
        for field in s["ignored_fields"]:
            assert field in text
    for table, values in report["unmapped_values"].items():
        rows = page.xpath(f"//h3[@id='table-{table}']/following-sibling::table[1]//tr[td]")
        assert [r.xpath("string(td[1])") for r in rows] == list(values)  # most frequent first, as in the JSON
        csv = page.xpath(f"//h3[@id='table-{table}']/following-sibling::pre[1]")[0].text
        assert csv.splitlines()[0].rstrip(",").strip('"') == next(iter(values))


def test_the_page_needs_nothing_from_the_network_and_escapes_the_sources_words() -> None:
    # synthetic: a value with markup and a comma, as a hostile source could send
    report = {"sources": {}, "unmapped_values": {"object_types": {'<img src=x onerror=alert(1)>, "vase"': 2}}}
    page = coverage_report.html(report)
    assert "<img" not in page and "&lt;img" in page
    assert "http" not in page.replace("http-equiv", "")  # no stylesheet, script or font fetched
    pre = html5lib.parse(page, treebuilder="lxml", namespaceHTMLElements=False).xpath("//pre")[0].text
    assert pre == '"<img src=x onerror=alert(1)>, ""vase""",'  # shown as text: one CSV cell, quoted


def test_a_report_extension_it_cannot_write_is_refused_before_the_run(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["convert", *map(str, INPUTS), "-o", str(tmp_path / "out.nq"),
                                  "--coverage", str(tmp_path / "coverage.txt")])
    assert r.exit_code == 2 and "write the report as .json or .html" in r.stderr
    assert not (tmp_path / "out.nq").exists()


@pytest.mark.slow
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"{CHROMIUM} not installed (.ci/run installs it)")
def test_chromium_shows_the_report_with_its_bars_and_tables(tmp_path: Path) -> None:
    page = convert(tmp_path, "coverage.html")
    profile = tempfile.mkdtemp(prefix="arkgraph-chromium-")
    shot = tmp_path / "coverage.png"
    try:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
                 "--window-size=1200,1600"]
        dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=90)
        subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=90)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    tree = html5lib.parse(dom.stdout, treebuilder="lxml", namespaceHTMLElements=False)
    assert tree.xpath("//h1")[0].text == "Coverage report"
    assert len(tree.xpath("//div[@class='bar']")) == 2  # one bar per source
    assert tree.xpath("//div[@class='bar']/span[@class='mapped']")
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    artifacts = os.environ.get("ARKGRAPH_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artifacts) / "coverage.png")
