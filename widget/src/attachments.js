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
    async upload(chatId, file) {
      const a = auth();
      const body = new FormData();
      body.append("site", a.site);
      if (a.token) body.append("token", a.token);
      if (a.identity) body.append("identity", a.identity);
      body.append("chat_id", chatId);
      body.append("file", file, file.name || "pasted.png");
      try {
        const response = await fetch(`${origin}/widget/attachments`, { method: "POST", body, credentials: "omit", mode: "cors" });
        return await response.json();
      } catch (_) {
        return { ok: false, error: { code: "network", message: t("attach.network") } };
      }
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
