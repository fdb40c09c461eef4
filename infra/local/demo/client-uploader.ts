/**
 * The demo's second uploader: our own client (client/) beside Uppy. It shows what the client
 * does: the calls it makes to our functions, the parts in flight, a resumed upload after a reload
 * (choose the same file again), and the CRC-64 verdict (the file's, computed from disk in a Worker,
 * against the stored object's). Everything it renders lives in `#client-uploader` (page.ts).
 */
import { createUpload, type Upload, type UploadEvent } from '../../../client/index';
import './client-uploader.css';

type PartState = 'waiting' | 'flight' | 'done' | 'kept';

interface View {
  name: string;
  size: number;
  state: string;
  calls: Record<string, number>;
  parts: PartState[];
  uploaded: number;
  resumed?: { kept: number; toSend: number };
  restarted?: string;
  verdict?: { crc64: string; objectCrc64: string | null; match: boolean };
  key?: string;
  error?: string;
  log: string[];
}

const root = document.getElementById('client-uploader');
if (root) mount(root);

function mount(root: HTMLElement): void {
  const input = root.querySelector<HTMLInputElement>('input[type=file]')!;
  const pause = root.querySelector<HTMLButtonElement>('[data-action=pause]')!;
  const resume = root.querySelector<HTMLButtonElement>('[data-action=resume]')!;
  const abort = root.querySelector<HTMLButtonElement>('[data-action=abort]')!;
  const out = root.querySelector<HTMLElement>('.cu-status')!;
  const partSize = Number(root.dataset.partSize) || undefined;
  let current: Upload | undefined;
  let view: View | undefined;

  void storedNote(out);

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file || (current && ['preparing', 'uploading', 'paused', 'completing'].includes(current.state))) return;
    view = { name: file.name, size: file.size, state: 'preparing', calls: {}, parts: [], uploaded: 0, log: [] };
    const v = view;
    current = createUpload(file, {
      api: location.origin,
      partSize,
      onProgress: (p) => {
        v.uploaded = p.uploadedBytes;
        draw();
      },
      onEvent: (e) => {
        note(v, e);
        draw();
      },
    });
    current.start().then(
      (answer) => {
        v.key = answer.key;
        draw();
      },
      (err: Error) => {
        v.error = `${err.name}: ${err.message}`;
        draw();
      },
    );
    input.value = '';
    draw();
  });
  pause.addEventListener('click', () => current?.pause());
  resume.addEventListener('click', () => current?.resume());
  abort.addEventListener('click', () => void current?.abort());

  let scheduled = false;
  function draw(): void {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const state = current?.state ?? 'idle';
      pause.disabled = !['preparing', 'uploading'].includes(state);
      resume.disabled = state !== 'paused';
      abort.disabled = !['preparing', 'uploading', 'paused', 'completing'].includes(state);
      if (view) out.replaceChildren(render(view, state, current?.progress.partsDone ?? 0));
    });
  }
}

/** On load: say so when an unfinished upload is remembered (the reload case). */
async function storedNote(out: HTMLElement): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  const count = await new Promise<number>((resolve) => {
    const req = indexedDB.open('oss-upload-client', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('uploads');
    req.onerror = () => resolve(0);
    req.onsuccess = () => {
      const c = req.result.transaction('uploads').objectStore('uploads').count();
      c.onsuccess = () => {
        req.result.close();
        resolve(c.result);
      };
      c.onerror = () => resolve(0);
    };
  });
  if (count > 0 && !out.hasChildNodes()) {
    out.replaceChildren(el('p', { class: 'cu-note', 'data-stored': String(count) }, [
      `${count === 1 ? 'An unfinished upload is' : `${count} unfinished uploads are`} remembered in this browser. Choose the same file again to resume: only the parts OSS does not have yet are sent.`,
    ]));
  }
}

