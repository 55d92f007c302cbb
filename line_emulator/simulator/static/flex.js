// Flex Message rendering: bubble and carousel with box, text, span, image,
// icon, button, separator and filler; enough to read and tap.
import { actionLabel, el, image, tappable } from "./dom.js";

const SPACING = { none: "0", xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px", xxl: "20px" };
const TEXT_SIZE = {
  xxs: "11px", xs: "13px", sm: "14px", md: "16px", lg: "19px",
  xl: "22px", xxl: "29px", "3xl": "35px", "4xl": "48px", "5xl": "74px",
};
const IMAGE_SIZE = {
  xxs: "40px", xs: "60px", sm: "80px", md: "100px", lg: "120px", xl: "140px",
  xxl: "160px", "3xl": "180px", "4xl": "200px", "5xl": "240px", full: "100%",
};
const BORDER = { none: "0", light: "0.5px", normal: "1px", medium: "2px", "semi-bold": "3px", bold: "4px" };
const BUBBLE_WIDTH = {
  nano: "120px", micro: "160px", deca: "220px", hecto: "241px",
  kilo: "260px", mega: "300px", giga: "386px",
};
const JUSTIFY = {
  "flex-start": "flex-start", "flex-end": "flex-end", center: "center",
  "space-between": "space-between", "space-around": "space-around",
  "space-evenly": "space-evenly",
};
const ALIGN = { start: "flex-start", end: "flex-end", center: "center" };

function size(value, table) {
  if (value === undefined || value === null) return undefined;
  return table[value] || (/^\d+(\.\d+)?(px|%)$/.test(value) ? value : undefined);
}

function isRow(layout) {
  return layout === "horizontal" || layout === "baseline";
}

// What every component shares: flex, margin, position, offsets, alignment.
function place(node, component, parentLayout, index, spacing) {
  const row = isRow(parentLayout);
  const defaultFlex = row ? 1 : 0;
  const flex = component.flex === undefined ? defaultFlex : Number(component.flex);
  node.style.flex = flex > 0 ? `${flex} 1 ${row ? "0" : "auto"}` : "0 0 auto";
  const gap = size(component.margin, SPACING) || (index > 0 ? size(spacing, SPACING) : undefined);
  if (gap && index > 0) node.style[row ? "marginLeft" : "marginTop"] = gap;
  const offsets = { offsetTop: "top", offsetBottom: "bottom", offsetStart: "left", offsetEnd: "right" };
  let moved = false;
  for (const [key, side] of Object.entries(offsets)) {
    const value = size(component[key], SPACING);
    if (value) {
      node.style[side] = value;
      moved = true;
    }
  }
  if (component.position === "absolute") node.style.position = "absolute";
  else if (moved) node.style.position = "relative";
  if (component.alignSelf || component.align) {
    const align = ALIGN[component.alignSelf || component.align];
    if (align && !row && component.type !== "text") node.style.alignSelf = align;
  }
  if (component.gravity && row) {
    node.style.alignSelf = { top: "flex-start", bottom: "flex-end", center: "center" }[component.gravity];
  }
  return node;
}

function renderBox(box, ctx) {
  const layout = box.layout || "vertical";
  const node = el("div", {
    className: `flex-box flex-${layout}`,
    style: {
      backgroundColor: box.backgroundColor,
      borderColor: box.borderColor,
      borderWidth: size(box.borderWidth, BORDER),
      borderStyle: box.borderWidth || box.borderColor ? "solid" : undefined,
      borderRadius: size(box.cornerRadius, SPACING),
      width: box.width,
      maxWidth: box.maxWidth,
      height: box.height,
      maxHeight: box.maxHeight,
      padding: size(box.paddingAll, SPACING),
      paddingTop: size(box.paddingTop, SPACING),
      paddingBottom: size(box.paddingBottom, SPACING),
      paddingLeft: size(box.paddingStart, SPACING),
      paddingRight: size(box.paddingEnd, SPACING),
      justifyContent: JUSTIFY[box.justifyContent],
      alignItems: layout === "baseline" ? "baseline" : JUSTIFY[box.alignItems],
    },
  });
  const background = box.background;
  if (background && background.type === "linearGradient") {
    const colors = [background.startColor, background.centerColor, background.endColor]
      .filter(Boolean).join(", ");
    node.style.backgroundImage = `linear-gradient(${background.angle || "0deg"}, ${colors})`;
  }
  (box.contents || []).forEach((child, index) => {
    const rendered = renderComponent(child, ctx);
    if (rendered) node.append(place(rendered, child, layout, index, box.spacing));
  });
  return tappable(node, box.action, ctx);
}

function styleText(node, part) {
  node.style.fontSize = size(part.size, TEXT_SIZE) || "";
  if (part.weight === "bold") node.style.fontWeight = "bold";
  if (part.style === "italic") node.style.fontStyle = "italic";
  if (part.color) node.style.color = part.color;
  if (part.decoration && part.decoration !== "none") node.style.textDecoration = part.decoration;
}

function renderText(text, ctx) {
  const node = el("div", { className: "flex-text" });
  if (Array.isArray(text.contents) && text.contents.length) {
    for (const span of text.contents) {
      const part = el("span", { text: span.text });
      styleText(part, span);
      node.append(part);
    }
  } else {
    node.textContent = text.text || "";
  }
  styleText(node, text);
  node.style.textAlign = { start: "left", end: "right", center: "center" }[text.align] || "";
  if (text.wrap) {
    node.classList.add("wrap");
    if (text.maxLines) {
      node.classList.add("clamp");
      node.style.webkitLineClamp = String(text.maxLines);
    }
  }
  if (text.lineSpacing) node.style.lineHeight = `calc(1.4em + ${text.lineSpacing})`;
  return tappable(node, text.action, ctx);
}

function renderImage(component, ctx) {
  const holder = el("div", { className: "flex-image-holder" });
  const img = image(component.url, { className: "flex-image" });
  img.style.width = size(component.size, IMAGE_SIZE) || IMAGE_SIZE.md;
  if (component.aspectRatio && /^\d+(\.\d+)?:\d+(\.\d+)?$/.test(component.aspectRatio)) {
    const [w, h] = component.aspectRatio.split(":");
    img.style.aspectRatio = `${w} / ${h}`;
  } else {
    img.style.aspectRatio = "1 / 1";
  }
  img.style.objectFit = component.aspectMode === "cover" ? "cover" : "contain";
  if (component.backgroundColor) img.style.backgroundColor = component.backgroundColor;
  holder.style.justifyContent = ALIGN[component.align] || "center";
  holder.append(img);
  return tappable(holder, component.action, ctx);
}

function renderButton(button, ctx) {
  const style = button.style || "link";
  const node = el("button", {
    className: `flex-button flex-button-${style} flex-button-${button.height || "md"}`,
    testid: "flex-button",
    text: actionLabel(button.action),
    attrs: { type: "button" },
  });
  if (button.color) {
    node.style[style === "link" ? "color" : "backgroundColor"] = button.color;
  }
  return tappable(node, button.action, ctx);
}

function renderComponent(component, ctx) {
  if (!component || typeof component !== "object") return null;
  switch (component.type) {
    case "box":
      return renderBox(component, ctx);
    case "text":
      return renderText(component, ctx);
    case "image":
      return renderImage(component, ctx);
    case "button":
      return renderButton(component, ctx);
    case "icon": {
      const icon = image(component.url, { className: "flex-icon" });
      icon.style.height = size(component.size, TEXT_SIZE) || TEXT_SIZE.md;
      return icon;
    }
    case "separator":
      return el("div", { className: "flex-separator", style: { borderColor: component.color } });
    case "filler":
      return el("div", { className: "flex-filler" });
    case "span":
      return el("span", { text: component.text });
    case "video":
      return component.altContent
        ? renderComponent(component.altContent, ctx)
        : el("div", { className: "flex-video", text: "▶ 動画" });
    default:
      return el("div", { className: "flex-unknown", text: `[${component.type}]` });
  }
}

const BLOCK_PADDING = { header: "20px", hero: "0", body: "20px", footer: "10px" };

function renderBubble(bubble, ctx) {
  const node = el("div", {
    className: "flex-bubble",
    testid: "flex-bubble",
    style: { width: BUBBLE_WIDTH[bubble.size] || BUBBLE_WIDTH.mega },
  });
  if (bubble.direction === "rtl") node.dir = "rtl";
  for (const block of ["header", "hero", "body", "footer"]) {
    const content = bubble[block];
    if (!content) continue;
    const styles = (bubble.styles || {})[block] || {};
    const wrapper = el("div", {
      className: `flex-block flex-${block}`,
      style: { backgroundColor: styles.backgroundColor },
    });
    if (styles.separator && block !== "header") {
      wrapper.style.borderTop = `1px solid ${styles.separatorColor || "#e5e5e5"}`;
    }
    const rendered = renderComponent(content, ctx);
    if (rendered && content.type === "box" && content.paddingAll === undefined) {
      rendered.style.padding = rendered.style.padding || BLOCK_PADDING[block];
    }
    if (rendered && block === "hero" && content.type === "image") {
      rendered.classList.add("flex-hero-image");
    }
    if (rendered) wrapper.append(rendered);
    node.append(wrapper);
  }
  return tappable(node, bubble.action, ctx);
}

// Render a flex message's contents (a bubble or a carousel of bubbles).
export function renderFlex(contents, ctx) {
  if (contents && contents.type === "carousel") {
    const strip = el("div", { className: "flex-carousel", testid: "flex-carousel" });
    for (const bubble of contents.contents || []) strip.append(renderBubble(bubble, ctx));
    return strip;
  }
  return renderBubble(contents || {}, ctx);
}
