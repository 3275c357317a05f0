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
  var transcript = document.getElementById("transcript");
  var choices = document.getElementById("choices");
  var controls = document.getElementById("controls");
  var progress = document.getElementById("progress");
  var connection = document.getElementById("connection");
  var form = document.getElementById("answer");
  var input = document.getElementById("answer-text");
  var answerError = document.getElementById("answer-error");
  var language = document.getElementById("language");

  var lastSeq = 0;
  var outbox = [];          // messages sent but not yet acknowledged, in order
  var flushing = false;
  var socket = io("/chat", { transports: ["polling", "websocket"], reconnectionDelayMax: 5000 });

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function setConnection(text, state) {
    connection.textContent = text;
    connection.dataset.state = state;
  }

  function addLine(who, text, kind) {
    var item = document.createElement("li");
    item.className = "line line-" + who + (kind ? " kind-" + kind : "");
    var speaker = document.createElement("span");
    speaker.className = "speaker";
    speaker.textContent = who === "person" ? strings.you : strings.assistant;
    var body = document.createElement("p");
    body.className = "words";
    body.textContent = text;
    item.appendChild(speaker);
    item.appendChild(body);
    transcript.appendChild(item);
    item.scrollIntoView({ block: "end" });
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
    b.className = "button " + (className || "");
    b.textContent = spec.label;
    b.dataset.value = spec.value;
    b.addEventListener("click", function () { onPress(spec); });
    return b;
  }

  function showReply(reply) {
    (reply.messages || []).forEach(function (message) {
      addLine("assistant", message.text, message.kind);
    });
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
    if (reply.progress && reply.progress.of) {
      progress.textContent = strings.topicOf.replace("{n}", reply.progress.topic)
        .replace("{m}", reply.progress.of);
    } else {
      progress.textContent = "";
    }
  }

  function showTurn(turn) {
    if (turn.seq <= lastSeq) { return; }
    if (turn.said && turn.said.text !== undefined) {
      markSaved(addLine("person", turn.said.text), true);
    } else if (turn.said && turn.said.button !== undefined) {
      var label = turn.said.label || turn.said.button;
      markSaved(addLine("person", label), true);
    }
    showReply(turn.reply);
    lastSeq = turn.seq;
  }

  function pressButton(spec) {
    queue({ button: spec.value }, spec.label);
  }

  function queue(content, shown) {
    var message = { client_id: newClientId(), content: content };
    message.line = addLine("person", shown);
    markSaved(message.line, false);
    outbox.push(message);
    choices.replaceChildren();
    flush();
  }

  function flush() {
    if (flushing || !outbox.length || !socket.connected) { return; }
    flushing = true;
    var message = outbox[0];
    var payload = { assessment_id: assessmentId, client_id: message.client_id, last_seq: lastSeq };
    Object.keys(message.content).forEach(function (key) { payload[key] = message.content[key]; });
    setConnection(strings.sending, "sending");
    socket.timeout(15000).emit("say", payload, function (timedOut, ack) {
      flushing = false;
      if (timedOut) { setConnection(strings.offline, "offline"); return; }  // resent on reconnect
      outbox.shift();
      if (!ack || !ack.ok) {
        message.line.remove();
        showError(ack && ack.error ? ack.error.message : strings.offline, message);
        flush();
        return;
      }
      (ack.missed || []).forEach(showTurn);
      if (ack.turn.seq > lastSeq) {
        markSaved(message.line, true);
        showReply(ack.turn.reply);
        lastSeq = ack.turn.seq;
      } else {
        message.line.remove();   // a duplicate already shown from a replay
      }
      setConnection(strings.connected, "connected");
      flush();
    });
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
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  if (language) {
    language.addEventListener("change", function () {
      queue({ language: language.value }, language.options[language.selectedIndex].text);
    });
  }

  socket.on("connect", function () {
    setConnection(strings.connecting, "connecting");
    socket.emit("join", { assessment_id: assessmentId, last_seq: lastSeq }, function (ack) {
      if (!ack || !ack.ok) {
        setConnection(ack && ack.error ? ack.error.message : strings.offline, "error");
        return;
      }
      ack.turns.forEach(showTurn);
      setConnection(strings.connected, "connected");
      flush();
    });
  });
  socket.on("disconnect", function () { flushing = false; setConnection(strings.offline, "offline"); });
  socket.on("connect_error", function () { setConnection(strings.offline, "offline"); });
  socket.on("turn", function (turn) {
    if (turn.assessment_id === assessmentId && !outbox.length) { showTurn(turn); }
  });
  socket.on("safety_alert", function (alert) {
    var note = document.createElement("p");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    note.textContent = alert.message + " (" + alert.person_name + ")";
    document.getElementById("main").prepend(note);
  });

  // Hand-over: after a quiet spell, warn, then pause and lock, so nobody else reads on.
  if (mode === "handover") {
    var idle = Number(root.dataset.idleSeconds) * 1000;
    var warnFor = Number(root.dataset.warningSeconds) * 1000;
    var dialog = document.getElementById("idle-warning");
    var warnTimer, lockTimer;
    var resetIdle = function () {
      clearTimeout(warnTimer); clearTimeout(lockTimer);
      dialog.hidden = true;
      warnTimer = setTimeout(function () {
        dialog.hidden = false;
        document.getElementById("still-here").focus();
        lockTimer = setTimeout(lock, warnFor);
      }, Math.max(idle - warnFor, 0));
    };
    var lock = function () {
      var go = function () { window.location.assign(root.dataset.unlockUrl); };
      // Send anything half-typed first: it is the person's words, and must not be lost.
      if (input.value.trim()) { queue({ text: input.value }, input.value); input.value = ""; }
      var waited = 0;
      var whenSent = function () {
        if (outbox.length && waited < 10000) { waited += 200; setTimeout(whenSent, 200); return; }
        if (!outbox.length && socket.connected) {
          socket.timeout(5000).emit("say", { assessment_id: assessmentId,
            client_id: newClientId(), last_seq: lastSeq, button: "pause" }, go);
        } else { go(); }
      };
      whenSent();
    };
    document.getElementById("still-here").addEventListener("click", resetIdle);
    ["keydown", "pointerdown", "touchstart"].forEach(function (name) {
      document.addEventListener(name, resetIdle, { passive: true });
    });
    resetIdle();
  }
})();