function note(v: View, e: UploadEvent): void {
  const line = (s: string) => {
    v.log.push(s);
    if (v.log.length > 14) v.log.shift();
  };
  switch (e.type) {
    case 'state':
      v.state = e.state;
      break;
    case 'request':
      v.calls[e.op] = (v.calls[e.op] ?? 0) + 1;
      line(`${e.op} → ${e.status || 'no answer'} (${e.ms} ms)${e.attempt ? `, retry ${e.attempt}` : ''}`);
      break;
    case 'upload':
      v.parts = Array.from({ length: e.partCount }, () => 'waiting');
      v.key = e.key;
      break;
    case 'resumed':
      v.resumed = { kept: e.partsKept, toSend: e.partsToSend };
      v.parts.forEach((_, i) => (v.parts[i] = 'waiting'));
      line(`resumed: ${e.partsKept} parts already in OSS, ${e.partsToSend} to send`);
      break;
    case 'restarted':
      v.restarted = e.reason;
      line(`started afresh: ${e.reason}`);
      break;
    case 'part-start':
      v.parts[e.partNumber - 1] = 'flight';
      break;
    case 'part-done':
      v.parts[e.partNumber - 1] = 'done';
      break;
    case 'part-retry':
      v.parts[e.partNumber - 1] = 'waiting';
      line(`part ${e.partNumber}: ${e.reason}, again in ${e.delayMs} ms`);
      break;
    case 'resign':
      line(`${e.partNumbers.length} URL(s) signed again (${e.reason})`);
      break;
    case 'verified':
      v.verdict = { crc64: e.crc64, objectCrc64: e.objectCrc64, match: e.match };
      break;
  }
  // Parts found in OSS on resume are marked as kept; they are the ones never started here.
  if (e.type === 'state' && e.state === 'completing' && v.resumed) v.parts.forEach((s, i) => s === 'waiting' && (v.parts[i] = 'kept'));
}

function render(v: View, state: string, done: number): HTMLElement {
  const inFlight = v.parts.filter((p) => p === 'flight').length;
  const pct = v.size ? Math.min(100, Math.floor((v.uploaded / v.size) * 100)) : state === 'done' ? 100 : 0;
  const calls = ['init', 'list', 'sign', 'complete', 'abort'].filter((op) => v.calls[op]).map((op) => `${op} ${v.calls[op]}`);
  const total = Object.values(v.calls).reduce((a, b) => a + b, 0);
  const verdict = v.verdict
    ? v.verdict.match
      ? el('span', { class: 'pill ok', 'data-field': 'crc-verdict', 'data-value': 'match' }, [`CRC-64 verified · ${v.verdict.crc64}`])
      : el('span', { class: 'pill bad', 'data-field': 'crc-verdict', 'data-value': 'mismatch' }, [`CRC-64 mismatch · file ${v.verdict.crc64}, object ${v.verdict.objectCrc64}`])
    : el('span', { class: 'pill none', 'data-field': 'crc-verdict', 'data-value': '' }, [state === 'done' ? 'not checked' : 'computed from your disk as parts are read']);
  const children: Node[] = [
    el('div', { class: 'row-head' }, [
      el('span', { class: 'file-name', title: v.name }, [v.name]),
      el('span', { class: `status status-${state}`, 'data-field': 'state' }, [state]),
    ]),
    el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct) }, [el('div', { class: 'bar-fill', style: `width:${pct}%` })]),
    el('dl', { class: 'facts' }, [
      el('dt', {}, ['Calls to our functions']),
      el('dd', { 'data-field': 'calls', 'data-value': String(total) }, [calls.length ? `${total}: ${calls.join(' · ')}` : '—']),
      el('dt', {}, ['Parts']),
      el('dd', { 'data-field': 'parts', 'data-done': String(done), 'data-in-flight': String(inFlight) }, [`${done} of ${v.parts.length} in OSS · ${inFlight} in flight`]),
      el('dt', {}, ['Resume']),
      el('dd', { 'data-field': 'resumed', 'data-value': v.resumed ? String(v.resumed.kept) : '' }, [
        v.resumed ? `resumed after a reload: ${v.resumed.kept} parts were already in OSS, ${v.resumed.toSend} sent` : v.restarted ? `started afresh (${v.restarted})` : 'new upload',
      ]),
      el('dt', {}, ['Integrity']),
      el('dd', {}, [verdict]),
      ...(v.key ? [el('dt', {}, ['Key']), el('dd', { class: 'mono wrap', 'data-field': 'key' }, [v.key])] : []),
      ...(v.error ? [el('dt', {}, ['Error']), el('dd', { class: 'error-text', 'data-field': 'error' }, [v.error])] : []),
    ]),
  ];
  if (v.parts.length > 1 && v.parts.length <= 400) {
    children.push(el('div', { class: 'parts cu-parts' }, v.parts.map((p) => el('span', { class: `part ${p === 'done' || p === 'kept' ? 'done' : p === 'flight' ? 'active' : ''} cu-${p}` }))));
  }
  if (v.log.length) children.push(el('ol', { class: 'cu-log mono' }, v.log.map((l) => el('li', {}, [l]))));
  return el('div', { class: 'row cu-row', 'data-state': state }, children);
}

function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
