// Error codes (docs/protocol.md) as sentences for the visitor, in the
// widget's language (i18n.js). The server's own message is written for
// integrators ("bad body: Expected `str`..."): a visitor reads what
// happened and what to do instead.
import { t } from "./i18n.js";

const VISITOR_KEY = {
  bad_request: "error.bad_request",
  rate_limited: "error.rate_limited",
  no_email: "error.no_email",
  chat_ended: "error.chat_ended",
  chat_active: "error.chat_active",
  not_found: "error.gone",
  forbidden: "error.gone",
  offline: "error.offline",
  suspended: "error.suspended",
  banned: "error.banned",
  timeout: "error.unreachable",
  network: "error.unreachable",
  internal: "error.internal",
};

/** The sentence for an error object `{code, message, ...}` (an ack's
 * `error`); `fallback` (already in the visitor's language) for a code
 * without one of its own. */
export function visitorError(error, fallback = null) {
  const e = error || {};
  if (e.code === "too_large") {
    return e.limit ? t("error.too_large_limit", { limit: e.limit }) : t("error.too_large");
  }
  if (e.code === "evidence_missing" && Array.isArray(e.missing)) {
    return t("error.evidence", { fields: e.missing.map((n) => t(`ev.${n}`)).join("; ") });
  }
  // The desk's own words for a topic chat cannot take (its configuration).
  if (e.code === "use_ticket" && e.reason) return String(e.reason);
  return VISITOR_KEY[e.code] ? t(VISITOR_KEY[e.code]) : fallback || t("error.fallback");
}

/** Why one message was not sent, for the line under it ("Not sent: ..."). */
export function sendError(error) {
  const e = error || {};
  if (e.code === "too_large") return e.limit ? t("delivery.too_long_limit", { limit: e.limit }) : t("delivery.too_long");
  if (e.code === "chat_ended") return t("delivery.chat_ended");
  if (e.code === "rate_limited") return t("delivery.rate_limited");
  return t("delivery.try_again");
}

/** Why a file was not taken, for its upload line ("NAME was not sent: ..."). */
export function uploadError(error, name) {
  const e = error || {};
  if (e.code === "unsupported_type") {
    const dot = String(name || "").lastIndexOf(".");
    return t("attach.unsupported_type", { ext: dot > 0 ? String(name).slice(dot + 1).toLowerCase() : "?" });
  }
  if (e.code === "too_large") return t("attach.too_large");
  if (e.code === "network" || e.code === "timeout") return t("attach.network");
  if (e.code === "rate_limited") return t("delivery.rate_limited");
  if (e.code === "chat_ended") return t("delivery.chat_ended");
  return t("delivery.try_again");
}
