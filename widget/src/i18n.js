// The widget's words, one table per locale. Every string a visitor reads
// comes from here through `t(key, vars)`; `{name}` in a string is replaced
// by `vars.name`. A key missing from a locale falls back to English.
// Counts go through `tn(key, count)`: the locale's plural rule
// (Intl.PluralRules) picks `key.one`, `key.other`, ... (`.other` when the
// locale has no string for its category). English is here; every other
// locale is a file in locales/ with exactly English's keys (a test checks).
// docs/widget.md ("Languages") says how to add a locale.
import { fillIn, pluralCategory, textParts } from "./util.js";
import { de } from "./locales/de.js";
import { es } from "./locales/es.js";
import { fr } from "./locales/fr.js";

const en = {
  // The launcher and the panel's frame (view.js)
  "launcher.open": "Chat with us",
  "launcher.close": "Close chat",
  "launcher.unread.one": "{count} unread message",
  "launcher.unread.other": "{count} unread messages",
  "presence.online": "Online",
  "presence.offline": "Offline",
  "presence.next_open": "We open again {when}",
  "panel.label": "Support chat",
  "panel.title": "Support",
  "panel.close": "Close chat",
  "panel.messages": "Messages",

  // The header's status line (screens.js)
  "status.connecting": "Connecting…",
  "status.reconnecting": "Reconnecting…",
  "status.online": "Online",
  "status.offline": "Offline",
  "status.offline_until": "Offline until {when}",
  "status.waiting": "Waiting for an agent",
  "status.chatting": "Chatting with {agent}",
  "status.suspended": "Suspended",
  "status.unavailable": "Unavailable",
  "status.refused": "Chat is unavailable right now.",
  "refused.unknown_site": "Chat is not set up for this site.",
  "refused.origin_not_allowed": "Chat is not enabled on this page.",
  "refused.bad_identity": "We could not verify your sign-in; please reload the page.",
  "refused.identity_required": "Please sign in to chat with us.",
  "refused.rate_limited": "Too many connections; trying again shortly.",

  // The chat: header buttons, queue, warnings, messages, composer (view.js, chat.js)
  "chat.end": "End chat",
  "chat.mail": "Email",
  "chat.mail_title": "Email me the transcript",
  "chat.end_label": "End this chat?",
  "chat.end_question": "End this chat? You can start a new one afterwards.",
  "chat.end_yes": "End chat",
  "chat.end_no": "Keep chatting",
  "chat.queued": "You are number {position} in the queue{eta}.",
  "chat.eta.one": "; estimated wait about {count} minute",
  "chat.eta.other": "; estimated wait about {count} minutes",
  "chat.warning.one": "This chat has about {count} minute left; then it becomes a ticket and we continue by email.",
  "chat.warning.other": "This chat has about {count} minutes left; then it becomes a ticket and we continue by email.",
  "chat.you": "You",
  "chat.agent": "Agent",
  "chat.typing": "{name} is typing…",
  "chat.typing_anonymous": "The agent is typing…",
  "chat.topic": "Topic: {topic} {change}",
  "chat.change_topic": "Change topic",
  "chat.topic_refused": "This topic is not available right now; please choose another one.",
  "chat.start_failed": "Your message could not be sent.",
  "composer.placeholder": "Type your message…",
  "composer.label": "Your message",
  "composer.send": "Send",

  // The line under one's own message while it is on its way (transcript.js, outbox.js, errors.js)
  "delivery.sending": "Sending…",
  "delivery.retrying": "Not delivered yet: retrying…",
  "delivery.failed": "Not sent",
  "delivery.failed_because": "Not sent: {reason}",
  "delivery.chat_ended": "the chat has ended",
  "delivery.signed_out": "signed out",
  "delivery.too_long": "too long",
  "delivery.too_long_limit": "longer than {limit} characters",
  "delivery.rate_limited": "too many messages at once",
  "delivery.try_again": "please try again",

  // Error codes from the server, as sentences (errors.js)
  "error.bad_request": "Something in this form is not right; please check it and try again.",
  "error.rate_limited": "You are going a little fast; please wait a moment and try again.",
  "error.no_email": "Please give the email address to send it to.",
  "error.chat_ended": "This chat has ended.",
  "error.chat_active": "You already have a chat open.",
  "error.gone": "This chat is no longer available; please start a new one.",
  "error.offline": "Nobody is available to chat right now.",
  "error.suspended": "Chat is suspended for this account.",
  "error.banned": "Chat is not available for this account.",
  "error.unreachable": "We could not reach the support desk; check your connection and try again.",
  "error.internal": "Something went wrong on our side; please try again in a moment.",
  "error.too_large": "That is too long; please shorten it.",
  "error.too_large_limit": "That is too long: please keep it under {limit} characters.",
  "error.fallback": "Something went wrong; please try again.",

  // The end of a chat (panels.js)
  "ended.visitor": "You ended the chat.",
  "ended.agent": "The agent ended the chat.",
  "ended.converted": "This chat became a ticket; we will continue by email.",
  "ended.abandoned": "The chat ended because the connection was lost for too long.",
  "ended.suspended": "Chat is suspended for this account.",
  "ended.default": "Your chat has ended.",
  "ended.receipt": "Your ticket {number} holds this conversation; we will reply by email.",
  "ended.thanks": "Thank you for your feedback!",
  "ended.new_chat": "Start a new chat",

  // Nobody on shift, suspended, and topics chat cannot take (panels.js)
  "offline.nobody": "Nobody is on shift right now.",
  "offline.next_open": "We open again {when} (your time).",
  "offline.leave_message": "Leave a message and we will reply by email.",
  "suspended.until": "Chat is suspended for this account until {until}.",
  "suspended.banned": "Chat is not available for this account.",
  "suspended.ticket_intro": "You can still open a ticket and we will reply by email.",
  "use_ticket.reason": "This request cannot be handled in chat.",
  "use_ticket.verified_only": "This topic is handled in chat only for signed-in customers: sign in, or open a ticket.",
  "use_ticket.open": "Ticket {number} is open: we will answer you there.",
  "use_ticket.open_subject": "Ticket {number} (“{subject}”) is open: we will answer you there.",
  "use_ticket.new_issue": "This is a new issue: chat anyway",
  "use_ticket.or_ticket": "Or open a ticket:",
  "use_ticket.other_topic": "Chat about something else",
  "use_ticket.back": "Back to chat",

  // The forms: ticket, pre-chat, survey, transcript by email (forms.js)
  "form.email": "Your email",
  "ticket.subject": "Subject",
  "ticket.text": "How can we help?",
  "ticket.text_label": "Message",
  "ticket.send": "Send as ticket",
  "ticket.receipt": "Thanks! Your ticket {number} is open; we will reply by email.",
  "ticket.another": "Write another message",
  "ticket.failed": "The ticket could not be created.",
  "ticket.one": "One problem per ticket, please.",
  "ev.api_call": "The exact API call you made",
  "ev.api_response": "The response the server returned",
  "ev.document_url": "The document’s link",
  "ev.files": "Attach the files that fail (+), or screenshots of the error.",
  "error.evidence": "Please add: {fields}.",
  "receipt.again": "Email me the receipt again",
  "receipt.sent": "We sent the receipt of {number} again.",
  "prechat.intro": "Before we start, please tell us who you are.",
  "prechat.intro_topic": "What would you like to chat about?",
  "prechat.name": "Your name",
  "prechat.topic": "Topic",
  "prechat.start": "Start chatting",
  "prechat.continue": "Continue",
  "prechat.cancel": "Cancel",
  "survey.question": "How did we do?",
  "survey.rating": "Rating",
  "survey.star.one": "{count} of 5 stars",
  "survey.star.other": "{count} of 5 stars",
  "survey.comment": "Comment (optional)",
  "survey.comment_label": "Comment",
  "survey.send": "Send feedback",
  "survey.skip": "Skip",
  "survey.failed": "Your feedback could not be sent.",
  "transcript.ask": "Email me the transcript",
  "transcript.other": "to another address",
  "transcript.send": "Send",
  "transcript.sent": "On its way: the transcript will arrive by email shortly.",
  "transcript.which_email": "Which email should we send it to?",
  "transcript.failed": "The transcript could not be sent.",

  // A verified visitor's account and open tickets (panels.js)
  "account.signed_in": "Signed in as {name}",
  "account.open_tickets": "Your open tickets:",

  // attachments
  "attach.button": "Attach a file",
  "attach.uploading": "Uploading {name}… {percent}%",
  "attach.dismiss": "Dismiss",
  "attach.remove": "Remove {name}",
  "attach.failed": "{name} was not sent: {reason}",
  "attach.no_chat": "Start the chat first, then add files.",
  "attach.download": "Download {name}",
  "attach.network": "the desk could not be reached",
  "attach.unsupported_type": "files like this (.{ext}) are not accepted",
  "attach.too_large": "the file is too large",
};

