export { type ConformanceArchitecture, type ConformanceModelsOptions, conformanceModels } from './conformance-models';
export { MethodConformanceError } from './method-conformance-error';
export {
  type CompletenessOptions,
  type ConformanceCheck,
  type ConformanceCheckName,
  type ConformanceStatus,
  type ConformanceText,
  type MethodConformanceOptions,
  type MethodConformanceReport,
  conformanceCheckNames,
} from './method-conformance-options';
export { formatConformanceReport, runMethodConformance } from './run-method-conformance';
