// Files in the chat: the paperclip's picker, files dropped on the panel and
// images pasted into the message box are uploaded one by one to
// POST /widget/attachments; each stored file is then sent as a message that
// carries it (chat:send `attachments`). Files come back with the visitor's
// token in headers (never in a URL), as blobs: images as thumbnails, other
// files as a name and size that downloads on click. Names are text only.
import { el } from "./util.js";
import { t } from "./i18n.js";

/** "1.2 MB", "830 KB", "12 bytes". */
export function sizeText(bytes) {
  if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

const FAILED_LINE_MS = 12000; // a failure line goes away by itself after this

/** POSTs `body` (a FormData) with XMLHttpRequest, for its upload progress:
 * `progress(fraction)` as bytes go out. Resolves to the answer object, or
 * to an error answer (`network`, `bad_answer`) so callers handle one shape. */
export function postFile(url, body, { headers = {}, credentials = false, progress = () => {}, network = "network" } = {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = credentials;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && e.total) progress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch (_) {
        answer = null;
      }
      resolve(answer && typeof answer === "object" ? answer
        : { ok: false, error: { code: "bad_answer", message: `HTTP ${xhr.status}` } });
    });
    xhr.addEventListener("error", () => resolve({ ok: false, error: { code: "network", message: network } }));
    xhr.addEventListener("abort", () => resolve({ ok: false, error: { code: "network", message: network } }));
    xhr.send(body);
  });
}

/**
 * The lines under a composer that tell how uploads go: one per file, its
 * progress while it uploads, then gone once stored; a failure stays as a
 * line saying why, with a × to dismiss it, until the next file is stored
 * or FAILED_LINE_MS pass. `words`: {uploading(name, percent), failed(name,
 * reason), dismiss}. Text only.
 */
export class UploadLines {
  constructor(container, words) {
    this.container = container;
    this.words = words;
  }

  /** A line for `name`; returns {progress(fraction), done(), fail(reason)}. */
  start(name) {
    const text = el("span", { class: "upload-text" }, this.words.uploading(name, 0));
    const line = el("div", { class: "sd-upload upload", "data-sd": "upload", "data-state": "uploading" }, text);
    this.container.append(line);
    return {
      progress: (fraction) => { text.textContent = this.words.uploading(name, Math.round(fraction * 100)); },
      done: () => {
        line.remove();
        for (const old of this.container.querySelectorAll('[data-state="failed"]')) old.remove();
      },
      fail: (reason) => this.failed(line, text, this.words.failed(name, reason)),
    };
  }

  /** A line that says only why nothing was sent (no file uploaded). */
  say(message) {
    const text = el("span", { class: "upload-text" }, message);
    const line = el("div", { class: "sd-upload upload", "data-sd": "upload" }, text);
    this.container.append(line);
    this.failed(line, text, message);
    return line;
  }

  failed(line, text, message) {
    text.textContent = message;
    line.setAttribute("data-state", "failed");
    const dismiss = el("button", { type: "button", class: "sd-upload-dismiss upload-dismiss", "data-sd": "upload-dismiss",
      title: this.words.dismiss, "aria-label": this.words.dismiss }, "×");
    dismiss.addEventListener("click", () => line.remove());
    line.append(" ", dismiss);
    setTimeout(() => line.remove(), FAILED_LINE_MS);
  }
}

/** The HTTP side: `auth()` gives {site, token?, identity?} as they are now. */
export function fileClient(origin, auth) {
  const headers = () => {
    const a = auth();
    const h = { "X-Shiftdesk-Site": a.site };
    if (a.token) h["X-Shiftdesk-Token"] = a.token;
    if (a.identity) h["X-Shiftdesk-Identity"] = a.identity;
    return h;
  };
  return {
    /** `chatId` null: a file for the ticket form (sent with the ticket). */
    upload(chatId, file, progress) {
      const a = auth();
      const body = new FormData();
      body.append("site", a.site);
      if (a.token) body.append("token", a.token);
      if (a.identity) body.append("identity", a.identity);
      if (chatId) body.append("chat_id", chatId);
      body.append("file", file, file.name || "pasted.png");
      return postFile(`${origin}/widget/attachments`, body, { progress, network: t("attach.network") });
    },
    async blob(id) {
      const response = await fetch(`${origin}/widget/attachments/${encodeURIComponent(id)}`, {
        headers: headers(), credentials: "omit", mode: "cors",
      });
      if (!response.ok) throw new Error(String(response.status));
      return response.blob();
    },
  };
}

/** The files a MESSAGE carries, as elements. `known` maps ids to ATTACHMENTs (ours, not yet echoed). */
export function renderFiles(files, client, known) {
  const list = (files || []).map((f) => (typeof f === "string" ? known.get(f) : f)).filter(Boolean);
  if (!list.length || !client) return null;
  return el("div", { class: "sd-files", "data-sd": "files" }, ...list.map((file) => renderFile(file, client)));
}

function renderFile(file, client) {
  const name = String(file.name ?? "file");
  if (file.image) {
    const img = el("img", { class: "sd-thumb", "data-sd": "thumb", alt: name, title: name });
    client.blob(file.id).then((blob) => { img.src = URL.createObjectURL(blob); }, () => { img.alt = `${name} ✕`; });
    img.addEventListener("click", () => download(client, file));
    return img;
  }
  const link = el("button", { type: "button", class: "sd-file", "data-sd": "file", title: t("attach.download", { name }) },
    el("span", { class: "sd-file-name" }, name), " ", el("span", { class: "sd-file-size" }, sizeText(Number(file.size) || 0)));
  link.addEventListener("click", () => download(client, file));
  return link;
}

async function download(client, file) {
  const blob = await client.blob(file.id);
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: String(file.name ?? "file") });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The files a DataTransfer (a drop, a paste) holds. */
export function filesOf(transfer) {
  if (!transfer) return [];
  const found = [...(transfer.files || [])];
  if (found.length) return found;
  return [...(transfer.items || [])].filter((i) => i.kind === "file").map((i) => i.getAsFile()).filter(Boolean);
}
