import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { takeFragmentToken } from "../src/monitor-page.js";

describe("monitoring page", () => {
  it("takes the token out of the URL fragment", () => {
    assert.deepEqual(takeFragmentToken("#token=abc"), { token: "abc", rest: "" });
    assert.deepEqual(takeFragmentToken("#lang=en&token=a%2Bb"), { token: "a+b", rest: "#lang=en" });
  });

  it("leaves a fragment without a token alone", () => {
    assert.deepEqual(takeFragmentToken(""), { token: null, rest: "" });
    assert.deepEqual(takeFragmentToken("#step=2"), { token: null, rest: "#step=2" });
  });
});
