// Error codes (docs/protocol.md) as sentences for agents and supervisors,
// shared by the console and the dashboard. Where the server's own message
// names the rule that was broken ("that agent has no room", "a reason of 1
// to 500 characters is needed") it is the sentence; a parser's message
// ("bad body: Expected `str`...") or a code alone gets a sentence of ours.
import { s } from "./strings.js";

// Codes with a sentence of their own (strings.js, "errors.<code>").
const STAFF_CODES = new Set([
  "bad_request", "not_found", "forbidden", "unauthorized", "conflict", "chat_active", "chat_ended", "offline",
  "rate_limited", "suspended", "banned", "timeout", "network", "internal", "unknown_event", "bad_ack", "bad_answer", "http",
]);
// Codes whose server message says which rule was broken.
const TELLING = new Set(["bad_request", "not_found", "conflict", "forbidden", "chat_active", "use_ticket", "no_email"]);
const TECHNICAL = /^bad (body|query)\b|Expected `|\$\.|HTTP \d/; // a parser's words, not a person's

/** The sentence for an error object `{code, message, ...}`; `overrides`
 * maps codes to sentences for one action ("Nothing to lift: ..."). */
export function staffError(error, overrides = {}) {
  const e = error || {};
  if (overrides[e.code]) return overrides[e.code];
  if (e.code === "too_large") return e.limit ? s("errors.too_large_limit", { limit: e.limit }) : s("errors.too_large");
  if (e.code === "use_ticket" && e.reason) return sentence(e.reason);
  const message = String(e.message || "").trim();
  if (TELLING.has(e.code) && message && !TECHNICAL.test(message)) return sentence(message);
  return STAFF_CODES.has(e.code) ? s(`errors.${e.code}`) : s("errors.other");
}

/** "The chat was not transferred. That agent has no room." */
export function failed(action, error, overrides) {
  const why = staffError(error, overrides);
  return action ? s("errors.failed", { action: action.replace(/[.!]$/, ""), why }) : why;
}

function sentence(text) {
  const trimmed = String(text).trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
