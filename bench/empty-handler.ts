/**
 * The baseline of the cold-start measurement (bench/cold-start.ts): a handler that imports nothing,
 * bundled with the same settings as the real ones, so that what the runtime costs to load any
 * bundle is measured beside what each real handler adds to it.
 */
export const handler = async () => ({ statusCode: 204, body: '' });
