/**
 * The local stack's demo page (browser code, bundled with esbuild at startup).
 *
 * An unmodified Uppy v6: Dashboard + `@uppy/aws-s3` with `companionEndpoint: location.origin`, so
 * every upload goes through our Companion-compatible `/s3/*` functions: files over the multipart
 * threshold upload in parts straight to OSS (presigned UploadPart URLs), smaller ones with a
 * presigned POST policy form. Uppy's `upload-success` body only carries `{location, key}`, so the
 * results panel asks the local stack for the stored object's facts (`/_local/objects?key=`: size,
 * CRC-64 from OSS, the callback our function answered) and also shows the complete response the
 * facade sent, read from a copy of that one fetch response.
 */
import Uppy, { type Body, type Meta, type UppyFile } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import AwsS3 from '@uppy/aws-s3';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import './styles.css';
import './client-uploader';
import './events-panel';
import type { ScriptConfig } from './page';

interface ObjectFacts {
  key: string;
  bucket: string;
  size: number;
  crc64: string | null;
  etag: string;
  contentType: string;
  objectType: string;
  lastModified: string;
  downloadUrl: string;
  callback: { status: number; at: string; response: unknown } | null;
}

type Status = 'queued' | 'uploading' | 'paused' | 'completing' | 'done' | 'error' | 'cancelled';

interface Row {
  id: string;
  name: string;
  size: number;
  type: string;
  multipart: boolean;
  partsTotal: number;
  partsDone: number;
  bytesUploaded: number;
  status: Status;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
  key?: string;
  location?: string;
  facts?: ObjectFacts;
  factsError?: string;
  completeResponse?: unknown;
  /** Which JSON blocks are open (rows are redrawn; this keeps them as the person left them). */
  open: Set<string>;
  /** The callback block was opened for the person (newest result), not by them. */
  autoOpened: boolean;
}

const config = JSON.parse(document.getElementById('stack-config')!.textContent!) as ScriptConfig;

// ---------------------------------------------------------------------------------------------
// The complete response. Uppy v6 keeps only {location, key} of it; the rest (size, crc64,
// callback…) is what our facade adds, so we keep a copy of that one response, keyed by object key.

const completeResponses = new Map<string, unknown>();
const nativeFetch = window.fetch.bind(window);
window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const res = await nativeFetch(input, init);
  try {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith('/s3/')) return res;
    if (!res.ok) return await withServerMessage(res);
    if (/^\/s3\/multipart\/[^/]+\/complete$/.test(url.pathname)) {
      const key = url.searchParams.get('key');
      res
        .clone()
        .json()
        .then((body: unknown) => {
          const resultKey = (body as { key?: unknown })?.key;
          completeResponses.set(typeof resultKey === 'string' ? resultKey : (key ?? ''), body);
          if (key) completeResponses.set(key, body);
        })
        .catch(() => undefined);
    }
  } catch {
    /* never let bookkeeping break an upload */
  }
  return res;
};

/**
 * Uppy's Companion client reports a refused request by its statusText only ("Companion request
 * failed: Unsupported Media Type"); hand it our API's message instead, with the allowed types.
 */
async function withServerMessage(res: Response): Promise<Response> {
  const body = (await res.clone().json().catch(() => undefined)) as
    | { message?: unknown; error?: { message?: unknown; details?: { allowed?: unknown } } }
    | undefined;
  const message = body?.error?.message ?? body?.message;
  if (typeof message !== 'string') return res;
  const allowed = body?.error?.details?.allowed;
  const text = Array.isArray(allowed) ? `${message} (allowed: ${allowed.join(', ')})` : message;
  // A status text is a reason phrase: printable ASCII only.
  return new Response(res.body, { status: res.status, statusText: text.replace(/[^\x20-\x7e]/g, '?'), headers: res.headers });
}

/** An upload error as a person should read it (the server's words, without Uppy's prefix). */
function errorText(error: { message?: string } | undefined): string {
  return (error?.message || 'Upload failed').replace(/^Companion request failed: /, '');
}

// ---------------------------------------------------------------------------------------------
// Uppy

