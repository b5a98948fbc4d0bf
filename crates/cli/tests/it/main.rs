//! Integration tests of the `northstar` command (one binary, several modules).

mod bad_input;
mod cli;
mod clv;
mod crash;
mod faults;
mod icp;
mod report;
mod score;
mod serve;
mod support;
