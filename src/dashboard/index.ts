/** The dashboard served at `GET /`: the page, its icon and its built assets. */
export { DASHBOARD_HTML, FAVICON_SVG } from './page.js';
export { readDashboardAsset } from './assets.js';
export type { BuiltAssetName, DashboardAsset } from './assets.js';
export { isBuiltAssetName } from './assets.js';
