import type { AttributionMethod } from '../contracts/attribution-method';
import type { Capabilities, ModelBackend } from '../contracts/model-backend';
import { MissingCapabilityError } from '../errors/missing-capability-error';
import type { Registry } from '../registry';

/**
 * Fails before any work when `backend` lacks what `method` requires, naming both sides and the
 * registered methods that would run on this backend.
 */
export function checkCapabilities(
  method: AttributionMethod,
  backend: ModelBackend,
  methods?: Registry<AttributionMethod>,
): void {
  const offers = (capability: keyof Capabilities) => backend.capabilities[capability] === true;
  const missing = method.requires.filter((capability) => !offers(capability));
  if (missing.length === 0) return;
  const offered = (Object.keys(backend.capabilities) as (keyof Capabilities)[]).filter(offers);
  const alternatives = (methods?.values() ?? [])
    .filter((candidate) => candidate.requires.every(offers))
    .map((candidate) => candidate.name);
  const notes = missing.flatMap((capability) => {
    const note = backend.capabilityNotes?.[capability];
    return note ? [` No ${capability} on this model: ${note}.`] : [];
  });
  throw new MissingCapabilityError(
    `${method.name} needs ${missing.join(', ')}; backend '${backend.name}' offers: ${offered.join(', ') || 'nothing'}.${notes.join('')} ` +
      `Use a backend that offers ${missing.join(', ')}` +
      (alternatives.length ? `, or one of: ${alternatives.join(', ')}.` : '.'),
  );
}
