//! Code generated from `proto/` by `build.rs`: messages, servers and clients of `scpf.v1`.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

tonic::include_proto!("scpf.v1");

pub mod wire;

/// The encoded `FileDescriptorSet` of every file under `proto/`, for server reflection and for
/// encoding messages as canonical JSON.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("scpf_descriptor");

/// Canonical protobuf JSON (lowerCamelCase names, enums by name, 64-bit integers as strings,
/// defaults omitted), encoded through the descriptors of the messages.
pub mod json {
    use std::sync::OnceLock;

    use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

    fn descriptor<M: prost::Name>() -> MessageDescriptor {
        static POOL: OnceLock<DescriptorPool> = OnceLock::new();
        POOL.get_or_init(|| {
            DescriptorPool::decode(super::FILE_DESCRIPTOR_SET)
                .expect("the build embeds a valid descriptor set")
        })
        .get_message_by_name(&M::full_name())
        .expect("every generated message is in the descriptor set")
    }

    fn dynamic<M: prost::Message + prost::Name>(message: &M) -> DynamicMessage {
        DynamicMessage::decode(descriptor::<M>(), message.encode_to_vec().as_slice())
            .expect("a message decodes as itself")
    }

    /// The message as a JSON value.
    pub fn value<M: prost::Message + prost::Name>(message: &M) -> serde_json::Value {
        serde_json::to_value(dynamic(message)).expect("protobuf JSON serializes")
    }

    /// The message as compact JSON text, fields in declaration order: the same message always
    /// gives the same bytes.
    pub fn to_string<M: prost::Message + prost::Name>(message: &M) -> String {
        serde_json::to_string(&dynamic(message)).expect("protobuf JSON serializes")
    }

    /// Reads a message back from its JSON.
    pub fn from_str<M: prost::Message + prost::Name + Default>(
        text: &str,
    ) -> Result<M, Box<dyn std::error::Error + Send + Sync>> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let dynamic = DynamicMessage::deserialize(descriptor::<M>(), &mut deserializer)?;
        deserializer.end()?;
        Ok(dynamic.transcode_to::<M>()?)
    }
}
