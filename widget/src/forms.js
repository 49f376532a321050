// The widget's small forms: a ticket (offline, suspended, or a topic chat
// cannot handle), the pre-chat questions, the end-of-chat survey and the
// transcript by email. Every
// string from the server or the visitor goes in as a text node (util.el),
// and what the visitor types is laid out by its own direction (dir="auto":
// Arabic or Hebrew right to left).
import { uploadError, visitorError } from "./errors.js";
import { el } from "./util.js";
import { filesOf, sizeText, UploadLines } from "./attachments.js";
import { parts, t, tn } from "./i18n.js";

// The widget's file client (attachments.fileClient), set once at boot: the
// ticket form uploads files with it before the ticket is sent.
let fileClient = null;
export function useFiles(client) {
  fileClient = client;
}

// Ticket intake, set by chat.js from `session`: each topic's evidence
// fields (`evidence`: {topic: [name]}), and `receipt(number)`, which asks
// for a ticket's receipt again (`ticket:receipt`) and resolves to its ack.
export const intake = { evidence: {}, receipt: null };

const field = (tag, attrs, ...children) => el(tag, { class: "sd-field", ...attrs }, ...children);
const errorText = (ack, fallback) => visitorError(ack.error, fallback);

/**
 * Opens a ticket: email, subject, message. `send(fields)` resolves to an ack
 * `{ok, ticket}` (the socket's `ticket:create` or `POST /widget/tickets`);
 * the form then becomes the receipt (`data-sd="ticket-receipt"`), with a
 * way to write another when `again` (the offline form: nothing else to do).
 * @param {{send: (fields: object) => Promise<object>, intro?: string, text?: string, topic?: string|null,
 *          email?: string, again?: boolean}} opts
 */
export function ticketForm({ send, intro, text = "", topic = null, email: knownEmail = "", again = false }) {
  const email = field("input", {
    type: "email", required: true, maxlength: "254", placeholder: t("form.email"), "aria-label": t("form.email"),
    autocomplete: "email", "data-sd": "ticket-email",
  });
  email.value = knownEmail;
  const subject = field("input", {
    required: true, maxlength: "200", placeholder: t("ticket.subject"), "aria-label": t("ticket.subject"), dir: "auto",
    "data-sd": "ticket-subject",
  });
  subject.value = firstLine(text);
  const body = field("textarea", {
    required: true, rows: "3", maxlength: "4000", placeholder: t("ticket.text"), "aria-label": t("ticket.text_label"),
    dir: "auto", "data-sd": "ticket-text",
  });
  body.value = text;
  // The topic's evidence, asked before the first submit: a link, a text,
  // or (files) the files attached below. Not `required`: the desk names
  // what is missing in its refusal, in the visitor's language.
  const asked = Array.isArray(intake.evidence[topic]) ? intake.evidence[topic] : []; // "constructor" is a topic name too
  const proofs = asked.map((name) => name === "files" ? el("p", {}, t("ev.files"))
    : field(name === "document_url" ? "input" : "textarea", { type: name === "document_url" ? "url" : null,
      rows: "2", maxlength: "4000", dir: "auto", placeholder: t(`ev.${name}`), "aria-label": t(`ev.${name}`),
      "data-sd": `evidence-${name}`, name }));
  const submit = el("button", { type: "submit", class: "sd-btn sd-btn-primary", "data-sd": "ticket-send" }, t("ticket.send"));
  const result = el("p", { role: "status", class: "sd-error" });
  const files = ticketFiles(body);
  const form = el("form", { "data-sd": "offline-form" },
    intro ? el("p", {}, intro) : null, el("p", {}, t("ticket.one")), email, subject, body, ...proofs, ...files.nodes,
    el("div", { class: "sd-row" }, files.attach, submit), result);
  form.addEventListener("dragover", (e) => e.preventDefault());
  form.addEventListener("drop", (e) => {
    const dropped = filesOf(e.dataTransfer);
    if (!dropped.length) return;
    e.preventDefault();
    files.add(dropped);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (files.busy()) return;
    submit.disabled = true;
    result.textContent = "";
    const fields = { email: email.value.trim(), subject: subject.value.trim(), text: body.value.trim() };
    if (topic) fields.topic = topic;
    if (files.ids().length) fields.attachments = files.ids();
    const evidence = {};
    for (const p of proofs) if (p.name && p.value.trim()) evidence[p.name] = p.value.trim();
    if (asked.length) fields.evidence = evidence;
    const ack = await send(fields);
    if (ack.ok && ack.ticket) {
      const done = receipt(ack.ticket, "ticket.receipt");
      if (!again) {
        form.replaceWith(done);
        return;
      }
      const another = el("button", { type: "button", class: "sd-btn", "data-sd": "ticket-another" }, t("ticket.another"));
      const box = el("div", { class: "sd-stack" }, done, el("div", { class: "sd-row" }, another));
      another.addEventListener("click", () => box.replaceWith(ticketForm({ send, intro, topic, email: fields.email, again })));
      form.replaceWith(box);
    } else {
      submit.disabled = false;
      result.textContent = errorText(ack, t("ticket.failed"));
      const missing = (ack.error && ack.error.missing) || [];
      for (const p of proofs) if (p.name) p.setAttribute("aria-invalid", String(missing.includes(p.name)));
      result.scrollIntoView({ block: "nearest" });
    }
  });
  return form;
}

