"""The chat page as a carer and a practitioner use it on a tablet, in a real Chromium.

Every test drives `outcomes-chat serve` in a subprocess through the pages and the /chat
socket, exactly as a person would: taps on the quick replies, typing, Enter, Tab.
Screenshots land in test-artifacts/ at the repository root.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Callable, Iterator

import pytest

from .conftest import PIN, TABLET, TABLET_LANDSCAPE, LiveServer, Tablet, unavailable_reason

_reason = unavailable_reason()
if _reason:
    pytest.skip(_reason, allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    Dialog,
    Page,
    Response,
    WebSocket,
    WebSocketRoute,
    expect,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]
expect.set_options(timeout=15_000)

OPENING = (
    "Honestly just getting a full night's sleep. Tom's up three or four times a night and "
    "I'm shattered. And I miss my choir."
)
SLEEP = (
    "Honestly just getting a full night's sleep. Tom's up three or four times a night and "
    "I'm shattered."
)
CHOIR_MENTION = "And I miss my choir."
HELPS = "My daughter has him on a Sunday afternoon and I sleep then."
BARRIERS = "He gets muddled at night and doesn't know where he is."
CHOIR_CHANGED = "Getting back to choir on Tuesdays."
ANYTHING_ELSE = "Is there anything else that matters to you?"
# "How are things with this now?" after a problem, "How is this going now?" after a wish.
RATING = " now?"
SUMMARY_OUTRO = "You can change or take out any of it."
MIN_TARGET = 44
TYPED_ACK = re.compile(r'^43/chat,\d+\[.*"said": ?\{"text"', re.DOTALL)


# -- helpers ---------------------------------------------------------------------------------


def person_lines(page: Page) -> list[str]:
    return [words.strip() for words in page.locator(".line-person .words").all_inner_texts()]


def last_assistant(page: Page) -> str:
    return page.locator(".line-assistant .words").last.inner_text()


@contextlib.contextmanager
def database_held(server: LiveServer) -> Iterator[None]:
    """Another writer holds the server's database until the block ends."""
    holder = sqlite3.connect(server.database, isolation_level=None, timeout=10)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def wait_until_saved(page: Page, count: int) -> None:
    """Wait until `count` answers are acknowledged and nothing is waiting to be sent."""
    expect(page.locator(".line-person[data-saved=yes]")).to_have_count(count)
    expect(page.locator(".line-person[data-saved=no]")).to_have_count(0)


class Carer:
    """The person with the tablet: taps quick replies, types answers, counts what is saved."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.saved = 0

    def wait_for_question(self, text: str) -> None:
        expect(self.page.locator(".line-assistant .words").last).to_contain_text(text)

    def to_the_opener(self) -> None:
        """Start, agree, and wait for "what matters most"."""
        self.tap("Start")
        self.tap("Yes, that's OK")
        self.wait_for_question("what matters most to you at the moment?")

    def tap(self, label: str, *, exact: bool = True) -> None:
        """Tap a quick reply, as a finger does."""
        self.page.locator("#choices").get_by_role("button", name=label, exact=exact).tap()
        self._sent()

    def control(self, label: str) -> None:
        self.page.locator("#controls").get_by_role("button", name=label, exact=True).tap()
        self._sent()

    def skip(self) -> None:
        """Tap Skip where the page shows it: among the question's buttons when it offers one
        (the tool bar then has none, so Skip is never shown twice), else in the tool bar."""
        offered = self.page.locator("#choices").get_by_role("button", name="Skip", exact=True)
        if offered.count():
            offered.tap()
            self._sent()
        else:
            self.control("Skip")

    def type(self, text: str, *, enter: bool = True) -> None:
        """Type an answer key by key and send it with Enter (or tap Send)."""
        box = self.page.get_by_label("Your answer")
        if enter:
            box.press_sequentially(text)
            box.press("Enter")
        else:
            box.fill(text)
            self.page.get_by_role("button", name="Send", exact=True).tap()
        self._sent()

    def _sent(self) -> None:
        self.saved += 1
        wait_until_saved(self.page, self.saved)


def axe_clean(page: Page, name: str) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"axe on {name}:\n{results.generate_report()}"


def small_targets(page: Page, scope: str = "body") -> list[str]:
    """Every visible button, link and form field under `scope` smaller than 44 x 44 CSS px."""
    return page.evaluate(
        """([scope, minimum]) => {
          const small = [];
          for (const el of document.querySelectorAll(
              scope + " :is(a[href], button, input:not([type=hidden]), select, textarea)")) {
            const box = el.getBoundingClientRect();
            const style = getComputedStyle(el);
            if (!box.width || !box.height || style.visibility === "hidden") continue;
            if (el.classList.contains("skip-link")) continue;   // off screen until focused
            if (box.width < minimum || box.height < minimum) {
              const name = (el.innerText || el.name || el.id).trim();
              small.push(`${el.tagName.toLowerCase()} "${name}"`
                         + ` ${Math.round(box.width)}x${Math.round(box.height)}`);
            }
          }
          return small;
        }""",
        [scope, MIN_TARGET],
    )


def begin_handover(tablet: Tablet) -> int:
    """Practitioner: Margaret's page, a new carer conversation, the tablet handed over."""
    tablet.open_person()
    assessment_id = tablet.start_conversation()
    tablet.hand_over()
    expect(tablet.page.locator("#connection")).to_have_attribute("data-state", "connected")
    return assessment_id


