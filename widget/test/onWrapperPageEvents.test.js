import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";

import { onWrapperPageEvents } from "../src/onWrapperPageEvents.js";

/** The wrapper page: visibility and `hasFocus()` under the test's control, as the browser would set them. */
function stubWrapper({ framed = false } = {}) {
  const doc = new EventTarget();
  doc.visibilityState = "visible";
  let focused = true;
  doc.hasFocus = () => focused;
  const win = new EventTarget();
  win.top = framed ? {} : win;
  return {
    doc,
    win,
    /** Focus moves into the exam frame: the page blurs, but it (with its frame) still has the focus. */
    clickIntoExam() {
      win.dispatchEvent(new Event("blur"));
    },
    /** Focus moves into the exam frame, and for a moment the page reports no focus at all. */
    clickIntoExamWithAGlitch() {
      focused = false;
      win.dispatchEvent(new Event("blur"));
      queueMicrotask(() => {
        focused = true;
      });
    },
    leaveWindow({ event = true } = {}) {
      focused = false;
      if (event) win.dispatchEvent(new Event("blur"));
    },
    comeBack() {
      focused = true;
      win.dispatchEvent(new Event("focus"));
    },
    hide() {
      doc.visibilityState = "hidden";
      doc.dispatchEvent(new Event("visibilitychange"));
    },
  };
}

describe("wrapper page events", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "setInterval"] }));
  afterEach(() => mock.timers.reset());

  it("does not count focus moving into the exam frame as leaving", async () => {
    const page = stubWrapper();
    const seen = [];
    onWrapperPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.clickIntoExam();
    mock.timers.tick(5000);
    page.clickIntoExamWithAGlitch();
    await Promise.resolve();
    mock.timers.tick(5000);
    assert.deepEqual(seen, []);
  });

  it("reports leaving the window, confirmed by two reads, and coming back", () => {
    const page = stubWrapper();
    const seen = [];
    onWrapperPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.leaveWindow();
    mock.timers.tick(250);
    assert.deepEqual(seen, [], "one read is not enough");
    mock.timers.tick(500);
    assert.deepEqual(seen, ["window_blur"]);
    mock.timers.tick(5000);
    page.comeBack();
    mock.timers.tick(250);
    assert.deepEqual(seen, ["window_blur", "window_focus"]);
  });

  it("notices leaving from inside the exam frame, which fires no event in the page", () => {
    const page = stubWrapper();
    const seen = [];
    onWrapperPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.clickIntoExam();
    mock.timers.tick(1000);
    page.leaveWindow({ event: false });
    mock.timers.tick(1000);
    assert.deepEqual(seen, ["window_blur"]);
  });

  it("inside an LMS frame reports only visibility (clicks on the LMS page blur it)", () => {
    const page = stubWrapper({ framed: true });
    const seen = [];
    onWrapperPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.leaveWindow();
    mock.timers.tick(5000);
    page.hide();
    assert.deepEqual(seen, ["tab_hidden"]);
  });

  it("reports tab switches at once", () => {
    const page = stubWrapper();
    const seen = [];
    onWrapperPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    page.hide();
    assert.deepEqual(seen, ["tab_hidden"]);
  });

  it("stops listening and polling", () => {
    const page = stubWrapper();
    const seen = [];
    const stop = onWrapperPageEvents((type) => seen.push(type), { document: page.doc, window: page.win });
    stop();
    page.leaveWindow();
    page.hide();
    mock.timers.tick(5000);
    assert.deepEqual(seen, []);
  });
});
