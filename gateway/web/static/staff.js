/* Staff console charts (Chart.js, vendored). Data comes from <script type="application/json">
   blocks in the page; nothing here is inline, so the strict CSP holds. */
(function () {
  "use strict";
  var PALETTE = ["#0a4a82", "#1d6b34", "#a01b1b", "#7a4b00", "#5b2a86", "#006d75", "#4a4a4a", "#b3541e"];

  function readJson(el) {
    try { return JSON.parse(el.textContent || "null"); } catch (e) { return null; }
  }

  function datasets(series, fill) {
    return Object.keys(series).map(function (name, i) {
      var colour = PALETTE[i % PALETTE.length];
      return { label: name, data: series[name], backgroundColor: colour, borderColor: colour, fill: fill };
    });
  }

  function draw(canvas, config) {
    if (!window.Chart || canvas.dataset.drawn) { return; }
    canvas.dataset.drawn = "1";
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    new window.Chart(canvas, config);
  }

  function drawWho5(root) {
    root.querySelectorAll("canvas[data-chart='who5']").forEach(function (canvas) {
      var data = readJson(canvas.closest("figure").querySelector("script.chart-data"));
      if (!data) { return; }
      draw(canvas, {
        type: "line",
        data: { labels: data.labels, datasets: [{ label: data.label, data: data.values, borderColor: PALETTE[0], backgroundColor: PALETTE[0], tension: 0.2 }] },
        options: { scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } }
      });
    });
  }

  function drawDpo() {
    var source = document.getElementById("dpo-chart-data");
    if (!source) { return; }
    var data = readJson(source);
    var labels = readJson(document.getElementById("dpo-chart-labels")) || {};
    if (!data) { return; }
    var stacked = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } };
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.dataset.chart;
      if (kind === "by_department" || kind === "by_purpose") {
        draw(canvas, { type: "bar", data: { labels: data.days, datasets: datasets(data[kind], false) }, options: stacked });
      } else if (kind === "denial_rate") {
        var pct = function (v) { return v === null ? null : Math.round(v * 1000) / 10; };
        draw(canvas, {
          type: "line",
          data: { labels: data.days, datasets: datasets({}, false).concat([
            { label: labels.denied || "denied", data: data.denial_rate.map(pct), borderColor: PALETTE[2], backgroundColor: PALETTE[2], spanGaps: true },
            { label: labels.withheld || "withheld", data: data.withheld_rate.map(pct), borderColor: PALETTE[3], backgroundColor: PALETTE[3], spanGaps: true }
          ]) },
          options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } } }
        });
      } else if (kind === "top_users") {
        draw(canvas, {
          type: "bar",
          data: {
            labels: data.top_users.map(function (u) { return u.actor_id; }),
            datasets: [{ label: labels.citizens || "citizens", data: data.top_users.map(function (u) { return u.distinct_citizens; }), backgroundColor: PALETTE[0] }]
          },
          options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } }
        });
      }
    });
  }

  function init(root) {
    drawWho5(root || document);
    drawDpo();
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // After a section is fetched again (Prøv igen), the summary line counts the sections anew.
  function recount() {
    var summary = document.querySelector("[data-testid=summary][data-template]");
    if (!summary) { return; }
    var count = function (status) {
      return document.querySelectorAll("[data-testid=section][data-status=" + status + "]").length;
    };
    summary.textContent = summary.dataset.template
      .replace("{granted}", count("granted"))
      .replace("{withheld}", count("withheld"))
      .replace("{unavailable}", count("unavailable"));
  }

  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); recount(); });
})();
