import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { invalidLinkMessage } from "../src/lib/invalidLink.js";
import { watchToken } from "../src/watchToken.js";

describe("a refused token", () => {
  it("in an LMS, a replaced token says a newer launch replaced the page (there is no start page)", () => {
    const [title, text] = invalidLinkMessage({ code: "invalid_token" }, true);
    assert.equal(title, "This page was replaced");
    assert.match(text, /newer launch of the activity; continue in the newest window, or launch the activity again/);
    assert.doesNotMatch(text, /start page/);
  });

  it("in an LMS, an expired token says to launch the activity again", () => {
    const [, text] = invalidLinkMessage({ code: "token_expired" }, true);
    assert.match(text, /expired; launch the activity again/);
  });

  it("in an LMS, any other refusal still points at the activity, not at a start page", () => {
    for (const code of ["token_for_other_session", "session_not_found", undefined]) {
      const [, text] = invalidLinkMessage({ code }, true);
      assert.match(text, /launch the activity again/);
    }
  });

  it("stand-alone, the candidate goes back to the exam's start page", () => {
    const [, text] = invalidLinkMessage({ code: "invalid_token" }, false);
    assert.match(text, /Reopen the exam from its start page/);
  });
});

describe("watching the token before monitoring", () => {
  function stubPage() {
    const doc = new EventTarget();
    doc.visibilityState = "visible";
    return { doc, win: new EventTarget() };
  }

  it("checks every interval, when the page is shown again and when it gets focus; nothing once stopped", () => {
    const { doc, win } = stubPage();
    const timers = [];
    let checks = 0;
    const stop = watchToken(() => (checks += 1), {
      document: doc,
      window: win,
      intervalMs: 15000,
      setTimer: (fn, ms) => timers.push({ fn, ms }) - 1,
      clearTimer: (id) => (timers[id] = null),
    });
    assert.equal(timers[0].ms, 15000);
    timers[0].fn();
    doc.visibilityState = "hidden";
    doc.dispatchEvent(new Event("visibilitychange"));
    assert.equal(checks, 1, "hiding the page checks nothing");
    doc.visibilityState = "visible";
    doc.dispatchEvent(new Event("visibilitychange"));
    win.dispatchEvent(new Event("focus"));
    assert.equal(checks, 3);
    stop();
    assert.equal(timers[0], null);
    doc.dispatchEvent(new Event("visibilitychange"));
    win.dispatchEvent(new Event("focus"));
    assert.equal(checks, 3);
  });
});
