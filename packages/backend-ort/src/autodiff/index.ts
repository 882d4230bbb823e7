export { type GradientGraph, type GradientGraphOptions, buildGradientGraph } from './gradient-builder';
export type { GradientContext, GradientRule, GradientRuleFunction, GradientRuleRegistry } from './gradient-rule';
export { gradientRules } from './rules';
