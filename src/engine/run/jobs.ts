/**
 * One entry point for every engine job, used by the CLI and the worker alike: it starts the
 * backend the job asks for, announces it, and runs the job.
 */
import type { EngineEventSink, JobResult, JobSpec } from '../../shared/protocol';
import { initBackend } from '../backend';
import { runCleanse } from '../bcu/cleanse';
import { runDefend } from '../defenses';
import { runDemoSetup } from '../attackLab/demoSetup';
import { settingsProblem } from '../../shared/settings';
import { InputError } from '../errors';
import { runEvaluate } from './evaluateJob';
import { runInspect } from './inspect';

export async function runJob(job: JobSpec, sink: EngineEventSink, signal?: AbortSignal): Promise<JobResult> {
  // Every setting against its row of the settings table, before anything starts (errors name the flag).
  const problem = settingsProblem(job.kind, job.params);
  if (problem) throw new InputError(problem);
  const backend = await initBackend(job.params.backend ?? 'auto', {
    log: (message) => sink({ type: 'log', level: 'info', message }),
  });
  sink({ type: 'backend', backend });
  switch (job.kind) {
    case 'cleanse':
      return runCleanse(job.params, backend, sink, signal);
    case 'evaluate':
      return runEvaluate(job.params, backend, sink, signal);
    case 'inspect':
      return runInspect(job.params, sink, signal);
    case 'defend':
      return runDefend(job.params, backend, sink, signal);
    case 'demo':
      return runDemoSetup(job.params, backend, sink, signal);
  }
}
