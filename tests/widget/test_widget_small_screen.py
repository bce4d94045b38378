"""A phone-sized screen (375 x 740): toasts never cover the end button, and a repeated problem updates its toast
without keeping it up for good."""

from __future__ import annotations

import pytest
from widget_harness import start_monitoring, switch_tab_away_and_back, wait_for

pytestmark = pytest.mark.browser

END_COVERED = """() => {
  const button = [...document.querySelectorAll('button')].find(b => b.textContent === 'End monitoring');
  const toasts = [...document.querySelectorAll('.pw-toasts .pw-toast')];
  const overlaps = [];
  for (const block of ['start', 'center', 'end']) {  // wherever the candidate has scrolled the button to
    button.scrollIntoView({block});
    const b = button.getBoundingClientRect();
    for (const toast of toasts) {
      const t = toast.getBoundingClientRect();
      if (t.left < b.right && b.left < t.right && t.top < b.bottom && b.top < t.bottom) overlaps.push(block);
    }
  }
  return overlaps;
}"""

TOAST_LOG = """() => {
  window.__toasts = [];
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) window.__toasts.push(['added', performance.now()]);
      for (const node of record.removedNodes) window.__toasts.push(['removed', performance.now()]);
    }
  }).observe(document.querySelector('.pw-toasts') || document.querySelector('.proctor-widget > div:last-child'),
             {childList: true});
}"""


def test_toasts_never_cover_the_end_button_and_repeats_do_not_keep_them_up(browsers, open_page, service):
    chromium = browsers("face", "speech")
    page = open_page(chromium)
    page.set_viewport_size({"width": 375, "height": 740})
    candidate = start_monitoring(page, page)
    wait_for(lambda: candidate.face_status() == "ok", 15, "the first frame's answer", page=page)
    page.evaluate(TOAST_LOG)
    toast = page.locator(".pw-toasts .pw-toast")

    switch_tab_away_and_back(candidate, chromium, away_s=1.0)
    toast.first.wait_for(timeout=10000)
    assert page.evaluate(END_COVERED) == [], "a toast covers the end button"
    switch_tab_away_and_back(candidate, chromium, away_s=1.0)
    wait_for(lambda: "(2 times)" in toast.first.inner_text(), 10, "the repeat counted in the same toast", page=page)
    assert toast.count() == 1
    assert page.evaluate(END_COVERED) == [], "a toast covers the end button"
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, "nothing scrolls sideways"

    wait_for(lambda: toast.count() == 0, 15, "the toast to go after its time despite the repeat", page=page)
    log = page.evaluate("window.__toasts")
    (added, removed) = (log[0], log[1])
    assert (added[0], removed[0]) == ("added", "removed"), log
    assert removed[1] - added[1] < 10_500, f"the repeat restarted the toast's time: {log}"
