// The agent's own account page (/console/account): their password, the
// browsers they are signed in with, their named API tokens, through
// /api/me (docs/protocol.md, "Your account"). A new token is shown once,
// in a read-only field, and never again: the server keeps only its hash.
import { Api, errorText } from "./api.js";
import { $, copyField, el, fill, show, timeEl } from "./dashboard/dom.js";
import { watchLogout } from "./signed-out.js";
import { setupTheme } from "./theme.js";
import { s, sn } from "./strings.js";

const ARMED_MS = 4000; // a "Revoke"/"Sign out" button asks to be clicked again within this long
const FLASH_MS = 8000;

class AccountPage {
  constructor(root) {
    this.root = root;
    this.api = new Api(root.dataset.csrf);
    this.flashNode = $(root, "flash");
    this.flashTimer = null;
    watchLogout(root);
    $(root, "password-form").addEventListener("submit", (event) => { event.preventDefault(); this.changePassword(); });
    $(root, "token-form").addEventListener("submit", (event) => { event.preventDefault(); this.createToken(); });
    $(root, "token-copy").addEventListener("click", () => this.copyToken());
    $(root, "token-dismiss").addEventListener("click", () => this.hideToken());
    this.loadSessions();
    this.loadTokens();
  }

  flash(text) {
    fill(this.flashNode, text);
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => fill(this.flashNode, ""), FLASH_MS);
  }

  // the password
  async changePassword() {
    const form = $(this.root, "password-form");
    const error = $(this.root, "password-error");
    const done = $(this.root, "password-done");
    show(error, false);
    show(done, false);
    const current = $(this.root, "password-current").value;
    const next = $(this.root, "password-new").value;
    if (next !== $(this.root, "password-again").value) {
      fill(error, s("account.password_mismatch"));
      show(error, true);
      return;
    }
    const save = $(this.root, "password-save");
    save.disabled = true;
    const answer = await this.api.post("/api/me/password", { current, new: next });
    save.disabled = false;
    if (!answer.ok) {
      fill(error, errorText(answer, s("account.password_failed")));
      show(error, true);
      return;
    }
    form.reset();
    fill(done, answer.sessions_ended ? sn("account.password_done_ended", answer.sessions_ended) : s("account.password_done"));
    show(done, true);
    this.loadSessions();
  }

  // sessions
  async loadSessions() {
    const answer = await this.api.get("/api/me/sessions");
    const error = $(this.root, "sessions-error");
    show(error, !answer.ok);
    if (!answer.ok) {
      fill(error, errorText(answer, s("account.sessions_failed")));
      return;
    }
    fill($(this.root, "sessions-rows"), ...answer.sessions.map((session) => this.sessionRow(session)));
  }

  sessionRow(session) {
    const action = session.current
      ? el("span", { class: "pill", "data-kind": "info", "data-sd": "session-current" }, s("account.this_browser"))
      : this.armedButton(s("account.end_session"), s("account.end_session_confirm"), "session-end",
        () => this.endSession(session));
    return el("tr", { "data-sd": "session-row", "data-current": session.current ? "true" : "false" },
      el("td", { "data-sd": "session-client" }, session.client || s("account.unknown_browser")),
      el("td", {}, timeEl(session.created_at)), el("td", {}, timeEl(session.last_seen_at)),
      el("td", { class: "row-actions" }, action));
  }

  async endSession(session) {
    const answer = await this.api.delete(`/api/me/sessions/${encodeURIComponent(session.id)}`);
    if (!answer.ok) {
      this.flash(errorText(answer, s("account.end_session_failed")));
    } else {
      this.flash(s("account.session_ended"));
    }
    this.loadSessions();
  }

  // API tokens
  async loadTokens() {
    const answer = await this.api.get("/api/me/tokens");
    if (!answer.ok) {
      this.tokenError(errorText(answer, s("account.tokens_failed")));
      return;
    }
    fill($(this.root, "tokens-rows"), ...answer.tokens.map((token) => this.tokenRow(token)));
    show($(this.root, "tokens-table"), answer.tokens.length > 0);
    show($(this.root, "tokens-empty"), answer.tokens.length === 0);
  }

  tokenRow(token) {
    return el("tr", { "data-sd": "token-row", "data-id": token.id },
      el("td", { "data-sd": "token-row-name" }, token.name),
      el("td", {}, timeEl(token.created_at)),
      el("td", { "data-sd": "token-last-used" }, token.last_used_at ? timeEl(token.last_used_at) : s("account.never_used")),
      el("td", { class: "row-actions" }, this.armedButton(s("account.revoke"), s("account.revoke_confirm"),
        "token-revoke", () => this.revokeToken(token))));
  }

  tokenError(text) {
    const error = $(this.root, "token-error");
    fill(error, text || "");
    show(error, Boolean(text));
  }

  async createToken() {
    const name = $(this.root, "token-name");
    const create = $(this.root, "token-create");
    this.tokenError("");
    create.disabled = true;
    const answer = await this.api.post("/api/me/tokens", { name: name.value });
    create.disabled = false;
    if (!answer.ok) {
      this.tokenError(errorText(answer, s("account.token_failed")));
      return;
    }
    name.value = "";
    const value = $(this.root, "token-value");
    value.value = answer.secret;
    show($(this.root, "token-secret"), true);
    value.focus();
    value.select();
    this.loadTokens();
  }

  async copyToken() {
    const copied = await copyField($(this.root, "token-value")); // else the text stays selected
    this.flash(s(copied ? "account.token_copied" : "account.token_copy_by_hand"));
  }

  hideToken() {
    $(this.root, "token-value").value = ""; // gone from the page: it is never shown again
    show($(this.root, "token-secret"), false);
  }

  async revokeToken(token) {
    const answer = await this.api.delete(`/api/me/tokens/${encodeURIComponent(token.id)}`);
    if (!answer.ok) this.tokenError(errorText(answer, s("account.revoke_failed")));
    else this.flash(s("account.revoked", { name: token.name }));
    this.loadTokens();
  }

  /** A button that acts on its second click within ARMED_MS: ending a
   * session or revoking a token cannot be undone. */
  armedButton(label, confirm, name, act) {
    const button = el("button", { type: "button", class: "small danger", "data-sd": name }, label);
    let timer = null;
    button.addEventListener("click", () => {
      if (button.dataset.armed === "true") {
        clearTimeout(timer);
        button.disabled = true;
        act();
        return;
      }
      button.dataset.armed = "true";
      fill(button, confirm);
      timer = setTimeout(() => { button.dataset.armed = "false"; fill(button, label); }, ARMED_MS);
    });
    return button;
  }
}

setupTheme();
const root = document.querySelector('[data-sd="account"]');
if (root) new AccountPage(root); // eslint-disable-line no-new
