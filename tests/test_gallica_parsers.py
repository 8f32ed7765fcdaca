"""Gallica DC string parsers, on every distinct form seen in the real samples (gallica-formats.md §4)."""

from __future__ import annotations

import pytest

from arkgraph import mappings
from arkgraph.sources import gallica_dc as dc

KNOWN = frozenset(mappings.load().tables["roles"].keys())


def years(ts):
    return (ts.begin[:10] if ts and ts.begin else None, ts.end[:10] if ts and ts.end else None)


@pytest.mark.parametrize("text, kind, family, given, qualifier, birth, death, roles", [
    ("Verne, Jules (1828-1905). Auteur du texte", "Person", "Verne", "Jules", None, "1828", "1905", ("Auteur du texte",)),
    ("Baudouin, A. (Dr). Auteur du texte", "Person", "Baudouin", "A.", "Dr", None, None, ("Auteur du texte",)),
    ("Robinet, Charles (1608?-1698). Auteur du texte", "Person", "Robinet", "Charles", None, "1608", "1698", ("Auteur du texte",)),
    ("Ǧunaydī, Aḥmad ibn Aḥmad al- (-1867)", "Person", "Ǧunaydī", "Aḥmad ibn Aḥmad al-", None, None, "1867", ()),
    ("Meulles, Jacques de (16..-1703). Commanditaire du contenu", "Person", "Meulles", "Jacques de", None, "1600/1699", "1703", ("Commanditaire du contenu",)),
    ("Franquelin, Jean-Baptiste (1650-17..). Cartographe", "Person", "Franquelin", "Jean-Baptiste", None, "1650", "1700/1799", ("Cartographe",)),
    ("Saint-Julien (16..-17..?). Auteur du texte", "Person", "Saint-Julien", None, None, "1600/1699", "1700/1799", ("Auteur du texte",)),
    ("Child, Lee (1954-....). Auteur du texte", "Person", "Child", "Lee", None, "1954", None, ("Auteur du texte",)),
    ("Chardon, F.. Fonction indéterminée", "Person", "Chardon", "F.", None, None, None, ("Fonction indéterminée",)),
    ("Martial du Mans, Le P. (religieux pénitent). Auteur du texte", "Person", "Martial du Mans", "Le P.", "religieux pénitent", None, None, ("Auteur du texte",)),
    ("Nakhla, Raphaël (S J Le P ; 1890-1973)", "Person", "Nakhla", "Raphaël", "S J Le P", "1890", "1973", ()),
    ("Rouargue (famille ; 17..?-18.. ; graveurs)", "Person", "Rouargue", None, "famille ; graveurs", "1700/1799", "1800/1899", ()),
    ("Charles-Lavauzelle, Henri (1853-1926). Directeur de publication. Fondateur de la publication", "Person",
     "Charles-Lavauzelle", "Henri", None, "1853", "1926", ("Directeur de publication", "Fondateur de la publication")),
    ("Benoît, Pierre. Photographe", "Person", "Benoît", "Pierre", None, None, None, ("Photographe",)),
])
def test_person_names(text, kind, family, given, qualifier, birth, death, roles):
    n = dc.parse_name(text, KNOWN)
    assert (n.kind, n.family, n.given, n.qualifier, n.roles) == (kind, family, given, qualifier, roles)
    for ts, want in ((n.birth, birth), (n.death, death)):
        if want is None:
            assert ts is None
        else:
            lo, _, hi = want.partition("/")
            assert years(ts) == (f"{lo}-01-01", f"{hi or lo}-12-31")


@pytest.mark.parametrize("text, name, roles", [
    ("France. Cour d'appel (Paris). Chambre des appels de police correctionnelle. Éditeur scientifique",
     "France. Cour d'appel (Paris). Chambre des appels de police correctionnelle", ("Éditeur scientifique",)),
    ("France. Sénat (1875-1942). Auteur du texte", "France. Sénat (1875-1942)", ("Auteur du texte",)),
    ("Association française pour l'avancement des sciences. Groupe régional (Gironde). Auteur du texte",
     "Association française pour l'avancement des sciences. Groupe régional (Gironde)", ("Auteur du texte",)),
    ("Parti social français. Auteur du texte", "Parti social français", ("Auteur du texte",)),
    ("Supremo conselho para Portugal. Éditeur scientifique", "Supremo conselho para Portugal", ("Éditeur scientifique",)),
])
def test_corporate_names_keep_their_dots(text, name, roles):
    n = dc.parse_name(text, KNOWN)
    assert (n.kind, n.name, n.roles) == ("Group", name, roles)


