// The dashboard's two channels: the REST API (same origin, session cookie,
// the page's CSRF token on unsafe methods) and the /supervisor socket.
import { io } from "socket.io-client";
import { staffError } from "../errors.js";
import { isSignedOut, signedOut } from "../signed-out.js";

/** A failed call; `message` is a sentence for the lead (errors.js), the
 * server's own words stay in `error.message`. */
export class ApiError extends Error {
  constructor(status, error) {
    const found = { code: "http", message: `HTTP ${status}`, ...(error || {}) };
    super(staffError(found));
    this.status = status;
    this.code = found.code;
    this.error = found;
  }
}

export class Api {
  constructor(csrf) {
    this.csrf = csrf;
  }

  /** JSON of `path`; throws ApiError on {"ok": false}, an HTTP error or a non-JSON answer. */
  async call(path, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = this.csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ApiError(0, { code: "network", message: "" });
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      throw new ApiError(response.status, { code: "http", message: `HTTP ${response.status}` });
    }
    if (response.status === 401 && data && isSignedOut(data.error)) signedOut(); // the session ended elsewhere
    if (!response.ok || !data || data.ok !== true) throw new ApiError(response.status, data && data.error);
    return data;
  }

  get(path, query) {
    return this.call(query ? `${path}?${new URLSearchParams(clean(query))}` : path);
  }

  post(path, body) {
    return this.call(path, { method: "POST", body });
  }

  patch(path, body) {
    return this.call(path, { method: "PATCH", body });
  }

  remove(path) {
    return this.call(path, { method: "DELETE" });
  }
}

/** `query` without empty values. */
export function clean(query) {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== "" && v !== null && v !== undefined));
}

export function connect() {
  return io("/supervisor", { withCredentials: true, transports: ["websocket", "polling"], tryAllTransports: true });
}

/** The ack of `event`, always an object: {"ok": false, "error"} on a timeout. */
export function ask(socket, event, payload, timeoutMs = 10000) {
  return new Promise((resolve) => {
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) resolve({ ok: false, error: { code: "timeout", message: "No answer from the server: try again." } });
      else resolve(ack && typeof ack === "object" ? ack : { ok: false, error: { code: "bad_ack", message: "Bad answer" } });
    });
  });
}
