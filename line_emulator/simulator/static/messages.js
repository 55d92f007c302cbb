// LINE message objects as the talk view shows them.
import { actionLabel, el, image, tappable } from "./dom.js";
import { renderFlex } from "./flex.js";

const EMOJI = "☺";

function textWithEmojis(message) {
  const characters = Array.from(message.text || "");
  for (const emoji of message.emojis || []) {
    if (characters[emoji.index] === "$") characters[emoji.index] = EMOJI;
  }
  return characters.join("");
}

function textV2(message) {
  const substitution = message.substitution || {};
  return (message.text || "").replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key) => {
    const value = substitution[key];
    if (!value) return whole;
    if (value.type === "mention") {
      return value.mentionee && value.mentionee.type === "all" ? "@All" : "@ユーザー";
    }
    return EMOJI;
  });
}

function bubble(text, extraClass = "") {
  return el("div", { className: `bubble ${extraClass}`.trim(), testid: "message-text", text });
}

function renderImageMessage(message, ctx, fromUser) {
  const url = fromUser ? ctx.contentUrl(message.id) : message.previewImageUrl;
  const node = image(url, { className: "message-image", testid: "message-image" });
  if (!fromUser && message.originalContentUrl) {
    node.classList.add("tappable");
    node.addEventListener("click", () => ctx.openUri(message.originalContentUrl, "画像"));
  }
  return node;
}

function renderLocation(message) {
  return el("div", { className: "bubble location-card", testid: "message-location" }, [
    el("div", { className: "location-map" }, [el("div", { className: "location-pin" })]),
    el("div", { className: "location-title", text: message.title || "位置情報" }),
    message.address ? el("div", { className: "location-address", text: message.address }) : null,
    el("div", {
      className: "location-coords",
      text: `${Number(message.latitude).toFixed(5)}, ${Number(message.longitude).toFixed(5)}`,
    }),
  ]);
}

function renderImagemap(message, ctx) {
  const base = message.baseSize || { width: 1040, height: 1040 };
  const holder = el("div", {
    className: "imagemap",
    testid: "imagemap",
    style: { aspectRatio: `${base.width} / ${base.height}` },
  });
  holder.append(image(`${message.baseUrl}/1040`, { className: "imagemap-image", alt: message.altText }));
  for (const area of message.actions || []) {
    const bounds = area.area || {};
    const action = area.type === "uri"
      ? { type: "uri", uri: area.linkUri, label: area.label }
      : { type: "message", text: area.text, label: area.label };
    const spot = el("div", {
      className: "imagemap-area",
      testid: "imagemap-area",
      style: {
        left: `${(bounds.x / base.width) * 100}%`,
        top: `${(bounds.y / base.height) * 100}%`,
        width: `${(bounds.width / base.width) * 100}%`,
        height: `${(bounds.height / base.height) * 100}%`,
      },
    });
    holder.append(tappable(spot, action, ctx));
  }
  return holder;
}

function actionButton(action, ctx) {
  const button = el("button", {
    className: "template-action",
    testid: "template-action",
    text: actionLabel(action),
    attrs: { type: "button" },
  });
  return tappable(button, action, ctx);
}

function thumbnail(url, template, background) {
  const ratio = template.imageAspectRatio === "square" ? "1 / 1" : "1.51 / 1";
  return image(url, {
    className: "template-thumbnail",
    style: {
      aspectRatio: ratio,
      objectFit: template.imageSize === "contain" ? "contain" : "cover",
      backgroundColor: background || "#ffffff",
    },
  });
}

function buttonsCard(column, template, ctx) {
  const card = el("div", { className: "template-card", testid: "template-card" });
  const top = el("div", { className: "template-top" });
  if (column.thumbnailImageUrl) {
    top.append(thumbnail(column.thumbnailImageUrl, template, column.imageBackgroundColor));
  }
  const texts = el("div", { className: "template-texts" }, [
    column.title ? el("div", { className: "template-title", text: column.title }) : null,
    el("div", { className: "template-text", text: column.text }),
  ]);
  top.append(texts);
  card.append(column.defaultAction ? tappable(top, column.defaultAction, ctx) : top);
  const actions = el("div", { className: "template-actions" });
  for (const action of column.actions || []) actions.append(actionButton(action, ctx));
  card.append(actions);
  return card;
}

