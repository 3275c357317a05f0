"""PDFs of one plan version (web/pdf.py): the person's words in any script, read back from the
PDF; ratings, actions, team, review date and the carer checklist; tagged (PDF/UA-1); nothing
fetched while rendering.

Rendering takes a fraction of a second a PDF, so the four documents are made once per module
from export views written out here (checked against docs/export-schema.json); the command-line
test (tests/test_cli_export.py) makes PDFs from plans held in the database.
"""

from __future__ import annotations

import copy
import io
import socket
import unicodedata
from datetime import date

import pytest
from babel.dates import format_date
from flask import Flask
from pypdf import PdfReader

from outcomes_chat import create_app
from outcomes_chat.web import pdf
from tests.outcomes.test_export import validate

# The person may answer in any language; the PDF must carry each answer as they wrote it.
WORDS = {
    "english": "I want to get back to the allotment on Saturdays",
    "welsh": "Rwy'n hoffi mynd am dro gyda'r ŵyr bob dydd Sul",
    "polish": "Chciałabym móc wyjść z domu sama, bez łez",
    "arabic": "أريد أن أرى أصدقائي كل أسبوع",
}
REVIEW = date(2027, 3, 2)


def outcome(number: int, words: str, rating: str | None, **more: object) -> dict:
    fields = [
        "rating_words",
        "wish",
        "helps",
        "barriers",
        "who_could_help",
        "previous_rating",
        "update",
        "note",
        "practitioner_view",
        "person_view",
        "impact",
        "achieved",
    ]
    return {
        "id": number,
        "key": f"o{number}",
        "words": words,
        "domains": more.pop("domains", []),
        "rating": rating,
        **{name: None for name in fields},
        **more,
    }


def view_of(kind: str, language: str, actions: list[dict], not_covered: list[str]) -> dict:
    """An export view (outcomes.export.export_view's shape) of an agreed version 2."""
    view = {
        "schema_version": "1.1",
        "assessment": {
            "id": 7,
            "framework": "carer" if kind == "carer" else "adult",
            "language": language,
            "version": 2,
            "agreed": True,
            "agreed_at": "2026-12-02T10:30:00+00:00",
            "agreed_by": "Morag",
            "review_date": REVIEW.isoformat(),
            "not_covered": not_covered,
            "review_of_id": None,
        },
        "person": {
            "name": "Margaret Wilson",
            "preferred_name": None,
            "case_reference": "CASE-1",
            "kind": kind,
            "preferred_language": language,
            "cares_for": {"name": "Tom Wilson", "case_reference": None}
            if kind == "carer"
            else None,
        },
        "team": [
            {"name": "Morag", "agency": "social_work", "role": "Social worker", "lead": True},
            {"name": "Amir", "agency": "health", "role": "Nurse", "lead": False},
        ],
        "consents": [
            {"purpose": purpose, "given": True, "recorded_at": "2026-11-01T09:00:00+00:00"}
            for purpose in ("record", "share_team", "export")
        ],
        "outcomes": [
            outcome(1, WORDS["welsh"], "partly_met", rating_words=WORDS["polish"]),
            outcome(2, WORDS["english"], "not_met", helps=WORDS["arabic"], note="Seen at home"),
            outcome(3, WORDS["arabic"], "met"),
            outcome(4, WORDS["polish"], None, wish=WORDS["english"]),
        ],
        "actions": actions,
        "conversation": [],
    }
    validate(view)
    return view


CARER = view_of(
    "carer",
    "en",
    [
        {
            "id": 1,
            "outcome_id": 2,
            "what": "Ask about a sitter",
            "who": "Jo Fraser",
            "agency": "voluntary",
            "due": "2027-01-15",
            "status": "open",
        }
    ],
    ["local_support", "short_break"],
)
# A conversation held in Arabic: the document reads right to left.
ADULT = view_of("service_user", "ar", [], [])


def text_of(document: bytes) -> str:
    """The PDF's text as a reader would compare it: compatibility forms folded (NFKC, so any
    Arabic presentation forms become letters) and line breaks and runs of spaces as one space.
    pypdf gives WeasyPrint's Arabic back in logical (typed) order, through the fonts' ToUnicode
    maps, so the person's words can be compared exactly. Fixed text around a number in a
    right-to-left document comes back in visual order; those checks look at parts."""
    reader = PdfReader(io.BytesIO(document))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def pdf_app(tmp_path_factory) -> Flask:
    """The app, for its templates and Babel; no database is touched."""
    folder = tmp_path_factory.mktemp("pdf")
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{folder / 'unused.sqlite'}",
        }
    )


@pytest.fixture(scope="module")
def made(pdf_app) -> dict[tuple[str, str], bytes]:
    """The case-file summary and own copy of both plans, made once."""
    with pdf_app.app_context():
        return {
            (name, document): pdf.render_pdf(view, document)
            for name, view in (("carer", CARER), ("adult", ADULT))
            for document in pdf.DOCUMENTS
        }


@pytest.fixture(scope="module")
def texts(made) -> dict[tuple[str, str], str]:
    return {key: text_of(document) for key, document in made.items()}


