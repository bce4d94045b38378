/**
 * A tiny element builder: `h("p", {class: "x"}, "text", child)`. Attributes starting with `on` are listeners.
 *
 * @module ui/dom
 */

/**
 * @param {string} tag
 * @param {Record<string, any> | null} [attributes]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = null, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/**
 * Replace the content of `root` with `panel` and move keyboard focus to its heading, so screen readers and
 * keyboard users follow each step.
 * The first panel of a page is shown without taking focus (inside an LMS frame that would pull the candidate away),
 * and focus never scrolls: inside an LMS iframe it would scroll the LMS page around the frame.
 * @param {HTMLElement} root
 * @param {HTMLElement} panel
 * @param {{focus?: boolean}} [options]
 */
export function showPanel(root, panel, { focus = true } = {}) {
  root.replaceChildren(panel);
  const heading = panel.querySelector("h2");
  if (heading && focus) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}
