//! Hostile and careless use: bounded filters, deadlines that reach the database, limits on
//! connections and streams, inputs that must never be INTERNAL, and errors operators can read.

mod callers;
mod connections;
mod deadlines;
mod filters;
mod import;
mod input;
mod operators;
