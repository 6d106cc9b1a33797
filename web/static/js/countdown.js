// Live countdowns for reporting deadlines. The server renders every
// countdown's text (pages work without JavaScript); this script only keeps
// the text current between page loads. Each countdown carries its due time
// and its message formats, in the page's language, as data attributes:
//   data-due   RFC 3339 due time
//   data-left  "nog %s" / "%s left"       data-late "%s te laat" / "%s overdue"
//   data-dhm   "%d d %d u %d min"         data-hm   "%d u %d min"
(function () {
  "use strict";

  function fill(format, values) {
    var i = 0;
    return format.replace(/%[ds]/g, function () { return String(values[i++]); });
  }

  function render(el, now) {
    var due = Date.parse(el.dataset.due);
    if (isNaN(due)) { return; }
    var ms = due - now, overdue = ms < 0;
    var mins = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(mins / 1440), hours = Math.floor((mins % 1440) / 60);
    var span = days > 0 ? fill(el.dataset.dhm, [days, hours, mins % 60]) : fill(el.dataset.hm, [hours, mins % 60]);
    var text = fill(overdue ? el.dataset.late : el.dataset.left, [span]);
    var label = el.querySelector("[data-countdown-text]") || el;
    if (label.textContent !== text) { label.textContent = text; }
    el.classList.toggle("overdue", overdue);
    var mark = el.querySelector("[data-overdue-mark]");
    if (mark) { mark.hidden = !overdue; }
    el.dataset.overdue = overdue ? "true" : "false";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due][data-left]").forEach(function (el) { render(el, now); });
  }

  tick();
  // Once a second near a minute boundary is wasteful; every 15 s keeps the
  // minute shown at most 15 s behind.
  setInterval(tick, 15000);
})();
