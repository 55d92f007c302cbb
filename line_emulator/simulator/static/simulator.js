// The LINE chat simulator: one user's talk screen, kept in step with the emulator.
import { clockTime, el, safeUrl } from "./dom.js";
import { renderMessage } from "./messages.js";
import {
  closeWebview, followFrame, openWebview, pickDatetime, pickLocation, resolveUri, showToast,
} from "./overlays.js";
import { renderRichMenu } from "./richmenu.js";
import { setUpControls, showUserState } from "./controls.js";

const POLL_MS = 700;
const config = JSON.parse(document.getElementById("sim-config").textContent);
const API = new URL(config.apiBase, window.location.href).href;
const userId = new URLSearchParams(window.location.search).get("user");
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const state = {
  user: null,
  cursor: { deliveries: 0, userSide: 0 },
  lastItem: null,
  effectiveMenuId: undefined,
  menu: null,
  menuOpen: false,
  mode: "keyboard",
  // The input mode the user last chose (null until they choose one): like
  // LINE, a menu the bot links later does not take the keyboard away.
  chosenMode: null,
  polling: false,
  pollAgain: false,
};

export function api(path) {
  return API + path.replace(/^\//, "");
}

async function getJSON(path) {
  const response = await fetch(api(path));
  return { ok: response.ok, status: response.status, body: await response.json() };
}

const toast = (text) => showToast($("toast"), text);

// Send what the user did to the emulator, which records it and POSTs the event.
export async function sendAction(action) {
  if (!userId) return null;
  const response = await fetch(api(`users/${encodeURIComponent(userId)}/actions`), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(action),
  });
  const body = await response.json();
  if (response.status === 409) toast(`友だち追加（またはブロック解除）が必要です (${body.error})`);
  else if (!response.ok) toast(body.error || `HTTP ${response.status}`);
  else if (body.status !== 200) toast(`ボットの応答: HTTP ${body.status || "なし"}`);
  requestPoll();
  return response.ok ? body : null;
}

function openUri(uri, title) {
  const resolved = resolveUri(uri, config.liffUrl, userId);
  if (resolved.liff && !resolved.url) {
    toast("LIFF URL が設定されていません (liff_url)");
    return;
  }
  const url = safeUrl(resolved.url);
  if (!url) {
    toast(`このシミュレーターでは開けません: ${uri}`);
    return;
  }
  openWebview($("webview"), url, title || (resolved.liff ? "LIFF" : new URL(url).host));
}

function photo() {
  const canvas = el("canvas", { attrs: { width: 320, height: 240 } });
  const context = canvas.getContext("2d");
  context.fillStyle = "#9bd4f5";
  context.fillRect(0, 0, 320, 240);
  context.fillStyle = "#ffffff";
  context.font = "28px sans-serif";
  context.fillText("カメラ", 118, 130);
  return canvas.toDataURL("image/png").split(",")[1];
}

async function act(action) {
  if (!action) return;
  hideQuickReplies();
  switch (action.type) {
    case "message":
      await sendAction({ kind: "text", text: action.text });
      break;
    case "postback":
      await sendAction({
        kind: "postback", data: action.data, displayText: action.displayText || action.text,
      });
      applyInputOption(action);
      break;
    case "uri":
      openUri(action.uri, action.label);
      break;
    case "datetimepicker": {
      const params = await pickDatetime($("picker"), action);
      if (params) await sendAction({ kind: "postback", data: action.data, params });
      break;
    }
    case "richmenuswitch": {
      const result = await sendAction({
        kind: "richmenuswitch", richMenuAliasId: action.richMenuAliasId, data: action.data,
      });
      if (result && result.richMenuId) await showMenu(result.richMenuId, false);
      break;
    }
    case "location": {
      const location = await pickLocation($("picker"), config.places || []);
      if (location) await sendAction({ kind: "location", ...location });
      break;
    }
    case "camera":
    case "cameraRoll":
      await sendAction({ kind: "image", contentBase64: photo(), contentType: "image/png" });
      break;
    case "clipboard":
      $("chat-input").value = action.clipboardText || "";
      toast("コピーしました");
      break;
    default:
      toast(`未対応のアクション: ${action.type}`);
  }
}

