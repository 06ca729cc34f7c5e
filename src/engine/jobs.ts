/**
 * One entry point for every engine job, used by the CLI and the worker alike.
 * (Implementation lands with the cleanse pipeline; the signature is the contract.)
 */
import type { EngineEventSink, JobResult, JobSpec } from '../shared/protocol';

export async function runJob(job: JobSpec, sink: EngineEventSink, signal?: AbortSignal): Promise<JobResult> {
  void sink;
  void signal;
  throw new Error(`job kind ${job.kind} is not implemented yet`);
}