def turns(server: LiveServer, assessment_id: int) -> list[tuple[int, str | None, str | None]]:
    return [
        (seq, text, button)
        for seq, text, button in server.query(
            "SELECT seq, said_text, said_button FROM conversation_turns "
            "WHERE assessment_id = ? ORDER BY seq",
            assessment_id,
        )
    ]


# -- 1. a whole conversation -----------------------------------------------------------------


def test_a_whole_carer_conversation_on_the_tablet(tablet: Tablet, server: LiveServer) -> None:
    page = tablet.page
    person_id = tablet.open_person()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Margaret Wilson")
    assessment_id = tablet.start_conversation()
    expect(page.get_by_role("heading", name="For the practitioner")).to_be_visible()
    tablet.hand_over()

    # Locked: the practitioner's tools are gone, and every other page leads back to the chat.
    expect(page.get_by_role("heading", name="For the practitioner")).to_have_count(0)
    chat_url = f"{server.url}/conversations/{assessment_id}"
    for elsewhere in ("/", f"/persons/{person_id}", "/admin/users"):
        tablet.goto(elsewhere)
        assert page.url == chat_url, elsewhere
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")

    carer = Carer(page)
    carer.wait_for_question("This is a conversation about what matters to you")
    expect(page.locator("#progress")).to_have_text("")  # no "Topic 0 of 10" before topic 1
    tablet.screenshot("conversation-01-welcome")
    carer.tap("Start")
    carer.wait_for_question("Is that OK?")
    carer.tap("Yes, that's OK")
    carer.wait_for_question("what matters most to you at the moment?")

    # Their own words, typed, come back verbatim.
    carer.type(OPENING)
    assert person_lines(page)[-1] == OPENING
    reflection = last_assistant(page)
    assert f'"{SLEEP}"' in reflection
    assert CHOIR_MENTION not in reflection
    assert "Have I got that right?" in reflection
    tablet.screenshot("conversation-02-reflection")
    carer.tap("Yes")
    carer.wait_for_question(RATING)
    expect(page.locator("#progress")).to_have_text(re.compile(r"^Topic 1 of \d+$"))

    carer.tap("Not at all")
    carer.wait_for_question("something that helps")
    carer.type(HELPS, enter=False)
    carer.wait_for_question("anything that gets in the way?")
    carer.type("why do you ask that")
    assert last_assistant(page).startswith("Knowing what gets in the way helps the team")
    assert last_assistant(page).endswith("anything that gets in the way?")
    carer.type(BARRIERS)
    carer.wait_for_question("anyone who could help")
    carer.tap("Skip")

    # The choir, said earlier, is remembered when its topic comes.
    carer.wait_for_question(f'Earlier you said: "{CHOIR_MENTION}"')
    expect(page.locator("#progress")).to_have_text(re.compile(r"^Topic 2 of \d+$"))
    carer.tap("Yes, that's it")
    carer.wait_for_question(RATING)
    carer.tap("Partly")
    carer.wait_for_question("What would you like to be different?")
    carer.tap("Move on")  # the rest of the follow-ups, as a group

    # Every later topic is skipped with Skip: no safety cue on this path.
    for _ in range(20):
        if ANYTHING_ELSE in last_assistant(page):
            break
        assert page.get_by_role("button", name="Skip", exact=True).count() == 1
        carer.skip()
    else:
        pytest.fail(f"never reached 'anything else'; last: {last_assistant(page)!r}")
    carer.tap("No, that's all")

    carer.wait_for_question(SUMMARY_OUTRO)
    summary = page.locator(".line-assistant.kind-summary .words").last.inner_text()
    assert f'1. "{SLEEP}"' in summary and f'2. "{CHOIR_MENTION}"' in summary
    tablet.screenshot("conversation-03-summary")

    carer.tap("Change one")
    carer.wait_for_question("Which one would you like to change?")
    carer.tap("2. And I miss my choir.")
    carer.type(CHOIR_CHANGED)
    carer.wait_for_question(SUMMARY_OUTRO)
    summary = page.locator(".line-assistant.kind-summary .words").last.inner_text()
    assert f'2. "{CHOIR_CHANGED}"' in summary and CHOIR_MENTION not in summary
    carer.tap("That's right")
    carer.wait_for_question("Your lead professional will look at it")
    expect(page.get_by_label("Your answer")).to_be_hidden()

    # Everything the person sent is marked saved, and the server has each answer once.
    marks = page.locator(".line-person .saved-mark").all_inner_texts()
    assert marks and set(marks) == {"Saved"}
    stored = turns(server, assessment_id)
    texts = [text for _seq, text, _button in stored if text is not None]
    assert texts == [OPENING, HELPS, "why do you ask that", BARRIERS, CHOIR_CHANGED]
    assert len(stored) == carer.saved + 1  # the opening, then one per answer
    assert [seq for seq, *_ in stored] == list(range(1, len(stored) + 1))
    outcomes = server.query(
        "SELECT words, rating, helps, barriers FROM recorded_outcomes "
        "WHERE assessment_id = ? AND NOT removed ORDER BY id",
        assessment_id,
    )
    assert outcomes == [
        (SLEEP, "not_met", HELPS, BARRIERS),
        (CHOIR_CHANGED, "partly_met", None, None),
    ]
    tablet.screenshot("conversation-04-finished")

    # The practitioner takes the tablet back with the PIN.
    page.get_by_role("link", name="Practitioner: unlock").click()
    page.get_by_label("Your password or PIN").fill("0000")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Your password or PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"{server.url}/persons/{person_id}")
    expect(page.get_by_role("status")).to_contain_text("The tablet is unlocked.")
    expect(page.get_by_role("cell", name="Finished").first).to_be_visible()
    tablet.goto("/")
    assert page.url == f"{server.url}/"
    assert not tablet.errors, tablet.errors


