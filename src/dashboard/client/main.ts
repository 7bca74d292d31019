/**
 * The dashboard's script: routes between the overview (`#/`) and a job's
 * page (`#/jobs/<id>`), keeps the token, and feeds the overview from the
 * server-wide event stream.
 */
import './style.css';
import { ApiError } from './api.js';
import { byId, setText } from './dom.js';
import { LiveStream } from './event-stream.js';
import { JobPage } from './job-page.js';
import type { Notices } from './overview.js';
import { Overview } from './overview.js';
import { getToken, setToken, takeTokenFromFragment } from './token.js';

const alertBox = byId('alert');
const tokenInput = byId<HTMLInputElement>('token');

const notices: Notices = {
  error(error) {
    const message = error instanceof Error ? error.message : String(error);
    setText(alertBox, message);
    alertBox.hidden = false;
    if (error instanceof ApiError && error.status === 401) tokenInput.focus();
  },
  clear() {
    alertBox.hidden = true;
    alertBox.textContent = '';
  },
};

const overview = new Overview(notices);
const jobPage = new JobPage(notices);
const connection = byId('connection');
const stream = new LiveStream('/v1/events', {
  message: (event, data) => overview.message(event, data),
  state(state, detail) {
    connection.dataset.state = state;
    setText(connection, state === 'live' ? 'Live' : detail);
    if (state === 'live' && alertBox.dataset.source === 'stream') notices.clear();
  },
  refused(error) {
    notices.error(error);
    alertBox.dataset.source = 'stream';
  },
});

function route(): void {
  const match = /^#\/jobs\/(.+)$/.exec(location.hash);
  const onJob = match !== null;
  byId('overview').hidden = onJob;
  byId('job-view').hidden = !onJob;
  if (match) {
    let id = match[1]!;
    try {
      id = decodeURIComponent(id);
    } catch {
      // keep it as written
    }
    jobPage.open(id);
    byId('job-title').focus();
  } else {
    jobPage.close();
    document.title = 'drover dashboard';
  }
}

byId<HTMLFormElement>('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken(tokenInput.value.trim());
  tokenInput.value = '';
  updateTokenField();
  notices.clear();
  stream.restart();
  route();
});

byId('forget-token').addEventListener('click', () => {
  setToken('');
  updateTokenField();
  stream.restart();
});

function updateTokenField(): void {
  tokenInput.placeholder = getToken() ? 'token kept for this tab' : 'server secret';
}

window.addEventListener('hashchange', () => {
  if (takeTokenFromFragment()) {
    updateTokenField();
    stream.restart();
  }
  route();
});

takeTokenFromFragment();
updateTokenField();
route();
stream.restart();
