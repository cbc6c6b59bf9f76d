/** Terminal rendering of an explanation. Pure: model in, text out. */
import pc from 'picocolors';
import type { Explanation } from './explain.js';

const WIDTH = 100;

export function renderExplanation(model: Explanation, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const t = model.target;
  const r = model.resource;
  const lines: string[] = [];
  lines.push(
    c.bold(`watchmark explain ${r.name}`) + ` (${r.apiVersion} ${r.kind}) — ${t.description}${t.serverVersion ? `, server ${t.serverVersion}` : ''}`,
  );
  lines.push(c.dim(`probe: ${r.namespace ? `namespace ${r.namespace}` : r.namespaced ? 'all namespaces' : 'cluster-scoped'}, waited up to ${model.probe.timeoutMs / 1000} s; class ${model.classification}`));
  lines.push('');
  const paint = model.outcome === 'syncs' ? c.green : model.outcome === 'syncs-via-fallback' ? c.yellow : model.outcome === 'hangs' ? c.red : c.dim;
  lines.push(paint(c.bold(model.headline)));

  lines.push('', c.bold('What a client-go v0.35+ reflector does here'));
  model.steps.forEach((step, index) => {
    const number = `${index + 1}. `;
    lines.push(hang(wrap(step.text, WIDTH - 2 - number.length), `  ${number}`, ' '.repeat(2 + number.length)));
    for (const verbatim of step.verbatim ?? []) lines.push(`${' '.repeat(2 + number.length + 2)}${verbatim}`);
  });

  if (model.rootCause) {
    lines.push('', c.bold('Root cause'));
    lines.push(hang(wrap(model.rootCause, WIDTH - 2), '  ', '  '));
  }
  if (model.fixes.length > 0) {
    lines.push('', c.bold(model.outcome === 'hangs' ? 'Fixes' : 'Optional'));
    model.fixes.forEach((fix, index) => {
      const number = `${index + 1}. `;
      lines.push(hang(wrap(fix.title, WIDTH - 2 - number.length), `  ${number}`, ' '.repeat(2 + number.length)));
      lines.push(hang(wrap(fix.detail, WIDTH - 2 - number.length), ' '.repeat(2 + number.length), ' '.repeat(2 + number.length)));
    });
  }
  lines.push('');
  return lines.join('\n') + '\n';
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function hang(lines: string[], first: string, rest: string): string {
  return lines.map((l, i) => (i === 0 ? first : rest) + l).join('\n');
}
