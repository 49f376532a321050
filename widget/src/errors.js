// Error codes (docs/protocol.md) as sentences for the visitor. The server's
// own message is written for integrators ("bad body: Expected `str`..."):
// a visitor reads what happened and what to do instead.

const VISITOR_TEXT = {
  bad_request: "Something in this form is not right; please check it and try again.",
  rate_limited: "You are going a little fast; please wait a moment and try again.",
  no_email: "Please give the email address to send it to.",
  chat_ended: "This chat has ended.",
  chat_active: "You already have a chat open.",
  not_found: "This chat is no longer available; please start a new one.",
  forbidden: "This chat is no longer available; please start a new one.",
  offline: "Nobody is available to chat right now.",
  suspended: "Chat is suspended for this account.",
  banned: "Chat is not available for this account.",
  timeout: "We could not reach the support desk; check your connection and try again.",
  network: "We could not reach the support desk; check your connection and try again.",
  internal: "Something went wrong on our side; please try again in a moment.",
};
const FALLBACK = "Something went wrong; please try again.";

/** The sentence for an error object `{code, message, ...}` (an ack's `error`). */
export function visitorError(error, fallback = FALLBACK) {
  const e = error || {};
  if (e.code === "too_large") {
    return e.limit ? `That is too long: please keep it under ${e.limit} characters.` : "That is too long; please shorten it.";
  }
  if (e.code === "use_ticket" && e.reason) return String(e.reason);
  return VISITOR_TEXT[e.code] || fallback;
}

/** Why one message was not sent, for the line under it ("Not sent: ..."). */
export function sendError(error) {
  const e = error || {};
  if (e.code === "too_large") return e.limit ? `longer than ${e.limit} characters` : "too long";
  if (e.code === "chat_ended") return "the chat has ended";
  if (e.code === "rate_limited") return "too many messages at once";
  return "please try again";
}
