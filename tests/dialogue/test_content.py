"""Content files load and validate; broken ones are refused with file, line and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from outcomes_chat.dialogue.content import ContentError, load_document
from outcomes_chat.dialogue.frameworks import load_framework
from outcomes_chat.dialogue.script import load_script, load_signposting

CARER_DOMAINS = [
    "cared_for", "health_wellbeing", "life_of_own", "relationship", "finance",
    "choice_in_caring", "informed_equipped", "satisfaction", "partnership", "planning_ahead",
    "valued_respected", "having_a_say", "flexible_responsive", "practitioner_relationship",
    "accessible_available",
]  # fmt: skip
ADULT_DOMAINS = [
    "feeling_safe", "things_to_do", "seeing_people", "staying_well", "living_as_wanted",
    "stigma", "listened_to", "having_a_say", "respected", "responded_to", "reliability",
    "confidence", "skills", "mobility", "symptoms",
]  # fmt: skip


@pytest.fixture
def prompts_copy(prompts_dir: Path, tmp_path: Path) -> Path:
    """A copy of prompts/ that a test may break."""
    copy = tmp_path / "prompts"
    shutil.copytree(prompts_dir, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in {path}")


@pytest.mark.parametrize(("framework", "ids"), [("carer", CARER_DOMAINS), ("adult", ADULT_DOMAINS)])
def test_frameworks_have_the_domains_of_domain_md_in_order(
    prompts_dir: Path, framework: str, ids: list[str]
) -> None:
    loaded = load_framework(prompts_dir, framework)
    assert loaded.id == framework
    assert list(loaded.domain_ids) == ids
    assert all(domain.label and domain.description and domain.group for domain in loaded.domains)


@pytest.mark.parametrize("framework", ["carer", "adult"])
def test_every_script_loads_and_covers_the_quality_of_life_domains(
    prompts_dir: Path, framework: str
) -> None:
    script = load_script(prompts_dir, framework)
    asked = {domain for topic in script.topics for domain in topic.domains}
    topic_groups = {"quality of life", "carer's quality of life", "managing the caring role"}
    for domain in script.framework.domains:
        if domain.group in topic_groups or domain.id in ("cared_for", "planning_ahead"):
            assert domain.id in asked, f"{domain.id} has no topic"


def test_the_framework_is_cached(prompts_dir: Path) -> None:
    assert load_framework(prompts_dir, "carer") is load_framework(prompts_dir, "carer")


def test_signposting_has_the_uk_defaults_and_hides_an_empty_local_number(prompts_dir: Path) -> None:
    signposting = load_signposting(prompts_dir)
    numbers = {line.id: line.number for line in signposting.lines}
    assert numbers["emergency"] == "999"
    assert numbers["samaritans"] == "116 123"
    assert numbers["nhs_111"] == "111"
    assert numbers["breathing_space"] == "0800 83 85 87"
    local = next(line for line in signposting.lines if line.id == "local_out_of_hours")
    assert not local.applies_to("self_harm")


def test_every_kind_of_risk_and_tier_has_plain_words_for_the_team(prompts_dir: Path) -> None:
    signposting = load_signposting(prompts_dir)
    lexicon = load_document(prompts_dir / "lexicon" / "en" / "safety.yaml", "safety")
    heard = {category["id"] for category in lexicon["categories"]}
    assert heard <= set(signposting.kinds)
    assert signposting.kind("danger_at_home").label == "Not safe at home"
    assert signposting.tier_labels["immediate"] == "Urgent: may be in danger now"
    assert set(signposting.tier_labels) == {"immediate", "safeguarding", "wellbeing"}
    # The label is for the team's pages: it is never part of what a tier says.
    assert all("label" not in said for said in signposting.tiers.values())


def test_a_kind_of_risk_without_a_label_is_refused(prompts_copy: Path) -> None:
    signposting = prompts_copy / "signposting.yaml"
    edit(signposting, "      label: Not coping\n", "")
    with pytest.raises(ContentError) as caught:
        load_signposting(prompts_copy)
    # The entry under cant_cope starts on the line after its key.
    assert f"line {line_of(signposting, '    cant_cope:') + 1}:" in str(caught.value)
    assert "'label' is a required property" in str(caught.value)


def test_a_missing_required_field_names_file_line_and_entry(prompts_copy: Path) -> None:
    script = prompts_copy / "scripts" / "carer.yaml"
    edit(script, "    question: Do you have any money worries just now?\n", "")
    with pytest.raises(ContentError) as caught:
        load_document(script, "script")
    message = str(caught.value)
    assert message.startswith("prompts/scripts/carer.yaml, line ")
    assert f"line {line_of(script, '- id: finance')}" in message
    assert '(topic "finance")' in message
    assert "'question' is a required property" in message


def test_a_wrong_type_names_the_line_of_the_value(prompts_copy: Path) -> None:
    framework = prompts_copy / "frameworks" / "adult.yaml"
    edit(framework, "    label: Seeing people\n", "    label: [Seeing, people]\n")
    with pytest.raises(ContentError) as caught:
        load_framework(prompts_copy, "adult")
    message = str(caught.value)
    assert f"line {line_of(framework, 'label: [Seeing')}" in message
    assert '(domain "seeing_people")' in message


def test_broken_yaml_names_file_and_line(prompts_copy: Path) -> None:
    script = prompts_copy / "scripts" / "adult.yaml"
    edit(script, "  opener: To start,", "  opener: [To start,")
    with pytest.raises(ContentError) as caught:
        load_script(prompts_copy, "adult")
    assert "prompts/scripts/adult.yaml, line " in str(caught.value)
    assert "not valid YAML" in str(caught.value)


def test_a_repeated_key_is_refused(prompts_copy: Path) -> None:
    signposting = prompts_copy / "signposting.yaml"
    edit(signposting, '    number: "999"\n', '    number: "999"\n    number: "998"\n')
    with pytest.raises(ContentError, match=r"signposting.yaml, line \d+: the key 'number' appears"):
        load_signposting(prompts_copy)


def test_a_topic_naming_an_unknown_domain_is_refused(prompts_copy: Path) -> None:
    script = prompts_copy / "scripts" / "carer.yaml"
    edit(script, "    domains: [finance]\n", "    domains: [money_matters]\n")
    with pytest.raises(ContentError) as caught:
        load_script(prompts_copy, "carer")
    message = str(caught.value)
    assert '(topic "finance")' in message
    assert "'money_matters' is not a domain of the carer framework" in message
    assert f"line {line_of(script, '[money_matters]')}" in message


def test_a_domain_in_two_topics_is_refused(prompts_copy: Path) -> None:
    script = prompts_copy / "scripts" / "carer.yaml"
    edit(script, "    domains: [finance]\n", "    domains: [finance, life_of_own]\n")
    with pytest.raises(ContentError, match="'life_of_own' is already asked about"):
        load_script(prompts_copy, "carer")


def test_an_unknown_placeholder_is_refused(prompts_copy: Path) -> None:
    script = prompts_copy / "scripts" / "carer.yaml"
    edit(script, "  opener: To start,", "  opener: Hello {name}. To start,")
    with pytest.raises(ContentError, match=r"line \d+.*'\{name\}' is not a placeholder"):
        load_script(prompts_copy, "carer")


def test_a_reflection_without_the_persons_words_is_refused(prompts_copy: Path) -> None:
    script = prompts_copy / "scripts" / "adult.yaml"
    edit(script, '"{words}" Have I got that right?', "Have I got that right?")
    with pytest.raises(ContentError, match=r"must show the person's words"):
        load_script(prompts_copy, "adult")


def test_a_not_shared_wording_for_a_message_the_script_lacks_is_refused(
    prompts_copy: Path,
) -> None:
    script = prompts_copy / "scripts" / "carer.yaml"
    edit(script, "not_shared:\n", "not_shared:\n  farewell: Goodbye.\n")
    with pytest.raises(ContentError, match=r"line \d+.*'farewell' is not one of the messages"):
        load_script(prompts_copy, "carer")


def test_a_missing_framework_is_a_content_error(prompts_dir: Path) -> None:
    with pytest.raises(ContentError, match="no conversation script for 'martian'"):
        load_script(prompts_dir, "martian")
