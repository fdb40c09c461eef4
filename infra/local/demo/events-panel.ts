/**
 * The demo page's Events panel: what the application would receive for each stored object, read
 * from the local stack every second (`/_local/events`, infra/local/events.ts): the event id and
 * type, how many attempts the invocation took, and whether the local receiver verified the
 * Standard Webhooks signature. A button re-delivers the dead letters.
 */

interface EventRow {
  invocationId: string;
  key: string;
  trigger: string;
  state: 'running' | 'retrying' | 'succeeded' | 'dead-lettered';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  outcome: string | null;
  id: string | null;
  type: 'upload.completed' | 'upload.rejected' | null;
  verified: boolean | null;
  deliveries: number;
  check: { result: string; declared: string; detected: string | null; reason?: string } | null;
  at: string;
}

interface EventsView {
  webhook: { receiver: 'local' | 'yours'; url: string };
  events: EventRow[];
  deadLetters: number;
}

const list = document.getElementById('events');
const counter = document.getElementById('events-count');
const target = document.getElementById('events-target');
const foot = document.getElementById('events-foot');
const dead = document.getElementById('events-dead');
const redeliver = document.getElementById('events-redeliver') as HTMLButtonElement | null;

function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function pillFor(r: EventRow): HTMLElement {
  if (r.state === 'dead-lettered') return el('span', { class: 'pill bad' }, ['dead letter']);
  if (r.state === 'retrying' || r.state === 'running') return el('span', { class: 'pill none' }, [r.state === 'retrying' ? 'retrying' : 'delivering']);
  if (r.type === 'upload.rejected') return el('span', { class: 'pill bad' }, ['upload.rejected']);
  if (r.type === 'upload.completed') return el('span', { class: 'pill ok' }, ['upload.completed']);
  return el('span', { class: 'pill none' }, [r.outcome ?? 'no event']);
}

function rowView(r: EventRow): HTMLElement {
  const verified = r.verified === null ? 'not seen here' : r.verified ? 'signature verified' : 'signature INVALID';
  const meta = [
    r.id ? `id ${r.id}` : '',
    `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`,
    r.type ? verified : '',
    r.check ? `check: ${r.check.result}${r.check.detected ? ` (${r.check.detected})` : ''}${r.check.reason ? `, ${r.check.reason}` : ''}` : '',
    r.state === 'retrying' && r.nextAttemptAt ? `next attempt ${new Date(r.nextAttemptAt).toLocaleTimeString()}` : '',
    r.lastError && r.state !== 'succeeded' ? `last error: ${r.lastError}` : '',
    r.outcome && !r.type ? r.outcome : '',
  ].filter(Boolean);
  const attrs: Record<string, string> = { class: 'event-row', 'data-key': r.key, 'data-state': r.state, 'data-attempts': String(r.attempts) };
  if (r.type) attrs['data-type'] = r.type;
  if (r.id) attrs['data-event-id'] = r.id;
  if (r.verified !== null) attrs['data-verified'] = String(r.verified);
  return el('li', attrs, [pillFor(r), el('span', { class: 'event-key', title: r.key }, [r.key]), el('span', { class: 'muted small' }, [r.trigger.replace('ObjectCreated:', '')]), el('span', { class: 'event-meta' }, [meta.join(' · ')])]);
}

let last = '';

async function refresh(): Promise<void> {
  let view: EventsView;
  try {
    const res = await fetch('/_local/events', { cache: 'no-store' });
    if (!res.ok) return;
    view = (await res.json()) as EventsView;
  } catch {
    return;
  }
  const text = JSON.stringify(view);
  if (text === last) return;
  last = text;
  if (target) target.textContent = view.webhook.receiver === 'local' ? 'to the local receiver' : `to WEBHOOK_URL ${view.webhook.url}`;
  if (counter) counter.textContent = view.events.length ? String(view.events.length) : '';
  if (list) {
    list.replaceChildren(
      ...(view.events.length
        ? view.events.map(rowView)
        : [el('li', { class: 'empty' }, [el('p', { class: 'muted' }, ['No events yet. Upload a file: its upload.completed (or upload.rejected) appears here.'])])]),
    );
  }
  if (foot && dead) {
    foot.hidden = view.deadLetters === 0;
    dead.textContent = `${view.deadLetters} dead letter${view.deadLetters === 1 ? '' : 's'} (also: npm run --silent cli -- redeliver)`;
  }
}

redeliver?.addEventListener('click', async () => {
  redeliver.disabled = true;
  try {
    await fetch('/_local/events/redeliver', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  } finally {
    redeliver.disabled = false;
    void refresh();
  }
});

if (list) {
  void refresh();
  setInterval(() => void refresh(), 1000);
}
