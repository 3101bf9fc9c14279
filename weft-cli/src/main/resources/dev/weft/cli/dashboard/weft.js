// weft dashboard: live updates by polling the page's JSON (/api/...) every 2 s. When the JSON
// changed, the page's HTML is fetched again and its <main> swapped in (not while a form field has
// the focus, so typing is never lost). The overview's chart is drawn from the same JSON.
(function () {
  "use strict";
  var api = document.body.getAttribute("data-api");
  var live = document.getElementById("live");
  var last = null;
  var failures = 0;

  function draw(data) {
    var canvas = document.getElementById("chart");
    if (!canvas || !data || !data.throughput) { return; }
    var ctx = canvas.getContext("2d");
    var w = canvas.width, h = canvas.height, pad = 28;
    var now = Date.parse(data.now);
    var start = Math.floor(now / 60000) * 60000 - 59 * 60000;
    var ok = new Array(60).fill(0), bad = new Array(60).fill(0);
    data.throughput.forEach(function (t) {
      var i = Math.round((Date.parse(t.minute) - start) / 60000);
      if (i >= 0 && i < 60) { ok[i] += t.succeeded / 60; bad[i] += t.failed / 60; }
    });
    var max = Math.max.apply(null, ok.concat(bad).concat([0.1]));
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#5b6475"; ctx.font = "12px system-ui, sans-serif";
    ctx.fillText(max.toFixed(2) + "/s", 2, 12); ctx.fillText("-60 min", pad, h - 4);
    ctx.fillText("now", w - 28, h - 4);
    function line(values, color) {
      ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
      values.forEach(function (v, i) {
        var x = pad + i * (w - pad - 8) / 59, y = h - 18 - v / max * (h - 36);
        if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    }
    line(ok, "#1f7a3a"); line(bad, "#b3261e");
  }

  // Shows the page for `text`, the JSON just polled. `last` becomes `text` only once the page
  // shows it, so a swap that was skipped (a field has the focus) or failed is tried again at the
  // next poll; and the first poll swaps too, since the state may have moved between the page's
  // render and that poll (when it has not, the fetched <main> is the same and nothing is touched).
  function swap(text) {
    var a = document.activeElement;
    if (a && (a.tagName === "INPUT" || a.tagName === "SELECT" || a.tagName === "TEXTAREA")) { return; }
    fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("main");
        var main = document.querySelector("main");
        if (!fresh || !main) { return; }
        if (fresh.innerHTML !== main.innerHTML) { main.innerHTML = fresh.innerHTML; }
        last = text;
        draw(JSON.parse(text));
      });
  }

  function poll() {
    fetch(api, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.text(); })
      .then(function (text) {
        failures = 0;
        if (live) { live.textContent = "Live: updated " + new Date().toLocaleTimeString(); }
        if (last === null) { draw(JSON.parse(text)); }
        if (text !== last) { swap(text); }
      })
      .catch(function (e) {
        failures++;
        if (live) { live.textContent = "Live updates paused: " + e.message; }
      })
      .finally(function () { setTimeout(poll, failures > 3 ? 10000 : 2000); });
  }

  if (api) {
    if (live) { live.textContent = "Live: polling every 2 s"; }
    poll();
  }
})();
