//! The protobuf codec of the generated services and clients: prost's, with two checks on every
//! request a server decodes (a message whose name ends in `Request`, as buf's lint requires of
//! every request):
//!
//! - bytes that are not a valid message are INVALID_ARGUMENT, reason `MALFORMED_MESSAGE`, naming
//!   the field where decoding stopped (tonic would answer INTERNAL);
//! - the NUL character in any string, at any depth, is INVALID_ARGUMENT, reason
//!   `INVALID_CHARACTERS`, naming the field: PostgreSQL cannot store it, and no value of this API
//!   holds it.
//!
//! Responses decode as prost decodes them.

use std::{marker::PhantomData, sync::OnceLock};

use bytes::{Buf, Bytes};
use prost::{Message, Name};
use prost_reflect::{DescriptorPool, DynamicMessage, MapKey, Value};
use tonic::{
    Status,
    codec::{DecodeBuf, EncodeBuf},
};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

use crate::{domain::FieldViolation, error::Error};

/// See the module documentation.
#[derive(Debug)]
pub struct Codec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for Codec<T, U> {
    fn default() -> Self {
        Codec {
            _types: PhantomData,
        }
    }
}

impl<T, U> tonic::codec::Codec for Codec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Name + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = Encoder<T>;
    type Decoder = Decoder<U>;

    fn encoder(&mut self) -> Encoder<T> {
        Encoder(tonic::codec::Codec::encoder(
            &mut ProstCodec::<T, U>::default(),
        ))
    }

    fn decoder(&mut self) -> Decoder<U> {
        Decoder(tonic::codec::Codec::decoder(
            &mut ProstCodec::<T, U>::default(),
        ))
    }
}

/// prost's encoder.
#[derive(Debug)]
pub struct Encoder<T>(ProstEncoder<T>);

impl<T: Message> tonic::codec::Encoder for Encoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: T, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        self.0.encode(item, dst)
    }

    fn buffer_settings(&self) -> tonic::codec::BufferSettings {
        self.0.buffer_settings()
    }
}

/// prost's decoder, with the checks of the module documentation for requests.
#[derive(Debug)]
pub struct Decoder<U>(ProstDecoder<U>);

impl<U: Message + Name + Default> tonic::codec::Decoder for Decoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        if !U::NAME.ends_with("Request") {
            return self.0.decode(src);
        }
        let bytes = src.copy_to_bytes(src.remaining());
        let message = U::decode(bytes.clone()).map_err(|e| malformed::<U>(&e))?;
        // A NUL character is a 0 byte inside a string; messages without any 0 byte (most: proto3
        // leaves zeros out) need no closer look.
        if bytes.contains(&0) {
            check_strings::<U>(bytes)?;
        }
        Ok(Some(message))
    }

    fn buffer_settings(&self) -> tonic::codec::BufferSettings {
        self.0.buffer_settings()
    }
}

/// INVALID_ARGUMENT for a request that does not decode, naming the field where it stopped.
fn malformed<U: Name>(err: &prost::DecodeError) -> Status {
    // prost reads `failed to decode Protobuf message: Inner.field: Outer.field: description`,
    // innermost first.
    let text = err.to_string();
    let rest = text
        .strip_prefix("failed to decode Protobuf message: ")
        .unwrap_or(&text);
    let mut fields = Vec::new();
    let mut description = rest;
    while let Some((segment, tail)) = description.split_once(": ") {
        match segment.split_once('.') {
            Some((message, field))
                if !message.is_empty()
                    && !field.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_alphanumeric() || "._".contains(c)) =>
            {
                fields.push(field);
                description = tail;
            }
            _ => break,
        }
    }
    fields.reverse();
    let field = fields.join(".");
    Error::from(FieldViolation::new(
        field,
        "MALFORMED_MESSAGE",
        format!(
            "the request is not a valid {} protobuf message: {description}",
            U::full_name()
        ),
    ))
    .into()
}

fn descriptors() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(crate::pb::FILE_DESCRIPTOR_SET)
            .expect("the build embeds a valid descriptor set")
    })
}

/// Refuses a request holding the NUL character in any string, naming the first such field.
fn check_strings<U: Name>(bytes: Bytes) -> Result<(), Status> {
    let Some(descriptor) = descriptors().get_message_by_name(&U::full_name()) else {
        return Ok(());
    };
    let Ok(message) = DynamicMessage::decode(descriptor, bytes) else {
        return Ok(());
    };
    let Some(field) = find_nul(&message, "") else {
        return Ok(());
    };
    // A row of a streamed import says which row it is.
    let row = message
        .get_field_by_name("row")
        .and_then(|v| v.as_i64())
        .map(|row| format!("row {row}: "))
        .unwrap_or_default();
    Err(Error::from(FieldViolation::new(
        field,
        "INVALID_CHARACTERS",
        format!("{row}must not contain the NUL character"),
    ))
    .into())
}

/// The path of the first string holding NUL (`contribution.installments[1].due_date`).
fn find_nul(message: &DynamicMessage, parent: &str) -> Option<String> {
    for (field, value) in message.fields() {
        let path = crate::domain::field(parent, field.name());
        if let Some(found) = find_in_value(value, &path) {
            return Some(found);
        }
    }
    None
}

fn find_in_value(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then(|| path.to_owned()),
        Value::Message(m) => find_nul(m, path),
        Value::List(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_in_value(item, &format!("{path}[{i}]"))),
        Value::Map(entries) => entries.iter().find_map(|(key, item)| match key {
            MapKey::String(k) if k.contains('\0') => Some(path.to_owned()),
            MapKey::String(k) => find_in_value(item, &format!("{path}[{}]", k)),
            _ => find_in_value(item, path),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;
    use tonic_types::StatusExt;

    fn violation(status: &Status) -> (String, String) {
        let info = status.get_details_error_info().unwrap();
        let field = status
            .get_details_bad_request()
            .map(|b| b.field_violations[0].field.clone())
            .unwrap_or_default();
        (info.reason, field)
    }

    #[test]
    fn a_nul_anywhere_names_its_field() {
        let request = pb::CreateContributionRequest {
            contribution: Some(pb::Contribution {
                installments: vec![
                    pb::Installment::default(),
                    pb::Installment {
                        due_date: "2025\0".into(),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        };
        let status = check_strings::<pb::CreateContributionRequest>(request.encode_to_vec().into())
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert_eq!(
            violation(&status),
            (
                "INVALID_CHARACTERS".to_owned(),
                "contribution.installments[1].due_date".to_owned()
            )
        );
        let clean = pb::CreateContributionRequest {
            request_id: "fine".into(),
            ..Default::default()
        };
        assert!(
            check_strings::<pb::CreateContributionRequest>(clean.encode_to_vec().into()).is_ok()
        );
    }

    #[test]
    fn bytes_that_do_not_decode_are_invalid_argument_naming_the_field() {
        // Field 2 (organization) holds a message whose field 2 (display_name) is not UTF-8.
        let bytes: &[u8] = &[0x12, 0x04, 0x12, 0x02, 0xff, 0xfe];
        let err = pb::CreateOrganizationRequest::decode(bytes).unwrap_err();
        let status = malformed::<pb::CreateOrganizationRequest>(&err);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert_eq!(
            violation(&status),
            (
                "MALFORMED_MESSAGE".to_owned(),
                "organization.display_name".to_owned()
            )
        );
        let err = pb::CreateOrganizationRequest::decode(&[0x12, 0x09][..]).unwrap_err();
        let status = malformed::<pb::CreateOrganizationRequest>(&err);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(status.message().contains("CreateOrganizationRequest"));
    }
}