@pytest.mark.parametrize("plan", ["carer", "adult"])
@pytest.mark.parametrize("document", pdf.DOCUMENTS)
@pytest.mark.parametrize("language", WORDS)
def test_the_persons_words_read_back_verbatim(texts, plan, document, language):
    assert WORDS[language] in texts[plan, document]


def test_the_case_file_summary_holds_ratings_actions_team_and_review_date(texts):
    text = texts["carer", "case_file"]
    assert "Case file summary: Margaret Wilson" in text
    assert "Version 2, agreed on 2 December 2026 by Morag." in text
    assert "Review date 2 March 2027" in text
    assert "Morag, Social worker, Social work (lead professional)" in text
    assert "Amir, Nurse, Health" in text and "Amir, Nurse, Health (lead" not in text
    for label in ("Partly", "Not at all", "Going well", "Not rated"):
        assert f"How it is going {label}" in text
    assert "Ask about a sitter Jo Fraser Voluntary sector 15 Jan 2027 Not started" in text
    assert "The team's note Seen at home" in text
    assert "It is copied to their case file: yes (recorded 1 Nov 2026)" in text


def test_a_carers_summary_shows_which_parts_of_the_support_plan_are_covered(texts):
    text = texts["carer", "case_file"]
    assert "Adult carer support plan: what it must cover" in text
    assert "Support available locally, and where the carer lives if different: not covered" in (
        text
    )
    assert "When the plan will be reviewed: covered" in text
    assert "what it must cover" not in texts["adult", "case_file"]


def test_a_plan_without_actions_says_so(texts):
    # Right to left, the full stop comes back first (visual order): compare without it.
    assert texts["adult", "case_file"].count("No actions") == 4
    assert texts["adult", "own_copy"].count("Nothing is planned for this yet") == 4
    assert "Ask about a sitter" not in texts["adult", "case_file"]


def test_the_own_copy_is_the_printable_pages_words(texts):
    text = texts["carer", "own_copy"]
    assert "A plan for Margaret Wilson" in text
    assert "This plan was agreed on 2 December 2026." in text
    assert f"How it is going: Partly You said: “{WORDS['polish']}”" in text
    assert "Ask about a sitter Who: Jo Fraser, Voluntary sector When: by 15 January 2027" in text
    assert "The lead person for your plan is Morag." in text
    assert "We will look at your plan again by 2 March 2027." in text


def test_a_conversation_in_arabic_gives_a_right_to_left_document_with_arabic_dates(
    pdf_app, made, texts
):
    with pdf_app.app_context():
        html = pdf.render_html(ADULT, "own_copy")
    assert '<html lang="ar" dir="rtl">' in html
    # The person's words keep their own direction inside it.
    welsh = WORDS["welsh"].replace("'", "&#39;")
    assert f'dir="ltr" lang="ar">{welsh}' in html
    assert f'dir="rtl" lang="ar">{WORDS["arabic"]}' in html
    month = format_date(REVIEW, "MMMM", locale="ar")
    for document in pdf.DOCUMENTS:
        assert month in texts["adult", document] and "2027" in texts["adult", document]
        assert "Morag" in texts["adult", document]


@pytest.mark.parametrize(("plan", "lang"), [("carer", "en-GB"), ("adult", "ar")])
@pytest.mark.parametrize("document", pdf.DOCUMENTS)
def test_each_pdf_is_tagged_for_accessibility_with_its_language_and_title(
    made, plan, lang, document
):
    reader = PdfReader(io.BytesIO(made[plan, document]))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert "Margaret Wilson" in reader.metadata.title
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_data()  # XMP: PDF/UA-1


def test_the_fonts_embedded_are_dejavu_sans(made):
    for document in made.values():
        fonts = {
            str(font.get_object()["/BaseFont"]).split("+")[-1]
            for page in PdfReader(io.BytesIO(document)).pages
            for font in page["/Resources"]["/Font"].values()
        }
        sans = {name for name in fonts if name.replace("-", "").startswith("DejaVuSans")}
        assert fonts and sans == fonts, fonts


def test_the_fetcher_refuses_every_url():
    fetcher = pdf._fetcher()
    for url in ("http://example.com/x.png", "https://example.com/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="fetches nothing"):
            fetcher.fetch(url)


def test_markup_in_the_persons_words_is_shown_as_words_and_fetches_nothing(pdf_app, monkeypatch):
    asked: list[str] = []
    fetcher = pdf._fetcher()

    def refuse(url, headers=None):
        asked.append(url)
        raise ValueError("refused")

    monkeypatch.setattr(type(fetcher), "fetch", refuse, raising=True)
    monkeypatch.setattr(pdf, "_fetcher", lambda: fetcher)

    def no_network(*args, **kwargs):
        raise AssertionError("rendering a PDF opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    markup = '<img src="http://example.com/track.png"> <link rel="stylesheet" href="http://x/">'
    view = copy.deepcopy(CARER)
    view["outcomes"] = [outcome(1, markup, "met")]
    with pdf_app.app_context():
        document = pdf.render_pdf(view)
    assert markup in text_of(document)
    assert asked == []
