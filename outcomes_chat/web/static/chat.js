/* The chat page: talks to the /chat Socket.IO namespace as docs/protocol.md describes.
 * Everything is rendered as text, never HTML. Nothing personal is kept in browser storage:
 * unsent answers live only in memory until the server acknowledges them. */
(function () {
  "use strict";

  var root = document.getElementById("chat");
  if (!root) { return; }
  var strings = JSON.parse(document.getElementById("chat-strings").textContent);
  var assessmentId = Number(root.dataset.assessment);
  var mode = root.dataset.mode;
  // A practitioner who did not start the conversation watches it: turns arrive, but there is
  // nothing to answer with until they choose "Take part" (the server refuses it anyway).
  var answering = root.dataset.answering !== "no";
  var transcript = document.getElementById("transcript");
  var choices = document.getElementById("choices");
  var controls = document.getElementById("controls");
  var progress = document.getElementById("progress");
  var connection = document.getElementById("connection");
  var form = document.getElementById("answer");
  var input = document.getElementById("answer-text");
  var answerError = document.getElementById("answer-error");
  var language = document.getElementById("language");

  var ACK_TIMEOUT = 15000;
  // Answers the server asks us to send again (protocol: busy, rate_limited) wait this long.
  var RETRY_DELAY = { busy: 1000, rate_limited: 2500 };
  // After this many "busy" answers in a row the page stops trying and says so; the answer
  // goes back where the person can send it again.
  var MAX_BUSY_RETRIES = 3;
  // A connection the server refused as busy is tried again after this long.
  var RECONNECT_DELAY = 3000;

  var lastSeq = 0;
  var lastReply = null;     // the latest reply shown, to offer its buttons again after a failure
  var outbox = [];          // messages sent but not yet acknowledged, in order
  var sending = null;       // the attempt in flight: acks of earlier attempts are ignored
  var retryTimer = null;
  var socket = io("/chat", { transports: ["polling", "websocket"], reconnectionDelayMax: 5000 });

  // The server locked this hand-over (quiet too long, or paused): only the unlock page opens.
  // Words not saved yet live only in this page: leaving would lose them, so the practitioner
  // opens the hand-over again here (PIN or password), the words are sent, and it carries on.
  var pageLocking = false;
  var reopen = document.getElementById("reopen");
  function unsentWords() {
    return Boolean(input.value.trim()) ||
      outbox.some(function (message) { return message.content.text !== undefined; });
  }
  function toUnlock() {
    if (!root.dataset.unlockUrl) { return; }
    if (!reopen || !unsentWords()) { window.location.assign(root.dataset.unlockUrl); return; }
    root.hidden = true;   // nobody reads on while it is locked
    document.getElementById("idle-warning").hidden = true;
    reopen.hidden = false;
    document.getElementById("reopen-secret").focus();
  }
  if (reopen) {
    document.getElementById("reopen-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var secret = document.getElementById("reopen-secret");
      var error = document.getElementById("reopen-error");
      fetch(root.dataset.reopenUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
        body: JSON.stringify({ secret: secret.value })
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!body.ok) { error.textContent = body.error.message; return; }
          secret.value = ""; error.textContent = "";
          reopen.hidden = true;
          if (!pageLocking) { root.hidden = false; input.focus(); }
          if (socket.connected) { flush(); } else { socket.connect(); }
        });
      }).catch(function () { error.textContent = strings.offline; });
    });
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function setConnection(text, state) {
    connection.textContent = text;
    connection.dataset.state = state;
  }

  // Whose words a stored answer was, as the practitioner's transcript names them.
  function sender(sent) {
    if (mode !== "practitioner" || !sent) { return null; }
    if (sent.by === "practitioner" && sent.name) { return sent.name; }
    if (sent.via === "handover") { return strings.personOnTablet; }
    if (sent.via === "link") { return strings.personByLink; }
    return null;
  }

  function addLine(who, text, kind, named) {
    var item = document.createElement("li");
    item.className = "line line-" + who + (kind ? " kind-" + kind : "");
    var speaker = document.createElement("span");
    speaker.className = "speaker";
    speaker.textContent = named || (who === "person" ? strings.you : strings.assistant);
    var body = document.createElement("p");
    body.className = "words";
    body.textContent = text;
    item.appendChild(speaker);
    item.appendChild(body);
    transcript.appendChild(item);
    return item;
  }

  function markSaved(item, saved) {
    if (!item) { return; }
    var mark = item.querySelector(".saved-mark") || document.createElement("span");
    mark.className = "saved-mark";
    mark.textContent = saved ? strings.saved : strings.notSaved;
    item.dataset.saved = saved ? "yes" : "no";
    item.appendChild(mark);
  }

  function button(spec, onPress, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button" + (className ? " " + className : "");
    b.textContent = spec.label;
    b.dataset.value = spec.value;
    b.addEventListener("click", function () { onPress(spec); });
    return b;
  }

  function showButtons(reply) {
    if (!answering) { return; }
    var asked = (reply.messages || []).filter(function (m) { return m.buttons && m.buttons.length; });
    choices.replaceChildren();
    if (asked.length) {
      asked[asked.length - 1].buttons.forEach(function (spec) {
        choices.appendChild(button(spec, pressButton));
      });
    }
    controls.replaceChildren();
    (reply.controls || []).forEach(function (spec) {
      controls.appendChild(button(spec, pressButton, "secondary"));
    });
  }

  function showReply(reply) {
    (reply.messages || []).forEach(function (message) {
      addLine("assistant", message.text, message.kind);
    });
    lastReply = reply;
    showButtons(reply);
    // A finished conversation takes no more answers; the transcript stays to read. Nor is it
    // handed over, carried on at home or taken part in (the server refuses those too).
    var finished = reply.phase === "finished";
    form.hidden = !answering || finished;
    if (finished) { showFinished(); }
    // "Topic 0 of 10" before the first topic would only puzzle: say nothing until topic 1.
    if (reply.progress && reply.progress.of && reply.progress.topic > 0) {
      progress.textContent = strings.topicOf.replace("{n}", reply.progress.topic)
        .replace("{m}", reply.progress.of);
    } else {
      progress.textContent = "";
    }
    // The question and the answers to it stay in view together.
    form.scrollIntoView({ block: "nearest" });
  }

  function showFinished() {
    ["hand-on", "take-part"].forEach(function (id) {
      var element = document.getElementById(id);
      if (element) { element.hidden = true; }
    });
    var note = document.getElementById("finished-note");
    if (note) { note.hidden = false; }
  }

  function showTurn(turn) {
    if (turn.seq <= lastSeq) { return; }
    if (turn.said && turn.said.text !== undefined) {
      markSaved(addLine("person", turn.said.text, null, sender(turn.who)), true);
    } else if (turn.said && turn.said.button !== undefined) {
      var label = turn.said.label || turn.said.button;
      markSaved(addLine("person", label, null, sender(turn.who)), true);
    }
    showReply(turn.reply);
    lastSeq = turn.seq;
  }

  function pressButton(spec) {
    queue({ button: spec.value }, spec.label);
  }

  function queue(content, shown) {
    // The answer is to the latest turn on screen: sent with that seq, so if anything was said
    // in the meantime (another device, or an answer of ours still in flight) it is refused as
    // stale rather than applied to a question the person has not seen.
    var message = { client_id: newClientId(), content: content, lastSeq: lastSeq, busy: 0 };
    answerError.textContent = "";
    message.line = addLine("person", shown);
    markSaved(message.line, false);
    outbox.push(message);
    choices.replaceChildren();
    flush();
  }

  function retryLater(delay) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, delay);
  }

  function flush() {
    if (sending || retryTimer || !outbox.length || !socket.connected) { return; }
    var message = outbox[0];
    var attempt = { message: message };
    sending = attempt;
    var payload = { assessment_id: assessmentId, client_id: message.client_id,
                    last_seq: message.lastSeq };
    Object.keys(message.content).forEach(function (key) { payload[key] = message.content[key]; });
    setConnection(strings.sending, "sending");
    socket.timeout(ACK_TIMEOUT).emit("say", payload, function (failed, ack) {
      if (sending !== attempt) { return; }   // a late answer to an attempt already given up
      sending = null;
      if (failed) {
        // No answer: the same client_id is sent again, and the server applies it once.
        if (socket.connected) { retryLater(RETRY_DELAY.busy); }
        setConnection(strings.offline, "offline");
        return;
      }
      if (!ack || !ack.ok) {
        var code = ack && ack.error ? ack.error.code : "";
        if (code === "locked") { toUnlock(); return; }
        if (code === "busy" && ++message.busy > MAX_BUSY_RETRIES) {
          takeBack(strings.busy);
          return;
        }
        if (RETRY_DELAY[code]) {
          setConnection(strings.sending, "sending");
          retryLater(RETRY_DELAY[code]);
          return;
        }
        if (code === "stale") {
          // Something was said since this answer was written: show it, and give the answer
          // (and any after it) back to the person to send again or change.
          takeBack(ack.error.message, ack.missed || []);
          return;
        }
        outbox.shift();
        message.line.remove();
        showError(ack && ack.error ? ack.error.message : strings.offline, message);
        if (!outbox.length && lastReply) { showButtons(lastReply); }
        if (code === "unauthorised") {
          setConnection(strings.unauthorised, "error");
          return;
        }
        setConnection(strings.connected, "connected");
        flush();
        return;
      }
      outbox.shift();
      (ack.missed || []).forEach(showTurn);
      if (ack.turn.seq > lastSeq) {
        if (ack.missed && ack.missed.length) { transcript.appendChild(message.line); }  // in order
        markSaved(message.line, true);
        showReply(ack.turn.reply);
        lastSeq = ack.turn.seq;
      } else {
        message.line.remove();   // a duplicate already shown from a replay
        if (!outbox.length && lastReply) { showButtons(lastReply); }
      }
      setConnection(strings.connected, "connected");
      flush();
    });
  }

  // Every answer not yet saved comes off the queue: typed words go back into the box, in
  // order and before anything typed since, so nothing is lost; turns missed are shown first.
  function takeBack(text, missed) {
    var typed = [];
    outbox.splice(0).forEach(function (message) {
      message.line.remove();
      if (message.content.text !== undefined) { typed.push(message.content.text); }
    });
    (missed || []).forEach(showTurn);
    if (input.value) { typed.push(input.value); }
    input.value = typed.join("\n");
    answerError.textContent = text;
    if (lastReply) { showButtons(lastReply); }
    setConnection(strings.connected, "connected");
  }

  function showError(text, message) {
    answerError.textContent = text;
    if (message && message.content.text !== undefined && !input.value) {
      input.value = message.content.text;   // never lose what the person typed
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    answerError.textContent = "";
    var text = input.value;
    if (!text.trim()) { answerError.textContent = strings.empty; input.focus(); return; }
    input.value = "";
    queue({ text: text }, text);
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter starts a new line; Enter that ends an IME composition does not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  if (language) {
    language.addEventListener("change", function () {
      queue({ language: language.value }, language.options[language.selectedIndex].text);
    });
  }

  function offline() {
    sending = null;
    setConnection(strings.offline, "offline");
  }

  socket.on("connect", function () {
    setConnection(strings.connecting, "connecting");
    socket.emit("join", { assessment_id: assessmentId, last_seq: lastSeq }, function (ack) {
      if (!ack || !ack.ok) {
        if (ack && ack.error && ack.error.code === "locked") { toUnlock(); return; }
        setConnection(ack && ack.error ? ack.error.message : strings.offline, "error");
        return;
      }
      ack.turns.forEach(showTurn);
      setConnection(strings.connected, "connected");
      // Answers still waiting keep their place at the end of the conversation.
      outbox.forEach(function (message) { transcript.appendChild(message.line); });
      if (outbox.length) { choices.replaceChildren(); }
      flush();
    });
  });
  socket.on("disconnect", offline);
  socket.on("connect_error", function (error) {
    offline();
    var reason = error && error.message;
    // Refused by the server (logged out, link ended): no use promising to send it later.
    if (reason === "unauthorised") {
      setConnection(strings.unauthorised, "error");
    } else if (reason === "busy") {
      // Refused for now: Socket.IO does not try again by itself after a refusal, so we do.
      setTimeout(function () { socket.connect(); }, RECONNECT_DELAY);
    }
    if (error && error.message === "locked") { toUnlock(); }
  });
  window.addEventListener("offline", offline);
  socket.on("turn", function (turn) {
    if (turn.assessment_id === assessmentId && !outbox.length) { showTurn(turn); }
  });
  socket.on("safety_alert", function (alert) {
    // Alerts are for the practitioner's screen, never for a tablet handed to the person.
    if (mode !== "practitioner") { return; }
    var note = document.createElement("p");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    note.textContent = alert.message + " (" + alert.person_name + ")";
    document.getElementById("main").prepend(note);
  });

  // Hand-over: after a quiet spell, warn, then pause and lock, so nobody else reads on.
  // The server keeps the same quiet time and locks the login itself (docs/protocol.md): the
  // page tells it the person is there ("active"), and locks a moment before it would.
  if (mode === "handover") {
    var idle = Math.max(Number(root.dataset.idleSeconds) || 600, 1) * 1000;
    var quiet = idle - Math.min(2000, idle / 10);   // the last words must reach it in time
    var reportEvery = Math.min(5000, idle / 5);
    // The warning gives at least 20 seconds to answer (WCAG 2.2.1), and never takes up the
    // whole quiet time: at most half of it, unless that is under 20 seconds.
    var warnFor = Math.max(Math.min((Number(root.dataset.warningSeconds) || 60) * 1000, quiet / 2),
                           20000);
    var dialog = document.getElementById("idle-warning");
    var stillHere = document.getElementById("still-here");
    var warnTimer, lockTimer;
    var locking = false;
    var lastReport = Date.now();   // loading the page was activity the server saw
    var resetIdle = function (event) {
      if (locking) { return; }
      // Count from what the server was told, never from later than that.
      var now = Date.now();
      var force = !event || event.currentTarget === stillHere;   // page load, "I'm still here"
      if (!force && dialog.hidden && now - lastReport < reportEvery) { return; }
      lastReport = now;
      if (event) { socket.emit("active", { assessment_id: assessmentId }); }
      clearTimeout(warnTimer); clearTimeout(lockTimer);
      var wasShown = !dialog.hidden;
      dialog.hidden = true;
      if (wasShown && document.activeElement === stillHere) { input.focus(); }
      warnTimer = setTimeout(function () {
        dialog.hidden = false;
        stillHere.focus();
        lockTimer = setTimeout(lock, warnFor);
      }, Math.max(quiet - warnFor, 0));
    };
    var lock = function () {
      locking = true;
      pageLocking = true;
      dialog.hidden = true;
      var go = function () { window.location.assign(root.dataset.unlockUrl); };
      // Nobody else reads on while the last answers are being saved.
      root.hidden = true;
      document.getElementById("locked-note").hidden = false;
      var halfTypedSent = false;
      var whenSent = function () {
        // Anything half-typed, or given back (stale, busy), is sent first: it is the person's
        // words, and must not be lost. Once only: words the server refuses (too long, say)
        // come back to the box, and sending them again and again would keep the tablet open.
        if (!halfTypedSent && input.value.trim()) {
          halfTypedSent = true;
          queue({ text: input.value }, input.value);
          input.value = "";
        }
        // Leaving with answers unsent would lose them: wait for the connection, however long.
        if (outbox.length || !socket.connected) { setTimeout(whenSent, 200); return; }
        socket.timeout(5000).emit("say", { assessment_id: assessmentId,
          client_id: newClientId(), last_seq: lastSeq, button: "pause" }, function () {
          // Then the server locks the login: every page and event waits for the PIN.
          socket.timeout(5000).emit("lock", { assessment_id: assessmentId }, go);
        });
      };
      whenSent();
    };
    stillHere.addEventListener("click", resetIdle);
    ["keydown", "pointerdown", "touchstart", "input"].forEach(function (name) {
      document.addEventListener(name, resetIdle, { passive: true });
    });
    resetIdle();
  }
})();
