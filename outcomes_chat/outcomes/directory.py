"""The local directory: services the review page may suggest beside an outcome.

The directory is a data file an admin can replace (prompts/directory/sample.yaml is the demo's);
it is checked against prompts/schema/directory.schema.json before any of it is used. Matching
is rapidfuzz over each service's keywords and the outcome's words. Pure functions and one small
cache, no Flask: the web layer decides where the file is and what to do with a suggestion.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from ..dialogue.content import ContentError, content_error_at, load_document
from .models import Agency

log = logging.getLogger(__name__)

SCHEMA = "directory"
MOST_SUGGESTIONS = 3
# A keyword is heard when a run of the outcome's words is this close to it (rapidfuzz ratio,
# 0-100): one slip in a longer word passes, a different word does not ("son" is not "soon").
HEARD_AT = 88
# A keyword also matches words that begin with it ("carer" in "carers"), if it is this long.
PREFIX_AT_LEAST = 4
PREFIX_SCORE = 92
# Each further keyword heard lifts a service above one that matched a single word as well; so
# does a keyword in the outcome's area (e.g. "Money"), which alone never suggests a service.
EACH_FURTHER_KEYWORD = 4.0


@dataclass(frozen=True)
class Contact:
    """How to reach a service: at least one of phone, email and web address."""

    phone: str | None = None
    email: str | None = None
    web: str | None = None

    def ways(self) -> list[str]:
        """Every way given, phone first."""
        return [way for way in (self.phone, self.email, self.web) if way]


@dataclass(frozen=True)
class Entry:
    """One local service, as the directory file describes it."""

    id: str
    name: str
    offers: str
    for_whom: str
    contact: Contact
    opening_times: str
    languages: tuple[str, ...]
    keywords: tuple[str, ...]
    agency: Agency = Agency.VOLUNTARY
    # Each keyword ready to compare: its words as matched, and how many words it has.
    prepared: tuple[tuple[str, str, int], ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        """Build an entry from one checked item of the file's `services` list."""
        keywords = tuple(data["keywords"])
        prepared = tuple(
            (keyword, words, len(words.split()))
            for keyword in keywords
            if (words := default_process(keyword))
        )
        contact = data["contact"]
        return cls(
            id=data["id"],
            name=data["name"].strip(),
            offers=data["offers"].strip(),
            for_whom=data["for_whom"].strip(),
            contact=Contact(contact.get("phone"), contact.get("email"), contact.get("web")),
            opening_times=data["opening_times"].strip(),
            languages=tuple(data["languages"]),
            keywords=keywords,
            agency=Agency(data.get("agency", Agency.VOLUNTARY.value)),
            prepared=prepared,
        )


@dataclass(frozen=True)
class Directory:
    """The services in one directory file, in the file's order."""

    source: str
    entries: tuple[Entry, ...]
    area: str | None = None

    def get(self, entry_id: str) -> Entry | None:
        """The service with this id, or None if the directory has no such service."""
        return next((entry for entry in self.entries if entry.id == entry_id), None)

    def __len__(self) -> int:
        return len(self.entries)


EMPTY = Directory(source="", entries=())


@dataclass(frozen=True)
class Suggestion:
    """A service that may help with an outcome, and the keywords that were heard."""

    entry: Entry
    score: float
    heard: tuple[str, ...]


def load_directory(path: Path) -> Directory:
    """Read and check a directory file; ContentError names the file, line and entry."""
    path = Path(path)
    data = load_document(path, SCHEMA)
    first_with: dict[str, int] = {}
    for index, item in enumerate(data["services"]):
        earlier = first_with.setdefault(item["id"], index)
        if earlier != index:
            problem = (
                f"the id '{item['id']}' is already used by service {earlier + 1}; "
                f"each service needs its own id (this is service {index + 1})."
            )
            raise content_error_at(path, ["services", index, "id"], problem, SCHEMA)
    entries = tuple(Entry.from_dict(item) for item in data["services"])
    return Directory(source=path.as_posix(), entries=entries, area=data.get("area"))


# -------------------------------------------------------------------------------- matching


def _runs(text: str, longest: int) -> dict[int, list[str]]:
    """Every run of 1..longest consecutive words in the text, as matched."""
    words = default_process(text).split()
    return {
        size: [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
        for size in range(1, longest + 1)
    }


def _score(keyword: str, size: int, runs: Mapping[int, list[str]]) -> float:
    """How closely some run of words matches one keyword (0-100)."""
    choices = runs.get(size) or []
    if not choices:
        return 0.0
    best = process.extractOne(keyword, choices, scorer=fuzz.ratio, processor=None)
    score = best[1] if best else 0.0
    if (
        score < PREFIX_SCORE
        and len(keyword) >= PREFIX_AT_LEAST
        and any(run.startswith(keyword) for run in choices)
    ):
        score = PREFIX_SCORE
    return float(score)


def suggest(
    directory: Directory,
    said: Iterable[str | None],
    labels: Iterable[str] = (),
    limit: int = MOST_SUGGESTIONS,
) -> list[Suggestion]:
    """The services whose keywords are heard in what was said, best first (a keyword in the
    outcome's area labels lifts one); none when nothing said is close enough."""
    longest = max((size for e in directory.entries for _, _, size in e.prepared), default=1)
    said_runs = _runs(" . ".join(text for text in said if text), longest)
    label_runs = _runs(" . ".join(labels), longest)
    found: list[tuple[float, int, Suggestion]] = []
    for position, entry in enumerate(directory.entries):
        heard: list[tuple[float, str]] = []
        in_area = 0
        for keyword, words, size in entry.prepared:
            score = _score(words, size, said_runs)
            if score >= HEARD_AT:
                heard.append((score, keyword))
            elif _score(words, size, label_runs) >= HEARD_AT:
                in_area += 1
        if heard:
            heard.sort(key=lambda pair: -pair[0])
            total = heard[0][0] + EACH_FURTHER_KEYWORD * (len(heard) - 1 + in_area)
            suggestion = Suggestion(entry, total, tuple(keyword for _, keyword in heard))
            found.append((-total, position, suggestion))
    found.sort(key=lambda item: item[:2])
    return [suggestion for *_, suggestion in found[:limit]]


# ----------------------------------------------------------------------------------- cache


class DirectoryCache:
    """The directory in use: read on first use and again whenever its file changes. A changed
    file that fails its checks is refused whole and logged; the directory in use stays."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._directory = EMPTY
        # The file's (mtime, size, inode) when last read; None while it cannot be found.
        self._seen: tuple[int, int, int] | str | None = "never read"
        self._lock = threading.Lock()

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return (found.st_mtime_ns, found.st_size, found.st_ino)

    def current(self) -> Directory:
        """The directory in use, after reading the file again if it changed."""
        signature = self._signature()
        if signature is not None and signature == self._seen:
            return self._directory
        with self._lock:
            if signature == self._seen:
                return self._directory
            self._seen = signature
            try:
                loaded = load_directory(self.path)
            except ContentError as error:
                kept = f"{len(self._directory)} services" if self._directory.entries else "none"
                log.error("The local directory was not changed: %s (still in use: %s)", error, kept)
                return self._directory
            self._directory = loaded
            log.info("Loaded the local directory %s: %d services", loaded.source, len(loaded))
            return loaded
