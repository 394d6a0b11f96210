//! The PostgreSQL tests, in one binary (one line says when they are skipped): the conformance
//! suites, schema migrations and refusals, several writing processes, a client killed
//! mid-group, roles, and (ignored by default: it stops the server) a server stopped mid-write.
//!
//! They read `SHUCHUANG_TEST_DATABASE_URL` (`bash .ci/postgres.sh` starts a local server and
//! prints one); without it each test returns at once.

mod conformance;
mod schema;
mod support;