function applyInputOption(action) {
  if (action.fillInText) $("chat-input").value = action.fillInText;
  if (action.inputOption === "openKeyboard" || action.fillInText) chooseMode("keyboard");
  if (action.inputOption === "closeRichMenu") setMenuOpen(false);
  if (action.inputOption === "openRichMenu") {
    chooseMode("menu");
    setMenuOpen(true);
  }
}

const ctx = {
  act,
  openUri,
  contentUrl: (id) => api(`content/${encodeURIComponent(id)}`),
  couponUrl: (id) => api(`coupons/${encodeURIComponent(id)}`),
};

// Talk view

function senderName(item) {
  return (item.message && item.message.sender && item.message.sender.name) || config.botName;
}

function talkRow(item, previous) {
  if (item.from === "system") {
    return el("div", { className: "talk-note", testid: "talk-note", text: item.text });
  }
  const message = item.message || {};
  const row = el("div", {
    className: `talk-row from-${item.from}`,
    testid: "message",
    attrs: { "data-from": item.from, "data-type": message.type, "data-via": item.via },
  });
  const content = renderMessage(message, ctx, item.from === "user");
  const time = el("span", { className: "talk-time", text: clockTime(item.timestamp) });
  if (item.from === "bot") {
    const name = senderName(item);
    // Like LINE, a run of messages from one sender shows its icon and name once.
    if (previous && previous.from === "bot" && senderName(previous) === name) {
      row.classList.add("continued");
    }
    row.append(
      el("div", { className: "avatar", text: Array.from(name)[0] || "B", attrs: { "aria-hidden": "true" } }),
      el("div", { className: "talk-column" }, [
        el("div", { className: "sender-name", text: name }),
        el("div", { className: "talk-line" }, [content, time]),
      ]),
    );
  } else {
    row.append(el("div", { className: "talk-line" }, [time, content]));
  }
  return row;
}

function appendItems(items) {
  const talk = $("talk");
  const nearBottom = talk.scrollHeight - talk.scrollTop - talk.clientHeight < 80;
  for (const item of items) {
    const row = talkRow(item, state.lastItem);
    row.querySelectorAll("img").forEach((img) =>
      img.addEventListener("load", () => {
        if (nearBottom) talk.scrollTop = talk.scrollHeight;
      }));
    talk.append(row);
    state.lastItem = item;
  }
  showQuickReplies();
  scrollToEnd();
}

// The quick reply strip takes room from the talk view: scroll after it shows.
function scrollToEnd() {
  const talk = $("talk");
  talk.scrollTop = talk.scrollHeight;
}

function hideQuickReplies() {
  $("quick-replies").hidden = true;
  $("quick-replies").replaceChildren();
}

function showQuickReplies() {
  const item = state.lastItem;
  const quickReply = item && item.from === "bot" && item.message && item.message.quickReply;
  if (!quickReply || !Array.isArray(quickReply.items)) {
    hideQuickReplies();
    return;
  }
  const strip = $("quick-replies");
  strip.replaceChildren(...quickReply.items.map((entry) => {
    const action = entry.action || {};
    const chip = el("button", {
      className: "quick-reply",
      testid: "quick-reply",
      attrs: { type: "button", "data-action-type": action.type },
    });
    const icon = safeUrl(entry.imageUrl);
    if (icon) {
      const image = el("img", { className: "quick-reply-icon", attrs: { src: icon, alt: "" } });
      image.addEventListener("load", scrollToEnd);
      chip.append(image);
    }
    chip.append(el("span", { text: action.label || { camera: "カメラ", cameraRoll: "カメラロール", location: "位置情報" }[action.type] || "" }));
    chip.addEventListener("click", () => act(action));
    return chip;
  }));
  strip.hidden = false;
  scrollToEnd();
}

// Rich menu and input modes

function chooseMode(mode) {
  state.chosenMode = mode;
  setMode(mode);
}

function setMode(mode) {
  state.mode = state.menu ? mode : "keyboard";
  const menuMode = state.mode === "menu";
  $("input-bar").hidden = menuMode;
  $("chat-bar-row").hidden = !menuMode;
  $("menu-mode-button").hidden = !state.menu;
  $("richmenu").hidden = !(menuMode && state.menuOpen);
}

