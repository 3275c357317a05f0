// The review page, live: who else has it open, and each change as others save it.
// Everything works without this script (the forms post and the page reloads); with it, an
// outcome someone else changed is redrawn in place, unless you are part-way through editing
// it, in which case you are told, and the server refuses a stale save with the current value.
(function () {
  "use strict";
  var root = document.getElementById("review");
  if (!root || typeof io === "undefined") { return; }
  var assessmentId = Number(root.dataset.assessmentId);
  var presence = document.getElementById("presence");
  var notice = document.getElementById("live-notice");
  var strings = JSON.parse(document.getElementById("review-strings").textContent);
  // Forms someone has typed into and not yet saved, by the id of the part they belong to (an
  // outcome card, or "plan" for the rest of the page). Nothing typed is ever redrawn away.
  var dirty = new Set();

  function partOf(element) {
    var card = element.closest("article.outcome");
    return card ? card.id : "plan";
  }
  root.addEventListener("input", function (event) { dirty.add(partOf(event.target)); });
  root.addEventListener("change", function (event) { dirty.add(partOf(event.target)); });
  root.addEventListener("submit", function (event) { dirty.delete(partOf(event.target)); });

  function say(text) {
    notice.textContent = text;
    notice.hidden = false;
  }

  function showPresence(names) {
    var me = presence.dataset.me;
    var others = names.filter(function (name) { return name !== me; });
    presence.textContent = others.length ? strings.also_here.replace("{names}", others.join(", ")) : strings.only_you;
  }

  function redraw(change) {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var ids = change.outcome_id ? ["outcome-" + change.outcome_id] : [];
        if (!change.outcome_id || change.what === "sign_off" || change.what === "stage") {
          // A change to the whole plan reshapes the page: reload it only if nothing is typed.
          if (dirty.size === 0) {
            window.location.reload();
          } else {
            say(strings.changed_page.replace("{name}", change.by));
          }
          return;
        }
        ids.forEach(function (id) {
          var mine = document.getElementById(id);
          var theirs = fresh.getElementById(id);
          if (!mine || !theirs) { return; }
          if (dirty.has(id)) {
            say(strings.changed_while_editing.replace("{name}", change.by));
            return;
          }
          var open = Array.prototype.map.call(mine.querySelectorAll("details"), function (d) { return d.open; });
          mine.replaceWith(theirs);
          theirs.querySelectorAll("details").forEach(function (d, i) { d.open = Boolean(open[i]); });
          theirs.classList.add("just-changed");
          say(strings.changed.replace("{name}", change.by));
        });
      })
      .catch(function () { say(strings.reload); });
  }

  // A form post from this page is followed by its own reload: its echo is not news.
  var submittedAt = 0;
  root.addEventListener("submit", function () { submittedAt = Date.now(); });
  function savedHere(change) {
    return change.by_id === Number(presence.dataset.meId) && Date.now() - submittedAt < 10000;
  }

  var socket = io("/review", { transports: ["websocket", "polling"] });
  socket.on("connect", function () {
    socket.emit("join", { assessment_id: assessmentId }, function (ack) {
      if (!ack || !ack.ok) { say(strings.reload); }
    });
  });
  socket.on("presence", function (data) { showPresence(data.present || []); });
  socket.on("changed", function (change) {
    // This page saved it (and is reloading with it); another tab of the same login still hears.
    if (change.assessment_id !== assessmentId || savedHere(change)) { return; }
    redraw(change);
  });
  socket.on("connect_error", function () { presence.textContent = strings.offline; });
  socket.on("disconnect", function () { presence.textContent = strings.offline; });
})();
