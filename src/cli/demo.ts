/**
 * `bcu demo`, the README's main job: with no files of the user's, backdoor a small model (BadNets,
 * target 0), cleanse it with BCU on held-out unlabeled images, and print before/after ACC, ASR, RA.
 * Uses Fashion-MNIST when Debian's dataset-fashion-mnist is installed, else synthetic images.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAttack } from '../engine/attackLab/attack';
import { initBackend } from '../engine/backend';
import { runCleanse } from '../engine/bcu/cleanse';
import { writeIdx } from '../engine/data/idxWriter';
import { SYNTHETIC_SHAPE, syntheticImages } from '../engine/data/synthetic';
import { InputError } from '../engine/errors';
import { outputFolderRefusal } from '../shared/outputFolderRule';
import type { BackendChoice, EngineEventSink } from '../shared/protocol';
import type { Metrics } from '../shared/report';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface DemoSizes {
  /** Labeled images the attack trains on, its epochs and batch. */
  train: number;
  attackEpochs: number;
  attackBatch: number;
  /** Unlabeled images the cleanse uses, its epochs and batch. */
  unlabeled: number;
  epochs: number;
  batch: number;
  /** Labeled test images for ACC / ASR / RA. */
  test: number;
}

const FASHION_SIZES: DemoSizes = { train: 8000, attackEpochs: 3, attackBatch: 64, unlabeled: 2000, epochs: 8, batch: 64, test: 2000 };
const SYNTHETIC_SIZES: DemoSizes = { train: 6000, attackEpochs: 3, attackBatch: 64, unlabeled: 2000, epochs: 8, batch: 64, test: 2000 };
/** `--quick` (and the end-to-end test): synthetic data, about a minute of compute. */
export const QUICK_SIZES: DemoSizes = { train: 3000, attackEpochs: 2, attackBatch: 32, unlabeled: 1000, epochs: 6, batch: 32, test: 1000 };

export interface DemoOptions {
  out?: string;
  quick: boolean;
  backend: BackendChoice;
  sizes?: Partial<DemoSizes>;
}

export interface DemoResult {
  type: 'result';
  dataset: 'fashion-mnist' | 'synthetic';
  before: Metrics | null;
  after: Metrics | null;
  attackedModel: string;
  cleansedModel: string;
  report: string;
  seconds: { attack: number; cleanse: number };
}

interface DemoData {
  name: DemoResult['dataset'];
  train: string;
  test: string;
  /** The unlabeled pool is the first `pool` training images; the attack trains on the rest. */
  pool: number;
}

async function demoData(dir: string, quick: boolean): Promise<DemoData> {
  const train = path.join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz');
  const test = path.join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz');
  if (!quick && existsSync(train) && existsSync(test)) return { name: 'fashion-mnist', train, test, pool: 10000 };
  const { height, width } = SYNTHETIC_SHAPE;
  const write = async (name: string, count: number, seed: number) => {
    const { pixels, labels } = syntheticImages(count, seed);
    await writeIdx(path.join(dir, `${name}-images-idx3-ubyte`), [count, height, width], pixels);
    await writeIdx(path.join(dir, `${name}-labels-idx1-ubyte`), [count], new Uint8Array(labels));
  };
  const trainCount = quick ? 4000 : 9000;
  await write('train', trainCount, 1);
  await write('t10k', quick ? 1000 : 2000, 2);
  return { name: 'synthetic', train: path.join(dir, 'train-images-idx3-ubyte'), test: path.join(dir, 't10k-images-idx3-ubyte'), pool: quick ? 1000 : 3000 };
}

/** What the demo writes into its --out; anything else there is the user's, so the demo refuses the folder. */
const DEMO_ENTRIES = new Set(['data', 'badnets.json', 'attacked', 'cleansed']);
const DEMO_TRIGGER_TEXT = JSON.stringify({ type: 'badnets', target: 0, size: 3, position: 'bottom-right' }, null, 2) + '\n';
const DEMO_DATA_FILES = new Set(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);