function setMenuOpen(open) {
  state.menuOpen = open;
  $("chat-bar").dataset.open = String(open);
  setMode(state.mode);
}

const menuCache = new Map();

async function showMenu(richMenuId, fresh) {
  if (!richMenuId) {
    state.menu = null;
    $("richmenu").dataset.richMenuId = "";
    setMode("keyboard");
    return;
  }
  if (!menuCache.has(richMenuId)) {
    const answer = await getJSON(`richmenus/${encodeURIComponent(richMenuId)}`);
    if (!answer.ok) return;
    menuCache.set(richMenuId, answer.body);
  }
  state.menu = menuCache.get(richMenuId);
  const imageUrl = api(`richmenus/${encodeURIComponent(richMenuId)}/image`);
  renderRichMenu($("richmenu"), state.menu, imageUrl, ctx);
  $("chat-bar").textContent = state.menu.chatBarText;
  if (fresh) {
    state.menuOpen = Boolean(state.menu.selected);
    setMode(state.chosenMode || "menu");
  }
  setMenuOpen(state.menuOpen);
}

// Polling the emulator

export function requestPoll() {
  if (state.polling) {
    state.pollAgain = true;
    return;
  }
  poll();
}

async function poll() {
  if (!userId) return;
  state.polling = true;
  try {
    const query = `deliveries=${state.cursor.deliveries}&userSide=${state.cursor.userSide}`;
    const answer = await getJSON(`users/${encodeURIComponent(userId)}/talk?${query}`);
    if (answer.ok) await applyTalk(answer.body);
    else if (answer.status === 404) toast("このユーザーはエミュレーターにいません");
  } catch (error) {
    // The emulator restarts or the network blinks: the next poll catches up.
  } finally {
    state.polling = false;
    if (state.pollAgain) {
      state.pollAgain = false;
      poll();
    }
  }
}

async function applyTalk(talk) {
  if (talk.restarted) {
    $("talk").replaceChildren();
    state.lastItem = null;
  }
  state.cursor = talk.cursor;
  state.user = talk.user;
  showUserState(talk.user, sendAction);
  const menuId = talk.richMenu.richMenuId;
  if (menuId !== state.effectiveMenuId) {
    // A menu the bot linked (or unlinked) replaces a tab the user switched to.
    state.effectiveMenuId = menuId;
    await showMenu(menuId, true);
  }
  if (talk.items.length) appendItems(talk.items);
}

function schedulePolls() {
  setInterval(requestPoll, POLL_MS);
}

// Wiring

function setUpPhone() {
  $("chat-title").textContent = config.botName;
  $("input-bar").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("chat-input");
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    hideQuickReplies();
    await sendAction({ kind: "text", text });
  });
  $("keyboard-button").addEventListener("click", () => chooseMode("keyboard"));
  $("menu-mode-button").addEventListener("click", () => {
    chooseMode("menu");
    setMenuOpen(true);
  });
  $("chat-bar").addEventListener("click", () => setMenuOpen(!state.menuOpen));
  $("webview-close").addEventListener("click", () => closeWebview($("webview")));
  followFrame($("webview"));
  // A LIFF page in the frame may close itself or send messages as the user.
  window.addEventListener("message", (event) => {
    const frame = $("webview-frame");
    if (event.source !== frame.contentWindow || !event.data) return;
    // LIFF's closeWindow, and LINE's account link dialog when it is done.
    if (["liff.closeWindow", "line.closeWebview"].includes(event.data.type)) {
      closeWebview($("webview"));
    }
    if (event.data.type === "liff.sendMessages" && Array.isArray(event.data.messages)) {
      for (const message of event.data.messages) {
        if (message && message.type === "text") sendAction({ kind: "text", text: message.text });
      }
    }
  });
  setMode("keyboard");
}

setUpPhone();
setUpControls({ config, userId, api, sendAction, toast });
if (userId) {
  requestPoll();
  schedulePolls();
} else {
  $("talk").append(el("div", {
    className: "talk-note talk-empty",
    testid: "talk-note",
    text: "右のパネル（または下）でユーザーを選ぶか作成してください。",
  }));
}
