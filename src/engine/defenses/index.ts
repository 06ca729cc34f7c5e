/** `bcu defend`: runs one defense by name. (Being built for issue 4; see defenses/*.ts.) */
import type { DefendParams, DefendResult, EngineEventSink } from '../../shared/protocol';
import type { BackendInfo } from '../../shared/report';
import { InputError } from '../errors';

export async function runDefend(params: DefendParams, _backend: BackendInfo, _sink: EngineEventSink, _signal?: AbortSignal): Promise<DefendResult> {
  throw new InputError(`defense "${params.method}" is not available yet`);
}
