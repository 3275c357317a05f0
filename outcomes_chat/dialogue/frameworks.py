"""Outcome frameworks: the domains a service files outcomes under, loaded from prompts/."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from outcomes_chat.dialogue.content import ContentError, load_document


@dataclass(frozen=True)
class Domain:
    """One outcome domain, e.g. finance ("Money")."""

    id: str
    group: str
    label: str
    description: str
    everyday: str = ""  # the domain in everyday words, for the person; the label when unset

    @property
    def plain_label(self) -> str:
        """What the person sees on a button: everyday words where the framework gives them."""
        return self.everyday or self.label


@dataclass(frozen=True)
class Level:
    """One level a team can set, e.g. the impact of caring ("Substantial impact")."""

    id: str
    label: str


@dataclass(frozen=True)
class PlanPart:
    """Something a plan must cover before sign-off, and what in the record covers it.

    Besides what `covered_by` names, a team comment recorded against the part covers it.
    """

    id: str
    label: str
    domains: tuple[str, ...] = ()  # an outcome in one of these domains
    impact: bool = False  # an impact level set on an outcome
    outcomes: bool = False  # any outcome
    actions: bool = False  # any action
    review_date: bool = False  # the review date, set at sign-off


@dataclass(frozen=True)
class Framework:
    """A named, ordered set of domains, and what a plan under it must hold."""

    id: str
    label: str
    domains: tuple[Domain, ...]
    impact_levels: tuple[Level, ...] = ()
    plan_parts: tuple[PlanPart, ...] = ()

    @property
    def domain_ids(self) -> tuple[str, ...]:
        """The domain ids in framework order."""
        return tuple(domain.id for domain in self.domains)

    def domain(self, domain_id: str) -> Domain:
        """The domain with this id (KeyError when the framework has none)."""
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)


def load_framework(prompts_dir: Path, framework_id: str) -> Framework:
    """Load prompts/frameworks/<framework_id>.yaml (cached per directory and id)."""
    return _load_framework(Path(prompts_dir).resolve(), framework_id)


@lru_cache(maxsize=16)
def _load_framework(prompts_dir: Path, framework_id: str) -> Framework:
    path = prompts_dir / "frameworks" / f"{framework_id}.yaml"
    if not path.is_file():
        raise ContentError(f"There is no framework called '{framework_id}' ({path} is missing).")
    data = load_document(path, "framework")
    if data["id"] != framework_id:
        raise ContentError(
            f"prompts/frameworks/{framework_id}.yaml: its id is '{data['id']}', "
            f"but the file name says '{framework_id}'."
        )
    domains = tuple(Domain(**entry) for entry in data["domains"])
    _refuse_repeated_ids(path, [domain.id for domain in domains])
    parts = tuple(_plan_part(entry) for entry in data.get("plan_parts", []))
    _refuse_unknown_domains(path, parts, {domain.id for domain in domains})
    return Framework(
        id=data["id"],
        label=data["label"],
        domains=domains,
        impact_levels=tuple(Level(**entry) for entry in data.get("impact_levels", [])),
        plan_parts=parts,
    )


def _plan_part(entry: dict[str, Any]) -> PlanPart:
    covered_by = dict(entry["covered_by"])
    covered_by["domains"] = tuple(covered_by.get("domains", ()))
    return PlanPart(id=entry["id"], label=entry["label"], **covered_by)


def _refuse_unknown_domains(path: Path, parts: tuple[PlanPart, ...], known: set[str]) -> None:
    """A plan part covered by a domain the framework does not have could never be covered."""
    for part in parts:
        unknown = sorted(set(part.domains) - known)
        if unknown:
            raise ContentError(
                f"{path.name}: plan part '{part.id}' names the domain '{unknown[0]}', "
                "which this framework does not have."
            )


def _refuse_repeated_ids(path: Path, ids: list[str]) -> None:
    """A domain id must be unique: outcomes are filed by it."""
    repeated = sorted({domain_id for domain_id in ids if ids.count(domain_id) > 1})
    if repeated:
        raise ContentError(f"{path.name}: the domain id '{repeated[0]}' is used more than once.")
