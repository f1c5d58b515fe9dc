//! `scpf-reports import contributions`: any file is read into requests and refused lines, never
//! a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lines = scpf_reports::cli::fuzzing::contributions_csv(data);
    assert!(lines <= data.len() + 1);
});
