// The marketing console's small scripts: live segment count, message preview,
// one-submit send buttons, withdraw confirmations and charts.
(function () {
  "use strict";
  const GREEN = "#06c755", RED = "#e74c3c", BLUE = "#3b82f6", GREY = "#94a3b8";

  function readJson(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function liveCount() {
    const form = document.getElementById("send-form");
    const out = document.getElementById("segment-count");
    if (!form || !out) return;
    const error = document.getElementById("segment-error");
    let timer = null, asked = 0;
    function refresh() {
      const params = new URLSearchParams();
      form.querySelectorAll("#conditions input, #conditions select").forEach(function (el) {
        if (el.value) params.set(el.name, el.value);
      });
      const mine = ++asked;
      fetch(out.dataset.url + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
        .then(function (res) {
          if (mine !== asked) return;  // a newer answer is on its way
          if (res[0]) { out.textContent = res[1].count.toLocaleString("ja-JP"); error.textContent = ""; }
          else { out.textContent = "-"; error.textContent = res[1].error; }
        });
    }
    form.querySelectorAll("#conditions input, #conditions select").forEach(function (el) {
      el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
      el.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 50); });
    });
    refresh();
  }

  function drawPhone(prefix) {
    // One phone of the preview: the variant's text, image and coupon as LINE shows them.
    const text = document.getElementById(prefix + "message-text");
    if (!text) return;
    const image = document.getElementById(prefix + "message-image");
    const coupon = document.getElementById(prefix + "message-coupon");
    const bubble = document.getElementById(prefix + "preview-text");
    const img = document.getElementById(prefix + "preview-image");
    const couponBubble = document.getElementById(prefix + "preview-coupon");
    function draw() {
      bubble.textContent = text.value;
      const url = image.value.trim();
      img.hidden = !url.startsWith("https://");
      if (!img.hidden) img.src = url;
      couponBubble.hidden = !coupon.value;
      couponBubble.textContent = coupon.value ? "🎟 " + coupon.options[coupon.selectedIndex].text : "";
    }
    [text, image, coupon].forEach(function (el) { el.addEventListener("input", draw); el.addEventListener("change", draw); });
    draw();
  }

  function preview() {
    drawPhone("");
    drawPhone("b-");
    const toggle = document.getElementById("ab-toggle");
    if (!toggle) return;
    function showB() {
      const on = toggle.checked;
      document.getElementById("variant-b").hidden = !on;
      document.getElementById("phone-b").hidden = !on;
      document.getElementById("label-a").hidden = !on;
    }
    toggle.addEventListener("change", showB);
    showB();
  }

  function oneSubmit() {
    // The server refuses a second send for the same key; this only spares the click.
    const form = document.getElementById("send-now");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      document.getElementById("send-button").disabled = true;
    });
  }

  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  function chart(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    new window.Chart(canvas, config);
  }

  function charts() {
    const friends = readJson("friends-data");
    if (friends) {
      chart("friends-chart", {
        type: "line",
        data: {
          labels: friends.map(function (r) { return r.day.slice(5); }),
          datasets: [
            { label: "友だち追加", data: friends.map(function (r) { return r.follows; }), borderColor: GREEN, backgroundColor: GREEN },
            { label: "ブロック", data: friends.map(function (r) { return r.blocks; }), borderColor: RED, backgroundColor: RED },
            { label: "会員連携", data: friends.map(function (r) { return r.links; }), borderColor: BLUE, backgroundColor: BLUE },
          ],
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
    const sends = readJson("sends-data");
    if (sends) {
      const ordered = sends.slice().reverse();
      chart("sends-chart", {
        type: "bar",
        data: {
          labels: ordered.map(function (s) { return "#" + s.id; }),
          datasets: [
            { label: "配信数", data: ordered.map(function (s) { return s.recipients; }), backgroundColor: GREY },
            { label: "クリック", data: ordered.map(function (s) { return s.clicked; }), backgroundColor: BLUE },
            { label: "コンバージョン", data: ordered.map(function (s) { return s.converted; }), backgroundColor: GREEN },
          ],
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
    const funnel = readJson("funnel-data");
    if (funnel) {
      const steps = [["配信", "recipients"], ["到達", "delivered"], ["クリック", "clicked"], ["店舗購入", "store"], ["オンライン購入", "online"]];
      const groups = Object.keys(funnel.variants).length > 1 ? funnel.variants : { "全体": funnel.total };
      const colours = [GREEN, BLUE, "#f59e0b", "#8b5cf6"];
      chart("funnel-chart", {
        type: "bar",
        data: {
          labels: steps.map(function (s) { return s[0]; }),
          datasets: Object.keys(groups).map(function (name, i) {
            return { label: name, data: steps.map(function (s) { return groups[name][s[1]] || 0; }), backgroundColor: colours[i % colours.length] };
          }),
        },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveCount(); preview(); oneSubmit(); confirmations(); charts();
  });
})();
