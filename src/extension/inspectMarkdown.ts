/** The `inspect` result as a markdown document: the model's shape and its layers with the default schedule. Pure. */
import type { InspectResult } from '../shared/protocol';
import { count } from './annotations/format';

const shape = (dims: (number | null)[]) => `[${dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;

export function inspectMarkdown(result: InspectResult): string {
  const lines = [
    `# Layers of ${result.model}`,
    '',
    `Input ${shape(result.inputShape)}, ${result.classes} classes, ${count(result.params)} parameters.`,
    '',
    'The re-initialization ratio is what a cleanse with the default schedule applies to each layer.',
    '',
    '| # | layer | kind | parameters | output | group | re-init ratio |',
    '|---:|---|---|---:|---|---|---:|',
    ...result.layers.map((l, i) => `| ${i} | \`${l.name}\` | ${l.kind} | ${count(l.params)} | ${shape(l.outputShape)} | ${l.group} | ${l.ratio.toFixed(3)} |`),
    '',
  ];
  return lines.join('\n');
}
