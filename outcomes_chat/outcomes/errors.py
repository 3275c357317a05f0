"""Rule violations raised by the services; the web and CLI layers word them for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ConversationTurn


class RuleError(Exception):
    """A request that the records' rules refuse; nothing was changed."""

    code = "rule"
    # The form field the refusal is about, when it is about one (shown beside it).
    field: str | None = None

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class DuplicateUsername(RuleError):
    code = "duplicate_username"


class UnknownUser(RuleError):
    code = "unknown_user"


class WeakPassword(RuleError):
    code = "weak_password"


class DuplicateCaseReference(RuleError):
    code = "duplicate_case_reference"


class AlreadyInTeam(RuleError):
    code = "already_in_team"


class LeadMustBeLeadProfessional(RuleError):
    code = "lead_must_be_lead_professional"


class CannotRemoveLead(RuleError):
    code = "cannot_remove_lead"


class InactiveUser(RuleError):
    code = "inactive_user"


class ConversationFinished(RuleError):
    """A finished conversation takes no more answers, hand-overs or links; it can be read."""

    code = "finished"


class WatchingOnly(RuleError):
    """A team member who did not start the conversation watches it until they choose to take
    part: until then they send no answers and do not hand the tablet over."""

    code = "watching"


class StaleAnswer(RuleError):
    """An answer sent against an older turn than the latest: the person has not seen what came
    since, so it is not applied; `missed` holds those turns, to show before answering again."""

    code = "stale"

    def __init__(self, last_seq: int, missed: Sequence[ConversationTurn]) -> None:
        super().__init__(f"the latest seq is {last_seq}")
        self.last_seq = last_seq
        self.missed = missed


class SeqBeyondLatest(RuleError):
    """A sequence number the conversation has not reached: the client's idea of it is wrong."""

    code = "bad_request"

    def __init__(self, last_seq: int, asked: int) -> None:
        super().__init__(f"seq {asked} asked for; the latest seq is {last_seq}")
        self.last_seq = last_seq
        self.asked = asked


class EmptyAnswer(RuleError):
    """Text with nothing in it but white space is not an answer."""

    code = "empty"


class ButtonNotOffered(RuleError):
    """A button value the latest turn did not offer."""

    code = "not_offered"


class NotInTeam(RuleError):
    """Only members of the person's team (with the person's consent to share) may do this."""

    code = "forbidden"


class NotLeadProfessional(RuleError):
    """Only the person's lead professional signs a plan off."""

    code = "not_lead"


class UnknownRecord(RuleError):
    """An outcome, action, flag or plan part that this assessment does not have."""

    code = "unknown"


class BadValue(RuleError):
    """A field this change cannot set, a value outside its list, or text that is too long."""

    code = "bad_value"


class StaleRevision(RuleError):
    """A change based on an older revision than the current one: someone changed it first.

    Nothing is applied; `current` is the record as it is now, to show beside the refused change.
    """

    code = "stale_revision"

    def __init__(self, revision: int, current: dict[str, object]) -> None:
        super().__init__(f"the current revision is {revision}")
        self.revision = revision
        self.current = current


class ChangedFirst(RuleError):
    """Someone else's change was saved between reading and saving this one: nothing saved."""

    code = "stale_revision"


class PlanAgreed(RuleError):
    """The agreed version is frozen: start a new version to change it."""

    code = "agreed"


class WrongStage(RuleError):
    """The plan is not at the stage this step needs (e.g. signing off mid-conversation)."""

    code = "wrong_stage"


class BadReviewDate(RuleError):
    """A review date must be after today and within the next two years."""

    code = "bad_review_date"
    field = "review_date"


class FlagsNotSeen(RuleError):
    """A plan with safety flags still open is signed off only once the lead says they have
    seen them and they are being dealt with."""

    code = "flags_not_seen"
    field = "flags_seen"


class PastDueDate(RuleError):
    """A new action, or a changed due date, may not be due before today."""

    code = "past_due_date"
    field = "due"


class ExportRefused(RuleError):
    """An assessment that may not, or cannot, be exported as asked; nothing was written."""

    code = "export_refused"


class NoExportConsent(ExportRefused):
    """The person did not agree to their plan being copied to their case file."""

    code = "no_export_consent"


class NotSignedOff(ExportRefused):
    """The plan was never agreed, and no other version was asked for."""

    code = "not_signed_off"


class UnknownVersion(ExportRefused):
    """The version asked for is not one this plan has had."""

    code = "unknown_version"


class ImportRefused(RuleError):
    """An exported file that cannot be imported as it is; nothing was changed."""

    code = "import_refused"


class InvalidImport(ImportRefused):
    """Not an export: not JSON, or not what the export schema describes (`detail` names the
    field and what is wrong with it)."""

    code = "invalid_import"


class UnsupportedSchemaVersion(ImportRefused):
    """A file of an export schema version this instance cannot read (another major version,
    or a newer minor one)."""

    code = "unsupported_schema_version"


class UnknownFramework(ImportRefused):
    """The plan was made with a framework this instance does not have."""

    code = "unknown_framework"


class DuplicateImport(ImportRefused):
    """This instance already holds that plan version: the same person, framework, version and
    sign-off time."""

    code = "duplicate_import"


class PersonClash(ImportRefused):
    """A person here has the file's case reference but another name or kind: importing would
    merge two people."""

    code = "person_clash"
