// Evidence step: drop files on the upload box to send them at once (the file picker works without this).
(function () {
  "use strict";

  function bind(root) {
    root.querySelectorAll("form[data-dropzone]").forEach(function (form) {
      if (form.dataset.dropzoneBound) return;
      form.dataset.dropzoneBound = "1";
      var input = form.querySelector("input[type=file]");
      var zone = form.querySelector(".dropzone") || form;
      if (!input) return;
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("dragging");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.remove("dragging");
        });
      });
      zone.addEventListener("drop", function (event) {
        if (!event.dataTransfer || !event.dataTransfer.files.length) return;
        input.files = event.dataTransfer.files;
        form.requestSubmit();
      });
      // Picking files uploads them at once; the Upload button stays for keyboards and no-JS.
      input.addEventListener("change", function () {
        if (input.files.length) form.requestSubmit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(document); });
  document.addEventListener("htmx:load", function (event) { bind(event.target); });
})();
