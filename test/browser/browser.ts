/**
 * Debian's Chromium driven by playwright-core, for the dashboard's tests:
 * one browser per test file, pages that record every console error and
 * uncaught exception, and the accessible names Chromium computes.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Where Debian (and the CI image) installs Chromium. */
export const CHROMIUM = process.env.DROVER_CHROMIUM ?? '/usr/bin/chromium';

/** True when the browser is there (the tests say why they skip otherwise). */
export const hasChromium = existsSync(CHROMIUM);

/** Starts headless Chromium. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page and what went wrong in it. */
export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions, as text. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

/** Opens a page in a fresh context (its own sessionStorage) that records errors and requests. */
export async function openPage(browser: Browser, width = 1280, height = 900): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  return { page, errors, requests };
}

/** An element of the accessibility tree that a user operates. */
export interface Control {
  role: string;
  name: string;
}

const CONTROL_ROLES = new Set([
  'button',
  'link',
  'textbox',
  'spinbutton',
  'checkbox',
  'combobox',
  'searchbox',
  'slider',
]);

/** The controls of the page as Chromium's accessibility tree has them, with their computed names. */
export async function controls(page: Page): Promise<Control[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored?: boolean; role?: { value?: string }; name?: { value?: string } }[];
    };
    return nodes
      .filter((n) => !n.ignored && CONTROL_ROLES.has(n.role?.value ?? ''))
      .map((n) => ({ role: n.role!.value!, name: (n.name?.value ?? '').trim() }));
  } finally {
    await cdp.detach();
  }
}

/** Presses Tab until focus comes back around; returns a description of each element focused, in order. */
export async function tabOrder(page: Page, max = 200): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const here = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return '';
      const label = el.getAttribute('aria-label') ?? el.id ?? '';
      return `${el.tagName.toLowerCase()}|${label}|${(el.textContent ?? '').trim().slice(0, 40)}`;
    });
    if (here === '' || seen[0] === here) break;
    seen.push(here);
  }
  return seen;
}
