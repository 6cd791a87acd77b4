// SPDX-License-Identifier: MIT
// bench/threads.svg: the threads table's ratios as grouped bars, in plain SVG (no
// dependency). One group per workload (LeNet-5 / ResNet-20, training / inference); bars:
// simdcnn 2 threads ÷ 1 thread, ÷ PyTorch 2 threads, ÷ onnxruntime-web 2 threads, each
// labelled with its value; a dashed mark over a bar is the issue's target for it, and the
// grey line at ×1 is parity. bench/run.mjs writes it next to RESULTS.md, which links it.
import { THREAD_TARGETS, threadRatios } from './threads-report.mjs';

const SERIES = [
  { key: 'speedup', label: '÷ simdcnn 1 thread', color: '#0072B2' },
  { key: 'vsTorch', label: '÷ PyTorch 2 threads', color: '#E69F00' },
  { key: 'vsOrt', label: '÷ onnxruntime-web 2 threads', color: '#009E73' },
];

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A tick step of 1, 2 or 5 × 10^k giving about `count` ticks up to `max`. */
function tickStep(max, count = 6) {
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw);
}

/** The chart as an SVG document; `subtitle` names the run (date, machine). */
export function threadsChart(threads, subtitle = '') {
  const rows = threadRatios(threads);
  const W = 920;
  const H = 500;
  const left = 72;
  const right = 24;
  const top = 96;
  const bottom = 64;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const values = rows.flatMap((r) => SERIES.map((s) => r[s.key])).filter((v) => typeof v === 'number' && Number.isFinite(v));
  const step = tickStep(Math.max(2, ...values, ...THREAD_TARGETS.map((t) => t.factor)) * 1.12);
  const yMax = Math.ceil((Math.max(2, ...values, ...THREAD_TARGETS.map((t) => t.factor)) * 1.12) / step) * step;
  const y = (v) => top + plotH - (v / yMax) * plotH;
  const groupW = plotW / rows.length;
  const barW = Math.min(64, (groupW * 0.78) / SERIES.length);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push('<title>simdcnn thread ratios: 2 threads ÷ 1 thread, ÷ PyTorch 2 threads, ÷ onnxruntime-web 2 threads</title>');
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="17" font-weight="bold">simdcnn at 2 threads: speed-up over 1 thread and over the rivals at 2 threads</text>`);
  if (subtitle) out.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${escape(subtitle)}</text>`);
  // Legend, centred (text widths estimated at 7 px a character).
  const items = [...SERIES.map((s) => ({ ...s, width: 20 + s.label.length * 6.6 })), { label: "issue 8's target", width: 30 + 16 * 6.6 }];
  const prefix = 'simdcnn 2 threads:';
  const prefixWidth = prefix.length * 7.5 + 10;
  let lx = (W - items.reduce((sum, it) => sum + it.width + 24, prefixWidth - 24)) / 2 + prefixWidth;
  out.push(`<text x="${(lx - 10).toFixed(1)}" y="70" text-anchor="end" font-weight="bold">${prefix}</text>`);
  for (const it of items) {
    out.push(it.color
      ? `<rect x="${lx.toFixed(1)}" y="58" width="14" height="14" fill="${it.color}"/><text x="${(lx + 20).toFixed(1)}" y="70">${escape(it.label)}</text>`
      : `<line x1="${lx.toFixed(1)}" y1="65" x2="${(lx + 24).toFixed(1)}" y2="65" stroke="#000" stroke-width="2" stroke-dasharray="5,3"/><text x="${(lx + 30).toFixed(1)}" y="70">${escape(it.label)}</text>`);
    lx += it.width + 24;
  }
  // Axes, grid, ticks.
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${left}" y1="${yy}" x2="${W - right}" y2="${yy}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">×${Number(v.toFixed(2))}</text>`);
  }
  out.push(`<line x1="${left}" y1="${y(1).toFixed(1)}" x2="${W - right}" y2="${y(1).toFixed(1)}" stroke="#888" stroke-width="1.5"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/><line x1="${left}" y1="${top + plotH}" x2="${W - right}" y2="${top + plotH}" stroke="#333"/>`);
  out.push(`<text transform="translate(20 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">ratio of images/s, same run (grey line: ×1, parity)</text>`);
  out.push(`<text x="${left + plotW / 2}" y="${H - 12}" text-anchor="middle">workload (training at batch 64, inference at batch 256)</text>`);
  // Bars.
  rows.forEach((r, g) => {
    const x0 = left + g * groupW + (groupW - barW * SERIES.length) / 2;
    out.push(`<text x="${(left + (g + 0.5) * groupW).toFixed(1)}" y="${top + plotH + 22}" text-anchor="middle" font-weight="bold">${escape(r.short)}</text>`);
    SERIES.forEach((s, i) => {
      const x = x0 + i * barW;
      const v = r[s.key];
      const cx = (x + barW / 2).toFixed(1);
      const t = THREAD_TARGETS.find((tt) => tt.short === r.short && tt.key === s.key);
      const mark = () => {
        if (!t) return;
        const ty = y(t.factor).toFixed(1);
        out.push(`<line x1="${(x - 2).toFixed(1)}" y1="${ty}" x2="${(x + barW + 2).toFixed(1)}" y2="${ty}" stroke="#000" stroke-width="2" stroke-dasharray="5,3"><title>${escape(`target ×${t.factor}`)}</title></line>`);
      };
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        mark();
        out.push(`<text x="${cx}" y="${top + plotH - 6}" text-anchor="middle" fill="#777" font-size="11">n/a</text>`);
        return;
      }
      const vv = Math.min(v, yMax);
      out.push(`<rect x="${(x + 2).toFixed(1)}" y="${y(vv).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(top + plotH - y(vv)).toFixed(1)}" fill="${s.color}"><title>${escape(`${r.short}: ${s.label} = ×${v.toFixed(2)}`)}</title></rect>`);
      mark();
      // A white halo keeps the value readable where a target mark crosses it.
      out.push(`<text x="${cx}" y="${(y(vv) - 5).toFixed(1)}" text-anchor="middle" font-size="12" stroke="#fff" stroke-width="3" paint-order="stroke">×${v.toFixed(2)}</text>`);
    });
  });
  out.push('</svg>', '');
  return out.join('\n');
}
