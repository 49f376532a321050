// The widget's sections other than the transcript: offline, suspended,
// use_ticket guidance, the end of a chat, the visitor's open tickets. Pure
// builders: state in, nodes out; actions go to the callbacks given.
import { receipt, receiptAgain, ticketForm } from "./forms.js";
import { el, formatDate } from "./util.js";
import { parts, t } from "./i18n.js";

// The reasons of chat:ended that have words of their own ("ended.REASON").
const ENDED = new Set(["visitor", "agent", "converted", "abandoned", "suspended"]);

/** Nobody is on shift: when we open again (the visitor's local time) and
 * the ticket form. Returns the section's nodes and the node to update
 * when `next_open` changes. */
export function offlinePanel(nextOpen, sendTicket, draft, topic) {
  const when = el("strong", { "data-sd": "next-open" }, nextOpen ? formatDate(nextOpen) : "");
  const intro = el("p", {}, `${t("offline.nobody")} `,
    el("span", { hidden: !nextOpen }, ...parts("offline.next_open", { when }), " "),
    t("offline.leave_message"));
  return { nodes: [intro, ticketForm({ send: sendTicket, text: draft, topic, again: true })], when };
}

/** Chat is closed to this visitor (`account:suspended`, or a refusal with
 * `suspended` + `until` or `banned`); tickets stay open to them. */
export function suspendedPanel({ until, ban }, sendTicket) {
  const text = ban || !until ? t("suspended.banned") : t("suspended.until", { until: formatDate(until) });
  return [el("p", { class: "sd-strong" }, text),
    ticketForm({ send: sendTicket, intro: t("suspended.ticket_intro") })];
}

/** chat:start answered `use_ticket`: the reason, the open ticket that
 * covers it (when there is one, with the "new issue" way out), a form, and
 * a way back to chat (`back`, labelled `backLabel`): never a dead end. */
export function useTicketPanel(error, text, topic, { sendTicket, newIssue, back, backLabel }) {
  const ticket = error.ticket && error.ticket.number ? error.ticket : null;
  const nodes = [];
  // A topic's reason is the desk's own words (its configuration), shown as
  // written; the other kinds are ours to say in the visitor's language. An
  // open ticket says it all in its own line below.
  if (error.kind === "verified_only") nodes.push(el("p", {}, t("use_ticket.verified_only")));
  else if (!(error.kind === "open_ticket" && ticket)) nodes.push(el("p", {}, String(error.reason || t("use_ticket.reason"))));
  if (ticket) {
    const number = el("strong", { "data-sd": "use-ticket-number" }, String(ticket.number));
    nodes.push(el("p", {}, ...(ticket.subject
      ? parts("use_ticket.open_subject", { number, subject: String(ticket.subject) })
      : parts("use_ticket.open", { number }))));
    nodes.push(receiptAgain(ticket.number));
    const again = el("button", { type: "button", class: "sd-btn", "data-sd": "new-issue" }, t("use_ticket.new_issue"));
    again.addEventListener("click", newIssue);
    nodes.push(el("div", { class: "sd-row" }, again));
  }
  nodes.push(ticketForm({ send: sendTicket, intro: t("use_ticket.or_ticket"), text, topic }));
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
  const nodes = [el("p", { "data-sd": "ended" }, t(ENDED.has(after.reason) ? `ended.${after.reason}` : "ended.default"))];
  if (after.ticket && after.ticket.number) nodes.push(receipt(after.ticket, "ended.receipt"));
  if (mail) nodes.push(mail);
  if (survey) return [...nodes, survey];
  if (after.rated) nodes.push(el("p", { "data-sd": "thanks", role: "status" }, t("ended.thanks")));
  const again = el("button", { type: "button", class: "sd-btn sd-btn-primary", "data-sd": "new-chat" }, t("ended.new_chat"));
  again.addEventListener("click", newChat);
  nodes.push(el("div", { class: "sd-row" }, again));
  return nodes;
}

/** A verified visitor's account and open tickets (from `session`). */
export function ticketsPanel(account, tickets) {
  const nodes = [];
  if (account && (account.name || account.email)) {
    const name = el("strong", {}, String(account.name || account.email));
    nodes.push(el("p", { "data-sd": "account" }, ...parts("account.signed_in", { name })));
  }
  if (tickets.length) {
    nodes.push(el("p", {}, t("account.open_tickets")), el("ul", {}, ...tickets.map((ticket) =>
      el("li", { "data-sd": "open-ticket" }, el("strong", {}, String(ticket.number || "")), ` ${ticket.subject || ""} `,
        receiptAgain(ticket.number)))));
  }
  return nodes;
}
