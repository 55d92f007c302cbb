// Small DOM helpers. Every piece of text goes in through textContent, never HTML.

export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined && options.text !== null) {
    node.textContent = String(options.text);
  }
  if (options.testid) node.dataset.testid = options.testid;
  for (const [name, value] of Object.entries(options.attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const [name, value] of Object.entries(options.style || {})) {
    if (value !== undefined && value !== null && value !== "") node.style[name] = value;
  }
  for (const child of children) {
    if (child) node.append(child);
  }
  return node;
}

// Only http(s) and data:image URLs may become an image or frame source.
export function safeUrl(url) {
  if (typeof url !== "string") return null;
  try {
    const parsed = new URL(url, window.location.href);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.href;
    if (parsed.protocol === "data:" && url.startsWith("data:image/")) return url;
  } catch (error) {
    return null;
  }
  return null;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

// LINE wants https image URLs; a bot on this machine serves plain http, so an
// https URL to a loopback host that fails is tried once more over http.
function loopbackHttp(source) {
  const parsed = new URL(source);
  if (parsed.protocol !== "https:" || !LOOPBACK.has(parsed.hostname)) return null;
  parsed.protocol = "http:";
  return parsed.href;
}

export function image(url, options = {}) {
  const node = el("img", options);
  node.alt = options.alt || "";
  const source = safeUrl(url);
  if (source) node.src = source;
  node.addEventListener("error", () => {
    const retry = node.dataset.retried ? null : loopbackHttp(node.src);
    if (retry) {
      node.dataset.retried = "true";
      node.src = retry;
    } else {
      node.classList.add("broken");
    }
  });
  return node;
}

// The label a person (and a test) reads for an action.
export function actionLabel(action) {
  if (!action) return "";
  const fallback = {
    camera: "カメラ",
    cameraRoll: "カメラロール",
    location: "位置情報",
  };
  return (
    action.label ||
    action.displayText ||
    action.text ||
    fallback[action.type] ||
    action.data ||
    action.uri ||
    ""
  );
}

// Make a node perform an action when tapped (or pressed with the keyboard).
export function tappable(node, action, ctx) {
  if (!action) return node;
  node.classList.add("tappable");
  node.dataset.actionType = action.type || "";
  if (!node.getAttribute("aria-label")) node.setAttribute("aria-label", actionLabel(action));
  if (node.tagName !== "BUTTON") {
    node.tabIndex = 0;
    node.setAttribute("role", "button");
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter") ctx.act(action);
    });
  }
  node.addEventListener("click", (event) => {
    event.stopPropagation();
    ctx.act(action);
  });
  return node;
}

export function clockTime(seconds) {
  const date = new Date(seconds * 1000);
  const pad = (value) => String(value).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
