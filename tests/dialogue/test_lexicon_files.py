"""The lexicon files in prompts/lexicon validate, cover every domain, and fail clearly."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from outcomes_chat.dialogue import DEFAULT_PROMPTS_DIR
from outcomes_chat.dialogue.content import ContentError, load_document
from outcomes_chat.dialogue.frameworks import load_framework
from outcomes_chat.dialogue.recognise import CONTROL_INTENTS, Recogniser
from outcomes_chat.dialogue.script import load_signposting

LEXICON = DEFAULT_PROMPTS_DIR / "lexicon"
FILES = [
    ("en/carer.yaml", "lexicon"),
    ("en/adult.yaml", "lexicon"),
    ("en/negation.yaml", "negation"),
    ("en/control.yaml", "control"),
    ("en/safety.yaml", "safety"),
]


@pytest.mark.parametrize(("name", "schema"), FILES)
def test_lexicon_file_validates(name: str, schema: str) -> None:
    assert load_document(LEXICON / name, schema)


@pytest.mark.parametrize("framework", ["carer", "adult"])
def test_every_domain_has_many_cues(framework: str) -> None:
    data = load_document(LEXICON / "en" / f"{framework}.yaml", "lexicon")
    cues = {entry["id"]: entry["cues"] for entry in data["domains"]}
    assert list(cues) == list(load_framework(DEFAULT_PROMPTS_DIR, framework).domain_ids)
    for domain_id, phrases in cues.items():
        assert len(phrases) >= 25, domain_id


# Everyday words that say nothing of an area of life. A cue can shrink to one of them when its
# small words drop out or its ending folds: "rights" reads as "right", "just a mum" as "mum".
EVERYDAY = frozenset(
    {
        "right", "who", "get", "go", "see", "know", "can", "not", "do", "have", "one", "people",
        "thing", "time", "day", "want", "need", "like", "good", "help", "stop", "let", "long",
        "low", "mum", "dad", "husband", "wife", "son", "daughter", "brother", "sister",
    }
)  # fmt: skip


@pytest.mark.parametrize("framework", ["carer", "adult"])
def test_no_cue_reads_as_one_everyday_word(framework: str) -> None:
    recogniser = Recogniser.load(DEFAULT_PROMPTS_DIR, framework, "en")
    analyser = recogniser.analyser
    everyday = {analyser.word(word) for word in EVERYDAY}
    data = load_document(LEXICON / "en" / f"{framework}.yaml", "lexicon")
    shrunk = []
    for entry in data["domains"]:
        for cue in entry["cues"]:
            counted = [w for w in analyser.words(cue) if w not in analyser.fillers]
            if len(counted) == 1 and counted[0] in everyday:
                shrunk.append((entry["id"], cue))
    assert shrunk == []


def test_control_covers_every_intent() -> None:
    data = load_document(LEXICON / "en" / "control.yaml", "control")
    assert [entry["id"] for entry in data["intents"]] == list(CONTROL_INTENTS)


def test_safety_covers_every_category() -> None:
    data = load_document(LEXICON / "en" / "safety.yaml", "safety")
    kinds = load_signposting(DEFAULT_PROMPTS_DIR).kinds
    assert {entry["id"] for entry in data["categories"]} == set(kinds)
    assert len(data["idioms"]) >= 10


@pytest.mark.parametrize("framework", ["carer", "adult"])
def test_shipped_lexicons_load(framework: str) -> None:
    recogniser = Recogniser.load(DEFAULT_PROMPTS_DIR, framework, "en")
    assert recogniser.framework == framework
    assert recogniser.lang == "en"


# -- broken copies ------------------------------------------------------------------------------


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    """A private copy of prompts/ to break."""
    copy = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, copy)
    return copy


def rewrite(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def entry(data: dict, key: str, entry_id: str) -> dict:
    return next(item for item in data[key] if item["id"] == entry_id)


def test_unknown_domain_id_names_file_and_entry(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/carer.yaml",
        lambda d: entry(d, "domains", "finance").update(id="moneyy"),
    )
    with pytest.raises(ContentError) as caught:
        Recogniser.load(prompts, "carer", "en")
    message = str(caught.value)
    assert "prompts/lexicon/en/carer.yaml" in message
    assert 'domain "moneyy"' in message
    assert "line " in message


def test_missing_cues_names_file_and_entry(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/adult.yaml",
        lambda d: entry(d, "domains", "mobility").pop("cues"),
    )
    with pytest.raises(ContentError) as caught:
        Recogniser.load(prompts, "adult", "en")
    message = str(caught.value)
    assert "prompts/lexicon/en/adult.yaml" in message
    assert 'domain "mobility"' in message
    assert "cues" in message


def test_repeated_domain_names_the_entry(prompts: Path) -> None:
    def repeat(data: dict) -> None:
        data["domains"].append(dict(entry(data, "domains", "finance")))

    rewrite(prompts / "lexicon/en/carer.yaml", repeat)
    with pytest.raises(ContentError, match=r'carer\.yaml.*domain "finance".*twice'):
        Recogniser.load(prompts, "carer", "en")


def test_a_cue_of_only_small_words_is_refused(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/carer.yaml",
        lambda d: entry(d, "domains", "finance")["cues"].append("the"),
    )
    with pytest.raises(ContentError, match=r'domain "finance".*\'the\''):
        Recogniser.load(prompts, "carer", "en")


def test_control_phrase_under_two_intents_is_refused(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/control.yaml",
        lambda d: entry(d, "intents", "no")["phrases"].append("skip"),
    )
    with pytest.raises(ContentError, match=r'control\.yaml.*intent "no".*\'skip\'.*skip'):
        Recogniser.load(prompts, "carer", "en")


def test_unknown_safety_category_names_the_entry(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/safety.yaml",
        lambda d: entry(d, "categories", "cant_cope").update(id="panic"),
    )
    with pytest.raises(
        ContentError,
        match=r"safety\.yaml, line \d+ \(categorie \"panic\"\): .panic. is not a kind of risk",
    ):
        Recogniser.load(prompts, "carer", "en")


def test_unknown_negation_position_is_refused(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/negation.yaml",
        lambda d: entry(d, "patterns", "after").update(id="around"),
    )
    with pytest.raises(ContentError, match=r"negation\.yaml, line \d+"):
        Recogniser.load(prompts, "carer", "en")


def test_missing_file_is_named(prompts: Path) -> None:
    (prompts / "lexicon/en/safety.yaml").unlink()
    with pytest.raises(ContentError, match=r"prompts/lexicon/en/safety\.yaml: the file is missing"):
        Recogniser.load(prompts, "carer", "en")


def test_missing_language_is_named(prompts: Path) -> None:
    with pytest.raises(ContentError, match=r"prompts/lexicon/xx/carer\.yaml"):
        Recogniser.load(prompts, "carer", "xx")


def test_file_for_another_framework_is_refused(prompts: Path) -> None:
    shutil.copy(prompts / "lexicon/en/adult.yaml", prompts / "lexicon/en/carer.yaml")
    with pytest.raises(ContentError, match=r"carer\.yaml: it says framework 'adult'"):
        Recogniser.load(prompts, "carer", "en")


def test_not_yaml_names_the_line(prompts: Path) -> None:
    path = prompts / "lexicon/en/control.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"control\.yaml, line \d+"):
        Recogniser.load(prompts, "carer", "en")


def test_negation_file_has_plain_phrases() -> None:
    data = load_document(LEXICON / "en" / "negation.yaml", "negation")
    assert "of course" in data["plain"]


def test_a_plain_phrase_of_no_words_is_refused(prompts: Path) -> None:
    rewrite(prompts / "lexicon/en/negation.yaml", lambda d: d["plain"].append("..."))
    with pytest.raises(ContentError, match=r"negation\.yaml.*'\.\.\.'"):
        Recogniser.load(prompts, "carer", "en")


def test_a_feeling_cue_that_small_words_reduce_to_one_word_is_refused(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPTS_DIR, prompts)
    feelings = prompts / "lexicon" / "en" / "feelings.yaml"
    text = feelings.read_text(encoding="utf-8")
    feelings.write_text(text.replace("      - lonely\n", "      - so alone\n"), encoding="utf-8")
    with pytest.raises(ContentError, match="'so alone' has a small word"):
        Recogniser.load(prompts, "adult", "en")


def test_a_misspelt_summary_request_key_names_the_file(prompts: Path) -> None:
    def misspell(data: dict) -> None:
        data["summary_requests"]["remvoe"] = data["summary_requests"].pop("remove")

    rewrite(prompts / "lexicon/en/control.yaml", misspell)
    with pytest.raises(ContentError, match=r"control\.yaml.*remvoe"):
        Recogniser.load(prompts, "carer", "en")


def test_a_summary_request_pointer_of_two_words_is_refused(prompts: Path) -> None:
    rewrite(
        prompts / "lexicon/en/control.yaml",
        lambda d: d["summary_requests"]["pointers"].append("the one"),
    )
    with pytest.raises(ContentError, match=r"control\.yaml.*pointers.*'the one'"):
        Recogniser.load(prompts, "carer", "en")
