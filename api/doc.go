// Package api is the client of the Veo 3.1 service (kie.ai's reseller API,
// shared/veo-api.md): requests and the envelope they answer in, the one
// error type with its kinds and hints, retries of reads, creates sent
// exactly once, the create rate limit, callbacks, and the quirks of the
// answers' shapes. Result files are fetched by api/download; the
// simulator of the service is api/sim.
package api
