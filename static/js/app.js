// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        if (!target) return;
        var text = target.value !== undefined ? target.value : target.textContent;
        var done = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = button.getAttribute("data-label") || "Copy"; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { fallback(target); done(); });
        } else { fallback(target); done(); }
      });
    });
    root.querySelectorAll("[data-char-count]").forEach(function (el) {
      var out = document.getElementById(el.getAttribute("data-char-count"));
      var limit = parseInt(el.getAttribute("data-char-limit") || "0", 10);
      var update = function () {
        var n = el.value.length;
        out.textContent = n + (limit ? " / " + limit : "") + " characters";
        out.classList.toggle("over", limit > 0 && n > limit);
      };
      el.addEventListener("input", update);
      update();
    });
  }

  function fallback(target) {
    var area = document.createElement("textarea");
    area.value = target.value !== undefined ? target.value : target.textContent;
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selectable */ }
    document.body.removeChild(area);
  }

  // The main menu is a <details> so phones can fold it; on wider screens it is always open.
  function syncMenu() {
    var menu = document.querySelector("details.nav-menu");
    if (menu) menu.open = wide.matches;
  }
  var wide = window.matchMedia("(min-width: 900px)");
  wide.addEventListener("change", syncMenu);

  document.addEventListener("DOMContentLoaded", function () { syncMenu(); onReady(document); });
  document.addEventListener("htmx:load", function (event) { onReady(event.target); });
})();
