"""What both profiles say of OCR text (issue #19), written once: a page's statistics as a sentence, the
document's OCR quality, and arkgraph's own properties for the numbers (``ag:``), which neither schema.org
nor Linked Art defines: an engine's confidence is its claim about its output, not a dimension of a thing.

- ``ag:ocrAccuracy``: the page's ACCURACY, percent, as the OCR engine states it;
- ``ag:meanWordConfidence``, ``ag:lowConfidenceShare``: the mean word confidence (0-1) and the share of words
  below ``model.LOW_CONFIDENCE``;
- ``ag:wordCount``, ``ag:ocrEngine``;
- on the document: ``ag:ocrQuality`` (Gallica's nqamoyen, percent), or ``ag:meanPageAccuracy`` (the mean of the
  converted pages' ACCURACY, where Gallica gives no nqamoyen: another quantity, another property), and
  ``ag:pagesWithText``.
"""

from __future__ import annotations

from functools import lru_cache

from ..model import LOW_CONFIDENCE, PageText, Record
from ..terms import AG, XSD, I, T, Triple, integer

P = {k: I(AG + k) for k in ("ocrAccuracy meanWordConfidence lowConfidenceShare wordCount ocrEngine ocrQuality "
                            "meanPageAccuracy pagesWithText").split()}
ALTO_FORMAT = "application/xml"  # ALTO, http://www.loc.gov/standards/alto/
TEXT_FORMAT = "text/plain"


def decimal(value: float, digits: int = 4) -> str:
    return T(f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".") or "0", XSD + "decimal")


@lru_cache(maxsize=16384)
def _decimal2(value: float) -> str:
    return decimal(value, 2)


def _fr(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def summary(t: PageText) -> str:
    """The page's OCR statistics in one French sentence (its words, and only what the ALTO gives)."""
    parts = []
    if t.accuracy is not None:
        parts.append(f"précision de la page selon le moteur d'OCR : {_fr(t.accuracy)} %")
    if t.mean_confidence is not None:
        parts.append(f"confiance moyenne des mots : {_fr(t.mean_confidence)}")
    if t.low_confidence is not None:
        parts.append(f"mots de confiance inférieure à {_fr(LOW_CONFIDENCE, 1)} : {_fr(100 * t.low_confidence, 1)} %")
    parts.append(f"{t.words} mot{'s' if t.words != 1 else ''}")
    text = " ; ".join(parts)
    if t.engine:
        text += f" ({t.engine})"
    return text[:1].upper() + text[1:]


def page_values(node: str, t: PageText, out: list[Triple]) -> None:
    """The page text's numbers as ag: properties of ``node``."""
    if t.accuracy is not None:
        out.append((node, P["ocrAccuracy"], decimal(t.accuracy, 2)))
    if t.mean_confidence is not None:
        out.append((node, P["meanWordConfidence"], decimal(t.mean_confidence)))
    if t.low_confidence is not None:
        out.append((node, P["lowConfidenceShare"], decimal(t.low_confidence)))
    out.append((node, P["wordCount"], integer(t.words)))
    if t.engine:
        out.append((node, P["ocrEngine"], T(t.engine, XSD + "string")))


@lru_cache(maxsize=16384)  # Gallica's qualities recur (two decimals): each sentence is made once
def _gallica_quality(value: float) -> tuple[str, float, str]:
    return "ocrQuality", value, f"Qualité moyenne de l'OCR selon Gallica : {_fr(value)} %"


def document_quality(rec: Record) -> tuple[str, float, str] | None:
    """(property key, value, French sentence) of the document's OCR quality: Gallica's own, else the mean of its
    converted pages' accuracy; None when neither is known."""
    if rec.ocr_quality is not None:
        return _gallica_quality(rec.ocr_quality)
    known = [t.accuracy for t in rec.texts if t.accuracy is not None]
    if not known:
        return None
    mean = sum(known) / len(known)
    return ("meanPageAccuracy", mean,
            f"Précision moyenne de l'OCR sur les {len(known)} pages converties : {_fr(mean)} %")


def document_values(node: str, rec: Record, out: list[Triple]) -> None:
    quality = document_quality(rec)
    if quality is not None:
        out.append((node, P[quality[0]], _decimal2(quality[1])))
    if rec.texts:
        out.append((node, P["pagesWithText"], integer(sum(1 for t in rec.texts if t.words))))
