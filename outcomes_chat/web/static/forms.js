// Long text: a box with data-maxlength shows how many characters it holds as the limit nears,
// and says plainly when it is over (the server refuses it too, and keeps the words typed).
(function () {
  "use strict";
  var strings = document.getElementById("form-strings");
  if (!strings) { return; }
  strings = JSON.parse(strings.textContent);

  function counter(box) {
    var limit = Number(box.dataset.maxlength);
    var note = document.createElement("p");
    note.className = "char-count";
    note.id = box.id + "-count";
    note.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", note);
    var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    box.setAttribute("aria-describedby", described.concat(note.id).join(" "));
    function update() {
      var used = box.value.length;
      note.hidden = used < limit * 0.9;
      note.classList.toggle("over", used > limit);
      note.textContent = used > limit
        ? strings.over.replace("{count}", used).replace("{limit}", limit).replace("{extra}", used - limit)
        : strings.count.replace("{count}", used).replace("{limit}", limit);
    }
    box.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("textarea[data-maxlength]").forEach(counter);
})();
