"""Per-language text analysers: English has its own; a language with only data gets the generic."""

from __future__ import annotations

import shutil
from pathlib import Path

from outcomes_chat.dialogue.analysers import analyser_for
from outcomes_chat.dialogue.analysers.en import English
from outcomes_chat.dialogue.analysers.generic import Generic
from outcomes_chat.dialogue.recognise import Recognisers


def test_english_has_its_own_analyser() -> None:
    english = analyser_for("en")
    assert isinstance(english, English)
    assert english.words("I can't cope") == ["i", "can", "not", "cope"]
    assert english.word("worries") == english.word("worried")


def test_a_language_without_a_module_is_read_by_the_generic_analyser() -> None:
    assert isinstance(analyser_for("cy"), Generic)
    assert isinstance(analyser_for("pt_BR"), Generic)


def test_the_generic_analyser_keeps_words_verbatim_and_splits_other_scripts() -> None:
    generic = Generic()
    text = "هل أنت بخير؟ نعم، شكرا. Très BIEN!"
    spans = generic.sentence_spans(text)
    assert [text[start:end] for start, end in spans] == ["هل أنت بخير؟", "نعم، شكرا.", "Très BIEN!"]
    assert generic.clause_tokens("نعم، شكرا") == [["نعم"], ["شكرا"]]
    assert generic.words("Très BIEN") == ["très", "bien"]


def test_a_language_added_as_data_alone_is_recognised(prompts_dir: Path, tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(prompts_dir, prompts)
    data_only = prompts / "lexicon" / "zz"
    shutil.copytree(prompts / "lexicon" / "en", data_only)
    for path in data_only.glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("lang: en", "lang: zz"))
    recognisers = Recognisers.load(prompts, "carer", "en")
    zz = recognisers.for_lang("zz")
    assert isinstance(zz.analyser, Generic) and zz is not recognisers.fallback
    assert "finance" in [score.id for score in zz.domains("Money is a worry.")]