export const LOCALES = { en, fr, de, es };

let current = en;
let tag; // the BCP 47 tag for Intl (dates, plurals); undefined: the browser's own

/** Choose the locale: `data-locale` if the desk has it, else the browser's
 * languages in order, else English. Returns the code chosen ("fr"); dates
 * and plurals then follow the tag that matched ("fr-CA"). */
export function chooseLocale(wanted, languages = []) {
  for (const code of [wanted, ...languages]) {
    if (!code) continue;
    const lower = String(code).toLowerCase();
    const base = lower.split("-")[0];
    // Own properties only: data-locale="constructor" is not a locale.
    const hit = has(LOCALES, lower) ? lower : has(LOCALES, base) ? base : null;
    if (hit) {
      current = LOCALES[hit];
      tag = supported(code) || hit;
      return hit;
    }
  }
  current = en;
  tag = "en";
  return "en";
}

const has = (object, name) => Object.prototype.hasOwnProperty.call(object, name);

/** `code` if Intl knows it as a locale tag, else null (a typo in data-locale). */
function supported(code) {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([String(code)]).length ? String(code) : null;
  } catch (_) {
    return null;
  }
}

/** The tag that dates and numbers are formatted in: the chosen one, or
 * undefined (the browser's default) before any choice (the console). */
export function intlLocale() {
  return tag;
}

/** The current locale's text for `key`, with `{name}` filled from `vars`. */
export function t(key, vars) {
  return fillIn(current[key] ?? en[key] ?? key, vars);
}

/** The key of `key`'s plural form for `count`: "key.one", "key.other",
 * ... as the locale's plural rule says (`.other` when it has no string
 * for that category). */
export function pluralKey(key, count) {
  const form = `${key}.${pluralCategory(count, tag)}`;
  return has(current, form) || has(en, form) ? form : `${key}.other`;
}

/** `key`'s plural form for `count`, with `{count}` and `vars` filled. */
export function tn(key, count, vars = {}) {
  return t(pluralKey(key, count), { count, ...vars });
}

/** Like `t`, as a list of strings and nodes for util.el: a `{name}` whose
 * value is a node (a <strong>, a button) is put in as that node, so each
 * language places it where its grammar wants. */
export function parts(key, vars) {
  return textParts(current[key] ?? en[key] ?? key, vars);
}
