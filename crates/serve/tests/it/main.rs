//! The service's tests: every endpoint and error in-process with `oneshot`, the HTTP score
//! against the command line's, and the dashboard's sign-in and pages.

mod agreement;
mod api;
mod bodies;
mod dashboard;
mod support;
