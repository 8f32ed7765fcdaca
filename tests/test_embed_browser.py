"""`arkgraph embed` pages as a browser sees them: Debian's headless Chromium loads generated and injected
pages from a loopback HTTP server; the JSON-LD is read back from the rendered DOM (after scripts ran),
and a screenshot of a record page must not be blank."""

from __future__ import annotations

import functools
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import html5lib
import pytest
from click.testing import CliRunner

from arkgraph import embed
from arkgraph.cli import main
from embed_helpers import REAL, SYNTHETIC, arkgraph_docs, convert, expand_to_triples, hostile_nq, record_graphs

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow,  # a real browser
              pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                 reason=f"{CHROMIUM} not installed (Debian package 'chromium'; .ci/run installs it)")]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict, dict]]:
    """Generated pages, snippets and injected pages under one loopback server."""
    d = tmp_path_factory.mktemp("browser")
    so = convert([REAL, SYNTHETIC], d / "so.nq", "schemaorg")
    hostile, chosen = hostile_nq(so, d / "hostile.nq")
    root = d / "www"
    for args in (["--pages", str(root / "pages")], ["--out", str(root / "snippets")]):
        res = CliRunner().invoke(main, ["embed", str(hostile), *args])
        assert res.exit_code == 0, res.output
    inj = root / "injected"
    inj.mkdir()
    for r in list(chosen)[:2] + ["https://n2t.net/ark:99999/pm900001"]:
        (inj / f"{embed.file_stem(r)}.html").write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Existing page</title>'
            f'<link rel="canonical" href="{r}"></head><body><h1 id="existing">Existing</h1>'
            f"<script>document.body.dataset.ran = 'yes'</script></body></html>", encoding="utf-8")
    res = CliRunner().invoke(main, ["embed", str(hostile), "--inject", str(inj)])
    assert res.exit_code == 0 and "3 updated" in res.output, res.output
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root, record_graphs(hostile), chosen
    finally:
        server.shutdown()
        server.server_close()


def chromium(url: str, *extra: str) -> str:
    profile = tempfile.mkdtemp(prefix="arkgraph-chromium-")
    try:
        res = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                             capture_output=True, text=True, timeout=90)
        assert res.returncode == 0, res.stderr[-2000:]
        return res.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dom_jsonld(dom: str) -> tuple[list, object]:
    tree = html5lib.parse(dom, treebuilder="lxml", namespaceHTMLElements=False)
    scripts = tree.xpath("//script[@type='application/ld+json']")
    return [json.loads(s.text) for s in scripts], tree


def test_chromium_reads_complete_jsonld_from_generated_and_injected_pages(site: tuple) -> None:
    base, root, graphs, chosen = site
    hostile_roots = list(chosen)  # </script>…, <!--<script>, quotes & markup, U+2028/9, </title>…
    full = "https://n2t.net/ark:99999/pm900001"  # images, creators with roles, dates, identifiers
    pages = [f"pages/{embed.file_stem(r)}.html" for r in [hostile_roots[i] for i in (0, 1, 3, 4)] + [full]]
    pages += [f"injected/{embed.file_stem(r)}.html" for r in hostile_roots[:2]]
    pages += [f"snippets/{embed.file_stem(hostile_roots[0])}.html"]
    for page in pages:
        dom = chromium(f"{base}/{page}", "--dump-dom", "--virtual-time-budget=3000")
        docs, tree = dom_jsonld(dom)
        # nothing from the data became markup or ran: the DOM after scripts is the page's own
        assert not tree.xpath("//*[@data-pwned] | //*[@id='pwned'] | //b | //script[@src]"), page
        assert len(docs) == 1 and len(tree.xpath("//script")) == (2 if page.startswith("injected/") else 1), page
        (doc,) = arkgraph_docs(docs)
        rid = doc["@id"]
        # complete: exactly the converter's graph for the record, and exactly the file's JSON
        assert expand_to_triples(doc) == graphs[rid], page
        text = (root / page).read_text(encoding="utf-8")
        served, _ = dom_jsonld(text)
        assert served == docs, page
        if rid in chosen:
            assert doc["name"]["@value"] == chosen[rid]
            if page.startswith("pages/"):
                assert tree.findtext(".//h1") == chosen[rid] and tree.findtext(".//title") == chosen[rid]
        if page.startswith("injected/"):
            assert tree.xpath("//body/@data-ran") == ["yes"] and tree.findtext(".//h1") == "Existing"


def test_chromium_index_lists_every_record(site: tuple) -> None:
    base, _, graphs, _ = site
    dom = chromium(f"{base}/pages/index.html", "--dump-dom")
    tree = html5lib.parse(dom, treebuilder="lxml", namespaceHTMLElements=False)
    hrefs = tree.xpath("//a/@href")
    assert sorted(hrefs) == sorted(f"{embed.file_stem(r)}.html" for r in graphs)


def _png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """A minimal PNG decoder (8-bit RGB/RGBA, non-interlaced): width, height, bytes per pixel, raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif f == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 0xFF
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out += line
        prev = line
    return w, h, bpp, bytes(out)


def test_screenshot_of_a_record_page_is_not_blank(site: tuple, tmp_path: Path) -> None:
    base, _, _, _ = site
    shot = tmp_path / "page.png"
    chromium(f"{base}/pages/ark-99999-pm900001.html", f"--screenshot={shot}", "--window-size=1200,900")
    w, h, bpp, px = _png_pixels(shot.read_bytes())
    assert (w, h) == (1200, 900)
    colours: dict[bytes, int] = {}
    for i in range(0, len(px), bpp * 7):  # a sample is plenty
        c = px[i:i + 3]
        colours[c] = colours.get(c, 0) + 1
    background = max(colours, key=colours.__getitem__)
    ink = sum(n for c, n in colours.items() if c != background) / sum(colours.values())
    assert len(colours) > 20, "a page of text has anti-aliased glyphs in many shades"
    assert 0.01 < ink < 0.6, f"{ink:.3f} of the page differs from the background"
    # dark text on the light background, roughly where the title is (top left)
    rows = [px[(y * w + x) * bpp:(y * w + x) * bpp + 3] for y in range(30, 70) for x in range(110, 400)]
    assert any(sum(c) < 200 for c in rows), "no dark title text at the top left"
