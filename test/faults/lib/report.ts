/**
 * Printing the campaign's summaries: plain-text tables on stdout (the node:test runner relays a
 * test file's stdout, as `#` lines with the TAP reporter).
 */

export type Cell = string | number | boolean | null | undefined;

/** A left/right-aligned text table: numbers right, everything else left. */
export function table(headers: string[], rows: Cell[][]): string {
  const text = (c: Cell) => (c === null || c === undefined ? '' : String(c));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const line = (cells: Cell[]) =>
    cells.map((c, i) => (typeof c === 'number' ? text(c).padStart(widths[i]) : text(c).padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Prints a titled block on stdout. */
export function report(title: string, body: string): void {
  process.stdout.write(`\n=== ${title}\n${body}\n`);
}
