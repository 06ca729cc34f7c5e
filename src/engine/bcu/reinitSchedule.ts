/**
 * Which layers BCU re-initializes, and with what probability: the depth schedule.
 *
 * The reference (luluppang/BCU) names ResNet-18's stages (stem 0.01, layer1 0.01, layer2 0.03,
 * layer3 0.09, layer4 0.27, fc 0.10). To extend that to any Sequential or functional CNN we group
 * weighted layers by depth the way ResNet stages are defined, by resolution:
 *   - "stem": the first weighted layer;
 *   - "stage1".."stageN": convolutions grouped by output resolution (each halving starts a stage);
 *     hidden Dense layers after the convolutions form one more, deepest stage;
 *   - "classifier": the output layer.
 * Stage ratios grow geometrically with depth and end at `deepest`: stage k of N gets
 * deepest / factor^(N-k). On CIFAR ResNet-18 this gives exactly the reference's six numbers.
 * BatchNorm and every layer without a kernel get 0: their parameters and statistics are untouched.
 */
import * as tf from '@tensorflow/tfjs';
import type { InspectLayer } from '../../shared/protocol';
import { settingDefault } from '../../shared/settings';
import { InputError } from '../errors';

/** Layer classes whose kernels/biases BCU re-initializes. */
const WEIGHTED = new Set(['Conv1D', 'Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

export interface DepthSchedule {
  stem: number;
  /** Ratio of the deepest stage. */
  deepest: number;
  /** Each shallower stage gets the next one's ratio divided by this. */
  factor: number;
  classifier: number;
}

/** The reference's ratios (BCU's released run script), extended by depth: the settings table's defaults. */
export const REFERENCE_SCHEDULE: DepthSchedule = {
  stem: settingDefault('cleanse', 'ratioStem'),
  deepest: settingDefault('cleanse', 'ratioDeepest'),
  factor: settingDefault('cleanse', 'ratioFactor'),
  classifier: settingDefault('cleanse', 'ratioClassifier'),
};

/** One layer's place in the schedule: what `bcu inspect` reports (group 'none': never re-initialized). */
export type LayerPlan = InspectLayer;

export interface SchedulePlan {
  /** Group names in depth order, as `--ratios` lists them. */
  groups: string[];
  layers: LayerPlan[];
  /** Human-readable origin of the ratios, for the run record. */
  description: string;
}

export function isWeightedLayer(layer: tf.layers.Layer): boolean {
  return WEIGHTED.has(layer.getClassName()) && layer.trainableWeights.length > 0;
}

function outputShapeOf(layer: tf.layers.Layer): (number | null)[] {
  const shape = layer.outputShape;
  return (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
}

function paramCount(layer: tf.layers.Layer): number {
  return layer.weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** Groups the weighted layers by depth (see the file comment). */
export function depthGroups(model: tf.LayersModel): { groups: string[]; groupOf: Map<string, string> } {
  const weighted = model.layers.filter(isWeightedLayer);
  const groupOf = new Map<string, string>();
  if (weighted.length === 0) return { groups: [], groupOf };
  const inputHeight = (model.inputs[0].shape[1] ?? 1) as number;
  const classifier = weighted[weighted.length - 1];
  const middle = weighted.slice(1, weighted.length > 1 ? -1 : undefined).filter((l) => l !== classifier);
  // Resolution level of a spatial layer: how many halvings its output is below the input.
  const levelOf = (layer: tf.layers.Layer): number => {
    const shape = outputShapeOf(layer);
    if (shape.length < 4) return Number.POSITIVE_INFINITY; // Dense after the convolutions: deepest
    return Math.max(0, Math.round(Math.log2(inputHeight / ((shape[1] as number) || 1))));
  };
  const stem = weighted[0];
  const levels = [...new Set([stem, ...middle].map(levelOf))].sort((a, b) => a - b);
  groupOf.set(stem.name, 'stem');
  for (const layer of middle) groupOf.set(layer.name, `stage${levels.indexOf(levelOf(layer)) + 1}`);
  if (classifier !== stem) groupOf.set(classifier.name, 'classifier');
  const groups = ['stem', ...levels.map((_, i) => `stage${i + 1}`), ...(classifier !== stem ? ['classifier'] : [])];
  return { groups, groupOf };
}

/** Ratios for each group from a depth schedule. */
export function groupRatios(groups: string[], schedule: DepthSchedule): Record<string, number> {
  const stages = groups.filter((g) => g.startsWith('stage'));
  const ratios: Record<string, number> = {};
  for (const g of groups) {
    if (g === 'stem') ratios[g] = schedule.stem;
    else if (g === 'classifier') ratios[g] = schedule.classifier;
    else ratios[g] = schedule.deepest / Math.pow(schedule.factor, stages.length - Number(g.slice(5)));
  }
  return ratios;
}

/**
 * Parses `--ratios`: a per-depth list "0.01,0.01,0.03,0.09,0.27,0.10" (one value per group, in the
 * order `bcu inspect` prints them), or a JSON object keyed by group or layer name (layer names win).
 */
export function parseRatioOverrides(text: string | Record<string, number>, groups: string[]): Record<string, number> {
  const check = (key: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new InputError(`--ratios: ${key} must be a number in [0, 1], got ${JSON.stringify(value)}`);
    }
    return value;
  };
  if (typeof text === 'object') {
    return Object.fromEntries(Object.entries(text).map(([k, v]) => [k, check(k, v)]));
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new InputError(`--ratios: not valid JSON (${(err as Error).message})`);
    }
    return parseRatioOverrides(parsed as Record<string, number>, groups);
  }
  const values = trimmed.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (values.length !== groups.length) {
    throw new InputError(
      `--ratios: this model has ${groups.length} depth groups (${groups.join(', ')}) but ${values.length} values were given; ` +
        'give one value per group, or a JSON object like {"stage3":0.2,"conv2":0.5}. `bcu inspect --model <model.json>` lists them.',
    );
  }
  return Object.fromEntries(groups.map((g, i) => [g, check(g, Number(values[i]))]));
}

/** The full plan: every layer with its group and ratio (overrides by layer name, then by group). */
export function planSchedule(
  model: tf.LayersModel,
  schedule: DepthSchedule = REFERENCE_SCHEDULE,
  overrides?: string | Record<string, number>,
): SchedulePlan {
  const { groups, groupOf } = depthGroups(model);
  const byGroup = groupRatios(groups, schedule);
  const extra = overrides !== undefined ? parseRatioOverrides(overrides, groups) : {};
  const known = new Set([...groups, ...model.layers.map((l) => l.name)]);
  for (const key of Object.keys(extra)) {
    if (!known.has(key)) {
      throw new InputError(`--ratios: "${key}" is neither a depth group (${groups.join(', ')}) nor a layer of this model`);
    }
  }
  const layers = model.layers.map((layer): LayerPlan => {
    const group = groupOf.get(layer.name) ?? 'none';
    const base = group === 'none' ? 0 : (extra[group] ?? byGroup[group]);
    const ratio = group === 'none' ? 0 : (extra[layer.name] ?? base);
    return { name: layer.name, kind: layer.getClassName(), params: paramCount(layer), group, ratio, outputShape: outputShapeOf(layer) };
  });
  const description =
    `depth schedule stem ${schedule.stem}, deepest stage ${schedule.deepest} (x1/${schedule.factor} per shallower stage), classifier ${schedule.classifier}` +
    (Object.keys(extra).length ? `; overrides ${JSON.stringify(extra)}` : '');
  return { groups, layers, description };
}
