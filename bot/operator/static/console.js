// The operator console's live parts. Customer text is only ever set with
// textContent or .value, never as HTML.
"use strict";

(function () {
  const page = document.body.dataset.page;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const status = document.getElementById("live-status");

  function setLive(state, label) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = label;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function waitLabel(openedAt) {
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(openedAt)) / 60000));
    if (minutes < 1) return "1分未満";
    if (minutes < 60) return minutes + "分待ち";
    return Math.floor(minutes / 60) + "時間" + (minutes % 60) + "分待ち";
  }

  function refreshWaits() {
    document.querySelectorAll("li.item[data-opened-at]").forEach((item) => {
      const wait = item.querySelector(".wait");
      if (wait) wait.textContent = waitLabel(item.dataset.openedAt);
    });
  }

  function queueItem(item, claimable) {
    const li = el("li", "item");
    li.dataset.id = item.id;
    li.dataset.openedAt = item.opened_at;
    const main = el("div", "item-main");
    main.append(el("strong", "customer", item.customer), el("span", "wait", waitLabel(item.opened_at)));
    main.append(el("span", "reason", item.reason));
    if (item.apology_sent) main.append(el("span", "badge", "お詫び送信済み"));
    if (item.operator) main.append(el("span", "assignee", "担当: " + item.operator));
    li.append(main, el("p", "preview", item.preview));
    if (claimable) {
      const form = el("form", "inline");
      form.method = "post";
      form.action = "/operator/conversations/" + encodeURIComponent(item.id) + "/claim";
      const token = el("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = csrf;
      const button = el("button", "claim", "対応する");
      button.type = "submit";
      form.append(token, button);
      li.append(form);
    } else {
      const link = el("a", "open", "開く");
      link.href = "/operator/conversations/" + encodeURIComponent(item.id);
      li.append(link);
    }
    return li;
  }

  function fillList(id, items, claimable) {
    const list = document.getElementById(id);
    if (!list) return;
    list.replaceChildren(...items.map((item) => queueItem(item, claimable)));
    if (!items.length) list.append(el("li", "empty", list.dataset.empty));
  }

  async function refreshQueue() {
    const response = await fetch("/operator/api/queue", { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    fillList("waiting", data.waiting, true);
    fillList("mine", data.mine, false);
    fillList("others", data.others, false);
    const count = document.getElementById("waiting-count");
    if (count) count.textContent = String(data.waiting.length);
    document.body.dataset.queueVersion = String(Date.now());
  }

  const conversationId = document.body.dataset.conversationId;

  function senderLabel(message) {
    if (message.sender === "customer") return "お客様";
    if (message.sender === "operator") return message.operator || "オペレーター";
    return "自動応答";
  }

  function messageItem(message) {
    const li = el("li", "message from-" + message.sender + (message.placeholder ? " placeholder" : ""));
    li.dataset.id = message.id;
    let meta = senderLabel(message);
    if (message.delivery) meta += " · " + message.delivery;
    li.append(el("span", "meta", meta), el("span", "text", message.text));
    return li;
  }

  async function refreshMessages() {
    const list = document.getElementById("messages");
    if (!list || !conversationId) return;
    const response = await fetch(
      "/operator/api/conversations/" + encodeURIComponent(conversationId) + "/messages",
      { credentials: "same-origin" }
    );
    if (!response.ok) return;
    const data = await response.json();
    if (data.state !== document.body.dataset.state) {
      window.location.reload();
      return;
    }
    list.replaceChildren(...data.messages.map(messageItem));
    list.scrollTop = list.scrollHeight;
  }

  function listen() {
    if (!window.EventSource || page === "login") return;
    const source = new EventSource("/operator/events");
    source.onopen = () => {
      setLive("open", "ライブ更新中");
      // Catch up on anything missed while disconnected.
      if (page === "queue") refreshQueue();
      if (page === "conversation") refreshMessages();
    };
    source.onerror = () => {
      setLive("closed", "再接続中…");
      if (source.readyState !== EventSource.CLOSED) return;
      // Refused (too many streams open, or the wrong server): catch up now
      // and try again later; the browser does not retry a refused stream.
      window.setTimeout(() => {
        if (page === "queue") refreshQueue();
        if (page === "conversation") refreshMessages();
        listen();
      }, 30000);
    };
    source.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (page === "queue") refreshQueue();
      if (page === "conversation" && String(data.conversation) === String(conversationId)) {
        refreshMessages();
      }
    };
    window.addEventListener("beforeunload", () => source.close());
  }

  document.querySelectorAll(".canned-answer").forEach((button) => {
    button.addEventListener("click", () => {
      const box = document.getElementById("reply-text");
      if (box) {
        box.value = button.dataset.text || "";
        box.focus();
      }
    });
  });

  refreshWaits();
  setInterval(refreshWaits, 15000);
  listen();
})();
