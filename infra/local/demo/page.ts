/**
 * The demo page's HTML (the local stack serves it at `/`). Everything dynamic happens in
 * client.ts; this is the frame, the stack's settings (as JSON for the script) and the
 * "how it works" notes.
 */

export interface PageConfig {
  bucket: string;
  region: string;
  ossUrl: string;
  apiUrl: string;
  keyPrefix: string;
  authMode: string;
  maxFileSize: number;
  /** ALLOWED_CONTENT_TYPES as the functions enforce them (type/subtype patterns; any type allows all). */
  allowedContentTypes: string[];
  multipartThreshold: number;
  chunkSize: number;
  callbackUrl: string | null;
  slowNetwork: boolean;
  slowNetworkMs: number;
  storage: string;
}

/** What the page hands its script (client.ts) as JSON: the settings the browser needs. */
export type ScriptConfig = Pick<
  PageConfig,
  | 'bucket'
  | 'region'
  | 'ossUrl'
  | 'keyPrefix'
  | 'authMode'
  | 'maxFileSize'
  | 'allowedContentTypes'
  | 'multipartThreshold'
  | 'chunkSize'
  | 'callbackUrl'
  | 'slowNetwork'
>;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

function mib(n: number): string {
  const v = n / (1024 * 1024);
  return v >= 1024 ? `${(v / 1024).toFixed(v % 1024 ? 1 : 0)} GiB` : `${Number.isInteger(v) ? v : v.toFixed(1)} MiB`;
}

