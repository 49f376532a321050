// Error codes (docs/protocol.md) as sentences for agents and supervisors,
// shared by the console and the dashboard. Where the server's own message
// names the rule that was broken ("that agent has no room", "a reason of 1
// to 500 characters is needed") it is the sentence; a parser's message
// ("bad body: Expected `str`...") or a code alone gets a sentence of ours.

const STAFF_TEXT = {
  bad_request: "Something in the form was not accepted: check what you entered.",
  not_found: "It is not there any more: it may have ended or been removed meanwhile.",
  forbidden: "You are not allowed to do that.",
  unauthorized: "You are signed out: sign in again.",
  conflict: "Something changed meanwhile: look again and retry.",
  chat_active: "The visitor already has a chat open.",
  chat_ended: "This chat has already ended.",
  offline: "Nobody is on shift now.",
  rate_limited: "Too many requests at once: wait a moment and try again.",
  suspended: "Chat is suspended for this visitor.",
  banned: "Chat is closed to this visitor (banned).",
  timeout: "The server did not answer in time: check the connection and try again.",
  network: "The server could not be reached: check the connection and try again.",
  internal: "Something went wrong on the server: try again, and tell your administrator if it keeps happening.",
  unknown_event: "This page is older than the server: reload it.",
  bad_ack: "The server's answer was not understood: reload the page.",
  bad_answer: "The server's answer was not understood: reload the page.",
  http: "The server's answer was not understood: reload the page.",
};
// Codes whose server message says which rule was broken.
const TELLING = new Set(["bad_request", "not_found", "conflict", "forbidden", "chat_active", "use_ticket", "no_email"]);
const TECHNICAL = /^bad (body|query)\b|Expected `|\$\.|HTTP \d/; // a parser's words, not a person's

/** The sentence for an error object `{code, message, ...}`; `overrides`
 * maps codes to sentences for one action ("Nothing to lift: ..."). */
export function staffError(error, overrides = {}) {
  const e = error || {};
  if (overrides[e.code]) return overrides[e.code];
  if (e.code === "too_large") return e.limit ? `That is too long: at most ${e.limit} characters.` : "That is too long.";
  if (e.code === "use_ticket" && e.reason) return sentence(e.reason);
  const message = String(e.message || "").trim();
  if (TELLING.has(e.code) && message && !TECHNICAL.test(message)) return sentence(message);
  return STAFF_TEXT[e.code] || "That did not work: try again.";
}

/** "The chat was not transferred. That agent has no room." */
export function failed(action, error, overrides) {
  const why = staffError(error, overrides);
  return action ? `${action.replace(/[.!]$/, "")}. ${why}` : why;
}

function sentence(text) {
  const s = String(text).trim();
  const capital = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