// The functions' own limits, so Uppy refuses a file before asking (the server checks them anyway).
const anyType = config.allowedContentTypes.includes('*/*');
const uppy = new Uppy<Meta, Body>({
  id: 'demo',
  autoProceed: true,
  restrictions: { maxFileSize: config.maxFileSize, allowedFileTypes: anyType ? null : config.allowedContentTypes },
});
uppy.use(Dashboard, {
  id: 'Dashboard',
  inline: true,
  target: '#uppy',
  width: '100%',
  height: 430,
  theme: 'light',
  proudlyDisplayPoweredByUppy: false,
  showRemoveButtonAfterComplete: true,
  note: `${anyType ? 'Any file' : `${config.allowedContentTypes.join(', ')} files`} up to ${formatBytes(config.maxFileSize)}. Over ${formatBytes(config.multipartThreshold)}: multipart in ${formatBytes(config.chunkSize)} parts.`,
});
uppy.use(AwsS3, {
  companionEndpoint: location.origin,
  shouldUseMultipart: (file) => (file.size ?? 0) > config.multipartThreshold,
  getChunkSize: () => config.chunkSize,
  limit: 3,
});

// ---------------------------------------------------------------------------------------------
// Results panel state

const rows = new Map<string, Row>();
const order: string[] = [];

function rowFor(file: UppyFile<Meta, Body>): Row {
  let row = rows.get(file.id);
  if (!row) {
    const size = file.size ?? 0;
    const multipart = size > config.multipartThreshold;
    row = {
      id: file.id,
      name: file.name ?? 'file',
      size,
      type: file.type || 'application/octet-stream',
      multipart,
      partsTotal: multipart ? Math.ceil(size / config.chunkSize) : 1,
      partsDone: 0,
      bytesUploaded: 0,
      status: 'queued',
      open: new Set(),
      autoOpened: false,
    };
    rows.set(file.id, row);
    order.unshift(file.id);
  }
  return row;
}

uppy.on('file-added', (file) => {
  rowFor(file);
  render();
});
uppy.on('upload-start', (files) => {
  for (const f of files) {
    const row = rowFor(f);
    row.status = 'uploading';
    row.startedAt ??= Date.now();
    row.error = undefined;
  }
  render();
});
uppy.on('upload-progress', (file, progress) => {
  if (!file) return;
  const row = rowFor(file);
  row.bytesUploaded = progress.bytesUploaded ?? 0;
  if (row.status === 'queued' || row.status === 'paused') row.status = 'uploading';
  if (row.bytesUploaded >= row.size && row.multipart && row.status === 'uploading') row.status = 'completing';
  render();
});
uppy.on('s3-multipart:part-uploaded', (file) => {
  const row = rowFor(file);
  row.partsDone = Math.min(row.partsTotal, row.partsDone + 1);
  render();
});
uppy.on('upload-pause', (file, paused) => {
  if (!file) return;
  const row = rowFor(file);
  if (row.status !== 'done') row.status = paused ? 'paused' : 'uploading';
  render();
});
uppy.on('pause-all', () => {
  for (const row of rows.values()) if (row.status === 'uploading') row.status = 'paused';
  render();
});
uppy.on('resume-all', () => {
  for (const row of rows.values()) if (row.status === 'paused') row.status = 'uploading';
  render();
});
uppy.on('upload-error', (file, error) => {
  if (!file) return;
  const row = rowFor(file);
  row.status = 'error';
  row.error = errorText(error);
  render();
});
uppy.on('restriction-failed', (file, error) => {
  if (!file?.id) return;
  const row = rowFor(file);
  row.status = 'error';
  row.error = `Not uploaded: ${error.message}`;
  render();
});
uppy.on('upload-retry', (file) => {
  const row = rowFor(file);
  row.status = 'uploading';
  row.error = undefined;
  render();
});
uppy.on('file-removed', (file) => {
  const row = rows.get(file.id);
  if (row && row.status !== 'done' && row.status !== 'error') {
    row.status = 'cancelled';
    render();
  }
});
uppy.on('cancel-all', () => {
  for (const row of rows.values()) if (row.status !== 'done' && row.status !== 'error') row.status = 'cancelled';
  render();
});
uppy.on('upload-success', (file, response) => {
  if (!file) return;
  const row = rowFor(file);
  const body = (response.body ?? {}) as { key?: string; location?: string };
  row.status = 'done';
  row.finishedAt = Date.now();
  row.bytesUploaded = row.size;
  if (row.multipart) row.partsDone = row.partsTotal;
  row.key = body.key;
  row.location = body.location ?? response.uploadURL;
  // Show the newest callback answer; fold the ones this page opened earlier.
  for (const other of rows.values()) {
    if (other.autoOpened) other.open.delete('callback');
    other.autoOpened = false;
  }
  row.open.add('callback');
  row.autoOpened = true;
  render();
  if (row.key) void loadFacts(row, row.key);
});

async function loadFacts(row: Row, key: string): Promise<void> {
  try {
    const res = await nativeFetch(`/_local/objects?${new URLSearchParams({ key })}`);
    const json = await res.json();
    if (!res.ok) throw new Error(json?.error?.message ?? `HTTP ${res.status}`);
    row.facts = json as ObjectFacts;
  } catch (e) {
    row.factsError = (e as Error).message;
  }
  // The copied complete response is parsed asynchronously; it is there by now.
  row.completeResponse = completeResponses.get(key);
  render();
}

