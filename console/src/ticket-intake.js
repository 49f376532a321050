// A ticket's intake in the console's ticket view: the evidence its topic
// asks for (given, or marked missing), the tickets it was split from and
// into, and the form that splits it: one problem per ticket, so an agent
// moves the other problem into a ticket of its own (POST
// /api/tickets/{id}/split). Everything the customer wrote goes in as text.
import { el } from "../../widget/src/util.js";
import { errorText } from "./api.js";
import { s, STRINGS } from "./strings.js";

const link = (t) => el("a", { href: `#tickets/${encodeURIComponent(t.id)}`, "data-sd": "ticket-split-link" },
  String(t.number));

/** The evidence section: each field's label, then its value (a link
 * opens in a new tab, never as a script), or "Missing". */
export function evidenceNodes(t) {
  const fields = Array.isArray(t.evidence) ? t.evidence : [];
  if (!fields.length) return [];
  const rows = fields.flatMap((f) => {
    const value = f.missing ? el("span", { class: "missing", "data-sd": "evidence-missing" }, s("intake.missing"))
      : f.kind === "files" ? s("intake.files_below")
        : f.kind === "url" && /^https?:\/\//i.test(String(f.value))
          ? el("a", { href: String(f.value), target: "_blank", rel: "noopener noreferrer" }, String(f.value))
          : el("pre", { class: "evidence-text" }, String(f.value ?? ""));
    const key = `intake.field.${f.name}`; // a field the console has no words for: the desk's label
    return [el("dt", {}, key in STRINGS ? s(key) : String(f.label || f.name)),
      el("dd", { "data-sd": `evidence-${f.name}` }, value)];
  });
  return [el("h3", {}, s("intake.evidence")), el("dl", { class: "facts evidence", "data-sd": "ticket-evidence" }, ...rows)];
}

/** "Split from SD-000012" / "Split into SD-000014, SD-000015". */
export function splitNodes(t) {
  const nodes = [];
  if (t.split_from) nodes.push(el("p", { "data-sd": "ticket-split-from" }, s("intake.split_from"), " ", link(t.split_from)));
  if (t.split_into && t.split_into.length) {
    nodes.push(el("p", { "data-sd": "ticket-split-into" }, s("intake.split_into"), " ",
      ...t.split_into.flatMap((c, i) => (i ? [", ", link(c)] : [link(c)]))));
  }
  return nodes;
}

/** A "Split ticket" button and its form: the part of the text that is
 * another problem (the selection in the description when there is one,
 * else the whole text, for the agent to cut) and a subject. `done(ticket)`
 * gets the new ticket. */
export function splitControls(api, t, done) {
  const open = el("button", { type: "button", "data-sd": "ticket-split" }, s("intake.split"));
  const text = el("textarea", { rows: "4", maxlength: "4000", required: true, "data-sd": "ticket-split-text",
    "aria-label": s("intake.split_text") });
  const subject = el("input", { maxlength: "200", "data-sd": "ticket-split-subject", placeholder: s("intake.split_subject"),
    "aria-label": s("intake.split_subject") });
  const send = el("button", { type: "submit", class: "primary", "data-sd": "ticket-split-send" }, s("intake.split_send"));
  const cancel = el("button", { type: "button", class: "quiet" }, s("actions.cancel"));
  const said = el("p", { class: "error", role: "alert", hidden: true });
  const form = el("form", { class: "action-form split-form", "data-sd": "ticket-split-form", hidden: true },
    el("span", { class: "form-title" }, s("intake.split_title")), text, subject,
    el("div", { class: "form-row" }, send, cancel), said);
  open.addEventListener("click", () => {
    const chosen = String(window.getSelection ? window.getSelection() : "").trim();
    text.value = chosen || String(t.description || "");
    form.hidden = false;
    text.focus();
  });
  cancel.addEventListener("click", () => { form.hidden = true; });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    send.disabled = true;
    const body = { text: text.value };
    if (subject.value.trim()) body.subject = subject.value.trim();
    const answer = await api.post(`/api/tickets/${encodeURIComponent(t.id)}/split`, body);
    send.disabled = false;
    said.hidden = answer.ok;
    if (!answer.ok) {
      said.textContent = errorText(answer, s("intake.split_failed"));
      return;
    }
    form.hidden = true;
    done(answer.ticket);
  });
  return { open, form };
}
