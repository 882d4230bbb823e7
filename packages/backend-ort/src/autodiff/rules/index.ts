import type { GradientRuleRegistry } from '../gradient-rule';
import { activationRules } from './activation';
import { elementwiseRules, nonDifferentiableRules } from './elementwise';
import { matmulRules } from './matmul';
import { normalizationRules } from './normalization';
import { reduceRules } from './reduce';
import { shapeRules } from './shape';

/** Every built-in gradient rule, by op type (`domain:opType` outside ai.onnx). */
export const gradientRules: GradientRuleRegistry = Object.freeze({
  ...nonDifferentiableRules,
  ...elementwiseRules,
  ...matmulRules,
  ...shapeRules,
  ...reduceRules,
  ...normalizationRules,
  ...activationRules,
});
