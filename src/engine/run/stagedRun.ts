/**
 * The sequence every job that writes a model shares (cleanse, defend, attack): stage the output
 * folder, run the method, save the model and its run record into the staging folder, commit.
 * A failure anywhere removes the staging folder and leaves --out as it was; the models the job
 * holds are released however it ends. What differs between jobs (the method, the record's
 * settings) stays in the job.
 */
import type * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { EngineEventSink } from '../../shared/protocol';
import type { RunRecord } from '../../shared/report';
import { saveModel } from '../modelIo';
import type { OnnxSource } from '../modelIo/onnx/loadOnnx';
import { prepareOutput, writeFileAtomic, type JobInputPaths } from './outputDir';

/** Where a committed run's files will be (absolute paths). */
export interface RunOutputs {
  model: string;
  onnx?: string;
  report: string;
}

export interface RunStage {
  readonly outDir: string;
  readonly stagingDir: string;
  /** Seconds per phase, as the run record keeps them (`totalSeconds` is set at commit). */
  readonly timings: Record<string, number>;
  /** Runs `work` and keeps its seconds under timings[key]. */
  timed<T>(key: string, work: () => Promise<T>): Promise<T>;
  /**
   * Saves `model` (and its ONNX twin when asked), builds the record from where the files will
   * be, writes it, commits the folder and announces the record. Once, last.
   */
  commit(model: tf.LayersModel, options: CommitOptions): Promise<{ outputs: RunOutputs; record: RunRecord }>;
}

export interface CommitOptions {
  /** The ONNX graph the input came from: model.onnx is written too, with this model's weights. */
  onnx?: OnnxSource;
  /** For the 'save' progress event. */
  epoch: number;
  epochs: number;
  record(outputs: RunOutputs): RunRecord | Promise<RunRecord>;
}

export interface StagedRunOptions {
  out: string;
  inputs: JobInputPaths;
  force?: boolean;
  /** When the job began (its load counts in totalSeconds). */
  startedAt: number;
  sink: EngineEventSink;
  /** Releases what the job holds (its models); called once, however the run ends. */
  release(): void;
}

export async function stagedRun<T>(options: StagedRunOptions, body: (stage: RunStage) => Promise<T>): Promise<T> {
  const { sink } = options;
  let staged;
  try {
    staged = await prepareOutput(options.out, { ...options.inputs, force: options.force });
  } catch (error) {
    options.release();
    throw error;
  }
  const timings: Record<string, number> = {};
  const stage: RunStage = {
    outDir: staged.outDir,
    stagingDir: staged.stagingDir,
    timings,
    async timed(key, work) {
      const started = Date.now();
      try {
        return await work();
      } finally {
        timings[key] = (Date.now() - started) / 1000;
      }
    },
    async commit(model, commitOptions) {
      sink({ type: 'progress', phase: 'save', epoch: commitOptions.epoch, epochs: commitOptions.epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
      const saved = await saveModel(model, staged.stagingDir, { onnx: commitOptions.onnx });
      const outputs: RunOutputs = {
        model: path.join(staged.outDir, 'model.json'),
        ...(saved.onnx ? { onnx: path.join(staged.outDir, 'model.onnx') } : {}),
        report: path.join(staged.outDir, 'report.json'),
      };
      timings.totalSeconds = (Date.now() - options.startedAt) / 1000;
      const record = await commitOptions.record(outputs);
      await writeFileAtomic(path.join(staged.stagingDir, 'report.json'), JSON.stringify(record, null, 2) + '\n');
      await staged.commit();
      sink({ type: 'report', path: outputs.report, report: record });
      return { outputs, record };
    },
  };
  try {
    return await body(stage);
  } catch (error) {
    await staged.abort();
    throw staged.explain(error);
  } finally {
    options.release();
  }
}
