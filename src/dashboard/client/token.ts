/**
 * The bearer token of the API: typed in the field labelled "Token" or given
 * as the URL fragment `#token=…` (a fragment never reaches the server), kept
 * in sessionStorage (gone when the tab closes), never put in a URL.
 */

const KEY = 'drover.token';

/** The token kept for this tab, or undefined. */
export function getToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps a token for this tab (an empty one forgets it). */
export function setToken(token: string): void {
  try {
    if (token === '') sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lasts until the page reloads
  }
}

/**
 * Takes a token from a `#token=…` fragment, keeps it, and removes it from
 * the address bar and the history at once. True when there was one.
 */
export function takeTokenFromFragment(): boolean {
  const match = /^#token=([^&]*)/.exec(location.hash);
  if (!match) return false;
  let token: string;
  try {
    token = decodeURIComponent(match[1]!);
  } catch {
    token = match[1]!;
  }
  setToken(token);
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  return true;
}