# -- 2. the connection drops -----------------------------------------------------------------


def test_an_answer_typed_offline_is_kept_and_sent_once(tablet: Tablet, server: LiveServer) -> None:
    page = tablet.page
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    carer.to_the_opener()

    page.context.set_offline(True)
    connection = page.locator("#connection")
    expect(connection).to_have_attribute("data-state", "offline")
    expect(connection).to_contain_text("The connection dropped. Don't worry")
    answer = "Getting a full night's sleep, and time to see my friends."
    box = page.get_by_label("Your answer")
    box.press_sequentially(answer)
    box.press("Enter")
    pending = page.locator(".line-person").last
    expect(pending.locator(".words")).to_have_text(answer)
    expect(pending).to_have_attribute("data-saved", "no")
    expect(pending.locator(".saved-mark")).to_have_text("Not sent yet")
    page.wait_for_timeout(1500)  # still nothing sent, still kept
    expect(pending).to_have_attribute("data-saved", "no")
    assert answer not in [text for _s, text, _b in turns(server, assessment_id)]
    tablet.screenshot("offline-01-kept")

    page.context.set_offline(False)
    expect(pending).to_have_attribute("data-saved", "yes", timeout=20_000)
    expect(pending.locator(".saved-mark")).to_have_text("Saved")
    expect(connection).to_have_attribute("data-state", "connected")
    carer.wait_for_question("Have I got that right?")
    assert person_lines(page).count(answer) == 1
    tablet.screenshot("offline-02-sent")

    # Sent exactly once, and the conversation goes on from it.
    stored = [text for _s, text, _b in turns(server, assessment_id)]
    assert stored.count(answer) == 1
    carer.saved = 3
    carer.tap("Yes")
    carer.wait_for_question(RATING)
    assert not [e for e in tablet.errors if "pageerror" in e], tablet.errors


