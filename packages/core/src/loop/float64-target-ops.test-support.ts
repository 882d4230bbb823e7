import type { TargetOps } from '../contracts/differentiable-target';

/** {@link TargetOps} over plain float64 arrays, for the closed-form test models of the loop. */
export const float64TargetOps: TargetOps<Float64Array> = {
  softmax: (x) => {
    const max = Math.max(...x);
    const e = x.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  },
  logSoftmax: (x) => {
    const max = Math.max(...x);
    const lse = Math.log(x.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
    return x.map((v) => v - lse);
  },
  gather: (x, ids) => Float64Array.of(x[ids[0]]),
  add: (a, b) => a.map((v, i) => v + b[i]),
  sub: (a, b) => a.map((v, i) => v - b[i]),
  mul: (a, b) => a.map((v, i) => v * b[i]),
  exp: (x) => x.map(Math.exp),
  log: (x) => x.map(Math.log),
  neg: (x) => x.map((v) => -v),
  sum: (x) => Float64Array.of(x.reduce((a, b) => a + b, 0)),
  constant: (values) => Float64Array.from(values),
};
