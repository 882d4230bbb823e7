/**
 * `@inseq/testing/vitest`: the parts that declare vitest suites themselves, so the main entry
 * never imports vitest (an optional peer dependency, needed only here).
 */
export { type ConformanceReference, runBackendConformance } from './backend-conformance';
