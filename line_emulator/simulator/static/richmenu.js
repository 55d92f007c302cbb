// The rich menu under the talk view: its image, chat bar and tappable areas.
import { actionLabel, el, tappable } from "./dom.js";

// Fill the rich menu panel: image, then one button per area at scaled bounds.
export function renderRichMenu(panel, menu, imageUrl, ctx) {
  const size = menu.size;
  const img = panel.querySelector("[data-testid=richmenu-image]");
  const areas = panel.querySelector("[data-testid=richmenu-areas]");
  panel.style.aspectRatio = `${size.width} / ${size.height}`;
  panel.dataset.richMenuId = menu.richMenuId;
  panel.dataset.name = menu.name || "";
  img.alt = menu.name || "リッチメニュー";
  if (img.getAttribute("src") !== imageUrl) img.src = imageUrl;
  areas.replaceChildren();
  menu.areas.forEach((area, index) => {
    const bounds = area.bounds;
    const button = el("button", {
      className: "richmenu-area",
      testid: "richmenu-area",
      attrs: { type: "button", "data-index": index, "aria-label": actionLabel(area.action) },
      style: {
        left: `${(bounds.x / size.width) * 100}%`,
        top: `${(bounds.y / size.height) * 100}%`,
        width: `${(bounds.width / size.width) * 100}%`,
        height: `${(bounds.height / size.height) * 100}%`,
      },
    });
    areas.append(tappable(button, area.action, ctx));
  });
}
