/**
 * One parameterless ONNX node as a tfjs layer (pooling, activations, arithmetic with constants,
 * Flatten, Reshape...). Constant operands and attributes live in the config, so the TF.js copy of
 * an imported model saves and loads (inside Backdoor Cleanse, where this class is registered).
 * Rank-4 tensors flow NHWC between layers; ops without an NHWC form see them as NCHW.
 */
import * as tf from '@tensorflow/tfjs';
import type { Attrs } from './attributes';
import type { ConstTensor } from './constTensor';
import { ELEMENTWISE, NHWC_IMPL, ONNX_IMPL } from './onnxOps';

/** Operand slots in input order: null takes the next graph tensor, a ConstTensor is fixed. */
export type Operand = ConstTensor | null;

export interface OnnxOpConfig {
  op: string;
  attrs: Attrs;
  operands: Operand[];
  name?: string;
}

/**
 * tfjs snake_cases every string and key of a layer config on save ("MaxPool" -> "max_pool") except
 * a string under the key `name`: so the op travels as JSON in `onnx.name`.
 */
type SerializedConfig = tf.serialization.ConfigDict & { onnx: { name: string } };

function constToTensor(c: ConstTensor): tf.Tensor {
  return tf.tensor(c.data as Float32Array, c.dims, 'float32');
}

/** A constant broadcast against a rank-4 NHWC tensor: left-pad to rank 4, then NCHW -> NHWC. */
function alignToNhwc(t: tf.Tensor): tf.Tensor {
  if (t.rank > 4) throw new Error(`a rank-${t.rank} constant cannot broadcast against an image tensor`);
  const shape = [...new Array(4 - t.rank).fill(1), ...t.shape];
  return tf.transpose(tf.reshape(t, shape), [0, 2, 3, 1]);
}

export class OnnxOpLayer extends tf.layers.Layer {
  static className = 'OnnxOp';
  readonly op: string;
  readonly attrs: Attrs;
  readonly operands: Operand[];

  constructor(config: OnnxOpConfig) {
    super({ name: config.name, trainable: false });
    this.op = config.op;
    this.attrs = config.attrs;
    this.operands = config.operands.map((o) =>
      o == null ? null : { dims: o.dims, dtype: o.dtype, data: o.dtype === 'float' ? Float32Array.from(o.data as ArrayLike<number>) : Array.from(o.data as ArrayLike<number>) },
    );
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const xs = Array.isArray(inputs) ? inputs : [inputs];
    return tf.tidy(() => this.compute(xs));
  }

  private compute(xs: tf.Tensor[]): tf.Tensor {
    const imageLike = xs.some((x) => x.rank === 4);
    const native = NHWC_IMPL[this.op];
    const allImages = xs.every((x) => x.rank === 4);
    if (imageLike && native && (allImages || (ELEMENTWISE.has(this.op) && xs.length === 1))) {
      // NHWC as is: constants (elementwise operands, Concat inputs) follow the image layout.
      let next = 0;
      const args = this.operands.map((o) => (o == null ? xs[next++] : alignToNhwc(constToTensor(o))));
      return native(args, this.attrs);
    }
    // Mixed ranks or an op without an NHWC form: compute in ONNX layout, between two transposes.
    let next = 0;
    const args = this.operands.map((o) => {
      if (o != null) return constToTensor(o);
      const x = xs[next++];
      return x.rank === 4 ? tf.transpose(x, [0, 3, 1, 2]) : x;
    });
    const y = ONNX_IMPL[this.op](args, this.attrs);
    return y.rank === 4 ? tf.transpose(y, [0, 2, 3, 1]) : y;
  }

  /** Found by running the op once on zeros (batch 1): the shape logic cannot drift from the maths. */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = (Array.isArray(inputShape[0]) || inputShape.length === 0 ? inputShape : [inputShape]) as tf.Shape[];
    const batchFree = shapes.some((s) => s[0] == null);
    const out = tf.tidy(() => {
      const y = this.compute(shapes.map((s) => tf.zeros(s.map((d) => d ?? 1))));
      return y.shape.slice();
    });
    return batchFree && out.length > 0 ? [null, ...out.slice(1)] : out;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const operands = this.operands.map((o) => (o == null ? null : { dims: o.dims, dtype: o.dtype, data: Array.from(o.data as ArrayLike<number>) }));
    return { ...super.getConfig(), onnx: { name: JSON.stringify({ op: this.op, attrs: this.attrs, operands }) } };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const c = config as SerializedConfig;
    const { op, attrs, operands } = JSON.parse(c.onnx.name) as Omit<OnnxOpConfig, 'name'>;
    return new cls({ name: c.name as string, op, attrs, operands } as unknown as tf.serialization.ConfigDict);
  }
}

tf.serialization.registerClass(OnnxOpLayer);
