// The panel beside the phone: who the user is and what a phone would do.
import { el } from "./dom.js";

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

function userUrl(id) {
  const url = new URL(window.location.href);
  url.search = id ? `?user=${encodeURIComponent(id)}` : "";
  url.hash = "";
  return url.href;
}

async function fillUsers(api, userId) {
  const select = $("control-user-select");
  const response = await fetch(api("users"));
  const { users } = await response.json();
  const options = [el("option", { text: "— ユーザーを選択 —", attrs: { value: "" } })];
  for (const user of users) {
    options.push(el("option", {
      text: `${user.displayName} (${user.userId.slice(0, 9)}…)`,
      attrs: { value: user.userId },
    }));
  }
  select.replaceChildren(...options);
  select.value = userId || "";
}

function setUpUsers({ api, userId, toast }) {
  fillUsers(api, userId);
  $("control-user-select").addEventListener("focus", () => fillUsers(api, userId));
  $("control-user-select").addEventListener("change", (event) => {
    if (event.target.value) window.location.href = userUrl(event.target.value);
  });
  $("control-create-user").addEventListener("click", async () => {
    const name = $("control-new-user-name").value.trim();
    if (!name) {
      toast("表示名を入力してください");
      return;
    }
    const response = await fetch(api("users"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ displayName: name }),
    });
    const body = await response.json();
    if (!response.ok) {
      toast(body.error || `HTTP ${response.status}`);
      return;
    }
    window.location.href = userUrl(body.userId);
  });
  $("control-user-id").textContent = userId ? `userId: ${userId}` : "";
  $("control-open-tab").href = userUrl(null);
}

function setUpFriendship(sendAction) {
  $("control-follow").addEventListener("click", () => sendAction({ kind: "follow" }));
  $("control-block").addEventListener("click", () => sendAction({ kind: "block" }));
  $("control-unblock").addEventListener("click", () => sendAction({ kind: "unblock" }));
}

function setUpLocation(places, sendAction, toast) {
  const select = $("control-location-place");
  select.replaceChildren(
    el("option", { text: "座標を入力", attrs: { value: "" } }),
    ...places.map((place, index) => el("option", { text: place.name, attrs: { value: index } })),
  );
  select.addEventListener("change", () => {
    const place = places[Number(select.value)];
    if (select.value === "" || !place) return;
    $("control-location-lat").value = place.lat;
    $("control-location-lng").value = place.lng;
    $("control-location-title").value = place.name;
  });
  $("control-send-location").addEventListener("click", () => {
    const lat = $("control-location-lat").value;
    const lng = $("control-location-lng").value;
    if (lat === "" || lng === "") {
      toast("緯度と経度を入力してください");
      return;
    }
    const place = places[Number(select.value)];
    sendAction({
      kind: "location",
      latitude: Number(lat),
      longitude: Number(lng),
      title: $("control-location-title").value,
      address: select.value !== "" && place ? place.address || "" : "",
    });
  });
}

function setUpBeacons(beacons, sendAction, toast) {
  const select = $("control-beacon-select");
  select.replaceChildren(
    el("option", { text: "ハードウェアIDを入力", attrs: { value: "" } }),
    ...beacons.map((beacon) =>
      el("option", { text: `${beacon.label || beacon.hwid} (${beacon.hwid})`, attrs: { value: beacon.hwid } })),
  );
  if (beacons.length) {
    select.value = beacons[0].hwid;
    $("control-beacon-hwid").value = beacons[0].hwid;
  }
  select.addEventListener("change", () => {
    if (select.value) $("control-beacon-hwid").value = select.value;
  });
  for (const type of ["enter", "banner", "stay"]) {
    $(`control-beacon-${type}`).addEventListener("click", () => {
      const hwid = $("control-beacon-hwid").value.trim();
      if (!hwid) {
        toast("ハードウェアIDを入力してください");
        return;
      }
      sendAction({ kind: "beacon", hwid, type });
    });
  }
}

function setUpExtras(sendAction) {
  $("control-send-sticker").addEventListener("click", () =>
    sendAction({ kind: "sticker", packageId: "446", stickerId: "1988" }));
  $("control-send-image").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      const [, base64] = String(reader.result).split(",");
      sendAction({ kind: "image", contentBase64: base64, contentType: file.type || "image/jpeg" });
      event.target.value = "";
    });
    reader.readAsDataURL(file);
  });
}

// Wire every control; without a user only the user chooser works.
export function setUpControls({ config, userId, api, sendAction, toast }) {
  setUpUsers({ api, userId, toast });
  setUpFriendship(sendAction);
  setUpLocation(config.places || [], sendAction, toast);
  setUpBeacons(config.beacons || [], sendAction, toast);
  setUpExtras(sendAction);
  for (const fieldset of document.querySelectorAll("[data-needs-user]")) {
    fieldset.disabled = !userId;
  }
}

// Show whether the user is a friend, on the phone and in the panel.
export function showUserState(user, sendAction) {
  const banner = $("friend-banner");
  const button = $("friend-banner-button");
  const friend = user.isFriend && !user.isBlocked;
  const state = friend ? "friend" : user.isBlocked ? "blocked" : "not-friend";
  document.body.dataset.friendState = state;
  $("control-friend-state").textContent = {
    friend: `${user.displayName}: 友だち`,
    blocked: `${user.displayName}: ブロック中`,
    "not-friend": `${user.displayName}: 友だちではありません`,
  }[state];
  $("control-follow").disabled = state !== "not-friend";
  $("control-block").disabled = state !== "friend";
  $("control-unblock").disabled = state !== "blocked";
  $("chat-input").disabled = !friend;
  $("send-button").disabled = !friend;
  banner.hidden = friend;
  if (friend || banner.dataset.state === state) return;
  banner.dataset.state = state;
  $("friend-banner-text").textContent = state === "blocked"
    ? "このアカウントをブロック中です。"
    : "友だち追加すると、メッセージを受け取れます。";
  button.textContent = state === "blocked" ? "ブロック解除" : "友だち追加";
  button.onclick = () => sendAction({ kind: state === "blocked" ? "unblock" : "follow" });
}