def test_an_answer_whose_acknowledgement_was_lost_is_shown_and_stored_once(
    tablet: Tablet, server: LiveServer
) -> None:
    """The server stores the answer, the ack never arrives, the connection drops: on
    reconnecting the page catches up, resends with the same client id, and shows it once."""
    page = tablet.page
    lost: list[str] = []

    def lose_the_first_answer_ack(route: WebSocketRoute) -> None:
        upstream = route.connect_to_server()

        def from_server(message: str | bytes) -> None:
            # A Socket.IO ack on /chat is "43/chat,<id>[...]": drop the first for a typed answer.
            if not lost and isinstance(message, str) and TYPED_ACK.match(message):
                lost.append(message)
                upstream.close()
                route.close()
                return
            route.send(message)

        upstream.on_message(from_server)

    page.route_web_socket(re.compile(r".*/socket\.io/.*"), lose_the_first_answer_ack)
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    carer.to_the_opener()
    answer = "Being able to get to my own doctor's appointments."
    carer.type(answer)  # waits until it is marked saved, after the reconnect
    carer.wait_for_question("Have I got that right?")

    assert lost, "the acknowledgement was never dropped: the WebSocket route did not engage"
    assert person_lines(page).count(answer) == 1
    assert [text for _s, text, _b in turns(server, assessment_id)].count(answer) == 1
    expect(page.locator(".line-assistant .words", has_text="Have I got that right?")).to_have_count(
        1
    )
    carer.tap("Yes")
    carer.wait_for_question(RATING)


# -- 3. long-polling only --------------------------------------------------------------------


def test_the_chat_works_over_long_polling_when_websocket_is_blocked(
    tablet: Tablet, server: LiveServer
) -> None:
    page = tablet.page
    refused: list[str] = []

    def refuse(route: WebSocketRoute) -> None:
        # Not connected to the server: the upgrade probe fails and Socket.IO stays on polling.
        refused.append(route.url)
        route.close()

    page.route_web_socket(re.compile(r".*/socket\.io/.*"), refuse)
    polls: list[str] = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.url)
            if "transport=polling" in request.url and request.method == "POST"
            else None
        ),
    )
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    sent_before = len(polls)
    carer.tap("Start")
    carer.tap("Yes, that's OK")
    carer.type("Time for myself on a Saturday.")
    carer.wait_for_question("Have I got that right?")
    carer.tap("Yes")
    carer.wait_for_question(RATING)
    carer.tap("Going well")

    assert refused, "the page never tried WebSocket, so the fallback was not exercised"
    assert len(polls) - sent_before >= 5, "the answers did not go over long-polling"
    stored = turns(server, assessment_id)
    assert [button or text for _s, text, button in stored[1:]] == [
        "start",
        "yes",
        "Time for myself on a Saturday.",
        "yes",
        "met",
    ]


# -- 4. accessibility, touch targets, keyboard -----------------------------------------------


