//! Every API method, decoded and validated from arbitrary bytes: no panic, and never INTERNAL
//! (bad input is INVALID_ARGUMENT; what passes validation meets an unreachable database and is
//! UNAVAILABLE).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, message)) = data.split_first() else {
        return;
    };
    let outcome = scpf_reports_fuzz::handlers().call(selector, message);
    assert!(outcome.grpc_status.is_some(), "no grpc-status: {outcome:?}");
    assert!(
        outcome.grpc_status != Some(scpf_reports_fuzz::INTERNAL) || outcome.is_decode_error(),
        "INTERNAL for {outcome:?}"
    );
});
