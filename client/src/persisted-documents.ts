import manifest from './generated/persisted-documents.json' with { type: 'json' };

/**
 * The client's operations as GraphQL Code Generator persisted them: sha256 of each document's text ->
 * the text. A gateway given this manifest runs them by hash (`LEDGER_TRUSTED_DOCUMENTS`).
 */
export const persistedDocuments: Readonly<Record<string, string>> = manifest;