def test_axe_touch_targets_and_keyboard(tablet: Tablet, server: LiveServer) -> None:
    page = tablet.page
    tablet.open_person()
    axe_clean(page, "the person page")
    assert small_targets(page) == []
    tablet.start_conversation()
    axe_clean(page, "the chat, practitioner's view")
    tablet.hand_over()
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")

    # Keyboard only: Tab reaches the quick replies and the answer box; Enter presses and sends.
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(25):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "() => { const el = document.activeElement;"
                " return (el.closest('#choices') ? 'choice:' : '') + (el.id || el.textContent); }"
            )
        )
        if reached[-1] == "choice:Start":
            break
    assert "choice:Start" in reached, reached
    page.keyboard.press("Enter")
    wait_until_saved(page, 1)
    expect(page.locator(".line-assistant .words").last).to_contain_text("Is that OK?")
    page.locator("#choices button").first.focus()
    page.keyboard.press("Space")
    wait_until_saved(page, 2)
    page.locator("body").focus()
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "answer-text":
            break
    else:
        pytest.fail("Tab never reached the answer box")
    page.keyboard.type("Keeping my own health up.")
    page.keyboard.press("Enter")
    wait_until_saved(page, 3)
    assert person_lines(page)[-1] == "Keeping my own health up."
    # Shift+Enter is a new line, not a send.
    page.keyboard.type("First line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.get_by_label("Your answer").input_value() == "First line\nsecond line"
    page.get_by_label("Your answer").fill("")

    carer = Carer(page)
    carer.saved = 3
    carer.wait_for_question("Have I got that right?")
    axe_clean(page, "the chat mid-conversation")
    assert small_targets(page) == []
    tablet.screenshot("a11y-01-chat-portrait")
    page.set_viewport_size(TABLET_LANDSCAPE)
    assert small_targets(page) == []
    tablet.screenshot("a11y-02-chat-landscape")
    page.set_viewport_size(TABLET)

    carer.tap("Yes")
    carer.tap("Partly")
    carer.type("stop")
    carer.tap("Finish now")
    carer.wait_for_question(SUMMARY_OUTRO)
    axe_clean(page, "the summary")
    assert small_targets(page) == []
    tablet.screenshot("a11y-03-summary")
    assert not tablet.errors, tablet.errors


# -- 5. text, never HTML ---------------------------------------------------------------------


def test_answers_are_shown_as_text_never_html(tablet: Tablet, server: LiveServer) -> None:
    page = tablet.page
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    carer.tap("Start")
    carer.tap("Yes, that's OK")
    attack = "<img src=x onerror=alert(1)>"
    carer.type(attack, enter=False)
    assert person_lines(page)[-1] == attack
    expect(page.locator("#transcript img")).to_have_count(0)
    expect(page.locator("#transcript *[onerror]")).to_have_count(0)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert attack in [text for _s, text, _b in turns(server, assessment_id)]


# -- 6. the hand-over locks itself -----------------------------------------------------------


def test_a_quiet_tablet_warns_then_locks_without_losing_words(
    tablet_for: Callable[[LiveServer], Tablet], quick_lock_server: LiveServer
) -> None:
    """HANDOVER_IDLE_SECONDS=25: the warning after 5 quiet seconds, the lock 20 seconds later."""
    tablet = tablet_for(quick_lock_server)
    page = tablet.page
    tablet.log_in()
    person_id = tablet.open_person()
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    carer.to_the_opener()

    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="I'm still here")).to_be_focused()
    page.get_by_role("button", name="I'm still here").tap()
    expect(warning).to_be_hidden()

    # Half an answer, then the person walks away.
    half = "Getting out to the garden centre on"
    page.get_by_label("Your answer").press_sequentially(half)
    expect(warning).to_be_visible(timeout=15_000)
    warned_at = time.monotonic()
    tablet.screenshot("idle-01-warning")
    axe_clean(page, "the idle warning")
    page.wait_for_url(f"**/conversations/{assessment_id}/unlock", timeout=40_000)
    locked_after = time.monotonic() - warned_at
    assert locked_after >= 19, f"the warning came only {locked_after:.1f} s before the lock"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hand the tablet back to your practitioner"
    )
    tablet.screenshot("idle-02-locked")
    axe_clean(page, "the unlock page")
    assert small_targets(page) == []

    stored = turns(quick_lock_server, assessment_id)
    assert [text for _s, text, _b in stored].count(half) == 1
    assert stored[-1][2] == "pause"
    status = quick_lock_server.query("SELECT status FROM assessments WHERE id = ?", assessment_id)
    assert status == [("paused",)]

    # The server holds the lock: going back to the conversation, or anywhere, leads here.
    for path in (f"/conversations/{assessment_id}", "/"):
        tablet.goto(path)
        assert page.url.endswith(f"/conversations/{assessment_id}/unlock"), path
    page.go_back()
    assert page.url.endswith(f"/conversations/{assessment_id}/unlock")
    expect(page.get_by_role("link", name="Back to the conversation")).to_have_count(0)

    page.get_by_label("Your password or PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"{quick_lock_server.url}/persons/{person_id}")
    expect(page.get_by_role("cell", name="Paused")).to_be_visible()


def test_words_unsent_when_the_server_locked_are_kept_until_the_pin(
    tablet: Tablet, server: LiveServer
) -> None:
    """The wifi drops; the person answers; meanwhile the server's quiet time runs out. Back
    online, the page is refused `locked`: it keeps the answer on its own lock screen, and the
    practitioner's PIN saves it as the person's and carries on."""
    page = tablet.page
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    carer.to_the_opener()

    page.context.set_offline(True)
    words = "Getting back to the choir on a Tuesday night"
    page.get_by_label("Your answer").fill(words)
    page.get_by_label("Your answer").press("Enter")
    expect(page.get_by_text("Not sent yet")).to_be_visible()
    with sqlite3.connect(server.database, timeout=10) as connection:
        # The server heard nothing for longer than its quiet time.
        connection.execute(
            "UPDATE login_sessions SET handover_active_at = '2000-01-01 00:00:00.000000' "
            "WHERE handover_assessment_id = ?",
            (assessment_id,),
        )
    page.context.set_offline(False)

    lock_screen = page.get_by_role("alertdialog", name="This tablet is locked")
    expect(lock_screen).to_be_visible(timeout=20_000)
    expect(page.locator("#chat")).to_be_hidden()  # nobody reads on
    assert page.url.endswith(f"/conversations/{assessment_id}")
    assert words not in [text for _s, text, _b in turns(server, assessment_id)]
    tablet.screenshot("locked-01-words-kept")

    page.get_by_label("PIN or password").fill("0000")
    page.get_by_role("button", name="Save the words and carry on").click()
    expect(lock_screen).to_contain_text("That password or PIN is not right.")
    page.get_by_label("PIN or password").fill(PIN)
    page.get_by_role("button", name="Save the words and carry on").click()
    expect(lock_screen).to_be_hidden()
    expect(page.get_by_text("Have I got that right?")).to_be_visible(timeout=15_000)
    assert [text for _s, text, _b in turns(server, assessment_id)].count(words) == 1
    tablet.screenshot("locked-02-saved")


# -- 7. refusals: logged out, stale, busy ----------------------------------------------------


def practitioner_chat(tablet: Tablet) -> int:
    """Practitioner: Margaret's page, a new carer conversation, connected (not handed over)."""
    tablet.open_person()
    assessment_id = tablet.start_conversation()
    expect(tablet.page.locator("#connection")).to_have_attribute("data-state", "connected")
    return assessment_id


def test_a_page_refused_for_logging_out_asks_to_log_in_again(tablet: Tablet) -> None:
    """The server refuses the reconnect with `unauthorised`: the page says so, and does not
    promise to send the answer later."""
    page = tablet.page
    practitioner_chat(tablet)
    elsewhere = page.context.new_page()
    elsewhere.goto(tablet.server.url + "/")
    elsewhere.get_by_role("button", name="Log out").click()
    elsewhere.wait_for_url("**/login")
    elsewhere.close()

    page.context.set_offline(True)  # the connection drops, and comes back without a login
    connection = page.locator("#connection")
    expect(connection).to_have_attribute("data-state", "offline")
    page.context.set_offline(False)
    expect(connection).to_have_attribute("data-state", "error", timeout=20_000)
    expect(connection).to_have_text(re.compile("ask your practitioner to log in again"))
    page.wait_for_timeout(3000)  # no reconnecting behind the message's back
    expect(connection).to_have_attribute("data-state", "error")
    tablet.screenshot("refused-01-unauthorised")


def _say_from_another_device(tablet: Tablet, assessment_id: int, button: str) -> int:
    """Another device on the same login answers the pending question; returns the new seq."""
    from tests.live import ChatClient, Transcript

    cookies = tablet.page.context.cookies()
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    other = ChatClient(tablet.server.url, cookie).connect()
    try:
        transcript = Transcript(assessment_id)
        transcript.join(other)
        return int(transcript.say(other, transcript.message({"button": button}))["turn"]["seq"])
    finally:
        other.close()


def test_an_answer_overtaken_by_another_device_is_given_back_with_what_was_said(
    tablet: Tablet, server: LiveServer
) -> None:
    page = tablet.page
    assessment_id = practitioner_chat(tablet)
    carer = Carer(page)
    carer.tap("Start")
    carer.wait_for_question("Is that OK?")

    # Offline, the person types an answer to "Is that OK?"; meanwhile a laptop answers it.
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    answer = "Only if my daughter can see it too."
    box = page.get_by_label("Your answer")
    box.fill(answer)
    box.press("Enter")
    expect(page.locator(".line-person").last).to_have_attribute("data-saved", "no")
    assert _say_from_another_device(tablet, assessment_id, "yes") == 3
    page.context.set_offline(False)

    # Refused as stale: the laptop's turn is shown, the answer is back in the box, unsent.
    expect(page.locator("#answer-error")).to_contain_text("Please read it, then answer again.")
    expect(box).to_have_value(answer)
    carer.wait_for_question("what matters most to you at the moment?")
    expect(page.locator(".line-person[data-saved=no]")).to_have_count(0)
    assert person_lines(page) == ["Start", "Yes, that's OK"]
    assert answer not in [text for _s, text, _b in turns(server, assessment_id)]
    tablet.screenshot("refused-02-stale")

    # Sent again, it answers the question now on screen.
    box.press("Enter")
    wait_until_saved(page, 3)
    carer.wait_for_question("Have I got that right?")
    assert turns(server, assessment_id)[-1] == (4, answer, None)
    assert not [e for e in tablet.errors if "pageerror" in e], tablet.errors


def test_a_connection_refused_as_busy_is_tried_again_and_loses_nothing(
    tablet: Tablet, server: LiveServer
) -> None:
    """The connection drops while another writer holds the database: reconnecting, the server
    cannot note the tablet's activity and refuses the connection `busy`; the page keeps the
    answer, tries again by itself, and once the database is free the answer is saved once."""
    page = tablet.page
    refusals: list[str] = []
    busy = '{"message":"busy"}'

    def note_polled(response: Response) -> None:
        if "/socket.io/" in response.url and response.request.method == "GET":
            with contextlib.suppress(Exception):  # a poll cut short has no body to read
                if busy in response.text():
                    refusals.append("polling")

    def note_frames(socket: WebSocket) -> None:
        socket.on(
            "framereceived",
            lambda frame: refusals.append("websocket") if busy in str(frame) else None,
        )

    page.on("response", note_polled)
    page.on("websocket", note_frames)
    assessment_id = begin_handover(tablet)
    carer = Carer(page)
    carer.to_the_opener()
    answer = "A night out with my pals now and again."
    with database_held(server):
        page.context.set_offline(True)  # the connection drops...
        expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
        box = page.get_by_label("Your answer")
        box.fill(answer)
        box.press("Enter")
        page.context.set_offline(False)  # ...and comes back while the database is held
        deadline = time.monotonic() + 60
        while not refusals:
            assert time.monotonic() < deadline, "the reconnect was never refused busy"
            page.wait_for_timeout(500)
        expect(page.locator(".line-person[data-saved=no]")).to_have_count(1)
        expect(page.locator("#connection")).not_to_have_attribute("data-state", "error")
    wait_until_saved(page, 3)
    assert [text for _s, text, _b in turns(server, assessment_id)].count(answer) == 1


def test_the_page_stops_retrying_busy_with_a_calm_message_and_keeps_the_answer(
    tablet: Tablet, server: LiveServer
) -> None:
    """Another writer holds the database: every try is answered busy; after a few the page
    gives the answer back instead of spinning for ever."""
    page = tablet.page
    assessment_id = practitioner_chat(tablet)
    carer = Carer(page)
    carer.to_the_opener()
    answer = "Seeing my sister more often."
    with database_held(server):
        box = page.get_by_label("Your answer")
        box.fill(answer)
        box.press("Enter")
        expect(page.locator("#answer-error")).to_contain_text(
            "We could not save your answer just now", timeout=90_000
        )
        expect(box).to_have_value(answer)
        expect(page.locator(".line-person[data-saved=no]")).to_have_count(0)
        expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
        tablet.screenshot("refused-03-busy")
    assert answer not in [text for _s, text, _b in turns(server, assessment_id)]
    box.press("Enter")
    wait_until_saved(page, 3)
    carer.wait_for_question("Have I got that right?")


def second_tablet(browser: Browser, server: LiveServer) -> Tablet:
    """Another device, with cookies of its own."""
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    return Tablet(page, server, errors)


def test_a_team_member_watches_live_and_answers_only_after_taking_part(
    tablet: Tablet, browser: Browser, server: LiveServer
) -> None:
    tablet.open_person()
    assessment_id = tablet.start_conversation()
    expect(tablet.page.locator("#connection")).to_have_attribute("data-state", "connected")
    nurse = second_tablet(browser, server)
    nurse.log_in("amir")
    nurse.goto(f"/conversations/{assessment_id}")
    page = nurse.page
    expect(page.get_by_role("heading", name="You are watching")).to_be_visible()
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.get_by_label("Your answer")).to_be_hidden()
    expect(page.locator("#choices button")).to_have_count(0)
    expect(page.get_by_role("button", name="Hand over the tablet")).to_have_count(0)

    # What the practitioner's tablet sends arrives on the watcher's screen as it is said.
    Carer(tablet.page).tap("Start")
    expect(page.locator(".line-assistant .words").last).to_contain_text("Is that OK?")
    expect(page.locator("#choices button")).to_have_count(0)
    nurse.screenshot("watching")

    page.get_by_role("button", name="Take part").click()
    expect(page.get_by_role("heading", name="You are watching")).to_have_count(0)
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    page.locator("#choices").get_by_role("button", name="Yes, that's OK").tap()
    expect(page.locator(".line-assistant .words").last).to_contain_text("what matters most")
    assert nurse.errors == []