function renderTemplate(template, ctx) {
  switch (template.type) {
    case "buttons":
      return buttonsCard(template, template, ctx);
    case "confirm":
      return el("div", { className: "template-card template-confirm", testid: "template-card" }, [
        el("div", { className: "template-text", text: template.text }),
        el("div", { className: "template-actions template-actions-row" },
          (template.actions || []).map((action) => actionButton(action, ctx))),
      ]);
    case "carousel":
      return el("div", { className: "template-carousel", testid: "template-carousel" },
        (template.columns || []).map((column) => buttonsCard(column, template, ctx)));
    case "image_carousel":
      return el("div", { className: "template-carousel", testid: "template-carousel" },
        (template.columns || []).map((column) => {
          const tile = el("div", { className: "image-carousel-tile", testid: "template-card" }, [
            image(column.imageUrl, { className: "image-carousel-image" }),
            column.action && column.action.label
              ? el("div", { className: "image-carousel-label", text: column.action.label })
              : null,
          ]);
          return tappable(tile, column.action, ctx);
        }));
    default:
      return bubble(`[${template.type}]`);
  }
}

const REWARD_LABELS = { discount: "割引", cashBack: "キャッシュバック", free: "無料",
  gift: "プレゼント", others: "特典" };

// A LINE coupon: LINE shows the coupon's card; the details come from the emulator.
function renderCoupon(message, ctx) {
  const title = el("div", { className: "coupon-title", text: "クーポン" });
  const detail = el("div", { className: "coupon-detail", text: message.couponId });
  const card = el("div", { className: "bubble coupon-card", testid: "message-coupon" },
    [el("div", { className: "coupon-label", text: "LINEクーポン" }), title, detail]);
  fetch(ctx.couponUrl(message.couponId)).then((r) => (r.ok ? r.json() : null))
    .then((coupon) => {
      if (!coupon) return;
      title.textContent = coupon.title;
      const reward = coupon.reward || {};
      const price = reward.priceInfo || {};
      const amount = price.fixedAmount ? `${price.fixedAmount}円`
        : price.percentage ? `${price.percentage}%` : "";
      const end = new Date(coupon.endTimestamp * 1000);
      detail.textContent = `${amount}${REWARD_LABELS[reward.type] || ""}・` +
        `${end.getFullYear()}/${end.getMonth() + 1}/${end.getDate()}まで`;
    }).catch(() => {});
  return card;
}

// Return the node the talk view shows for one message; fromUser for own messages.
export function renderMessage(message, ctx, fromUser = false) {
  switch (message.type) {
    case "text":
      return bubble(textWithEmojis(message));
    case "textV2":
      return bubble(textV2(message));
    case "sticker":
      return el("div", { className: "sticker", testid: "message-sticker" }, [
        el("div", { className: "sticker-face", text: "(・ω・)" }),
        el("div", { className: "sticker-ids", text: `スタンプ ${message.packageId}/${message.stickerId}` }),
      ]);
    case "image":
      return renderImageMessage(message, ctx, fromUser);
    case "video":
      return el("div", { className: "media-placeholder", testid: "message-video", text: "▶ 動画" });
    case "audio":
      return el("div", { className: "bubble", testid: "message-audio", text: "♪ 音声メッセージ" });
    case "location":
      return renderLocation(message);
    case "imagemap":
      return renderImagemap(message, ctx);
    case "template":
      return renderTemplate(message.template || {}, ctx);
    case "flex":
      return el("div", { className: "flex-message", testid: "message-flex" },
        [renderFlex(message.contents, ctx)]);
    case "coupon":
      return renderCoupon(message, ctx);
    default:
      return bubble(`[${message.type}] ${message.altText || ""}`.trim());
  }
}
