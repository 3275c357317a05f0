"""The local directory: a file an admin replaces, checked whole before use, and the services
it suggests for an outcome, best first."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from outcomes_chat.config import DEFAULTS
from outcomes_chat.dialogue.content import ContentError
from outcomes_chat.outcomes.directory import DirectoryCache, load_directory, suggest
from outcomes_chat.outcomes.models import Agency

SAMPLE = Path(str(DEFAULTS["DIRECTORY_PATH"]))


@pytest.fixture(scope="module")
def sample():
    return load_directory(SAMPLE)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The sample, copied where an admin would keep their own."""
    path = tmp_path / "our-directory.yaml"
    path.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def refusal(path: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_directory(path)
    return str(caught.value)


# ---------------------------------------------------------------------------- the sample


def test_the_shipped_sample_is_a_small_directory_with_every_field(sample) -> None:
    assert 10 <= len(sample) <= 15
    for entry in sample.entries:
        assert entry.name and entry.offers and entry.for_whom and entry.opening_times
        assert entry.contact.ways() and entry.languages and entry.keywords


def test_the_sample_uses_only_made_up_numbers_and_addresses(sample) -> None:
    for entry in sample.entries:
        if entry.contact.phone:
            # Ofcom keeps 0131 496 0000 to 0999 for drama: no one is rung by mistake.
            assert entry.contact.phone.startswith("0131 496 0"), entry.id
        for address in (entry.contact.email, entry.contact.web):
            assert address is None or "example.org" in address, entry.id


def test_an_entry_without_an_agency_is_voluntary_and_one_can_say_its_own(sample) -> None:
    assert sample.get("citizens_advice").agency == Agency.VOLUNTARY
    assert sample.get("social_work_duty").agency == Agency.SOCIAL_WORK
    assert sample.get("falls_service").agency == Agency.HEALTH


# ------------------------------------------------------------------------- a bad file


def test_a_missing_field_names_the_file_the_line_and_the_entry(copy: Path) -> None:
    edit(copy, "    opening_times: Every day, 6pm to 2am\n", "")
    message = refusal(copy)
    assert message.startswith(f"{copy.as_posix()}, line {line_of(copy, '- id: listening_line')}")
    assert '(service "listening_line")' in message
    assert "'opening_times' is a required property" in message


def test_an_entry_without_an_id_is_named_by_its_position(copy: Path) -> None:
    edit(copy, "  - id: befriending\n    name:", "  - name:")
    message = refusal(copy)
    assert "(service 5)" in message and "'id' is a required property" in message


def test_a_contact_with_no_way_to_reach_the_service_is_refused(copy: Path) -> None:
    edit(copy, "    contact:\n      phone: 0131 496 0760\n", "    contact: {}\n")
    message = refusal(copy)
    assert '(service "listening_line")' in message
    assert "should be non-empty" in message


def test_an_unknown_agency_is_refused(copy: Path) -> None:
    edit(copy, "    agency: health\n", "    agency: NHS\n")
    message = refusal(copy)
    assert '(service "falls_service")' in message and "'NHS' is not one of" in message


def test_a_repeated_id_names_both_entries(copy: Path) -> None:
    edit(copy, "  - id: mens_shed\n", "  - id: befriending\n")
    message = refusal(copy)
    assert f"line {line_of(copy, 'Lothwick Men') - 1}" in message
    assert "the id 'befriending' is already used by service 5" in message
    assert "this is service 13" in message


def test_broken_yaml_names_the_file_and_line(copy: Path) -> None:
    edit(copy, "    languages: [English, Urdu]\n", "    languages: [English, Urdu\n")
    message = refusal(copy)
    assert message.startswith(f"{copy.as_posix()}, line ") and "not valid YAML" in message


def test_a_missing_file_is_refused_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert refusal(missing).startswith(f"{missing.as_posix()}: cannot be read")


# ---------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("said", "labels", "first"),
    [
        (["Money is tight since I stopped work"], ["Money"], "citizens_advice"),
        (["Getting a full night's sleep"], ["My health and wellbeing"], "short_breaks"),
        (["A break now and then, I'm exhausted"], [], "short_breaks"),
        (["Tom keeps forgetting things and gets confused"], [], "memory_support"),
        (["I feel so lonely since my sister moved away"], ["Seeing people"], "befriending"),
        (["Not falling again"], ["Feeling safe"], "falls_service"),
        (["He fell twice last month"], [], "falls_service"),
        (["Some days I just can't cope"], [], "listening_line"),
        (["My daughter helps with his tablets before school"], [], "young_carers"),
        (["Getting in and out of the bath safely"], [], "equipment_ot"),
        (["Having something to do with my hands"], ["Having things to do"], "mens_shed"),
        (["Knowing what happens to Tom if I fall ill"], [], "carers_centre"),
        # The wish and the barriers count as much as the outcome's own words.
        (["Keeping my job", "Help with the bills", None], ["Money"], "citizens_advice"),
    ],
)
def test_the_best_match_comes_first(sample, said, labels, first) -> None:
    found = suggest(sample, said, labels)
    assert found and found[0].entry.id == first, [(s.entry.id, s.score) for s in found]


