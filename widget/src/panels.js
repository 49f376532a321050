// The widget's sections other than the transcript: offline, suspended,
// use_ticket guidance, the end of a chat, the visitor's open tickets. Pure
// builders: state in, nodes out; actions go to the callbacks given.
import { receipt, ticketForm } from "./forms.js";
import { el, formatDate } from "./util.js";

const ENDED_TEXT = {
  visitor: "You ended the chat.",
  agent: "The agent ended the chat.",
  converted: "This chat became a ticket; we will continue by email.",
  abandoned: "The chat ended because the connection was lost for too long.",
  suspended: "Chat is suspended for this account.",
};

/** Nobody is on shift: when we open again (the visitor's local time) and
 * the ticket form. Returns the section's nodes and the node to update
 * when `next_open` changes. */
export function offlinePanel(nextOpen, sendTicket, draft) {
  const when = el("strong", { "data-sd": "next-open" }, nextOpen ? formatDate(nextOpen) : "");
  const intro = el("p", {}, "Nobody is on shift right now. ",
    el("span", { hidden: !nextOpen }, "We open again ", when, " (your time). "),
    "Leave a message and we will reply by email.");
  return { nodes: [intro, ticketForm({ send: sendTicket, text: draft, again: true })], when };
}

/** Chat is closed to this visitor (`account:suspended`, or a refusal with
 * `suspended` + `until` or `banned`); tickets stay open to them. */
export function suspendedPanel({ until, ban }, sendTicket) {
  const text = ban || !until
    ? "Chat is not available for this account."
    : `Chat is suspended for this account until ${formatDate(until)}.`;
  return [el("p", { class: "sd-strong" }, text),
    ticketForm({ send: sendTicket, intro: "You can still open a ticket and we will reply by email." })];
}

/** chat:start answered `use_ticket`: the reason, the open ticket that
 * covers it (when there is one, with the "new issue" way out), a form, and
 * a way back to chat (`back`, labelled `backLabel`): never a dead end. */
export function useTicketPanel(error, text, topic, { sendTicket, newIssue, back, backLabel }) {
  const reason = error.reason || error.message || "This request cannot be handled in chat.";
  const nodes = [el("p", {}, String(reason))];
  const ticket = error.ticket;
  if (ticket && ticket.number) {
    nodes.push(el("p", {}, "Ticket ", el("strong", { "data-sd": "use-ticket-number" }, String(ticket.number)),
      ticket.subject ? ` (“${ticket.subject}”)` : "", " is open: we will answer you there."));
    const again = el("button", { type: "button", class: "sd-btn", "data-sd": "new-issue" }, "This is a new issue: chat anyway");
    again.addEventListener("click", newIssue);
    nodes.push(el("div", { class: "sd-row" }, again));
  }
  nodes.push(ticketForm({ send: sendTicket, intro: "Or open a ticket:", text, topic }));
  const leave = el("button", { type: "button", class: "sd-btn", "data-sd": "use-ticket-back" }, backLabel);
  leave.addEventListener("click", back);
  nodes.push(el("div", { class: "sd-row" }, leave));
  return el("div", { "data-sd": "use-ticket", class: "sd-stack" }, ...nodes);
}

/** The end of a chat, one step at a time: why it ended (with the receipt
 * of a conversion), then the survey while one is asked (`survey`, a form),
 * then thanks and a way on; `mail` (a transcriptForm) at every step.
 * `after`: {reason, ticket?, rated?}. */
export function afterPanel(after, { survey, mail, newChat }) {
  const nodes = [el("p", { "data-sd": "ended" }, ENDED_TEXT[after.reason] || "Your chat has ended.")];
  if (after.ticket && after.ticket.number) {
    nodes.push(receipt(after.ticket, "Your ticket", "holds this conversation; we will reply by email."));
  }
  if (mail) nodes.push(mail);
  if (survey) return [...nodes, survey];
  if (after.rated) nodes.push(el("p", { "data-sd": "thanks", role: "status" }, "Thank you for your feedback!"));
  const again = el("button", { type: "button", class: "sd-btn sd-btn-primary", "data-sd": "new-chat" }, "Start a new chat");
  again.addEventListener("click", newChat);
  nodes.push(el("div", { class: "sd-row" }, again));
  return nodes;
}

/** A verified visitor's account and open tickets (from `session`). */
export function ticketsPanel(account, tickets) {
  const nodes = [];
  if (account && (account.name || account.email)) {
    nodes.push(el("p", { "data-sd": "account" }, "Signed in as ", el("strong", {}, String(account.name || account.email))));
  }
  if (tickets.length) {
    nodes.push(el("p", {}, "Your open tickets:"), el("ul", {}, ...tickets.map((t) =>
      el("li", { "data-sd": "open-ticket" }, el("strong", {}, String(t.number || "")), ` ${t.subject || ""}`))));
  }
  return nodes;
}
