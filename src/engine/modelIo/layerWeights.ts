/**
 * Checks that model.json's layers and its weights manifest agree, before TF.js builds anything.
 * TF.js allocates (and randomly initializes) every layer's weights from the topology first and
 * compares them with the manifest only afterwards, so a layer edited to 1,000,000 units would cost
 * gigabytes before failing. The sizes a layer's config states (units, filters, kernel size) are
 * compared here with the manifest's shapes. Sizes that follow from the previous layer's output
 * (a Dense layer's input width) are not inferred; those mismatches still reach TF.js.
 */
import type * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { InputError } from '../errors';

interface LayerJson {
  class_name?: unknown;
  config?: Record<string, unknown>;
}

/** Expected dimensions of one named weight: index -> size (negative index counts from the end). */
type Expectation = { weight: string; dims: [number, number][]; what: string };

export function checkLayerWeights(json: tf.io.ModelJSON, weightSpecs: readonly tf.io.WeightsManifestEntry[], modelJsonPath: string): void {
  const byLayer = new Map<string, tf.io.WeightsManifestEntry[]>();
  for (const spec of weightSpecs) {
    const parts = String(spec.name).split('/');
    if (parts.length < 2) continue;
    const layer = parts[parts.length - 2];
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), spec]);
  }
  for (const layer of layersOf(json.modelTopology)) {
    const className = String(layer.class_name);
    const config = layer.config ?? {};
    const name = typeof config.name === 'string' ? config.name : null;
    if (name === null) continue;
    const weights = byLayer.get(name) ?? [];
    // No weight named after the layer: the manifest names weights some other way; TF.js matches them itself.
    if (weights.length === 0) continue;
    const expectations = expectationsFor(className, config);
    if (expectations === null) continue;
    if (className === 'BatchNormalization') {
      checkSameLength(weights, name, modelJsonPath);
      continue;
    }
    for (const expectation of expectations) {
      const weight = weights.find((w) => String(w.name).endsWith(`/${expectation.weight}`));
      if (weight === undefined) {
        if (expectation.weight === 'bias') continue; // use_bias: false
        throw new InputError(
          `${modelJsonPath}: layer "${name}" (${className}, ${expectation.what}) has no "${expectation.weight}" weight in the ` +
            `weightsManifest; model.json and its weights do not belong together. Re-export the model.`,
          modelJsonPath,
        );
      }
      const shape = (weight.shape ?? []) as number[];
      for (const [index, size] of expectation.dims) {
        const at = index < 0 ? shape.length + index : index;
        if (at < 0 || at >= shape.length || shape[at] !== size) {
          throw new InputError(
            `${modelJsonPath}: layer "${name}" (${className}) declares ${expectation.what} but its weight ${weight.name} in ` +
              `the weightsManifest has shape [${shape.join(',')}]; model.json was edited or does not belong to these weights. ` +
              `Re-export the model (${path.basename(modelJsonPath)} and its .bin files together).`,
            modelJsonPath,
          );
        }
      }
    }
  }
}

/** Every layer of the topology, nested models included. */
function layersOf(topology: unknown): LayerJson[] {
  const found: LayerJson[] = [];
  const visit = (node: unknown) => {
    if (!isObject(node)) return;
    const inner = isObject(node.model_config) ? node.model_config : node;
    const config = inner.config;
    const layers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : null;
    if (layers === null) return;
    for (const layer of layers) {
      if (!isObject(layer)) continue;
      if (Array.isArray(layer.config) || (isObject(layer.config) && Array.isArray(layer.config.layers))) visit(layer);
      else found.push(layer as LayerJson);
    }
  };
  visit(topology);
  return found;
}

/** What a layer's config says about its weights' shapes; null for layers not checked here. */
function expectationsFor(className: string, config: Record<string, unknown>): Expectation[] | null {
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
  const kernelSize = (rank: number): number[] | null => {
    const k = config.kernel_size;
    const sizes = typeof k === 'number' ? new Array<number>(rank).fill(k) : Array.isArray(k) ? k : null;
    return sizes !== null && sizes.length === rank && sizes.every((d) => int(d) !== null) ? (sizes as number[]) : null;
  };
  const spatial = (sizes: number[] | null): [number, number][] => (sizes ?? []).map((d, i) => [i, d]);
  const describeKernel = (sizes: number[] | null) => (sizes ? `kernel size ${sizes.join('x')}, ` : '');
  switch (className) {
    case 'Dense': {
      const units = int(config.units);
      if (units === null) return null;
      const what = `${units} units`;
      return [
        { weight: 'kernel', dims: [[-1, units]], what },
        { weight: 'bias', dims: [[0, units]], what },
      ];
    }
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D': {
      const filters = int(config.filters);
      if (filters === null) return null;
      const sizes = kernelSize(Number(className.charAt(4)));
      const what = `${describeKernel(sizes)}${filters} filters`;
      return [
        { weight: 'kernel', dims: [...spatial(sizes), [-1, filters]], what },
        { weight: 'bias', dims: [[0, filters]], what },
      ];
    }
    case 'Conv2DTranspose': {
      const filters = int(config.filters);
      if (filters === null) return null;
      const sizes = kernelSize(2);
      const what = `${describeKernel(sizes)}${filters} filters`;
      return [
        { weight: 'kernel', dims: [...spatial(sizes), [2, filters]], what },
        { weight: 'bias', dims: [[0, filters]], what },
      ];
    }
    case 'DepthwiseConv2D': {
      const multiplier = int(config.depth_multiplier ?? 1);
      if (multiplier === null) return null;
      const sizes = kernelSize(2);
      return [{ weight: 'depthwise_kernel', dims: [...spatial(sizes), [-1, multiplier]], what: `${describeKernel(sizes)}depth multiplier ${multiplier}` }];
    }
    case 'SeparableConv2D': {
      const filters = int(config.filters);
      if (filters === null) return null;
      const what = `${filters} filters`;
      return [
        { weight: 'pointwise_kernel', dims: [[-1, filters]], what },
        { weight: 'bias', dims: [[0, filters]], what },
      ];
    }
    case 'Embedding': {
      const inputDim = int(config.input_dim);
      const outputDim = int(config.output_dim);
      if (inputDim === null || outputDim === null) return null;
      return [{ weight: 'embeddings', dims: [[0, inputDim], [1, outputDim]], what: `${inputDim}x${outputDim} embeddings` }];
    }
    case 'BatchNormalization':
      return [];
    default:
      return null;
  }
}

/** gamma, beta, moving mean and variance: one value per channel each. */
function checkSameLength(weights: tf.io.WeightsManifestEntry[], name: string, modelJsonPath: string): void {
  const lengths = new Set(weights.map((w) => JSON.stringify(w.shape)));
  if (lengths.size > 1) {
    throw new InputError(
      `${modelJsonPath}: the weights of BatchNormalization layer "${name}" disagree in shape ` +
        `(${weights.map((w) => `${w.name} [${(w.shape ?? []).join(',')}]`).join(', ')}); re-export the model.`,
      modelJsonPath,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
