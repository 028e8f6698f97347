// Today: fetch the live part again every few seconds and swap it in (no page reload).
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  const url = live.dataset.liveUrl;
  const every = Math.max(2, Number(live.dataset.refresh || 5)) * 1000;
  async function refresh() {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (response.redirected && response.url.includes("/login")) {
        window.location.assign(response.url);  // the session ended
        return;
      }
      if (response.ok) {
        live.innerHTML = await response.text();
        live.dataset.stale = "false";
      } else {
        live.dataset.stale = "true";
      }
    } catch (err) {
      live.dataset.stale = "true";  // the server is unreachable: keep the last board, try again
    }
    window.setTimeout(refresh, every);
  }
  window.setTimeout(refresh, every);
})();
