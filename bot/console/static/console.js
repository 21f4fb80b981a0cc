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
// Web chat: Enter sends, Shift+Enter makes a new line; the text typed survives a failed send, an expired
// chat and a reload (sessionStorage: this tab only, gone when it closes or the chat is forgotten).
(function () {
  "use strict";
  var DRAFT = "fairbot-chat-draft";
  function chatForm(node) {
    return node && node.closest ? node.closest("form[data-web-chat]") : null;
  }
  function store(value) {
    try {
      if (value) window.sessionStorage.setItem(DRAFT, value); else window.sessionStorage.removeItem(DRAFT);
    } catch (e) { /* storage off: the text still stays in the box */ }
  }
  function counter(form) {
    var input = form.querySelector("textarea");
    var shown = document.getElementById("chat-counter");
    if (!input || !shown) return;
    var max = parseInt(shown.getAttribute("data-max"), 10) || input.maxLength;
    shown.textContent = input.value.length + " / " + max;
    shown.classList.toggle("near-limit", input.value.length >= max * 0.9);
  }
  // A notice under the box, with an optional button; built as text, never as HTML.
  function notice(text, buttonLabel, onPress) {
    var status = document.getElementById("toast");
    if (!status) return;
    status.textContent = "";
    var line = document.createElement("span");
    line.setAttribute("data-testid", "chat-toast");
    line.className = "chat-notice";
    line.textContent = text;
    status.appendChild(line);
    if (buttonLabel) {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-testid", "chat-notice-action");
      button.textContent = buttonLabel;
      button.addEventListener("click", onPress);
      status.appendChild(document.createTextNode(" "));
      status.appendChild(button);
      button.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-web-chat]");
    if (!form) return;
    var input = form.querySelector("textarea");
    var kept = null;
    try { kept = window.sessionStorage.getItem(DRAFT); } catch (e) { kept = null; }
    if (input && kept && !input.value) input.value = kept;
    counter(form);
    var forget = document.querySelector("[data-testid=chat-forget-form]");
    if (forget) forget.addEventListener("submit", function () { store(""); });
  });
  document.addEventListener("input", function (event) {
    var form = chatForm(event.target);
    if (!form) return;
    counter(form);
    store(event.target.value);
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.shiftKey || !chatForm(input) || input.tagName !== "TEXTAREA") return;
    event.preventDefault();
    input.form.requestSubmit();
  });
  // Nothing but spaces is no message: not sent, and the person is told why.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = chatForm(event.target);
    if (!form || event.target !== form) return;
    var input = form.querySelector("textarea");
    if (input && !input.value.trim()) {
      event.preventDefault();
      notice(form.getAttribute("data-msg-empty"));
      input.focus();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = chatForm(event.target);
    if (!form || event.target !== form) return;
    var input = form.querySelector("textarea");
    if (event.detail.successful) {
      form.reset();
      store("");
      counter(form);
      if (input) input.focus();
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 409 || status === 403) {  // the chat (or its session) expired: start afresh, text kept
      store(input ? input.value : "");
      notice(form.getAttribute("data-msg-expired"), form.getAttribute("data-msg-restart"), function () {
        window.location.reload();
      });
    } else if (status === 422 || status === 429) {  // the server's own words, as text
      var said = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
      notice(said.body.textContent || form.getAttribute("data-msg-failed"));
    } else {  // no connection, or the server failed: the text stays, one tap sends it again
      notice(form.getAttribute("data-msg-failed"), form.getAttribute("data-msg-retry"), function () {
        form.requestSubmit();
      });
    }
  });
})();
// Advisor chat desk: the transcript opens at the newest message; a reply is sent by fetch (no reload, so the
// live transcript, the scroll position and the typed notes stay) and shows sending / sent / failed with retry.
// The server's transcript, re-rendered on every conversation event, replaces a bubble once it is stored.
(function () {
  "use strict";
  var pending = [];  // bubbles not yet confirmed by the server (sending or failed): kept across re-renders
  function deskLog() { return document.querySelector(".desk-log"); }
  function toBottom() { var log = deskLog(); if (log) log.scrollTop = log.scrollHeight; }
  function list(log) { return log.querySelector("ol.transcript") || log; }
  function setStatus(item, form, status) {
    item.bubble.setAttribute("data-status", status);
    item.state.textContent = form.getAttribute("data-msg-" + status);
    item.state.className = "badge " + (status === "sent" ? "ok" : status === "failed" ? "urgent" : "warn");
    if (item.retry) { item.retry.remove(); item.retry = null; }
    if (status === "failed") {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-testid", "msg-retry");
      button.textContent = form.getAttribute("data-msg-retry");
      button.addEventListener("click", function () { send(item, form); });
      item.meta.appendChild(document.createTextNode(" "));
      item.meta.appendChild(button);
      item.retry = button;
    }
  }
  function refresh() {
    var log = deskLog();
    if (log && window.htmx) window.htmx.ajax("GET", log.getAttribute("hx-get"), { target: log, swap: "innerHTML" });
  }
  function send(item, form) {
    setStatus(item, form, "sending");
    var token = form.querySelector("input[name=csrf_token]");
    var body = new URLSearchParams();
    body.set("text", item.text);
    body.set("csrf_token", token ? token.value : "");
    window.fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" }
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      setStatus(item, form, "sent");
      pending = pending.filter(function (other) { return other !== item; });
      refresh();
    }).catch(function () {
      setStatus(item, form, "failed");
      if (item.retry) item.retry.focus();
    });
  }
  document.addEventListener("DOMContentLoaded", toBottom);
  window.addEventListener("load", toBottom);
  // A re-render follows the newest message only if the advisor was already there; someone reading further
  // up keeps their place and gets a "new messages" button instead.
  var atBottom = true;
  function jump() { return document.querySelector("[data-desk-jump]"); }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var log = deskLog();
    if (log && event.target === log) atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var log = deskLog();
    if (!log || event.target !== log) return;
    var into = list(log);
    pending.forEach(function (item) { into.appendChild(item.bubble); });
    if (atBottom) toBottom(); else if (jump()) jump().hidden = false;
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("[data-desk-jump]")) return;
    toBottom();
    jump().hidden = true;
  });
  document.addEventListener("scroll", function (event) {
    var log = deskLog();
    if (event.target === log && jump() && log.scrollHeight - log.scrollTop - log.clientHeight < 48) jump().hidden = true;
  }, true);
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-desk-reply]") : null;
    var log = deskLog();
    if (!form || !log || !window.fetch) return;  // without fetch the form posts and the page reloads
    event.preventDefault();
    var input = form.querySelector("textarea[name=text]");
    var status = document.getElementById("desk-status");
    var text = input ? input.value : "";
    if (!text.trim()) {
      if (status) status.textContent = form.getAttribute("data-msg-empty");
      if (input) input.focus();
      return;
    }
    if (status) status.textContent = "";
    var bubble = document.createElement("li");
    bubble.className = "msg advisor pending";
    bubble.setAttribute("data-testid", "msg-pending");
    var shown = document.createElement("div");
    shown.className = "text";
    shown.dir = "auto";
    shown.textContent = text;
    var meta = document.createElement("div");
    meta.className = "meta";
    var state = document.createElement("span");
    state.setAttribute("data-testid", "msg-pending-status");
    meta.appendChild(state);
    bubble.appendChild(shown);
    bubble.appendChild(meta);
    var item = { bubble: bubble, meta: meta, state: state, text: text, retry: null };
    pending.push(item);
    list(log).appendChild(bubble);
    toBottom();
    input.value = "";
    input.focus();
    send(item, form);
  });
  // Enter sends from the reply box, Shift+Enter makes a new line (as in the web chat and in Telegram).
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || !input.form) return;
    if (!input.form.hasAttribute("data-desk-reply") || input.tagName !== "TEXTAREA") return;
    event.preventDefault();
    input.form.requestSubmit();
  });
})();
// New activity (issue 15, major 7): a "(2) …" counter in the tab title, an optional short sound and an opt-in
// desktop notification when the person writes into one of the advisor's conversations. The inbox's queue
// fragment carries the unread total (counted on the server); the conversation page counts what arrived
// while its tab was hidden. Notifications are asked for only after a click, and say nothing about the person.
(function () {
  "use strict";
  var SOUND = "fairbot-sound";
  var base = document.title.replace(/^\(\d+\)\s*/, "");
  var shown = null;  // the unread total last shown (null: not yet known, so the first value does not alert)
  var hiddenNew = 0;
  var users = null;
  function alerts() { return document.querySelector("[data-alerts]"); }
  function soundOn() { try { return window.localStorage.getItem(SOUND) === "on"; } catch (e) { return false; } }
  function setTitle(count) { document.title = (count > 0 ? "(" + count + ") " : "") + base; }
  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
      tone.connect(gain); gain.connect(audio.destination);
      tone.start(); tone.stop(audio.currentTime + 0.25);
      tone.onended = function () { audio.close(); };
    } catch (e) { /* no audio: the badge and the title still tell */ }
  }
  function signal() {
    var box = alerts();
    if (!box) return;
    if (soundOn()) beep();
    if ("Notification" in window && window.Notification.permission === "granted" && document.hidden) {
      try {
        new window.Notification("fairbot", { body: box.getAttribute("data-notify-text"), tag: "fairbot-new" });
      } catch (e) { /* some browsers only notify from a service worker */ }
    }
  }
  function fromInbox() {
    var total = document.querySelector("[data-unread-total]");
    if (!total) return;
    var count = parseInt(total.getAttribute("data-unread-total"), 10) || 0;
    if (shown !== null && count > shown) signal();
    shown = count;
    setTitle(count);
  }
  function fromConversation() {
    var log = document.querySelector(".desk-log");
    if (!log) return;
    var count = log.querySelectorAll("[data-testid=msg-user]").length;
    if (users !== null && count > users && document.hidden) {
      hiddenNew += count - users;
      signal();
      setTitle(hiddenNew);
    }
    users = count;
  }
  function controls() {
    var box = alerts();
    if (!box) return;
    var sound = box.querySelector("[data-sound-toggle]");
    var on = soundOn();
    sound.setAttribute("aria-pressed", on ? "true" : "false");
    sound.textContent = box.getAttribute(on ? "data-sound-on" : "data-sound-off");
    var notify = box.querySelector("[data-notify-enable]");
    notify.hidden = !("Notification" in window) || window.Notification.permission !== "default";
  }
  document.addEventListener("DOMContentLoaded", function () { controls(); fromInbox(); fromConversation(); });
  document.addEventListener("htmx:afterSwap", function () { fromInbox(); fromConversation(); });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && hiddenNew) { hiddenNew = 0; setTitle(0); }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-sound-toggle]")) {
      try { window.localStorage.setItem(SOUND, soundOn() ? "off" : "on"); } catch (e) { /* stays off */ }
      controls();
      if (soundOn()) beep();  // let the advisor hear what it sounds like
    } else if (event.target.closest("[data-notify-enable]") && "Notification" in window) {
      window.Notification.requestPermission().then(controls, controls);
    }
  });
})();
// Editor: a form marked data-unsaved-guard warns before the page is left with changes it has not sent
// (a link, a language tab, closing the tab); submitting the form itself (save or publish) is no loss.
(function () {
  "use strict";
  var dirty = false;
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("form[data-unsaved-guard]")) dirty = true;
  });
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("form[data-unsaved-guard]")) dirty = true;
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form[data-unsaved-guard]")) dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