@pytest.mark.parametrize("text, name, label", [
    ("Child, Lee (1954-....). Auteur du texte", "Child, Lee (1954-....)", "Child, Lee"),
    ("Nakhla, Raphaël (S J Le P ; 1890-1973)", "Nakhla, Raphaël (S J Le P ; 1890-1973)", "Nakhla, Raphaël (S J Le P)"),
    ("Martial du Mans, Le P. (religieux pénitent). Auteur du texte", "Martial du Mans, Le P. (religieux pénitent)",
     "Martial du Mans, Le P. (religieux pénitent)"),
    ("France. Sénat (1875-1942). Auteur du texte", "France. Sénat (1875-1942)", "France. Sénat"),
    ("France. Cour d'appel (Paris). Éditeur scientifique", "France. Cour d'appel (Paris)", "France. Cour d'appel (Paris)"),
])
def test_the_label_drops_life_dates_only(text, name, label):
    """The heading (with life dates) keys the agent; the label shown is the heading without them."""
    n = dc.parse_name(text, KNOWN)
    assert (n.name, n.label) == (name, label)


def test_a_dot_among_the_digits_is_no_life_date():
    """"1?34" read as a year with unknown digits was int("1.34"): a ValueError that rejected the record as a bug."""
    n = dc.parse_name("Dupont, Jean (1?34-1900)", KNOWN)
    assert (n.birth, n.death, n.qualifier, n.label) == (None, None, "1?34-1900", "Dupont, Jean (1?34-1900)")


def test_question_marks_as_unknown_digits_are_a_century():
    """"17??" was read as the year 17 (the "?" taken for a doubt marker and stripped)."""
    n = dc.parse_name("Dupont, Jean (17??-1802?)", KNOWN)
    assert years(n.birth) == ("1700-01-01", "1799-12-31") and years(n.death) == ("1802-01-01", "1802-12-31")
    assert n.death.schema_date is None and n.label == "Dupont, Jean"


def test_unknown_role_after_a_complete_name_is_kept():
    assert dc.parse_name("Dupont, Jean. Scénariste", KNOWN).roles == ("Scénariste",)
    assert dc.partner_role("Directeur-Propriétaire: D. A. Bellis") == ("Directeur-Propriétaire", "D. A. Bellis")


@pytest.mark.parametrize("text, begin, end, schema", [
    ("1883", "1883-01-01", "1883-12-31", "1883"),
    ("1862-06-19", "1862-06-19", "1862-06-19", "1862-06-19"),
    ("1649-03", "1649-03-01", "1649-03-31", "1649-03"),
    ("1789-1792", "1789-01-01", "1792-12-31", None),
    ("1964-1964", "1964-01-01", "1964-12-31", "1964"),
    ("18..", "1800-01-01", "1899-12-31", None),
    ("19??", "1900-01-01", "1999-12-31", None),
    ("1913-????", "1913-01-01", None, "1913"),
    ("1860-186.", "1860-01-01", "1869-12-31", None),
    ("1925-19??", "1925-01-01", "1999-12-31", None),
    ("1908-00-00", "1908-01-01", "1908-12-31", "1908"),
    ("1898-03-00", "1898-03-01", "1898-03-31", "1898-03"),
])
def test_dates(text, begin, end, schema):
    ts = dc.parse_date(text)
    assert ts.label == text
    assert years(ts) == (begin, end)
    assert ts.schema_date == schema


@pytest.mark.parametrize("text", ["1911??gai-20", "", "s.d.", "1900-1800"])
def test_unparseable_dates_are_not_guessed(text):
    assert dc.parse_date(text) is None


@pytest.mark.parametrize("text, name, place", [
    ("M. Dreyfous (Paris)", "M. Dreyfous", "Paris"),
    ("[s.n.] (Paris)", None, "Paris"),
    ("[s.n.][s.n.] (Clermont-Ferrand)", None, "Clermont-Ferrand"),
    (" (Paris)", None, "Paris"),
    ("(S. l.)", None, None),
    ("Henri Charles-LavauzelleHenri Charles-Lavauzelle (Paris)", "Henri Charles-Lavauzelle", "Paris"),
    ("Cerf et filsCerf et fils (Paris)", "Cerf et fils", "Paris"),
    ("chez Louis Josse (A Paris)", "chez Louis Josse", "Paris"),
    ("F. Rouet ()", "F. Rouet", None),
    ("[s.n.][s.n.] (Nuits[-Saint-Georges])", None, "Nuits[-Saint-Georges]"),
    ("[د.ن.] (روميه)", None, "روميه"),
    ("DIPIDIPI", "DIPI", None),
    ("A Paris, chez Nicolas de La Vigne, prés Sainct Hilaire. M. DC. XLIX. Avec permission.", None, None),
])
def test_publishers(text, name, place):
    assert dc.parse_publisher(text) == (name, place)