/** --out for the demo: a new or empty folder, or one an earlier demo wrote (the demo rewrites only its own files). */
async function checkDemoFolder(given: string): Promise<void> {
  const root = path.resolve(given);
  const real = await fs.realpath(root).catch(() => root);
  const home = (() => {
    try {
      return os.homedir() || null;
    } catch {
      return null;
    }
  })();
  const refusal = outputFolderRefusal({ given, resolved: real, cwd: await fs.realpath(process.cwd()).catch(() => process.cwd()), home, inputs: [] });
  if (refusal !== null) throw new InputError(refusal, root);
  const entries = await fs.readdir(root).catch(() => [] as string[]);
  const dataEntries = entries.includes('data') ? await fs.readdir(path.join(root, 'data')).catch(() => ['(not a folder)']) : [];
  const trigger = entries.includes('badnets.json') ? await fs.readFile(path.join(root, 'badnets.json'), 'utf8').catch(() => null) : DEMO_TRIGGER_TEXT;
  const foreign = [
    ...(trigger === DEMO_TRIGGER_TEXT ? [] : ['badnets.json']),
    ...entries.filter((e) => e !== 'badnets.json' && !DEMO_ENTRIES.has(e) && !/^\.(attacked|cleansed)\.(tmp|old)-/.test(e)),
    ...dataEntries.filter((e) => !DEMO_DATA_FILES.has(e)).map((e) => `data/${e}`),
  ];
  if (foreign.length > 0) {
    throw new InputError(
      `--out ${root} holds files the demo did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); ` +
        `the demo writes data/, badnets.json, attacked/ and cleansed/ there. Choose a new folder.`,
      root,
    );
  }
}

export async function runDemo(options: DemoOptions, sink: EngineEventSink, signal?: AbortSignal): Promise<DemoResult> {
  const backend = await initBackend(options.backend);
  sink({ type: 'backend', backend });
  if (options.out !== undefined) await checkDemoFolder(options.out);
  const root = options.out ? path.resolve(options.out) : await fs.mkdtemp(path.join(os.tmpdir(), 'bcu-demo-'));
  await fs.mkdir(root, { recursive: true });
  const dataDir = path.join(root, 'data');
  await fs.mkdir(dataDir, { recursive: true });
  const data = await demoData(dataDir, options.quick);
  const triggerPath = path.join(root, 'badnets.json');
  await fs.writeFile(triggerPath, DEMO_TRIGGER_TEXT);
  const sizes = { ...(options.quick ? QUICK_SIZES : data.name === 'fashion-mnist' ? FASHION_SIZES : SYNTHETIC_SIZES), ...options.sizes };
  sink({ type: 'log', level: 'info', message: `demo on ${data.name}: attack trains on ${sizes.train} labeled images, cleanse uses ${sizes.unlabeled} unlabeled held-out images; files in ${root}` });

  const attacked = path.join(root, 'attacked');
  const tAttack = Date.now();
  const attack = await runAttack(
    {
      data: data.train, trigger: triggerPath, out: attacked, arch: 'small-cnn', epochs: sizes.attackEpochs, batch: sizes.attackBatch,
      skip: data.pool, limit: sizes.train, evalData: data.test, evalLimit: sizes.test, force: true, lr: 0.02,
    },
    backend,
    sink,
    signal,
  );
  const attackSeconds = (Date.now() - tAttack) / 1000;

  const tCleanse = Date.now();
  const cleansed = await runCleanse(
    {
      model: attack.model, data: data.train, out: path.join(root, 'cleansed'), limit: sizes.unlabeled, epochs: sizes.epochs, batch: sizes.batch,
      evalData: data.test, trigger: triggerPath, evalLimit: sizes.test, force: true, seed: 0,
    },
    backend,
    sink,
    signal,
  );
  return {
    type: 'result',
    dataset: data.name,
    before: cleansed.before,
    after: cleansed.after,
    attackedModel: attack.model,
    cleansedModel: cleansed.model,
    report: cleansed.report,
    seconds: { attack: attackSeconds, cleanse: (Date.now() - tCleanse) / 1000 },
  };
}
