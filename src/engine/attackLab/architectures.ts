/**
 * Architecture presets for the attack lab and the tests: the kinds of networks users cleanse.
 * All take NHWC images of 28-32 px and end in Dense(classes, softmax), as Keras models usually do;
 * the engine reads logits through logits.ts when it needs them.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import { Rng } from '../random';

export const ARCHITECTURES = ['small-cnn', 'resnet', 'resnet-tiny', 'resnet20', 'resnet18', 'vgg'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

export interface ArchitectureOptions {
  inputShape: [number, number, number];
  classes: number;
  seed: number;
}

export function buildArchitecture(name: string, options: ArchitectureOptions): tf.LayersModel {
  const rng = new Rng(options.seed);
  switch (name) {
    case 'small-cnn':
      return smallCnn(options, rng);
    case 'resnet':
      return preActResNet(options, rng, [16, 32, 64], 1, 'resnet');
    case 'resnet-tiny':
      return preActResNet(options, rng, [8, 16, 32], 1, 'resnet_tiny');
    case 'resnet20':
      return preActResNet(options, rng, [16, 32, 64], 3, 'resnet20');
    case 'resnet18':
      return preActResNet(options, rng, [64, 128, 256, 512], 2, 'resnet18');
    case 'vgg':
      return vggBn(options, rng);
    default:
      throw new InputError(`--arch ${name}: unknown architecture; choose one of ${ARCHITECTURES.join(', ')}`);
  }
}

const he = (rng: Rng) => tf.initializers.heNormal({ seed: rng.seed() });
const glorot = (rng: Rng) => tf.initializers.glorotUniform({ seed: rng.seed() });

/** conv3x3 32 valid + ReLU, conv3x3 64 valid + ReLU, max-pool 2, dense 128 + ReLU, dense classes. */
function smallCnn({ inputShape, classes }: ArchitectureOptions, rng: Rng): tf.LayersModel {
  return tf.sequential({
    name: 'small_cnn',
    layers: [
      tf.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: 'relu', name: 'conv1', kernelInitializer: he(rng) }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2', kernelInitializer: he(rng) }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 128, activation: 'relu', name: 'fc1', kernelInitializer: he(rng) }),
      tf.layers.dense({ units: classes, activation: 'softmax', name: 'classifier', kernelInitializer: glorot(rng) }),
    ],
  });
}

/**
 * Pre-activation ResNet (He et al. 2016, "Identity mappings"): 3x3 stem, stages of basic blocks
 * (BN-ReLU-conv x2 with an identity or 1x1 projection shortcut), global average pool, classifier.
 * 'resnet' ([16,32,64] x 1 block, ResNet-8) is the compact default that trains in minutes on two
 * cores; 'resnet-tiny' ([8,16,32] x 1) is the same network at half the width, for the defense
 * benchmark's many runs (same BN, shortcuts and stages, so every defense applies); 'resnet20'
 * ([16,32,64] x 3) is He et al.'s CIFAR ResNet-20; 'resnet18' ([64..512] x 2) is PreAct-ResNet-18
 * as BackdoorBench uses it.
 */
function preActResNet(
  { inputShape, classes }: ArchitectureOptions,
  rng: Rng,
  widths: number[],
  blocksPerStage: number,
  name: string,
): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = tf.layers
    .conv2d({ filters: widths[0], kernelSize: 3, padding: 'same', useBias: false, name: 'stem_conv', kernelInitializer: he(rng) })
    .apply(input) as tf.SymbolicTensor;
  let channels = widths[0];
  widths.forEach((width, s) => {
    for (let b = 0; b < blocksPerStage; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const prefix = `stage${s + 1}_block${b + 1}`;
      const pre = tf.layers.reLU({ name: `${prefix}_relu1` }).apply(
        tf.layers.batchNormalization({ name: `${prefix}_bn1` }).apply(x),
      ) as tf.SymbolicTensor;
      const shortcut =
        stride !== 1 || channels !== width
          ? (tf.layers
              .conv2d({ filters: width, kernelSize: 1, strides: stride, useBias: false, name: `${prefix}_shortcut`, kernelInitializer: he(rng) })
              .apply(pre) as tf.SymbolicTensor)
          : x;
      let y = tf.layers
        .conv2d({ filters: width, kernelSize: 3, strides: stride, padding: 'same', useBias: false, name: `${prefix}_conv1`, kernelInitializer: he(rng) })
        .apply(pre) as tf.SymbolicTensor;
      y = tf.layers.reLU({ name: `${prefix}_relu2` }).apply(
        tf.layers.batchNormalization({ name: `${prefix}_bn2` }).apply(y),
      ) as tf.SymbolicTensor;
      y = tf.layers
        .conv2d({ filters: width, kernelSize: 3, padding: 'same', useBias: false, name: `${prefix}_conv2`, kernelInitializer: he(rng) })
        .apply(y) as tf.SymbolicTensor;
      x = tf.layers.add({ name: `${prefix}_add` }).apply([y, shortcut]) as tf.SymbolicTensor;
      channels = width;
    }
  });
  x = tf.layers.reLU({ name: 'final_relu' }).apply(tf.layers.batchNormalization({ name: 'final_bn' }).apply(x)) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: classes, activation: 'softmax', name: 'classifier', kernelInitializer: glorot(rng) })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name });
}

/** VGG-style with BatchNorm: [32,32,M,64,64,M,128,128,M], global average pool, dense 128, classifier. */
function vggBn({ inputShape, classes }: ArchitectureOptions, rng: Rng): tf.LayersModel {
  const layers: tf.layers.Layer[] = [];
  const plan: (number | 'M')[] = [32, 32, 'M', 64, 64, 'M', 128, 128, 'M'];
  let i = 0;
  for (const item of plan) {
    if (item === 'M') {
      layers.push(tf.layers.maxPooling2d({ poolSize: 2, name: `pool${layers.length}` }));
      continue;
    }
    i++;
    layers.push(
      tf.layers.conv2d({
        ...(layers.length === 0 ? { inputShape } : {}),
        filters: item, kernelSize: 3, padding: 'same', useBias: false, name: `conv${i}`, kernelInitializer: he(rng),
      }),
      tf.layers.batchNormalization({ name: `bn${i}` }),
      tf.layers.reLU({ name: `relu${i}` }),
    );
  }
  layers.push(
    tf.layers.globalAveragePooling2d({ name: 'gap' }),
    tf.layers.dense({ units: 128, activation: 'relu', name: 'fc1', kernelInitializer: he(rng) }),
    tf.layers.dense({ units: classes, activation: 'softmax', name: 'classifier', kernelInitializer: glorot(rng) }),
  );
  return tf.sequential({ name: 'vgg_bn', layers });
}
