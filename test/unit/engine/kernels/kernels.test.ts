/**
 * Every kernel we register, compared with the CPU backend's shipped kernel on the same inputs.
 * Error measure: max|ours - reference| / max(1, max|reference|) <= 1e-4.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { relativeError } from '../../../fixtures/relativeError';
import { initBackend } from '../../../../src/engine/backend';
import { trainingKernelNames } from '../../../../src/engine/kernels/register';
import { cheaperSwapped } from '../../../../src/engine/kernels/batchMatMulTransposed';
import { runShippedKernel, shippedKernel } from '../../../../src/engine/kernels/shippedKernels';

const TOLERANCE = 1e-4;

type Inputs = Record<string, { shape: number[]; values: Float32Array }>;

/** Deterministic values in [-1, 1) (mulberry32), so both backends see the same numbers. */
function randomValues(size: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  }
  return out;
}

function makeInputs(shapes: Record<string, number[]>, seed: number): Inputs {
  const inputs: Inputs = {};
  let s = seed;
  for (const [name, shape] of Object.entries(shapes)) {
    inputs[name] = { shape, values: randomValues(shape.reduce((p, d) => p * d, 1), s++) };
  }
  return inputs;
}

/** Runs `kernelName` on `backendName`: the registered kernel, or the shipped one when `shipped`. */
async function runOn(backendName: string, kernelName: string, inputs: Inputs, attrs: tf.NamedAttrMap, shipped: boolean) {
  await tf.setBackend(backendName);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { shape, values }] of Object.entries(inputs)) tensors[name] = tf.tensor(values, shape);
  const out = shipped
    ? runShippedKernel(kernelName, tensors, attrs)
    : (tf.engine().runKernel(kernelName, tensors, attrs) as tf.Tensor);
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}


async function expectMatchesCpu(backendName: string, kernelName: string, inputs: Inputs, attrs: tf.NamedAttrMap) {
  const reference = await runOn('cpu', kernelName, inputs, attrs, true);
  const ours = await runOn(backendName, kernelName, inputs, attrs, false);
  assert.deepStrictEqual(ours.shape, reference.shape, `${kernelName} shape`);
  const err = relativeError(ours.values, reference.values);
  assert.ok(err <= TOLERANCE, `${kernelName} ${JSON.stringify(attrs)}: relative error ${err.toExponential(2)}`);
  assert.ok(ours.values.every(Number.isFinite), `${kernelName}: non-finite values`);
}

interface ConvCase {
  batch: number; height: number; width: number; inChannels: number; outChannels: number;
  filter: number; stride: number | [number, number]; pad: 'same' | 'valid' | number;
}

function conv2dOutSize(c: ConvCase): [number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    [c.batch, c.height, c.width, c.inChannels], [c.filter, c.filter, c.inChannels, c.outChannels], c.stride, 1, c.pad);
  return [info.outHeight, info.outWidth];
}

