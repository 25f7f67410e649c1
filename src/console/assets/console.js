// The vobiz console's only script, served from the console itself (the
// Content-Security-Policy allows no other). It opens server-rendered
// dialogs as modal ones, and redraws the live rooms table from the
// server's event stream. Every page works without it.
"use strict";
document.querySelectorAll("dialog[data-modal][open]").forEach(function (d) {
  d.removeAttribute("open");
  d.showModal();
  // Escape cancels as the dialog's Cancel link does: nothing is sent.
  d.addEventListener("cancel", function () {
    var cancel = d.querySelector("[data-action=cancel]");
    window.location.href = cancel ? cancel.href : "/";
  });
});
var rows = document.querySelector("tbody[data-live]");
if (rows && window.EventSource) {
  var events = new EventSource("/events");
  events.addEventListener("rooms", function (e) {
    // The server escaped every name it put in these rows.
    rows.innerHTML = e.data;
  });
}