// ---------------------------------------------------------------------------------------------
// Rendering (a handful of rows: rebuilt on each animation frame that needs it)

const list = document.getElementById('results')!;
const counter = document.getElementById('results-count')!;
let scheduled = false;

function render(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    paint();
  });
}

function paint(): void {
  counter.textContent = order.length ? String(order.length) : '';
  if (order.length === 0) {
    list.replaceChildren(el('li', { class: 'empty' }, [
      el('div', { class: 'empty-icon', 'aria-hidden': 'true' }, ['⇪']),
      el('p', {}, ['No uploads yet.']),
      el('p', { class: 'muted' }, ['Drop a file on the left. Results show the stored object\u2019s key, size, CRC-64 and the verified OSS callback.']),
    ]));
    return;
  }
  list.replaceChildren(...order.map((id) => rowView(rows.get(id)!)));
}

const STATUS_TEXT: Record<Status, string> = {
  queued: 'Queued',
  uploading: 'Uploading',
  paused: 'Paused',
  completing: 'Completing',
  done: 'Uploaded',
  error: 'Failed',
  cancelled: 'Cancelled',
};

function rowView(row: Row): HTMLElement {
  // Two counts that differ: bytes sent (the percentage Uppy's status bar shows) and parts stored in
  // OSS. A part cut off by a pause was partly sent but is not stored; resume sends it again.
  const percent = (n: number) => (row.size ? Math.min(100, Math.round((n / row.size) * 100)) : row.status === 'done' ? 100 : 0);
  const sent = row.status === 'done' ? row.size : row.bytesUploaded;
  const stored = row.status === 'done' ? row.size : row.multipart ? Math.min(row.size, row.partsDone * config.chunkSize) : 0;
  const partsStored = `${row.partsDone} of ${row.partsTotal} part${row.partsTotal === 1 ? '' : 's'} stored in OSS`;
  const sentText = `${percent(sent)}% sent (${formatBytes(sent)} of ${formatBytes(row.size)})`;
  const mode = row.multipart ? `Multipart · ${row.partsTotal} part${row.partsTotal === 1 ? '' : 's'}` : 'POST policy';
  let detail: string;
  if (row.status === 'done') {
    const secs = row.startedAt && row.finishedAt ? (row.finishedAt - row.startedAt) / 1000 : 0;
    detail = `${formatBytes(row.size)} in ${secs.toFixed(1)} s`;
  } else if (row.status === 'error') detail = row.error ?? 'Upload failed';
  else if (row.status === 'cancelled') detail = row.multipart ? 'Multipart upload aborted' : 'Not uploaded';
  else if (row.multipart && row.status === 'uploading') detail = `${sentText} · ${partsStored}`;
  else if (row.multipart && row.status === 'completing') detail = `All ${row.partsTotal} parts stored in OSS · completing`;
  else if (row.multipart && row.status === 'paused') detail = `Paused at ${percent(sent)}% sent · ${partsStored}; a part cut off by the pause is sent again on resume`;
  else if (row.multipart) detail = partsStored;
  else detail = sentText;

  const children: (Node | string)[] = [
    el('div', { class: 'row-head' }, [
      el('div', { class: 'row-title' }, [
        el('span', { class: 'file-name', title: row.name }, [row.name]),
        el('span', { class: 'mode' }, [mode]),
      ]),
      el('span', { class: `status status-${row.status}` }, [STATUS_TEXT[row.status]]),
    ]),
    // Light: bytes sent; solid: stored (multipart: parts stored in OSS; a form upload stores at the end).
    el('div', { class: 'bar', role: 'progressbar', title: 'light: sent · solid: stored in OSS', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(percent(sent)) }, [
      el('div', { class: `bar-sent bar-${row.status}`, style: `width:${percent(sent)}%` }),
      el('div', { class: `bar-fill bar-${row.status}`, style: `width:${percent(stored)}%` }),
    ]),
    el('div', { class: 'row-detail' }, [detail]),
  ];
  if (row.multipart && row.partsTotal > 1 && row.partsTotal <= 200 && row.status !== 'cancelled') {
    children.push(
      el(
        'div',
        { class: 'parts', 'aria-label': partsStored },
        Array.from({ length: row.partsTotal }, (_, i) =>
          el('span', { class: i < row.partsDone ? 'part done' : i === row.partsDone && row.status === 'uploading' ? 'part active' : 'part' }),
        ),
      ),
    );
  }
  if (row.status === 'done') children.push(resultView(row));
  const attrs: Record<string, string> = { class: `row row-${row.status}`, 'data-file-id': row.id, 'data-name': row.name, 'data-status': row.status };
  if (row.key) attrs['data-key'] = row.key;
  if (row.multipart) attrs['data-parts-done'] = String(row.partsDone);
  return el('li', attrs, children);
}