def test_a_link_opened_after_the_end_shows_the_whole_conversation_with_the_safety_reply(
    tablet: Tablet, browser: Browser, server: LiveServer
) -> None:
    page = tablet.page
    tablet.open_person()
    assessment_id = tablet.start_conversation()
    page.get_by_role("button", name="Make a link to carry on at home").click()
    link = page.locator("#link-url").input_value()
    tablet.goto(f"/conversations/{assessment_id}")
    carer = Carer(page)
    carer.to_the_opener()
    carer.type("Some nights I think I can't go on like this")
    expect(page.locator(".line-assistant.kind-safety").first).to_be_visible()
    carer.tap("Carry on", exact=False)
    carer.type("stop")
    carer.tap("Finish now")
    carer.tap("That's right", exact=False)
    expect(page.locator(".line-assistant .words").last).to_contain_text("This is saved")
    expect(page.get_by_role("button", name="Make a link to carry on at home")).to_have_count(0)
    expect(page.get_by_role("button", name="Hand over the tablet")).to_have_count(0)
    said_here = page.locator(".line .words").all_inner_texts()

    home = second_tablet(browser, server)
    home.page.goto(link)
    expect(home.page.locator(".line .words")).to_have_count(len(said_here))
    assert home.page.locator(".line .words").all_inner_texts() == said_here
    expect(home.page.locator(".line-assistant.kind-safety").first).to_be_visible()
    expect(home.page.get_by_label("Your answer")).to_be_hidden()
    home.screenshot("finished-link")
