/*
 * The live relay for the ACD pages (plain script, no build step): connects to /live with the page's own
 * session cookie and hands each event to the page's script. Loaded after /live/socket.io.js.
 */
'use strict';
window.acdLive = function acdLive(handlers) {
  const labels = document.getElementById('acd-labels');
  const states = JSON.parse(labels.dataset.states);
  const reasons = JSON.parse(labels.dataset.reasons);
  const conn = document.querySelector('[data-conn]');
  const say = (text) => {
    if (conn && conn.textContent !== text) conn.textContent = text;
  };
  const socket = window.io({ path: '/live' });
  socket.on('connect', () => say('自動更新中'));
  socket.on('disconnect', () => say('自動更新が止まっています。再接続しています… (reconnecting)'));
  socket.on('connect_error', () => say('自動更新できません。ページを開き直してください (live updates unavailable)'));
  socket.on('acd', (s) => say(s.up ? '自動更新中' : 'ACD に接続できません。表示は最後に受け取った値です (call control unavailable)'));
  for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);
  return {
    stateText: (a) => (a.state === 'not_ready' && a.reason ? `${states.not_ready}（${reasons[a.reason]}）` : states[a.state]),
    timeOfDay: (iso) => new Date(iso).toLocaleTimeString('ja-JP', { timeZone: 'Asia/Tokyo', hour12: false }),
  };
};
