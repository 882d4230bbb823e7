import type { MethodConformanceReport } from './method-conformance-options';

/** Thrown by {@link runMethodConformance} (with `assert`, the default) when a check failed; the message lists every failure. */
export class MethodConformanceError extends Error {
  /** The whole report, passed and skipped checks included. */
  readonly report: MethodConformanceReport;

  constructor(message: string, options: { readonly report: MethodConformanceReport }) {
    super(message);
    this.name = 'MethodConformanceError';
    this.report = options.report;
  }
}
