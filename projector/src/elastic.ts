// The Elasticsearch read model, its own entry (`@ledger/projector/elastic`) so that only a process
// configured with ELASTIC_URL loads the client.
export { createElasticReadModel } from './adapters/elastic/read-model.js';
export type { ElasticReadModelOptions } from './adapters/elastic/read-model.js';