@pytest.mark.parametrize("text, inst, dept, cote", [
    ("Bibliothèque nationale de France, département Philosophie, histoire, sciences de l'homme, 8-LK13-99",
     "Bibliothèque nationale de France", "Philosophie, histoire, sciences de l'homme", "8-LK13-99"),
    ("Bibliothèque nationale de France, département Littérature et art, YE-2163-2164, 2778, 4519-4520",
     "Bibliothèque nationale de France", "Littérature et art", "YE-2163-2164, 2778, 4519-4520"),
    ("Bibliothèque nationale de France, département Droit, économie, politique, JO-85351 (BIS)",
     "Bibliothèque nationale de France", "Droit, économie, politique", "JO-85351 (BIS)"),
    ("Bibliothèque nationale de France, département Société de Géographie, SG COLIS 37 BIS (4064)",
     "Bibliothèque nationale de France", "Société de Géographie", "SG COLIS 37 BIS (4064)"),
    ("Bibliothèque nationale de France", "Bibliothèque nationale de France", None, None),
    ("Bibliothèque nationale de France, YE-11789", "Bibliothèque nationale de France", None, "YE-11789"),
    ("Secours populaire français (SPF), 2017-213802", "Secours populaire français (SPF)", None, "2017-213802"),
])
def test_sources(text, inst, dept, cote):
    assert dc.parse_source(text) == (inst, dept, cote)


def test_relations():
    r = dc.parse_relation("Notice du catalogue : http://catalogue.bnf.fr/ark:/12148/cb30067131v")
    assert (r.kind, r.catalogue_ark) == ("catalogue", "ark:12148/cb30067131v")
    assert dc.parse_relation("Notice d'ensemble : http://catalogue.bnf.fr/ark:/12148/cb30067131v").kind == "ensemble"
    assert dc.parse_relation("https://gallica.bnf.fr/ark:/12148/cb32895690j/date").kind == "periodical"
    r = dc.parse_relation("A pour reproduction : La Nouvelle France (Marseille. Reproduction numérique) = ISSN 2390-786X "
                          "(https://gallica.bnf.fr/ark:/12148/cb328261098/date)")
    assert (r.kind, r.url) == ("reproduction", "https://gallica.bnf.fr/ark:/12148/cb328261098/date")
    assert dc.parse_relation("Appartient à : [Division 2 du portefeuille 132 …] ; 2").kind == "text"


def test_formats_and_descriptions():
    assert dc.parse_format("Nombre total de vues :  374") == ("views", 374)
    assert dc.parse_format("Nombre total de vues : 8") == ("views", 8)
    assert dc.parse_format("image/jpeg") == ("mime", "image/jpeg")
    assert dc.parse_format("1 vol. (346 p.) : fig. ; In-18") == ("extent", "1 vol. (346 p.) : fig. ; In-18")
    assert dc.parse_description("Échelle(s) : 1:7 500 000") == ("scale", "Échelle(s)", "Échelle(s) : 1:7 500 000")
    assert dc.parse_description("Appartient à l’ensemble documentaire : PACA1") == ("collection", None, "PACA1")


@pytest.mark.parametrize("text, ark", [
    ("oai:bnf.fr:gallica/ark:/12148/bpt6k58017546", "ark:12148/bpt6k58017546"),
    ("https://gallica.bnf.fr/ark:/12148/cb32699739p/date", "ark:12148/cb32699739p/date"),
    ("http://gallica.bnf.fr/ark:/12148/cb328261098/date", "ark:12148/cb328261098/date"),
    ("bpt6k5603637g", "ark:12148/bpt6k5603637g"),
    ("cb328261098/date", "ark:12148/cb328261098/date"),
    ("https://gallica.bnf.fr/iiif/ark:/12148/bpt6k9604118j/manifest.json", "ark:12148/bpt6k9604118j"),
    ("PFMOR885", None),
])
def test_arks(text, ark):
    assert dc.gallica_ark(text) == ark
