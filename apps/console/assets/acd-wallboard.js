/*
 * ウォールボード: keeps the server-rendered figures and operator states current from the live relay. The
 * cells carry data-f (the field of QueueFigures) inside a data-queue row or section; the formats match
 * apps/console/acd-views.ts.
 */
'use strict';
(function wallboard() {
  const pad = (n) => String(n).padStart(2, '0');
  const clockTime = (seconds) => {
    const s = Math.max(0, Math.round(seconds));
    return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}` : `${Math.floor(s / 60)}:${pad(s % 60)}`;
  };
  const percent = (part, whole) => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : '—');
  const set = (el, text) => {
    if (el && el.textContent !== text) el.textContent = text;
  };

  /** The 待ち呼警告灯: role=alert as it turns on, so screen readers announce it; words, not colour alone. */
  function setAlarm(el, on) {
    if (!el || el.classList.contains('on') === on) return;
    if (on) {
      el.setAttribute('role', 'alert');
      el.classList.add('on');
      el.textContent = '待ち呼警告';
    } else {
      el.removeAttribute('role');
      el.classList.remove('on');
      el.textContent = 'なし';
    }
  }

  /** Longest waits keep counting between pushes: the value received plus the time since. */
  let receivedAt = Date.now();
  function showWaits() {
    const elapsed = (Date.now() - receivedAt) / 1000;
    for (const el of document.querySelectorAll('[data-f="longestWaitS"]')) {
      const base = Number(el.dataset.seconds);
      set(el, clockTime(base > 0 ? base + elapsed : 0));
    }
  }

  function showQueue(scope, f) {
    const cell = (name) => scope.querySelector(`[data-f="${name}"]`);
    set(cell('waiting'), String(f.waiting));
    const wait = cell('longestWaitS');
    if (wait) wait.dataset.seconds = String(f.longestWaitS);
    set(cell('answered'), String(f.answered));
    set(cell('answeredWithin15s'), `${f.answeredWithin15s}（${percent(f.answeredWithin15s, f.offered)}）`);
    set(cell('abandoned'), `${f.abandoned}（平均 ${clockTime(f.abandonedWaitS.mean)}）`);
    for (const [state, n] of Object.entries(f.agents)) set(cell(`agents.${state}`), String(n));
    setAlarm(cell('alarm'), f.alarm);
  }

  function showFigures(figures) {
    receivedAt = Date.now();
    const byQueue = new Map(figures.queues.map((q) => [q.queue, q]));
    byQueue.set('total', figures.total);
    for (const scope of document.querySelectorAll('[data-queue]')) {
      const f = byQueue.get(scope.dataset.queue);
      if (f) showQueue(scope, f);
    }
    set(document.querySelector('[data-f="at"]'), new Date(figures.at).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo', hour12: false }));
    showWaits();
  }

  const body = document.querySelector('[data-agents]');
  let live;

  function showAgent(a) {
    let row = body.querySelector(`tr[data-agent="${CSS.escape(a.agent)}"]`);
    if (!row) {
      // An operator who was not on the first paint: shown without the supervisor's control until a reload.
      row = document.createElement('tr');
      row.dataset.agent = a.agent;
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = a.agent;
      row.append(name);
      for (const f of ['state', 'since', 'contact']) {
        const td = document.createElement('td');
        td.dataset.f = f;
        row.append(td);
      }
      if (body.dataset.manage) row.append(document.createElement('td'));
      body.append(row);
    }
    const state = row.querySelector('[data-f="state"]');
    state.dataset.state = a.state;
    set(state, live.stateText(a));
    set(row.querySelector('[data-f="since"]'), live.timeOfDay(a.since));
    set(row.querySelector('[data-f="contact"]'), !a.contact ? '—' : a.contact.kind === 'softphone' ? 'ソフトフォン' : `外線 ${a.contact.number}`);
  }

  live = window.acdLive({
    figures: showFigures,
    agents: (list) => list.forEach(showAgent),
    agent: showAgent,
  });
  setInterval(showWaits, 1000);
})();