export function renderPage(c: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload to OSS · oss-upload-functions (local)</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/demo.css">
<script id="stack-config" type="application/json">${scriptJson({
    bucket: c.bucket,
    region: c.region,
    ossUrl: c.ossUrl,
    keyPrefix: c.keyPrefix,
    authMode: c.authMode,
    maxFileSize: c.maxFileSize,
    allowedContentTypes: c.allowedContentTypes,
    multipartThreshold: c.multipartThreshold,
    chunkSize: c.chunkSize,
    callbackUrl: c.callbackUrl,
    slowNetwork: c.slowNetwork,
  } satisfies ScriptConfig)}</script>
<script type="module" src="/assets/demo.js"></script>
</head>
<body>
<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/">
      <span class="brand-mark" aria-hidden="true"><svg viewBox="0 0 24 24" width="18" height="18"><path fill="currentColor" d="M12 3 5 10h4v6h6v-6h4z"/><path fill="currentColor" d="M5 18h14v2H5z"/></svg></span>
      <span class="brand-name">oss-upload-functions</span>
      <span class="env-pill">local stack</span>
    </a>
    <nav class="nav">
      <a href="/openapi.json">OpenAPI</a>
      <a href="${esc(c.ossUrl)}/_emulator/health">OSS emulator</a>
    </nav>
  </div>
</header>
<main class="wrap">
  <section class="hero">
    <h1>Upload straight to OSS</h1>
    <p class="lede">Drop a file. Uppy asks our functions to sign each request, sends the bytes <em>directly</em> to OSS (here the local emulator), and the functions complete the upload with a signed OSS callback. Nothing is stored outside OSS.</p>
  </section>
  <div class="grid">
    <section class="card uploader" aria-label="Upload files">
      <div id="uppy"></div>
      <div class="uploader-foot">
        <label class="switch">
          <input type="checkbox" id="slow-network">
          <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
          <span>Simulate a slow network <span class="muted">(the emulator waits ${(c.slowNetworkMs / 1000).toFixed(1)} s before storing each part or form upload, so you can pause and resume)</span></span>
        </label>
      </div>
    </section>
    <aside class="card results" aria-label="Upload results">
      <div class="card-head">
        <h2>Uploads <span class="count" id="results-count"></span></h2>
        <span class="muted small">bucket <code>${esc(c.bucket)}</code></span>
      </div>
      <ol class="rows" id="results" aria-live="polite"></ol>
    </aside>
  </div>
  <section class="card client-uploader" id="client-uploader" aria-label="Upload with our client" data-part-size="${c.chunkSize}">
    <div class="card-head"><h2>Or with our own client <code>client/</code></h2><span class="muted small">the JSON API, no Uppy</span></div>
    <p class="cu-intro">Three calls for up to 1000 parts: <code>POST /uploads</code>, <code>/uploads/sign</code> (one per 1000 parts) and <code>/uploads/complete</code>, plus <code>/uploads/list</code> when resuming. Parts go in parallel; each part's CRC-64 is computed from your disk in a Web Worker and the whole file's is checked against the stored object. Reload the page mid-upload (turn on the slow network first) and choose the same file again: it resumes.</p>
    <div class="cu-controls">
      <input type="file" aria-label="Choose a file to upload with our client">
      <button type="button" data-action="pause" disabled>Pause</button>
      <button type="button" data-action="resume" disabled>Resume</button>
      <button type="button" data-action="abort" disabled>Abort</button>
    </div>
    <div class="cu-status" aria-live="polite"></div>
  </section>
  <section class="card events-panel" aria-label="Events">
    <div class="card-head">
      <h2>Events <span class="count" id="events-count"></span></h2>
      <span class="muted small" id="events-target"></span>
    </div>
    <p class="muted small">What your app would receive. An OSS trigger runs the <code>events</code> function for each stored object: it checks the first bytes against the declared type and delivers a signed <code>upload.completed</code>, or quarantines the object and delivers <code>upload.rejected</code>. Failed deliveries are retried, then kept as dead letters.</p>
    <ol class="rows" id="events" aria-live="polite"></ol>
    <div class="events-foot" id="events-foot" hidden>
      <span id="events-dead"></span>
      <button type="button" class="btn-link" id="events-redeliver">Re-deliver dead letters</button>
    </div>
  </section>
  <section class="card how">
    <h2>What happens when you drop a file</h2>
    <ol class="steps">
      <li><span class="step-n">1</span><div><strong>Start</strong> <code>POST /s3/multipart</code><p>The function checks the policy, picks the key under <code>${esc(c.keyPrefix)}/&lt;caller&gt;/…</code> and calls OSS InitiateMultipartUpload.</p></div></li>
      <li><span class="step-n">2</span><div><strong>Sign</strong> <code>GET /s3/multipart/:uploadId/:part</code><p>One presigned UploadPart URL per ${mib(c.chunkSize)} part. No OSS call, no bytes through the functions.</p></div></li>
      <li><span class="step-n">3</span><div><strong>Upload</strong> <code>PUT ${esc(c.ossUrl)}/${esc(c.bucket)}/…</code><p>The browser sends each part straight to OSS and reads its ETag. Pause and resume list the parts already there.</p></div></li>
      <li><span class="step-n">4</span><div><strong>Complete</strong> <code>POST /s3/multipart/:uploadId/complete</code><p>CompleteMultipartUpload with an OSS callback; the object's CRC-64 is checked against its parts'.</p></div></li>
      <li><span class="step-n">5</span><div><strong>Callback</strong> <code>POST /oss/callback</code><p>OSS calls our callback function, which verifies the RSA signature and answers; that answer is shown with the result.</p></div></li>
    </ol>
    <p class="muted small">Files up to ${mib(c.multipartThreshold)} skip steps 1–4: <code>GET /s3/params</code> returns a presigned POST policy and the browser posts a form to OSS. Your own code can use the same functions through the JSON API: <code>POST /uploads</code>, <code>/uploads/sign</code>, <code>/uploads/complete</code> (see the <a href="/openapi.json">OpenAPI document</a>).</p>
  </section>
  <section class="card env">
    <h2>This stack</h2>
    <dl class="env-grid">
      <dt>API</dt><dd><code>${esc(c.apiUrl)}</code></dd>
      <dt>Uppy</dt><dd><code>companionEndpoint: '${esc(c.apiUrl)}'</code></dd>
      <dt>OSS emulator</dt><dd><code>${esc(c.ossUrl)}</code> · region <code>${esc(c.region)}</code> · path-style</dd>
      <dt>Bucket</dt><dd><code>${esc(c.bucket)}</code> · ${esc(c.storage)}</dd>
      <dt>Files</dt><dd>${c.allowedContentTypes.includes('*/*') ? 'any type' : c.allowedContentTypes.map((t) => `<code>${esc(t)}</code>`).join(', ')} · up to ${mib(c.maxFileSize)} <span class="muted">(<code>ALLOWED_CONTENT_TYPES</code>, <code>MAX_FILE_SIZE</code>)</span></dd>
      <dt>Callers</dt><dd><code>AUTH_MODE=${esc(c.authMode)}</code>${c.authMode === 'none' ? ' · every caller is anonymous (local only)' : ''}</dd>
      <dt>Callback</dt><dd>${c.callbackUrl ? `<code>${esc(c.callbackUrl)}</code>` : '<span class="muted">off</span>'}</dd>
    </dl>
  </section>
</main>
<footer class="foot">oss-upload-functions · local stack · Stop it with Ctrl-C</footer>
</body>
</html>
`;
}

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#ff6a00"/><path fill="#fff" d="M16 6 8 15h5v7h6v-7h5z"/><path fill="#fff" d="M8 24h16v3H8z"/></svg>`;
