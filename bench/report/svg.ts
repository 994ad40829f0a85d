// A small SVG chart writer for the capacity plot: panels with linear or
// log-10 axes, grid lines, tick labels, line series with point markers, a
// legend and horizontal target lines. Plain strings, no dependencies, so the
// plot regenerates byte for byte from the same results.

/** Axis describes one axis of a panel. */
export interface Axis {
  label: string;
  log: boolean;
  /** Range; computed from the data when absent. */
  min?: number;
  max?: number;
}

/** Series is one line of a panel. */
export interface Series {
  name: string;
  color: string;
  points: readonly { x: number; y: number; hollow?: boolean }[];
  dashed?: boolean;
}

/** Panel is one chart of the figure. */
export interface Panel {
  title: string;
  x: Axis;
  y: Axis;
  series: readonly Series[];
  /** Horizontal reference lines, e.g. a target. */
  lines?: readonly { y: number; label: string; color: string }[];
  /** Shown in the panel when it has no points. */
  empty?: string;
}

/** escapeXml makes text safe inside SVG elements and attributes. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** formatTick renders a tick value compactly: 1k, 250k, 1.5M, 0.2. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  const trim = (n: number) => String(Number(n.toPrecision(3)));
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** logTicks are the powers of ten (and 2x, 5x when few) within [min, max]. */
export function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  for (let e = lo; e <= hi; e++) {
    for (const m of steps) {
      const v = m * 10 ** e;
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

/** linearTicks are about `n` round values covering [min, max]. */
export function linearTicks(min: number, max: number, n = 5): number[] {
  const span = max - min || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw) as number;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

// The axis range: the data's, widened to whole decades (log) or to zero (linear).
function range(a: Axis, values: readonly number[]): [number, number] {
  const vs = values.filter((v) => Number.isFinite(v) && (!a.log || v > 0));
  let lo = a.min ?? (vs.length === 0 ? 1 : Math.min(...vs));
  let hi = a.max ?? (vs.length === 0 ? 10 : Math.max(...vs));
  if (a.log) {
    if (a.min === undefined) lo = 10 ** Math.floor(Math.log10(lo));
    if (a.max === undefined) hi = 10 ** Math.ceil(Math.log10(hi));
    if (hi <= lo) hi = lo * 10;
  } else {
    if (a.min === undefined) lo = Math.min(0, lo);
    if (a.max === undefined) hi = hi + (hi - lo) * 0.1;
    if (hi <= lo) hi = lo + 1;
  }
  return [lo, hi];
}

function scale(a: Axis, [lo, hi]: [number, number], from: number, to: number) {
  return (v: number) => {
    const t = a.log
      ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
      : (v - lo) / (hi - lo);
    return from + t * (to - from);
  };
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** renderPanel draws one panel into a box at (x0, y0) of size w x h. */
export function renderPanel(p: Panel, x0: number, y0: number, w: number, h: number): string {
  const left = x0 + 64;
  const right = x0 + w - 16;
  const top = y0 + 34;
  const bottom = y0 + h - 64;
  const xs = p.series.flatMap((s) => s.points.map((q) => q.x));
  const ys = [
    ...p.series.flatMap((s) => s.points.map((q) => q.y)),
    ...(p.lines ?? []).map((l) => l.y),
  ];
  const xr = range(p.x, xs);
  const yr = range(p.y, ys);
  const sx = scale(p.x, xr, left, right);
  const sy = scale(p.y, yr, bottom, top);
  const out: string[] = [];
  out.push(
    `<text x="${x0 + w / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(p.title)}</text>`,
  );
  const xt = p.x.log ? logTicks(xr[0], xr[1]) : linearTicks(xr[0], xr[1]);
  const yt = p.y.log ? logTicks(yr[0], yr[1]) : linearTicks(yr[0], yr[1]);
  for (const t of xt) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${x}" y="${bottom + 16}" text-anchor="middle" font-size="11" ${FONT}>${formatTick(t)}</text>`,
    );
  }
  for (const t of yt) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${left - 6}" y="${Number(y) + 4}" text-anchor="end" font-size="11" ${FONT}>${formatTick(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#888"/>`,
  );
  out.push(
    `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(p.x.label)}</text>`,
  );
  out.push(
    `<text transform="translate(${x0 + 14},${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(p.y.label)}</text>`,
  );
  for (const l of p.lines ?? []) {
    const y = sy(l.y).toFixed(1);
    out.push(
      `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="${l.color}" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${right - 4}" y="${Number(y) - 4}" text-anchor="end" font-size="11" fill="${l.color}" ${FONT}>${escapeXml(l.label)}</text>`,
    );
  }
  const inRange = (q: { x: number; y: number }) =>
    Number.isFinite(q.x) && Number.isFinite(q.y) && (!p.x.log || q.x > 0) && (!p.y.log || q.y > 0);
  for (const s of p.series) {
    const pts = s.points.filter(inRange);
    if (pts.length === 0) continue;
    const d = pts
      .map((q, i) => `${i === 0 ? "M" : "L"}${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`)
      .join(" ");
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
    );
    for (const q of pts) {
      out.push(
        `<circle cx="${sx(q.x).toFixed(1)}" cy="${sy(q.y).toFixed(1)}" r="3.5" fill="${q.hollow ? "white" : s.color}" stroke="${s.color}" stroke-width="1.5"/>`,
      );
    }
  }
  if (p.series.every((s) => s.points.filter(inRange).length === 0)) {
    out.push(
      `<text x="${(left + right) / 2}" y="${(top + bottom) / 2}" text-anchor="middle" font-size="12" fill="#888" ${FONT}>${escapeXml(p.empty ?? "no data in this run")}</text>`,
    );
  }
  // Legend below the x label, left to right.
  let lx = left;
  const ly = bottom + 52;
  for (const s of p.series) {
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
    );
    out.push(`<text x="${lx + 22}" y="${ly}" font-size="11" ${FONT}>${escapeXml(s.name)}</text>`);
    lx += 30 + s.name.length * 6;
  }
  return out.join("\n");
}

/** renderFigure lays panels out in a grid of `columns` and adds a caption line. */
export function renderFigure(
  panels: readonly Panel[],
  opts: { columns: number; panelWidth: number; panelHeight: number; caption: string },
): string {
  const rows = Math.ceil(panels.length / opts.columns);
  const w = opts.columns * opts.panelWidth;
  const h = rows * opts.panelHeight + 28;
  const body = panels.map((p, i) =>
    renderPanel(
      p,
      (i % opts.columns) * opts.panelWidth,
      Math.floor(i / opts.columns) * opts.panelHeight,
      opts.panelWidth,
      opts.panelHeight,
    ),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    ...body,
    `<text x="8" y="${h - 10}" font-size="11" fill="#555" ${FONT}>${escapeXml(opts.caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
