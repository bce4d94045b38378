/**
 * What a page whose token the server refuses tells the candidate. In an LMS every launch gets a new token and the
 * previous page's stops working, so there the likely reason is a newer launch, and there is no start page to go
 * back to.
 *
 * @module lib/invalidLink
 */

const MESSAGES = {
  standalone: [
    "Monitoring unavailable",
    "This monitoring link is not valid (any more). Reopen the exam from its start page.",
  ],
  replaced: [
    "This page was replaced",
    "This page was replaced by a newer launch of the activity; continue in the newest window, or launch the " +
      "activity again.",
  ],
  expired: ["This page has expired", "This monitoring page has expired; launch the activity again."],
  other: ["Monitoring unavailable", "This monitoring page is not valid; launch the activity again."],
};

/**
 * The title and text for a refused token.
 * @param {{code?: string}} error the API error (`invalid_token`, `token_expired`, ...)
 * @param {boolean} lms the page was launched from an LMS
 * @returns {[string, string]}
 */
export function invalidLinkMessage(error, lms) {
  if (!lms) return MESSAGES.standalone;
  if (error?.code === "invalid_token") return MESSAGES.replaced;
  if (error?.code === "token_expired") return MESSAGES.expired;
  return MESSAGES.other;
}
