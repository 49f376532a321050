// The agent's alerts: desktop notifications (the browser's Notification
// API) and a short chime, for a new chat and for a visitor's message the
// agent is not looking at. Each agent chooses both in the top bar; the
// choice is kept in localStorage under a key that names the agent, so two
// agents sharing a browser keep their own. Permission is asked only when
// the agent clicks "Turn on notifications", never on page load.
import { s } from "./strings.js";

const STORE_PREFIX = "shiftdesk:alerts:";
const BODY_CHARS = 100;
const DEFAULTS = { notify: false, sound: true }; // sound on: the console chimed for new chats before

/** The first `BODY_CHARS` characters of `text`, on one line. */
export function excerpt(text) {
  const flat = String(text ?? "").replace(/\s+/g, " ").trim();
  const chars = Array.from(flat); // by code points: an emoji is never cut in half
  return chars.length > BODY_CHARS ? `${chars.slice(0, BODY_CHARS).join("")}…` : flat;
}

function api() {
  return typeof window.Notification === "function" ? window.Notification : null;
}

export class Alerts {
  /**
   * @param root the console element (its data-sd="notify-toggle" and "sound-toggle")
   * @param open(chatId) shows that chat (a click on its notification)
   */
  constructor(root, open) {
    this.open = open;
    this.root = root;
    this.agentId = null;
    this.settings = { ...DEFAULTS };
    this.count = 0;
    this.notifyButton = root.querySelector('[data-sd="notify-toggle"]');
    this.soundButton = root.querySelector('[data-sd="sound-toggle"]');
    if (this.notifyButton) this.notifyButton.addEventListener("click", () => this.toggleNotify());
    if (this.soundButton) this.soundButton.addEventListener("click", () => this.toggleSound());
    this.render();
  }

  /** The signed-in agent is known (`session`): their own settings apply. */
  setAgent(agentId) {
    if (!agentId || agentId === this.agentId) return;
    this.agentId = agentId;
    this.settings = { ...DEFAULTS, ...this.load() };
    this.render();
  }

  key() {
    return `${STORE_PREFIX}${this.agentId}`;
  }

  load() {
    try {
      const stored = JSON.parse(window.localStorage.getItem(this.key()) || "{}");
      const out = {};
      for (const name of Object.keys(DEFAULTS)) if (typeof stored[name] === "boolean") out[name] = stored[name];
      return out;
    } catch (_) {
      return {}; // storage refused or spoiled: the defaults
    }
  }

  save() {
    if (!this.agentId) return;
    try {
      window.localStorage.setItem(this.key(), JSON.stringify(this.settings));
    } catch (_) {
      // Not remembered, but still applied to this page.
    }
  }

  permission() {
    const N = api();
    return N ? N.permission : "unsupported";
  }

  /** Notifications reach the agent: chosen, and allowed by the browser. */
  notifying() {
    return this.settings.notify && this.permission() === "granted";
  }

  async toggleNotify() {
    if (this.notifying()) {
      this.settings.notify = false;
    } else {
      const N = api();
      if (!N) return this.render();
      let permission = N.permission;
      if (permission === "default") {
        this.notifyButton.disabled = true;
        try {
          permission = await N.requestPermission();
        } catch (_) {
          permission = N.permission;
        }
        this.notifyButton.disabled = false;
      }
      this.settings.notify = permission === "granted";
    }
    this.save();
    this.render();
  }

  toggleSound() {
    this.settings.sound = !this.settings.sound;
    this.save();
    this.render();
  }

  render() {
    const b = this.notifyButton;
    if (b) {
      const permission = this.permission();
      const on = this.notifying();
      b.setAttribute("aria-pressed", String(on));
      b.setAttribute("data-state", on ? "on" : permission === "denied" || permission === "unsupported" ? permission : "off");
      b.textContent = on ? s("alerts.notify_on") : s("alerts.notify_off");
      b.title = on ? s("alerts.notify_on_title")
        : permission === "denied" ? s("alerts.notify_denied_title")
          : permission === "unsupported" ? s("alerts.notify_unsupported_title")
            : s("alerts.notify_off_title");
      b.disabled = !this.agentId;
    }
    const sound = this.soundButton;
    if (sound) {
      sound.setAttribute("aria-pressed", String(this.settings.sound));
      sound.textContent = this.settings.sound ? s("alerts.sound_on") : s("alerts.sound_off");
      sound.title = this.settings.sound ? s("alerts.sound_on_title") : s("alerts.sound_off_title");
      sound.disabled = !this.agentId;
    }
  }

  /** A new chat; `away`: the agent is not looking at it. */
  newChat(chatId, name, text, away) {
    this.chime(); // a new chat always chimes, as it always has
    if (away) this.notifyChat(chatId, s("alerts.new_chat", { name }), text ? excerpt(text) : s("alerts.new_chat_waiting"));
  }

  /** A visitor's message; `away`: the agent is not looking at its chat. */
  message(chatId, name, text, away) {
    if (!away) return;
    this.chime();
    this.notifyChat(chatId, name, excerpt(text));
  }

  /** A ticket's SLA clock reached a stage: chime, and notify (opening the tickets view on a click). */
  ticketSla(ticketId, title, body) {
    this.chime();
    this.notify(`shiftdesk-ticket-${ticketId}`, () => {
      window.location.hash = `#tickets/${encodeURIComponent(ticketId)}`;
    }, title, body);
  }

  chime() {
    if (!this.settings.sound) return;
    this.count += 1;
    this.root.setAttribute("data-beeps", String(this.count));
    beep();
  }

  notifyChat(chatId, title, body) {
    this.notify(`shiftdesk-chat-${chatId}`, () => this.open(chatId), title, body);
  }

  /** A notification (one per `tag`: a newer one replaces it) that runs
   * `opens` on a click. Title and body are text: the Notification API
   * renders no markup. */
  notify(tag, opens, title, body) {
    const N = api();
    if (!N || !this.notifying()) return;
    let shown;
    try {
      shown = new N(String(title), { body: String(body), tag });
    } catch (_) {
      return; // a browser that allows notifications from a service worker only
    }
    shown.onclick = (event) => {
      if (event && event.preventDefault) event.preventDefault();
      window.focus();
      opens();
      shown.close();
    };
  }
}

/** A short two-note chime through WebAudio (no audio file); silent where
 * the browser allows no sound yet. */
export function beep() {
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const ctx = beep.ctx || (beep.ctx = new Context());
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    const start = ctx.currentTime;
    [880, 1320].forEach((frequency, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const t = start + i * 0.12;
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.15, t + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.11);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.12);
    });
  } catch (_) {
    // No sound is no reason to miss the chat: the title and the tab show it.
  }
}
