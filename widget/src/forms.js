// The widget's two small forms: leave a message as a ticket (when nobody is
// on shift, or the topic cannot be handled in chat) and the end-of-chat survey.
import { el, request } from "./util.js";

/** A form that opens a ticket with `ticket:create`; shows the receipt. */
export function offlineForm(socket, intro, text) {
  const email = el("input", { class: "sd-field", type: "email", required: true, placeholder: "Your email", "aria-label": "Your email", autocomplete: "email" });
  const subject = el("input", { class: "sd-field", required: true, maxlength: "200", placeholder: "Subject", "aria-label": "Subject" });
  subject.value = firstLine(text);
  const body = el("textarea", { class: "sd-field", required: true, rows: "3", "aria-label": "Message" });
  body.value = text || "";
  const submit = el("button", { type: "submit", class: "sd-btn sd-btn-primary" }, "Send as ticket");
  const result = el("p", { role: "status" });
  const form = el("form", { "data-sd": "ticket-form" }, el("p", {}, intro), email, subject, body, el("div", { class: "sd-row" }, submit), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const ack = await request(socket, "ticket:create", { email: email.value.trim(), subject: subject.value.trim(), text: body.value.trim() });
    if (ack.ok && ack.ticket) {
      form.replaceChildren(el("p", { "data-sd": "ticket-receipt" }, "Thanks! Your ticket ", el("strong", {}, String(ack.ticket.number)), " is open; we will reply by email."));
    } else {
      submit.disabled = false;
      result.textContent = (ack.error && ack.error.message) || "The ticket could not be created.";
    }
  });
  return form;
}

/** The 1-5 rating asked for when a chat ends (`survey:submit`, once). */
export function surveyForm(socket, chatId) {
  let rating = 0;
  const stars = [1, 2, 3, 4, 5].map((n) => {
    const b = el("button", { type: "button", class: "sd-btn", "aria-pressed": "false", "aria-label": `Rate ${n} of 5` }, String(n));
    b.addEventListener("click", () => {
      rating = n;
      stars.forEach((s, i) => s.setAttribute("aria-pressed", String(i + 1 === n)));
      submit.disabled = false;
    });
    return b;
  });
  const comment = el("input", { class: "sd-field", maxlength: "1000", placeholder: "Comment (optional)", "aria-label": "Comment" });
  const submit = el("button", { type: "submit", class: "sd-btn sd-btn-primary", disabled: true }, "Send feedback");
  const result = el("p", { role: "status" });
  const form = el("form", { "data-sd": "survey" }, el("p", {}, "How did we do?"), el("div", { class: "sd-row" }, ...stars), comment, el("div", { class: "sd-row" }, submit), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!rating) return;
    submit.disabled = true;
    const payload = { chat_id: chatId, rating };
    if (comment.value.trim()) payload.comment = comment.value.trim();
    const ack = await request(socket, "survey:submit", payload);
    if (ack.ok) form.replaceChildren(el("p", {}, "Thank you for your feedback."));
    else {
      submit.disabled = false;
      result.textContent = (ack.error && ack.error.message) || "Your feedback could not be sent.";
    }
  });
  return form;
}

function firstLine(text) {
  const line = String(text || "").split("\n")[0].trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}
