// The agents' REST API (docs/protocol.md, "REST for agents") from the
// console page: the session cookie authenticates, and every unsafe method
// carries the page's CSRF token in X-CSRF-Token.
import { failed } from "./errors.js";
import { isSignedOut, signedOut } from "./signed-out.js";
import { s } from "./strings.js";

export class Api {
  /** @param {string} csrf the token the console page holds */
  constructor(csrf) {
    this.csrf = csrf;
  }

  get(path) {
    return this.call("GET", path);
  }

  post(path, body) {
    return this.call("POST", path, body);
  }

  delete(path) {
    return this.call("DELETE", path);
  }

  /** Resolves to the answer object, `{ok: true, ...}` or `{ok: false,
   * error: {code, message}}`; a network failure or a non-JSON answer is an
   * error answer too, so callers handle one shape. */
  async call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const response = await fetch(path, {
        method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer = await response.json();
      if (response.status === 401 && answer && isSignedOut(answer.error)) signedOut(); // the session ended elsewhere
      return answer && typeof answer === "object" ? answer : badAnswer(response.status);
    } catch (_) {
      return { ok: false, error: { code: "network", message: s("api.unreachable") } };
    }
  }
}

function badAnswer(status) {
  return { ok: false, error: { code: "bad_answer", message: s("api.bad_answer", { status }) } };
}

/** What went wrong, for the agent to read: `action` ("The chat was not
 * transferred") and why, in words (errors.js), never a raw server string. */
export function errorText(answer, action = "", overrides = {}) {
  return failed(action, answer && answer.error, overrides);
}