/** The ticket form's files: a + button with a picker, and screenshots
 * pasted into `box`; each is uploaded at once (with no chat) and listed by
 * name and size, removable, until the ticket is sent with their ids. */
function ticketFiles(box) {
  const staged = [];
  let uploading = 0;
  const list = el("ul", { class: "sd-staged", "data-sd": "ticket-files" });
  const lines = el("div", { class: "sd-uploads", "data-sd": "uploads", "aria-live": "polite" });
  const uploads = new UploadLines(lines, {
    uploading: (name, percent) => t("attach.uploading", { name, percent }),
    failed: (name, reason) => t("attach.failed", { name, reason }),
    dismiss: t("attach.dismiss"),
  });
  const picker = el("input", { type: "file", multiple: true, hidden: true, "data-sd": "ticket-file-input" });
  const attach = el("button", { type: "button", class: "sd-attach", "data-sd": "ticket-attach", title: t("attach.button"),
    "aria-label": t("attach.button"), hidden: !fileClient }, "+");
  const render = () => list.replaceChildren(...staged.map((f) => {
    const remove = el("button", { type: "button", class: "sd-upload-dismiss", "aria-label": t("attach.remove", { name: f.name }) }, "×");
    remove.addEventListener("click", () => {
      staged.splice(staged.indexOf(f), 1);
      render();
    });
    return el("li", { "data-sd": "ticket-file" }, el("span", {}, String(f.name ?? "file")), " ",
      el("span", { class: "sd-file-size" }, sizeText(Number(f.size) || 0)), " ", remove);
  }));
  const add = async (chosen) => {
    if (!fileClient) return;
    for (const file of chosen) {
      const line = uploads.start(file.name || "pasted.png");
      uploading += 1;
      const ack = await fileClient.upload(null, file, line.progress);
      uploading -= 1;
      if (!ack.ok) {
        line.fail(uploadError(ack.error, file.name));
        continue;
      }
      line.done();
      staged.push(ack.attachment);
      render();
    }
  };
  attach.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    const chosen = [...picker.files];
    picker.value = "";
    if (chosen.length) add(chosen);
  });
  box.addEventListener("paste", (e) => {
    const pasted = filesOf(e.clipboardData);
    if (!pasted.length || !fileClient) return;
    e.preventDefault();
    add(pasted);
  });
  return { nodes: [list, lines, picker], attach, add, ids: () => staged.map((f) => f.id), busy: () => uploading > 0 };
}

/** "Your ticket SD-000123 ...": the number is the visitor's receipt;
 * `key` is the sentence, with `{number}` where the number goes. */