function resultView(row: Row): HTMLElement {
  const f = row.facts;
  const items: (Node | string)[] = [];
  const item = (label: string, value: Node | string, attrs: Record<string, string> = {}) =>
    items.push(el('dt', {}, [label]), el('dd', attrs, [value]));
  item('Key', el('span', { class: 'mono wrap' }, [row.key ?? '']), { 'data-field': 'key' });
  if (f) {
    item('Size', `${f.size.toLocaleString('en-US')} bytes (${formatBytes(f.size)})`, { 'data-field': 'size', 'data-value': String(f.size) });
    item('CRC-64', el('span', { class: 'mono' }, [f.crc64 ?? '—']), { 'data-field': 'crc64', 'data-value': f.crc64 ?? '' });
    item('ETag', el('span', { class: 'mono' }, [f.etag]));
    item('Type', f.contentType);
  } else if (row.factsError) {
    item('Object', el('span', { class: 'error-text' }, [`Could not read the stored object: ${row.factsError}`]));
  } else {
    item('Object', el('span', { class: 'muted' }, ['Reading from OSS…']));
  }
  const cb = f?.callback;
  const cbOk = cb && cb.status === 200 && (cb.response as { ok?: boolean })?.ok === true;
  item(
    'Callback',
    f
      ? cb
        ? el('span', { class: cbOk ? 'pill ok' : 'pill bad' }, [cbOk ? `Verified · HTTP ${cb.status}` : `Rejected · HTTP ${cb.status}`])
        : el('span', { class: 'pill none' }, [config.callbackUrl ? 'Not called for this upload' : 'No CALLBACK_URL'])
      : el('span', { class: 'muted' }, ['…']),
    { 'data-field': 'callback', 'data-value': cb ? String(cb.status) : '' },
  );

  const blocks: (Node | string)[] = [el('dl', { class: 'facts' }, items)];
  if (cb) blocks.push(jsonBlock(row, 'callback', 'Callback response (our callback function\u2019s answer to OSS)', cb.response));
  if (row.completeResponse !== undefined) blocks.push(jsonBlock(row, 'complete', 'Complete response (POST /s3/multipart/\u2026/complete)', row.completeResponse));
  const actions: (Node | string)[] = [];
  if (f) actions.push(el('a', { class: 'btn-link', href: f.downloadUrl, download: row.name }, ['Download']));
  if (row.key) {
    const copy = el('button', { class: 'btn-link', type: 'button' }, ['Copy key']);
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(row.key!).then(() => {
        copy.textContent = 'Copied';
        setTimeout(() => (copy.textContent = 'Copy key'), 1200);
      });
    });
    actions.push(copy);
  }
  blocks.push(el('div', { class: 'actions' }, actions));
  return el('div', { class: 'result' }, blocks);
}

function jsonBlock(row: Row, id: string, title: string, value: unknown): HTMLElement {
  const node = el('details', { class: 'json', 'data-block': id, ...(row.open.has(id) ? { open: '' } : {}) }, [
    el('summary', {}, [title]),
    el('pre', {}, [JSON.stringify(value, null, 2)]),
  ]) as HTMLDetailsElement;
  node.addEventListener('toggle', () => {
    if (node.open === row.open.has(id)) return; // the redraw itself
    if (node.open) row.open.add(id);
    else row.open.delete(id);
    if (id === 'callback') row.autoOpened = false;
  });
  return node;
}

function el(tag: string, attrs: Record<string, string> = {}, children: (Node | string)[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

// ---------------------------------------------------------------------------------------------
// Slow network switch: a delay the emulator adds to every part and POST upload, so a person can
// watch the parts go and try pause/resume on a fast local machine.

const slow = document.getElementById('slow-network') as HTMLInputElement | null;
if (slow) {
  slow.checked = config.slowNetwork;
  slow.addEventListener('change', async () => {
    slow.disabled = true;
    try {
      const res = await nativeFetch('/_local/network', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slow: slow.checked }),
      });
      const json = (await res.json()) as { slow?: boolean };
      slow.checked = json.slow === true;
    } catch {
      slow.checked = !slow.checked;
    } finally {
      slow.disabled = false;
    }
  });
}

paint();
(window as unknown as { demo: unknown }).demo = { uppy, rows };
