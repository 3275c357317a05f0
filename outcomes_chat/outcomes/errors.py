"""Rule violations raised by the services; the web and CLI layers word them for people."""

from __future__ import annotations


class RuleError(Exception):
    """A request that the records' rules refuse; nothing was changed."""

    code = "rule"

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
    """A finished conversation takes no more answers; it can still be read."""

    code = "finished"
