// fairbot console: the only script besides htmx. No inline handlers anywhere (the CSP forbids them).
(function () {
  "use strict";
  // Canned replies: picking one fills the reply box, which stays editable before sending.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-fill-target]");
    if (!select) return;
    var target = document.getElementById(select.getAttribute("data-fill-target"));
    var option = select.options[select.selectedIndex];
    if (target && option && option.getAttribute("data-text") !== null) {
      target.value = option.getAttribute("data-text");
      target.focus();
    }
  });
  // Confirmation for destructive buttons (close, rollback, publish) without inline JS.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // Keep chat logs scrolled to the newest message.
  document.addEventListener("htmx:afterSwap", function (event) {
    var log = event.target.closest ? event.target.closest("[data-autoscroll]") : null;
    if (log) log.scrollTop = log.scrollHeight;
  });
  document.addEventListener("htmx:sseMessage", function (event) {
    var log = event.target.closest ? event.target.closest("[data-autoscroll]") : null;
    if (log) log.scrollTop = log.scrollHeight;
  });
})();
// Web chat: clear the input after a message went out; Enter sends, Shift+Enter makes a new line.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target.closest ? event.target.closest("form[data-reset-on-success]") : null;
  if (form && event.detail.successful) {
    form.reset();
    var input = form.querySelector("textarea");
    if (input) input.focus();
  }
});
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (event.key !== "Enter" || event.shiftKey || !input.matches || !input.matches("form[data-reset-on-success] textarea")) return;
  event.preventDefault();
  if (input.value.trim()) input.form.requestSubmit();
});
