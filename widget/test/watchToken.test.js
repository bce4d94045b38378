import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { recheckToken } from "../src/watchToken.js";
import { settle } from "./support/fakeClock.js";

/**
 * A token recheck whose checks the test triggers (`tick()`, as watchToken would on focus or every 15 s) and whose
 * session answers it gives (`answer`: the next session() call's result; an Error rejects).
 */
function recheckHarness() {
  const seen = { ended: 0, refused: [], asked: 0, watching: 0 };
  const state = { applies: true, answer: { active: true }, check: null };
  const rechecks = recheckToken({
    session: async () => {
      seen.asked += 1;
      const answer = state.answer;
      await settle();
      if (answer instanceof Error) throw answer;
      return answer;
    },
    applies: () => state.applies,
    onEnded: () => {
      seen.ended += 1;
    },
    onRefused: (error) => seen.refused.push(error.status),
    watch(check) {
      seen.watching += 1;
      state.check = check;
      return () => {
        state.check = null;
      };
    },
  });
  return {
    seen,
    state,
    rechecks,
    async tick() {
      state.check?.();
      await settle();
      await settle();
    },
  };
}

const refusal = (status) => Object.assign(new Error(`HTTP ${status}`), { status });

describe("token recheck before monitoring", () => {
  it("ends the page when the session was ended elsewhere", async () => {
    const t = recheckHarness();
    t.rechecks.start();
    await t.tick();
    assert.equal(t.seen.ended, 0);
    t.state.answer = { active: false };
    await t.tick();
    assert.equal(t.seen.ended, 1);
  });

  it("says why a refused token is refused (a newer launch, a dead link); the network changes nothing", async () => {
    const t = recheckHarness();
    t.rechecks.start();
    for (const status of [0, 500, 401, 403, 404]) {
      t.state.answer = refusal(status);
      await t.tick();
    }
    assert.deepEqual(t.seen.refused, [401, 403, 404]);
    assert.equal(t.seen.ended, 0);
  });

  it("asks nothing once the page is past the check, and ignores an answer that comes after it moved on", async () => {
    const t = recheckHarness();
    t.rechecks.start();
    t.state.applies = false;
    await t.tick();
    assert.equal(t.seen.asked, 0);
    t.state.applies = true;
    t.state.answer = refusal(403);
    t.state.check();
    t.state.applies = false; // monitoring started while the answer was on its way
    await settle();
    await settle();
    assert.equal(t.seen.asked, 1);
    assert.deepEqual(t.seen.refused, []);
  });

  it("watches once however often it is started, and not after it is stopped", async () => {
    const t = recheckHarness();
    t.rechecks.start();
    t.rechecks.start();
    assert.equal(t.seen.watching, 1);
    t.rechecks.stop();
    t.state.answer = { active: false };
    await t.tick();
    assert.equal(t.seen.asked, 0);
    t.rechecks.start();
    assert.equal(t.seen.watching, 2);
  });
});
