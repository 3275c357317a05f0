"""WTForms forms; every label and message goes through Babel."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from ..i18n import LOCALES
from ..outcomes.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ..outcomes.models import ActionStatus, Agency, AssessmentStatus, PersonKind, PlanStage, Role
from ..outcomes.review import MAX_TEXT_LENGTH

AGENCY_LABELS = {
    Agency.HEALTH: _l("Health"),
    Agency.SOCIAL_WORK: _l("Social work"),
    Agency.EDUCATION: _l("Education"),
    Agency.VOLUNTARY: _l("Voluntary sector"),
    Agency.OTHER: _l("Other"),
}
ROLE_LABELS = {
    Role.PRACTITIONER: _l("Practitioner"),
    Role.LEAD_PROFESSIONAL: _l("Lead professional"),
    Role.ADMIN: _l("Administrator"),
}
KIND_LABELS = {
    PersonKind.CARER: _l("Carer"),
    PersonKind.SERVICE_USER: _l("Person who uses services"),
}

# Where a plan is (outcomes.review.review_state), in the team's words.
PLAN_STATE_LABELS = {
    PlanStage.IN_CONVERSATION.value: _l("In conversation"),
    PlanStage.AWAITING_REVIEW.value: _l("Waiting for the team's review"),
    PlanStage.AGREED.value: _l("Agreed"),
    "review_due": _l("Review due soon"),
    "overdue": _l("Review overdue"),
}

STATUS_LABELS = {
    AssessmentStatus.IN_PROGRESS: _l("In progress"),
    AssessmentStatus.PAUSED: _l("Paused"),
    AssessmentStatus.FINISHED: _l("Finished"),
}


def _required() -> DataRequired:
    return DataRequired(message=_l("Please fill this in."))


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Please use %(max)d characters or fewer.", max=limit))


def _password_rules() -> list[object]:
    return [
        _required(),
        Length(
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
            message=_l(
                "Use between %(min)d and %(max)d characters.",
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
            ),
        ),
    ]


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[_required(), _at_most(64)])
    password = PasswordField(_l("Password"), validators=[_required(), _at_most(256)])
    submit = SubmitField(_l("Log in"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Log out"))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class PersonForm(FlaskForm):
    # Shown in the hint in the user's own date format: a browser's date box shows that
    # format too, so an ISO example would contradict it.
    date_of_birth_example = date(1950, 3, 27)
    name = StringField(_l("Full name"), validators=[_required(), _at_most(200)])
    preferred_name = StringField(_l("Preferred name"), validators=[Optional(), _at_most(120)])
    case_reference = StringField(
        _l("Case reference"),
        validators=[
            _required(),
            _at_most(64),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9/_.-]*$",
                message=_l("Use letters, numbers and - / _ . only."),
            ),
        ],
    )
    date_of_birth = DateField(
        _l("Date of birth (optional)"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    preferred_language = SelectField(_l("Preferred language"))
    kind = SelectField(_l("This person is"))
    cares_for_name = StringField(
        _l("Who they care for (if a carer)"), validators=[Optional(), _at_most(200)]
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.preferred_language.choices = list(LOCALES.items())
        self.kind.choices = [(kind.value, label) for kind, label in KIND_LABELS.items()]


class NewPersonForm(PersonForm):
    lead = SelectField(_l("Lead professional"), coerce=int)
    lead_team_role = StringField(
        _l("Lead professional's role in the team"), validators=[_required(), _at_most(120)]
    )
    my_team_role = StringField(
        _l("Your role in the team (if you are not the lead)"),
        validators=[Optional(), _at_most(120)],
    )


class AddMemberForm(FlaskForm):
    user = SelectField(_l("Practitioner"), coerce=int)
    team_role = StringField(_l("Role in the team"), validators=[_required(), _at_most(120)])
    submit = SubmitField(_l("Add to team"))


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            _required(),
            _at_most(64),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, numbers and . _ - only.")),
        ],
    )
    display_name = StringField(_l("Name shown to others"), validators=[_required(), _at_most(120)])
    role = SelectField(_l("Role"))
    agency = SelectField(_l("Agency"))
    password = PasswordField(_l("Password"), validators=_password_rules())
    confirm = PasswordField(
        _l("Password again"),
        validators=[EqualTo("password", message=_l("The two passwords do not match."))],
    )
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [(role.value, label) for role, label in ROLE_LABELS.items()]
        self.agency.choices = [(agency.value, label) for agency, label in AGENCY_LABELS.items()]


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=_password_rules())
    confirm = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two passwords do not match."))],
    )
    submit = SubmitField(_l("Set password"))


FRAMEWORK_LABELS = {
    "carer": _l("Carer: a conversation with an unpaid carer"),
    "adult": _l("Adult: a conversation with an adult who uses services"),
}


class StartConversationForm(FlaskForm):
    framework = SelectField(_l("Kind of conversation"))
    language = SelectField(_l("Language"))
    consent_record = BooleanField(_l("They agree that what they say is saved"))
    consent_share = BooleanField(_l("They agree that it is shared with the team around them"))
    consent_export = BooleanField(_l("They agree that it is copied to their case file"))
    submit = SubmitField(_l("Start the conversation"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.framework.choices = list(FRAMEWORK_LABELS.items())
        self.language.choices = list(LOCALES.items())

    def validate_consent_record(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError(
                _l("A conversation can only be saved when the person agrees to it being saved.")
            )


class StartReviewForm(FlaskForm):
    """A review conversation: the framework is the agreed plan's; consent is asked again."""

    language = SelectField(_l("Language"))
    consent_record = BooleanField(_l("They agree that what they say is saved"))
    consent_share = BooleanField(_l("They agree that it is shared with the team around them"))
    consent_export = BooleanField(_l("They agree that it is copied to their case file"))
    submit = SubmitField(_l("Start the review conversation"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = list(LOCALES.items())

    def validate_consent_record(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError(
                _l("A conversation can only be saved when the person agrees to it being saved.")
            )


class HandoverForm(FlaskForm):
    pin = PasswordField(
        _l("A PIN to unlock (optional; otherwise use your password)"),
        validators=[
            Optional(),
            Regexp(r"^\d{4,8}$", message=_l("Use 4 to 8 digits.")),
        ],
    )
    submit = SubmitField(_l("Hand over the tablet"))


class UnlockForm(FlaskForm):
    secret = PasswordField(
        _l("Your password or PIN"), validators=[_required(), _at_most(MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Unlock"))


# ---------------------------------------------------------------- review together

ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: _l("Not started"),
    ActionStatus.IN_PROGRESS: _l("Under way"),
    ActionStatus.DONE: _l("Done"),
    ActionStatus.DROPPED: _l("No longer needed"),
}
REVIEW_TEXT_LIMIT = MAX_TEXT_LENGTH


class _BasedOn(FlaskForm):
    """Every change says which revision it was made on, so a stale one can be refused."""

    based_on = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class OutcomeNotesForm(_BasedOn):
    note = TextAreaField(
        _l("Note or rewording"), validators=[Optional(), _at_most(REVIEW_TEXT_LIMIT)]
    )
    person_view = TextAreaField(
        _l("The person's view, if they see it differently"),
        validators=[Optional(), _at_most(REVIEW_TEXT_LIMIT)],
    )
    practitioner_view = TextAreaField(
        _l("A practitioner's view, if different"),
        validators=[Optional(), _at_most(REVIEW_TEXT_LIMIT)],
    )
    impact = SelectField(_l("Impact of caring (eligibility)"), validators=[Optional()])
    achieved = SelectField(_l("Since the last plan, was it achieved?"), validators=[Optional()])
    submit = SubmitField(_l("Save notes"))


class ActionForm(FlaskForm):
    what = TextAreaField(
        _l("What will be done"), validators=[_required(), _at_most(REVIEW_TEXT_LIMIT)]
    )
    who = StringField(_l("Who will do it"), validators=[_required(), _at_most(200)])
    agency = SelectField(_l("Agency"))
    due = DateField(_l("By when (optional)"), validators=[Optional()], format="%Y-%m-%d")
    status = SelectField(_l("Status"))
    based_on = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save action"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.agency.choices = [(agency.value, label) for agency, label in AGENCY_LABELS.items()]
        self.status.choices = [(s.value, label) for s, label in ACTION_STATUS_LABELS.items()]


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Comment"), validators=[_required(), _at_most(REVIEW_TEXT_LIMIT)])
    outcome_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    plan_part = StringField(widget=HiddenInput(), validators=[Optional(), _at_most(40)])
    submit = SubmitField(_l("Add comment"))


class RaiseOutcomeForm(FlaskForm):
    words = TextAreaField(
        _l("What matters, as it was said in the meeting"),
        validators=[_required(), _at_most(REVIEW_TEXT_LIMIT)],
    )
    domain = SelectField(_l("Area of life"), validators=[_required()])
    submit = SubmitField(_l("Add outcome"))


class MergeForm(_BasedOn):
    keep_id = SelectField(_l("It says the same as"), coerce=int)
    submit = SubmitField(_l("Merge"))


class RemoveForm(_BasedOn):
    submit = SubmitField(_l("Remove"))


class SignOffForm(FlaskForm):
    review_date = DateField(
        _l("Review date"),
        validators=[InputRequired(message=_l("Please choose a review date."))],
        format="%Y-%m-%d",
    )
    # Asked only while safety flags are open (outcomes.review.sign_off checks it).
    flags_seen = BooleanField(
        _l("I have seen the open safety concerns and they are being dealt with")
    )
    # The ids of the open flags the lead was shown, comma-separated: one raised since is not
    # covered by the tick.
    flags_shown = StringField(widget=HiddenInput(), validators=[Optional(), _at_most(2000)])
    # The plan as the lead saw it (outcomes.review.plan_fingerprint).
    seen = StringField(widget=HiddenInput(), validators=[InputRequired(), _at_most(80)])
    submit = SubmitField(_l("Sign off the plan"))


# How it is going, as the person chose it (domain.md: "How is it going now").
RATING_LABELS = {
    "met": _l("Going well"),
    "partly_met": _l("Partly"),
    "not_met": _l("Not at all"),
    "unknown": _l("Not sure"),
}
REVISION_CHANGE_LABELS = {
    "conversation": _l("Said in the conversation"),
    "said": _l("Changed by the person in the conversation"),
    "raised": _l("Raised in the meeting"),
    "edited": _l("Edited in review"),
    "removed": _l("Removed in review"),
    "restored": _l("Brought back in review"),
    "merged": _l("Merged into another outcome"),
    "merged_in": _l("Another outcome was merged into this one"),
    "added": _l("Added"),
    "moved": _l("Moved to another outcome"),
    "carried_over": _l("Carried over from the last plan"),
}
FIELD_LABELS = {
    "words": _l("words"),
    "domains": _l("area of life"),
    "source_turn": _l("where it was said"),
    "rating": _l("how it is going"),
    "rating_words": _l("words about how it is going"),
    "wish": _l("what would be different"),
    "helps": _l("what helps"),
    "barriers": _l("what gets in the way"),
    "who_could_help": _l("who could help"),
    "removed": _l("removed by the person"),
    "note": _l("note"),
    "person_view": _l("the person's view"),
    "practitioner_view": _l("a practitioner's view"),
    "impact": _l("impact"),
    "removed_in_review": _l("removed in review"),
    "merged_into_id": _l("merged"),
    "outcome_id": _l("outcome"),
    "what": _l("what"),
    "who": _l("who"),
    "agency": _l("agency"),
    "due": _l("due date"),
    "status": _l("status"),
    "review_of_id": _l("the outcome it looks back on"),
    "previous_rating": _l("how it was going when agreed"),
    "update": _l("what the person says about it now"),
    "achieved": _l("achieved or not"),
}
ACHIEVED_LABELS = {
    "achieved": _l("Achieved"),
    "partly": _l("Partly achieved"),
    "not_achieved": _l("Not achieved"),
}


class ClearFlagForm(FlaskForm):
    """What was done about a safety flag; recording it clears the flag."""

    what_was_done = TextAreaField(
        _l("What was done"), validators=[_required(), _at_most(MAX_TEXT_LENGTH)]
    )
    submit = SubmitField(_l("Record and clear the flag"))
