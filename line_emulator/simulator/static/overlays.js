// What opens over the talk view: the in-app browser frame and the pickers.
import { el } from "./dom.js";

export function showToast(node, text) {
  node.textContent = text;
  node.hidden = false;
  clearTimeout(node.hideTimer);
  node.hideTimer = setTimeout(() => {
    node.hidden = true;
  }, 3500);
}

// Map https://liff.line.me/<LIFF ID>/<path>?<query> (or line://app/...) to the
// bot's LIFF endpoint, logged in as the simulated user; other URLs pass as they are.
export function resolveUri(uri, liffUrl, userId) {
  const match = /^(?:https:\/\/liff\.line\.me|line:\/\/app)\/([^/?#]+)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/.exec(uri);
  if (!match) return { url: uri, liff: false };
  if (!liffUrl) return { url: null, liff: true };
  const target = new URL(liffUrl);
  if (match[2]) target.pathname = target.pathname.replace(/\/$/, "") + match[2];
  new URLSearchParams(match[3] || "").forEach((value, key) => target.searchParams.append(key, value));
  target.searchParams.set("simUser", userId);
  if (match[4]) target.hash = match[4];
  return { url: target.href, liff: true, liffId: match[1] };
}

export function openWebview(webview, url, title) {
  const frame = webview.querySelector("[data-testid=webview-frame]");
  webview.querySelector("[data-testid=webview-title]").textContent = title;
  webview.dataset.location = "";
  webview.hidden = false;
  frame.src = url;
}

export function closeWebview(webview) {
  const frame = webview.querySelector("[data-testid=webview-frame]");
  webview.hidden = true;
  frame.removeAttribute("src");
  frame.src = "about:blank";
}

// Read the frame's page when it is on this origin (e.g. LINE's account link
// completion page), so its title shows in the frame's header.
export function followFrame(webview) {
  const frame = webview.querySelector("[data-testid=webview-frame]");
  frame.addEventListener("load", () => {
    try {
      const doc = frame.contentDocument;
      const path = frame.contentWindow.location.pathname;
      if (!doc || path === "blank") return;
      webview.dataset.location = path;
      if (doc.title) webview.querySelector("[data-testid=webview-title]").textContent = doc.title;
    } catch (error) {
      webview.dataset.location = "external";
    }
  });
}

const PICKER_INPUT = { date: "date", time: "time", datetime: "datetime-local" };

// A bottom sheet with a date/time input; resolves to params or null.
export function pickDatetime(sheet, action) {
  const mode = PICKER_INPUT[action.mode] ? action.mode : "datetime";
  const input = el("input", {
    className: "picker-input",
    testid: "picker-input",
    attrs: { type: PICKER_INPUT[mode], "aria-label": action.label || "日時" },
  });
  for (const key of ["initial", "min", "max"]) {
    if (action[key]) input.setAttribute(key === "initial" ? "value" : key, action[key]);
  }
  if (action.initial) input.value = action.initial;
  return sheetChoice(sheet, action.label || "日時を選択", [input], () =>
    input.value ? { [mode]: input.value } : null);
}

// A bottom sheet listing places (or typed coordinates); resolves to a location.
export function pickLocation(sheet, places) {
  const select = el("select", { testid: "picker-place", attrs: { "aria-label": "場所" } },
    places.map((place, index) => el("option", { text: place.name, attrs: { value: index } })));
  const lat = el("input", { testid: "picker-lat", attrs: { type: "number", step: "any", placeholder: "緯度" } });
  const lng = el("input", { testid: "picker-lng", attrs: { type: "number", step: "any", placeholder: "経度" } });
  const fill = () => {
    const place = places[Number(select.value)];
    if (place) {
      lat.value = place.lat;
      lng.value = place.lng;
    }
  };
  select.addEventListener("change", fill);
  fill();
  return sheetChoice(sheet, "位置情報を送信", [places.length ? select : null, lat, lng], () => {
    if (lat.value === "" || lng.value === "") return null;
    const place = places[Number(select.value)];
    const chosen = place && Number(place.lat) === Number(lat.value) && Number(place.lng) === Number(lng.value);
    return {
      latitude: Number(lat.value),
      longitude: Number(lng.value),
      title: chosen ? place.name : "",
      address: chosen ? place.address || "" : "",
    };
  });
}

function sheetChoice(sheet, title, fields, collect) {
  return new Promise((resolve) => {
    const finish = (value) => {
      sheet.hidden = true;
      sheet.replaceChildren();
      resolve(value);
    };
    const ok = el("button", { className: "picker-ok", testid: "picker-ok", text: "送信", attrs: { type: "button" } });
    const cancel = el("button", { className: "picker-cancel", testid: "picker-cancel", text: "キャンセル", attrs: { type: "button" } });
    ok.addEventListener("click", () => finish(collect()));
    cancel.addEventListener("click", () => finish(null));
    sheet.replaceChildren(
      el("div", { className: "sheet-title", text: title }),
      el("div", { className: "sheet-fields" }, fields),
      el("div", { className: "sheet-buttons" }, [cancel, ok]),
    );
    sheet.hidden = false;
  });
}
