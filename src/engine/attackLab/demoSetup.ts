/**
 * The editor's "Try on a Demo Model" job: makes, in a new folder, what a first cleanse needs and
 * the user does not have yet: a small classifier with a BadNets backdoor (target class 0), a
 * folder of unlabeled images to cleanse it with, a labeled folder (one subfolder per class) and
 * the trigger spec to measure ACC and ASR. Synthetic 28x28 images, as `bcu demo --quick`.
 * The folder must not exist; it is removed again when the job fails or is cancelled.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { DemoSetupParams, DemoSetupResult, EngineEventSink } from '../../shared/protocol';
import type { BackendInfo } from '../../shared/report';
import { runAttack } from './attack';
import { writeIdx } from '../data/idxWriter';
import { SYNTHETIC_SHAPE, syntheticImages } from '../data/synthetic';
import { InputError, throwIfAborted } from '../errors';

/** About a minute on two WASM threads: enough for a backdoor that a cleanse visibly removes. */
export const DEMO_SETUP_SIZES = { train: 3000, attackEpochs: 2, unlabeled: 1000, test: 500 };
export const DEMO_TRIGGER = { type: 'badnets', target: 0, size: 3, position: 'bottom-right' } as const;

/** One 28x28 grey image as PNG bytes. */
function pngOf(pixels: Uint8Array, offset: number): Buffer {
  const { height, width } = SYNTHETIC_SHAPE;
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(pixels.subarray(offset, offset + height * width));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

async function writePngs(dir: string, count: number, seed: number, labeled: boolean, signal?: AbortSignal): Promise<void> {
  const { pixels, labels } = syntheticImages(count, seed);
  const size = SYNTHETIC_SHAPE.height * SYNTHETIC_SHAPE.width;
  for (let i = 0; i < count; i++) {
    if (i % 200 === 0) throwIfAborted(signal);
    const folder = labeled ? path.join(dir, String(labels[i])) : dir;
    if (i < 10 || labeled) await fs.mkdir(folder, { recursive: true });
    await fs.writeFile(path.join(folder, `img${String(i).padStart(5, '0')}.png`), pngOf(pixels, i * size));
  }
}

export async function runDemoSetup(params: DemoSetupParams, backend: BackendInfo, sink: EngineEventSink, signal?: AbortSignal): Promise<DemoSetupResult> {
  const t0 = Date.now();
  const root = path.resolve(params.out);
  if (existsSync(root)) throw new InputError(`${root} already exists: the demo makes a new folder and never writes into one of yours; choose another name`, root);
  const sizes = { ...DEMO_SETUP_SIZES, ...params.sizes };
  await fs.mkdir(root, { recursive: true });
  try {
    const log = (message: string) => sink({ type: 'log', level: 'info', message });
    log(`demo: writing ${sizes.train} labeled training images, ${sizes.unlabeled} unlabeled and ${sizes.test} labeled test images into ${root}`);
    const { height, width } = SYNTHETIC_SHAPE;
    const training = path.join(root, 'attack-training');
    await fs.mkdir(training);
    const train = syntheticImages(sizes.train, 1);
    await writeIdx(path.join(training, 'train-images-idx3-ubyte'), [sizes.train, height, width], train.pixels);
    await writeIdx(path.join(training, 'train-labels-idx1-ubyte'), [sizes.train], new Uint8Array(train.labels));
    const unlabeled = path.join(root, 'unlabeled');
    await writePngs(unlabeled, sizes.unlabeled, 3, false, signal);
    const labeled = path.join(root, 'labeled');
    await writePngs(labeled, sizes.test, 2, true, signal);
    const trigger = path.join(root, 'badnets.json');
    await fs.writeFile(trigger, JSON.stringify(DEMO_TRIGGER, null, 2) + '\n');
    log('demo: training the backdoored model (BadNets, target class 0)');
    const attack = await runAttack(
      { data: path.join(training, 'train-images-idx3-ubyte'), trigger, out: path.join(root, 'backdoored'), arch: 'small-cnn', epochs: sizes.attackEpochs, batch: 32, lr: 0.02, evalData: labeled },
      backend,
      sink,
      signal,
    );
    return { type: 'result', folder: root, model: attack.model, data: unlabeled, evalData: labeled, trigger, acc: attack.acc, asr: attack.asr, seconds: (Date.now() - t0) / 1000 };
  } catch (error) {
    // Ours alone (it did not exist before): nothing half-made is left behind.
    await fs.rm(root, { recursive: true, force: true });
    throw error;
  }
}
