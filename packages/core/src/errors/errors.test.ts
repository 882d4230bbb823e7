import { describe, expect, it } from 'vitest';
import { BackendError } from './backend-error';
import { InseqError } from './inseq-error';
import { InvalidInputError } from './invalid-input-error';
import { MissingCapabilityError } from './missing-capability-error';
import { ModelLoadError } from './model-load-error';
import { UnknownIdError } from './unknown-id-error';

describe('errors: one constructor order, message then { code, cause }', () => {
  const cause = new RangeError('deep inside');
  const cases: [InseqError, string, string][] = [
    [new InseqError('base', { code: 'INVALID_FILE', cause }), 'InseqError', 'INVALID_FILE'],
    [new InvalidInputError('bad', { code: 'INPUT_TOO_LONG', cause }), 'InvalidInputError', 'INPUT_TOO_LONG'],
    [new ModelLoadError('load', { code: 'UNSUPPORTED_MODEL', cause }), 'ModelLoadError', 'UNSUPPORTED_MODEL'],
    [new BackendError('backend', { cause }), 'BackendError', 'BACKEND_FAILURE'],
    [new MissingCapabilityError('capability', { cause }), 'MissingCapabilityError', 'MISSING_CAPABILITY'],
  ];
  it.each(cases)('%s keeps message, code and cause', (error, name, code) => {
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(InseqError);
    expect(InseqError.isInstance(error)).toBe(true);
  });

  it('defaults the code per class and leaves cause unset when none is given', () => {
    expect(new InvalidInputError('x').code).toBe('INVALID_INPUT');
    expect(new ModelLoadError('x').code).toBe('MODEL_LOAD');
    expect('cause' in new BackendError('x')).toBe(false);
    const unknown = new UnknownIdError('method', 'salency', ['saliency']);
    expect([unknown.code, unknown.message]).toEqual(['UNKNOWN_ID', "Unknown method 'salency'. Did you mean 'saliency'? Known methods: saliency."]);
    expect(new UnknownIdError('backend', 'onnx', ['tfjs']).message).toBe("Unknown backend 'onnx'. Known backends: tfjs.");
  });
});
