// A report export's page: follow the job's progress until the file is ready (no inline script, for the CSP).
(function () {
  var box = document.getElementById("export-status");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("export-progress");
  var state = document.getElementById("export-state");
  var download = document.getElementById("export-download");
  var refresh = document.getElementById("export-refresh");
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        bar.value = data.progress;
        bar.textContent = data.progress + " %";
        if (state.textContent.trim() !== data.text) { state.textContent = data.text; }
        if (data.status === "done") {
          download.hidden = false;
          download.querySelector("a").textContent = data.download_text;
          if (refresh) { refresh.hidden = true; }
        } else if (data.status !== "failed" && tries < 900) {
          window.setTimeout(poll, 2000);
        } else if (refresh) {
          refresh.hidden = true;
        }
      })
      .catch(function () { if (tries < 900) { window.setTimeout(poll, 5000); } });
  }
  if (bar && state && download) { window.setTimeout(poll, 1000); }
})();
