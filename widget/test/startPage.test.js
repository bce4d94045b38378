import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { recallToken, rememberToken } from "../src/lib/sitting.js";
import { FIELD_MESSAGES, startErrors } from "../src/start-page.js";

/** A Storage stand-in; `refuse` makes every call throw, as a blocked storage does. */
function storage({ refuse = false } = {}) {
  const items = new Map();
  const guard = () => {
    if (refuse) throw new DOMException("denied", "SecurityError");
  };
  return {
    getItem: (key) => (guard(), items.has(key) ? items.get(key) : null),
    setItem: (key, value) => (guard(), items.set(key, String(value))),
  };
}

describe("start page errors", () => {
  it("names each refused field in plain words", () => {
    const body = {
      error: {
        code: "invalid_request",
        details: [
          { field: "name", message: "String should have at least 1 character" },
          { field: "email", message: "Value error, not a valid email address" },
        ],
      },
    };
    assert.deepEqual(startErrors(400, body), { name: FIELD_MESSAGES.name, email: FIELD_MESSAGES.email });
    assert.equal(FIELD_MESSAGES.email, "Enter a valid email address.");
  });

  it("never shows the validator's wording, an unknown field or a missing body raw", () => {
    const errors = startErrors(400, { error: { details: [{ field: "__proto__.x", message: "<b>raw</b>" }] } });
    assert.deepEqual(errors, { form: "Check the form and try again." });
    assert.deepEqual(startErrors(400, { error: { code: "unknown_exam" } }), { exam: FIELD_MESSAGES.exam });
    assert.match(startErrors(500, null).form, /could not be opened/);
    assert.match(startErrors(429, {}).form, /Too many sessions/);
  });
});

describe("one session per sitting", () => {
  it("keeps the token per session for the tab", () => {
    const tab = storage();
    rememberToken("s1", "t1", tab);
    assert.equal(recallToken("s1", tab), "t1");
    assert.equal(recallToken("s2", tab), null, "another session's token is never used");
  });

  it("goes on without storage where it is blocked or absent", () => {
    assert.doesNotThrow(() => rememberToken("s1", "t1", storage({ refuse: true })));
    assert.equal(recallToken("s1", storage({ refuse: true })), null);
    assert.equal(recallToken("s1", null), null);
  });
});
