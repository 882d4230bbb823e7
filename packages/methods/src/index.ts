export { saliency } from './gradient/saliency';
export { inputXGradient } from './gradient/input-x-gradient';
export { integratedGradients } from './gradient/integrated-gradients';
export { INTEGRATION_METHODS, integrationRule, type IntegrationMethod, type IntegrationRule } from './gradient/integration-rule';
export { BASELINES, baselineEmbeddings, type BaselineName } from './gradient/baseline-embeddings';
export { builtinMethods, registerBuiltinMethods } from './register-builtin-methods';
