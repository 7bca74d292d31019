/** The dashboard served at `GET /`: a static page and its script. */
export { DASHBOARD_HTML } from './page.js';
export { DASHBOARD_SCRIPT } from './script.js';