export function receipt(ticket, key) {
  const number = el("strong", { "data-sd": "ticket-number" }, String(ticket.number || ""));
  return el("div", { "data-sd": "ticket-receipt" }, el("p", {}, ...parts(key, { number })), receiptAgain(ticket.number));
}

/** "Email me the receipt again" for a ticket the visitor opened (none
 * before the socket is up: `intake.receipt`), then what the desk said. */
export function receiptAgain(number) {
  if (!intake.receipt || !number) return null;
  const button = el("button", { type: "button", class: "sd-btn", "data-sd": "receipt-again" }, t("receipt.again"));
  const said = el("span", { role: "status", "data-sd": "receipt-status" });
  button.addEventListener("click", async () => {
    button.disabled = true;
    const ack = await intake.receipt(String(number));
    said.textContent = ack.ok ? t("receipt.sent", { number: ack.ticket.number }) : visitorError(ack.error);
    button.disabled = !ack.ok && ack.error.code === "rate_limited";
  });
  return el("div", { class: "sd-row" }, button, said);
}

/**
 * The optional questions before a first message (`data-prechat`): name,
 * email and, when the embedding tag lists topics, a topic. `done(values)`
 * gets `{name, email, topic}` (blank ones left out). With `given` (the
 * answers so far) it changes them: only the topic when `askWho` is false
 * (a verified visitor, or one who answered already), and `cancel` goes back.
 * @param {{name: string, label: string}[]} topics
 * @param {{given?: object, askWho?: boolean, cancel?: () => void}} [opts]
 */
export function prechatForm(topics, done, { given = {}, askWho = true, cancel = null } = {}) {
  const name = askWho ? field("input", {
    required: true, maxlength: "100", placeholder: t("prechat.name"), "aria-label": t("prechat.name"), dir: "auto",
    autocomplete: "name", "data-sd": "prechat-name",
  }) : null;
  const email = askWho ? field("input", {
    type: "email", required: true, maxlength: "254", placeholder: t("form.email"), "aria-label": t("form.email"),
    autocomplete: "email", "data-sd": "prechat-email",
  }) : null;
  if (name) name.value = given.name || "";
  if (email) email.value = given.email || "";
  const topic = topics.length
    ? field("select", { "aria-label": t("prechat.topic"), "data-sd": "prechat-topic" },
      ...topics.map((t) => el("option", { value: t.name }, t.label)))
    : null;
  if (topic && given.topic) topic.value = given.topic;
  const submit = el("button", { type: "submit", class: "sd-btn sd-btn-primary", "data-sd": "prechat-send" },
    t(askWho ? "prechat.start" : "prechat.continue"));
  const back = cancel ? el("button", { type: "button", class: "sd-btn", "data-sd": "prechat-cancel" }, t("prechat.cancel")) : null;
  if (back) back.addEventListener("click", cancel);
  const intro = t(askWho ? "prechat.intro" : "prechat.intro_topic");
  const form = el("form", { "data-sd": "prechat" },
    el("p", {}, intro), name, email, topic, el("div", { class: "sd-row" }, submit, back));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const values = askWho ? { name: name.value.trim(), email: email.value.trim() }
      : Object.fromEntries(["name", "email"].filter((k) => given[k]).map((k) => [k, given[k]]));
    if (topic && topic.value) values.topic = topic.value;
    done(values);
  });
  return form;
}

/**
 * The 1-5 rating asked for when a chat ends, stars as buttons, then an
 * optional comment (shown once a star is picked, so the first step is
 * small); `send({rating, comment?})` resolves to the `survey:submit` ack,
 * and `done(rated)` follows a sent rating (true) or "Skip" (false).
 */
