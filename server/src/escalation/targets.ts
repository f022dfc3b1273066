// Target keys as stored on notifications (`responder:<id>`, `phone:<e164>`, `emergency_contact`).

/** External phone targets are shown by their last digits only: responders see who, not the number. */
export function maskTarget(target: unknown): unknown {
  return typeof target === 'string' && target.startsWith('phone:') ? `phone:…${target.slice(-3)}` : target;
}
