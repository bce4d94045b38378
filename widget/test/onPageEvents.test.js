import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { onPageEvents } from "../src/onPageEvents.js";

/** A document whose visibilityState the test controls (as web-vitals' stubVisibilityChange does). */
function stubPage({ framed = false } = {}) {
  const doc = new EventTarget();
  doc.visibilityState = "visible";
  const win = new EventTarget();
  win.top = framed ? {} : win;
  return {
    doc,
    win,
    hide() {
      doc.visibilityState = "hidden";
      doc.dispatchEvent(new Event("visibilitychange"));
    },
    show() {
      doc.visibilityState = "visible";
      doc.dispatchEvent(new Event("visibilitychange"));
    },
  };
}

describe("page events", () => {
  it("reports tab and focus changes at once, in order", () => {
    const page = stubPage();
    const seen = [];
    onPageEvents((type, at) => seen.push([type, typeof at]), { document: page.doc, window: page.win });
    page.win.dispatchEvent(new Event("blur"));
    page.hide();
    page.show();
    page.win.dispatchEvent(new Event("focus"));
    assert.deepEqual(
      seen.map(([type]) => type),
      ["window_blur", "tab_hidden", "tab_visible", "window_focus"],
    );
    assert.ok(seen.every(([, at]) => at === "number"));
  });

  it("in a frame reports only visibility by default (blur fires on every click in the page around it)", () => {
    const page = stubPage({ framed: true });
    const seen = [];
    onPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.win.dispatchEvent(new Event("blur"));
    page.hide();
    assert.deepEqual(seen, ["tab_hidden"]);
  });

  it("in a frame reports focus when asked to", () => {
    const page = stubPage({ framed: true });
    const seen = [];
    onPageEvents((type) => seen.push(type), { document: page.doc, window: page.win, focus: true });
    page.win.dispatchEvent(new Event("blur"));
    assert.deepEqual(seen, ["window_blur"]);
  });

  it("does not report the page being unloaded (pagehide comes before the unload's visibilitychange)", () => {
    const page = stubPage();
    const seen = [];
    onPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.win.dispatchEvent(new Event("pagehide"));
    page.win.dispatchEvent(new Event("blur"));
    page.hide();
    assert.deepEqual(seen, []);
  });

  it("still reports a real tab switch, also after a page was restored from the back/forward cache", () => {
    const page = stubPage();
    const seen = [];
    onPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.hide();
    page.show();
    page.win.dispatchEvent(new Event("pagehide"));
    page.hide();
    page.win.dispatchEvent(new Event("pageshow"));
    page.show();
    page.hide();
    assert.deepEqual(seen, ["tab_hidden", "tab_visible", "tab_visible", "tab_hidden"]);
  });

  it("stops listening", () => {
    const page = stubPage();
    const seen = [];
    const stop = onPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    stop();
    page.hide();
    page.win.dispatchEvent(new Event("blur"));
    page.win.dispatchEvent(new Event("pagehide"));
    assert.deepEqual(seen, []);
  });
});
