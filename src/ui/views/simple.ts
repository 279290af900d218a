import { html, type Raw } from "../html";
import { layout } from "./layout";

export const notFoundPage = (what: string): Raw =>
  layout({
    title: "Not found",
    nav: "none",
    body: html`<h1>Not found</h1><p>${what} is not in HashScope's history: retention may have removed it (or, without a database, memory evicted it), or it never existed.</p><p><a href="/messages">Messages</a> · <a href="/sessions">Sessions</a></p>`,
  });

/** `signedIn`: this browser has a valid session (the page then offers to sign out). */
export const loginPage = (next: string, error: string | null, tokenRequired: boolean, signedIn = false): Raw =>
  layout({
    title: "Sign in",
    nav: "none",
    body: tokenRequired && signedIn
      ? html`<h1>Signed in</h1><p>This browser is signed in. <a href="${next}">Continue</a></p><form class="login" method="post" action="/logout"><button type="submit" id="sign-out">Sign out</button></form>`
      : tokenRequired
      ? html`<h1>Sign in</h1>${error ? html`<p class="notice">${error}</p>` : ""}<form class="login" method="post" action="/login"><input type="hidden" name="next" value="${next}"><label>API token <input type="password" name="token" autocomplete="current-password" required autofocus></label><button type="submit">Sign in</button></form>`
      : html`<h1>Sign in</h1><p>This HashScope has no API_TOKEN set, so no sign-in is needed.</p><p><a href="${next}">Continue</a></p>`,
  });