export function surveyForm(send, done, question = t("survey.question")) {
  let rating = 0;
  const stars = [1, 2, 3, 4, 5].map((n) => {
    const b = el("button", {
      type: "button", class: "sd-star", "aria-pressed": "false", "aria-label": tn("survey.star", n),
      "data-sd": "survey-star", "data-rating": String(n),
    }, "★");
    b.addEventListener("click", () => {
      rating = n;
      stars.forEach((s, i) => s.setAttribute("aria-pressed", String(i < n)));
      submit.disabled = false;
      more.hidden = false;
    });
    return b;
  });
  const comment = field("textarea", {
    rows: "2", maxlength: "2000", placeholder: t("survey.comment"), "aria-label": t("survey.comment_label"), dir: "auto",
    "data-sd": "survey-comment",
  });
  const submit = el("button", { type: "submit", class: "sd-btn sd-btn-primary", disabled: true, "data-sd": "survey-send" }, t("survey.send"));
  const skip = el("button", { type: "button", class: "sd-btn", "data-sd": "survey-skip" }, t("survey.skip"));
  skip.addEventListener("click", () => done(false));
  const result = el("p", { role: "status", class: "sd-error" });
  const more = el("div", { class: "sd-stack", hidden: true }, comment);
  const form = el("form", { "data-sd": "survey" },
    el("p", {}, question), el("div", { class: "sd-row", role: "group", "aria-label": t("survey.rating") }, ...stars),
    more, el("div", { class: "sd-row" }, submit, skip), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!rating) return;
    submit.disabled = true;
    const payload = { rating };
    if (comment.value.trim()) payload.comment = comment.value.trim();
    const ack = await send(payload);
    // `conflict`: rated already (another tab): thanks all the same.
    if (ack.ok || (ack.error && ack.error.code === "conflict")) {
      done(true);
    } else {
      submit.disabled = false;
      result.textContent = errorText(ack, t("survey.failed"));
    }
  });
  return form;
}

function firstLine(text) {
  const line = String(text || "").split("\n")[0].trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

/**
 * "Email me the transcript": one button that asks for it at the email on
 * file; when the desk has none (`no_email`) or the visitor wants another
 * address, an email field. `send(fields)` resolves to the `chat:transcript`
 * ack for `{}` or `{email}`.
 * @param {(fields: object) => Promise<object>} send
 */
export function transcriptForm(send) {
  const ask = el("button", { type: "button", class: "sd-btn", "data-sd": "transcript-send" }, t("transcript.ask"));
  const other = el("button", { type: "button", class: "sd-link", "data-sd": "transcript-other" }, t("transcript.other"));
  const email = field("input", {
    type: "email", required: true, maxlength: "254", placeholder: t("form.email"), "aria-label": t("form.email"),
    autocomplete: "email", "data-sd": "transcript-email",
  });
  const typed = el("button", { type: "submit", class: "sd-btn sd-btn-primary", "data-sd": "transcript-email-send" }, t("transcript.send"));
  const askEmail = el("div", { class: "sd-stack", hidden: true }, email, el("div", { class: "sd-row" }, typed));
  const result = el("p", { role: "status", class: "sd-error", "data-sd": "transcript-result" });
  const form = el("form", { "data-sd": "transcript-form", class: "sd-stack" },
    el("div", { class: "sd-row" }, ask, other), askEmail, result);
  const showEmail = () => {
    askEmail.hidden = false;
    other.hidden = true;
    email.focus();
  };
  const submit = async (fields) => {
    ask.disabled = typed.disabled = true;
    result.textContent = "";
    const ack = await send(fields);
    ask.disabled = typed.disabled = false;
    if (ack.ok) {
      result.className = "sd-ok";
      result.setAttribute("data-sd", "transcript-sent");
      result.textContent = t("transcript.sent");
      askEmail.hidden = true;
      return;
    }
    result.className = "sd-error";
    result.setAttribute("data-sd", "transcript-result");
    if (ack.error && ack.error.code === "no_email") {
      showEmail();
      result.textContent = t("transcript.which_email");
    } else {
      result.textContent = errorText(ack, t("transcript.failed"));
    }
  };
  ask.addEventListener("click", () => submit({}));
  other.addEventListener("click", showEmail);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit({ email: email.value.trim() });
  });
  return form;
}
