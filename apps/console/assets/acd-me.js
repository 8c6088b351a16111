/*
 * オペレーター: shows the operator's own state as it changes (a call rings, wrap-up ends) and reloads the
 * panel when the change alters what can be done; while the operator is typing in a field it only says so.
 */
'use strict';
(function agentPanel() {
  const section = document.querySelector('[data-me]');
  if (!section) return;
  const me = section.dataset.me;
  const typing = () => {
    const el = document.activeElement;
    return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT');
  };
  let live;
  const show = (a) => {
    if (a.agent !== me) return;
    section.querySelector('[data-f="state"]').textContent = live.stateText(a);
    section.querySelector('[data-f="since"]').textContent = live.timeOfDay(a.since);
    if (a.state === section.dataset.state && String(a.callId ?? '') === section.dataset.call) return;
    if (!typing()) window.location.replace(window.location.pathname);
    else section.querySelector('[data-changed]').textContent = '状態が変わりました。入力を終えたらページを開き直してください (state changed)';
  };
  live = window.acdLive({ agent: show, agents: (list) => list.forEach(show) });
})();
