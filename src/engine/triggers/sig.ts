/**
 * SIG (Barni, Kallas & Tondi, 2019, "A New Backdoor Attack in CNNs by Training Set Corruption
 * Without Label Poisoning"): a horizontal sinusoid added to every row, BackdoorBench's form
 * x + delta*sin(2*pi*j*f/W) over columns j, clipped to 0..255.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types';
import type { SigSpec } from './types';

export interface PreparedSig {
  type: 'sig';
  spec: SigSpec;
  shape: ImageShape;
  /** The signal per column (W values), the same for every row and channel. */
  signal: Float32Array;
}

export function sigSignal(width: number, delta: number, freq: number): Float32Array {
  const signal = new Float32Array(width);
  for (let j = 0; j < width; j++) signal[j] = delta * Math.sin((2 * Math.PI * j * freq) / width);
  return signal;
}

export function prepareSig(spec: SigSpec, shape: ImageShape): PreparedSig {
  return { type: 'sig', spec, shape, signal: sigSignal(shape.width, spec.delta, spec.freq) };
}

export function applySig(x: tf.Tensor4D, prepared: PreparedSig): tf.Tensor4D {
  return tf.tidy(() => {
    const signal = tf.tensor4d(prepared.signal, [1, 1, prepared.shape.width, 1]);
    return x.add(signal).clipByValue(0, 255) as tf.Tensor4D;
  });
}
