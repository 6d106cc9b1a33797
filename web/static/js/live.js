// Live regions: an element with an id and data-live="N" (seconds) is fetched
// again from data-live-src every N seconds and replaced by the server's new
// rendering of the same id, until that rendering no longer carries
// data-live (the work it shows has finished). Pages work without it: the
// server also sends a <noscript> meta refresh while work is running.
(function () {
  "use strict";

  function poll(el) {
    var secs = parseFloat(el.dataset.live) || 2;
    var src = el.dataset.liveSrc || location.href;
    setTimeout(function () {
      fetch(src, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) {
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(el.id);
          if (!fresh) { return; }
          var current = document.getElementById(el.id);
          if (!current) { return; }
          current.replaceWith(document.importNode(fresh, true));
          var placed = document.getElementById(el.id);
          if (placed && placed.dataset.live) { poll(placed); }
        })
        .catch(function () { poll(el); }); // a brief outage: try again
    }, secs * 1000);
  }

  function start() {
    document.querySelectorAll("[data-live][id]").forEach(poll);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
