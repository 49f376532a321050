// When the console's login session ends elsewhere (a sign-out in another
// tab, a new password or role, the agent removed: docs/protocol.md, "/agent
// and /supervisor"), the server closes the page's staff socket and refuses
// it again with `unauthorized`; the REST API answers 401. The console and
// the dashboard then say so and go to the login page, which says it too and
// brings the person back here afterwards (`?next=`). Nothing reconnects in
// a loop meanwhile.
import { s } from "./strings.js";

const NOTICE_MS = 1200; // the page says "You were signed out" this long before it goes
// After the server dropped the socket on purpose: ask again soon (a refusal
// says why), then less often while it keeps happening.
const REJOIN_DELAYS_MS = [1000, 5000, 15000, 30000];
const STEADY_MS = 60000; // connected this long: the next drop starts the delays over

let leaving = false; // the page is on its way out: nothing reconnects any more

/** The login page, coming back to this page (and view) afterwards. */
export function loginUrl() {
  const back = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  return `/console/login?next=${encodeURIComponent(back)}&signed_out=1`;
}

/** The session ended: say so in the top bar, then go to the login page. Once. */
export function signedOut() {
  if (leaving) return;
  leaving = true;
  const status = document.querySelector('[data-sd="connection"]');
  if (status) {
    status.textContent = s("signed_out.notice");
    status.setAttribute("data-state", "down");
  }
  setTimeout(() => window.location.assign(loginUrl()), NOTICE_MS);
}

/** Whether an error (an ack's, a refusal's, a REST answer's) means the session ended. */
export function isSignedOut(error) {
  return Boolean(error) && error.code === "unauthorized";
}

/** The person's own "Sign out" button: the page leaves by itself, and the
 * socket the server closes meanwhile must not come back. */
export function watchLogout(root) {
  for (const form of root.querySelectorAll('form[action="/console/logout"]')) {
    form.addEventListener("submit", () => { leaving = true; });
  }
}

/** Connects `socket` again after the server dropped it on purpose
 * ("io server disconnect": socket.io does not retry by itself), unless the
 * page is leaving. */
export class Rejoin {
  constructor(socket) {
    this.socket = socket;
    this.drops = 0;
    this.connectedAt = 0;
    this.timer = null;
    socket.on("connect", () => { this.connectedAt = Date.now(); });
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") this.later();
    });
  }

  later() {
    if (leaving) return;
    if (this.connectedAt && Date.now() - this.connectedAt > STEADY_MS) this.drops = 0;
    const delay = REJOIN_DELAYS_MS[Math.min(this.drops, REJOIN_DELAYS_MS.length - 1)];
    this.drops += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!leaving && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  /** A refusal that ends it (`unauthorized`, `forbidden`): no more tries. */
  stop() {
    clearTimeout(this.timer);
    this.socket.disconnect();
  }
}