@pytest.mark.parametrize(
    "said",
    [
        "I want to go back to the choir on Tuesdays",
        "Being listened to by the doctors",
        "Seeing the grandchildren at Christmas",
    ],
)
def test_an_unrelated_outcome_shows_nothing(sample, said) -> None:
    assert suggest(sample, [said], ["Listened to"]) == []


def test_a_keyword_forgives_a_slip_and_matches_words_that_begin_with_it(sample) -> None:
    slip = suggest(sample, ["Tom has demmentia"])
    assert [s.entry.id for s in slip][:1] == ["memory_support"]
    sleeping = suggest(sample, ["Sleeping right through"])
    assert sleeping[0].entry.id == "short_breaks" and sleeping[0].heard == ("sleep",)


def test_a_service_that_hears_more_keywords_ranks_higher(sample) -> None:
    # The carers centre hears "worn out", short breaks "tired" and "exhausted".
    found = suggest(sample, ["Not so worn out, tired and exhausted all the time"])
    assert [s.entry.id for s in found][:2] == ["short_breaks", "carers_centre"]


def test_a_short_keyword_is_not_matched_inside_other_words(sample) -> None:
    # "son" is a young carers keyword; "soon", "season" and "reason" are not sons.
    found = suggest(sample, ["See you soon, no reason to worry this season"])
    assert "young_carers" not in {s.entry.id for s in found}


def test_the_area_label_lifts_a_service_the_words_suggest_but_never_suggests_one_alone(
    sample,
) -> None:
    assert suggest(sample, ["Being a wife again, not only his nurse"], ["Money"]) == []
    assert suggest(sample, ["Singing in the choir"], ["A life of my own", "Time for me"]) == []
    # One keyword each is heard, so the file's order decides; the area lifts short breaks.
    said = ["Not so tired, and someone to talk to"]
    assert suggest(sample, said, [])[0].entry.id == "carers_centre"
    lifted = suggest(sample, said, ["Time for me"])
    assert lifted[0].entry.id == "short_breaks" and lifted[0].heard == ("tired",)


def test_at_most_three_suggestions_best_first_with_what_was_heard(sample) -> None:
    said = ["I'm exhausted, lonely, Tom has dementia and money is tight and he fell"]
    found = suggest(sample, said)
    assert len(found) == 3
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert all(s.heard for s in found)


# ------------------------------------------------------------------------------- cache


def _touch_later(path: Path) -> None:
    """Move the file's modification time on, as a later save would."""
    later = path.stat().st_mtime_ns + 2_000_000_000
    os.utime(path, ns=(later, later))


def test_the_cache_reads_the_file_once_and_again_when_it_changes(copy: Path) -> None:
    cache = DirectoryCache(copy)
    first = cache.current()
    assert cache.current() is first
    edit(copy, "name: Lothwick Men's Shed", "name: Lothwick Community Shed")
    _touch_later(copy)
    assert cache.current().get("mens_shed").name == "Lothwick Community Shed"


def test_a_bad_replacement_is_refused_whole_logged_and_the_old_one_kept(
    copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = DirectoryCache(copy)
    before = cache.current()
    edit(copy, "name: Lothwick Men's Shed", "name: Lothwick Community Shed")
    edit(copy, "    agency: health\n", "    agency: NHS\n")
    _touch_later(copy)
    with caplog.at_level(logging.ERROR, logger="outcomes_chat.outcomes.directory"):
        assert cache.current() is before
    assert cache.current().get("mens_shed").name == "Lothwick Men's Shed"
    [record] = caplog.records
    assert copy.as_posix() in record.getMessage()
    assert '(service "falls_service")' in record.getMessage()
    assert "still in use: 13 services" in record.getMessage()


def test_a_bad_file_at_the_start_gives_an_empty_directory_and_a_logged_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nowhere.yaml"
    with caplog.at_level(logging.ERROR, logger="outcomes_chat.outcomes.directory"):
        assert len(DirectoryCache(missing).current()) == 0
    assert missing.as_posix() in caplog.text
