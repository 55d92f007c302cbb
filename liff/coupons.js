/* The coupon page: LIFF sign-in, the coupon API, and a one-time register code. */
(function () {
  "use strict";

  var config = window.CARD_CONFIG || {};
  var coupons = [];
  var current = null;
  var expiresAtMs = 0;
  var retriedLogin = false;

  function $(id) { return document.getElementById(id); }

  function loadSdk() {
    return new Promise(function (resolve, reject) {
      if (window.liff) { resolve(); return; }
      var script = document.createElement("script");
      script.src = config.sdkUrl;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("LIFF SDK not loaded")); };
      document.head.appendChild(script);
    });
  }

  function setStatus(text, kind) {
    var status = $("card-status");
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function formatDate(iso) {
    var d = new Date(iso);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "/" + (d.getMonth() + 1) + "/" + d.getDate() + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  var STATE_LABELS = { usable: "利用できます", used: "使用済み", expired: "期限切れ",
    withdrawn: "取り消し済み" };

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { Authorization: "Bearer " + window.liff.getIDToken(),
        "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, body: json };
      });
    });
  }

  function renderList() {
    var list = $("coupon-list");
    list.textContent = "";
    coupons.forEach(function (coupon) {
      var item = document.createElement("li");
      item.className = coupon.status;
      item.dataset.couponId = coupon.coupon_id;
      var button = document.createElement("button");
      button.type = "button";
      var title = document.createElement("strong");
      title.textContent = coupon.title;
      var value = document.createElement("span");
      value.className = "value";
      value.textContent = coupon.value_label;
      var when = document.createElement("span");
      when.className = "small";
      when.textContent = " " + (coupon.status === "usable"
        ? formatDate(coupon.expires_at) + " まで" : STATE_LABELS[coupon.status]);
      button.appendChild(title);
      button.appendChild(value);
      button.appendChild(when);
      button.addEventListener("click", function () { showCoupon(coupon); });
      item.appendChild(button);
      list.appendChild(item);
    });
    $("coupon-empty").hidden = coupons.some(function (c) { return c.status === "usable"; });
  }

  function showList() {
    current = null;
    expiresAtMs = 0;
    $("detail").hidden = true;
    $("list").hidden = false;
  }

  function showCoupon(coupon) {
    current = coupon;
    $("list").hidden = true;
    $("detail").hidden = false;
    $("coupon-title").textContent = coupon.title;
    $("coupon-value").textContent = coupon.value_label;
    var state = $("coupon-state");
    state.textContent = STATE_LABELS[coupon.status] || coupon.status;
    state.className = "coupon-state " + coupon.status;
    $("coupon-expiry").textContent = "有効期限 " + formatDate(coupon.expires_at) + " まで";
    $("coupon-terms").textContent = coupon.description || "";
    $("coupon-minimum").textContent = coupon.min_purchase
      ? coupon.min_purchase.toLocaleString("ja-JP") + "円以上のお買い物でご利用いただけます" : "";
    var usable = coupon.status === "usable";
    var inStore = coupon.channels.indexOf("store") >= 0;
    $("register-codes").hidden = !(usable && inStore);
    $("online-code").hidden = !(usable && coupon.channels.indexOf("online") >= 0);
    $("coupon-code").textContent = coupon.code;
    if (usable && inStore) { refreshCode(); }
  }

  function refreshCode() {
    if (!current) { return; }
    var coupon = current;
    post("/api/member/coupons/scan-code", { code: coupon.code }).then(function (answer) {
      if (current !== coupon) { return; }
      if (answer.status !== 200) {
        // Used at a register meanwhile, or expired: show the latest state.
        return loadCoupons();
      }
      $("coupon-qr").innerHTML = answer.body.qr_svg;
      $("coupon-qr").dataset.code = answer.body.scan_code;
      $("coupon-barcode").innerHTML = answer.body.barcode_svg;
      $("coupon-scan-code").textContent = answer.body.scan_code;
      $("coupon-progress").max = answer.body.ttl_seconds;
      expiresAtMs = Date.now() + answer.body.ttl_seconds * 1000;
      tick();
    }).catch(function () {
      setStatus("通信できません。電波の良い場所でもう一度お試しください", "error");
    });
  }

  function tick() {
    if (!expiresAtMs || !current) { return; }
    var remaining = Math.ceil((expiresAtMs - Date.now()) / 1000);
    if (remaining <= 0) {
      expiresAtMs = 0;
      $("coupon-countdown").textContent = "コードを更新しています…";
      // After a scan the coupon may be used: reload it, then a fresh code.
      loadCoupons();
      return;
    }
    $("coupon-countdown").textContent = "コード有効期限 あと " + remaining + " 秒";
    $("coupon-progress").value = remaining;
  }

  function loadCoupons() {
    return post("/api/member/coupons").then(function (answer) {
      if (answer.status === 401 && !retriedLogin) {
        retriedLogin = true;
        return Promise.resolve(window.liff.login({ redirectUri: window.location.href }))
          .then(loadCoupons);
      }
      if (answer.status !== 200) { throw new Error(answer.body.message || "HTTP " + answer.status); }
      coupons = answer.body.coupons;
      renderList();
      setStatus("最新のクーポンです");
      var wanted = current ? current.code : null;
      var chosen = null;
      if (wanted) {
        chosen = coupons.filter(function (c) { return c.code === wanted; })[0];
      } else {
        var pick = new URLSearchParams(window.location.search).get("coupon");
        if (pick) {
          var matching = coupons.filter(function (c) { return c.coupon_id === pick; });
          chosen = matching.filter(function (c) { return c.status === "usable"; })[0] || matching[0];
        }
      }
      if (chosen) { showCoupon(chosen); } else if (wanted) { showList(); }
    }).catch(function () {
      setStatus("通信できません。電波の良い場所でもう一度お試しください", "error");
    });
  }

  function start() {
    $("back").addEventListener("click", showList);
    var params = new URLSearchParams(window.location.search);
    var user = params.get("simUser") || params.get("user");
    if (user) { $("to-card").href = "/liff/card?user=" + encodeURIComponent(user); }
    loadSdk().then(function () {
      return window.liff.init({ liffId: config.liffId });
    }).then(function () {
      if (!window.liff.isLoggedIn()) { window.liff.login({ redirectUri: window.location.href }); return; }
      return loadCoupons();
    }).catch(function () {
      setStatus("通信できません。電波の良い場所でもう一度お試しください", "error");
    });
    setInterval(tick, 500);
  }

  start();
}());
