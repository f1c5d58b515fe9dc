//! Code generated from `proto/` by `build.rs`: messages, servers and clients of `scpf.v1`.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

tonic::include_proto!("scpf.v1");

/// The encoded `FileDescriptorSet` of every file under `proto/`, for server reflection and for
/// encoding messages as canonical JSON.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("scpf_descriptor");
