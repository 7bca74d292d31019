/**
 * The dashboard's script (`GET /dashboard.js`): polls `/v1/queues`,
 * `/v1/workers`, `/herd` and the dead letters every two seconds, resizes the
 * herd and re-runs failed jobs. Every value is inserted as text, never as
 * HTML, so a hostile queue name or error message cannot run script.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var tokenKey = 'drover.token';
  function headers(extra) {
    var h = Object.assign({ accept: 'application/json' }, extra || {});
    var token = sessionStorage.getItem(tokenKey);
    if (token) h.authorization = 'Bearer ' + token;
    return h;
  }
  function api(path, init) {
    init = init || {};
    return fetch(path, Object.assign({}, init, { headers: headers(init.headers) })).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(res.status === 401 ? 'unauthorized: enter the server secret as token' : (body.error && body.error.message) || res.statusText);
        return body;
      });
    });
  }
  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function fill(id, items, render, empty) {
    var body = $(id);
    body.replaceChildren();
    if (items.length === 0) {
      var tr = document.createElement('tr');
      var td = cell(tr, empty, 'muted');
      td.colSpan = 6;
      body.appendChild(tr);
      return;
    }
    items.forEach(function (item) {
      var tr = document.createElement('tr');
      render(tr, item);
      body.appendChild(tr);
    });
  }
  function when(ms) { return ms ? new Date(ms).toLocaleTimeString() : ''; }
  function refresh() {
    return Promise.all([api('/v1/queues'), api('/v1/workers'), api('/herd'), api('/v1/jobs?status=failed&limit=20')]).then(function (r) {
      fill('queues', r[0].queues, function (tr, q) {
        cell(tr, q.queue); cell(tr, q.waiting, 'num'); cell(tr, q.active, 'num'); cell(tr, q.delayed, 'num'); cell(tr, q.succeeded, 'num'); cell(tr, q.failed, 'num');
      }, 'no queues yet');
      var workers = r[1].workers.slice();
      if (r[1].herd) workers.unshift({ id: '(in-server herd)', name: r[1].herd.name, tasks: r[1].herd.tasks, concurrency: r[1].herd.concurrency, active: r[1].herd.active, lastSeen: Date.now() });
      fill('workers', workers, function (tr, w) {
        cell(tr, w.id); cell(tr, w.name); cell(tr, (w.tasks || []).join(', ')); cell(tr, w.concurrency, 'num'); cell(tr, w.active, 'num'); cell(tr, when(w.lastSeen));
      }, 'no workers connected');
      $('herd-size').textContent = String(r[2].num);
      fill('failed', r[3].jobs, function (tr, j) {
        cell(tr, j.id); cell(tr, j.task); cell(tr, j.attempt, 'num'); cell(tr, j.error ? j.error.message : '', 'error'); cell(tr, when(j.finishedAt));
        var td = cell(tr, '');
        var button = document.createElement('button');
        button.textContent = 'Retry';
        button.addEventListener('click', function () {
          api('/v1/jobs/' + encodeURIComponent(j.id) + '/retry', { method: 'POST' }).then(refresh, show);
        });
        td.appendChild(button);
      }, 'no failed jobs');
      $('status').className = 'muted';
      $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
    }).catch(show);
  }
  function show(error) {
    $('status').className = 'error';
    $('status').textContent = error.message;
  }
  $('token-form').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem(tokenKey, $('token').value);
    $('token').value = '';
    refresh();
  });
  $('herd-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var num = Number($('herd-input').value);
    api('/herd', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ num: num }) }).then(refresh, show);
  });
  refresh();
  setInterval(refresh, 2000);
})();
`;
