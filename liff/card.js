/* The member card page: LIFF sign-in, the card API, a local cache, the QR countdown. */
(function () {
  "use strict";

  var CACHE_KEY = "member-card:v1";
  var RETRY_OFFLINE_MS = 15000;
  var config = window.CARD_CONFIG || {};
  var expiresAtMs = 0;
  var loading = false;
  var retriedLogin = false;
  var retryTimer = null;

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

  function ageText(ms) {
    var minutes = Math.floor(ms / 60000);
    if (minutes < 1) { return "1分以内"; }
    if (minutes < 60) { return minutes + "分前"; }
    var hours = Math.floor(minutes / 60);
    if (hours < 24) { return hours + "時間前"; }
    return Math.floor(hours / 24) + "日前";
  }

  function readCache() {
    try {
      var cached = JSON.parse(window.localStorage.getItem(CACHE_KEY) || "null");
      return cached && cached.card ? cached : null;
    } catch (err) {
      return null;
    }
  }

  function writeCache(card) {
    var kept = Object.assign({}, card);
    // A QR code is useless once it has expired, so it is never cached.
    delete kept.qr_svg;
    delete kept.qr_code;
    try {
      window.localStorage.setItem(CACHE_KEY, JSON.stringify({ card: kept, savedAt: Date.now() }));
    } catch (err) { /* storage full or disabled: the page still works online */ }
  }

  function setStatus(text, kind) {
    var status = $("card-status");
    status.textContent = text;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function formatDate(iso) {
    var date = new Date(iso);
    return date.getFullYear() + "/" + (date.getMonth() + 1) + "/" + date.getDate();
  }

  var KIND_LABELS = {
    opening: "移行", earn: "獲得", redeem: "利用", expire: "失効", reversal: "取消"
  };

  function renderHistory(history) {
    var list = $("history");
    list.textContent = "";
    (history || []).forEach(function (entry) {
      var item = document.createElement("li");
      var what = document.createElement("span");
      what.textContent = formatDate(entry.at) + " " + (KIND_LABELS[entry.kind] || entry.kind);
      var delta = document.createElement("span");
      delta.className = entry.delta >= 0 ? "plus" : "minus";
      delta.textContent = (entry.delta >= 0 ? "+" : "") + entry.delta.toLocaleString("ja-JP") + " pt";
      item.appendChild(what);
      item.appendChild(delta);
      list.appendChild(item);
    });
    $("history-empty").hidden = (history || []).length > 0;
  }

  function renderCoupons(coupons) {
    var list = $("card-coupon-list");
    list.textContent = "";
    var user = new URLSearchParams(window.location.search).get("simUser");
    (coupons || []).forEach(function (coupon) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      var query = "?coupon=" + encodeURIComponent(coupon.coupon_id) +
        (user ? "&simUser=" + encodeURIComponent(user) : "");
      link.href = "/liff/card/coupons" + query;
      link.textContent = coupon.title;
      var value = document.createElement("span");
      value.className = "plus";
      value.textContent = coupon.value_label;
      item.appendChild(link);
      item.appendChild(value);
      list.appendChild(item);
    });
    $("card-coupons").hidden = !(coupons || []).length;
  }

  function renderCard(card, live) {
    $("not-linked").hidden = true;
    $("member").hidden = false;
    $("member-name").textContent = card.name + " 様";
    $("member-rank").textContent = card.rank_label || card.rank;
    $("points").textContent = Number(card.points).toLocaleString("ja-JP");
    $("points-expiry").textContent = card.points_expire_at
      ? "うち " + card.points_expiring.toLocaleString("ja-JP") + " pt の有効期限は " +
        formatDate(card.points_expire_at) + " です"
      : "";
    // The SVGs are drawn by our server from digits only.
    $("barcode").innerHTML = card.barcode_svg;
    $("member-no").textContent = card.member_no.replace(/(\d{4})(\d{4})(\d{5})/, "$1 $2 $3");
    renderHistory(card.history);
    renderCoupons(card.coupons);
    var qr = $("qr");
    if (live) {
      qr.innerHTML = card.qr_svg;
      qr.className = "qr";
      qr.dataset.code = card.qr_code;
      var ttl = card.qr_ttl_seconds || 60;
      $("qr-progress").max = ttl;
      // Count from when the card arrived: the phone's clock may be off.
      expiresAtMs = Date.now() + ttl * 1000;
      tick();
    } else {
      expiresAtMs = 0;
      qr.className = "qr stale";
      qr.dataset.code = "";
      $("qr-countdown").textContent = "QRコードは通信が戻ると表示されます。バーコードをご利用ください";
      $("qr-progress").value = 0;
    }
  }

  function showNotLinked(message) {
    $("member").hidden = true;
    $("not-linked").hidden = false;
    $("not-linked-message").textContent = message;
    setStatus("会員証はまだ表示できません", "error");
  }

  function showOffline() {
    var cached = readCache();
    if (cached) {
      renderCard(cached.card, false);
      setStatus("通信できません。" + ageText(Date.now() - cached.savedAt) +
        "に更新した会員証を表示しています", "offline");
    } else {
      setStatus("通信できません。電波の良い場所でもう一度お試しください", "error");
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(refresh, RETRY_OFFLINE_MS);
  }

  function tick() {
    if (!expiresAtMs) { return; }
    var remaining = Math.ceil((expiresAtMs - Date.now()) / 1000);
    if (remaining <= 0) {
      expiresAtMs = 0;
      $("qr-countdown").textContent = "QRコードを更新しています…";
      $("qr-progress").value = 0;
      refresh();
      return;
    }
    $("qr-countdown").textContent = "QRコード有効期限 あと " + remaining + " 秒";
    $("qr-progress").value = remaining;
  }

  function relogin() {
    return Promise.resolve(window.liff.login({ redirectUri: window.location.href }));
  }

  function refresh() {
    if (loading) { return Promise.resolve(); }
    loading = true;
    clearTimeout(retryTimer);
    var token = window.liff.getIDToken();
    return fetch("/api/member/card", {
      method: "POST",
      headers: { Authorization: "Bearer " + token },
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (answer) {
      loading = false;
      if (answer.status === 401 && !retriedLogin) {
        retriedLogin = true;
        return relogin().then(refresh);
      }
      if (answer.status === 403) { showNotLinked(answer.body.message || ""); return; }
      if (answer.status !== 200) { throw new Error(answer.body.message || "HTTP " + answer.status); }
      retriedLogin = false;
      writeCache(answer.body);
      renderCard(answer.body, true);
      setStatus("最新の会員証です");
    }).catch(function () {
      loading = false;
      showOffline();
    });
  }

  function start() {
    var cached = readCache();
    if (cached) {
      renderCard(cached.card, false);
      setStatus(ageText(Date.now() - cached.savedAt) + "に更新した会員証を表示しています。最新の情報を読み込み中…", "offline");
    }
    loadSdk().then(function () {
      return window.liff.init({ liffId: config.liffId });
    }).then(function () {
      if (!window.liff.isLoggedIn()) { window.liff.login({ redirectUri: window.location.href }); return; }
      return refresh();
    }).catch(showOffline);
    setInterval(tick, 500);
    window.addEventListener("online", function () { refresh(); });
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/liff/sw.js", { scope: "/liff/" }).catch(function () {});
    }
  }

  start();
}());
