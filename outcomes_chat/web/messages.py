"""How the records' rule errors are worded for people."""

from __future__ import annotations

from flask_babel import gettext as _

from ..outcomes import errors


def rule_message(error: errors.RuleError) -> str:
    """A plain sentence for a refused change."""
    messages = {
        errors.DuplicateUsername.code: _("That username is already taken."),
        errors.UnknownUser.code: _("There is no account with that username."),
        errors.WeakPassword.code: _("That password is too short or too long."),
        errors.DuplicateCaseReference.code: _("Another person already has that case reference."),
        errors.AlreadyInTeam.code: _("That practitioner is already in the team."),
        errors.LeadMustBeLeadProfessional.code: _(
            "Only an account with the lead professional role can be the lead."
        ),
        errors.CannotRemoveLead.code: _(
            "Choose another lead professional before removing this one."
        ),
        errors.InactiveUser.code: _("That account is deactivated."),
        errors.ConversationFinished.code: _(
            "This conversation has finished. It can be read, but not handed over or carried on."
        ),
        errors.WatchingOnly.code: _(
            'You are watching this conversation. Choose "Take part" first to answer in it.'
        ),
    }
    return messages.get(error.code, _("That change is not allowed."))
