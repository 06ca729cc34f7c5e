/**
 * Which curves the panel draws, from a job's state (pure). The x axis is the epoch for every
 * chart, so they line up: per-step figures at fractional epochs, per-epoch records at the end of
 * their epoch (x = record.epoch: the engine numbers epochs from 1), the "before" evaluation at x = 0
 * and the "after" one at the end.
 */
import type { ChartSpec, Point } from './chartMath';
import type { JobView } from './state';

export interface NamedChart {
  id: 'loss' | 'temperature' | 'agreement' | 'eval';
  title: string;
  spec: ChartSpec;
}

const percentTick = (value: number): string => `${Math.round(value * 100)}%`;
const epochTick = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** The x range every chart shares: the whole planned run, or as far as the data goes. */
export function epochDomain(job: JobView): [number, number] {
  const planned = job.progress?.epochs ?? job.params?.epochs ?? 0;
  const lastStep = job.steps.length > 0 ? job.steps[job.steps.length - 1].x : 0;
  const lastEpoch = job.epochs.length > 0 ? job.epochs[job.epochs.length - 1].epoch : 0;
  return [0, Math.max(1, planned, lastStep, lastEpoch)];
}

export function hasEvaluation(job: JobView): boolean {
  return job.epochs.some((r) => r.eval != null) || (job.before?.acc ?? null) !== null || (job.params?.evalData ?? '') !== '';
}

export function chartsFor(job: JobView): NamedChart[] {
  const xDomain = epochDomain(job);
  const epochPoint = (pick: (r: JobView['epochs'][number]) => number | null | undefined) =>
    job.epochs.map((r): Point => ({ x: r.epoch, y: pick(r) ?? null }));
  const charts: NamedChart[] = [
    {
      id: 'loss',
      title: 'Distillation loss (KL)',
      spec: {
        xDomain,
        formatX: epochTick,
        wholeX: true,
        series: [
          { id: 'loss-step', label: 'per step', tone: 'blue', thin: true, points: job.steps.map((p) => ({ x: p.x, y: p.loss })) },
          { id: 'loss-epoch', label: 'epoch mean', tone: 'blue', dots: true, points: epochPoint((r) => r.loss) },
        ],
      },
    },
    {
      id: 'temperature',
      title: 'Temperature',
      spec: {
        xDomain,
        formatX: epochTick,
        wholeX: true,
        series: [
          // Constant within an epoch: the per-step line is a staircase, the epoch values are dots on it.
          { id: 'temperature-step', label: 'per step', tone: 'orange', points: job.steps.map((p) => ({ x: p.x, y: p.temperature })) },
          { id: 'temperature-epoch', label: 'epoch', tone: 'orange', dots: true, noLine: true, points: epochPoint((r) => r.temperature) },
        ],
      },
    },
    {
      id: 'agreement',
      title: 'Teacher–student agreement in training (no labels)',
      spec: {
        xDomain,
        yDomain: [0, 1],
        formatX: epochTick,
        wholeX: true,
        formatY: percentTick,
        series: [
          { id: 'agreement', label: 'agreement', tone: 'green', dots: true, points: epochPoint((r) => r.agreement) },
          // A student collapsing onto one class (the backdoor target) shows here before anywhere else.
          { id: 'top-class', label: 'top-class share', tone: 'purple', dashed: true, dots: true, points: epochPoint((r) => r.topClassShare) },
        ],
      },
    },
  ];
  if (hasEvaluation(job)) {
    // "before" at x = 0; "after" (the kept student) at the end unless the last epoch was evaluated.
    const end = job.epochs.length > 0 ? job.epochs[job.epochs.length - 1].epoch : xDomain[1];
    const lastEvaluated = job.epochs.length > 0 && job.epochs[job.epochs.length - 1].eval != null;
    const withBefore = (key: 'acc' | 'asr' | 'ra', points: Point[]): Point[] => {
      const before = job.before?.[key];
      const after = job.after?.[key];
      const head: Point[] = before === null || before === undefined ? [] : [{ x: 0, y: before }];
      const tail: Point[] = after === null || after === undefined || lastEvaluated ? [] : [{ x: end, y: after }];
      // Epochs without an evaluation are skipped, not gaps: the line joins the evaluated ones.
      return [...head, ...points.filter((p) => p.y !== null), ...tail];
    };
    charts.push({
      id: 'eval',
      title: 'Clean accuracy and attack success (labeled evaluation)',
      spec: {
        xDomain,
        yDomain: [0, 1],
        formatX: epochTick,
        wholeX: true,
        formatY: percentTick,
        series: [
          { id: 'acc', label: 'ACC', tone: 'green', dots: true, points: withBefore('acc', epochPoint((r) => r.eval?.acc)) },
          { id: 'asr', label: 'ASR', tone: 'red', dots: true, points: withBefore('asr', epochPoint((r) => r.eval?.asr)) },
          { id: 'ra', label: 'RA', tone: 'blue', dots: true, dashed: true, points: withBefore('ra', epochPoint((r) => r.eval?.ra)) },
        ],
      },
    });
  }
  return job.kind === 'defend' ? defenseCharts(charts) : charts;
}

/**
 * A defense other than BCU trains without distillation (CLP does not train at all): its loss is a
 * plain training loss, and curves it never reports are left out rather than shown empty.
 */
function defenseCharts(charts: NamedChart[]): NamedChart[] {
  const hasPoint = (chart: NamedChart) => chart.spec.series.some((series) => series.points.some((p) => p.y !== null && Number.isFinite(p.y)));
  return charts
    .filter((chart) => chart.id === 'eval' || hasPoint(chart))
    .map((chart) => (chart.id === 'loss' ? { ...chart, title: 'Training loss' } : chart));
}
