-- Native webhook endpoints are stored as credentials (dialect 'webhook': key_id = endpoint id,
-- secret = the Standard Webhooks signing secret, data = {url, events, coreEvents}); an outbox row
-- written for one names it, so the worker can sign with that endpoint's secret.
ALTER TABLE outbox ADD COLUMN endpoint_id text
