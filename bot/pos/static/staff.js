/* The register page: store sign-in, keyboard-wedge and camera scanning, sales. */
(function () {
  "use strict";

  var KEY_STORAGE = "pos-store-key";
  var FORMATS = ["qr_code", "code_128", "ean_13"];
  var camera = { stream: null, timer: null };

  function $(id) { return document.getElementById(id); }
  // Every point figure on the page is written one way: 1,052.
  function points(value) { return Number(value).toLocaleString("ja-JP"); }
  function storeKey() { return window.sessionStorage.getItem(KEY_STORAGE) || ""; }

  function api(method, path, body) {
    return fetch("/api/pos/" + path, {
      method: method,
      headers: { "Authorization": "Bearer " + storeKey(), "Content-Type": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) { signOut("APIキーが無効になりました。もう一度サインインしてください"); }
        return { status: response.status, data: data };
      });
    }, function () {
      return { status: 0, data: { message: "通信できません。ネットワークを確認してください" } };
    });
  }

  function signIn(key) {
    window.sessionStorage.setItem(KEY_STORAGE, key);
    return api("GET", "store").then(function (answer) {
      if (answer.status !== 200) {
        window.sessionStorage.removeItem(KEY_STORAGE);
        $("signin-error").textContent = answer.data.message || "サインインできませんでした";
        return;
      }
      $("signin").hidden = true;
      $("register").hidden = false;
      $("store-name").textContent = answer.data.name + "（" + answer.data.code + "）";
      $("scan-input").focus();
    });
  }

  function signOut(message) {
    window.sessionStorage.removeItem(KEY_STORAGE);
    $("register").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message || "";
  }

  function showCoupons(coupons, scanned) {
    var list = $("coupon-options");
    list.textContent = "";
    (coupons || []).forEach(function (coupon) {
      var item = document.createElement("li");
      item.className = coupon.usable_here ? "" : "unusable";
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "coupon";
      box.value = coupon.code;
      box.disabled = !coupon.usable_here;
      box.checked = coupon.usable_here && coupon.code === scanned;
      var text = document.createElement("span");
      var expires = new Date(coupon.expires_at);
      text.textContent = coupon.title + "（" + (coupon.min_purchase
        ? coupon.min_purchase.toLocaleString("ja-JP") + "円以上・" : "") +
        (expires.getMonth() + 1) + "/" + expires.getDate() + "まで）" +
        (coupon.usable_here ? "" : " この店舗では使えません");
      var code = document.createElement("span");
      code.className = "coupon-code";
      code.textContent = coupon.code;
      label.appendChild(box);
      label.appendChild(text);
      label.appendChild(code);
      item.appendChild(label);
      list.appendChild(item);
    });
    $("coupon-choices").hidden = !(coupons || []).length;
  }

  function chosenCoupons() {
    var boxes = document.querySelectorAll("#coupon-options input:checked");
    return Array.prototype.map.call(boxes, function (box) { return box.value; });
  }

  function showMember(member) {
    $("guest-summary").hidden = true;
    $("member-summary").hidden = false;
    $("summary-name").textContent = member.name;
    $("summary-rank").textContent = member.rank_label || member.rank;
    $("summary-member-no").textContent = member.member_no;
    $("summary-points").textContent = points(member.points);
    $("purchase-member-no").value = member.member_no;
    $("points-row").hidden = false;
    $("purchase-form").hidden = false;
    $("receipt-no").focus();
  }

  // A guest's coupon (a LINE friend who is no member): the sale applies their
  // coupons without a member number, and earns or uses no points.
  function showGuest() {
    $("member-summary").hidden = true;
    $("guest-summary").hidden = false;
    $("purchase-member-no").value = "";
    $("points-used").value = "0";
    $("points-row").hidden = true;
    $("purchase-form").hidden = false;
    $("receipt-no").focus();
  }

  function scan(code) {
    $("scan-error").textContent = "";
    $("purchase-result").textContent = "";
    return api("POST", "scan", { code: code.trim() }).then(function (answer) {
      $("scan-input").value = "";
      if (answer.status !== 200) {
        $("scan-error").textContent = answer.data.message || "照会できませんでした";
        $("member-summary").hidden = true;
        $("guest-summary").hidden = true;
        $("purchase-form").hidden = true;
        $("scan-input").focus();
        return;
      }
      if (answer.data.member) { showMember(answer.data.member); } else { showGuest(); }
      showCoupons(answer.data.coupons, answer.data.scanned_coupon);
    });
  }

  function recordPurchase() {
    var body = {
      receipt_no: $("receipt-no").value.trim(),
      amount: parseInt($("amount").value, 10),
      coupon_codes: chosenCoupons()
    };
    if ($("purchase-member-no").value) {
      body.member_no = $("purchase-member-no").value;
      body.points_used = parseInt($("points-used").value || "0", 10);
    } else if (!body.coupon_codes.length) {
      $("purchase-result").className = "error";
      $("purchase-result").textContent = "ゲストのお客さまは、使うクーポンを選んでください";
      return Promise.resolve();
    }
    return api("POST", "transactions", body).then(function (answer) {
      if (answer.status !== 200 && answer.status !== 201) {
        $("purchase-result").className = "error";
        $("purchase-result").textContent = answer.data.message || "記録できませんでした";
        return;
      }
      var purchase = answer.data.purchase;
      var head = (answer.status === 200 ? "記録済みのレシートです。" : "記録しました。") +
        (answer.data.discount ? "クーポン割引 " + points(answer.data.discount) + " 円・" : "");
      $("purchase-result").className = "result";
      if (answer.data.member) {
        $("purchase-result").textContent = head +
          "獲得 " + points(purchase.points_earned) + " pt・利用 " +
          points(purchase.points_used) + " pt・残高 " + points(answer.data.member.points) +
          " pt";
        $("summary-points").textContent = points(answer.data.member.points);
      } else {
        $("purchase-result").textContent = head + "ゲストのお客さまのため、ポイントは付きません";
      }
      $("purchase-form").reset();
      $("purchase-form").hidden = true;
      $("coupon-choices").hidden = true;
      $("scan-input").focus();
    });
  }

  function refund() {
    var receipt = $("refund-receipt-no").value.trim();
    return api("POST", "refunds", { receipt_no: receipt }).then(function (answer) {
      $("refund-result").className = answer.status === 200 ? "result" : "error";
      $("refund-result").textContent = answer.status === 200
        ? "取り消しました。戻したポイント " + points(answer.data.points_restored) +
          " pt・差し引いたポイント " + points(answer.data.points_taken_back) + " pt" +
          (answer.data.coupons_restored.length
            ? "・再び使えるクーポン " + answer.data.coupons_restored.length + " 枚" : "")
        : (answer.data.message || "取り消せませんでした");
    });
  }

  function stopCamera() {
    clearInterval(camera.timer);
    if (camera.stream) { camera.stream.getTracks().forEach(function (t) { t.stop(); }); }
    camera.stream = null;
    $("camera").hidden = true;
  }

  function startCamera() {
    var detector;
    window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      detector = new window.BarcodeDetector({ formats: formats });
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    }).then(function (stream) {
      camera.stream = stream;
      var video = $("camera-video");
      video.srcObject = stream;
      $("camera").hidden = false;
      return video.play();
    }).then(function () {
      camera.timer = setInterval(function () {
        detector.detect($("camera-video")).then(function (found) {
          if (found.length && camera.stream) {
            stopCamera();
            scan(found[0].rawValue);
          }
        }).catch(function () {});
      }, 300);
    }).catch(function () {
      stopCamera();
      $("scan-error").textContent = "カメラを使えません。スキャナーか手入力をご利用ください";
    });
  }

  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    signIn($("store-key").value.trim());
  });
  $("signout").addEventListener("click", function () { signOut(""); });
  // A keyboard-wedge scanner types the code and presses Enter: a form submit.
  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if ($("scan-input").value.trim()) { scan($("scan-input").value); }
  });
  $("purchase-form").addEventListener("submit", function (event) {
    event.preventDefault();
    recordPurchase();
  });
  $("refund-form").addEventListener("submit", function (event) {
    event.preventDefault();
    refund();
  });
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    $("camera-button").hidden = false;
    $("camera-button").addEventListener("click", startCamera);
    $("camera-stop").addEventListener("click", stopCamera);
  }
  if (storeKey()) { signIn(storeKey()); }
}());
