import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { persistedHashOf, resolveDocument } from './trusted-documents.js';
import type { TrustedDocumentsMode } from './trusted-documents.js';

const KNOWN = 'a'.repeat(64);
const manifest = { [KNOWN]: 'query Known { __typename }' };
const resolve = (mode: TrustedDocumentsMode, request: { query?: unknown; hash?: string }) => {
  const resolution = resolveDocument({ mode, manifest }, request);
  return resolution.ok ? { query: resolution.query } : { code: resolution.code };
};

describe('trusted documents', () => {
  test('a known hash runs its document in every mode, whatever text comes along', () => {
    for (const mode of ['only', 'allow', 'off'] as const) {
      assert.deepEqual(resolve(mode, { hash: KNOWN }), { query: manifest[KNOWN] });
      assert.deepEqual(resolve(mode, { hash: KNOWN, query: 'mutation { evil }' }), { query: manifest[KNOWN] });
    }
  });

  test('only: free text and unknown hashes are refused', () => {
    assert.deepEqual(resolve('only', { query: '{ __typename }' }), { code: 'PERSISTED_QUERY_ID_REQUIRED' });
    assert.deepEqual(resolve('only', {}), { code: 'PERSISTED_QUERY_ID_REQUIRED' });
    assert.deepEqual(resolve('only', { hash: 'b'.repeat(64), query: '{ __typename }' }), {
      code: 'PERSISTED_QUERY_NOT_IN_LIST',
    });
    // Names inherited by every object are not documents.
    assert.deepEqual(resolve('only', { hash: 'constructor' }), { code: 'PERSISTED_QUERY_NOT_IN_LIST' });
  });

  test('allow and off: free text runs; an unknown hash alone asks for the text', () => {
    for (const mode of ['allow', 'off'] as const) {
      assert.deepEqual(resolve(mode, { query: '{ __typename }' }), { query: '{ __typename }' });
      assert.deepEqual(resolve(mode, { hash: 'b'.repeat(64) }), { code: 'PERSISTED_QUERY_NOT_FOUND' });
      assert.deepEqual(resolve(mode, { hash: 'b'.repeat(64), query: '{ __typename }' }), { query: '{ __typename }' });
    }
  });

  test("the hash is read from Apollo's persisted-query extension only", () => {
    assert.equal(persistedHashOf({ persistedQuery: { version: 1, sha256Hash: KNOWN } }), KNOWN);
    for (const extensions of [
      undefined,
      null,
      'x',
      {},
      { persistedQuery: 'x' },
      { persistedQuery: { sha256Hash: 5 } },
    ]) {
      assert.equal(persistedHashOf(extensions), undefined);
    }
  });
});