/** Shapes x filters x strides x paddings; small enough for the CPU reference to stay fast. */
function convCases(): ConvCase[] {
  const shapes = [
    { batch: 1, height: 7, width: 7, inChannels: 3, outChannels: 4 },
    { batch: 3, height: 8, width: 6, inChannels: 8, outChannels: 5 },
    { batch: 2, height: 9, width: 10, inChannels: 1, outChannels: 16 },
  ];
  const cases: ConvCase[] = [];
  for (const shape of shapes) {
    for (const filter of [1, 3]) {
      for (const stride of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) cases.push({ ...shape, filter, stride, pad });
      }
    }
  }
  // Odd ones: 5x5, unequal strides, numeric padding, stride larger than the filter.
  cases.push({ batch: 2, height: 11, width: 9, inChannels: 4, outChannels: 6, filter: 5, stride: 2, pad: 'same' });
  cases.push({ batch: 2, height: 10, width: 9, inChannels: 3, outChannels: 4, filter: 3, stride: [2, 1], pad: 'valid' });
  cases.push({ batch: 1, height: 8, width: 8, inChannels: 3, outChannels: 2, filter: 3, stride: 1, pad: 1 });
  cases.push({ batch: 2, height: 9, width: 9, inChannels: 2, outChannels: 3, filter: 1, stride: 3, pad: 'same' });
  // Sub-pixel edge cases: filter smaller than the stride, even filter, padding wider than the
  // filter (the plan crops dy), stride 3 with 5x5.
  cases.push({ batch: 2, height: 13, width: 10, inChannels: 3, outChannels: 4, filter: 3, stride: 4, pad: 'same' });
  cases.push({ batch: 2, height: 8, width: 9, inChannels: 3, outChannels: 5, filter: 2, stride: 2, pad: 'valid' });
  cases.push({ batch: 1, height: 7, width: 6, inChannels: 2, outChannels: 3, filter: 3, stride: 1, pad: 3 });
  cases.push({ batch: 1, height: 9, width: 9, inChannels: 2, outChannels: 3, filter: 3, stride: 2, pad: 2 });
  cases.push({ batch: 2, height: 14, width: 13, inChannels: 3, outChannels: 4, filter: 5, stride: 3, pad: 'valid' });
  return cases;
}

function describeCase(c: ConvCase): string {
  return `x[${c.batch},${c.height},${c.width},${c.inChannels}] f${c.filter}x${c.filter}->${c.outChannels} s${c.stride} ${c.pad}`;
}

