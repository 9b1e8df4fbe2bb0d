// claimflow console: evidence highlighting, keyboard shortcuts, verification progress. No inline scripts (CSP).
"use strict";
(function () {
  function fieldButtons() { return Array.prototype.slice.call(document.querySelectorAll("button.field")); }

  function show(button) {
    document.querySelectorAll("rect.box.active").forEach(function (r) { r.classList.remove("active"); });
    fieldButtons().forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    button.setAttribute("aria-pressed", "true");
    var id = button.getAttribute("data-box");
    var box = id && document.getElementById(id);
    if (box) {
      box.classList.add("active");
      scrollTo(box);
    }
  }

  // Scroll the page images (their own scroll box at desktop width) so the box is in the middle; at tablet width
  // the pages are part of the document and the window scrolls.
  function scrollTo(box) {
    var pane = document.querySelector(".docs");
    if (pane && pane.scrollHeight > pane.clientHeight + 1) {
      var r = box.getBoundingClientRect(), p = pane.getBoundingClientRect();
      pane.scrollTop += (r.top - p.top) - (p.height - r.height) / 2;
      pane.scrollLeft += (r.left - p.left) - (p.width - r.width) / 2;
    } else {
      box.scrollIntoView({ block: "center", inline: "nearest" });
    }
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button.field");
    if (button) { show(button); }
  });

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function focus(id) { var el = document.getElementById(id); if (el) { el.focus(); return true; } return false; }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(document.activeElement)) { return; }
    var claim = document.getElementById("claim-id");
    var buttons = fieldButtons();
    var current = buttons.indexOf(document.activeElement);
    var handled = true;
    switch (e.key) {
      case "n":
        window.location.href = "/console/next" + (claim ? "?after=" + encodeURIComponent(claim.getAttribute("data-claim")) : "");
        break;
      case "a": handled = focus("approve-note"); break;
      case "d": handled = focus("deny-carc"); break;
      case "c": handled = focus("cor-field"); break;
      case "f": if (buttons.length) { buttons[0].focus(); show(buttons[0]); } break;
      case "j": case "k":
        if (buttons.length) {
          var next = current < 0 ? 0 : Math.min(buttons.length - 1, Math.max(0, current + (e.key === "j" ? 1 : -1)));
          buttons[next].focus(); show(buttons[next]);
        }
        break;
      default: handled = false;
    }
    if (handled) { e.preventDefault(); }
  });

  // Audit page: poll a running verification until it finishes.
  var panel = document.getElementById("verification");
  if (panel && panel.getAttribute("data-state") === "running") {
    var job = panel.getAttribute("data-job");
    var timer = setInterval(function () {
      fetch("/console/audit/verifications/" + encodeURIComponent(job), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state === "running") { return; }
          clearInterval(timer);
          panel.setAttribute("data-state", s.state);
          var bar = document.getElementById("verify-progress");
          bar.max = 1; bar.value = 1;
          var text = s.state === "verified" ? "Verified: " + s.entries + " entries, no damage."
            : s.state + ": " + JSON.stringify(s.first_problem || s.error);
          document.getElementById("verify-state").textContent = text;
          var last = document.getElementById("last-verification");
          if (last) { last.textContent = (s.finished_at || "").replace("T", " ").slice(0, 19) + " UTC · " + s.entries + " entries · " + s.state; }
        });
    }, 700);
  }
})();
