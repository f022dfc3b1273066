// Creating a service and its first admin (the operator's `npm run create-service`): input rules, the
// password hashed at full cost, and clear outcomes for a bad value or a taken id.
import { z } from 'zod';
import { PASSWORD_COST, hashSecret } from '../auth/secrets.js';
import type { Ids } from '../ids.js';
import { isUniqueViolation, type OnboardingRepo } from '../store/index.js';

/** Same rules as users made in the console (routes-admin.ts), so the admin can later be edited there. */
export const newServiceSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'lower-case letters, digits and - (2-40), e.g. hostel-north'),
  name: z.string().trim().min(1, 'a name').max(80),
  emergencyNumber: z.string().regex(/^\+?[0-9]{2,15}$/, 'the number responders call, digits only, e.g. 999 or 112'),
  adminUsername: z.string().regex(/^[a-z0-9._-]{2,40}$/, 'lower-case letters, digits, . _ - (2-40)'),
  adminName: z.string().trim().min(1).max(60).optional(),
  adminPhone: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number such as +447700900123')
    .optional(),
});
export type NewService = z.infer<typeof newServiceSchema>;

export const passwordSchema = z.string().min(10, 'at least 10 characters').max(200, 'at most 200 characters');

export class OnboardingError extends Error {
  constructor(
    readonly kind: 'invalid' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'OnboardingError';
  }
}

export async function createService(
  store: OnboardingRepo,
  input: NewService,
  password: string,
  deps: { now: number; ids: Ids },
): Promise<{ serviceId: string; adminId: string }> {
  const pw = passwordSchema.safeParse(password);
  if (!pw.success) throw new OnboardingError('invalid', `password: ${pw.error.issues[0]?.message ?? 'not valid'}`);
  const taken = async () => {
    const c = await store.conflict(input.id, input.adminUsername);
    if (c === 'service') throw new OnboardingError('conflict', `service "${input.id}" already exists`);
    if (c === 'username')
      throw new OnboardingError('conflict', `username "${input.adminUsername}" is taken (usernames are unique across services)`);
  };
  await taken();
  const adminId = deps.ids.next('u');
  const hash = await hashSecret(password, PASSWORD_COST);
  try {
    await store.insertServiceWithAdmin({
      service: { id: input.id, name: input.name, emergency_number: input.emergencyNumber },
      admin: {
        id: adminId,
        username: input.adminUsername,
        password_hash: hash,
        display_name: input.adminName ?? input.adminUsername,
        phone: input.adminPhone ?? null,
      },
      now: deps.now,
    });
  } catch (err) {
    // Someone else took the id or the name between the check and the insert (the server may be running).
    if (isUniqueViolation(err)) await taken();
    throw err;
  }
  return { serviceId: input.id, adminId };
}