describe('training kernels match the CPU backend (max|a-b| / max(1, max|ref|) <= 1e-4)', function () {
  this.timeout(60_000);

  before(async () => {
    await initBackend('wasm'); // registers the wasm kernels
    await initBackend('cpu'); // registers the cpu Conv2DBackpropFilter replacement
  });

  it('registers the kernels it promises on each backend (replacing the shipped ones)', () => {
    for (const backendName of ['wasm', 'cpu'] as const) {
      for (const name of trainingKernelNames(backendName)) {
        const registered = tf.getKernel(name, backendName);
        assert.ok(registered, `${name} on ${backendName}`);
        let shipped: tf.KernelFunc | null = null;
        try {
          shipped = shippedKernel(name, backendName);
        } catch {
          // the backend ships none: ours is an addition
        }
        assert.notStrictEqual(registered.kernelFunc, shipped, `${name} on ${backendName} is still the shipped kernel`);
      }
    }
  });

  for (const backendName of ['wasm', 'cpu']) {
    describe(`Conv2DBackpropFilter on ${backendName} (dilated-convolution construction)`, () => {
      convCases().forEach((c, i) => {
        it(describeCase(c), async () => {
          const [ho, wo] = conv2dOutSize(c);
          const inputs = makeInputs({ x: [c.batch, c.height, c.width, c.inChannels], dy: [c.batch, ho, wo, c.outChannels] }, 100 + i);
          await expectMatchesCpu(backendName, 'Conv2DBackpropFilter', inputs, {
            strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.filter, c.filter, c.inChannels, c.outChannels],
          });
        });
      });
    });
  }

  describe('Conv2DBackpropInput on wasm (as a Conv2D of the spread gradient)', () => {
    convCases().forEach((c, i) => {
      it(describeCase(c), async () => {
        const [ho, wo] = conv2dOutSize(c);
        const inputs = makeInputs({ dy: [c.batch, ho, wo, c.outChannels], filter: [c.filter, c.filter, c.inChannels, c.outChannels] }, 200 + i);
        await expectMatchesCpu('wasm', 'Conv2DBackpropInput', inputs, {
          strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.batch, c.height, c.width, c.inChannels],
        });
      });
    });
  });

  describe('depthwise gradients on wasm', () => {
    const cases: Array<ConvCase & { multiplier: number }> = [];
    for (const multiplier of [1, 2]) {
      for (const filter of [1, 3]) {
        for (const stride of [1, 2]) {
          for (const pad of ['same', 'valid'] as const) {
            cases.push({ batch: 2, height: 9, width: 8, inChannels: 5, outChannels: 5 * multiplier, filter, stride, pad, multiplier });
          }
        }
      }
    }
    cases.push({ batch: 4, height: 16, width: 16, inChannels: 32, outChannels: 32, filter: 3, stride: 2, pad: 'same', multiplier: 1 });
    cases.forEach((c, i) => {
      const filterShape = [c.filter, c.filter, c.inChannels, c.multiplier];
      const out = () => tf.backend_util.computeConv2DInfo(
        [c.batch, c.height, c.width, c.inChannels], filterShape as [number, number, number, number], c.stride, 1, c.pad, undefined, true);
      it(`DepthwiseConv2dNativeBackpropFilter ${describeCase(c)} x${c.multiplier}`, async () => {
        const info = out();
        const inputs = makeInputs({ x: [c.batch, c.height, c.width, c.inChannels], dy: [c.batch, info.outHeight, info.outWidth, c.outChannels] }, 300 + i);
        await expectMatchesCpu('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, {
          strides: c.stride, dilations: 1, pad: c.pad, filterShape,
        });
      });
      it(`DepthwiseConv2dNativeBackpropInput ${describeCase(c)} x${c.multiplier}`, async () => {
        const info = out();
        const inputs = makeInputs({ dy: [c.batch, info.outHeight, info.outWidth, c.outChannels], filter: filterShape }, 400 + i);
        await expectMatchesCpu('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, {
          strides: c.stride, dilations: 1, pad: c.pad, inputShape: [c.batch, c.height, c.width, c.inChannels],
        });
      });
    });
  });

  describe('BatchMatMul and _FusedMatMul with transposes on wasm', () => {
    const shapes: Array<{ a: number[]; b: number[] }> = [
      { a: [5, 7], b: [7, 3] },
      { a: [2, 5, 7], b: [2, 7, 3] },
      { a: [1, 33, 17], b: [3, 17, 9] }, // broadcast batch
      { a: [128, 64], b: [64, 10] },
      { a: [6, 8], b: [8, 200] }, // B far larger than A: computed as (B^T A^T)^T when a side is transposed
      { a: [2, 4, 8], b: [2, 8, 150] },
    ];
    const transpose = (shape: number[]) => [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];
    shapes.forEach(({ a, b }, i) => {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const shapeA = transposeA ? transpose(a) : a;
          const shapeB = transposeB ? transpose(b) : b;
          it(`BatchMatMul [${shapeA}]x[${shapeB}] tA=${transposeA} tB=${transposeB}`, async () => {
            await expectMatchesCpu('wasm', 'BatchMatMul', makeInputs({ a: shapeA, b: shapeB }, 500 + i), { transposeA, transposeB });
          });
        }
      }
    });
    it('swaps the operands only where packing B would cost more (the small CNN\'s dense gradients)', () => {
      const info = (shape: number[]): tf.TensorInfo => ({ dataId: {}, shape, dtype: 'float32' });
      // dx = dy W^T with W [9216, 128]: B is the weight matrix, swapped.
      assert.strictEqual(cheaperSwapped(info([128, 128]), info([9216, 128]), false, true), true);
      // dW = x^T dy with x [128, 9216]: B is dy [128, 128], direct.
      assert.strictEqual(cheaperSwapped(info([128, 9216]), info([128, 128]), true, false), false);
    });
    // Rank 3: tfjs-core reshapes to 3-D before calling _FusedMatMul, and WASM relies on it.
    // Batch 2 with a bias is the case WASM's own kernel gets wrong.
    for (const batch of [1, 2]) {
      for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const activation of ['linear', 'relu', 'leakyrelu']) {
          it(`_FusedMatMul batch ${batch} with bias and ${activation}, tA=${transposeA} tB=${transposeB}`, async () => {
            const shapeA = transposeA ? [batch, 12, 20] : [batch, 20, 12];
            const shapeB = transposeB ? [batch, 6, 12] : [batch, 12, 6];
            await expectMatchesCpu('wasm', '_FusedMatMul', makeInputs({ a: shapeA, b: shapeB, bias: [6] }, 600 + batch), {
              transposeA, transposeB, activation, leakyreluAlpha: 0.1,
            });
          });
        }
      }
    }
  });

  describe('MaxPoolGrad on wasm (one pass over the heap)', () => {
    const cases: Array<{ x: number[]; filterSize: number | [number, number]; strides: number | [number, number]; pad: 'same' | 'valid' }> = [
      { x: [2, 8, 8, 5], filterSize: 2, strides: 2, pad: 'valid' }, // the small CNN's pool
      { x: [2, 9, 7, 3], filterSize: 2, strides: 2, pad: 'valid' }, // odd sizes: last row/column unused
      { x: [1, 9, 9, 4], filterSize: 3, strides: 2, pad: 'same' }, // overlapping windows, padding
      { x: [2, 6, 7, 3], filterSize: 3, strides: 1, pad: 'same' },
      { x: [1, 8, 9, 2], filterSize: [2, 3], strides: [2, 1], pad: 'valid' },
      { x: [2, 9, 6, 3], filterSize: 3, strides: 3, pad: 'valid' }, // 3x3 windows tiling the input (general path)
      { x: [1, 6, 8, 3], filterSize: 2, strides: 2, pad: 'same' }, // 2x2 tiling path: 'same' pads nothing here
    ];
    cases.forEach((c, i) => {
      for (const ties of [false, true]) {
        it(`x[${c.x}] pool ${c.filterSize} s${c.strides} ${c.pad}${ties ? ' with ties (ReLU zeros, repeated values)' : ''}`, async () => {
          const info = tf.backend_util.computePool2DInfo(c.x as [number, number, number, number], c.filterSize, c.strides, 1, c.pad);
          const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
          const inputs = makeInputs({ input: c.x, dy: dyShape, output: dyShape }, 700 + i);
          // Ties: quantize and clamp at zero, so windows hold equal maxima (ReLU outputs do).
          if (ties) inputs.input.values = inputs.input.values.map((v) => Math.max(0, Math.round(v * 2) / 2));
          await expectMatchesCpu('wasm', 'MaxPoolGrad', inputs, { filterSize: c.filterSize, strides: c.strides, pad: c.pad });
        });
      }
    });
  });

  describe('Sum and Mean on wasm (leading axes without a transpose; others shipped)', () => {
    const cases: Array<{ shape: number[]; axis: number | number[]; keepDims: boolean }> = [
      { shape: [4, 6, 5, 7], axis: [0, 1, 2], keepDims: false }, // bias / BatchNorm gradient
      { shape: [4, 6, 5, 7], axis: [2, 0, 1], keepDims: true }, // unsorted, kept dims
      { shape: [300, 9], axis: 0, keepDims: false }, // dense bias gradient
      { shape: [3, 4, 5], axis: [-3, -2], keepDims: false }, // negative axes
      { shape: [7, 3, 5], axis: [0, 1], keepDims: false }, // 21 rows: the last one outside the four-row passes
      { shape: [3, 4, 5], axis: [1, 2], keepDims: false }, // trailing: shipped kernel
      { shape: [3, 4, 5], axis: [0, 2], keepDims: false }, // mixed: shipped kernel
      { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false }, // everything: shipped kernel
    ];
    cases.forEach((c, i) => {
      for (const kernelName of ['Sum', 'Mean']) {
        it(`${kernelName} [${c.shape}] axis ${JSON.stringify(c.axis)}${c.keepDims ? ' keepDims' : ''}`, async () => {
          await expectMatchesCpu('wasm', kernelName, makeInputs({ x: c.shape }, 800 + i), { axis: c.axis, keepDims: c.keepDims });
        });
      }
    });
    it('accumulates 200,000 rows without float32 drift', async () => {
      const rows = 200_000;
      const values = new Float32Array(rows * 2).map((_, j) => (j % 2 === 0 ? 0.1 : 1));
      await expectMatchesCpu('wasm', 'Sum', { x: { shape: [rows, 2], values } }, { axis: 0, keepDims: false });
      await tf.setBackend('wasm');
      const t = tf.tensor(values, [rows, 2]);
      const s = tf.sum(t, 0);
      const [a, b] = s.dataSync();
      tf.dispose([t, s]);
      assert.ok(Math.abs(a - 20_000) < 1e-2 && b === rows, `sums ${a}, ${b}`);
    });
  });

  it('Identity on wasm shares the data and frees it with the last reference', async () => {
    await tf.setBackend('wasm');
    const dataIdsBefore = tf.backend().numDataIds();
    const x = tf.tensor(randomValues(1000, 11), [10, 100]);
    const expected = x.dataSync().slice();
    const y = x.clone();
    assert.strictEqual(y.dataId, x.dataId, 'clone shares the data id');
    assert.strictEqual(tf.backend().numDataIds(), dataIdsBefore + 1);
    x.dispose();
    assert.deepStrictEqual(y.dataSync(), expected, 'the clone outlives its source');
    const grads = tf.grad((t: tf.Tensor) => tf.relu(t).square().sum())(y); // gradients save clones
    assert.deepStrictEqual(y.dataSync(), expected, 'training ops leave shared data untouched');
    tf.dispose([y, grads]);
    assert.strictEqual(tf.backend().numDataIds(), dataIdsBefore, 'freed with the last reference');
  });

  it('Cast on wasm shares the data when the dtype does not change, and converts when it does', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1.5, -2, 0, 3.25]);
    const same = tf.cast(x, 'float32');
    const ints = tf.cast(x, 'int32');
    assert.strictEqual(same.dataId, x.dataId);
    assert.notStrictEqual(ints.dataId, x.dataId);
    assert.deepStrictEqual(Array.from(ints.dataSync()), [1, -2, 0, 3]);
    x.dispose();
    assert.deepStrictEqual(Array.from(same.dataSync()), [1.5, -2, 0, 3.25]);
    tf.dispose([same, ints]);
  });

  it('leaves no tensors behind and frees all intermediates (wasm and cpu)', async () => {
    for (const backendName of ['wasm', 'cpu']) {
      await tf.setBackend(backendName);
      const x = tf.tensor(randomValues(2 * 9 * 9 * 4, 7), [2, 9, 9, 4]);
      const f = tf.tensor(randomValues(3 * 3 * 4 * 6, 8), [3, 3, 4, 6]);
      const d = tf.tensor(randomValues(3 * 3 * 4 * 2, 9), [3, 3, 4, 2]);
      const before = tf.memory();
      const backendDataBefore = tf.backend().numDataIds();
      const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
        tf.maxPool(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same'), 2, 2, 'valid').sum([0, 1, 2]).sum());
      const [gx, gf] = grads([x, f]);
      const dw = tf.grads((xx: tf.Tensor, dd: tf.Tensor) =>
        tf.depthwiseConv2d(xx as tf.Tensor4D, dd as tf.Tensor4D, 2, 'same').sum());
      const [gx2, gd] = backendName === 'wasm' ? dw([x, d]) : [tf.zeros([1]), tf.zeros([1])];
      tf.dispose([gx, gf, gx2, gd]);
      assert.strictEqual(tf.memory().numTensors, before.numTensors);
      assert.strictEqual(tf.backend().numDataIds(), backendDataBefore, `${backendName}: backend data ids`);
      tf.dispose([x, f, d]);
    }
  });
});
