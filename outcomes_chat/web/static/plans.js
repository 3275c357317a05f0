// The person's copy: a Print button, shown only when there is a script to press it for.
(function () {
  const button = document.getElementById("print-copy");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
