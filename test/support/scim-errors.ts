/**
 * Catching the ScimError a piece of code throws, for tests that assert on it.
 */
import { expect } from 'vitest';
import { isScimError, type ScimType } from '../../functions/core/error.ts';

/** What a client sees of a ScimError. */
export interface ScimErrorShape {
  status: number;
  scimType: ScimType | undefined;
  detail: string;
}

/** The ScimError `work` throws; fails the test if it throws nothing or something else. */
export function scimErrorOf(work: () => unknown): ScimErrorShape {
  try {
    work();
  } catch (error) {
    if (isScimError(error)) return { status: error.status, scimType: error.scimType, detail: error.detail };
    throw error;
  }
  throw new Error('expected a ScimError');
}

/** The same for async work. */
export async function scimRejectionOf(work: () => Promise<unknown>): Promise<ScimErrorShape> {
  try {
    await work();
  } catch (error) {
    if (isScimError(error)) return { status: error.status, scimType: error.scimType, detail: error.detail };
    throw error;
  }
  throw new Error('expected a ScimError');
}

/** The detail of a 400 ScimError of the given scimType thrown by `work`. */
export function detailOf400(scimType: ScimType, work: () => unknown): string {
  const error = scimErrorOf(work);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe(scimType);
  return error.detail;
}
