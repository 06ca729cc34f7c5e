/**
 * NaN or infinite weights make every prediction NaN: refuse such a model on load, naming the
 * weight, its layer and the shard file, instead of failing later with advice about the learning rate.
 */
import type * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { ShardPlan } from './shardFiles';
import { storedByteSize } from './weightSizes';

export function checkFiniteWeights(plan: ShardPlan, weightData: ArrayBuffer, modelJsonPath: string): void {
  let offset = 0;
  for (const spec of plan.weightSpecs) {
    const size = storedByteSize(spec) as number;
    // Quantized weights are integers (uint8, uint16) or float16, decoded by TF.js; float32 is what trains.
    if (spec.dtype === 'float32' && spec.quantization == null) {
      const values = new Float32Array(weightData, offset, size / 4);
      for (let i = 0; i < values.length; i++) {
        if (Number.isFinite(values[i])) continue;
        const parts = String(spec.name).split('/');
        const layer = parts.length >= 2 ? parts[parts.length - 2] : spec.name;
        throw new InputError(
          `${modelJsonPath}: weight ${spec.name} of layer "${layer}" holds ${values[i]} (value ${i + 1} of ${values.length}, in ` +
            `${shardAt(plan, offset)}); the model is damaged (saved from a training run that diverged?). Export it again from a good checkpoint.`,
          modelJsonPath,
        );
      }
    }
    offset += size;
  }
}

/** The shard file holding byte `offset` of the concatenated weights. */
function shardAt(plan: ShardPlan, offset: number): string {
  let start = 0;
  for (const shard of plan.shards) {
    if (offset < start + shard.bytes) return path.basename(shard.absolutePath);
    start += shard.bytes;
  }
  return 'the last weight shard';
}
