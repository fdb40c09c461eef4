/**
 * Cold-start baseline: a Hono hello-world behind the same FC adapter as our functions, bundled
 * the same way (test/bench/cold-start.ts).
 */
import { Hono } from 'hono';
import { handle } from '../../../shared/http/fc-adapter';

const app = new Hono();
app.all('*', (c) => c.text('hello'));

export const handler = handle(app);
