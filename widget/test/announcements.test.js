import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { createAnnouncements } from "../src/lib/announcements.js";

function stubs() {
  const toasts = [];
  const view = { faces: [], recorded: [] };
  return {
    toasts,
    view,
    toaster: { show: (key, shown) => toasts.push([key, shown.title]) },
    monitorView: {
      setFace: (status) => view.faces.push(status),
      addRecorded: (violation) => view.recorded.push(violation.id),
    },
  };
}

const tabSwitch = (id) => ({ id, code: "tab_switch" });

describe("announcements", () => {
  it("shows each violation once: a replayed answer shows nothing new", () => {
    const { toasts, view, toaster, monitorView } = stubs();
    const announcements = createAnnouncements(toaster);
    announcements.showIn(monitorView);
    announcements.showAnswer("events", { violations: [tabSwitch("v1")] });
    announcements.showAnswer("events", { violations: [tabSwitch("v1"), tabSwitch("v2")] });
    assert.deepEqual(toasts, [
      ["tab_switch", "Violation: Tab switch"],
      ["tab_switch", "Violation: Tab switch"],
    ]);
    assert.deepEqual(view.recorded, ["v1", "v2"]);
  });

  it("lists what was recorded before the monitoring view existed once it is shown", () => {
    const { toasts, view, toaster, monitorView } = stubs();
    const announcements = createAnnouncements(toaster);
    announcements.showAnswer("events", {
      violations: [{ id: "n1", code: "microphone_unavailable", notice: true }],
    });
    assert.deepEqual(toasts, [["microphone_unavailable", "Notice: Microphone unavailable"]]);
    announcements.showIn(monitorView);
    assert.deepEqual(view.recorded, ["n1"], "never 'Nothing recorded' under a toast");
    announcements.showAnswer("events", { violations: [tabSwitch("v1")] });
    assert.deepEqual(view.recorded, ["n1", "v1"]);
  });

  it("sets the face line from frame answers only, once the view is shown", () => {
    const { view, toaster, monitorView } = stubs();
    const announcements = createAnnouncements(toaster);
    announcements.showAnswer("frames", { face_status: "no_face" });
    announcements.showIn(monitorView);
    announcements.showAnswer("frames", { face_status: "ok" });
    announcements.showAnswer("audio", { face_status: "multiple_faces" });
    announcements.showAnswer("frames", { violations: [] });
    announcements.showAnswer("frames", null);
    assert.deepEqual(view.faces, ["ok"]);
  });
});
